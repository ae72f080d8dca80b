"""Figures drawn at build time from the facts file, as vector graphics.

Three figures, each computed or labelled from ``source/_data/facts.toml`` so
that they can never disagree with the text:

``concentration``
    Blood level over time after one dose and with twice-daily dosing that
    stops after ten days, from a one-compartment model with first-order
    absorption.  The elimination rate comes from the middle of the label's
    half-life range and the absorption rate is solved so that the single
    dose peaks in the middle of the label's time-to-peak range.
``mechanism``
    The GABA-A receptor in a nerve-cell membrane: the GABA sites, the
    benzodiazepine site, chloride entering, the cell quietened.  Drawn in
    shades of grey with text labels, so it reads on an e-ink screen.
``panic-stopping``
    Share of people who stopped treatment in the label's panic disorder
    trials, clonazepam against placebo, overall and for the two commonest
    reasons.

Each is written as SVG (HTML and EPUB) and PDF (LaTeX) into
``source/_generated/``; the chapters include them with
``.. figure:: /_generated/NAME.*`` so each builder picks its format.  Output
is deterministic (fixed fonts, ``svg.hashsalt``, no dates), written
atomically, and redrawn only when the facts file or this module changes.

Each build draws only the format it uses.  When the three builds run side
by side (``tools/build.py book``), the figures are drawn once, by a process
of their own (``python tools/extensions/book_figures.py``) that holds a lock
per format (``source/_generated/.svg.lock``, ``.pdf.lock``) and draws the
SVG first.  A Sphinx process that finds its format's lock taken reads its
sources meanwhile and waits for the drawing only before it writes anything.
While reading, Sphinx only looks for the image files (to pick SVG or PDF), so
the drawing process first puts an empty file wherever a figure is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

FIGURES = ("concentration", "mechanism", "panic-stopping")
DAYS_SHOWN = 20  # x axis of the concentration figure
GREYS = {"ink": "#111111", "dark": "#444444", "mid": "#888888", "light": "#cccccc", "pale": "#eeeeee"}


# -- the pharmacokinetic model (pure functions, used by the tests too) ----------

def elimination_rate(half_life_h: float) -> float:
    return math.log(2) / half_life_h


def time_to_peak(ka: float, ke: float) -> float:
    return math.log(ka / ke) / (ka - ke)


def absorption_rate(tmax_h: float, ke: float) -> float:
    """The absorption rate constant ka > ke that puts the peak at tmax (bisection)."""
    lo, hi = ke * 1.0001, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if time_to_peak(mid, ke) > tmax_h:  # peak too late: absorb faster
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def one_dose(t: float, ka: float, ke: float) -> float:
    """Blood level t hours after one dose (Bateman function, arbitrary units)."""
    if t <= 0:
        return 0.0
    return ka / (ka - ke) * (math.exp(-ke * t) - math.exp(-ka * t))


def model_parameters(facts: dict) -> dict:
    hl = facts["half-life"]
    tp = facts["time-to-peak"]
    half_life = (hl["low"] + hl["high"]) / 2
    tmax = (tp["low"] + tp["high"]) / 2
    ke = elimination_rate(half_life)
    return {"half_life": half_life, "tmax": tmax, "ke": ke, "ka": absorption_rate(tmax, ke),
            "interval": 12.0, "doses": 20}


def concentration_curves(facts: dict, step_h: float = 0.5, end_h: float = DAYS_SHOWN * 24):
    """Times (hours), one-dose curve and repeated-dose curve, both relative to one dose's peak."""
    p = model_parameters(facts)
    ka, ke = p["ka"], p["ke"]
    peak = one_dose(p["tmax"], ka, ke)
    times = [i * step_h for i in range(int(end_h / step_h) + 1)]
    single = [one_dose(t, ka, ke) / peak for t in times]
    dose_times = [i * p["interval"] for i in range(p["doses"])]
    repeated = [sum(one_dose(t - d, ka, ke) for d in dose_times) / peak for t in times]
    return times, single, repeated, p


# -- drawing ----------------------------------------------------------------------

def _pyplot():
    import logging as stdlib_logging

    import matplotlib

    # fontTools reports every subsetting step at INFO level: not for readers of the build log.
    stdlib_logging.getLogger("fontTools").setLevel(stdlib_logging.WARNING)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcdefaults()
    plt.rcParams.update({
        "font.family": "DejaVu Sans",  # bundled with matplotlib: same everywhere
        "font.size": 10,
        "svg.hashsalt": "clonazepam-ebook",
        "svg.fonttype": "none",  # text stays text: smaller, selectable, read aloud
        "pdf.fonttype": 42,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    return plt


def draw_concentration(plt, facts: dict):
    times, single, repeated, p = concentration_curves(facts)
    days = [t / 24 for t in times]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.patch.set_gid("plot-area")
    line, = ax.plot(days, repeated, color=GREYS["ink"], linewidth=1.4,
                    label="Twice a day for 10 days, then stopped")
    line.set_gid("repeated-doses")
    line, = ax.plot(days, single, color=GREYS["dark"], linewidth=1.6, linestyle=(0, (4, 2)),
                    label="One dose")
    line.set_gid("one-dose")
    last = (p["doses"] - 1) * p["interval"] / 24
    ax.axvline(last, color=GREYS["mid"], linewidth=0.8, linestyle=":")
    ax.text(last + 0.2, 0.25, "last dose", fontsize=9, color=GREYS["dark"], va="center")
    ax.set_xlim(0, DAYS_SHOWN)
    ax.set_ylim(0, math.ceil(max(repeated)))
    ax.set_xticks(range(0, DAYS_SHOWN + 1, 2))
    ax.set_xlabel("Days from the first dose")
    ax.set_ylabel("Blood level\n(1 = peak after one dose)")
    ax.legend(frameon=False, loc="upper right", bbox_to_anchor=(1.0, 1.04), fontsize=9)
    ax.set_title(f"Illustrative model: half-life {p['half_life']:g} hours, peak at {p['tmax']:g} hours",
                 fontsize=9, color=GREYS["dark"], loc="left")
    fig.tight_layout()
    return fig


def draw_mechanism(plt, facts: dict):
    from matplotlib import patches

    fig, axes = plt.subplots(1, 2, figsize=(6.6, 4.0))
    titles = ("GABA alone", "GABA with clonazepam")
    for ax, title, with_bzd in zip(axes, titles, (False, True)):
        ax.set_xlim(0, 10)
        ax.set_axis_off()
        ax.set_title(title, fontsize=10, weight="bold")
        # the cell membrane: outside above, inside below
        ax.add_patch(patches.Rectangle((0, 4.2), 10, 1.6, color=GREYS["light"], zorder=1))
        ax.text(0.2, 9.0, "outside the cell", fontsize=8, color=GREYS["dark"])
        ax.text(0.2, 1.2, "inside the nerve cell", fontsize=8, color=GREYS["dark"])
        # the receptor: two halves around a pore
        gap = 0.9 if with_bzd else 0.45
        for x in (5 - gap - 1.6, 5 + gap):
            ax.add_patch(patches.FancyBboxPatch((x, 3.4), 1.6, 3.2, boxstyle="round,pad=0.1",
                                                facecolor=GREYS["pale"], edgecolor=GREYS["ink"], zorder=2))
        # GABA bound at its two sites (black circles)
        for x in (5 - gap - 1.6, 5 + gap + 1.6):
            ax.add_patch(patches.Circle((x, 6.6), 0.32, color=GREYS["ink"], zorder=3))
        ax.text(5 + gap + 2.0, 7.2, "GABA", fontsize=8)
        if with_bzd:
            # the benzodiazepine site, a separate place on the receptor (white diamond)
            ax.add_patch(patches.RegularPolygon((5 - gap - 1.6, 4.9), 4, radius=0.45,
                                                facecolor="white", edgecolor=GREYS["ink"], linewidth=1.5, zorder=3))
            ax.annotate("clonazepam at the\nbenzodiazepine site", xy=(5 - gap - 2.0, 4.9), xytext=(0.1, 2.2),
                        fontsize=8, arrowprops={"arrowstyle": "-", "color": GREYS["dark"]})
        # chloride ions flowing in: more, and more often, with clonazepam
        ax.annotate("", xy=(5, 1.5), xytext=(5, 9.0),
                    arrowprops={"arrowstyle": "-|>", "color": GREYS["ink"],
                                "linewidth": 2.2 if with_bzd else 1.0}, zorder=2)
        above = [8.4, 7.6] if with_bzd else [8.4]
        below = [3.2, 2.6] if with_bzd else []
        for y in above + below:
            ax.add_patch(patches.Circle((5, y), 0.22, facecolor="white", edgecolor=GREYS["ink"], zorder=4))
        ax.text(5.4, 8.3, "chloride (Cl\u207b)", fontsize=8)
        caption = ("The channel opens more often:\nmore chloride enters, and the\ncell is less likely to fire."
                   if with_bzd else "The channel opens:\nsome chloride enters.")
        ax.text(5, -0.4, caption, fontsize=8.5, ha="center", va="top")
        ax.set_ylim(-2.4, 10)
    fig.tight_layout()
    return fig


def draw_panic_stopping(plt, facts: dict):
    rows = [("Any adverse event", facts["ae-panic-stopped"]),
            ("Sleepiness", facts["ae-panic-stop-somnolence"]),
            ("Depression", facts["ae-panic-stop-depression"])]
    fig, ax = plt.subplots(figsize=(6.4, 2.9))
    height = 0.36
    for i, (name, fact) in enumerate(rows):
        y = len(rows) - 1 - i
        for offset, key, colour, hatch, label in (
            (height / 2, "drug", GREYS["dark"], None, "Clonazepam"),
            (-height / 2, "placebo", "white", "///", "Placebo"),
        ):
            bar = ax.barh(y + offset, fact[key], height=height, color=colour, hatch=hatch,
                          edgecolor=GREYS["ink"], label=label if i == 0 else None)
            bar.patches[0].set_gid(f"bar-{name.lower().replace(' ', '-')}-{key}")
            ax.text(fact[key] + 0.3, y + offset, f"{fact[key]:g}%", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)])
    ax.set_xlabel("Share of people who stopped treatment (%)")
    ax.set_xlim(0, max(f["drug"] for _, f in rows) * 1.25)
    ax.legend(frameon=False, loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig


DRAW = {"concentration": draw_concentration, "mechanism": draw_mechanism,
        "panic-stopping": draw_panic_stopping}


# -- writing --------------------------------------------------------------------------

def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


@contextlib.contextmanager
def _lean_font_subsets():
    """Leave the OpenType layout tables out of the fonts embedded in PDF figures.

    matplotlib keeps GSUB, GPOS and GDEF in the DejaVu Sans subset it embeds;
    no PDF reader uses them (matplotlib places every glyph itself), and
    decoding them took half the time of drawing the figures.  The PDFs draw
    the same pixels and hold the same text, a few KB smaller.
    """
    from fontTools import subset

    original = subset.Options.__init__

    def init(self, **kwargs):
        original(self, **kwargs)
        self.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH"]

    subset.Options.__init__ = init
    try:
        yield
    finally:
        subset.Options.__init__ = original


def _render(fig, fmt: str) -> bytes:
    import io

    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"CreationDate": None, "ModDate": None}
    with _lean_font_subsets() if fmt == "pdf" else contextlib.nullcontext():
        fig.savefig(buf, format=fmt, metadata=metadata)
    data = buf.getvalue()
    if fmt == "svg":
        # Text is kept as text; where DejaVu Sans is not installed, fall back to
        # fonts of similar width rather than the reader's default serif.
        data = data.replace(b"font-family: 'DejaVu Sans'",
                            b"font-family: 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif")
        data = compact_svg(data)
    return data


_LONG_DECIMAL = re.compile(rb"-?\d+\.\d{3,}")


def _two_decimals(match: re.Match) -> bytes:
    text = f"{float(match.group()):.2f}".rstrip("0").rstrip(".")
    return (b"0" if text in ("-0", "") else text.encode())


def _compact_tag(match: re.Match) -> bytes:
    tag = _LONG_DECIMAL.sub(_two_decimals, match.group())
    return re.sub(rb"\s+", b" ", tag).replace(b' "', b'"')


def compact_svg(data: bytes) -> bytes:
    """matplotlib's SVG, about 30 % smaller and drawn the same.

    Coordinates keep two decimals (a hundredth of a point), the metadata
    block, the DOCTYPE and no-op rotations go, and so does the whitespace
    between and inside tags.  Text content is left exactly as it was.
    """
    data = re.sub(rb"<!DOCTYPE[^>]*>\s*", b"", data)
    data = re.sub(rb"\s*<metadata>.*?</metadata>", b"", data, flags=re.S)
    data = re.sub(rb' transform="rotate\(-?0 [^"]*\)"', b"", data)
    data = re.sub(rb"<[^<>]+>", _compact_tag, data)
    return re.sub(rb">\s+<", b"><", data)


FORMATS = ("svg", "pdf")  # SVG for HTML and EPUB, PDF for LaTeX; SVG first: two builds wait for it


def _acquire(out: Path, fmt: str, wait: bool):
    """The lock file of one format, held; None when another process holds it."""
    handle = open(out / f".{fmt}.lock", "a")
    try:
        import fcntl
    except ImportError:  # not POSIX: builds there run one at a time
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.close()
        return None
    return handle  # closing it releases the lock


def _stamp(facts_file: Path) -> str:
    from importlib.metadata import version  # cheaper than importing matplotlib when up to date

    return hashlib.sha256(
        facts_file.read_bytes() + Path(__file__).read_bytes() + version("matplotlib").encode()
    ).hexdigest()


def _is_fresh(out: Path, fmt: str, stamp: str) -> bool:
    stamp_file = out / f"figures.{fmt}.stamp"
    return (stamp_file.exists() and stamp_file.read_text() == stamp
            and all((out / f"{name}.{fmt}").exists() for name in FIGURES))


def generate(srcdir: Path, facts: dict, facts_file: Path, formats=FORMATS, wait: bool = True) -> bool:
    """Draw the figures in these formats unless they are up to date; True when they are.

    With ``wait=False``, return False at once if another process is drawing them.
    """
    out = srcdir / "_generated"
    out.mkdir(exist_ok=True)
    locks = {}
    try:
        for fmt in formats:  # always in the order of FORMATS, so no two processes deadlock
            handle = _acquire(out, fmt, wait)
            if handle is None:
                return False
            locks[fmt] = handle
        stamp = _stamp(facts_file)
        stale = [fmt for fmt in formats if not _is_fresh(out, fmt, stamp)]
        if stale:
            _draw(out, facts, stale, stamp, locks)
            logger.info("drew %d figures (%s) from %s", len(FIGURES), ", ".join(stale), facts_file.name)
    finally:
        for handle in locks.values():
            handle.close()
    return True


def _draw(out: Path, facts: dict, formats: list[str], stamp: str, locks: dict) -> None:
    for name in FIGURES:  # for builds reading meanwhile; each is replaced below, before its stamp
        for fmt in formats:
            (out / f"{name}.{fmt}").touch(exist_ok=True)
    plt = _pyplot()
    figures = {name: DRAW[name](plt, facts) for name in FIGURES}
    for fmt in formats:
        for name, fig in figures.items():
            _atomic_write(out / f"{name}.{fmt}", _render(fig, fmt))
        _atomic_write(out / f"figures.{fmt}.stamp", stamp.encode())
        locks.pop(fmt).close()  # the builds waiting for this format go on
    for fig in figures.values():
        plt.close(fig)


def _format(app) -> str:
    return "pdf" if app.builder.name == "latex" else "svg"


def _generate_for(app, wait: bool) -> bool:
    from facts import load_facts

    facts_file = Path(app.srcdir) / app.config.facts_file
    return generate(Path(app.srcdir), load_facts(facts_file), facts_file, formats=(_format(app),), wait=wait)


def _wait_for_drawing(app) -> None:
    if getattr(app, "_book_figures_pending", False):
        _generate_for(app, wait=True)  # returns once the drawing process is done
        app._book_figures_pending = False


def on_builder_inited(app) -> None:
    # Another process is drawing them: read meanwhile, wait before writing.
    app._book_figures_pending = not _generate_for(app, wait=False)


def on_doctree_read(app, doctree) -> None:
    """Before Sphinx's image collector looks for a chapter's figure files."""
    if not getattr(app, "_book_figures_pending", False):
        return
    out, fmt = Path(app.srcdir) / "_generated", _format(app)
    for node in doctree.findall(nodes.image):
        name = node["uri"].rpartition("_generated/")[2].removesuffix(".*")
        if node["uri"] != name and not (out / f"{name}.{fmt}").exists():
            _wait_for_drawing(app)  # the drawing process has not got that far: wait for it
            return


def on_env_updated(app, env) -> None:
    _wait_for_drawing(app)  # every source is read; nothing is written yet


def setup(app):
    app.setup_extension("facts")
    app.connect("builder-inited", on_builder_inited)
    # before Sphinx's image collector (priority 500) looks for the files
    app.connect("doctree-read", on_doctree_read, priority=400)
    app.connect("env-updated", on_env_updated)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str]) -> int:
    """python tools/extensions/book_figures.py SOURCE_DIR FACTS_FILE: draw them, once."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from facts import load_facts

    srcdir, facts_file = Path(argv[0]), Path(argv[1])
    generate(srcdir, load_facts(facts_file), facts_file)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))

"""Draw the book's figures as SVG, from the facts file: the build's first step.

    python tools/extensions/figure_drawing.py SOURCE_DIR [FACTS_FILE]

Three figures, each computed or labelled from ``source/_data/facts.toml`` so
that they can never disagree with the text:

``concentration``
    Blood level over time (the model is ``figure_model.py``).
``mechanism``
    The GABA-A receptor in a nerve-cell membrane: the GABA sites, the
    benzodiazepine site, chloride entering, the cell quietened.  Drawn in
    shades of grey with text labels, so it reads on an e-ink screen.
``panic-stopping``
    Share of people who stopped treatment in the label's panic disorder
    trials, clonazepam against placebo, overall and for the two commonest
    reasons.

One format serves every edition: SVG (the HTML and the EPUB show it, the PDF
editions lay it out as vector graphics).  ``tools/build.py`` runs this once,
before any Sphinx process starts, so no build ever reads a half-drawn figure;
a Sphinx run on its own (``make html``, ``make serve``) draws them through
``book_figures.py`` when they are missing or stale.  Output is deterministic
(fixed fonts, ``svg.hashsalt``, no dates), written atomically, and redrawn
only when the facts file, this module, the model or matplotlib changes.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figure_model import DAYS_SHOWN, concentration_curves  # noqa: E402

FIGURES = ("concentration", "mechanism", "panic-stopping")
GREYS = {"ink": "#111111", "dark": "#444444", "mid": "#888888", "light": "#cccccc", "pale": "#eeeeee"}


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
                    label="Regular doses (model only), then none")
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


# Text is kept as text; where DejaVu Sans is not installed, fall back to fonts
# of similar width rather than the reader's default serif.  (print_pdf.py sets
# the labels in FreeSans for the PDF editions: it looks for this exact text.)
SVG_FONT = b"font-family: 'DejaVu Sans'"
SVG_FONTS = b"font-family: 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"


def render_svg(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    data = buf.getvalue()
    if SVG_FONT not in data:
        raise RuntimeError(f"matplotlib's SVG no longer names {SVG_FONT.decode()}: update SVG_FONT")
    return compact_svg(data.replace(SVG_FONT, SVG_FONTS))


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
    data = re.sub(rb"\s*<metadata>.*?</metadata>", b"", data, flags=re.DOTALL)
    data = re.sub(rb' transform="rotate\(-?0 [^"]*\)"', b"", data)
    data = re.sub(rb"<[^<>]+>", _compact_tag, data)
    return re.sub(rb">\s+<", b"><", data)


def stamp(facts_file: Path) -> str:
    from importlib.metadata import (
        version,  # cheaper than importing matplotlib when up to date
    )

    code = Path(__file__).read_bytes() + (HERE / "figure_model.py").read_bytes()
    return hashlib.sha256(facts_file.read_bytes() + code + version("matplotlib").encode()).hexdigest()


def is_fresh(out: Path, facts_file: Path) -> bool:
    stamp_file = out / "figures.stamp"
    return (stamp_file.exists() and stamp_file.read_text() == stamp(facts_file)
            and all((out / f"{name}.svg").exists() for name in FIGURES))


def draw_all(srcdir: Path, facts_file: Path) -> bool:
    """Draw the figures into SOURCE/_generated unless they are up to date; True if drawn."""
    from facts import load_facts

    out = srcdir / "_generated"
    out.mkdir(exist_ok=True)
    if is_fresh(out, facts_file):
        return False
    facts = load_facts(facts_file)
    plt = _pyplot()
    for name in FIGURES:
        fig = DRAW[name](plt, facts)
        _atomic_write(out / f"{name}.svg", render_svg(fig))
        plt.close(fig)
    _atomic_write(out / "figures.stamp", stamp(facts_file).encode())
    return True


def main(argv: list[str]) -> int:
    srcdir = Path(argv[0]) if argv else HERE.parents[1] / "source"
    facts_file = Path(argv[1]) if len(argv) > 1 else srcdir / "_data" / "facts.toml"
    if draw_all(srcdir, facts_file):
        print(f"drew {len(FIGURES)} figures from {facts_file.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

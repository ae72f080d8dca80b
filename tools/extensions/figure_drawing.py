"""Draw the book's figures as SVG and PNG, from the facts file: the build's first step.

    python tools/extensions/figure_drawing.py SOURCE_DIR [FACTS_FILE]

Three figures, each computed or labelled from ``source/_data/facts.toml`` so
that they can never disagree with the text:

``concentration``
    Blood level over time (the model is ``figure_model.py``).
``mechanism``
    The GABA-A receptor in a nerve-cell membrane, GABA alone above and GABA
    with clonazepam below: the GABA sites, the benzodiazepine site, chloride
    entering.  Shades of grey, told apart by shape, so it reads on e-ink.
``panic-stopping``
    Share of people who stopped treatment in the label's panic disorder
    trials, clonazepam against placebo, overall and for the two commonest
    reasons.

Each is drawn for the narrowest place it is shown (a 6-inch e-reader, a
phone; see WIDTH_IN and LABEL_PT) and written three times: ``NAME.svg``
(the HTML in light mode, and the PDF editions, which lay it out as vector
graphics), ``NAME-dark.svg`` (light strokes on a transparent ground, the
HTML in dark mode) and ``NAME.png`` (greyscale, for the EPUB: Send-to-Kindle
drops SVG on some devices).  ``book_figures.py`` gives each format its
picture.  A drawing whose texts collide or run off the canvas fails here
(check_labels), not in front of a reader.

``tools/build.py`` runs this once, before any Sphinx process starts, so no
build ever reads a half-drawn figure; a Sphinx run on its own (``make html``,
``make serve``) draws them through ``book_figures.py`` when they are missing
or stale.  Output is deterministic (fixed fonts, ``svg.hashsalt``, no dates,
no software name in the PNG), written atomically, and redrawn only when the
facts file, this module, the model or matplotlib changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figure_model import DAYS_SHOWN, concentration_curves  # noqa: E402

FIGURES = ("concentration", "mechanism", "panic-stopping")

# Drawn for the narrowest place a figure is shown: a 6-inch e-reader at 12 pt
# (MuPDF lays the picture out 161 pt wide) and a 360 px phone (328 px).  The
# canvas is WIDTH_IN wide and no text is smaller than LABEL_PT, so a label is
# LABEL_PT * 161 / (72 * WIDTH_IN) = 7.3 pt there and 15 CSS px on the phone
# (tests/test_figures.py measures it in every format).  Few words, set in one
# line each where possible; every text must fit the canvas and clear every
# other text (check_labels, at drawing time).
WIDTH_IN = 3.2
LABEL_PT = 11
HEAD_PT = 12
# PNG for the EPUB (Send-to-Kindle drops SVG on some devices): the width of a
# 6-inch 300 ppi screen (1072 px), in shades of grey.
PNG_DPI = 1072 / WIDTH_IN

# Shades of grey only, told apart by shape and line style as well, so they read
# on e-ink.  The dark set (light strokes on a transparent ground) is the HTML's
# dark-mode picture; "paper" is the picture's own ground, "open" the inside of open shapes.
PALETTES = {
    "light": {"ink": "#111111", "dark": "#444444", "mid": "#777777", "light": "#cccccc",
              "pale": "#eeeeee", "paper": "#ffffff", "open": "#ffffff"},
    "dark": {"ink": "#eeeeee", "dark": "#bbbbbb", "mid": "#999999", "light": "#4a4a4a",
             "pale": "#2a2a2a", "paper": "none", "open": "#2a2a2a"},
}


def _pyplot():
    import logging as stdlib_logging

    import matplotlib

    # fontTools reports every subsetting step at INFO level: not for readers of the build log.
    stdlib_logging.getLogger("fontTools").setLevel(stdlib_logging.WARNING)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _style(plt, grey: dict) -> None:
    plt.rcdefaults()
    plt.rcParams.update({
        "font.family": "DejaVu Sans",  # bundled with matplotlib: same everywhere
        "font.size": LABEL_PT,
        "svg.hashsalt": "clonazepam-ebook",
        "svg.fonttype": "none",  # text stays text: smaller, selectable, read aloud
        "pdf.fonttype": 42,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "text.color": grey["ink"], "axes.edgecolor": grey["ink"], "axes.labelcolor": grey["ink"],
        "xtick.color": grey["ink"], "ytick.color": grey["ink"], "hatch.color": grey["ink"],
        "axes.linewidth": 1.2, "xtick.major.width": 1.2, "ytick.major.width": 1.2,
        "xtick.labelsize": LABEL_PT, "ytick.labelsize": LABEL_PT, "axes.labelsize": LABEL_PT,
        "hatch.linewidth": 1.0,
        "figure.facecolor": grey["paper"], "axes.facecolor": "none", "savefig.facecolor": grey["paper"],
        "savefig.transparent": grey["paper"] == "none",
    })


def _canvas(plt, height_in: float):
    fig = plt.figure(figsize=(WIDTH_IN, height_in))
    return fig


def _axes(fig, left_pt, bottom_pt, right_pt, top_pt):
    """Axes placed by their margins in points, so that the layout never depends on tight_layout."""
    w, h = (v * 72 for v in fig.get_size_inches())
    return fig.add_axes((left_pt / w, bottom_pt / h, 1 - (left_pt + right_pt) / w, 1 - (bottom_pt + top_pt) / h))


def draw_concentration(plt, facts: dict, grey: dict):
    times, single, repeated, p = concentration_curves(facts)
    days = [t / 24 for t in times]
    fig = _canvas(plt, 2.85)
    ax = _axes(fig, 24, 64, 10, 22)
    ax.patch.set_gid("plot-area")
    ax.patch.set_facecolor("none")
    line, = ax.plot(days, repeated, color=grey["ink"], linewidth=1.8)
    line.set_gid("repeated-doses")
    line, = ax.plot(days, single, color=grey["ink"], linewidth=2.0, linestyle=(0, (3, 1.5)))
    line.set_gid("one-dose")
    last = (p["doses"] - 1) * p["interval"] / 24
    top = max(repeated) + 0.75  # room above the curve for its label
    ax.axvline(last, color=grey["mid"], linewidth=1.2, linestyle=":")
    ax.text(last + 0.4, top, "last dose", va="top")
    ax.text(0.5, max(repeated) + 0.12, "twice a day", va="bottom")
    ax.text(2.6, 0.45, "one dose", va="bottom")
    ax.set_xlim(0, DAYS_SHOWN)
    ax.set_ylim(0, top)
    ax.set_xticks(range(0, DAYS_SHOWN + 1, 5))
    ax.set_yticks(range(0, int(top) + 1))
    ax.set_xlabel("Days after the first dose", labelpad=2)
    w, h = fig.get_size_inches() * 72
    fig.text(4 / w, 1 - 4 / h, "Blood level (1 = peak of one dose)", va="top")
    fig.text(4 / w, 4 / h, f"Model: half-life {p['half_life']:g} hours,\npeak at {p['tmax']:g} hours",
             va="bottom", color=grey["dark"], linespacing=1.25)
    return fig


def draw_mechanism(plt, facts: dict, grey: dict):
    """Two panels one above the other: GABA alone, then GABA with clonazepam."""
    from matplotlib import patches

    fig = _canvas(plt, 3.7)
    panel_h = 0.5 * 3.7 * 72
    for row, with_bzd in enumerate((False, True)):
        bottom = (1 - row) * panel_h
        ax = _axes(fig, 0, bottom + 4, 0, 3.7 * 72 - bottom - panel_h + 22)
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10 * ax.bbox.height / ax.bbox.width)  # equal scales: circles stay round
        ax.set_axis_off()
        ax.set_title("GABA with clonazepam" if with_bzd else "GABA alone", fontsize=HEAD_PT,
                     weight="bold", loc="left", pad=4, color=grey["ink"])
        c, gap = 4.5, (0.75 if with_bzd else 0.35)
        # the cell membrane: outside above, inside below
        ax.add_patch(patches.Rectangle((0, 1.45), 10, 1.2, color=grey["light"], zorder=1, linewidth=0))
        ax.text(0.1, 4.6, "outside the cell", va="top")
        ax.text(0.1, 0.05, "inside the cell", va="bottom")
        # the receptor: two halves around a pore
        for x in (c - gap - 1.3, c + gap):
            ax.add_patch(patches.FancyBboxPatch((x, 1.1), 1.3, 1.9, boxstyle="round,pad=0.08",
                                                facecolor=grey["pale"], edgecolor=grey["ink"],
                                                linewidth=1.4, zorder=2))
        # GABA bound at its two sites (filled circles)
        for x in (c - gap - 0.65, c + gap + 0.65):
            ax.add_patch(patches.Circle((x, 3.25), 0.26, color=grey["ink"], zorder=3))
        ax.text(c + gap + 1.5, 3.25, "GABA", va="center")
        if with_bzd:
            # the benzodiazepine site, a separate place on the receptor (open diamond)
            ax.add_patch(patches.RegularPolygon((c + gap + 1.35, 2.05), 4, radius=0.38, facecolor=grey["open"],
                                                edgecolor=grey["ink"], linewidth=1.6, zorder=3))
            ax.text(c + gap + 1.85, 2.05, "clonazepam", va="center")
        # chloride ions flowing in: more, and more often, with clonazepam
        ax.annotate("", xy=(c, 0.3), xytext=(c, 4.6),
                    arrowprops={"arrowstyle": "-|>,head_width=0.3,head_length=0.5", "color": grey["ink"],
                                "linewidth": 2.6 if with_bzd else 1.2, "shrinkA": 0, "shrinkB": 0}, zorder=2)
        ions = [4.3, 3.8, 0.95, 0.5] if with_bzd else [4.3, 0.75]
        for y in ions:
            ax.add_patch(patches.Circle((c, y), 0.2, facecolor=grey["open"], edgecolor=grey["ink"],
                                        linewidth=1.2, zorder=4))
        ax.text(c + 0.45, 4.3, "chloride", va="center")
        ax.text(c + 0.45, 0.05, "more enters" if with_bzd else "a little enters", va="bottom")
    return fig


def draw_panic_stopping(plt, facts: dict, grey: dict):
    """Grouped bars, each group named above its bars, each bar's value at its end."""
    from matplotlib import patches

    rows = [("Any adverse event", facts["ae-panic-stopped"]),
            ("Sleepiness", facts["ae-panic-stop-somnolence"]),
            ("Depression", facts["ae-panic-stop-depression"])]
    fig = _canvas(plt, 2.6)
    ax = _axes(fig, 4, 2, 4, 26)
    ax.set_axis_off()
    bar, step = 1.0, 3.6  # bar height and group height, in data units (y grows downwards)
    most = max(f["drug"] for _, f in rows)
    ax.set_xlim(0, most * 1.3)
    ax.set_ylim(len(rows) * step - 0.2, -0.2)
    styles = {"drug": {"facecolor": grey["dark"]}, "placebo": {"facecolor": "none", "hatch": "//"}}
    for i, (name, fact) in enumerate(rows):
        y = i * step
        ax.text(0, y, name, va="top")
        for j, key in enumerate(("drug", "placebo")):
            top = y + 0.95 + j * bar * 1.1
            rect = patches.Rectangle((0, top), fact[key], bar, edgecolor=grey["ink"], linewidth=1.2,
                                     **styles[key])
            rect.set_gid(f"bar-{name.lower().replace(' ', '-')}-{key}")
            ax.add_patch(rect)
            ax.text(fact[key] + most * 0.03, top + bar / 2, f"{fact[key]:g}%", va="center")
    # the key, as one line above the bars
    w, h = fig.get_size_inches() * 72
    for x_pt, key, label in ((4, "drug", "Clonazepam"), (122, "placebo", "Placebo")):
        fig.patches.append(patches.Rectangle((x_pt / w, 1 - 19 / h), 16 / w, 11 / h, transform=fig.transFigure,
                                             edgecolor=grey["ink"], linewidth=1.2, **styles[key]))
        fig.text((x_pt + 21) / w, 1 - 13.5 / h, label, va="center")
    return fig


DRAW = {"concentration": draw_concentration, "mechanism": draw_mechanism,
        "panic-stopping": draw_panic_stopping}


def check_labels(fig, name: str) -> None:
    """Every text inside the canvas, no two texts on top of each other, none too small:
    a drawing that breaks one of these fails the build instead of reaching a reader."""
    from matplotlib.text import Text

    fig.canvas.draw()  # axis labels and ticks take their places when drawn
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    boxes, problems = [], []
    hidden = {t for ax in fig.axes if not ax.axison for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text)}
    for text in fig.findobj(Text):
        if text in hidden or not text.get_visible() or not text.get_text().strip():
            continue
        if text.get_fontsize() < LABEL_PT:
            problems.append(f"{text.get_text()!r} is set in {text.get_fontsize()} pt, "
                            f"below the {LABEL_PT} pt the figures are drawn for")
        box = text.get_window_extent(renderer)
        if box.x0 < canvas.x0 - 0.5 or box.x1 > canvas.x1 + 0.5 or box.y0 < canvas.y0 - 0.5 \
                or box.y1 > canvas.y1 + 0.5:
            problems.append(f"{text.get_text()!r} runs off the canvas")
        for other, other_box in boxes:
            if box.overlaps(other_box):
                problems.append(f"{text.get_text()!r} overlaps {other!r}")
        boxes.append((text.get_text(), box))
    if problems:
        raise RuntimeError(f"figure {name}: " + "; ".join(problems))


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


def render_png(fig) -> bytes:
    """The figure as an 8-bit greyscale PNG on white, the same bytes on every run
    (no software name, no date; Pillow writes no time chunk)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    buf.seek(0)
    with Image.open(buf) as image:
        grey = image.convert("L")
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    return out.getvalue()


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
    tools = f"matplotlib {version('matplotlib')} pillow {version('pillow')}".encode()
    return hashlib.sha256(facts_file.read_bytes() + code + tools).hexdigest()


def draw(name: str, facts: dict, palette: str, png: bool = False) -> tuple[bytes, bytes | None]:
    """One figure in one palette, checked: its SVG and, if asked, its PNG."""
    plt = _pyplot()
    _style(plt, PALETTES[palette])
    fig = DRAW[name](plt, facts, PALETTES[palette])
    try:
        check_labels(fig, name)
        return render_svg(fig), (render_png(fig) if png else None)
    finally:
        plt.close(fig)


def outputs() -> list[str]:
    """The files drawn for each figure: SVG (HTML, PDF), its dark-mode twin (HTML), PNG (EPUB)."""
    return [f"{name}{suffix}" for name in FIGURES for suffix in (".svg", "-dark.svg", ".png")]


def is_fresh(out: Path, facts_file: Path) -> bool:
    stamp_file = out / "figures.stamp"
    return (stamp_file.exists() and stamp_file.read_text() == stamp(facts_file)
            and all((out / name).exists() for name in outputs()))


def draw_all(srcdir: Path, facts_file: Path) -> bool:
    """Draw the figures into SOURCE/_generated unless they are up to date; True if drawn."""
    from facts import load_facts

    out = srcdir / "_generated"
    out.mkdir(exist_ok=True)
    if is_fresh(out, facts_file):
        return False
    facts = load_facts(facts_file)
    for name in FIGURES:
        light, png = draw(name, facts, "light", png=True)
        _atomic_write(out / f"{name}.svg", light)
        _atomic_write(out / f"{name}.png", png)
        _atomic_write(out / f"{name}-dark.svg", draw(name, facts, "dark")[0])
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

"""The EPUB's own drawings of the three figures: narrow, with few, short labels.

Why a drawing of its own: a picture in an EPUB scales with the screen, not
with the reader's font.  MuPDF (KOReader, PocketBook) on a 6-inch screen
(257 x 347 pt) shows a picture at most 161 pt wide at a 12 pt reading size
and 129 pt at 16 pt (it takes the body's margins off the line twice), and
at most 221 / 179 pt tall.  The drawing made for the HTML and the PDFs
(``figure_drawing.py``, 3.2 in wide) gave 7.7 pt labels at 12 pt and
6.2 pt at 16 pt there: the readers who chose large type got the smallest.

So the EPUB's canvas is measured in labels: WIDTH_EM label sizes wide and
at most HEIGHT_EM tall.  Squeezed into 129 x 179 pt, a label is then
129 / WIDTH_EM = 14.0 pt (179 / HEIGHT_EM = 14.2 pt), at least 85 % of a
16 pt reading size (tests/test_figures.py measures it with MuPDF at 12 and
16 pt).  Where the screen has room, the picture is LABEL_EM reading sizes
per label wide (``book_figures.py`` sets its width in em), so the labels
grow with the reader's font.  The narrow canvas holds short words only:
"Any side effect" for "Any adverse event", no "outside/inside the cell",
the bars' key in the caption.  Nothing is lost: the caption, the alt text
and the chapter say all of it.

The PNG of these drawings is the EPUB's picture, and their SVG
(``NAME-epub.svg``) is what the tests measure it by (``figure_files.py``).
"""

from __future__ import annotations

from figure_drawing import HEAD_PT, LABEL_PT, _axes, plot_concentration
from figure_model import DAYS_SHOWN, concentration_curves

WIDTH_EM = 9.2  # the canvas, in label sizes (LABEL_PT)
HEIGHT_EM = 12.6  # the tallest canvas
WIDTH_IN = WIDTH_EM * LABEL_PT / 72
LABEL_EM = 1.1  # a label's size in reading sizes, where the screen is wide enough
SHOWN_WIDTH = f"{WIDTH_EM * LABEL_EM:.1f}em"  # the picture's width in the EPUB


def _canvas(plt, height_em: float):
    if height_em > HEIGHT_EM:
        raise RuntimeError(f"an EPUB figure {height_em} labels tall: at most {HEIGHT_EM} fit a 6-inch page")
    return plt.figure(figsize=(WIDTH_IN, height_em * LABEL_PT / 72))


def _em_axes(fig):
    """One axes over the whole canvas, one data unit per label size (circles stay round)."""
    ax = fig.add_axes((0, 0, 1, 1))
    w, h = (v * 72 / LABEL_PT for v in fig.get_size_inches())
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    return ax


def draw_mechanism(plt, facts: dict, grey: dict):
    """Two panels one above the other, as in the HTML's drawing; the receptor at
    the left, each label to its right on a line of its own."""
    from matplotlib import patches

    panel = 6.3
    fig = _canvas(plt, 2 * panel)
    ax = _em_axes(fig)
    c, half, gap = 1.0, 0.6, 0.35  # the pore's axis, a receptor half's width, half the pore
    for row, with_bzd in enumerate((False, True)):
        y0 = (1 - row) * panel
        ax.text(0.1, y0 + panel - 0.1, "+ clonazepam" if with_bzd else "GABA alone", va="top",
                fontsize=HEAD_PT, weight="bold")
        ax.add_patch(patches.Rectangle((0, y0 + 1.6), WIDTH_EM, 1.2, color=grey["light"], zorder=1, linewidth=0))
        for x in (c - gap - half, c + gap):
            ax.add_patch(patches.FancyBboxPatch((x, y0 + 1.3), half, 1.8, boxstyle="round,pad=0.06",
                                                facecolor=grey["pale"], edgecolor=grey["ink"],
                                                linewidth=1.4, zorder=2))
        for x in (c - gap - half / 2, c + gap + half / 2):
            ax.add_patch(patches.Circle((x, y0 + 3.35), 0.24, color=grey["ink"], zorder=3))
        ax.text(c + gap + half + 0.5, y0 + 3.35, "GABA", va="center")
        if with_bzd:
            ax.add_patch(patches.RegularPolygon((c + gap + half, y0 + 2.2), 4, radius=0.36, facecolor=grey["open"],
                                                edgecolor=grey["ink"], linewidth=1.6, zorder=3))
            ax.text(c + gap + half + 0.5, y0 + 2.2, "clonazepam", va="center")
        ax.annotate("", xy=(c, y0 + 0.2), xytext=(c, y0 + 4.8),
                    arrowprops={"arrowstyle": "-|>,head_width=0.25,head_length=0.45", "color": grey["ink"],
                                "linewidth": 2.6 if with_bzd else 1.2, "shrinkA": 0, "shrinkB": 0}, zorder=2)
        for y in ([4.55, 4.1, 0.95, 0.5] if with_bzd else [4.55, 0.7]):
            ax.add_patch(patches.Circle((c, y0 + y), 0.19, facecolor=grey["open"], edgecolor=grey["ink"],
                                        linewidth=1.2, zorder=4))
        ax.text(c + 0.45, y0 + 4.55, "chloride", va="center")
        ax.text(c + 0.45, y0 + 0.7, "more enters" if with_bzd else "a little enters", va="center")
    return fig


def draw_concentration(plt, facts: dict, grey: dict):
    """The HTML's curves; which line is which is said by the caption (its words
    are too long to run beside a line this short)."""
    times, single, repeated, p = concentration_curves(facts)
    days = [t / 24 for t in times]
    fig = _canvas(plt, HEIGHT_EM - 0.1)  # not the mechanism's size: the tests tell them apart by it
    em = LABEL_PT
    ax = _axes(fig, 1.2 * em, 5.4 * em, 0.75 * em, 1.3 * em)
    top = plot_concentration(ax, days, single, repeated, p, grey, width=1.3, headroom=1.6, label_gap=0.2)
    ax.set_xlim(0, DAYS_SHOWN)
    ax.set_ylim(0, top)
    ax.set_xticks(range(0, DAYS_SHOWN + 1, 10))
    ax.set_yticks(range(0, int(max(repeated)) + 1, 2))
    ax.tick_params(axis="y", length=2.5, pad=1.5)  # short ticks: room for "last dose"
    ax.set_xlabel("Days", labelpad=1)
    w, h = fig.get_size_inches() * 72
    fig.text(2 / w, 1 - 2 / h, "Model blood level", va="top")
    fig.text(2 / w, 2 / h, f"half-life {p['half_life']:g} hours\npeak at {p['tmax']:g} hours",
             va="bottom", color=grey["dark"], linespacing=1.2)
    return fig


def draw_panic_stopping(plt, facts: dict, grey: dict):
    """The HTML's bars, each group named above them; solid is clonazepam, hatched
    placebo (the caption says so: a key does not fit the width)."""
    from matplotlib import patches

    rows = [("Any side effect", facts["ae-panic-stopped"]),
            ("Sleepiness", facts["ae-panic-stop-somnolence"]),
            ("Depression", facts["ae-panic-stop-depression"])]
    step, bar = 4.0, 1.1  # a group's and a bar's height, in label sizes
    fig = _canvas(plt, len(rows) * step)
    ax = _em_axes(fig)
    most = max(f["drug"] for _, f in rows)
    scale = (WIDTH_EM - 3.6) / most  # room for the value after the longest bar
    styles = {"drug": {"facecolor": grey["dark"]}, "placebo": {"facecolor": "none", "hatch": "//"}}
    for i, (name, fact) in enumerate(rows):
        y = (len(rows) - i) * step - 0.15
        ax.text(0.05, y, name, va="top")
        for j, key in enumerate(("drug", "placebo")):
            bottom = y - 1.25 - (j + 1) * bar
            rect = patches.Rectangle((0.05, bottom + 0.08), fact[key] * scale, bar - 0.16,
                                     edgecolor=grey["ink"], linewidth=1.2, **styles[key])
            rect.set_gid(f"bar-{name.lower().replace(' ', '-')}-{key}")
            ax.add_patch(rect)
            ax.text(0.05 + fact[key] * scale + 0.3, bottom + bar / 2, f"{fact[key]:g}%", va="center")
    return fig


DRAW = {"concentration": draw_concentration, "mechanism": draw_mechanism,
        "panic-stopping": draw_panic_stopping}

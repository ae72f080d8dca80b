"""The book's three figures as matplotlib drawings, from the facts file.

Each is computed or labelled from ``source/_data/facts.toml`` so that it can
never disagree with the text:

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

Each is drawn for the narrowest place the HTML shows it (a phone; see
WIDTH_IN and LABEL_PT), in a light and a dark palette; the EPUB has
narrower drawings of its own (``figure_epub.py``), for a 6-inch e-reader.  A drawing
whose texts collide, run off the canvas or fall below LABEL_PT fails here
(check_labels), not in front of a reader.  ``figure_files.py`` writes the
drawings as the files each edition shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figure_model import DAYS_SHOWN, concentration_curves  # noqa: E402

FIGURES = ("concentration", "mechanism", "panic-stopping")

# Drawn for the narrowest place the HTML shows a figure: a 360 px phone
# (328 px).  The canvas is WIDTH_IN wide and no text is smaller than LABEL_PT,
# so a label is 15 CSS px there (tests/test_figures.py measures it in every
# format; the PDFs set the labels as text, the EPUB has figure_epub.py's).  Few words, set in one
# line each where possible; every text must fit the canvas and clear every
# other text (check_labels, at drawing time).
WIDTH_IN = 3.2
LABEL_PT = 11
HEAD_PT = 12

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


def plot_concentration(ax, days, single, repeated, p: dict, grey: dict, *, width: float, headroom: float,
                       label_gap: float) -> float:
    """The two curves and the last dose's line, with their ids (the tests find them by
    them), for this drawing and the EPUB's (figure_epub.py); the top of the plot."""
    ax.patch.set_gid("plot-area")
    ax.patch.set_facecolor("none")
    line, = ax.plot(days, repeated, color=grey["ink"], linewidth=width)
    line.set_gid("repeated-doses")
    line, = ax.plot(days, single, color=grey["ink"], linewidth=2.0, linestyle=(0, (3, 1.5)))
    line.set_gid("one-dose")
    last = (p["doses"] - 1) * p["interval"] / 24
    top = max(repeated) + headroom  # room above the curve for its label
    ax.axvline(last, color=grey["mid"], linewidth=1.2, linestyle=":")
    ax.text(last + label_gap, top, "last dose", va="top")
    return top


def draw_concentration(plt, facts: dict, grey: dict):
    times, single, repeated, p = concentration_curves(facts)
    days = [t / 24 for t in times]
    fig = _canvas(plt, 2.85)
    ax = _axes(fig, 24, 64, 10, 22)
    top = plot_concentration(ax, days, single, repeated, p, grey, width=1.8, headroom=0.75, label_gap=0.4)
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
        # the same pore in both: clonazepam makes GABA open the channel more often, not
        # wider (the text, and the barbiturate contrast after it); the flow shows the difference
        c, gap = 4.5, 0.55
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

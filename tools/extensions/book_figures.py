"""The figures as part of a Sphinx build: drawn before they are read, never stale, and each
format given the picture that works there.

The figures are drawn from the facts file by ``figure_drawing.py`` and
written by ``figure_files.py`` (the model behind the concentration figure is
``figure_model.py``).
``tools/build.py`` draws them in a process beside the Sphinx processes (the
lock on the figures, figure_files.py).  A fresh build reads the chapters that
show a figure last, and waits for the drawing only when it reads the first of
them (Sphinx's image collector looks for the files then); a build with pages
already read waits before it reads any, so that a redrawn figure marks its
pages changed.  A Sphinx run on its own (``make html``, ``make serve``) finds
them missing or stale here and draws them, so every build includes figures of
the current facts.  The chapters include them with
``.. figure:: /_generated/NAME.*``; each is drawn three times:

* ``NAME.svg``, light: the HTML (in light mode) and the PDF editions, which
  keep vector figures;
* ``NAME-dark.svg``, light strokes on a transparent ground: the HTML in dark
  mode.  It is added beside the light picture in the HTML only, with furo's
  classes ``only-light`` / ``only-dark``, which follow furo's theme switch
  and its "auto" setting; the EPUB and the print document never get it, so
  no text format holds a figure or its alternative text twice;
* ``NAME.png``, greyscale at the width of a 6-inch 300 ppi screen: the EPUB,
  because Send-to-Kindle drops SVG on some devices.  The EPUB builder picks
  the PNG of the candidates because PNG comes first in its
  ``supported_image_types`` (a documented builder attribute).  It is the
  EPUB's own drawing (``figure_epub.py``: narrow, few and large labels),
  set in em (``figure_epub.SHOWN_WIDTH``) instead of the source's 100 %, so
  it grows with the reader's font; book-epub.css caps it at the line's width.

Scaled figures are not wrapped in a link to the picture file (``no-scaled-link``):
on a phone a tap would open a bare SVG, white in dark mode.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from figure_epub import SHOWN_WIDTH
from drawing_locks import busy, drawing
from figure_files import FIGURES, draw_all
from figure_model import DAYS_SHOWN, concentration_curves, model_parameters
from sphinx.util import logging

__all__ = ["DAYS_SHOWN", "FIGURES", "concentration_curves", "model_parameters"]

logger = logging.getLogger(__name__)

GENERATED = "/_generated/"
HTML_BUILDERS = ("html", "dirhtml")  # furo's pages, where the theme switch lives
DARK, LIGHT = "only-dark", "only-light"


def draw_before_reading(app) -> None:
    """Draw what is missing or stale, or, in a fresh build while build.py's process draws,
    wait for it only when a chapter with a figure is read (wait_for_figures)."""
    if not app.env.all_docs and busy(Path(app.srcdir), "figures"):
        app.builder.book_figures_pending = True  # nothing read yet: no page can hold an old figure
    else:
        wait_for_figures(app)
    if app.builder.name == "epub":
        types = app.builder.supported_image_types
        app.builder.supported_image_types = ["image/png", *(t for t in types if t != "image/png")]


def _figure_images(doctree):
    for figure in doctree.findall(nodes.figure):
        for image in figure.findall(nodes.image):
            if image["uri"].startswith(GENERATED) and image["uri"].endswith(".*"):
                yield image


def wait_for_figures(app) -> None:
    facts_file = Path(app.srcdir) / app.config.facts_file
    with drawing(Path(app.srcdir), "figures"):
        if draw_all(Path(app.srcdir), facts_file):
            logger.info("drew %d figures from %s", len(FIGURES), facts_file.name)
    app.builder.book_figures_pending = False


def figures_last(app, env, docnames: list[str]) -> None:
    """While the figures are being drawn, the chapters that show them are read last."""
    if getattr(app.builder, "book_figures_pending", False):
        shows = {d for d in docnames if GENERATED in Path(env.doc2path(d)).read_text(encoding="utf-8")}
        docnames.sort(key=lambda d: d in shows)  # stable: the others keep their order


def add_dark_twins(app, doctree) -> None:
    """Before Sphinx's image collector (priority 500) sees the page: a dark twin
    after every drawn figure, so the collector registers both pictures.  The
    figures must be drawn by then (the collector looks for their files)."""
    if getattr(app.builder, "book_figures_pending", False) and any(_figure_images(doctree)):
        wait_for_figures(app)
    for image in list(_figure_images(doctree)):
        image["classes"].append("no-scaled-link")
        twin = image.deepcopy()
        twin["uri"] = image["uri"][:-2] + "-dark.*"
        twin["classes"].append(DARK)
        image.parent.insert(image.parent.index(image) + 1, twin)


def keep_one_picture(app, doctree, docname) -> None:
    """furo's pages show the light or the dark picture; every other format only the light one.
    The EPUB's picture is as wide as its labels need (figure_epub.py), not the line's width."""
    for image in list(doctree.findall(nodes.image)):
        if image.get("uri", "").lstrip("/").startswith(GENERATED.lstrip("/")):  # the collector drops the "/"
            if app.builder.name == "epub" and DARK not in image["classes"]:
                image["width"] = SHOWN_WIDTH
            if DARK in image["classes"]:
                if app.builder.name not in HTML_BUILDERS:
                    image.parent.remove(image)
            elif app.builder.name in HTML_BUILDERS and "no-scaled-link" in image["classes"]:
                image["classes"].append(LIGHT)


def setup(app):
    app.setup_extension("facts")
    app.connect("builder-inited", draw_before_reading)
    app.connect("env-before-read-docs", figures_last)
    app.connect("doctree-read", add_dark_twins, priority=400)
    app.connect("doctree-resolved", keep_one_picture)
    return {"version": "3.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""Fail the PDF build on any character its fonts cannot draw, naming file and line.

A PDF engine that borrows a font draws a character missing from the book's
fonts in whatever other installed font has it, or as an empty box
(``.notdef``).  In a medical book "500 µg" turning into "500 g" or "500 □g"
is a safety defect.  While the print builder (``book_print.py``) resolves
each document, this extension checks every character against the font that
will set it (FreeSerif for prose, FreeSans for headings, FreeMono for literal
text) and reports each missing one with the source file and line, which fails
the build under -W.  Typst, given only the book's fonts, refuses such a
character at export too (PDF/UA-1), and ``tools/print_pdf.py`` names the
source lines that hold it.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts/opentype/freefont"),)  # Debian's fonts-freefont-otf


@functools.cache
def charset(font: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    for folder in FONT_DIRS:
        path = folder / f"{font}.otf"
        if path.exists():
            return frozenset(TTFont(path, lazy=True).getBestCmap())
    raise FileNotFoundError(
        f"{font}.otf not found in {', '.join(map(str, FONT_DIRS))}: "
        "install fonts-freefont-otf (make sysdeps)"
    )


def font_for(node: nodes.Node) -> str:
    for parent in _ancestors(node):
        if isinstance(parent, (nodes.literal_block, nodes.literal, nodes.doctest_block)):
            return "FreeMono"
        if isinstance(parent, (nodes.title, nodes.subtitle, nodes.rubric)):
            return "FreeSans"
    return "FreeSerif"


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def check_doctree(app, doctree: nodes.document, docname: str) -> None:
    """Every character of a print document in the font that sets it."""
    if app.builder.name != "print":
        return
    for text in doctree.findall(nodes.Text):
        font = font_for(text)
        cmap = charset(font)
        # format and control characters draw nothing; book_sources.py refuses them
        for ch in sorted(set(str(text))):
            if ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"} or ord(ch) in cmap:
                continue
            logger.warning("character %r (U+%04X %s) is missing from the print font %s",
                           ch, ord(ch), unicodedata.name(ch, "?"), font,
                           location=text.parent, type="glyph")


def setup(app):
    app.connect("doctree-resolved", check_doctree)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

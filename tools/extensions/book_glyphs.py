"""Fail the PDF build on any character its fonts cannot draw.

Under xelatex a character missing from the font does not stop the build: it
vanishes from the PDF with only a "Missing character" line in the LaTeX log
(sphinx-doc/sphinx#12714).  In a medical book "500 µg" turning into "500 g"
is a safety defect.  Before LaTeX runs, this extension checks every character
of the resolved document against the font that will set it (FreeSerif for
prose, FreeSans for headings, FreeMono for literal text) and reports each
missing one with the source file and line, which fails the build under -W.
The preamble in conf.py also sets ``\\tracinglostchars=3`` so that xelatex
itself stops, and the build script scans the log as a last line of defence.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

FONT_DIRS = (
    Path("/usr/share/fonts/opentype/freefont"),
    Path("/usr/share/texmf/fonts/opentype/public/freefont"),
    Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/gnu-freefont"),
)


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
    if app.builder.format != "latex":
        return
    for text in doctree.findall(nodes.Text):
        font = font_for(text)
        cmap = charset(font)
        seen = set()
        for ch in str(text):
            # format and control characters draw nothing; book_sources.py refuses them
            if ch in seen or ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"}:
                continue
            seen.add(ch)
            if ord(ch) not in cmap:
                name = unicodedata.name(ch, f"U+{ord(ch):04X}")
                logger.warning(
                    "character %r (U+%04X %s) is missing from the PDF font %s: "
                    "it would vanish from the PDF",
                    ch,
                    ord(ch),
                    name,
                    font,
                    location=text.parent,
                    type="glyph",
                )


def setup(app):
    app.connect("doctree-resolved", check_doctree)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""A no-break space between every number and its unit, in every edition.

"0.5 mg" split over two lines as "0.5" / "mg" is a misreading waiting to
happen, on a 6-inch screen (about 30 characters a line) most of all.  The
Standard Ebooks toolchain joins them with U+00A0 everywhere; so does this
transform, once, on the doctree, instead of in every chapter's source.
Literal text (code, the BibTeX block) and math are left as written.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

UNITS = r"(?:mg|mcg|µg|g|mL|ml|kg|hours?|days?|weeks?|months?|years?|minutes?|%)"
NUMBER_UNIT = re.compile(rf"(\b\d+(?:\.\d+)?) (?={UNITS}\b)")
LEAVE_ALONE = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw)


def join_numbers_and_units(document) -> None:
    for text in list(document.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(isinstance(p, LEAVE_ALONE) for p in ancestors(parent)):
            continue
        joined = NUMBER_UNIT.sub("\\1\u00a0", str(text))
        if joined != str(text):
            parent.replace(text, nodes.Text(joined))


class NoBreakBeforeUnits(SphinxTransform):
    """The chapters' own text, once it is read."""

    default_priority = 700  # after smartquotes and substitutions

    def apply(self) -> None:
        join_numbers_and_units(self.document)


class NoBreakBeforeUnitsInSources(SphinxPostTransform):
    """The source entries sphinxcontrib-bibtex writes after reading ("half-life of 30 hours")."""

    default_priority = 900

    def run(self) -> None:
        join_numbers_and_units(self.document)


def ancestors(node):
    while node is not None:
        yield node
        node = node.parent


def setup(app):
    app.add_transform(NoBreakBeforeUnits)
    app.add_post_transform(NoBreakBeforeUnitsInSources)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

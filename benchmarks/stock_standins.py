"""STOCK BASELINE ONLY: trivial stand-ins for the book's own role and directives.

Not part of the book.  benchmarks/bench.py builds a "stock" baseline of the
same sources without the project's local extensions (tools/extensions/), to
show what those extensions cost.  The chapters still use their ``:fact:`` role
and their directives, so this module registers stand-ins that do next to
nothing, only so that the chapters parse:

* ``:fact:`id``` becomes the id as plain text (no value, no unit, no citation);
* ``reviewed``, ``downloads``, ``cite-this-book``, ``half-lives-table`` and ``book-address``
  each become one short paragraph, whatever their arguments and options.

Loaded by benchmarks/stock_conf.py; nothing else should load it.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive, directives


class AnyOption(dict):
    """An option_spec that accepts every option, as plain text."""

    def __missing__(self, name):
        return directives.unchanged


def fact_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, text.strip())], []


class StandIn(Directive):
    optional_arguments = 8
    final_argument_whitespace = True
    option_spec = AnyOption()
    has_content = True

    def run(self):
        text = f"[{self.name} stand-in]"
        return [nodes.paragraph(text, text)]


def setup(app):
    app.add_role("fact", fact_role)
    for name in ("reviewed", "downloads", "cite-this-book", "half-lives-table", "book-address"):
        app.add_directive(name, StandIn)
    return {"version": "bench", "parallel_read_safe": True, "parallel_write_safe": True}

"""Directives that print the book's own metadata, the same in every format.

``.. reviewed:: 2026-11-24``
   At the top of a chapter: when its clinical content was last checked
   against its sources.  Rendered as an ordinary paragraph, so it appears in
   the HTML, the EPUB and the PDF alike.

``.. cite-this-book::``
   A BibTeX entry for the book, built from ``source/_data/book.toml`` so
   the title and edition live in one place.  In HTML it gets a copy button.
"""

from __future__ import annotations

import datetime as dt

from book_data import book_toml, load_book
from docutils import nodes
from sphinx.util.docutils import SphinxDirective


def book_data(env) -> dict:
    env.note_dependency(str(book_toml(env.app.confdir)))
    return load_book(env.app.confdir)


class ReviewedDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self):
        raw = self.arguments[0]
        try:
            date = dt.date.fromisoformat(raw)
        except ValueError:
            raise self.error(f"reviewed: {raw!r} is not a date in the form YYYY-MM-DD")
        text = f"Clinical content last reviewed: {date.day} {date:%B %Y}."
        para = nodes.paragraph(text, text, classes=["reviewed"])
        self.env.metadata[self.env.docname]["reviewed"] = raw
        return [para]


class CiteThisBookDirective(SphinxDirective):
    has_content = False

    def run(self):
        book = book_data(self.env)
        entry = (
            f"@book{{{book['basename'].replace('-', '_')}_{book['edition'].replace('.', '_')},\n"
            f"  title     = {{{book['title']}}},\n"
            f"  author    = {{{{{book['author']}}}}},\n"
            f"  publisher = {{{{{book['publisher']}}}}},\n"
            f"  year      = {{{book['year']}}},\n"
            f"  edition   = {{{book['edition']}}},\n"
            f"  note      = {{Clinical content reviewed {book['reviewed']}}},\n"
            "}"
        )
        builder = self.env.app.builder.name
        if builder in ("epub", "print"):  # the EPUB and the PDFs are read by patients: no BibTeX there
            text = (f"To cite this edition, give its title, {book['publisher']} as the publisher, "
                    f"the year {book['year']} and the edition number {book['edition']}.")
            return [nodes.paragraph(text, text)]
        lead = "To cite this edition, you can use this BibTeX entry:"
        block = nodes.literal_block(entry, entry, language="bibtex")
        block["classes"].append("cite-this-book")
        return [nodes.paragraph(lead, lead), block]


def setup(app):
    app.add_directive("reviewed", ReviewedDirective)
    app.add_directive("cite-this-book", CiteThisBookDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""The book's own address, written once in book.toml, printed where readers look for it.

``home`` (where the newest edition is) and ``report`` (where to report an
error: a web page or a ``mailto:``) live in ``source/_data/book.toml``; the
print document's "This edition" page reads the same keys (book_print.py).
The book used to tell readers to "open an issue in the project's repository"
and never said where that was; a made-up address would be worse.  So:

* ``.. book-address:: edition`` (the downloads page, in every edition) says
  where the newest edition is or, with no ``home``, how to check for a newer
  edition without an address (the edition number and where the copy came from);
* ``.. book-address:: report`` ("How to report an error") gives ``report``
  or, without one, whom to tell instead;
* with no ``home`` the build prints one warning line (on stderr, from the
  site's build: not a Sphinx warning, which -W would make a failure) so a
  release cannot forget it.

tests/test_book_address.py checks the text in the HTML, the EPUB and the PDF.
"""

from __future__ import annotations

import sys

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

KINDS = ("edition", "report")


def notice(book: dict) -> str:
    """The build's warning line, or "" when the book has an address."""
    if book.get("home"):
        return ""
    return ("warning: source/_data/book.toml sets no home address: every edition says how to check "
            "for a newer edition without one (set home = \"https://...\" once the book has an address)")


def _link(url: str) -> nodes.reference:
    shown = url.removeprefix("mailto:")
    return nodes.reference(shown, shown, refuri=url)


def address_paragraphs(kind: str, book: dict, edition: str, reviewed: str) -> list[nodes.paragraph]:
    para = nodes.paragraph(classes=["book-address"])
    if kind == "edition":
        if book.get("home"):
            para += [nodes.Text("The newest edition is always at "), _link(book["home"]), nodes.Text(".")]
        else:
            # the downloads page says which edition this is just above (book_downloads.py)
            para += nodes.Text(
                "This book has no web address of its own yet, so no page can tell you about a newer "
                "edition. To check for one, look again where you got this copy: the edition number "
                "is on the cover and on this page, and a newer edition has a higher number.")
    else:
        lead = "If you think something in the book is wrong, out of date or unclear, "
        if book.get("report"):
            para += [nodes.Text(lead + "please report it at "), _link(book["report"]), nodes.Text(".")]
        else:
            para += nodes.Text(lead + "please tell the person or the website that gave you this copy: "
                               f"this edition ({edition}) has no address for error reports yet.")
    return [para]


class BookAddressDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self):
        kind = self.arguments[0]
        if kind not in KINDS:
            raise self.error(f"book-address: {kind!r} is not one of {', '.join(KINDS)}")
        from book_data import book_toml, load_book

        root = self.env.app.confdir
        self.env.note_dependency(str(book_toml(root)))
        return address_paragraphs(kind, load_book(root), self.config.release, self.config.today)


def warn_without_address(app) -> None:
    """Once a build: by the site's builder (``make book`` runs three Sphinx processes)."""
    from book_data import load_book

    if app.builder.name not in ("html", "dirhtml"):
        return
    line = notice(load_book(app.confdir))
    if line:
        print(line, file=sys.stderr)


def setup(app):
    app.add_directive("book-address", BookAddressDirective)
    app.connect("builder-inited", warn_without_address)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""The book says where it lives, or honestly that it has no address yet: written once in
book.toml (``home``, ``report``), printed on the downloads page and under "How to report
an error" in every edition; no made-up address; no BibTeX for patients (book_address.py)."""

from __future__ import annotations

import re
import zipfile

from conftest import BOOK, epub_text, html_text, normalise, pdf_text, strip_tags

NO_ADDRESS = "look again where you got this copy"
INVENTED = re.compile(r"open an issue in the project.s repository")  # ' or ’ (smart quotes)


def test_book_toml_has_the_address_keys():
    assert "home" in BOOK and "report" in BOOK, "book.toml has no home/report keys"


def edition_texts(book) -> dict[str, str]:
    with zipfile.ZipFile(book.epub) as zf:
        epub_pages = {n: normalise(strip_tags(zf.read(n).decode()))
                      for n in ("downloads.xhtml", "sourcing.xhtml", "about.xhtml")}
    return {
        "HTML downloads": normalise(strip_tags((book.html / "downloads.html").read_text())),
        "HTML report": normalise(strip_tags((book.html / "sourcing.html").read_text())),
        "EPUB downloads": epub_pages["downloads.xhtml"],
        "EPUB report": epub_pages["sourcing.xhtml"],
        "EPUB about": epub_pages["about.xhtml"],
        "PDF": pdf_text(book),
    }


def test_every_edition_says_where_the_newest_edition_is(book):
    texts = edition_texts(book)
    wanted = BOOK["home"] or NO_ADDRESS
    for name in ("HTML downloads", "EPUB downloads", "PDF"):
        assert wanted in texts[name], f"{name} does not say where to find a newer edition"
        assert f"edition {BOOK['edition']}" in texts[name], f"{name} does not say which edition this is"


def test_every_edition_says_how_to_report_an_error(book):
    texts = edition_texts(book)
    wanted = BOOK["report"] or "has no address for error reports yet"
    for name in ("HTML report", "EPUB report", "PDF"):
        assert wanted in texts[name], f"{name}: 'How to report an error' gives no way to report"


def test_no_edition_points_to_an_address_it_does_not_give(book):
    for name, text in edition_texts(book).items():
        assert not INVENTED.search(text), f"{name} sends readers to a repository it never names"
    assert not INVENTED.search(html_text(book)) and not INVENTED.search(epub_text(book))


def test_bibtex_only_on_the_sites_about_page(book):
    about = (book.html / "about.html").read_text()
    assert "cite-this-book" in about and "BibTeX entry" in about, "the site's About page lost its BibTeX entry"
    texts = edition_texts(book)
    for name in ("EPUB about", "PDF"):
        assert "@book{" not in texts[name] and "BibTeX" not in texts[name], f"{name} shows BibTeX to patients"
    assert BOOK["edition"] in texts["EPUB about"]


def test_the_build_warns_without_an_address():
    from book_address import notice

    assert notice(dict(BOOK, home="")).startswith("warning: ")
    assert notice(dict(BOOK, home="https://example.org/book/")) == ""


def test_an_address_set_in_book_toml_is_printed_as_a_link():
    from book_address import address_paragraphs

    book = dict(BOOK, home="https://example.org/book/", report="mailto:errors@example.org")
    edition = address_paragraphs("edition", book, "2099.01", "1 January 2099")[0]
    report = address_paragraphs("report", book, "2099.01", "1 January 2099")[0]
    assert edition.astext() == "The newest edition is always at https://example.org/book/."
    assert [r["refuri"] for r in edition.findall(lambda n: "refuri" in getattr(n, "attributes", {}))] \
        == ["https://example.org/book/"]
    assert "errors@example.org" in report.astext() and "mailto:" not in report.astext()
    bare = address_paragraphs("edition", dict(BOOK, home=""), "2099.01", "1 January 2099")[0].astext()
    assert NO_ADDRESS in bare and "edition number" in bare and not re.search(r"https?://", bare)

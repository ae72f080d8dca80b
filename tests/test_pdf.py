"""The PDF: fonts embedded, an outline of the chapters, metadata, an index, no blank pages."""

from __future__ import annotations

import re
import subprocess

import pytest
from pypdf import PdfReader

from conftest import BOOK, SOURCE, doc_title, normalise, toctree_docs


@pytest.fixture(scope="module")
def reader(book):
    return PdfReader(book.pdf)


def test_pdf_embeds_every_font(book):
    out = subprocess.run(["pdffonts", str(book.pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "pdffonts listed no fonts"
    for row in rows:
        # columns: name type encoding emb sub uni object ID; "emb" is the 4th from the right
        assert row.split()[-5] == "yes", f"font not embedded: {row}"


def test_pdf_outline_mirrors_the_chapters(reader):
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    chapters = [doc_title(d) for d in toctree_docs()]
    for title in chapters:
        assert title in top, f"{title!r} missing from the PDF bookmarks {top}"
    assert [t for t in top if t in chapters] == chapters, "bookmarks out of reading order"
    assert "Index" in top


def test_contents_and_bookmarks_point_where_each_chapter_starts(book, reader):
    """The contents page prints, and each bookmark opens, the page where the chapter
    or the index begins (two xelatex runs must be enough: book_latex.py)."""
    contents = normalise(subprocess.run(["pdftotext", "-l", "3", str(book.pdf), "-"],
                                        capture_output=True, text=True, check=True).stdout)
    labels = reader.page_labels
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert top[-1].title == "Index"
    for item in top:
        page = reader.get_destination_page_number(item)
        assert item.title in normalise(reader.pages[page].extract_text() or ""), (item.title, page)
        assert re.search(rf"{re.escape(item.title)}\s+{re.escape(labels[page])}\b", contents), \
            f"contents: {item.title!r} is not listed at page {labels[page]}"


def test_pdf_metadata_names_title_author_subject_keywords(reader):
    meta = reader.metadata
    assert meta.title == BOOK["title"]
    assert meta.author == BOOK["author"]
    assert meta.subject == BOOK["description_short"]
    assert "clonazepam" in (meta.get("/Keywords") or "")


def test_pdf_has_an_index_with_entries(reader):
    last_pages = " ".join(p.extract_text() or "" for p in reader.pages[-4:])
    assert "Index" in last_pages
    assert "half-life" in normalise(last_pages).lower()


def test_pdf_index_lists_each_term_once(reader):
    """A hyphenated glossary term ("half-life") is one index entry with all its pages,
    not two entries side by side (book_latex.py merges them before sorting)."""
    index = next(item for item in reader.outline if not isinstance(item, list) and item.title == "Index")
    first = reader.get_destination_page_number(index)
    text = "\n".join(page.extract_text() or "" for page in reader.pages[first:])
    terms = [m.group(1) for m in re.finditer(r"^(\S[^,\n]*),\s*\d", text, re.M)]
    assert "half-life" in terms and "GABA-A receptor" in terms, terms[:20]
    # a sub-entry may repeat a term under another heading; the same term twice
    # in a row is one term split in two
    repeated = sorted({a for a, b in zip(terms, terms[1:]) if a == b})
    assert not repeated, f"listed twice in a row in the index: {repeated}"


def test_pdf_has_no_blank_pages(reader):
    blank = [i + 1 for i, page in enumerate(reader.pages) if not (page.extract_text() or "").strip()]
    assert not blank, f"blank pages: {blank}"


def test_pdf_opens_with_contents_not_stranded_prose(book, reader):
    """The root document is a contents page: no prose before the first chapter."""
    first_chapter = doc_title(toctree_docs()[0])
    front = normalise(subprocess.run(["pdftotext", "-l", "3", str(book.pdf), "-"],
                                     capture_output=True, text=True, check=True).stdout)
    assert "contents" in front.lower()
    intro = (BOOK["title"], first_chapter)
    assert all(t.split(":")[0] in front for t in intro)
    # index.rst's own prose would land alone before chapter one; it must not appear.
    text = normalise(" ".join((p.extract_text() or "") for p in reader.pages))
    root = (SOURCE / "index.rst").read_text().split(".. toctree::")[0].splitlines()[3:]
    prose = [line.strip("* ") for line in root if len(line.strip()) > 30]
    assert prose, "index.rst has no prose to look for"
    for line in prose:
        assert line not in text

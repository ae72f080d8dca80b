"""At 16 pt on a 6-inch screen nothing is cut off and no list is squeezed: a note mark
after a long word breaks rather than run off the page, the changelog's nested lists keep
a readable column, and a URL in a note is the URL, with no invisible characters that a
reader copying it would take along (book_epub_layout.py, book_notes.py, book-epub.css)."""

from __future__ import annotations

import zipfile

import pytest

SIX_INCH = {"width": 257, "height": 347}


@pytest.fixture(scope="module", params=(12, 16), ids=lambda s: f"{s}pt")
def lines(book, request):
    """(page number, left, right, text) of every line MuPDF lays out, and the page width."""
    import pymupdf

    doc = pymupdf.open(str(book.epub))
    doc.layout(**SIX_INCH, fontsize=request.param)
    found = []
    for n in range(doc.page_count):
        for block in doc[n].get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                text = "".join(span["text"] for span in line["spans"]).strip()
                if text:
                    found.append((n + 1, line["bbox"][0], line["bbox"][2], text))
    return {"size": request.param, "lines": found, "width": doc[0].rect.width}


def test_no_line_runs_off_the_page(lines):
    width = lines["width"]
    cut = [f"page {n}: {text!r} ends at {right:.0f} pt" for n, _, right, text in lines["lines"] if right > width]
    assert not cut, f"at {lines['size']} pt, cut off at the right edge ({width:.0f} pt):\n" + "\n".join(cut[:8])


def test_the_changelog_lists_keep_a_readable_column(lines):
    """The narrowest column of the changelog, in ens of the text size: 15 or more
    (MuPDF's default indents left 11.4 at 16 pt, many lines a single word)."""
    margin = min(left for _, left, _, _ in lines["lines"])
    right = lines["width"] - margin
    inside, lefts = False, []
    for _, left, _, text in lines["lines"]:
        if text.startswith("Changelog of"):
            inside = True
        elif inside and text.startswith("2026.11"):
            break
        elif inside:
            lefts.append(left)
    assert lefts, "no changelog in the EPUB"
    column = (right - max(lefts)) / (lines["size"] / 2)
    assert column >= 15, f"at {lines['size']} pt the changelog's nested lists are {column:.1f} ens wide"


def test_urls_carry_no_invisible_characters(book):
    with zipfile.ZipFile(book.epub) as zf:
        found = {n: zf.read(n).decode().count("\u200b") for n in zf.namelist() if n.endswith(".xhtml")}
    assert not any(found.values()), f"zero-width spaces in: { {n: c for n, c in found.items() if c} }"

"""The EPUB gets to the point: "Get help now" once, its 911 instruction on the first
page after the cover at any text size, then the contents, then "Common questions"
within the first 5 % of the book (book_epub_front.py).

Laid out as a 6-inch reader lays it out: MuPDF (KOReader, PocketBook) at 257 x 347 pt
and 12 or 16 pt text, and Chromium paginating the page into screen-sized columns as
Blink reading systems (Readium, Thorium, many phone apps) do.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

import pytest

SIX_INCH = {"width": 257, "height": 347}  # points: a 6-inch Kobo Clara or Kindle Paperwhite
TEXT_SIZES = (12, 16)
OPF = "{http://www.idpf.org/2007/opf}"
HELP_WORDS = "call your local emergency number"  # said once in the help box, nowhere else before the contents


def spine(epub) -> list[str]:
    with zipfile.ZipFile(epub) as zf:
        opf = ET.fromstring(zf.read("content.opf"))
    items = {i.get("id"): i.get("href") for i in opf.iter(f"{OPF}item")}
    return [items[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]


@pytest.fixture(scope="module", params=TEXT_SIZES, ids=lambda s: f"{s}pt")
def laid_out(book, request):
    """(pages' text, first page of each spine document) at one text size."""
    import pymupdf

    doc = pymupdf.open(str(book.epub))
    doc.layout(**SIX_INCH, fontsize=request.param)
    documents = spine(book.epub)
    assert doc.chapter_count == len(documents), (doc.chapter_count, documents)
    starts, at = {}, 0
    for chapter, name in enumerate(documents):
        starts[name] = at
        at += doc.chapter_page_count(chapter)
    pages = [" ".join(doc[i].get_text().split()) for i in range(doc.page_count)]
    return {"size": request.param, "pages": pages, "starts": starts}


def test_the_help_page_shows_the_911_instruction_on_its_first_page(laid_out):
    first = laid_out["pages"][laid_out["starts"]["help.xhtml"]]
    assert first.startswith("Get help now"), first[:80]
    assert re.search(r"Call 911 right away", first), (
        f"at {laid_out['size']} pt the help page's first page lacks the 911 instruction: {first!r}")


def test_common_questions_begin_within_the_first_five_percent(laid_out):
    page = laid_out["starts"]["questions.xhtml"] + 1  # page numbers a reader sees start at 1
    total = len(laid_out["pages"])
    assert laid_out["pages"][page - 1].startswith("Common questions")
    assert page / total <= 0.05, (
        f"at {laid_out['size']} pt 'Common questions' starts on page {page} of {total} ({page / total:.1%})")


def test_the_help_box_comes_once_before_the_contents(book):
    documents = spine(book.epub)
    before = documents[: documents.index("index.xhtml") + 1]
    with zipfile.ZipFile(book.epub) as zf:
        copies = {name: zf.read(name).decode().count(HELP_WORDS) for name in before}
        home = zf.read("index.xhtml").decode()
    assert sum(copies.values()) == 1, f"the help box before the contents, by document: {copies}"
    assert copies["help.xhtml"] == 1
    assert "get-help" not in home, "the EPUB's home page still has the help box"
    assert "Sources for this box" not in home, "the EPUB's home page still lists the help box's sources"
    assert 'epub:type="footnote"' not in home, "the EPUB's home page still lists the help box's sources"
    assert 'href="help.xhtml"' in home, "the EPUB's home page does not point to the help page"


def test_the_site_home_page_keeps_its_help_box(book):
    """Only the EPUB drops the copy: a browser tab is not read from the front."""
    assert "get-help" in (book.html / "index.html").read_text()


@pytest.mark.parametrize("size_pt", TEXT_SIZES)
def test_a_blink_reading_system_shows_the_911_instruction_on_the_first_screen(book, chromium, tmp_path, size_pt):
    """The help page in Chromium, paginated into 6-inch screens with CSS columns as
    Readium CSS does: the first tel:911 link is on the first screen."""
    with zipfile.ZipFile(book.epub) as zf:
        zf.extractall(tmp_path)
    width, height = round(SIX_INCH["width"] * 4 / 3), round(SIX_INCH["height"] * 4 / 3)  # CSS px
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else route.abort())
    page = context.new_page()
    page.goto((tmp_path / "help.xhtml").as_uri())
    page.add_style_tag(content=f"""
        :root {{ height: {height}px; column-width: {width}px; column-gap: 0; column-fill: auto;
                 margin: 0; padding: 0; font-size: {size_pt * 4 / 3}px; }}
        body {{ margin: 0; padding: 0 8px; }}""")
    box = page.evaluate("""() => { const r = document.querySelector('a[href="tel:911"]').getBoundingClientRect();
                                   return [r.left, r.top, r.bottom]; }""")
    context.close()
    left, top, bottom = box
    assert left < width and bottom <= height, (
        f"at {size_pt} pt the first 911 link is not on the first screen: left {left:.0f}, top {top:.0f}")

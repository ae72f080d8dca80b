"""Each source in full once per edition, and short chapter notes that lead to it.

A chapter's notes used to repeat each source in full (the FDA label's whole
reference twelve times in the book), and then the bibliography listed them
all again: the notes and the bibliography were 30% of the EPUB's words.
Now (tools/extensions/book_short_notes.py) a note is short, "FDA 2020.
Benzodiazepine Boxed Warning.", and links to the source's full entry, which
stands once in each edition, in the bibliography.  Checked in every edition:
the site's pages, the EPUB's files, and each PDF (pdftotext once per edition;
the note links through PyMuPDF).
"""

from __future__ import annotations

import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pymupdf
import pytest
from bs4 import BeautifulSoup
from conftest import NAME, need_tool
from lxml import etree

PDF_EDITIONS = {"letter": "", "6in": "-6in", "large-print": "-large-print"}
MAX_SHARE = 0.15  # of the EPUB's words: the chapters' notes and the bibliography together
NOTE = "footcite-"  # a note's id, "footcite-KEY" (sphinxcontrib-bibtex)
ENTRY = "source-"  # a full entry's id, "source-KEY" (bibtex_cite_id in conf.py)
XHTML = "{http://www.w3.org/1999/xhtml}"
BLOCKS = {"p", "div", "li", "aside", "section", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd",
          "figcaption", "caption", "br", "tr", "blockquote", "pre", "ul", "ol", "dl", "table", "figure", "nav"}


def squeeze(text: str) -> str:
    """Text as every edition sets it, line breaks and hyphens aside: no spaces, no
    hyphens (a PDF line may break a URL or a word at one), no invisible marks."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if not c.isspace() and c not in "-\u2010\u2011" and unicodedata.category(c) != "Cf")


@pytest.fixture(scope="module")
def entries(book) -> dict[str, dict]:
    """{key: {"number", "text"}} of each full entry on the site's bibliography page."""
    soup = BeautifulSoup((book.html / "bibliography.html").read_text(), "html.parser")
    out = {}
    for cite in soup.select("div.citation"):  # keyed by the source's key where the id is "source-KEY"
        out[cite["id"].removeprefix(ENTRY)] = {"number": cite.select_one("span.label").get_text().strip("[]"),
                                                "text": cite.select_one("p").get_text()}
    assert len(out) > 40, "the bibliography lists too few sources"
    return out


def _body(page: str, heads: set[str]) -> str:
    """A PDF page's text without its running head (the chapter's title) and the
    lines that are a number alone (the page number): an entry running over to
    the next page would enclose them."""
    lines = [line for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
    if lines and lines[0].strip() in heads:
        lines = lines[1:]
    return "\n".join(lines)


def _count_once(editions: dict[str, str], entries: dict) -> list[str]:
    wrong = []
    for name, text in editions.items():
        flat = squeeze(text)
        for key, entry in entries.items():
            n = flat.count(squeeze(entry["text"]))
            if n != 1:
                wrong.append(f"{name}: {key} in full {n} times")
    return wrong


def test_each_source_stands_in_full_once_per_edition(book, entries):
    editions = {"site": " ".join(p.read_text() for p in sorted(book.html.glob("*.html")))}
    with zipfile.ZipFile(book.epub) as zf:
        editions["EPUB"] = " ".join(zf.read(n).decode() for n in sorted(zf.namelist()) if n.endswith(".xhtml"))
    editions = {name: BeautifulSoup(markup, "html.parser").get_text(" ") for name, markup in editions.items()}
    for name, suffix in PDF_EDITIONS.items():
        pdf = book.folder / f"{NAME}{suffix}.pdf"
        # -raw: in the order Typst wrote it, each entry's number before its text, not read as a column
        text = subprocess.run([need_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        heads = {title for level, title, _page in pymupdf.open(pdf).get_toc() if level == 1}
        editions[f"PDF {name}"] = "\n".join(_body(page, heads) for page in text.split("\f"))
    wrong = _count_once(editions, entries)
    assert not wrong, "each source must stand in full once per edition, in the bibliography:\n" + "\n".join(wrong[:20])


def _notes(pages: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(page, note key, link target, note words) of every chapter note."""
    out = []
    for page, markup in pages.items():
        for note in BeautifulSoup(markup, "html.parser").select("aside.footnote"):
            link = note.select_one("p a.reference")
            out.append((page, note["id"].removeprefix(NOTE), link["href"] if link else "",
                        " ".join(note.select_one("p").get_text().split())))
    return out


@pytest.mark.parametrize("edition", ["site", "EPUB"])
def test_each_chapter_note_is_short_and_links_to_its_full_entry(book, entries, edition):
    if edition == "site":
        pages, bibliography = {p.name: p.read_text() for p in book.html.glob("*.html")}, "bibliography.html"
    else:
        with zipfile.ZipFile(book.epub) as zf:
            pages = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml")}
        bibliography = "bibliography.xhtml"
    targets = {i["id"] for i in BeautifulSoup(pages[bibliography], "html.parser").select("div.citation[id]")}
    notes = _notes(pages)
    assert len(notes) > 100, f"{edition}: too few chapter notes ({len(notes)})"
    said = {}
    for _page, key, _href, words in notes:
        assert said.setdefault(words, key) == key, f"{edition}: {key} and {said[words]} have one short note, {words!r}"
    for page, key, href, words in notes:
        assert href == f"{bibliography}#{ENTRY}{key}", f"{edition} {page}: the note on {key} links to {href!r}"
        assert f"{ENTRY}{key}" in targets, f"{edition} {page}: no entry {key} in {bibliography}"
        assert len(words.split()) <= 12, f"{edition} {page}: the note on {key} is not short: {words}"


def _lines(page: pymupdf.Page) -> list[tuple[float, str]]:
    return sorted((line["bbox"][1], "".join(s["text"] for s in line["spans"]).strip())
                  for block in page.get_text("dict")["blocks"] for line in block.get("lines", []))


@pytest.mark.parametrize("edition", sorted(PDF_EDITIONS))
def test_each_pdf_note_links_to_its_full_entry(book, entries, edition):
    """Each note's words are a link to the page and place of its source's entry:
    the first line there is the entry's number."""
    notes = {words: key for _page, key, _href, words in _notes(
        {p.name: p.read_text() for p in book.html.glob("*.html") if p.name != "index.html"})}
    doc = pymupdf.open(book.folder / f"{NAME}{PDF_EDITIONS[edition]}.pdf")
    start = next(page for level, title, page in doc.get_toc() if level == 1 and title == "Bibliography") - 1
    found: dict[tuple, list] = {}  # (note page, target page, y): the words of each piece of the link
    for number in range(start):
        page = doc[number]
        words = page.get_text("words")
        for link in page.get_links():
            if link["kind"] != pymupdf.LINK_GOTO or link["page"] < start:
                continue
            rect = link["from"]
            inside = [w[4] for w in words
                      if (pymupdf.Rect(w[:4]) & rect).get_area() > 0.5 * pymupdf.Rect(w[:4]).get_area()]
            found.setdefault((number, link["page"], round(link["to"].y, 1)), []).extend(inside)
    assert len(found) >= len(set(notes.values())), f"{edition}: {len(found)} note links into the bibliography"
    for (number, target, y), pieces in found.items():
        words = " ".join(pieces)
        key = notes.get(words)
        assert key, f"{edition}, page {number + 1}: a link into the bibliography from {words!r}, not a note"
        # the first entry number at or below the link's target, within a line of it
        first = next((text for top, text in _lines(doc[target]) if top >= y - 2 and text.isdigit()), "")
        where = next((top for top, text in _lines(doc[target]) if top >= y - 2 and text.isdigit()), 1e9)
        assert first == entries[key]["number"] and where - y < 20, \
            f"{edition}, page {number + 1}: the note {words!r} lands on {first!r}, not entry {entries[key]['number']}"


def _words(element) -> int:
    out: list[str] = []

    def walk(e):
        tag = etree.QName(e).localname if isinstance(e.tag, str) else ""
        block = tag in BLOCKS
        out.append(" " if block else "")
        if tag not in ("script", "style"):
            out.append(e.text or "")
            for child in e:
                walk(child)
        out.append((" " if block else "") + (e.tail or ""))

    walk(element)
    return len("".join(out).split())


def reference_share(epub: Path) -> tuple[int, int]:
    """(words of the chapters' notes and the bibliography's entries, words of the whole
    EPUB), over the spine's XHTML text; a note mark "[1, 3]" is two words, as read."""
    with zipfile.ZipFile(epub) as zf:
        opf = etree.fromstring(zf.read("content.opf"))
        ns = {"o": "http://www.idpf.org/2007/opf"}
        items = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:manifest/o:item", ns)}
        spine = [items[r.get("idref")] for r in opf.iterfind(".//o:spine/o:itemref", ns)]
        notes = total = 0
        for href in spine:
            body = etree.fromstring(zf.read(href)).find(f"{XHTML}body")
            total += _words(body)
            kind = "citation" if href == "bibliography.xhtml" else "footnote-list"
            notes += sum(_words(e) for e in body.iter(f"{XHTML}div", f"{XHTML}aside")
                         if kind in (e.get("class") or "").split())
    return notes, total


def test_the_sources_are_under_15_percent_of_the_epub(book):
    notes, total = reference_share(book.epub)
    assert total > 15000, f"the EPUB has {total} words: the count is broken"
    assert notes / total < MAX_SHARE, \
        f"notes and bibliography: {notes} of the EPUB's {total} words ({notes / total:.1%}), over {MAX_SHARE:.0%}"

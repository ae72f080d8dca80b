"""The same book in every format: what the HTML says, the EPUB and the PDF say too.

Each chapter's reading text is extracted from each edition:

* HTML: the page's main article (build/html/<doc>.html);
* EPUB: the chapter's content document (<doc>.xhtml);
* PDF: the chapter's pages (from the outline), as MuPDF reads them, without
  the running heads and feet and without the footnotes (the small type).

Notes and note references are left out everywhere: the HTML and the EPUB put
a chapter's sources at its end, the PDF at the foot of each page, and
their numbers differ by design.  Whitespace, typographic quotes and dashes,
ligatures and the PDF's end-of-line hyphenation are normalised; nothing else
is.  Then, chapter by chapter: every heading of the .rst source, every
clinical number with its unit, the text of every warning, danger and
important box, and every glossary term must be in all three.
The note marks themselves are compared apart: each chapter has the same marks,
"[1, 3]" in the HTML and the EPUB, "1, 3" raised in the PDF.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import zipfile
from collections import Counter
from xml.etree import ElementTree as ET

import pymupdf
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from conftest import doc_title, glossary_terms, need_tool, rst_headings, toctree_docs

DOCS = toctree_docs()
FORMATS = ("html", "epub", "pdf")

BLOCKS = ("p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "aside", "td", "th",
          "tr", "table", "caption", "figcaption", "figure", "pre", "blockquote", "ul", "ol", "dl", "nav")
# left out of the reading text in every format: notes, note marks (their numbers, brackets
# and commas), permalinks
NOT_READ = ("a.headerlink", "span.note-marks", "a.footnote-reference", "aside.footnote-list", "script", "style")

LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}


def canon(text: str) -> str:
    """Normalise what differs between formats by typesetting only, never the words."""
    for lig, letters in LIGATURES.items():
        text = text.replace(lig, letters)
    text = re.sub("[\u00a0\u2007\u2009\u202f]", " ", text)  # no-break and thin spaces
    text = re.sub("[\u00ad\u200b]", "", text)  # soft hyphen, zero-width space
    text = re.sub("[\u2018\u2019\u201a\u201b]", "'", text)
    text = re.sub("[\u201c\u201d\u201e\u201f]", '"', text)
    text = re.sub("[\u2010\u2011\u2012\u2013\u2014\u2212]", "-", text)
    text = text.replace("\u2026", "...")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ([.,;:!?)\]])", r"\1", text)  # a note mark left a space behind
    text = re.sub(r"([(\[]) ", r"\1", text)
    return text.strip()


def markup_text(markup: str, root_selector: str) -> str:
    soup = BeautifulSoup(markup, "html.parser")
    root = soup.select_one(root_selector)
    assert root is not None, f"no {root_selector}"
    for selector in NOT_READ:
        for el in root.select(selector):
            el.decompose()
    for el in root.find_all(BLOCKS):
        el.insert_before("\n")
        el.insert_after("\n")
    return canon(root.get_text())


def html_chapters(book) -> dict[str, str]:
    return {doc: markup_text((book.html / f"{doc}.html").read_text(), 'article[role="main"]') for doc in DOCS}


def epub_chapters(book) -> dict[str, str]:
    with zipfile.ZipFile(book.epub) as zf:
        return {doc: markup_text(zf.read(f"{doc}.xhtml").decode(), "body") for doc in DOCS}


def pdf_page_ranges(pdf) -> dict[str, range]:
    """The 0-based pages of each chapter, from the PDF outline; the index is left out."""
    reader = PdfReader(pdf)
    starts = {item.title: reader.get_destination_page_number(item)
              for item in reader.outline if not isinstance(item, list)}
    order = [starts[doc_title(d)] for d in DOCS] + [starts.get("Index", len(reader.pages))]
    return {doc: range(order[i], order[i + 1]) for i, doc in enumerate(DOCS)}


def pdf_lines(pdf):
    """(page number, [line text, ...]) of the body of each page, as MuPDF reads them.

    Left out: lines in the top and bottom margins (running heads, page numbers)
    and characters in type smaller than nine tenths of the body type (footnotes
    and note marks); spaces are kept so words stay apart."""
    stext = subprocess.run([need_tool("mutool"), "draw", "-F", "stext", "-o", "-", str(pdf)],
                           capture_output=True, check=True).stdout
    document = ET.fromstring(stext)
    pages = document.findall("page")
    sizes: dict[float, int] = {}
    for font in document.iter("font"):
        size = round(float(font.get("size")), 1)
        sizes[size] = sizes.get(size, 0) + len(font)
    body = max(sizes, key=sizes.get)
    for number, page in enumerate(pages):
        height = float(page.get("height"))
        lines = []
        for line in page.iter("line"):
            top, bottom = (float(v) for v in line.get("bbox").split()[1::2])
            if bottom < 0.08 * height or top > 0.92 * height:
                continue
            chars = []
            for font in line.iter("font"):
                small = float(font.get("size")) < 0.9 * body
                chars += [c.get("c") for c in font.iter("char") if not small or c.get("c").isspace()]
            text = "".join(chars).strip()
            if text:
                lines.append(text)
        yield number, lines


def join_lines(lines: list[str], vocabulary: set[str], compounds: set[str]) -> str:
    """Join a page's lines, undoing a hyphenation at a line end (a soft hyphen the layout used)."""
    out = ""
    for line in lines:
        m = re.search(r"([A-Za-z]+)-$", out)
        n = re.match(r"[a-z]+", line)
        if m and n:
            left, right = m.group(1), n.group(0)
            if f"{left}-{right}".lower() not in compounds and (left + right).lower() in vocabulary:
                out = out[:-1] + line  # a word broken by hyphenation
            else:
                out += line  # a hyphenated compound broken at its hyphen
        elif out.endswith("-"):
            out += line
        else:
            out += " " + line
    return out


@pytest.fixture(scope="session")
def texts(book) -> dict[str, dict[str, str]]:
    """{format: {doc: canonical reading text}} for every chapter of the book."""
    html = html_chapters(book)
    epub = epub_chapters(book)
    words = " ".join(html.values()) + " " + " ".join(epub.values())
    vocabulary = {w.lower() for w in re.findall(r"[A-Za-z]+", words)}
    compounds = {w.lower() for w in re.findall(r"[A-Za-z]+-[A-Za-z]+", words)}
    ranges = pdf_page_ranges(book.pdf)
    pages = dict(pdf_lines(book.pdf))
    pdf = {doc: canon(join_lines([line for i in ranges[doc] for line in pages[i]], vocabulary, compounds))
           for doc in DOCS}
    return {"html": html, "epub": epub, "pdf": pdf}


def missing(texts, doc, phrases) -> dict[str, list[str]]:
    return {fmt: [p for p in phrases if p not in texts[fmt][doc]] for fmt in FORMATS
            if any(p not in texts[fmt][doc] for p in phrases)}


# -- headings --------------------------------------------------------------------------

@pytest.mark.parametrize("doc", DOCS)
def test_every_heading_is_in_every_format(texts, doc):
    headings = [canon(h) for h in rst_headings(doc)]
    assert headings
    lost = missing(texts, doc, headings)
    assert not lost, f"{doc}: headings missing: {lost}"


# -- clinical numbers -----------------------------------------------------------------

UNITS = r"mg/kg/day|mg/kg|mg/day|mg|µg|mcg|mL|%|percent|hours?|days?|weeks?|months?|years?|minutes?"
NUMBER_WITH_UNIT = re.compile(
    rf"(?<![\w.,/-])\d+(?:\.\d+)?(?:(?: to | or | and |-)\d+(?:\.\d+)?)? ?(?:{UNITS})(?![\w/])")


def numbers_in(text: str) -> list[str]:
    return sorted(set(NUMBER_WITH_UNIT.findall(text)))


def test_the_number_pattern_finds_the_clinical_numbers(texts):
    found = numbers_in(texts["html"]["mechanism"])
    for value in ("1 to 4 hours", "30 to 40 hours"):
        assert value in found, found
    assert len({n for doc in DOCS for n in numbers_in(texts["html"][doc])}) > 40


@pytest.mark.parametrize("doc", DOCS)
def test_every_clinical_number_is_in_every_format(texts, doc):
    numbers = numbers_in(texts["html"][doc])
    lost = missing(texts, doc, numbers)
    assert not lost, f"{doc}: numbers the HTML states that are missing: {lost}"


# -- warnings, dangers, important notes ------------------------------------------------

KINDS = ("warning", "danger", "important")


def admonitions(book) -> list[tuple[str, str, list[str]]]:
    """(doc, kind, [each paragraph and list item of its text]) of every warning-like box."""
    found = []
    for doc in DOCS:
        soup = BeautifulSoup((book.html / f"{doc}.html").read_text(), "html.parser")
        article = soup.select_one('article[role="main"]')
        for selector in NOT_READ:
            for el in article.select(selector):
                el.decompose()
        for kind in KINDS:
            for box in article.select(f"div.admonition.{kind}"):
                pieces = [canon(el.get_text()) for el in box.find_all(["p", "li"])
                          if "admonition-title" not in el.get("class", []) and not el.find(["p", "li"])]
                found.append((doc, kind, [p for p in pieces if p]))
    return found


def test_the_book_has_warning_boxes(book):
    boxes = admonitions(book)
    assert {kind for _, kind, _ in boxes} == set(KINDS), boxes
    assert all(pieces for _, _, pieces in boxes)


@pytest.mark.parametrize("doc", DOCS)
def test_every_warning_box_says_the_same_in_every_format(book, texts, doc):
    for _, kind, pieces in [b for b in admonitions(book) if b[0] == doc]:
        for fmt in FORMATS:
            lost = [p for p in pieces if canon(p) not in texts[fmt][doc]]
            assert not lost, f"{fmt}: {doc} {kind} box: {lost}"


# -- glossary --------------------------------------------------------------------------

def test_every_glossary_term_is_in_every_format(texts):
    terms = glossary_terms()
    assert len(terms) > 20, terms
    lost = missing(texts, "glossary", [canon(t) for t in terms])
    assert not lost, f"glossary terms missing: {lost}"


# -- note marks ------------------------------------------------------------------------

def markup_marks(markup: str, root_selector: str) -> Counter:
    """Each note mark of a page as its numbers read, "1, 3" ("[1, 3]" without its brackets)."""
    root = BeautifulSoup(markup, "html.parser").select_one(root_selector)
    return Counter(", ".join(re.findall(r"\d+", g.get_text())) for g in root.select("span.note-marks"))


def pdf_marks(pdf) -> dict[str, Counter]:
    """Each chapter's printed note marks: runs of raised type that hold only numbers and commas."""
    ranges = pdf_page_ranges(pdf)
    found: dict[int, Counter] = {}
    with pymupdf.open(pdf) as doc:
        for number, page in enumerate(doc):
            marks = found.setdefault(number, Counter())
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    for raised, run in itertools.groupby(spans, key=lambda s: bool(s["flags"] & 1)):
                        text = "".join(s["text"] for s in run)
                        if raised and re.fullmatch(r"[\d,\s\u00a0]+", text):
                            marks[", ".join(re.findall(r"\d+", text))] += 1
    return {doc: sum((found[i] for i in pages), Counter()) for doc, pages in ranges.items()}


def test_note_marks_read_the_same_in_every_format(book):
    """The same sources mark the same sentences: "[1, 3]" in the HTML and the EPUB is "1, 3" in the PDF."""
    pdf = pdf_marks(book.pdf)
    several = 0
    with zipfile.ZipFile(book.epub) as zf:
        for doc in DOCS:
            html = markup_marks((book.html / f"{doc}.html").read_text(), 'article[role="main"]')
            epub = markup_marks(zf.read(f"{doc}.xhtml").decode(), "body")
            assert epub == html, f"{doc}: EPUB {sorted((epub - html).items())}, HTML {sorted((html - epub).items())}"
            assert pdf[doc] == html, \
                f"{doc}: PDF {sorted((pdf[doc] - html).items())}, HTML {sorted((html - pdf[doc]).items())}"
            several += sum(n for mark, n in html.items() if "," in mark)
    assert several >= 10, several

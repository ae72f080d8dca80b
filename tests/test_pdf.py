"""The three PDF editions (Letter, 6-inch e-reader, large print): what a reader
of each gets, on paper, on a small screen and through a screen reader.

Every test runs on each edition.  The structure checks read the PDF's
structure tree (pikepdf); the layout checks read the laid-out text
(PyMuPDF), never the Typst template; the words come from pdftotext, once per
edition and session (``page_texts``).
"""

from __future__ import annotations

import itertools
import re
import shutil
import statistics
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pymupdf
import pytest
from bs4 import BeautifulSoup
from conftest import BOOK, NAME, ROOT, doc_title, need_tool, normalise, toctree_docs
from pypdf import PdfReader

# edition: (file suffix, page width x height in mm (±3), body size range in pt)
EDITIONS = {
    "letter": ("", (215.9, 279.4), (11, 12)),
    "6in": ("-6in", (90, 122), (9, 10.5)),
    "large-print": ("-large-print", (215.9, 279.4), (16, 19)),
}
BOOK_FONTS = ("FreeSerif", "FreeSans", "FreeMono")


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def edition(request, book):
    suffix, size, body = EDITIONS[request.param]
    path = book.folder / f"{NAME}{suffix}.pdf"
    assert path.is_file(), f"{path.name} was not built"
    return {"name": request.param, "path": path, "size": size, "body": body}


@pytest.fixture(scope="session")
def all_page_texts(book) -> dict:
    """{edition: [text of page 1, ...]}, as pdftotext reads them, once per session."""
    out = {}
    for name, (suffix, _size, _body) in EDITIONS.items():
        text = subprocess.run([need_tool("pdftotext"), "-enc", "UTF-8", str(book.folder / f"{NAME}{suffix}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        out[name] = text.split("\f")
    return out


@pytest.fixture(scope="module")
def page_texts(edition, all_page_texts) -> list[str]:
    return all_page_texts[edition["name"]]


@pytest.fixture(scope="module")
def links(pike) -> list[dict]:
    """Every link annotation: page (1-based), rectangle, alternate text, target page (1-based) or URI."""
    pages = {page.obj.objgen: n for n, page in enumerate(pike.pages, 1)}
    named = dict(pikepdf.NameTree(pike.Root.Names.Dests).items()) if "/Names" in pike.Root else {}
    out = []
    for number, page in enumerate(pike.pages, 1):
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            dest = annot.get("/Dest")
            if isinstance(dest, pikepdf.String):  # a heading's label: a named destination
                dest = named[str(dest)]
            out.append({"page": number, "rect": [float(v) for v in annot.Rect], "alt": str(annot.get("/Contents", "")),
                        "to": pages.get(dest[0].objgen) if dest is not None else None,
                        "uri": str(annot.A.URI) if "/A" in annot and "/URI" in annot.A else None})
    return out


@pytest.fixture(scope="module")
def reader(edition):
    return PdfReader(edition["path"])


@pytest.fixture(scope="module")
def pike(edition):
    with pikepdf.open(edition["path"]) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def structure(pike):
    """The structure elements in document order: (role, element)."""
    out = []

    def walk(node):
        if not isinstance(node, pikepdf.Dictionary):
            return
        if "/S" in node:
            out.append((str(node.S), node))
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            walk(kid)

    walk(pike.Root.StructTreeRoot)
    return out


@pytest.fixture(scope="module")
def spans(edition):
    """(page number, font, size, text, bbox, superscript) of every text span."""
    out = []
    with pymupdf.open(edition["path"]) as doc:
        for number, page in enumerate(doc, 1):
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        if span["text"].strip():
                            out.append((number, span["font"], round(span["size"], 1), span["text"],
                                        span["bbox"], bool(span["flags"] & 1)))
    return out


def body_size(spans) -> float:
    sizes = {}
    for _p, _f, size, text, _b, _s in spans:
        sizes[size] = sizes.get(size, 0) + len(text)
    return max(sizes, key=sizes.get)


# -- accessibility: tagged PDF/UA ------------------------------------------------------

def test_pdf_is_tagged_pdf_ua(edition, pike):
    info = subprocess.run([need_tool("pdfinfo"), str(edition["path"])], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE), info
    assert pike.Root.Lang == "en-US"
    assert bool(pike.Root.ViewerPreferences.DisplayDocTitle) is True
    xmp = pike.Root.Metadata.read_bytes().decode()
    assert re.search(r'pdfuaid:part(="1"|>1<)', xmp), "no PDF/UA identification in the XMP metadata"


def test_pdf_passes_the_pdfua_checker_without_warnings(edition):
    proc = subprocess.run([sys.executable, "-m", "pdfua", "check", str(edition["path"])],
                          capture_output=True, text=True, check=False)
    result = re.search(r"errors=(\d+) warnings=(\d+)", proc.stdout)
    assert result, proc.stdout + proc.stderr
    assert result.groups() == ("0", "0"), proc.stdout


def test_pdf_headings_are_h1_to_h3_in_reading_order(structure):
    levels = [int(role[2]) for role, _ in structure if re.fullmatch(r"/H[1-6]", role)]
    assert levels and levels[0] == 1
    assert {1, 2, 3} <= set(levels)
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not jumps, f"heading levels skipped: {jumps[:5]}"


def test_pdf_every_chapter_title_is_an_h1(structure, reader):
    """One H1 per top-level bookmark (chapters, contents, index, last page): the
    bookmarks' order is the reading order (test_pdf_outline_mirrors_chapters_and_sections)."""
    h1 = [el for role, el in structure if role == "/H1"]
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert len(h1) == len(top) >= len(toctree_docs()), (len(h1), [i.title for i in top])


def test_pdf_tags_paragraphs_lists_tables_and_header_cells_with_scope(structure):
    roles = [role for role, _ in structure]
    for needed in ("/P", "/L", "/LI", "/Table", "/TH", "/TD", "/Link", "/Figure"):
        assert needed in roles, f"no {needed} in the structure tree"
    header_cells = [el for role, el in structure if role == "/TH"]
    def scope(el):  # /A is one attribute dictionary or an array of them
        attributes = el.get("/A")
        attributes = list(attributes) if isinstance(attributes, pikepdf.Array) else [attributes]
        return next((a.Scope for a in attributes if isinstance(a, pikepdf.Dictionary) and "/Scope" in a), None)

    unscoped = [el for el in header_cells if scope(el) is None]
    assert not unscoped, f"{len(unscoped)} of {len(header_cells)} header cells have no /Scope"


def test_pdf_figures_carry_the_alt_text_of_the_html(book, structure):
    alts = []
    for page in sorted(book.html.glob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        alts += [img["alt"] for img in soup.select("figure img") if img.get("alt")]
    assert len(alts) >= 3, alts
    figures = [str(el.get("/Alt", "")) for role, el in structure if role == "/Figure"]
    for alt in alts:
        assert alt in figures, f"no figure with the alternative text {alt!r}"
    assert all(figures), "a figure without alternative text"


def test_pdf_links_have_alternate_text(links):
    """A screen reader says what each link is ("Source 3", "Back to the text ...",
    "Call 911"), never what Typst writes ("page 12", "Telephone +18002221222")."""
    assert len(links) > 300
    bare = [link for link in links if not link["alt"].strip()]
    assert not bare, f"{len(bare)} links without /Contents"
    typst = [link["alt"] for link in links if re.fullmatch(r"\s*(“.*” )?page \d+|Telephone .*", link["alt"])]
    assert not typst, typst[:5]
    alts = [link["alt"] for link in links]
    notes = [a for a in alts if a.startswith("Source")]
    assert len(notes) > 300 and all(re.fullmatch(r"Source \d+", a) for a in notes), sorted(set(notes))[:5]
    back = [a for a in alts if a.startswith("Back to")]
    assert len(back) > 20 and all(re.fullmatch(r"Back to the text where source \d+ is cited", a) for a in back)
    assert "Call 911" in alts and "Poison Help, 1-800-222-1222" in alts, sorted(a for a in set(alts) if "Call" in a)
    assert sum(a.startswith("Page about ") for a in alts) > 100
    assert sum(bool(re.fullmatch(r".+, page \d+", a)) for a in alts) > 30  # the contents: "Cautions, page 37"


# -- what the reader holds: size, type, fonts ----------------------------------------------

def test_pdf_page_and_body_type_fit_the_edition(edition, reader, spans):
    width, height = (float(v) * 25.4 / 72 for v in reader.pages[5].mediabox[2:])
    assert abs(width - edition["size"][0]) < 3 and abs(height - edition["size"][1]) < 3, (width, height)
    low, high = edition["body"]
    assert low <= body_size(spans) <= high, body_size(spans)


def test_letter_lines_hold_60_to_75_characters(edition, spans):
    if edition["name"] != "letter":
        pytest.skip("the line-length promise is the Letter edition's")  # the other editions: body size
    body = body_size(spans)
    lines = {}
    for page, font, size, text, bbox, _sup in spans:
        if font.startswith("FreeSerif") and size == body:
            key = (page, round(bbox[1]))
            lines[key] = lines.get(key, "") + text
    lengths = sorted(len(t) for t in lines.values())
    full = lengths[len(lengths) // 2:]  # the longer half: lines that are not paragraph ends
    assert 60 <= statistics.median(full) <= 75, statistics.median(full)


def test_pdf_embeds_only_the_books_fonts(edition):
    out = subprocess.run([need_tool("pdffonts"), str(edition["path"])], capture_output=True, text=True,
                         check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0].split("+")[-1]
        assert name.startswith(BOOK_FONTS), f"a font that is not the book's (a fallback): {row}"
        assert row.split()[-5] == "yes", f"font not embedded: {row}"


def test_pdf_metadata_names_title_author_subject_keywords(reader):
    meta = reader.metadata
    assert meta.title == BOOK["title"]
    assert meta.author == BOOK["author"]
    assert meta.subject == BOOK["description_short"]
    assert "clonazepam" in (meta.get("/Keywords") or "")


# -- the book's parts: cover, help, contents, index, last page -------------------------

def test_pdf_opens_with_cover_then_get_help_then_contents(reader, pike, page_texts):
    first = pike.pages[0]
    assert "/XObject" in first.Resources and not page_texts[0].strip(), \
        "page 1 is not the cover image"
    assert "Get help now" in normalise(page_texts[1])
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[:2] == [doc_title(toctree_docs()[0]), "Contents"], top[:3]


def test_pdf_outline_mirrors_chapters_and_sections(reader):
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    chapters = [doc_title(d) for d in toctree_docs()]
    assert [t for t in top if t in chapters] == chapters, top
    assert "Index" in top
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert len(nested) >= len(chapters) - 3, "chapters have no section bookmarks"


def test_contents_lists_chapters_and_sections_at_the_page_they_start(reader, page_texts):
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [i.title for i in top]
    start = titles.index("Contents")
    first, end = (reader.get_destination_page_number(top[i]) for i in (start, start + 1))
    contents = normalise(" ".join(page_texts[p] for p in range(first, end))).replace("\u2060", "")
    outline = list(reader.outline)
    sections = [item for before, group in itertools.pairwise(outline)
                if isinstance(group, list) and getattr(before, "title", "") != "Index"  # the index's letters
                for item in group if not isinstance(item, list)]
    assert len(top) > len(toctree_docs()) and len(sections) > 20
    for item in top[start + 1:-1] + sections:
        page = reader.get_destination_page_number(item) + 1
        assert re.search(rf"{re.escape(normalise(item.title))}[ .]*{page}\b", contents), \
            f"contents: {item.title!r} is not listed at page {page}"


def test_pdf_index_gives_page_numbers_in_the_body_font(reader, spans):
    top = [item for item in reader.outline if not isinstance(item, list)]
    first = next(reader.get_destination_page_number(i) for i in top if i.title == "Index") + 1
    text = normalise(" ".join(t for p, _f, _s, t, _b, _x in spans if p > first - 1))
    assert re.search(r"half-life, \d+", text), text[:400]
    fonts = {f for p, f, _s, t, _b, _x in spans if p >= first and re.search(r"\d", t)}
    assert fonts and all(f.startswith("FreeSerif") for f in fonts), fonts


def test_pdf_index_page_numbers_ascend(reader, edition):
    """A term's pages in reading order: "liver disease, 52, 61", not "61, 52" (Sphinx
    sorts a term's links as strings, so "#index-26" came before "#index-4")."""
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [i.title for i in top]
    first = reader.get_destination_page_number(top[titles.index("Index")])
    end = reader.get_destination_page_number(top[titles.index("Index") + 1])
    with pymupdf.open(edition["path"]) as doc:
        text = " ".join(doc[p].get_text() for p in range(first, end))
    runs = [[int(n) for n in re.findall(r"\d+", run)] for run in re.findall(r"(?:,\s*\d+\b){2,}", text)]
    assert len(runs) > 10, text[:400]
    assert not [r for r in runs if r != sorted(r)], [r for r in runs if r != sorted(r)]


def test_pdf_last_page_says_where_the_newest_edition_is_and_how_to_report_an_error(reader, page_texts):
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert top[-1].title == "This edition", [i.title for i in top]
    first = reader.get_destination_page_number(top[-1])
    last = normalise(" ".join(page_texts[first:]))
    from book_address import address_paragraphs  # the same words as the site's and the EPUB's

    for kind in ("edition", "report"):
        for para in address_paragraphs(kind, BOOK, BOOK["edition"], BOOK["reviewed"]):
            assert normalise(para.astext()) in last, (kind, last)
    assert "report an error" in last and BOOK["edition"] in last


def chapter_start(reader, title: str) -> int:
    """The 1-based page where a top-level bookmark points."""
    item = next(i for i in reader.outline if not isinstance(i, list) and i.title == title)
    return reader.get_destination_page_number(item) + 1


# -- what a patient would print --------------------------------------------------------------

def test_adjacent_note_marks_never_merge(book, spans):
    """As many note numbers are printed as the HTML has note references: "1, 3", never "13"."""
    refs = 0
    for doc in toctree_docs():
        soup = BeautifulSoup((book.html / f"{doc}.html").read_text(), "html.parser")
        refs += len(soup.select('article[role="main"] a.footnote-reference'))
    body = body_size(spans)
    marks = " ".join(t for _p, _f, size, t, _b, sup in spans if sup or size < 0.75 * body)
    printed = re.findall(r"(?<![\d.])\d{1,3}(?![\d.])", marks)
    assert refs > 50
    # note numbers also start each note in the chapter's sources (smaller type, not raised)
    assert len(printed) >= refs, (len(printed), refs)


@pytest.fixture(scope="module")
def printed_marks(edition):
    """(page, text, first on its line) of each printed note mark: a run of raised
    spans that holds only note numbers, commas and spaces."""
    marks = []
    with pymupdf.open(edition["path"]) as doc:
        for number, page in enumerate(doc, 1):
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    for raised, run in itertools.groupby(enumerate(spans), key=lambda x: bool(x[1]["flags"] & 1)):
                        run = list(run)
                        text = "".join(s["text"] for _i, s in run).strip()
                        if raised and re.fullmatch(r"[\d,\s\u00a0]+", text):
                            marks.append((number, text, run[0][0] == 0))
    return marks


def test_adjacent_sources_print_as_one_mark(book, printed_marks):
    """Several sources of one sentence print as one raised mark, "1, 3", never "13" or "1 3"."""
    several = 0
    for doc in toctree_docs():
        soup = BeautifulSoup((book.html / f"{doc}.html").read_text(), "html.parser")
        several += sum(len(g.select("a")) > 1 for g in soup.select('article[role="main"] span.note-marks'))
    marks = printed_marks
    odd = [m for m in marks if not re.fullmatch(r"\d+(?:,[\s\u00a0]*\d+)*", m[1])]
    assert not odd, odd[:5]
    printed = sum("," in m[1] for m in marks)
    assert several >= 10 and printed >= several, f"{printed} marks of several sources printed, {several} in the HTML"


def test_no_note_mark_sits_alone_at_line_start(printed_marks):
    marks = printed_marks
    assert len(marks) > 300, len(marks)
    alone = [(page, text) for page, text, first in marks if first]
    assert not alone, f"marks at the start of a line, away from their word: {alone[:5]}"


def test_no_bare_urls_in_the_text_block(reader, spans):
    """Addresses belong in the bibliography (the notes name their sources in short, book_short_notes.py)."""
    body = body_size(spans)
    bibliography = chapter_start(reader, doc_title("bibliography"))
    end = chapter_start(reader, "Index")
    bare = [(p, t) for p, _f, size, t, _b, _s in spans
            if size >= body and not bibliography <= p < end and p < len(reader.pages)
            and re.search(r"https?://|www\.", t)]
    assert not bare, bare[:5]


def test_headings_never_end_a_page(spans):
    body = body_size(spans)
    last_line = {}
    for page, font, size, text, bbox, _s in spans:
        if bbox[1] > last_line.get(page, (0,))[0] and size >= body * 0.8:
            last_line[page] = (bbox[1], font, size, text)
    # running heads and page numbers are smaller than the body; a heading is larger, in FreeSans
    stranded = [(p, t) for p, (_y, f, s, t) in last_line.items() if f.startswith("FreeSans") and s > body * 1.05]
    assert not stranded, stranded


def test_no_page_inside_a_chapter_is_left_more_than_half_empty(edition):
    """A box kept whole may push to the next page only when it then fits there: a box taller
    than the page ("Get help now" in large print) starts where it stands instead of leaving
    its chapter's title alone on a page.  The page before a chapter starts may end anywhere."""
    import pymupdf

    doc = pymupdf.open(edition["path"])
    starts = {page for level, _, page in doc.get_toc() if level == 1}
    height = doc[0].rect.height

    def text_blocks(page):
        blocks = [b for b in page.get_text("blocks") if b[6] == 0 and b[4].strip()]
        # neither the running head (the first block, at the top) nor the page number
        return [b for n, b in enumerate(blocks) if not (n == 0 and b[1] < 0.12 * height)
                and not re.fullmatch(r"\s*\d+\s*", b[4])]

    checked, gaps = 0, []
    for i in range(1, len(doc) - 1):
        text = text_blocks(doc[i])
        if i + 2 in starts or not text:
            continue
        checked += 1
        foot = max(b[3] for b in doc[i].get_text("blocks"))  # the page number's line
        empty = (foot - max(b[3] for b in text)) / height
        if empty <= 0.5:
            continue
        following = doc[i + 1]
        opens_at = min((b[1] for b in text_blocks(following)), default=height)
        # a figure or a box kept whole: it opens the next page and ends on it
        kept_whole = min((d["rect"].y0 for d in following.get_drawings()
                          if d["rect"].height > 50 and d["rect"].y1 < 0.88 * height), default=height)
        if kept_whole >= opens_at + 0.06 * height:
            gaps.append(f"page {i + 1}: {empty:.0%} empty, then {text_blocks(following)[0][4][:50]!r}")
    assert checked > 50, f"only {checked} pages of running text in {edition['name']}"
    assert not gaps, f"{edition['name']}: pages left half empty inside a chapter:\n" + "\n".join(gaps)

def test_no_hyphenation_breaks_a_word(edition, book):
    """Only words that have a hyphen of their own break at a line end (no "opi-oids")."""
    html = normalise(" ".join((book.html / f"{d}.html").read_text() for d in toctree_docs()))
    broken = []
    with pymupdf.open(edition["path"]) as doc:
        for page in doc:
            for block in page.get_text("dict")["blocks"]:
                lines = ["".join(s["text"] for s in line["spans"]).strip() for line in block.get("lines", [])]
                for a, b in itertools.pairwise(lines):
                    m, n = re.search(r"([A-Za-z]+)-$", a), re.match(r"([a-z]+)", b)
                    if m and n and f"{m.group(1)}-{n.group(1)}" not in html:
                        broken.append(f"{m.group(1)}-{n.group(1)}")
    assert not broken, broken


def test_pdf_is_reproducible_metadata(reader):
    """The dates come from SOURCE_DATE_EPOCH or the last commit, not from the clock of the build."""
    created = reader.metadata.get("/CreationDate")
    assert created and created == reader.metadata.get("/ModDate")


# -- a character the book's fonts lack fails the build -------------------------------------

def fallback_character() -> str:
    """A character none of the book's fonts has and another font on the machine has
    (an engine that borrows fonts would draw it).  Found from the fonts themselves:
    the releases' fonts differ (Debian 12's FreeSerif lacks U+2095, Debian 13's has it).
    matplotlib's own DejaVu fonts are always there, so a minimal system finds one too."""
    import matplotlib
    from fontTools.ttLib import TTFont

    listing = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True, text=True).stdout
    have = set()
    for name in BOOK_FONTS:
        path = next(f for f in listing.splitlines() if f.endswith(f"{name}.otf"))
        have |= set(TTFont(path, fontNumber=0).getBestCmap())
    bundled = sorted(str(p) for p in (Path(matplotlib.get_data_path()) / "fonts" / "ttf").glob("DejaVu*.ttf"))
    for other in sorted(f for f in listing.splitlines() if f.endswith((".ttf", ".otf")) and "Free" not in f) + bundled:
        for code in sorted(set(TTFont(other, fontNumber=0).getBestCmap()) - have):
            if 0x100 <= code < 0xE000 and unicodedata.category(chr(code))[0] in "LSN":
                return chr(code)
    return None


@pytest.mark.slow
@pytest.mark.parametrize(("char", "reason"), [(None, "in another installed font"), ("\U0010fffd", "in no font")])
def test_a_character_the_books_fonts_lack_fails_with_its_source_line(tmp_path, char, reason):
    """Typst is given only the book's fonts and refuses, under PDF/UA-1, a character
    none of them can draw; print_pdf.py names the source lines that hold it."""
    if char is None:
        char = fallback_character()
        assert char, "no font on this machine, matplotlib's included, has a character the book's fonts lack"
    sys.path.insert(0, str(ROOT / "tools"))
    import print_pdf

    shutil.copy(ROOT / "tools" / "extensions" / "book_print.typ", tmp_path)
    (tmp_path / "index.typ").write_text(f'#import "book_print.typ": *\n#show: book.with(title: "t")\n'
                                        f"= Title\n\nA dose of 5 mg{char} a day.\n")
    source = tmp_path / "source"
    source.mkdir()
    (source / "chapter.rst").write_text(f"Title\n=====\n\nA dose of 5 mg{char} a day.\n")
    with pytest.raises(print_pdf.PrintError) as failure:
        print_pdf.render(tmp_path, tmp_path / "t.pdf", "letter", source)
    message = str(failure.value)
    assert f"U+{ord(char):04X}" in message and "source/chapter.rst:4" in message, message
    assert not (tmp_path / "t.pdf").exists()


# -- what readers found in the WeasyPrint editions -------------------------------------------

def test_figure_captions_carry_their_numbers(book, page_texts):
    """The text says "Fig. 1 shows"; the caption under the figure says "Fig. 1" too."""
    html = " ".join((book.html / f"{d}.html").read_text() for d in toctree_docs())
    numbers = re.findall(r'<span class="caption-number">(Fig\. \d+) </span>', html)
    assert len(numbers) >= 3, numbers
    starts = [line.strip() for text in page_texts for line in text.splitlines()]
    for number in numbers:
        assert any(line.startswith(number + " ") for line in starts), f"no caption starts with {number!r}"


def test_every_note_mark_is_a_link_with_height(links):
    """A reader taps a note mark: its link area has a height (WeasyPrint's had none)."""
    marks = [link for link in links if link["alt"].startswith("Source ")]
    assert len(marks) > 300
    flat = [link for link in marks if link["rect"][3] - link["rect"][1] < 3 or link["rect"][2] - link["rect"][0] < 2]
    assert not flat, f"{len(flat)} note marks with no area to tap: {flat[:3]}"


def test_index_page_numbers_are_the_pages_where_the_terms_stand(edition, links, page_texts):
    """Each index page number is its link's page, and the term is on that page
    ("CYP3A, 24" pointed at the page before the term in the WeasyPrint Letter edition)."""
    refs = []
    with pymupdf.open(edition["path"]) as doc:
        for link in (link for link in links if link["alt"].startswith("Page about ")):
            page = doc[link["page"] - 1]
            x0, y1, x1, y0 = link["rect"][0], page.rect.height - link["rect"][1], link["rect"][2], \
                page.rect.height - link["rect"][3]
            words = [w[4] for w in page.get_text("words")
                     if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= (w[1] + w[3]) / 2 <= y1]
            refs.append((link, " ".join(words)))
    assert len(refs) > 100
    index_starts = min(link["page"] for link, _shown in refs)
    inward = [(link["alt"], link["to"]) for link, _shown in refs if link["to"] >= index_starts]
    assert not inward, f"index page numbers that point into the index itself: {inward[:5]}"
    wrong = [(link["alt"], shown, link["to"]) for link, shown in refs if shown.strip(", \n") != str(link["to"])]
    assert not wrong, f"page numbers that are not their link's page: {wrong[:5]}"
    missing = []
    for link, _shown in refs:
        term = link["alt"].removeprefix("Page about ").split(",")[-1].strip()
        words = [w for w in re.findall(r"[A-Za-z0-9]{3,}", term)]
        text = normalise(page_texts[link["to"] - 1]).lower()
        if words and not any(w.lower()[:5] in text for w in words):
            missing.append((term, link["to"]))
    # what readers reported; a few entries name a section's subject in words it does not use
    # ("hypersalivation" for "More saliva"): their number is the section's first page
    reported = [m for m in missing if m[0] in ("CYP3A", "diazepam", "absence seizure")]
    assert not reported and len(missing) <= 0.1 * len(refs), \
        f"index terms not on the page their number gives: {missing[:8]} ({len(missing)} of {len(refs)})"


def strip_artifacts(pdf_path, pages, target):
    """A copy of some pages without their artifacts: what a screen reader reads."""
    with pikepdf.open(pdf_path) as pdf:
        out = pikepdf.new()
        for number in pages:
            page = pdf.pages[number]
            kept, depth = [], 0
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BMC", "BDC"):
                    if depth or str(operands[0]) == "/Artifact":
                        depth += 1
                        continue
                elif name == "EMC" and depth:
                    depth -= 1
                    continue
                if not depth:
                    kept.append((operands, operator))
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))
            out.pages.append(page)
        out.save(target)


def test_contents_leader_dots_are_artifacts(edition, reader, tmp_path):
    """A screen reader reads "Cautions 37", not "Cautions dot dot dot ... 37"."""
    top = [item for item in reader.outline if not isinstance(item, list)]
    titles = [i.title for i in top]
    first, end = (reader.get_destination_page_number(top[i]) for i in (titles.index("Contents"),
                                                                         titles.index("Contents") + 1))
    strip_artifacts(edition["path"], range(first, end), tmp_path / "read.pdf")
    read = subprocess.run([need_tool("pdftotext"), str(tmp_path / "read.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert ". ." not in read and ".." not in read, read[:300]
    assert "Cautions" in read and "Index" in read and len(re.findall(r"\b\d+\b", read)) > 30, read[:300]


def test_a_phone_number_and_its_note_mark_read_apart(page_texts):
    """pdftotext gave "1-888-233-23343" for the registry's number and its mark 3."""
    text = " ".join(page_texts)
    numbers = set(re.findall(r"\b1-\d{3}-[A-Z\d]{3}-\d{4}", text))
    assert "1-888-233-2334" in numbers and "1-800-222-1222" in numbers, numbers
    glued = re.findall(r"\b1-\d{3}-[A-Z\d]{3}-\d{5,}", text)
    assert not glued, glued


@pytest.mark.slow
def test_pdf_rebuild_is_byte_identical_from_another_folder(tmp_path):
    """The same print document compiled in two folders, with SOURCE_DATE_EPOCH set: the same bytes."""
    printed = ROOT / "_build" / "book" / "print"
    if not (printed / "index.typ").exists():
        pytest.skip("no print document in _build/book/print (make book writes it)")
    outs = []
    for name in ("a", "b"):
        shutil.copytree(printed, tmp_path / name / "print")
        proc = subprocess.run([sys.executable, str(ROOT / "tools" / "print_pdf.py"), str(tmp_path / name / "print"),
                               str(tmp_path / name), "t", "6in"], capture_output=True, text=True,
                              env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "1764000000"})
        assert proc.returncode == 0, proc.stderr
        outs.append((tmp_path / name / "t-6in.pdf").read_bytes())
    assert outs[0] == outs[1]

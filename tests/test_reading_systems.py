"""The EPUB and the PDF in the programs their readers use.

EPUB: Ace by DAISY (the accessibility checker of the publishing industry),
Calibre (EPUB to Kindle AZW3), MuPDF (the layout engine of SumatraPDF and
of MuPDF-based readers), Chromium as a CSS reading system, and the package's own
links, notes and tables.  PDF: its links, its language, and its first chapter
drawn by Poppler.  Pictures for a human land in build/screenshots/.
"""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import zipfile
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, IndirectObject

from conftest import BOOK, SIX_INCH, TEXT_SIZES, doc_title, need_tool, normalise, rst_headings, toctree_docs

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
OPF = "{http://www.idpf.org/2007/opf}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"


@pytest.fixture(scope="module")
def package(book) -> dict[str, bytes]:
    with zipfile.ZipFile(book.epub) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def documents(package) -> dict[str, ET.Element]:
    """Every XHTML content document of the EPUB, parsed as XML."""
    return {name: ET.fromstring(data) for name, data in package.items() if name.endswith(".xhtml")}


@pytest.fixture(scope="module")
def unpacked(book, tmp_path_factory):
    folder = tmp_path_factory.mktemp("epub")
    with zipfile.ZipFile(book.epub) as zf:
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="session")
def screenshots(book):
    folder = book.folder / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


def has_ink(path) -> bool:
    with Image.open(path) as image:
        low, high = image.convert("L").getextrema()
    return high - low > 100


def straight(text: str) -> str:
    """Typographic quotes and dashes as plain ones (smartquotes made them)."""
    return text.translate(str.maketrans("\u2018\u2019\u201c\u201d\u2013\u2014", "''\"\"--"))


def text_of(element) -> str:
    return normalise("".join(element.itertext())).strip()


# -- Ace by DAISY ------------------------------------------------------------------

def test_ace_by_daisy_reports_no_violations(ace_report):
    """Ace's run is the session's (conftest.ace_report): its report, read here."""
    assert ace_report.returncode == 0, ace_report.text
    report = json.loads(ace_report.text)
    violations = [
        f"{doc['earl:testSubject']['url']}: {a['earl:test']['dct:title']} ({a['earl:test']['earl:impact']}): "
        f"{a['earl:result']['dct:description']}"
        for doc in report["assertions"]
        for a in doc.get("assertions", [])
        if a["earl:result"]["earl:outcome"] != "pass"
    ]
    assert not violations, "Ace by DAISY (full report in build/ace/report.html):\n" + "\n".join(violations)
    assert report["earl:result"]["earl:outcome"] == "pass"
    # Ace read every chapter, not an empty package
    read = {doc["earl:testSubject"]["url"] for doc in report["assertions"]}
    assert {f"{d}.xhtml" for d in toctree_docs()} <= read


# -- Calibre -------------------------------------------------------------------------

def test_calibre_converts_to_kindle_keeping_every_chapter(calibre_kindle):
    """Calibre's two conversions are the session's (conftest.calibre_kindle): EPUB -> AZW3 -> text."""
    assert calibre_kindle.returncode == 0, calibre_kindle.text
    azw3, _ = calibre_kindle.files
    assert azw3.read_bytes()[60:68] == b"BOOKMOBI", "not a Kindle (MOBI/KF8) file"
    text = straight(normalise(calibre_kindle.text))
    # every chapter and section heading, in reading order: a chapter dropped on
    # the way loses its sections (the contents list names only chapters)
    at = 0
    for doc in toctree_docs():
        for heading in rst_headings(doc):
            found = text.find(straight(heading), at)
            assert found >= 0, f"the Kindle book lacks {heading!r} ({doc}) after position {at}"
            at = found + len(heading)


# -- the package itself --------------------------------------------------------------

def links_in(package, documents):
    """(document, attribute value) of every link and resource reference in the package."""
    for name, root in documents.items():
        for el in root.iter():
            for attr in ("href", "src"):
                if el.get(attr) is not None:
                    yield name, el.get(attr)
    opf = ET.fromstring(package["content.opf"])
    for item in opf.iter(f"{OPF}item"):
        yield "content.opf", item.get("href")
    for ref in opf.iter(f"{OPF}reference"):
        yield "content.opf", ref.get("href")
    ncx = ET.fromstring(package["toc.ncx"])
    for content in ncx.iter(f"{NCX}content"):
        yield "toc.ncx", content.get("src")


def test_every_internal_link_resolves_inside_the_package(package, documents):
    ids = {name: {el.get("id") for el in root.iter() if el.get("id")} for name, root in documents.items()}
    broken, checked = [], 0
    for source, ref in links_in(package, documents):
        parts = urlsplit(ref)
        if parts.scheme or parts.netloc:
            continue  # a link out of the book (https:, mailto:)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(parts.path))) \
            if parts.path else source
        checked += 1
        if target not in package:
            broken.append(f"{source}: {ref} (no file {target})")
        elif parts.fragment and target in ids and unquote(parts.fragment) not in ids[target]:
            broken.append(f"{source}: {ref} (no id {parts.fragment!r} in {target})")
    assert checked > 500, f"only {checked} internal links found"
    assert not broken, "\n".join(broken)


def test_footnote_references_are_marked_as_note_references(documents):
    refs = 0
    for name, root in documents.items():
        notes = {el.get("id"): el for el in root.iter(f"{XHTML}aside") if "footnote" in el.get("class", "").split()}
        for note_id, note in notes.items():
            assert note.get(EPUB_TYPE) == "footnote", f"{name}#{note_id}: epub:type is {note.get(EPUB_TYPE)}"
            assert note.get("role") == "doc-footnote", f"{name}#{note_id}"
        for a in root.iter(f"{XHTML}a"):
            if "footnote-reference" not in a.get("class", "").split():
                continue
            refs += 1
            where = f"{name}: note reference {text_of(a)} -> {a.get('href')}"
            assert a.get(EPUB_TYPE) == "noteref", where
            assert a.get("role") == "doc-noteref", where
            assert a.get("href", "").startswith("#") and a.get("href")[1:] in notes, \
                f"{where}: does not point at a footnote in the same document"
    assert refs > 100, f"only {refs} note references in the book"


def test_tables_come_as_labelled_lists_that_keep_every_cell(book, documents):
    """A 6-inch screen has no room for columns (book_epub_layout.py): each table of
    the HTML edition is a list in the EPUB, one entry per row, each cell labelled."""
    assert not [name for name, root in documents.items() if next(root.iter(f"{XHTML}table"), None) is not None], \
        "a table is left in the EPUB"
    html_tables = 0
    for page in sorted(book.html.glob("*.html")):
        tables = re.findall(r'(?s)<table class="docutils.*?</table>', page.read_text())
        if not tables:
            continue
        root = documents[page.stem + ".xhtml"]
        lists = [d for d in root.iter(f"{XHTML}div") if "table-list" in d.get("class", "").split()]
        assert len(lists) == len(tables), f"{page.stem}: {len(tables)} tables, {len(lists)} lists"
        for table, entries in zip(tables, lists):
            html_tables += 1
            # a header's note mark goes once after the caption, not into every row's label
            headers = [re.sub(r"\s*\u2060?\[\d+(?:, \d+)*\]", "", normalise(re.sub("<[^>]+>", "", h))).strip()
                       for h in re.findall(r"(?s)<th[^>]*>(.*?)</th>", table.split("</thead>")[0])]
            rows = table.split("<tbody>")[1].count("<tr")
            assert len(list(entries.iter(f"{XHTML}dt"))) == rows, f"{page.stem}: {rows} rows"
            labels = [text_of(s).rstrip(": ") for s in entries.iter(f"{XHTML}strong")]
            for header in headers[1:]:
                assert labels.count(header) == rows, \
                    f"{page.stem}: {header!r} labels {labels.count(header)} of {rows} rows"
    assert html_tables >= 4, f"only {html_tables} tables in the HTML edition"


def test_note_references_read_as_one_pair_of_brackets_in_a_css_reading_system(chromium, unpacked):
    """Chromium (the engine of Thorium and of many reading apps) with the EPUB's own CSS:
    each mark reads "[3]" or "[1, 3]", brackets once around the mark, none added by CSS."""
    page = chromium.new_page(viewport={"width": 758, "height": 1024})
    seen = {}
    for doc in ("mechanism", "cautions"):
        page.goto((unpacked / f"{doc}.xhtml").as_uri())
        shown = page.evaluate("""() => [...document.querySelectorAll('span.note-marks')].map(g => {
            const extra = (el, pseudo) => {
                const c = getComputedStyle(el, pseudo).content;
                return (c === 'none' || c === 'normal') ? '' : c.replace(/^"|"$/g, '');
            };
            const links = [...g.querySelectorAll('a.footnote-reference')];
            const added = links.map(a => extra(a, '::before') + extra(a, '::after')).join('');
            const text = g.innerText.replace(/\u00a0/g, ' ').replace(/\u2060/g, '');
            return extra(g, '::before') + added + text + extra(g, '::after');
        })""")
        assert shown, f"{doc}.xhtml has no note marks"
        seen[doc] = sorted({s for s in shown if not re.fullmatch(r"\[\d+(, \d+)*\]", s)})
    page.close()
    assert not any(seen.values()), f"note references as the reader sees them: {seen}"



@pytest.mark.parametrize("size", (12, 16))
def test_headings_stay_with_their_text_in_a_css_reading_system(chromium, unpacked, package, documents, size):
    """Kobo, Apple Books and Kindle keep a heading with the text after it when the CSS asks
    (break-after: avoid), and a short box that must start a page takes its heading with it.
    A table's title (the EPUB sets a table as a labelled list) is a heading too: whole or in
    part, it may not end a page, its rows on the next.  Chromium, with the EPUB's own CSS on a
    6-inch page, stands in for them here.  (MuPDF keeps nothing together: it can still end a
    page with a heading.)"""
    import pymupdf

    page = chromium.new_page()
    checked, stranded = 0, []
    for name, _ in spine_documents(package, documents):
        if not name.endswith(".xhtml") or name == "nav.xhtml":
            continue
        page.goto((unpacked / name).as_uri())
        heads = set(page.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, p.rubric')]
            .map(h => h.innerText.replace(/\\s+/g, ' ').trim())"""))
        titles = page.evaluate("""() => [...document.querySelectorAll('p.table-list-title')]
            .map(h => h.innerText.replace(/\\s+/g, ' ').trim())""")
        page.add_style_tag(content=f"html {{ font-size: {size}pt; }}")
        pdf = pymupdf.open(stream=page.pdf(width="3.57in", height="4.82in", margin={m: "0.15in" for m in
                                           ("top", "bottom", "left", "right")}), filetype="pdf")
        for number, sheet in enumerate(pdf, 1):
            lines = [" ".join(line.split()) for line in sheet.get_text().splitlines() if line.strip()]
            checked += bool(lines)
            if lines and any(" ".join(lines[-k:]) in heads for k in (1, 2, 3)):
                stranded.append(f"{name} page {number}: {lines[-1]!r}")
            elif lines and any(t.startswith(" ".join(lines[-k:])) for k in (1, 2, 3) for t in titles):
                stranded.append(f"{name} page {number}: {lines[-1]!r} (a table's title)")
    page.close()
    assert checked > 100, f"only {checked} pages laid out"
    assert not stranded, f"a heading ends a page at {size} pt, its text on the next:\n" + "\n".join(stranded)

# -- MuPDF at the true size of a 6-inch e-reader ---------------------------------------

# A 6-inch Kobo Clara or Kindle Paperwhite screen is about 3.57 x 4.82 in: MuPDF
# sizes are points, so 257 x 347 (-r 212 gives its pixels).  12 pt is a common
# reading size, 16 pt a large one.  Two MuPDF releases lay the book out: the
# system's mutool (1.21 on Debian 12, 1.25 on Debian 13) and the newer one inside
# the PyMuPDF wheel, so a quirk of one release cannot hide a defect of another.
ENGINES = ("mutool", "pymupdf")
ZWSP = "\u200b"  # the break points book_epub_layout.py puts into long URLs


def mutool_pages(runs: dict[str, bytes]) -> list[dict]:
    """The pages of one mutool layout (conftest.mupdf_epub, one text size)."""
    out = {fmt: ET.fromstring(runs[fmt]).findall("page") for fmt in ("stext", "trace")}
    assert len(out["stext"]) == len(out["trace"])
    pages = []
    for text_page, trace_page in zip(out["stext"], out["trace"]):
        lines = []
        for line in text_page.iter("line"):
            chars = [(c, float(font.get("size"))) for font in line.iter("font") for c in font.iter("char")]
            text = normalise("".join(c.get("c") for c, _ in chars).replace(ZWSP, "")).strip()
            if text:
                x0, y0, x1, y1 = (float(v) for v in line.get("bbox").split())
                lines.append({"text": text, "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                              "baseline": float(chars[0][0].get("y")), "size": max(z for _, z in chars)})
        images = []
        for image in trace_page.iter("fill_image"):
            a, _, _, d, e, f = (float(v) for v in image.get("transform").split())
            images.append((e, f, e + a, f + d))
        pages.append({"height": float(text_page.get("height")), "lines": lines, "images": images})
    return pages


def pymupdf_pages(epub, size: int) -> list[dict]:
    import pymupdf

    doc = pymupdf.open(epub)
    doc.layout(width=257, height=347, fontsize=size)
    pages = []
    for page in doc:
        lines, images = [], []
        for block in page.get_text("dict")["blocks"]:
            if block["type"] == 1:
                images.append(tuple(block["bbox"]))
                continue
            for line in block["lines"]:
                spans = [s for s in line["spans"] if s["text"].strip()]
                text = normalise("".join(s["text"] for s in line["spans"]).replace(ZWSP, "")).strip()
                if spans and text:
                    x0, y0, x1, y1 = line["bbox"]
                    lines.append({"text": text, "x0": x0, "x1": x1, "y0": y0, "y1": y1,
                                  "baseline": spans[0]["origin"][1], "size": max(s["size"] for s in spans)})
        pages.append({"height": page.rect.height, "lines": lines, "images": images})
    return pages


@pytest.fixture(scope="module", params=[(e, s) for e in ENGINES for s in TEXT_SIZES],
                ids=lambda p: f"{p[0]}-{p[1]}pt")
def laid_out(request, book):
    """The whole EPUB as one MuPDF release lays it out on a 6-inch page at one text size:
    per page, its text lines (text, box, baseline, font size) and its images' boxes.
    mutool's run is the session's (conftest.mupdf_epub), shared with test_figures.py."""
    engine, size = request.param
    if engine == "mutool":
        pages = mutool_pages(request.getfixturevalue("mupdf_epub")[size])
    else:
        pages = pymupdf_pages(book.epub, size)
    assert len(pages) > 100, f"{engine} at {size} pt laid the book out on {len(pages)} pages"
    return {"engine": engine, "size": size, "pages": pages}


def where(laid_out, n: int) -> str:
    return f"{laid_out['engine']} at {laid_out['size']} pt, page {n + 1}"


def spine_documents(package, documents) -> list[tuple[str, ET.Element]]:
    opf = ET.fromstring(package["content.opf"])
    hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{OPF}item")}
    return [(hrefs[ref.get("idref")], documents[hrefs[ref.get("idref")]]) for ref in opf.iter(f"{OPF}itemref")]


def test_the_cover_is_the_first_page_alone_then_get_help_now(laid_out):
    """What a reader sees on opening the book: the cover filling the first page, nothing
    else on it, and "Get help now" on the next (MuPDF 1.25 had made the cover page two)."""
    first, second = laid_out["pages"][:2]
    usable = first["height"] - 72  # MuPDF's default page margins are 36 pt
    assert not first["lines"], f"{where(laid_out, 0)}: text beside the cover: {first['lines'][:3]}"
    covers = [img for img in first["images"] if img[3] - img[1] > 0.6 * usable]
    assert len(covers) == 1, f"{where(laid_out, 0)}: the cover is not there: images {first['images']}"
    opening = " ".join(line["text"] for line in second["lines"][:3])
    assert opening.startswith(doc_title("help")), f"{where(laid_out, 1)} opens with {opening!r}"


def test_the_spine_opens_with_the_cover_then_get_help_now(package):
    opf = ET.fromstring(package["content.opf"])
    hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{OPF}item")}
    spine = [hrefs[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]
    assert spine[:3] == ["epub-cover.xhtml", "help.xhtml", "index.xhtml"], spine[:4]
    nav = ET.fromstring(package["nav.xhtml"])
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "toc")
    assert [a.get("href") for a in toc.iter(f"{XHTML}a")][:2] == ["help.xhtml", "index.xhtml"]
    ncx = ET.fromstring(package["toc.ncx"])
    assert next(ncx.iter(f"{NCX}content")).get("src") == "help.xhtml"


def test_no_page_is_blank(laid_out):
    blank = [where(laid_out, n) for n, page in enumerate(laid_out["pages"]) if not page["lines"] and not page["images"]]
    assert not blank, "blank pages: " + "; ".join(blank)


def test_no_two_lines_of_text_overlap(laid_out):
    """Two lines overlap when they share width on the page and their baselines are closer
    than most of a line: cells running together, a table printed on top of itself."""
    overlaps = []
    for n, page in enumerate(laid_out["pages"]):
        lines = page["lines"]
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                shared = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                if shared > 1 and abs(a["baseline"] - b["baseline"]) < 0.7 * min(a["size"], b["size"]):
                    overlaps.append(f"{where(laid_out, n)}: {a['text'][:40]!r} / {b['text'][:40]!r}")
    assert not overlaps, f"{len(overlaps)} overlapping lines:\n" + "\n".join(overlaps[:30])


def words(text: str) -> list[str]:
    """Words, split at underscores too: MuPDF may break a URL after one (book_epub_layout.py)."""
    return re.findall(r"[^\W_]+%?", straight(text.replace(ZWSP, "")).lower())


def test_every_word_of_the_book_is_laid_out(package, documents, laid_out):
    """Words in (the text of every spine document) against words out (what MuPDF drew):
    nothing cut off at a page edge, nothing dropped."""
    from collections import Counter

    words_in = Counter()
    for name, root in spine_documents(package, documents):
        body = root.find(f"{XHTML}body")
        words_in.update(words(normalise(" ".join(body.itertext()))))
    words_out = Counter(words(" ".join(line["text"] for page in laid_out["pages"] for line in page["lines"])))
    assert sum(words_in.values()) > 20000
    missing = words_in - words_out
    # Known, reported: the "cite this book" BibTeX key (book_meta.py) is one 27-letter
    # token that MuPDF 1.21 cannot break at 12 or 16 pt and a key must not get a break
    # character; it goes when book_meta.py writes a key of at most 16 letters.
    cite_key = f"{BOOK['basename'].replace('-', '_')}_{BOOK['edition'].replace('.', '_')}".lower()
    if len(cite_key) > 16:
        missing -= Counter(words(cite_key))
    assert not missing, f"{laid_out['engine']} at {laid_out['size']} pt lost words: {missing.most_common(20)}"


def test_note_marks_read_as_their_number(laid_out):
    text = " ".join(line["text"] for page in laid_out["pages"] for line in page["lines"])
    marks = re.findall(r"\[\d+(?:,[\s\u00a0]\d+)*\]", text)
    assert len(marks) > 500, "the note marks are not drawn as [n] or [n, m]"
    assert any("," in m for m in marks), "no mark names several sources: are they drawn apart?"
    stray = re.findall(r"\S*(?:none\[\d+\]|\[\d+\]none)\S*", text)
    assert not stray, f"{len(stray)} note marks drawn with CSS words around them: {stray[:5]}"


WARNING_BOXES = {"danger", "warning", "caution", "important", "attention", "get-help"}


def boxes(package, documents):
    """(document, title, classes, words of its body) of every box, in reading order.

    A box's title is its own paragraph, or (warning boxes, book_epub_layout.py) a
    bold run-in at the start of its first paragraph."""
    for name, root in spine_documents(package, documents):
        for div in root.iter(f"{XHTML}div"):
            classes = set(div.get("class", "").split())
            if "admonition" not in classes:
                continue
            title = next(el for el in div.iter() if "admonition-title" in el.get("class", "").split())
            title_text = text_of(title).rstrip(": ")
            body = words(" ".join(div.itertext()))[len(words(title_text)):]
            yield name, title_text, classes, body


def page_of(laid_out, phrase: list[str], start: int) -> int | None:
    """The page on which a phrase starts (it may run on to the next page)."""
    pages = laid_out["pages"]
    for n in range(start, len(pages)):
        here = words(" ".join(line["text"] for line in pages[n]["lines"]))
        # a phrase of k words runs on for at most k lines (one word a line in a box at 16 pt)
        after = words(" ".join(line["text"] for line in pages[n + 1]["lines"][:len(phrase)])) \
            if n + 1 < len(pages) else []
        joined = " ".join(here + after)
        at = joined.find(" ".join(phrase))
        if at >= 0 and at < len(" ".join(here)):
            return n
    return None


def test_no_warning_box_title_alone_at_the_foot_of_a_page(package, documents, laid_out):
    """"Get help now" or "Danger" at the foot of a page, the 911 text on the next, is
    what a reader in a hurry must never see."""
    titles = {title for _, title, classes, _ in boxes(package, documents) if classes & WARNING_BOXES}
    assert len(titles) >= 2, f"the book has no warning boxes: {titles}"
    alone = [f"{where(laid_out, n)}: {page['lines'][-1]['text']!r}"
             for n, page in enumerate(laid_out["pages"]) if page["lines"] and page["lines"][-1]["text"] in titles]
    assert not alone, "a box title ends a page, its text on the next:\n" + "\n".join(alone)


def test_short_warning_boxes_are_never_split_across_pages(package, documents, laid_out):
    """A warning box short enough for half a page is drawn on one page.  (A box longer
    than a page has to break; "Get help now" is 200-odd words, three 6-inch pages.)"""
    fits = {12: 40, 16: 20}[laid_out["size"]]  # words that fill half a 6-inch page
    split, checked, at = [], 0, 0
    for name, title, classes, body in boxes(package, documents):
        head, tail = body[:8], body[-6:]
        first = page_of(laid_out, head, at)
        assert first is not None, f"{name}: box {title!r} not found in the layout"
        at = first
        if not classes & WARNING_BOXES or len(body) > fits:
            continue
        checked += 1
        if page_of(laid_out, tail, first) != first:
            split.append(f"{name}: {title!r} starts on {where(laid_out, first)} and ends on a later page")
    assert not split, "\n".join(split)


def test_mupdf_draws_the_first_pages_for_a_human(book, screenshots):
    """Pictures of the first pages at 6-inch size and pixels, 12 and 16 pt, in build/screenshots/."""
    mutool = need_tool("mutool")
    for old in screenshots.glob("epub-6in-*.png"):
        old.unlink()
    for size in TEXT_SIZES:
        proc = subprocess.run([mutool, "draw", *SIX_INCH, "-S", str(size), "-r", "212",
                               "-o", str(screenshots / f"epub-6in-{size}pt-%03d.png"), str(book.epub), "1-8"],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
        assert not errors, "\n".join(errors)
    pages = sorted(screenshots.glob("epub-6in-*.png"))
    assert len(pages) == 16 and all(has_ink(p) for p in pages), [p.name for p in pages if not has_ink(p)]


def test_mupdf_draws_each_figure_just_above_its_caption(documents, laid_out):
    pages = laid_out["pages"]
    figures = 0
    for name, root in documents.items():
        for figure in root.iter(f"{XHTML}figure"):
            if figure.find(f".//{XHTML}img") is None:
                continue
            figures += 1
            caption = text_of(figure.find(f"{XHTML}figcaption")).split()[:3]
            found = [(n, line["y0"]) for n, page in enumerate(pages) for line in page["lines"]
                     if line["text"].split()[:3] == caption]
            assert len(found) == 1, f"{name}: {where(laid_out, 0)}: the caption {' '.join(caption)!r} " \
                                    f"is shown {len(found)} times"
            n, top = found[0]
            above = [img for img in pages[n]["images"] if -2 <= top - img[3] < 60]
            if not above and top < 100 and n > 0:  # the caption opens a page, its figure ends the last
                above = [img for img in pages[n - 1]["images"] if img[3] > pages[n - 1]["height"] - 100]
            assert above, (f"{name}: no figure right above {' '.join(caption)!r} ({where(laid_out, n)}, "
                           f"y {top:.0f}); images there: {pages[n]['images']}")
    assert figures >= 3


def test_mupdf_keeps_each_note_number_with_its_note(mupdf_epub, documents):
    """MuPDF must not run a chapter's note numbers together, away from the notes (at 12 pt)."""
    laid_out = normalise(mupdf_epub[12]["txt"].decode().replace(ZWSP, ""))
    notes = 0
    for name, root in documents.items():
        for note in root.iter(f"{XHTML}aside"):
            if "footnote" not in note.get("class", "").split():
                continue
            label = text_of(next(s for s in note if "label" in s.get("class", "")))
            note_words = text_of(note.find(f"{XHTML}p")).replace(ZWSP, "").split()[:6]
            pattern = re.escape(label) + r"\s*" + r"\s+".join(map(re.escape, note_words))
            assert re.search(pattern, laid_out), f"{name}: note {label} is not followed by {' '.join(note_words)!r}"
            notes += 1
    assert notes > 20


# -- the PDF ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reader(book):
    return PdfReader(book.pdf)


def test_pdf_internal_links_land_on_named_destinations(reader):
    names = reader.named_destinations
    pages = {p.indirect_reference.idnum for p in reader.pages}
    links, broken = 0, []
    for number, page in enumerate(reader.pages, 1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            action = action.get_object() if action is not None else None
            if action is not None and action.get("/S") == "/URI":
                continue
            dest = action.get("/D") if action is not None else annot.get("/Dest")
            links += 1
            if isinstance(dest, ArrayObject):  # an explicit destination: [page /XYZ ...]
                target = dest[0]
                if not (isinstance(target, IndirectObject) and target.idnum in pages):
                    broken.append(f"page {number}: explicit destination to {target}")
            elif str(dest) not in names:
                broken.append(f"page {number}: no destination named {dest!r}")
            elif names[str(dest)].page is None or \
                    reader.get_destination_page_number(names[str(dest)]) not in range(len(reader.pages)):
                broken.append(f"page {number}: {dest!r} lands on no page")
    assert links > 100, f"only {links} internal links"
    assert not broken, "\n".join(broken[:30])


def test_pdf_declares_its_language(reader):
    assert reader.trailer["/Root"].get("/Lang") == "en-US"


def test_pdf_first_chapter_renders(book, reader, screenshots):
    first, second = (doc_title(d) for d in toctree_docs()[:2])
    starts = {item.title: reader.get_destination_page_number(item)
              for item in reader.outline if not isinstance(item, list)}
    begin, end = starts[first] + 1, starts[second]  # 1-based, inclusive
    assert 1 <= begin <= end, (first, begin, second, end)
    for old in screenshots.glob("pdf-first-chapter-*.png"):
        old.unlink()
    proc = subprocess.run([need_tool("pdftoppm"), "-r", "80", "-png", "-f", str(begin), "-l", str(end),
                           str(book.pdf), str(screenshots / "pdf-first-chapter")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pages = sorted(screenshots.glob("pdf-first-chapter-*.png"))
    assert len(pages) == end - begin + 1 and all(has_ink(p) for p in pages), [p.name for p in pages]

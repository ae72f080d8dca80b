"""The EPUB and the PDF in the programs their readers use.

EPUB: Ace by DAISY (the accessibility checker of the publishing industry),
Calibre (EPUB to Kindle AZW3), MuPDF (the layout engine of SumatraPDF and
of MuPDF-based readers), Chromium as a CSS reading system, and the package's own
links, notes and tables.  PDF: its links, its language, and its first chapter
drawn by Poppler.  Pictures for a human land in build/screenshots/.
"""

from __future__ import annotations

import json
import os
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

from conftest import ROOT, doc_title, need_tool, normalise, rst_headings, toctree_docs

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
OPF = "{http://www.idpf.org/2007/opf}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"


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

def test_ace_by_daisy_reports_no_violations(book):
    need_tool("node")
    assert ACE.exists(), f"{ACE} is missing: `make test` installs it (npm ci)"
    out = book.folder / "ace"
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=need_tool("chromium"), PUPPETEER_SKIP_DOWNLOAD="1")
    proc = subprocess.run([str(ACE), "--force", "--silent", "--outdir", str(out), str(book.epub)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / "report.json").read_text())
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

def test_calibre_converts_to_kindle_keeping_every_chapter(book, tmp_path):
    convert = need_tool("ebook-convert")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    azw3, txt = tmp_path / "book.azw3", tmp_path / "book.txt"
    for src, dst in ((book.epub, azw3), (azw3, txt)):
        proc = subprocess.run([convert, str(src), str(dst)], capture_output=True, text=True, env=env,
                              timeout=300)
        assert proc.returncode == 0, f"ebook-convert {src.name} {dst.name}:\n{proc.stdout[-3000:]}{proc.stderr}"
    assert azw3.read_bytes()[60:68] == b"BOOKMOBI", "not a Kindle (MOBI/KF8) file"
    text = straight(normalise(txt.read_text()))
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


def test_no_table_is_wider_than_four_columns(documents):
    for name, root in documents.items():
        for n, table in enumerate(root.iter(f"{XHTML}table"), 1):
            cols = len(list(table.iter(f"{XHTML}col")))
            for row in table.iter(f"{XHTML}tr"):
                width = sum(int(c.get("colspan", 1)) for c in row if c.tag in (f"{XHTML}td", f"{XHTML}th"))
                cols = max(cols, width)
            assert cols <= 4, f"{name}: table {n} has {cols} columns (a phone-sized reader shows four)"


def test_note_references_read_as_one_pair_of_brackets_in_a_css_reading_system(chromium, unpacked):
    """Chromium (the engine of Thorium and of many reading apps) with the EPUB's own CSS."""
    page = chromium.new_page(viewport={"width": 758, "height": 1024})
    seen = {}
    for doc in ("mechanism", "cautions"):
        page.goto((unpacked / f"{doc}.xhtml").as_uri())
        shown = page.evaluate("""() => [...document.querySelectorAll('a.footnote-reference')].map(a => {
            const extra = (pseudo) => {
                const c = getComputedStyle(a, pseudo).content;
                return (c === 'none' || c === 'normal') ? '' : c.replace(/^"|"$/g, '');
            };
            return extra('::before') + a.innerText + extra('::after');
        })""")
        assert shown, f"{doc}.xhtml has no note references"
        seen[doc] = sorted({s for s in shown if not re.fullmatch(r"\[\d+\]", s)})
    page.close()
    assert not any(seen.values()), f"note references as the reader sees them: {seen}"


# -- MuPDF ---------------------------------------------------------------------------

MUTOOL_PAGE = ["-W", "758", "-H", "1024", "-S", "11"]  # a 6-inch e-reader page, 11 pt text


def test_mupdf_lays_out_the_first_pages(book, screenshots):
    mutool = need_tool("mutool")
    for old in screenshots.glob("epub-mupdf-*.png"):
        old.unlink()
    proc = subprocess.run([mutool, "draw", *MUTOOL_PAGE, "-r", "96",
                           "-o", str(screenshots / "epub-mupdf-%03d.png"), str(book.epub), "1-12"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert not errors, "\n".join(errors)
    pages = sorted(screenshots.glob("epub-mupdf-*.png"))
    assert len(pages) == 12, [p.name for p in pages]
    assert all(has_ink(p) for p in pages), [p.name for p in pages if not has_ink(p)]


@pytest.fixture(scope="module")
def mupdf_pages(book):
    """The EPUB as MuPDF lays it out: per page, its text lines and the boxes of its images.

    [{"height": h, "lines": [(text, x0, y0, y1)], "images": [(x0, y0, x1, y1)]}]"""
    mutool = need_tool("mutool")
    out = {}
    for fmt in ("stext", "trace"):
        proc = subprocess.run([mutool, "draw", *MUTOOL_PAGE, "-F", fmt, "-o", "-", str(book.epub)],
                              capture_output=True, timeout=120)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        out[fmt] = ET.fromstring(proc.stdout).findall("page")
    assert len(out["stext"]) == len(out["trace"])
    pages = []
    for text_page, trace_page in zip(out["stext"], out["trace"]):
        lines = []
        for line in text_page.iter("line"):
            x0, y0, _, y1 = (float(v) for v in line.get("bbox").split())
            text = normalise("".join(c.get("c") for c in line.iter("char"))).strip()
            if text:
                lines.append((text, x0, y0, y1))
        images = []
        for image in trace_page.iter("fill_image"):
            a, _, _, d, e, f = (float(v) for v in image.get("transform").split())
            images.append((e, f, e + a, f + d))
        pages.append({"height": float(text_page.get("height")), "lines": lines, "images": images})
    return pages


def test_mupdf_draws_each_figure_just_above_its_caption(documents, mupdf_pages):
    figures = 0
    for name, root in documents.items():
        for figure in root.iter(f"{XHTML}figure"):
            if figure.find(f".//{XHTML}img") is None:
                continue
            figures += 1
            caption = text_of(figure.find(f"{XHTML}figcaption")).split()[:5]
            where = [(n, y0) for n, page in enumerate(mupdf_pages) for text, _, y0, _ in page["lines"]
                     if text.split()[:5] == caption]
            assert len(where) == 1, f"{name}: MuPDF shows the caption {' '.join(caption)!r} {len(where)} times"
            n, top = where[0]
            above = [img for img in mupdf_pages[n]["images"] if 0 <= top - img[3] < 60]
            if not above and top < 100 and n > 0:  # the caption opens a page, its figure ends the last
                previous = mupdf_pages[n - 1]
                above = [img for img in previous["images"] if img[3] > previous["height"] - 100]
            assert above, (f"{name}: no figure drawn right above {' '.join(caption)!r} (page {n + 1}, y {top:.0f}); "
                           f"images on that page: {mupdf_pages[n]['images']}")
    assert figures == sum(1 for root in documents.values() for f in root.iter(f"{XHTML}figure")
                          if f.find(f".//{XHTML}img") is not None)


def test_mupdf_sets_table_cells_side_by_side(documents, mupdf_pages):
    """The first row of every table: each cell's text on one line, left to right, none on top of another."""
    tables = 0
    for name, root in documents.items():
        if name in ("genindex.xhtml", "nav.xhtml"):
            continue
        for table in root.iter(f"{XHTML}table"):
            tables += 1
            row = next(table.iter(f"{XHTML}tr"))
            cells = [text_of(c).split()[:2] for c in row if c.tag in (f"{XHTML}th", f"{XHTML}td")]
            ok = False
            for page in mupdf_pages:
                starts = [[(x0, y0) for text, x0, y0, _ in page["lines"] if text.split()[:len(c)] == c]
                          for c in cells]
                for x_first, y_first in starts[0]:
                    xs = [x_first]
                    for found in starts[1:]:
                        same_row = [x for x, y in found if abs(y - y_first) < 3 and x > xs[-1]]
                        if not same_row:
                            break
                        xs.append(min(same_row))
                    ok = ok or len(xs) == len(cells)
            assert ok, f"{name}: MuPDF does not set the cells {cells} of a table side by side"
    assert tables > 3


def test_mupdf_keeps_each_note_number_with_its_note(book, documents):
    """MuPDF must not run a chapter's note numbers together, away from the notes."""
    proc = subprocess.run([need_tool("mutool"), "draw", *MUTOOL_PAGE, "-F", "txt", "-o", "-", str(book.epub)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    laid_out = normalise(proc.stdout)
    notes = 0
    for name, root in documents.items():
        for note in root.iter(f"{XHTML}aside"):
            if "footnote" not in note.get("class", "").split():
                continue
            label = text_of(next(s for s in note if "label" in s.get("class", "")))
            words = text_of(note.find(f"{XHTML}p")).split()[:6]
            pattern = re.escape(label) + r"\s*(?:\([\d,\s]+\)\s*)?" + r"\s+".join(map(re.escape, words))
            assert re.search(pattern, laid_out), f"{name}: note {label} is not followed by {' '.join(words)!r}"
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

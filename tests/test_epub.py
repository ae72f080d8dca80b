"""The EPUB: valid, complete, accessible, and free of scripts."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

import sys

import pytest
from bs4 import BeautifulSoup
from conftest import BOOK, ROOT, doc_title, toctree_docs
from test_note_marks import mark_problems

sys.path.insert(0, str(ROOT / "tools"))
from build import epubcheck_command  # noqa: E402  the same command the build runs

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def package(book):
    with zipfile.ZipFile(book.epub) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_epub_passes_epubcheck(book, epubcheck_report):
    """The build's own EPUBCheck run (conftest.epubcheck_report), not a second one: the
    build runs EPUBCheck with --failonwarnings and publishes nothing unless it passes."""
    assert "--failonwarnings" in epubcheck_command(book.epub)
    report = epubcheck_report.text
    assert epubcheck_report.returncode == 0, report
    assert re.search(r"Messages: 0 fatals / 0 errors / 0 warnings", report), report
    assert "EPUBCheck completed" in report, report


def test_epub_zip_starts_with_uncompressed_mimetype(book):
    with zipfile.ZipFile(book.epub) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert zf.read("mimetype") == b"application/epub+zip"


def test_epub_metadata_is_complete_and_never_unknown(package):
    opf = ET.fromstring(package["content.opf"])
    meta = opf.find(f"{OPF}metadata")
    want = {
        "title": BOOK["title"],
        "creator": BOOK["author"],
        "publisher": BOOK["publisher"],
        "language": "en",
        "description": BOOK["description"],
        "identifier": BOOK["identifier"],
    }
    for field, value in want.items():
        found = [e.text for e in meta.findall(f"{DC}{field}")]
        assert found == [value], f"dc:{field} is {found}"
    assert b"unknown" not in package["content.opf"].lower()


def test_epub_uid_and_identifier_are_one_stable_value(package):
    opf = ET.fromstring(package["content.opf"])
    uid = opf.get("unique-identifier")
    ident = opf.find(f"{OPF}metadata/{DC}identifier")
    assert ident.get("id") == uid == BOOK["identifier"]
    assert ":" not in uid
    ncx = package["toc.ncx"].decode()
    assert f'<meta name="dtb:uid" content="{BOOK["identifier"]}"' in ncx


@pytest.mark.parametrize("prop", [
    "schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
    "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo",
])
def test_epub_has_accessibility_metadata(package, prop):
    opf = ET.fromstring(package["content.opf"])
    values = [m.text for m in opf.iter(f"{OPF}meta") if m.get("property") == prop]
    assert values and all(v and v.strip() for v in values), prop


def test_epub_cover_image_has_alternative_text(package):
    opf = ET.fromstring(package["content.opf"])
    cover_id = next(m.get("content") for m in opf.iter(f"{OPF}meta") if m.get("name") == "cover")
    item = next(i for i in opf.iter(f"{OPF}item") if i.get("id") == cover_id)
    assert item.get("media-type") == "image/png"
    assert item.get("href") in package
    cover_page = package["epub-cover.xhtml"].decode()
    alt = re.search(r'<img[^>]*alt="([^"]*)"', cover_page).group(1)
    assert BOOK["short_title"].split(" (")[0] in alt and alt != "Cover image"


def test_epub_contains_no_javascript(package):
    assert not [n for n in package if n.endswith(".js")]
    assert b"javascript" not in package["content.opf"]
    for name, data in package.items():
        if name.endswith(".xhtml"):
            assert b"<script" not in data, name


def test_epub_content_documents_declare_their_language(package):
    for name, data in package.items():
        if name.endswith(".xhtml"):
            head = data[:600].decode()
            assert re.search(r'<html[^>]*\slang="en"', head), name
            assert re.search(r'<html[^>]*\sxml:lang="en"', head), name


def test_epub_navigation_lists_every_chapter(package):
    nav = package["nav.xhtml"].decode()
    assert 'role="doc-toc"' in nav
    for doc in toctree_docs():
        assert f'href="{doc}.xhtml"' in nav, doc
        assert doc_title(doc) in nav.replace("&amp;", "&"), doc


XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def content_documents(package):
    return {name: data for name, data in package.items() if name.endswith(".xhtml")}


def test_every_content_document_declares_utf8(package):
    """Without the XML declaration Send-to-Kindle assumes another encoding and garbles quotes."""
    docs = content_documents(package)
    assert len(docs) > 10
    wrong = [name for name, data in docs.items() if not data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')]
    assert not wrong, f"no utf-8 XML declaration: {wrong}"


def test_every_content_document_has_at_most_one_viewport(package):
    many = {name: data.count(b'name="viewport"') for name, data in content_documents(package).items()
            if data.count(b'name="viewport"') > 1}
    assert not many, many


def test_every_file_in_the_package_is_used(package):
    """No copy-button CSS, code colours, basic.css or plus/minus/file icons the book never shows."""
    opf = ET.fromstring(package["content.opf"])
    items = [item.get("href") for item in opf.iter(f"{OPF}item")]
    referenced = set()
    for name, data in package.items():
        if name.endswith((".xhtml", ".css", ".opf", ".ncx")):
            text = data.decode()
            referenced |= {href for href in items if href.rsplit("/", 1)[-1] in text and href != name}
    unused = [href for href in items if href not in referenced and not href.endswith(("nav.xhtml", "toc.ncx"))]
    assert not unused, f"in the package, used by nothing: {unused}"
    for stray in ("copybutton.css", "pygments.css", "basic.css", "plus.png", "minus.png", "file.png"):
        assert f"_static/{stray}" not in package


def test_navigation_has_landmarks_for_cover_contents_and_body(package):
    nav = ET.fromstring(package["nav.xhtml"])
    landmarks = next((n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "landmarks"), None)
    assert landmarks is not None, "nav.xhtml has no landmarks"
    marks = {a.get(EPUB_TYPE): a.get("href") for a in landmarks.iter(f"{XHTML}a")}
    assert marks == {"cover": "epub-cover.xhtml", "toc": "index.xhtml", "bodymatter": "help.xhtml"}, marks
    for href in marks.values():
        assert href in package


def test_navigation_goes_two_levels_deep(package):
    """epub_tocdepth 2: chapters and their sections, no deeper."""
    nav = ET.fromstring(package["nav.xhtml"])
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "toc")

    def depth(el) -> int:
        return max((depth(c) + (c.tag == f"{XHTML}ol") for c in el), default=0)

    assert depth(toc) == 2, f"the contents go {depth(toc)} levels deep"


def test_the_epub_has_no_index_of_bracketed_links(package):
    """E-readers search; the index ("[1]" links laid on top of each other in MuPDF) is left out."""
    assert "genindex.xhtml" not in package
    opf = package["content.opf"].decode()
    assert "genindex" not in opf


def test_numbers_and_their_units_never_part(package):
    """A no-break space between a number and its unit: "0.5 mg" never splits as "0.5 / mg"."""
    units = r"(?:mg|mcg|µg|g|mL|ml|kg|hours?|days?|weeks?|months?|years?|minutes?|%)"
    split = []
    for name, data in content_documents(package).items():
        body = re.sub(r"(?s)<head>.*?</head>|<[^>]+>", "", data.decode())
        split += [f"{name}: {m.group(0)!r}" for m in re.finditer(rf"\b\d+(?:\.\d+)? {units}\b", body)]
    assert not split, f"{len(split)} numbers with a breakable space before their unit: {split[:10]}"


def test_adjacent_sources_print_as_one_mark(package):
    """"[1, 3]", never "[1][3]" (MuPDF drew "[3][11]" as one run): one mark per sentence,
    against its word, each number still a note reference the reading system can open."""
    total = 0
    for doc in toctree_docs():
        body = BeautifulSoup(package[f"{doc}.xhtml"].decode(), "html.parser").body
        count, problems = mark_problems(body)
        assert not problems, f"{doc}.xhtml: {problems[:5]}"
        for a in body.select("span.note-marks a.footnote-reference"):
            assert a.get("epub:type") == "noteref", f"{doc}.xhtml: {a}"
        total += count
    assert total > 300, total

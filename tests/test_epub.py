"""The EPUB: valid, complete, accessible, and free of scripts."""

from __future__ import annotations

import re
import subprocess
import zipfile
from xml.etree import ElementTree as ET

import sys

import pytest
from conftest import BOOK, ROOT, doc_title, toctree_docs

sys.path.insert(0, str(ROOT / "tools"))
from build import epubcheck_command  # noqa: E402  the same command the build runs

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture(scope="module")
def package(book):
    with zipfile.ZipFile(book.epub) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_epub_passes_epubcheck(book):
    proc = subprocess.run(epubcheck_command(book.epub), capture_output=True, text=True)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert re.search(r"Messages: 0 fatals / 0 errors / 0 warnings", report), report


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

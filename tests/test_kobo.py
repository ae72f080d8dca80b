"""A Kobo edition beside the EPUB: ``.kepub.epub``, read by Kobo's own engine, with
Kobo's spans on every run of text and pop-up notes as Kobo documents them
(tools/kepub.py), valid for EPUBCheck, and offered wherever the EPUB is."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

import pytest

from conftest import NAME, build_epubcheck, normalise, strip_tags

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
SKIP = {f"{XHTML}{t}" for t in ("script", "style", "title", "head")}


@pytest.fixture(scope="module")
def kepub(book):
    path = book.folder / f"{NAME}.kepub.epub"
    assert path.is_file(), f"no Kobo edition beside the EPUB in {book.folder}"
    return path


def documents(epub) -> dict[str, str]:
    with zipfile.ZipFile(epub) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml")}


def text_outside_spans(node, inside=False) -> list[str]:
    """Text of the body that no koboSpan holds."""
    if node.tag in SKIP:
        return []
    inside = inside or (node.tag == f"{XHTML}span" and node.get("class") == "koboSpan")
    found = [] if inside or not (node.text or "").strip() else [node.text.strip()]
    for child in node:
        found += text_outside_spans(child, inside)
        if not inside and (child.tail or "").strip():
            found.append(child.tail.strip())
    return found


def test_every_run_of_text_is_in_a_kobo_span(kepub):
    checked = 0
    for name, markup in documents(kepub).items():
        if 'epub:type="toc"' in markup:
            continue  # Kobo reads the navigation document as it is
        root = ET.fromstring(markup)
        body = root.find(f"{XHTML}body")
        loose = text_outside_spans(body)
        assert not loose, f"{name}: text outside Kobo's spans: {loose[:3]}"
        ids = [s.get("id") for s in body.iter(f"{XHTML}span") if s.get("class") == "koboSpan"]
        assert ids and all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids), name
        assert len(ids) == len(set(ids)), f"{name}: a koboSpan id twice"
        checked += 1
    assert checked >= 10


def test_notes_pop_up_on_a_kobo(kepub):
    docs = documents(kepub)
    root = ET.fromstring(docs["cautions.xhtml"])
    refs = [a for a in root.iter(f"{XHTML}a") if "noteref" in a.get(EPUB_TYPE, "")]
    notes = {el.get("id"): el for el in root.iter() if el.get(EPUB_TYPE) == "footnote"}
    assert len(refs) > 50 and notes
    for ref in refs:
        assert "endnote" in ref.get(EPUB_TYPE).split(), "Kobo opens a note only from an endnote link"
        assert ref.get("href").lstrip("#") in notes, ref.get("href")


def test_the_kobo_edition_has_the_same_text_as_the_epub(book, kepub):
    epub_docs, kobo_docs = documents(book.epub), documents(kepub)
    assert epub_docs.keys() == kobo_docs.keys()
    for name in epub_docs:
        assert normalise(strip_tags(epub_docs[name])) == normalise(strip_tags(kobo_docs[name])), name
    with zipfile.ZipFile(kepub) as zf:
        first = zf.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED


def test_epubcheck_passes_the_kobo_edition(book, kepub):
    """The build's own EPUBCheck run on the Kobo edition (conftest.build_epubcheck), not a
    second one: the build runs it with --failonwarnings and publishes nothing unless it passes."""
    report = build_epubcheck(book, kepub).text
    assert re.search(r"Messages: 0 fatals / 0 errors / 0 warnings", report), report[-3000:]
    assert "EPUBCheck completed" in report, report[-3000:]


def test_every_download_list_offers_the_kobo_edition(book, kepub):
    shipped = book.html / "_downloads" / kepub.name
    assert shipped.read_bytes() == kepub.read_bytes(), "the site ships another Kobo file"
    pages = sorted(book.html.glob("*.html"))
    missing = [p.name for p in pages if f'_downloads/{kepub.name}"' not in p.read_text()]
    assert not missing, f"pages whose download list lacks the Kobo edition: {missing}"

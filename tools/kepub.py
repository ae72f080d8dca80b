"""The Kobo edition: the EPUB as a ``.kepub.epub``, for Kobo's own reading engine.

    python tools/kepub.py BOOK.epub [BOOK.kepub.epub]

A Kobo reads a plain EPUB with its older engine (Adobe's): no pop-up notes, no
reading statistics, slow page turns.  Only a file named ``.kepub.epub`` gets
Kobo's own engine, and that engine expects what Kobo's store adds to every
book, as the Standard Ebooks toolchain does (standardebooks/tools,
``se_epub_build.py``, ``_build_kobo``, and its ``kobo_touch_extended`` module
from Calibre's Kobo Touch Extended driver):

* every run of text in the body wrapped in ``<span class="koboSpan"
  id="kobo.P.S">``, P counting text runs and S the sentences in each, which
  Kobo uses for highlights, bookmarks and its reading position;
* an image wrapped in a koboSpan too;
* a note reference marked ``epub:type="noteref endnote"`` (Kobo does not know
  ``noteref`` alone), the note itself ``epub:type="footnote"`` (book_epub.py
  writes it), so the note opens as a pop-up;
* the navigation document left as it is.

Nothing else changes: the same content documents, package and zip order
(``mimetype`` first and stored), the same file times, so two builds give the
same bytes.  ``tools/build.py`` makes it right after the EPUB and checks it
with EPUBCheck like the EPUB; the site offers it on every download list
(book_downloads.py).  tests/test_kobo.py checks it.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
SPAN = f"{{{XHTML}}}span"
# A sentence: up to . ! ? or : and any closing quote or bracket, with the space after it.
SENTENCE = re.compile(r"(.*?[.!?:][\"'\u201d\u2019)\]]*\s+)", re.DOTALL)
NO_SPANS = {"script", "style", "title", "head"}  # text no reader selects


def kepub_name(epub: Path) -> Path:
    return epub.with_name(epub.name.removesuffix(".epub") + ".kepub.epub")


class Spanner:
    """Adds koboSpans to one content document, numbered as Kobo numbers them."""

    def __init__(self):
        self.paragraph, self.segment = 1, 1

    def spans(self, text: str) -> list[ET.Element]:
        out = []
        for part in (p for p in SENTENCE.split(text) if p):
            span = ET.Element(SPAN, {"class": "koboSpan", "id": f"kobo.{self.paragraph}.{self.segment}"})
            span.text = part
            out.append(span)
            self.segment += 1
        return out

    def next_run(self) -> None:
        self.paragraph += 1
        self.segment = 1

    def add(self, node: ET.Element) -> None:
        local = node.tag.rsplit("}", 1)[-1]
        if local in NO_SPANS:
            return
        children = list(node)
        text, node.text = node.text, None
        for child in children:
            node.remove(child)
        if text and text.strip():
            node.extend(self.spans(text))
            self.next_run()
        else:
            node.text = text
        for child in children:
            tail, child.tail = child.tail, None
            if child.tag.rsplit("}", 1)[-1] == "img":
                wrap = ET.Element(SPAN, {"class": "koboSpan", "id": f"kobo.{self.paragraph}.{self.segment}"})
                wrap.append(child)
                node.append(wrap)
                self.next_run()
            else:
                self.add(child)
                node.append(child)
            if tail and tail.strip():
                node.extend(self.spans(tail))
                self.next_run()
            elif tail:
                node[-1].tail = tail


def convert_document(xhtml: str) -> str:
    """One content document with Kobo's spans and note types."""
    ET.register_namespace("", XHTML)
    ET.register_namespace("epub", EPUB_NS)
    root = ET.fromstring(xhtml)
    for link in root.iter(f"{{{XHTML}}}a"):
        kinds = link.get(EPUB_TYPE, "").split()
        if "noteref" in kinds and "endnote" not in kinds:
            link.set(EPUB_TYPE, " ".join([*kinds, "endnote"]))
    body = root.find(f"{{{XHTML}}}body")
    Spanner().add(body)
    out = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n' + out + "\n"


def is_navigation(xhtml: str) -> bool:
    return bool(re.search(r'<nav [^>]*epub:type="toc"', xhtml))


def make_kepub(epub: Path, out: Path | None = None) -> Path:
    """Write the Kobo edition of ``epub`` beside it (or to ``out``); return its path."""
    out = out or kepub_name(epub)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(epub) as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xhtml"):
                text = data.decode("utf-8")
                if not is_navigation(text):
                    data = convert_document(text).encode("utf-8")
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            dst.writestr(copy, data)
    tmp.replace(out)
    return out


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    print(make_kepub(*args))

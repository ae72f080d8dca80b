"""The EPUB claims only the accessibility features it has: "index" only with an
index a reader can use without page numbers (terms that link to sections)."""

from __future__ import annotations

import re
import zipfile


def test_the_epub_claims_an_index_only_if_it_has_one(book):
    with zipfile.ZipFile(book.epub) as zf:
        opf = zf.read("content.opf").decode()
        names = zf.namelist()
        index_docs = [n for n in names if n.endswith(".xhtml")
                      and re.search(r'epub:type="[^"]*\bindex\b', zf.read(n).decode())]
    features = re.findall(r'<meta property="schema:accessibilityFeature">([^<]+)</meta>', opf)
    assert "tableOfContents" in features, features
    has_index = "genindex.xhtml" in names or bool(index_docs)
    assert ("index" in features) == has_index, (
        f"accessibilityFeature index: {'claimed' if 'index' in features else 'not claimed'}, "
        f"index document: {'present' if has_index else 'absent'}")

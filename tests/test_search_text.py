"""The search page's summaries follow the book's text, and a rebuild stays short (book_search.py).

The fast layer: the tiny book (tests/roots/test-book) built in-process by
Sphinx's test application with the HTML builder and book_search, three times:
clean, again with nothing changed, and again after one chapter is edited.
The real book's search, from file:// and over HTTP, is checked in test_browser.py.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from conftest import ROOT
from sphinx.testing.util import SphinxTestApp

sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import book_search  # noqa: E402

TEST_ROOT = Path(__file__).parent / "roots" / "test-book"
NEW_SENTENCE = "A sentence added for the search test."


def _extensions(src: Path) -> list[str]:
    namespace: dict = {}
    exec((src / "conf.py").read_text(), namespace)
    return namespace["extensions"]


def _build(src: Path) -> dict:
    app = SphinxTestApp("html", srcdir=src, builddir=src.parent / "_build",
                        confoverrides={"extensions": [*_extensions(src), "book_search"]})
    try:
        app.build()
        text = (app.outdir / book_search.TEXT_FILE).read_text(encoding="utf-8")
        return json.loads(text[text.index("{"):text.rindex("}") + 1])
    finally:
        app.cleanup()


def test_a_rebuild_parses_only_the_pages_that_changed_and_the_text_follows_the_edit(tmp_path, monkeypatch):
    src = tmp_path / "book" / "source"
    shutil.copytree(TEST_ROOT / "source", src)
    parsed = []
    real = book_search.page_text
    monkeypatch.setattr(book_search, "page_text", lambda html: parsed.append(html) or real(html))

    first = _build(src)
    assert {"index", "chapter", "glossary"} <= set(first)
    assert len(parsed) == len(first)

    parsed.clear()
    assert _build(src) == first
    assert parsed == [], "a rebuild with nothing changed parsed pages again"

    chapter = src / "chapter.rst"
    chapter.write_text(chapter.read_text().replace(".. footbibliography::",
                                                   f"{NEW_SENTENCE}\n\n.. footbibliography::"))
    parsed.clear()
    edited = _build(src)
    assert NEW_SENTENCE in edited["chapter"]["text"]
    assert NEW_SENTENCE not in first["chapter"]["text"]
    assert len(parsed) == 1 and NEW_SENTENCE in parsed[0], "only the edited chapter is parsed again"
    assert {name: page for name, page in edited.items() if name != "chapter"} == \
        {name: page for name, page in first.items() if name != "chapter"}

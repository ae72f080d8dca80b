"""Note marks a reader can read: one mark per sentence, "[1, 3]" (book_notes.py).

The fast layer: the tiny book (tests/roots/test-book) with a few sentences
added, built in-process by Sphinx's test application with the HTML builder
(Sphinx's own translator, not the book's: the mixin must work on any).
The real book's marks in every format are checked in test_html.py,
test_epub.py, test_pdf.py and test_same_content.py.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from sphinx.testing.util import SphinxTestApp

sys.path.insert(0, str(ROOT / "tools" / "extensions"))

TEST_ROOT = Path(__file__).parent / "roots" / "test-book"
MORE_SOURCES = """
@misc{test-trial, title = {Test trial}, year = {2025}}
@misc{test-review, title = {Test review}, year = {2024}}
"""
# (label, sentence): each a paragraph of its own in the chapter
SENTENCES = {
    "side by side": "Two sources back this :footcite:p:`test-trial` :footcite:p:`test-review`.",
    "one role": "One role names both :footcite:p:`test-trial,test-review`.",
    "fact and source": "The highest dose is :fact:`max-dose` and a trial agrees :footcite:p:`test-trial`.",
    "two sentences": "A trial found it :footcite:p:`test-trial`. A review did too :footcite:p:`test-review`.",
    "repeat": "The label says so :footcite:p:`test-label` twice :footcite:p:`test-label`.",
    "out of order": "Cited the other way round :footcite:p:`test-review,test-label`.",
}


@pytest.fixture(scope="module")
def chapter(tmp_path_factory) -> BeautifulSoup:
    """The tiny book's chapter as the HTML builder writes it, with the sentences above."""
    src = tmp_path_factory.mktemp("notes") / "book" / "source"
    shutil.copytree(TEST_ROOT / "source", src)
    with open(src / "bib" / "test.bib", "a") as f:
        f.write(MORE_SOURCES)
    path = src / "chapter.rst"
    text = path.read_text()
    paragraphs = "".join(f".. rubric:: {label}\n\n{sentence}\n\n" for label, sentence in SENTENCES.items())
    path.write_text(text.replace(".. footbibliography::", paragraphs + ".. footbibliography::"))
    app = SphinxTestApp("html", srcdir=src, builddir=src.parent / "_build", freshenv=True,
                        confoverrides={"extensions": [*_extensions(src), "book_notes"]})
    try:
        app.build()
        assert "WARNING" not in app.warning.getvalue(), app.warning.getvalue()
        return BeautifulSoup((app.outdir / "chapter.html").read_text(), "html.parser")
    finally:
        app.cleanup()


def _extensions(src: Path) -> list[str]:
    namespace: dict = {}
    exec((src / "conf.py").read_text(), namespace)
    return namespace["extensions"]


def paragraph(soup: BeautifulSoup, label: str):
    rubric = next(r for r in soup.select("p.rubric") if r.get_text() == label)
    return rubric.find_next_sibling("p")


def marks(p) -> list[str]:
    return [g.get_text().removeprefix("\u2060") for g in p.select("span.note-marks")]


def numbers(soup: BeautifulSoup) -> dict[str, str]:
    """{bibliography key: its note number} from the chapter's note list."""
    return {note["id"].removeprefix("footcite-"): note.select_one("span.label").get_text().strip("[]")
            for note in soup.select("aside.footnote")}


def test_sources_side_by_side_print_as_one_mark(chapter):
    n = numbers(chapter)
    want = "[" + ",\u00a0".join(sorted([n["test-trial"], n["test-review"]], key=int)) + "]"
    for label in ("side by side", "one role"):
        p = paragraph(chapter, label)
        assert marks(p) == [want], (label, marks(p))
        assert len(p.select("a.footnote-reference")) == 2, "each source keeps its own link"


def test_a_fact_and_a_source_in_one_sentence_share_one_mark_at_its_end(chapter):
    p = paragraph(chapter, "fact and source")
    n = numbers(chapter)
    assert marks(p) == [f"[{n['test-label']},\u00a0{n['test-trial']}]"], marks(p)
    assert re.search(r"agrees\u2060\[[\d, ]+\]\.$", " ".join(p.get_text().split())), p.get_text()


def test_each_sentence_keeps_its_own_mark(chapter):
    assert len(marks(paragraph(chapter, "two sentences"))) == 2


def test_a_source_cited_twice_in_a_sentence_is_marked_once(chapter):
    p = paragraph(chapter, "repeat")
    assert marks(p) == [f"[{numbers(chapter)['test-label']}]"], marks(p)
    shown = {a["id"] for a in chapter.select("a.footnote-reference")}
    back = [a["href"][1:] for a in chapter.select('aside.footnote a[role="doc-backlink"]')]
    assert len(back) >= 5 and set(back) <= shown, f"back-links to marks not on the page: {set(back) - shown}"


def test_a_mark_lists_its_sources_in_note_order(chapter):
    found = [int(x) for x in re.findall(r"\d+", marks(paragraph(chapter, "out of order"))[0])]
    assert found == sorted(found) and len(found) == 2, found


def test_a_mark_sits_against_its_word(chapter):
    """No space (which a browser may break at) between the word and its mark."""
    for label in SENTENCES:
        p = paragraph(chapter, label)
        assert p.select("span.note-marks"), f"{label}: no note mark"
        for group in p.select("span.note-marks"):
            before = group.previous_sibling
            assert before is not None and not str(before)[-1:].isspace(), (label, str(before)[-20:])


def test_the_brackets_are_around_the_mark_not_inside_each_link(chapter):
    assert len(chapter.select("span.note-marks")) >= len(SENTENCES)
    for group in chapter.select("span.note-marks"):
        # a word joiner first: no line break between the word and its mark
        assert re.fullmatch(r"\u2060\[\d+(,\u00a0\d+)*\]", group.get_text()), repr(group.get_text())
        for a in group.select("a.footnote-reference"):
            assert a.get_text().isdigit(), str(a)


# -- shared with test_html.py and test_epub.py: the rules, read from a built page ------

GROUP = re.compile(r"\u2060\[\d+(?:, \d+)*\]")  # a word joiner, then "[1, 3]"
# a sentence ends at . ! ? (after a closing quote or bracket, or a mark) before a space
SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*(?:\uE000)?\s+")
BLOCKS = ["p", "li", "dd", "dt", "td", "th", "caption", "figcaption"]


def mark_problems(root) -> tuple[int, list[str]]:
    """(number of marks, what breaks the rules) in a page's main content (a BeautifulSoup element):
    each mark reads "[1, 3]" in note order, holds every note link, and no sentence has two."""
    problems = []
    groups = root.select("span.note-marks")
    for a in root.select("a.footnote-reference"):
        if a.find_parent("span", class_="note-marks") is None:
            problems.append(f"a mark outside a group: {a}")
    for group in groups:
        text = group.get_text().replace("\u00a0", " ")
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if not GROUP.fullmatch(text) or numbers != sorted(set(numbers)):
            problems.append(f"a mark reads {text!r}")
        before = group.previous_sibling
        if isinstance(before, str) and before[-1:].isspace():
            problems.append(f"a space before {text!r}: {before[-30:]!r}")
    for block in root.find_all(BLOCKS):
        if block.find(BLOCKS):
            continue
        words = "".join("\uE000" if getattr(n, "name", None) == "span" and "note-marks" in n.get("class", [])
                        else n.get_text() if hasattr(n, "get_text") else str(n) for n in block.children)
        for sentence in SENTENCE_BREAK.split(words):
            if sentence.count("\uE000") > 1:
                problems.append(f"two marks in one sentence: {' '.join(sentence.split())[:120]!r}")
    return len(groups), problems

"""A patient reading alone can read it: short sentences, a low reading grade,
American spelling.  The targets and the counting live in tools/plainlanguage.py,
which `make readability` prints."""

from __future__ import annotations

import sys

import pytest

from conftest import BOOK_TOML, ROOT, SOURCE

sys.path.insert(0, str(ROOT / "tools"))
import plainlanguage as pl  # noqa: E402

DOCS = pl.chapters()
SOURCES = sorted(SOURCE.glob("*.rst")) + sorted((SOURCE / "_includes").glob("*.rst"))


def test_the_counting_sees_the_book():
    """The checks below read real prose: thousands of words across every chapter."""
    assert len(DOCS) >= 9
    assert sum(len(pl.words(pl.body(SOURCE / f"{d}.rst"))) for d in DOCS) > 8000


def test_the_counting_finds_a_long_sentence_and_a_british_spelling(tmp_path):
    """The gates can fail: a 31-word sentence and 'behaviour' are caught."""
    page = tmp_path / "page.rst"
    page.write_text("Title\n=====\n\n" + " ".join(["word"] * 31) + ".\n")
    assert pl.long_sentences(page) == [(4, 31, " ".join(["word"] * 31) + ".")]
    assert pl.british_spellings("REM sleep behaviour disorder, randomised, judgement") == [
        ("behaviour", "behavior"), ("randomised", "randomize"), ("judgement", "judgment")]
    assert pl.british_spellings("behavior, randomized, judgment, analysis, specialist, emphasis") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_sentence_runs_over_30_words(path):
    long = pl.long_sentences(path)
    assert not long, "\n".join(f"{path.name}:{n}: {c} words: {t}" for n, c, t in long)


@pytest.mark.parametrize("path", SOURCES + [BOOK_TOML], ids=lambda p: p.name)
def test_spelling_is_american(path):
    found = pl.british_spellings(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name}: " + ", ".join(f"{w} (US: {us})" for w, us in found)


@pytest.mark.parametrize("doc", DOCS)
def test_running_text_reads_at_grade_8_or_below(doc):
    grade = pl.grade(pl.body(SOURCE / f"{doc}.rst"))
    assert grade <= pl.BODY_TARGET, f"{doc}.rst reads at grade {grade:.1f} (make readability)"


@pytest.mark.parametrize("doc", [d for d in DOCS if pl.key_points(SOURCE / f"{d}.rst")])
def test_key_points_read_at_grade_6_or_below(doc):
    grade = pl.grade(pl.key_points_text(SOURCE / f"{doc}.rst"))
    assert grade <= pl.KEY_POINTS_TARGET, f"{doc}.rst key points read at grade {grade:.1f} (make readability)"


def test_the_count_reads_what_a_page_includes(tmp_path):
    """The help page is mostly its included box: the box's words count toward the page's grade."""
    (tmp_path / "box.rst").write_text("Call for help right away if someone is hard to wake.\n")
    page = tmp_path / "page.rst"
    page.write_text("Title\n=====\n\nA short page.\n\n.. include:: box.rst\n")
    assert "hard to wake" in pl.body(page)
    assert pl.includes(SOURCE / "help.rst") == [SOURCE / "_includes" / "get-help.rst"]
    assert "Poison Help" in pl.body(SOURCE / "help.rst")

"""Bad input fails the build with its file and line, before anything is published.

The fast layer: each case builds a tiny book (tests/roots/test-book) with
Sphinx's own test application and the ``dummy`` builder, in a fraction of a
second, or runs ``sphinx-build`` on it where the build must stop at once.
The full three-format builds are in test_build.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

from conftest import ROOT

EXTENSIONS = ROOT / "tools" / "extensions"
sys.path.insert(0, str(EXTENSIONS))
from facts_schema import FactsError, load_facts  # noqa: E402

TEST_ROOT = Path(__file__).parent / "roots" / "test-book"


@pytest.fixture
def book(tmp_path) -> Path:
    """A fresh copy of the tiny book; returns its source folder."""
    shutil.copytree(TEST_ROOT, tmp_path / "book")
    return tmp_path / "book" / "source"


def warnings_of(src: Path) -> str:
    """Build the tiny book in-process; the warnings, one per line."""
    app = SphinxTestApp("dummy", srcdir=src, builddir=src.parent / "_build", freshenv=True)
    try:
        app.build()
        return strip_escape_sequences(app.warning.getvalue())
    finally:
        app.cleanup()


def sphinx_build(src: Path) -> subprocess.CompletedProcess:
    """sphinx-build as `make html` runs it, for the faults that stop the build at once."""
    env = dict(os.environ, PYTHONPATH=str(EXTENSIONS))
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "dummy", "-W", "-q", str(src),
                           str(src.parent / "_build")], capture_output=True, text=True, env=env)


def insert(path: Path, lines: list[str], before_last: bool = True) -> int:
    """Put lines into a file (before its closing line); the number of the first."""
    old = path.read_text().splitlines()
    at = len(old) - 1 if before_last else len(old)
    path.write_text("\n".join(old[:at] + lines + old[at:]) + "\n")
    return at + 1


def test_the_tiny_book_builds_without_a_warning(book):
    assert warnings_of(book) == ""


# -- 1. clinical values ------------------------------------------------------------

def edit_fact(book: Path, fid: str, old: str, new: str) -> int:
    """Change one key of one fact; the line it is on."""
    path = book / "_data" / "facts.toml"
    text = path.read_text()
    head, block = text.split(f"[{fid}]\n", 1)
    block, tail = block.split("\n\n", 1) if "\n\n" in block else (block, "")
    assert old in block, (fid, old)
    line = head.count("\n") + 2 + block[: block.index(old)].count("\n")
    path.write_text(head + f"[{fid}]\n" + block.replace(old, new, 1) + ("\n\n" + tail if tail else ""))
    return line


FACT_FAULTS = {
    # case: (fact, old text, new text, the line's offset from the key, message)
    "a boolean dose": ("max-dose", "value = 4", "value = true", 0,
                       "fact 'max-dose': value is true/false, not a number"),
    "not a number": ("max-dose", "value = 4", "value = nan", 0,
                     "fact 'max-dose': value is nan, not a finite number"),
    "infinite": ("max-dose", "value = 4", "value = inf", 0,
                 "fact 'max-dose': value is inf, not a finite number"),
    "a negative dose": ("max-dose", "value = 4", "value = -4", 0, "fact 'max-dose': value is negative (-4)"),
    "a phrase with no number": ("max-dose", "value = 4", 'value = "four"', 0,
                                "fact 'max-dose': value 'four' is neither a number nor a phrase with a number"),
    "low above high": ("half-life", "low = 30", "low = 400", 0, "fact 'half-life': low (400) is above high (40)"),
    "a word for a number": ("half-life", "low = 30", 'low = "thirty"', 0,
                            "fact 'half-life': low is 'thirty': input should be a valid number"),
    "a boolean bound": ("half-life", "high = 40", "high = false", 0,
                        "fact 'half-life': high is true/false, not a number"),
    "an undeclared unit": ("half-life", 'unit = "hours"', 'unit = "hrs"', 0,
                           "fact 'half-life': unit 'hrs' is not a declared unit (facts_schema.Unit)"),
    "a typo in derived_from": ("steady-state", 'derived_from = "half-life"', 'derived_from = "half-lfie"', 0,
                               "fact 'steady-state': derived_from 'half-lfie' is not a fact id"),
    "derived from a single value": ("steady-state", 'derived_from = "half-life"', 'derived_from = "max-dose"', 0,
                                    "fact 'steady-state': derived_from 'max-dose' is not a fact with low and high"),
    "a zero divisor": ("steady-state", "divisor = 24", "divisor = 0", 0,
                       "fact 'steady-state': divisor is 0; it must be more than 0"),
    "no source": ("max-dose", 'cite = "test-label"\n', "", -2,
                  "fact 'max-dose': names no cite: every value cites its source"),
    "an unknown source": ("max-dose", 'cite = "test-label"', 'cite = "test-lable"', 0,
                          "fact 'max-dose': cite 'test-lable' is not a key of any .bib file"),
    "a misspelt key": ("max-dose", "value = 4", "value = 4\nvaleu = 5", 1,
                       "fact 'max-dose': valeu is not a key of the schema (tools/extensions/facts_schema.py)"),
    "text and value": ("max-dose", "value = 4", 'value = 4\ntext = "four"', -1,
                       "fact 'max-dose': has value and text as its value; it needs exactly one of: "
                       "value, low + high, text, drug + placebo, derived_from"),
    "a drug without its placebo": ("stopped", "placebo = 9\n", "", -4,
                                   "fact 'stopped': has drug without placebo"),
    "a duplicate fact": ("stopped", "drug = 17", "drug = 17\n[max-dose]", 1,
                         "invalid TOML: Cannot declare ('max-dose',) twice"),
}


def fact_fault(book: Path, case: str) -> tuple[int, str]:
    fid, old, new, offset, message = FACT_FAULTS[case]
    line = edit_fact(book, fid, old, new) + offset
    if offset < 0:  # the message names the table header
        text = (book / "_data" / "facts.toml").read_text().splitlines()
        line = text.index(f"[{fid}]") + 1
    return line, message


@pytest.mark.parametrize("case", sorted(FACT_FAULTS))
def test_an_invalid_clinical_value_is_named_with_file_line_and_fact(book, case):
    line, message = fact_fault(book, case)
    keys = {"test-label"}
    with pytest.raises(FactsError) as exc:
        load_facts(book / "_data" / "facts.toml", display="source/_data/facts.toml", cite_keys=keys)
    assert exc.value.errors == [f"source/_data/facts.toml:{line}: {message}"]


@pytest.mark.parametrize("case", ["a boolean dose", "a duplicate fact"])
def test_an_invalid_clinical_value_stops_sphinx_build_in_one_line(book, case):
    line, message = fact_fault(book, case)
    proc = sphinx_build(book)
    assert proc.returncode == 1
    assert strip_escape_sequences(proc.stderr).strip() == f"source/_data/facts.toml:{line}: ERROR: {message} [facts]"
    assert not list((book.parent / "_build").glob("*.html"))


def test_the_books_own_facts_file_is_valid():
    facts = load_facts(ROOT / "source" / "_data" / "facts.toml")
    assert facts["steady-state"]["low"] == round(facts["half-life"]["low"] * 5 / 24)

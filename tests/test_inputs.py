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
from conftest import ROOT
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

EXTENSIONS = ROOT / "tools" / "extensions"
sys.path.insert(0, str(EXTENSIONS))
from facts_schema import FactsError, load_facts  # noqa: E402

TEST_ROOT = Path(__file__).parent / "roots" / "test-book"


@pytest.fixture
def tiny_book(tmp_path) -> Path:
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


def test_the_tiny_book_builds_without_a_warning(tiny_book):
    assert warnings_of(tiny_book) == ""


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
def test_an_invalid_clinical_value_is_named_with_file_line_and_fact(tiny_book, case):
    line, message = fact_fault(tiny_book, case)
    keys = {"test-label"}
    with pytest.raises(FactsError) as exc:
        load_facts(tiny_book / "_data" / "facts.toml", display="source/_data/facts.toml", cite_keys=keys)
    assert exc.value.errors == [f"source/_data/facts.toml:{line}: {message}"]


@pytest.mark.parametrize("case", ["a boolean dose", "a duplicate fact"])
def test_an_invalid_clinical_value_stops_sphinx_build_in_one_line(tiny_book, case):
    line, message = fact_fault(tiny_book, case)
    proc = sphinx_build(tiny_book)
    assert proc.returncode == 1
    assert strip_escape_sequences(proc.stderr).strip() == f"source/_data/facts.toml:{line}: ERROR: {message} [facts]"
    assert not list((tiny_book.parent / "_build").glob("*.html"))


def test_the_books_own_facts_file_is_valid():
    facts = load_facts(ROOT / "source" / "_data" / "facts.toml")
    assert facts["steady-state"]["low"] == round(facts["half-life"]["low"] * 5 / 24)


# -- 3. chapter rules ----------------------------------------------------------------

def chapter_with(book: Path, text: str, name: str = "new") -> Path:
    """A new chapter in the root toctree, after `chapter`."""
    index = book / "index.rst"
    index.write_text(index.read_text().replace("   chapter\n", f"   chapter\n   {name}\n"))
    path = book / f"{name}.rst"
    path.write_text(text)
    return path


def test_a_chapter_with_only_a_title_fails_every_rule(tiny_book):
    path = chapter_with(tiny_book, "A new chapter\n=============\n\nSome words.\n")
    warnings = warnings_of(tiny_book)
    for message, line in [
        ("'new' has no label before its title: write '.. _new:' and a blank line above it", 1),
        ("chapter 'new' has no review date: write '.. reviewed:: YYYY-MM-DD' under its title", 1),
        ("clinical chapter 'new' has no Key points box before its first section "
         "('.. admonition:: Key points' with ':class: key-points')", 1),
        ("chapter 'new' does not end with '.. footbibliography::' (the sources it cites)", 4),
    ]:
        assert f"{path}:{line}: WARNING: {message} [book.chapter]" in warnings, warnings
    assert warnings.count("WARNING") == 4, warnings


def test_a_label_must_stand_right_before_the_title(tiny_book):
    path = tiny_book / "about.rst"
    path.write_text(path.read_text().replace(".. _about:\n\n", "") .replace(
        ".. reviewed::", ".. _about:\n\n.. reviewed::"))
    warnings = warnings_of(tiny_book)
    assert (f"{path}:1: WARNING: 'about' has no label before its title: "
            "write '.. _about:' and a blank line above it [book.chapter]") in warnings, warnings


def test_key_points_after_the_first_section_do_not_count(tiny_book):
    path = tiny_book / "chapter.rst"
    text = path.read_text()
    box = text[text.index(".. admonition::"): text.index(".. include::")]
    path.write_text(text.replace(box, "").replace("The highest dose", box + "The highest dose"))
    warnings = warnings_of(tiny_book)
    assert f"{path}:3: WARNING: clinical chapter 'chapter' has no Key points box" in warnings, warnings


def test_a_reference_page_needs_only_its_label(tiny_book):
    chapter_with(tiny_book, ".. _terms:\n\nMore terms\n==========\n\n.. glossary::\n\n   dose\n      An amount.\n",
                 name="terms")
    assert warnings_of(tiny_book) == ""


def test_an_exemption_that_names_no_chapter_is_an_error(tiny_book):
    conf = tiny_book / "conf.py"
    conf.write_text(conf.read_text().replace('["about"]', '["about", "abuot"]'))
    warnings = warnings_of(tiny_book)
    assert ("WARNING: book_chapters_without_key_points names 'abuot', which is not a chapter "
            "[book.chapter]") in warnings, warnings


# -- 4. only files from inside source/, nothing from another host --------------------

SECRET = "the machine's password file"


@pytest.fixture
def outside(tiny_book) -> Path:
    """A file beside the project, outside source/."""
    path = tiny_book.parent.parent / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


INSERTIONS = {
    # case: (lines inserted into chapter.rst, line offset of the fault, message)
    "include": ([".. include:: ../../secret.txt", ""], 0,
                "include '../../secret.txt' resolves to {outside}, outside source/: "
                "the book inserts only files from inside source/"),
    "include from the source root": ([".. include:: /../../secret.txt", ""], 0,
                                     "include '/../../secret.txt' resolves to {outside}, outside source/: "
                                     "the book inserts only files from inside source/"),
    "literalinclude": ([".. literalinclude:: ../../secret.txt", ""], 0,
                       "literalinclude '../../secret.txt' resolves to {outside}, outside source/: "
                       "the book inserts only files from inside source/"),
    "csv-table file": ([".. csv-table:: Doses", "   :file: ../../secret.txt", ""], 1,
                       "csv-table :file: '../../secret.txt' resolves to {outside}, outside source/: "
                       "the book inserts only files from inside source/"),
    "csv-table url": ([".. csv-table:: Doses", "   :url: https://example.org/doses.csv", ""], 1,
                      "csv-table :url: is refused: the build makes no network requests"),
    "image outside": ([".. image:: ../../secret.txt", "   :alt: a secret", ""], 0,
                      "image '../../secret.txt' resolves to {outside}, outside source/: "
                      "the book inserts only files from inside source/"),
    "image from another host": ([".. figure:: https://tracker.example/pixel.png", "", "   A caption.", ""], 0,
                                "figure 'https://tracker.example/pixel.png' is on another host: "
                                "the build loads nothing from another host; put the file in source/"),
    "image in a substitution": (["An |icon| here.", "", ".. |icon| image:: http://tracker.example/i.png", ""], 2,
                                "image 'http://tracker.example/i.png' is on another host: "
                                "the build loads nothing from another host; put the file in source/"),
    "download": (["Get :download:`the file <../../secret.txt>`.", ""], 0,
                 ":download: '../../secret.txt' resolves to {outside}, outside source/: "
                 "the book inserts only files from inside source/"),
    "literalinclude diff": ([".. literalinclude:: /_includes/note.rst", "   :diff: ../../secret.txt", ""], 1,
                            "literalinclude :diff: '../../secret.txt' resolves to {outside}, outside source/: "
                            "the book inserts only files from inside source/"),
    "standard include": ([".. include:: <isonum.txt>", ""], 0,
                         "include <isonum.txt>: docutils' standard includes are outside source/; "
                         "the book inserts only its own files"),
    "raw": ([".. raw:: html", "", "   <script src='https://tracker.example/t.js'></script>", ""], 0,
            "the raw directive is refused: the book has no raw markup, and raw output "
            "(with its :file: or :url:) bypasses every check of what is published"),
    "raw url": ([".. raw:: html", "   :url: https://tracker.example/page.html", ""], 0,
                "the raw directive is refused: the book has no raw markup, and raw output "
                "(with its :file: or :url:) bypasses every check of what is published"),
    "raw role": ([".. role:: html(raw)", "   :format: html", ""], 0,
                 "role 'html(raw)' is refused: a role based on raw is raw markup"),
    "only": ([".. only:: html", "", "   Words only the web edition shows.", ""], 0,
             "the only directive is refused: every edition shows the same content "
             "(tests/test_same_content.py checks it in all three)"),
    "nested in another directive": ([".. note::", "", "   .. include:: ../../secret.txt", ""], 2,
                                    "include '../../secret.txt' resolves to {outside}, outside source/: "
                                    "the book inserts only files from inside source/"),
}


@pytest.mark.parametrize("case", sorted(INSERTIONS))
def test_a_file_from_outside_source_or_another_host_fails_with_file_and_line(tiny_book, outside, case):
    lines, offset, message = INSERTIONS[case]
    path = tiny_book / "chapter.rst"
    line = insert(path, lines) + offset
    warnings = warnings_of(tiny_book)
    assert f"{path}:{line}: WARNING: {message.format(outside=outside)} [book.input]" in warnings, warnings
    assert SECRET not in (tiny_book.parent / "_build" / "doctrees" / "chapter.doctree").read_bytes().decode("latin-1")


def test_an_include_inside_an_include_is_checked_too(tiny_book, outside):
    note = tiny_book / "_includes" / "note.rst"
    line = insert(note, ["", ".. include:: ../../secret.txt"], before_last=False) + 1
    warnings = warnings_of(tiny_book)
    assert (f"{note}:{line}: WARNING: include '../../secret.txt' resolves to {outside}, outside source/: "
            "the book inserts only files from inside source/ [book.input]") in warnings, warnings


def test_a_symbolic_link_out_of_source_is_outside(tiny_book, outside):
    (tiny_book / "_includes" / "link.rst").symlink_to(outside)
    path = tiny_book / "chapter.rst"
    line = insert(path, [".. include:: /_includes/link.rst", ""])
    warnings = warnings_of(tiny_book)
    assert (f"{path}:{line}: WARNING: include '/_includes/link.rst' resolves to {outside}, outside source/: "
            "the book inserts only files from inside source/ [book.input]") in warnings, warnings


def test_files_inside_source_may_be_inserted(tiny_book):
    (tiny_book / "_includes" / "doses.csv").write_text("Dose,Note\n1 mg,a note\n")
    insert(tiny_book / "chapter.rst", [".. csv-table:: Doses", "   :file: /_includes/doses.csv", "",
                                  ".. literalinclude:: /_includes/note.rst", ""])
    assert warnings_of(tiny_book) == ""


# -- 2 and 5. text the build reads: UTF-8, nothing invisible ----------------------------

RLO = "U+202E RIGHT-TO-LEFT OVERRIDE"
HIDDEN = {
    # case: (file, text, message)
    "a bidirectional override in a chapter": (
        "chapter.rst", "Take at most \u202e01 mg\u202c a day.",
        f"invisible character {RLO} at column 14: it can change what a reader sees; delete it"),
    "an isolate in an include": (
        "_includes/note.rst", "A dose \u2067of 1 mg\u2069.",
        "invisible character U+2067 RIGHT-TO-LEFT ISOLATE at column 8: "
        "it can change what a reader sees; delete it"),
    "a zero-width space in the facts": (
        "_data/facts.toml", "# 4\u200b0 hours",
        "invisible character U+200B ZERO WIDTH SPACE at column 4: it can change what a reader sees; delete it"),
    "a byte-order mark inside a bib file": (
        "bib/test.bib", "% note \ufeff",
        "invisible character U+FEFF ZERO WIDTH NO-BREAK SPACE at column 8: "
        "it can change what a reader sees; delete it"),
    "a control character": (
        "chapter.rst", "An escape \x1b[31m sequence.",
        "invisible character U+001B control character at column 11: it can change what a reader sees; delete it"),
    "a digit from another script in running text": (
        "chapter.rst", "Up to \u0664 mg a day.",
        "digit U+0664 ARABIC-INDIC DIGIT FOUR at column 7: the book writes numbers with the digits 0-9; "
        "retype it"),
    "a word with a Cyrillic letter (a search for clonazepam misses it)": (
        "chapter.rst", "Clon\u0430zepam is a benzodiazepine.",
        "the word 'Clon\u0430zepam' mixes Latin and Cyrillic letters (U+0430 CYRILLIC SMALL LETTER A at "
        "column 5): it looks the same but a search for it fails; retype it"),
    "a word with a Greek letter in an include": (
        "_includes/note.rst", "A d\u03bfse.",
        "the word 'd\u03bfse' mixes Latin and Greek letters (U+03BF GREEK SMALL LETTER OMICRON at "
        "column 4): it looks the same but a search for it fails; retype it"),
    "a line separator": (
        "chapter.rst", "One line\u2028or two.",
        "invisible character U+2028 LINE SEPARATOR at column 9: it can change what a reader sees; delete it"),
}


@pytest.mark.parametrize("case", sorted(HIDDEN))
def test_an_invisible_character_fails_with_file_and_line(tiny_book, case):
    name, text, message = HIDDEN[case]
    path = tiny_book / name
    line = insert(path, [text, ""], before_last=name == "chapter.rst")
    warnings = warnings_of(tiny_book)
    assert f"{path}:{line}: WARNING: {message} [book.source]" in warnings, warnings


def test_an_invisible_character_that_markup_inserts_fails(tiny_book):
    path = tiny_book / "chapter.rst"
    line = insert(path, ["Take at most |rlo|\\ 10 mg.", "", ".. |rlo| unicode:: U+202E", ""])
    warnings = warnings_of(tiny_book)
    assert (f"{path}:{line}: WARNING: invisible character {RLO} in the text: it can change what a reader "
            "sees; delete it (or the markup that inserts it) [book.source]") in warnings, warnings


def test_a_leading_byte_order_mark_is_allowed(tiny_book):
    path = tiny_book / "about.rst"
    path.write_text("\ufeff" + path.read_text())
    assert warnings_of(tiny_book) == ""


def test_a_chapter_that_is_not_utf8_stops_the_build_naming_file_and_line(tiny_book):
    path = tiny_book / "chapter.rst"
    line = insert(path, ["Caf\u00e9 au lait.", ""])
    path.write_bytes(path.read_bytes().replace("é".encode(), "é".encode("latin-1")))
    proc = sphinx_build(tiny_book)
    assert proc.returncode == 1
    assert strip_escape_sequences(proc.stderr).strip() == (
        f"{path}:{line}: WARNING: not UTF-8: byte 0xe9 at column 4; save the file as UTF-8 [book.source]")


def test_a_bib_syntax_error_names_its_file_and_line(tiny_book):
    bib = tiny_book / "bib" / "test.bib"
    (tiny_book / "bib" / "more.bib").write_text("@misc{other,\n  title = {Other},\n}\n")
    conf = tiny_book / "conf.py"
    conf.write_text(conf.read_text().replace('["bib/test.bib"]', '["bib/more.bib", "bib/test.bib"]'))
    bib.write_text(bib.read_text().replace("  title = {", "  title {"))
    proc = sphinx_build(tiny_book)
    assert proc.returncode == 1
    assert strip_escape_sequences(proc.stderr).strip().splitlines() == [
        f"{bib}:2: WARNING: syntax error: '=' expected [book.bibtex]"]


# -- Sphinx's own checks, which the build turns into errors (-W) ---------------------------

SPHINX_FAULTS = {
    # case: (lines inserted into chapter.rst, line offset of the fault, words of Sphinx's message)
    "broken-rest": ([".. warning::", "", "A warning with no indented body.", ""], 0,
                    'Content block expected for the "warning" directive'),
    "unknown-citation-key": (["A claim :footcite:p:`test-label,no-such-source-1999`.", ""], 0,
                             "unknown citation key 'no-such-source-1999': no .bib file defines it"),
    "broken-cross-reference": (["See :ref:`a-section-that-does-not-exist`.", ""], 0,
                               "undefined label: 'a-section-that-does-not-exist'"),
    "missing-image": ([".. image:: /_static/no-such-image.png", "   :alt: nothing", ""], 0,
                      "image file not readable: _static/no-such-image.png"),
    "unknown-fact": (["The dose is :fact:`no-such-fact`.", ""], 0,
                     "unknown fact id 'no-such-fact' (known ids are in _data/facts.toml)"),
}


@pytest.mark.parametrize("case", sorted(SPHINX_FAULTS))
def test_a_broken_source_is_reported_with_file_and_line(tiny_book, case):
    lines, offset, words = SPHINX_FAULTS[case]
    path = tiny_book / "chapter.rst"
    line = insert(path, lines) + offset
    warnings = warnings_of(tiny_book)
    pattern = rf"^{re.escape(str(path))}:{line}: (WARNING|ERROR): .*{re.escape(words)}"
    assert re.search(pattern, warnings, re.MULTILINE), warnings


def test_a_link_in_source_to_a_file_outside_fails(tiny_book, outside):
    link = tiny_book / "passwd.rst"
    link.symlink_to(outside)
    warnings = warnings_of(tiny_book)
    assert (f"{link}:1: WARNING: a link to {outside}, outside source/: the book reads only its own files "
            "[book.source]") in warnings, warnings


def test_an_unknown_fact_in_an_include_names_the_include(tiny_book):
    note = tiny_book / "_includes" / "note.rst"
    line = insert(note, ["", "The dose is :fact:`no-such-fact`."], before_last=False) + 1
    warnings = warnings_of(tiny_book)
    # docutils names an included file relative to the working folder (utils.relative_path)
    message = f":{line}: WARNING: unknown fact id 'no-such-fact' (known ids are in _data/facts.toml) [facts]"
    assert f"{note}{message}" in warnings or f"{os.path.relpath(note)}{message}" in warnings, warnings


def test_the_build_script_can_check_the_facts_once_before_building(tiny_book):
    """facts_schema.check_project: for tools/build.py, before its four processes start."""
    from facts_schema import check_project

    assert check_project(tiny_book.parent) == []
    line, message = fact_fault(tiny_book, "a boolean dose")
    assert check_project(tiny_book.parent) == [f"source/_data/facts.toml:{line}: {message}"]


def test_the_chapter_rules_hold_when_sphinx_reads_in_parallel(tiny_book):
    """book_chapters.py claims parallel_read_safe: its records merge back from each process."""
    for n in range(6):
        chapter_with(tiny_book, f"Chapter {n}\n=========\n\nSome words.\n", name=f"new{n}")
    app = SphinxTestApp("dummy", srcdir=tiny_book, builddir=tiny_book.parent / "_build", freshenv=True, parallel=2)
    try:
        app.build()
        warnings = strip_escape_sequences(app.warning.getvalue())
        assert app.parallel == 2 and app.is_parallel_allowed("read")  # it did read in parallel
    finally:
        app.cleanup()
    for n in range(6):
        assert f"chapter 'new{n}' has no review date" in warnings, warnings
    assert warnings.count("[book.chapter]") == 6 * 4, warnings


def test_a_digit_from_another_script_that_markup_inserts_fails(tiny_book):
    """The reader sees the digits 0-9 only, even where a substitution writes the number."""
    path = tiny_book / "chapter.rst"
    line = insert(path, ["Up to |four| mg a day.", "", ".. |four| unicode:: U+0664", ""])
    warnings = warnings_of(tiny_book)
    assert (f"{path}:{line}: WARNING: digit U+0664 ARABIC-INDIC DIGIT FOUR: the book writes numbers "
            "with the digits 0-9; retype it [book.source]") in warnings, warnings


@pytest.mark.parametrize("url, words", [
    ("javascript:alert(1)", "link 'javascript:alert(1)': javascript: links are refused"),
    ("https://dailymed.nlm.nih.g\u043ev/", "the host 'dailymed.nlm.nih.g\u043ev' is not plain ASCII (U+043E)"),
    ("http://dailymed.nlm.nih.gov/", "link 'http://dailymed.nlm.nih.gov/': http: links are refused"),
])
def test_a_source_url_under_the_link_policy_is_named_at_its_bib_line(tiny_book, url, words):
    """A .bib URL becomes a link in every edition: no script, no plain http, no look-alike host."""
    bib = tiny_book / "bib" / "test.bib"
    bib.write_text(bib.read_text().replace("https://example.org/label", url))
    warnings = warnings_of(tiny_book)
    assert any(w.startswith(f"{bib}:4: WARNING: ") and words in w for w in warnings.splitlines()), warnings
    assert "<rst_epilogue>" not in warnings, warnings

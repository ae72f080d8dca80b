"""The text keeps its promises: sourced, labelled, defined, readable, the same everywhere."""

from __future__ import annotations

import re
import sys
import tomllib

import pytest

from conftest import (BOOK, ROOT, SOURCE, epub_text, glossary_terms, html_text, paragraphs,
                      pdf_text, toctree_docs)

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "extensions"))

CITE = re.compile(r":(?:foot)?cite(?::[a-z]+)?:`([^`]+)`")
FACT = re.compile(r":fact:`([^`]+)`")
# a number with a unit: doses, times, shares
NUMBER_WITH_UNIT = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:%|mg\b|µg\b|mcg\b|hours?\b|days?\b|weeks?\b|months?\b|years?\b|patients\b|people\b)"
)
CHAPTERS = [d for d in toctree_docs() if d not in {"glossary", "bibliography", "downloads"}]


def bib_keys() -> dict[str, str]:
    keys = {}
    for bib in sorted((SOURCE / "bib").glob("*.bib")):
        for m in re.finditer(r"@\w+\{([^,\s]+),(.*?)\n\}", bib.read_text(), re.S):
            assert m.group(1) not in keys, f"{m.group(1)} is defined twice"
            keys[m.group(1)] = m.group(2)
    return keys


def rst_files():
    return sorted(SOURCE.glob("*.rst")) + sorted((SOURCE / "_includes").glob("*.rst"))


def test_every_citation_key_resolves_to_a_findable_source():
    keys = bib_keys()
    used = set()
    for path in rst_files():
        for group in CITE.findall(path.read_text()):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name}: unknown source {key!r}"
                used.add(key.strip())
    assert used, "the book cites nothing"
    for key in used:
        entry = keys[key]
        assert re.search(r"\btitle\s*=", entry), key
        # a dated publication, or an undated web page with the date it was read
        assert re.search(r"\b(year|urldate)\s*=", entry), f"{key}: no date"
        assert re.search(r"\b(url|doi|journal|howpublished|publisher)\s*=", entry), f"{key}: where to find it?"


def test_the_bibliography_lists_only_sources_the_book_cites():
    """The bibliography page shows every .bib entry: each must be cited somewhere."""
    facts = tomllib.loads((SOURCE / "_data" / "facts.toml").read_text())
    used = {f["cite"] for f in facts.values() if "cite" in f}
    for path in rst_files():
        for group in CITE.findall(path.read_text()):
            used.update(k.strip() for k in group.split(","))
    assert not set(bib_keys()) - used, f"listed but never cited: {sorted(set(bib_keys()) - used)}"


@pytest.mark.parametrize("doc", CHAPTERS)
def test_every_chapter_cites_at_least_one_source(doc):
    text = (SOURCE / f"{doc}.rst").read_text()
    for include in re.findall(r"^\.\. include:: /(\S+)$", text, re.M):
        text += (SOURCE / include).read_text()
    assert CITE.search(text) or FACT.search(text), f"{doc}.rst cites no source"


def units(path):
    """Paragraphs of a chapter with the line each starts on; a table (its
    directive, title and rows) counts as one paragraph."""
    table = None
    for start, block in paragraphs(path):
        first = block.splitlines()[0]
        if table is not None and first.startswith("   "):
            table = (table[0], table[1] + "\n" + block)
            continue
        if table is not None:
            yield table
            table = None
        if first.startswith((".. list-table::", ".. table::", ".. csv-table::")):
            table = (start, block)
            continue
        if first.lstrip().startswith((".. figure::", ".. image::", ".. _", ".. index::")):
            continue
        yield start, block
    if table is not None:
        yield table


def uncited_numbers(path) -> list[str]:
    """Paragraphs (and tables) that give a number with a unit and cite no source."""
    uncited = []
    lead_in_cited = False  # "What the study found :footcite:...:" covers the list after it
    for line, text in units(path):
        body = re.sub(r"^\s*:\w+:.*$", "", text, flags=re.M)  # directive options
        cited = bool(CITE.search(body) or FACT.search(body))
        is_list = bool(re.match(r"\s*(?:[-*]|\d+\.)\s", body))
        if NUMBER_WITH_UNIT.search(FACT.sub("", body)) and not cited and not (is_list and lead_in_cited):
            uncited.append(f"{path.name}:{line}: {text.strip()[:80]}")
        lead_in_cited = cited and body.rstrip().endswith(":")
    return uncited


@pytest.mark.parametrize("doc", toctree_docs())  # every chapter: a new one cannot escape
def test_every_clinical_number_is_cited(doc):
    """About > How the book is checked: 'One test fails if a paragraph gives a number
    with a unit ... and cites no source.'"""
    uncited = uncited_numbers(SOURCE / f"{doc}.rst")
    assert not uncited, "numbers without a source:\n" + "\n".join(uncited)


def test_the_number_check_fails_on_an_uncited_number(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("Title\n=====\n\nThe half-life is 30 to 40 hours.\n\n"
                    "The label says so :footcite:p:`klonopin-label`.\n")
    assert uncited_numbers(page) == ["page.rst:4: The half-life is 30 to 40 hours."]


def test_the_help_box_reads_without_note_marks():
    """About > How citations work: the "Get help now" box's sources follow the box in one
    list, so its steps read without note marks (clinical review of 6 December 2026)."""
    text = (SOURCE / "_includes" / "get-help.rst").read_text()
    box = re.search(r"^\.\. admonition:: Get help now\n((?:   .*\n|\n)+)", text, re.M).group(1)
    assert "call-911" in box and "poison-help" in box, "the box has lost its steps"
    marks = CITE.findall(box) + FACT.findall(box)
    assert not marks, f"note marks inside the help box: {marks}"
    after = text[text.index(box) + len(box):]
    sources = after.split("\n\n", 2)[:2]  # "Sources for this box:" and its list
    assert after.startswith("Sources for this box") and len(CITE.findall("\n".join(sources))) >= 4, \
        "the box's sources must follow it"


def test_limiting_use_to_2_to_4_weeks_keeps_its_hedge():
    """Sourcing: where a source says "typically", the book keeps the hedge.  ASAM's patient
    guide says use should "typically" be limited to 2 to 4 weeks: never "only" (review O1)."""
    found = []
    for path in rst_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"2 to 4 weeks", line) and re.search(r"\b(?:limit|kept|used for)", line):
                if not re.search(r"\b(?:typically|usually)\b", line) or re.search(r"\bonly\b", line):
                    found.append(f"{path.name}:{number}: {line.strip()[:100]}")
    assert not found, "the 2-to-4-weeks advice without its hedge:\n" + "\n".join(found)


def test_every_index_entry_can_be_looked_up_under_its_own_word():
    """``.. index:: a; b; c`` makes one entry, "a", with the sub-entry "b; c": a reader
    looking up "c" finds nothing.  Entries are separated by commas; a semicolon
    gives a term one sub-entry ("opioids; boxed warning"), never two."""
    wrong = []
    for path in rst_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = re.match(r"\.\. index::\s*(.*)", line)
            if not m or re.match(r"(pair|triple|see|seealso):", m.group(1)):
                continue
            for entry in re.split(r",\s*", m.group(1)):
                if entry.removeprefix("single:").count(";") > 1:
                    wrong.append(f"{path.relative_to(ROOT)}:{number}: {entry.strip()}")
    assert not wrong, "an index entry with two sub-entries (use commas between entries):\n" + "\n".join(wrong)


def test_every_glossary_term_is_used():
    terms = glossary_terms()
    assert len(terms) >= 20
    used = set()
    for path in rst_files():
        for m in re.finditer(r":term:`([^`]+)`", path.read_text()):
            target = re.search(r"<([^>]+)>\s*$", m.group(1))
            used.add((target.group(1) if target else m.group(1)).strip().lower())
    unused = [t for t in terms if t.lower() not in used]
    assert not unused, f"glossary terms never linked from the text: {unused}"


def test_every_figure_has_alternative_text_and_a_caption():
    figures = 0
    for path in rst_files():
        for m in re.finditer(r"^\.\. figure:: (.+)\n((?:   .*\n|\n)+)", path.read_text(), re.M):
            figures += 1
            body = m.group(2)
            alt = re.search(r"^   :alt: (.+)$", body, re.M)
            assert alt and len(alt.group(1).split()) >= 8, f"{path.name}: {m.group(1)} needs real alt text"
            caption = [l for l in body.splitlines() if l.strip() and not l.strip().startswith(":")]
            assert caption, f"{path.name}: {m.group(1)} has no caption"
    assert figures >= 3


def test_every_image_in_the_html_has_alternative_text(book):
    for page in sorted(book.html.glob("*.html")):
        for img in re.findall(r"<img\b[^>]*>", page.read_text()):
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and alt.group(1).strip(), f"{page.name}: {img}"
            assert not re.search(r"\.(svg|png|jpe?g)$", alt.group(1)), f"{page.name}: file name as alt text"


def test_off_label_uses_are_labelled_off_label():
    text = (SOURCE / "uses.rst").read_text()
    off_label = text.split(".. _uses-off-label:", 1)[1].split(".. _uses-summary:", 1)[0]
    sections = re.split(r"\n\.\. _uses-[\w-]+:\n", off_label)[1:]
    assert len(sections) >= 6
    for section in sections:
        title = section.strip().splitlines()[0]
        assert "off-label" in section.lower(), f"section {title!r} does not say off-label"


def test_no_content_is_shown_in_one_format_only():
    for path in rst_files():
        assert ".. only::" not in path.read_text(), f"{path.name} has format-only content"
        assert ".. raw::" not in path.read_text(), f"{path.name} has raw markup"


def test_tables_fit_a_phone_sized_reader():
    for path in rst_files():
        for m in re.finditer(r":widths: ([\d ]+)", path.read_text()):
            assert len(m.group(1).split()) <= 4, f"{path.name}: table wider than four columns"


@pytest.mark.parametrize("fmt", ["html", "epub", "pdf"])
def test_disclaimer_boxed_warning_and_emergency_advice_in_every_format(book, fmt):
    text = {"html": html_text, "epub": epub_text, "pdf": pdf_text}[fmt](book)
    for phrase in ("This book is not medical advice", "boxed warning", "call 911", "1-800-222-1222",
                   "Poison Help"):
        assert phrase.lower() in text.lower(), f"{fmt}: {phrase!r} missing"


def test_every_chapter_shows_when_it_was_last_reviewed():
    for doc in CHAPTERS:
        text = (SOURCE / f"{doc}.rst").read_text()
        assert re.search(r"^\.\. reviewed:: \d{4}-\d{2}-\d{2}$", text, re.M), f"{doc}.rst"


def test_book_metadata_names_the_review_date():
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", BOOK["reviewed"])


def test_every_common_question_links_to_its_details():
    """Common questions: 'Each answer links to the part of the book with the details.'"""
    text = (SOURCE / "questions.rst").read_text()
    assert "Each answer links to the part of the book with the details." in text
    answers = re.split(r"\n\.\. _questions-[\w-]+:\n", text)[1:]
    assert len(answers) >= 8
    unlinked = [a.strip().splitlines()[0] for a in answers if not re.search(r":(?:ref|doc):`", a)]
    assert not unlinked, f"answers with no link to the details: {unlinked}"

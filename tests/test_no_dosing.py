"""The book never computes a dose, a taper step, a schedule or a date for the
reader: a worked example is read as a plan.  It reports what the label and the
guidelines say, in their terms, and sends the reader to the prescriber."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from conftest import SOURCE

# Tablet strengths (Klonopin 0.5, 1, 2 mg; orally disintegrating tablets 0.125 to 2 mg)
# and the label's maximum daily doses (4 mg in panic disorder, 20 mg for seizures).
TABLET_STRENGTHS = {0.125, 0.25, 0.5, 1, 2}
LABEL_MAXIMA = {4, 20}
# The 2025 guideline's limits for a low (0.5 mg a day or less), moderate and high (over
# 1.5 mg a day) clonazepam dose: a risk band the reader can place a dose in, not a step.
GUIDELINE_BANDS = {0.5, 1.5}
MG = re.compile(r"(\d+(?:\.\d+)?)\s*(?:to\s*(\d+(?:\.\d+)?)\s*)?mg\b")
ARITHMETIC = re.compile(r"our (?:own )?(?:arithmetic|calculation)|simple arithmetic|would reach zero|"
                        r"works out (?:to|at)|that comes to", re.I)


def section_text(page, section_id: str) -> str:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    section = soup.find("section", id=section_id)
    assert section is not None, f"{page.name} has no section #{section_id}"
    for note in section.find_all(class_=("footnote-list", "footnote")):
        note.decompose()
    return section.get_text(" ", strip=True).replace("\u00a0", " ")


def mg_amounts(text: str) -> set[float]:
    amounts = set()
    for m in MG.finditer(text):
        amounts.update(float(g) for g in m.groups() if g)
    return amounts


def test_the_tapering_section_names_no_dose_but_tablets_and_label_maxima(book):
    text = section_text(book.html / "cautions.html", "withdrawal-and-tapering")
    assert len(text.split()) > 300, "the tapering section is nearly empty"
    allowed = TABLET_STRENGTHS | LABEL_MAXIMA | GUIDELINE_BANDS
    odd = sorted(a for a in mg_amounts(text) if a not in allowed)
    assert not odd, ("mg amounts in the tapering section that are neither a tablet, a label maximum "
                     f"nor a guideline risk band: {odd}")


def test_the_mg_check_sees_a_computed_step():
    assert mg_amounts("a first step is 0.05 to 0.1 mg a day") == {0.05, 0.1}
    assert mg_amounts("0.125\u00a0mg twice daily".replace("\u00a0", " ")) == {0.125}


@pytest.mark.parametrize("path", sorted(SOURCE.glob("*.rst")) + sorted((SOURCE / "_includes").glob("*.rst")),
                         ids=lambda p: p.name)
def test_no_page_works_out_a_schedule_for_the_reader(path):
    found = [f"{path.name}:{n}: {line.strip()[:80]}"
             for n, line in enumerate(path.read_text().splitlines(), 1) if ARITHMETIC.search(line)]
    assert not found, "worked arithmetic reads as a plan:\n" + "\n".join(found)


# -- No pace a reader could follow (clinical review of 6 December 2026, U1) ---------------
# A taper step is a pace: an amount (milligrams or a percentage) tied to an interval
# ("0.125 mg twice daily every 3 days", "15% to 25% every 2 to 4 weeks", "10% per month"),
# or a dose cut by a stated amount ("lower the dose by 0.25 mg").  Even quoted from the
# label or a guideline, the book describes the pace in words and sends the reader to the
# prescriber.  These checks read the .rst sources line by line (one sentence a line),
# tables and boxes included, with every :fact: rendered as the reader sees it.
AMOUNT = r"\d+(?:\.\d+)?\s*(?:%|mg\b)"
INTERVAL = re.compile(
    r"\b(?:every|each)\s+(?:\d+(?:\.\d+)?\s*(?:to\s*\d+(?:\.\d+)?\s*)?|other\s+|second\s+|third\s+|few\s+)?"
    r"(?:days?|weeks?|months?|fortnight)\b|\bper\s+(?:week|month|fortnight)\b|\b(?:weekly|fortnightly|monthly)\b",
    re.I)
AMOUNT_RE = re.compile(AMOUNT, re.I)
DOSE_CUT = re.compile(r"\b(?:decreas|reduc|lower|cut|drop|taper)\w*\s+(?:the\s+|a\s+|each\s+|your\s+)?"
                      r"(?:daily\s+)?doses?\s+by\s+(?:about\s+)?" + AMOUNT, re.I)


def paces(text: str) -> list[str]:
    """The ways a sentence states a pace: an amount with an interval, or a dose cut by an amount."""
    text = text.replace("\u00a0", " ")
    found = []
    if AMOUNT_RE.search(text) and INTERVAL.search(text):
        found.append(f"{AMOUNT_RE.search(text).group(0)} ... {INTERVAL.search(text).group(0)}")
    if m := DOSE_CUT.search(text):
        found.append(m.group(0))
    return found


def rendered_lines(path):
    """(line number, text a reader sees) for every line of a source, facts rendered."""
    import plainlanguage as pl  # tools/ is on sys.path (conftest)

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield number, pl.plain(line)


def test_the_pace_check_sees_the_paces_the_review_found():
    """The two patterns of the review's high finding U1, and their kin, are caught;
    a daily dose, a trial's length and a risk are not paces."""
    assert paces("Some people taper with few problems at 15% to 25% every 2 to 4 weeks.")
    assert paces("it gives prescribers an example pace of 0.125\u00a0mg twice daily every 3 days until")
    assert paces("small first steps of about 5% to 10% every 2 to 4 weeks")
    assert paces("as a rule, not more than 25% every 2 weeks")
    assert paces("Others need steps of 5% every 2 to 4 weeks.")
    assert paces("a cut of 10% per month")
    assert paces("the prescriber may lower the dose by 0.25 mg")
    assert not paces("The smallest effective dose was 1 mg a day.")
    assert not paces("In some studies, up to 30% of patients lost the effect, often within 3 months.")
    assert not paces("A low daily dose is 0.5 mg a day or less.")
    assert not paces("It advises checking the benefits and risks again at least every 3 months.")
    assert not paces("These medicines lower its blood levels by about 30%.")


@pytest.mark.parametrize("path", sorted(SOURCE.glob("*.rst")) + sorted((SOURCE / "_includes").glob("*.rst")),
                         ids=lambda p: p.name)
def test_no_page_states_a_taper_pace(path):
    found = [f"{path.name}:{n}: {', '.join(paces(text))}: {text[:100]}"
             for n, text in rendered_lines(path) if paces(text)]
    assert not found, ("a pace a reader could follow (describe it in words, send the reader to the "
                       "prescriber):\n" + "\n".join(found))


def test_no_fact_is_a_taper_pace():
    """A value in facts.toml is printed wherever it is used: none may be a pace."""
    from facts import load_facts, render

    facts = load_facts(SOURCE / "_data" / "facts.toml")
    found = [f"{fid}: {render(fact)}" for fid, fact in facts.items()
             if isinstance(fact, dict) and paces(render(fact))]
    assert not found, "facts that state a pace:\n" + "\n".join(found)

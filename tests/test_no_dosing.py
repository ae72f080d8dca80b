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
    allowed = TABLET_STRENGTHS | LABEL_MAXIMA
    odd = sorted(a for a in mg_amounts(text) if a not in allowed)
    assert not odd, f"mg amounts in the tapering section that are neither a tablet nor a label maximum: {odd}"


def test_the_mg_check_sees_a_computed_step():
    assert mg_amounts("a first step is 0.05 to 0.1 mg a day") == {0.05, 0.1}
    assert mg_amounts("0.125\u00a0mg twice daily".replace("\u00a0", " ")) == {0.125}


@pytest.mark.parametrize("path", sorted(SOURCE.glob("*.rst")) + sorted((SOURCE / "_includes").glob("*.rst")),
                         ids=lambda p: p.name)
def test_no_page_works_out_a_schedule_for_the_reader(path):
    found = [f"{path.name}:{n}: {line.strip()[:80]}"
             for n, line in enumerate(path.read_text().splitlines(), 1) if ARITHMETIC.search(line)]
    assert not found, "worked arithmetic reads as a plan:\n" + "\n".join(found)

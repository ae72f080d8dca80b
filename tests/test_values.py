"""Every clinical value is checked twice before anything is built (issue 25).

The probe published "up to 40 mg mg a day", a minus sign from another
alphabet, an Arabic-Indic digit, 1e300, 0 and 400, and a panic starting dose
changed from 0.25 to 2.5 mg, with every test passing.  Now each number is
stated twice in source/_data/facts.toml, in its key and in the source's own
words (``quote``), and lies inside its ``plausible`` range; a slip in one
place fails (tools/extensions/facts_schema.py).  Fast: the schema alone, on a
copy of the book's own facts file.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from facts_schema import FactsError, load_facts  # noqa: E402

FACTS = ROOT / "source" / "_data" / "facts.toml"


def changed(tmp_path, fid: str, old: str, new: str) -> tuple[object, int]:
    """A copy of the book's facts with one line of one fact changed; (path, line of the change)."""
    text = FACTS.read_text()
    start = text.index(f"[{fid}]\n")
    at = text.index(old, start)
    assert at < text.find("\n\n", start) or text.find("\n\n", start) == -1, (fid, old)
    path = tmp_path / "facts.toml"
    path.write_text(text[:at] + new + text[at + len(old):])
    return path, text[:at].count("\n") + 1


FAULTS = {
    # the promise kept: (fact, old, new, words of the one-line message)
    "a tenfold dose in facts.toml alone is refused (panic start 0.25 -> 2.5)": (
        "panic-start-dose", "value = 0.25", "value = 2.5",
        "fact 'panic-start-dose': value 2.5 is not in its quote 'The initial dose for adults with panic "
        "disorder is 0.25 mg bid.': the value and its source's words must agree"),
    "a tenfold dose made twice still fails its plausible range": (
        "panic-max-dose", "value = 4\n", "value = 40\n", None),
    "no unit inside a value ('40 mg' would print 'mg mg')": (
        "panic-max-dose", "value = 4\n", 'value = "4 mg"\n',
        "fact 'panic-max-dose': value '4 mg' is not a number or a phrase like 'about 30'"),
    "no minus sign from another alphabet": (
        "panic-max-dose", "value = 4\n", 'value = "\u22124"\n',
        "fact 'panic-max-dose': value '\u22124' has characters that are not ASCII (U+2212)"),
    "no capital O for a zero": (
        "seizure-max-dose", "value = 20", 'value = "2O"',
        "fact 'seizure-max-dose': value '2O' is not a number or a phrase like 'about 30'"),
    "no digit from another script": (
        "panic-max-dose", "value = 4\n", 'value = "\u0664"\n',
        "fact 'panic-max-dose': value '\u0664' has characters that are not ASCII (U+0664)"),
    "no absurd number (1e300)": (
        "panic-max-dose", "value = 4\n", "value = 1e300\n", "value 1e+300 is not in its quote"),
    "no zero dose": ("panic-max-dose", "value = 4\n", "value = 0\n",
                     "fact 'panic-max-dose': value is 0: a dose, a time or a share is more than 0"),
    "no dose 100 times the label (400)": (
        "panic-max-dose", "value = 4\n", "value = 400\n", "value 400 is not in its quote"),
    "a range bound is in the source's words too": (
        "half-life", "high = 40", "high = 400", "high 400 is not in its quote"),
    "a trial result is in the source's words too": (
        "ae-panic-stopped", "drug = 17", "drug = 71", "drug 71 is not in its quote"),
    "a value written as a phrase is in the source's words too": (
        "tolerance-loss", 'value = "up to 30"', 'value = "up to 50"', "value 50 is not in its quote"),
    "no value without the source's words": (
        "panic-max-dose", 'quote = "some individual patients may benefit from doses of up to a maximum dose '
        'of 4 mg/day"\n', "", "fact 'panic-max-dose': names no quote"),
}


@pytest.mark.parametrize("promise", sorted(FAULTS))
def test_a_clinical_value_wrong_in_one_place_fails_with_file_line_and_fact(tmp_path, promise):
    fid, old, new, words = FAULTS[promise]
    if words is None:  # the same slip in the value and in its quote
        path, _ = changed(tmp_path, fid, old, new)
        text = path.read_text().replace("maximum dose of 4 mg/day", "maximum dose of 40 mg/day")
        path.write_text(text)
        words = "fact 'panic-max-dose': value 40 is outside its plausible range, 2 to 6"
    else:
        path, _ = changed(tmp_path, fid, old, new)
    with pytest.raises(FactsError) as exc:
        load_facts(path, display="source/_data/facts.toml")
    assert len(exc.value.errors) == 1, exc.value.errors
    assert exc.value.errors[0].startswith("source/_data/facts.toml:"), exc.value.errors
    assert words in exc.value.errors[0], exc.value.errors


def test_every_number_the_book_states_is_in_its_sources_words_and_range():
    """The book's own file passes both checks (the build runs the same, facts_schema.check_project)."""
    facts = load_facts(FACTS)
    for fid, fact in facts.items():
        if "derived_from" in fact:
            continue  # arithmetic from another fact, which is checked
        assert fact.get("quote"), fid
        if any(k in fact for k in ("value", "low", "drug")):
            assert fact.get("plausible"), fid

"""What "plain language" means for this book, in numbers a test can check.

Shared by `make readability` (tools/readability.py) and the tests
(tests/test_plain_language.py), so the report and the gate never disagree.

- Reading grade (Flesch-Kincaid): at most 8 for a chapter's running text and
  at most 6 for its "Key points" box (the NIH asks for patient materials below
  grade 8).  Syllables come from pyphen's hyphenation dictionary, offline.
- No sentence over 30 words.  The sources are written one sentence per line,
  so each prose line is one sentence.
- American spelling: the book is written for US readers.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyphen

sys.path.insert(0, str(Path(__file__).resolve().parent / "extensions"))

from bookstats import SOURCE, key_points
from bookstats import plain as _plain
from facts import load_facts

_FACTS = load_facts(SOURCE / "_data" / "facts.toml")


def plain(rst: str) -> str:
    """The words a reader sees: facts rendered, citations and markup dropped."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _plain(rst, _FACTS))

BODY_TARGET = 8.0
KEY_POINTS_TARGET = 6.0
LONGEST_SENTENCE = 30
_DIC = pyphen.Pyphen(lang="en_US")

# British spellings, as patterns for whole words, with their American forms.
_ISE = r"(?:e|ed|es|ing|ation|ations)"
BRITISH = {
    r"behaviour\w*": "behavior", r"apnoea\w*": "apnea", r"randomis" + _ISE: "randomize",
    r"judgements?": "judgment", r"anaesthe\w*": "anesthesia", r"generalis" + _ISE: "generalize",
    r"organis" + _ISE: "organize", r"recognis" + _ISE: "recognize", r"colour\w*": "color",
    r"favour\w*": "favor", r"centres?": "center",
    r"labell(?:ed|ing)": "labeled, labeling", r"programmes?": "program", r"paediatric\w*": "pediatric",
    r"haem\w+": "hem-", r"oestrogen\w*": "estrogen", r"licence[sd]?": "license",
    r"metabolis" + _ISE: "metabolize", r"hyperpolaris" + _ISE: "hyperpolarize", r"minimis" + _ISE: "minimize",
    r"analys(?:e|ed|es|ing)": "analyze", r"travell(?:ed|ing|er|ers)": "traveled, traveling",
    r"counsell(?:ed|ing|or|ors)": "counseling", r"enrol(?:s|ment|ments)?": "enroll", r"greys?": "gray",
    r"tumours?": "tumor", r"odours?": "odor", r"labour\w*": "labor", r"neighbour\w*": "neighbor",
    r"honour\w*": "honor", r"litres?": "liter", r"fibres?": "fiber", r"defence": "defense",
    r"offence": "offense", r"catalogue[sd]?": "catalog", r"realis" + _ISE: "realize",
    r"emphasis(?:e|ed|es|ing)": "emphasize", r"summaris" + _ISE: "summarize", r"utilis" + _ISE: "utilize",
    r"prioritis" + _ISE: "prioritize", r"stabilis" + _ISE: "stabilize", r"sensitis" + _ISE: "sensitize",
    r"characteris" + _ISE: "characterize", r"categoris" + _ISE: "categorize",
    r"hospitalis" + _ISE: "hospitalize", r"optimis" + _ISE: "optimize", r"standardis" + _ISE: "standardize",
    r"authoris" + _ISE: "authorize", r"specialis" + _ISE: "specialize", r"familiaris" + _ISE: "familiarize",
    r"oesophag\w*": "esophagus", r"diarrhoea": "diarrhea", r"foet(?:us|al)": "fetus, fetal",
    r"practis(?:e|ed|es|ing)": "practice", r"modell(?:ed|ing)": "modeled, modeling",
    r"fulfil(?:s|ment)?": "fulfill", r"mould\w*": "mold", r"aluminium": "aluminum",
    r"sceptic\w*": "skeptic", r"whilst": "while", r"amongst": "among", r"learnt": "learned",
    r"manoeuvr\w*": "maneuver", r"ageing": "aging",
}
_PATTERN = re.compile(r"\b(?:" + "|".join(f"(?P<w{i}>{k})" for i, k in enumerate(BRITISH)) + r")\b", re.I)
_AMERICAN = list(BRITISH.values())


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", text)


def syllables(word: str) -> int:
    return max(1, len(_DIC.positions(word.lower())) + 1)


def grade(text: str) -> float:
    """Flesch-Kincaid grade level of a text."""
    found = words(text)
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
    if not found:
        return 0.0
    syl = sum(syllables(w) for w in found)
    return 0.39 * len(found) / sentences + 11.8 * syl / len(found) - 15.59


def ease(text: str) -> float:
    """Flesch reading ease (higher is easier)."""
    found = words(text)
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
    syl = sum(syllables(w) for w in found)
    return 206.835 - 1.015 * len(found) / sentences - 84.6 * syl / max(1, len(found))


def _is_markup(stripped: str) -> bool:
    return (not stripped or stripped.startswith((".. ", ":")) or set(stripped) <= set("=-~^#*")
            or stripped.startswith("* -"))


def sentences(path: Path):
    """(line number, plain text) of each prose line of a source: one sentence per line.

    Directives and their options, headings, labels, comments and table rows are
    markup, not prose.  A comment block (``..`` then indented lines) is skipped.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    in_comment = False
    in_table = False
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if in_comment and (not stripped or indent > 0):
            continue
        in_comment = False
        if in_table and (not stripped or indent > 0):
            continue
        in_table = False
        if stripped == ".." or (stripped.startswith(".. ") and not re.match(r"\.\. [\w:-]+::", stripped)
                                and not stripped.startswith(".. _") and not stripped.startswith(".. |")):
            in_comment = True
            continue
        if re.match(r"\.\. (list-table|table|csv-table|code-block|code|cite-this-book)::", stripped):
            in_table = True
            continue
        if _is_markup(stripped) or number < len(lines) and set(lines[number].strip() or "x") <= set("=-~^"):
            continue
        text = plain(re.sub(r"^(?:[-*]|#\.|\d+\.)\s+", "", stripped))
        if words(text):
            yield number, text


def includes(path: Path) -> list[Path]:
    """The files a source pulls in with ``.. include::`` (``/`` is the source
    folder), which readers read as part of it."""
    found = []
    for m in re.finditer(r"^\s*\.\. include:: (\S+)", path.read_text(encoding="utf-8"), re.M):
        name = m.group(1)
        found.append(SOURCE / name.lstrip("/") if name.startswith("/") else path.parent / name)
    return found


def body(path: Path) -> str:
    """A chapter's running text, one sentence per prose line, without its key points,
    with the text of the files it includes (the help page is mostly its included box)."""
    points = {plain(p) for p in key_points(path)}
    kept = []
    for _, text in sentences(path):
        if text in points:
            continue
        kept.append(text if re.search(r"[.!?:;]$", text) else text + ".")
    kept.extend(body(included) for included in includes(path) if included.suffix == ".rst")
    return " ".join(k for k in kept if k)


def key_points_text(path: Path) -> str:
    return " ".join(p if re.search(r"[.!?]$", p) else p + "." for p in (plain(p) for p in key_points(path)))


def long_sentences(path: Path) -> list[tuple[int, int, str]]:
    """(line, words, text) of each sentence over the limit."""
    return [(n, len(words(t)), t) for n, t in sentences(path) if len(words(t)) > LONGEST_SENTENCE]


def british_spellings(text: str) -> list[tuple[str, str]]:
    """(word, American form) for each British spelling in a text."""
    found = []
    for m in _PATTERN.finditer(text):
        index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        found.append((m.group(0), _AMERICAN[index]))
    return found


def toctree_docs(source: Path = SOURCE) -> list[str]:
    """The documents of the root toctree (``index.rst``), in reading order."""
    text = (source / "index.rst").read_text(encoding="utf-8")
    block = text.split(".. toctree::", 1)[1]
    docs = []
    for line in block.splitlines()[1:]:
        if line.strip().startswith(":") or not line.strip():
            continue
        if not line.startswith("   "):
            break
        docs.append(line.strip())
    return docs


def chapters() -> list[str]:
    """Every document of the book with running text (the toctree, in order)."""
    return [d for d in toctree_docs() if d not in {"bibliography", "downloads"}]

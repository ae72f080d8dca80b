"""The schema of ``source/_data/facts.toml``: every clinical value, checked
before anything is built.

TOML and Python are lenient in ways a medical book cannot afford: ``value =
true`` prints as "1" (the real dose was 4), ``nan`` prints as "nan%", a range
``400 to 40`` reads as a range, a typo in ``derived_from`` or a string where
a number belongs ends in a bare traceback.  This module declares what a fact
may hold (a pydantic model, so the rules are data, not scattered ``if``\\ s)
and reports every error as one line naming the file, the line and the fact
id, the way a compiler does::

    source/_data/facts.toml:67: fact 'panic-max-dose': value is true/false, not a number

No Sphinx here: ``facts.py`` (the build), ``tools/plainlanguage.py`` and the
tests all load the file through ``load_facts``.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Every number in the register is a dose, a time, a share or a count: finite
# and never negative.  Strict: a boolean or a quoted number is not a number.
Number = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]  # a dose, a time, a share
Factor = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
Words = Annotated[str, Strict(), Field(min_length=1, pattern=r"\S")]
# The units the book writes after a value; a new one is a decision, made here.
Unit = Literal["%", "hours", "days", "weeks", "months", "patients", "mg a day",
               "mg twice daily", "mg twice daily every 3 days"]
FACT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# the shapes a value may take; exactly one per fact
SHAPES = {"value": ("value",), "range": ("low", "high"), "text": ("text",),
          "trial": ("drug", "placebo"), "derived": ("derived_from",)}
# A value written as words around one number: "about 50", "less than 2".
PHRASE = re.compile(r"(?:about|up to|less than|fewer than|more than|at least|at most) ([0-9]+(?:\.[0-9]+)?)")
# A number in a quote or a text: ASCII digits, a decimal point ("0.125", "5–10%": 5 and 10).
QUOTED_NUMBER = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?")
# Each value, stated twice: once in its key, once in the source's own words (quote); and
# inside the range a reader could meet (plausible).  A tenfold typo in one place fails.


class FactsError(ValueError):
    """The facts file is invalid; ``errors`` holds one line per problem."""

    def __init__(self, problems: list[tuple[str, int, str]]):
        self.problems = problems  # (file, line, message)
        self.errors = [f"{name}:{line}: {message}" for name, line, message in problems]
        super().__init__("\n".join(self.errors))


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Words
    cite: Words | None = None  # BibTeX key of the source
    section: Words | None = None  # where in the source the value stands
    note: Words | None = None
    unit: Unit | None = None
    value: Any = None  # a number, or a short phrase around one ("up to 30")
    low: Positive | None = None
    high: Positive | None = None
    text: Words | None = None
    drug: Number | None = None
    placebo: Number | None = None
    derived_from: Words | None = None
    multiple: Factor | None = None
    divisor: Factor | None = None
    quote: Words | None = None  # the source's own words, holding the value
    plausible: tuple[Positive, Positive] | None = None  # [lowest, highest] a value may be

    @model_validator(mode="after")
    def one_shape(self):
        given = {k for keys in SHAPES.values() for k in keys if getattr(self, k) is not None}
        shapes = [name for name, keys in SHAPES.items() if given & set(keys)]
        if len(shapes) != 1:
            found = " and ".join(shapes) or "none"
            raise _error(f"has {found} as its value; it needs exactly one of: value, low + high, "
                         "text, drug + placebo, derived_from")
        shape = shapes[0]
        missing = [k for k in SHAPES[shape] if getattr(self, k) is None]
        if missing:
            raise _error(f"has {' and '.join(sorted(given))} without {' and '.join(missing)}")
        if shape == "value":
            _check_value(self.value)
        if shape == "range" and self.low > self.high:
            raise _error(f"low ({self.low:g}) is above high ({self.high:g})", key="low")
        if shape == "text" and self.unit is not None:
            raise _error("has both text and a unit; the text says it all", key="unit")
        if shape != "derived" and (self.multiple or self.divisor):
            raise _error("multiple and divisor apply only with derived_from")
        if shape != "derived" and (self.cite is None or self.section is None):
            what = " and no ".join(k for k in ("cite", "section") if getattr(self, k) is None)
            raise _error(f"names no {what}: every value cites its source")
        if shape != "derived":
            _check_twice(self, shape)
        return self


def stated(fact: "Fact", shape: str) -> list[tuple[str, float]]:
    """(key, number) of every number a fact states."""
    if shape == "value":
        if isinstance(fact.value, str):
            return [("value", float(PHRASE.fullmatch(fact.value).group(1)))]
        return [("value", float(fact.value))]
    if shape == "text":
        return [("text", float(n)) for n in QUOTED_NUMBER.findall(fact.text)]
    return [(k, float(getattr(fact, k))) for k in SHAPES[shape]]


def _check_twice(fact: "Fact", shape: str) -> None:
    """Each number is in the source's words, and inside its plausible range."""
    if fact.quote is None:
        raise _error("names no quote: each value carries the source's own words (quote = "
                     "\"...\", a short passage of the label or guideline that holds it)")
    quoted = {float(n) for n in QUOTED_NUMBER.findall(fact.quote)}
    for key, number in stated(fact, shape):
        if number not in quoted:
            raise _error(f"{key} {number:g} is not in its quote {fact.quote!r}: the value and its "
                         "source's words must agree (a typo would have to be made twice)", key=key)
    if shape == "text":
        return
    if fact.plausible is None:
        raise _error("declares no plausible range: plausible = [lowest, highest] a reader could meet")
    low, high = fact.plausible
    if low > high:
        raise _error(f"plausible range {low:g} to {high:g} runs backwards", key="plausible")
    for key, number in stated(fact, shape):
        if not low <= number <= high:
            raise _error(f"{key} {number:g} is outside its plausible range, {low:g} to {high:g}", key=key)


def _error(message: str, key: str | None = None) -> PydanticCustomError:
    """A rule broken; ``key`` is the key whose line the message names (None: the header)."""
    return PydanticCustomError("fact", message.replace("{", "(").replace("}", ")"), {"key": key})


def _check_value(value) -> None:
    if isinstance(value, bool):
        raise _error("value is true/false, not a number", key="value")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _error(f"value is {value}, not a finite number", key="value")
        if value < 0:
            raise _error(f"value is negative ({value:g})", key="value")
        if value == 0:
            raise _error("value is 0: a dose, a time or a share is more than 0", key="value")
    elif not isinstance(value, str):
        raise _error(f"value {value!r} is neither a number nor a phrase with a number", key="value")
    elif not value.isascii():
        odd = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(value) if not c.isascii())
        raise _error(f"value {value!r} has characters that are not ASCII ({odd}): write the "
                     "digits 0-9 and a hyphen-minus", key="value")
    elif not re.search(r"[0-9]", value):
        raise _error(f"value {value!r} is neither a number nor a phrase with a number", key="value")
    elif not PHRASE.fullmatch(value):
        raise _error(f"value {value!r} is not a number or a phrase like 'about 30' (the unit "
                     "goes in unit)", key="value")


def _describe(err: dict) -> tuple[str | None, str]:
    """(the key at fault or None, a reader's sentence) for one pydantic error."""
    key = str(err["loc"][0]) if err["loc"] else None
    given = err.get("input")
    kind = err["type"]
    if kind == "fact":
        return err["ctx"]["key"], err["msg"]
    if isinstance(given, bool):
        return key, f"{key} is true/false, not a number"
    if kind == "finite_number":
        return key, f"{key} is {given}, not a finite number"
    if kind == "greater_than_equal":
        return key, f"{key} is {given:g}; it cannot be negative"
    if kind == "greater_than":
        return key, f"{key} is {given:g}; it must be more than 0"
    if kind == "extra_forbidden":
        return key, f"{key} is not a key of the schema (tools/extensions/facts_schema.py)"
    if kind == "literal_error":
        return key, f"unit {given!r} is not a declared unit (facts_schema.Unit)"
    if kind == "missing":
        return None, f"has no {key}"
    return key, f"{key} is {given!r}: {err['msg'].lower()}"


def _lines(text: str) -> dict[tuple[str, str | None], int]:
    """Line numbers of each ``[id]`` header (key None) and of each key in it."""
    where, table = {}, None
    for number, line in enumerate(text.splitlines(), 1):
        if m := re.match(r"\s*\[\s*\"?([^\]\"]+)\"?\s*\]", line):
            table = m.group(1).strip()
            where.setdefault((table, None), number)
        elif (m := re.match(r"\s*\"?([\w-]+)\"?\s*=", line)) and table is not None:
            where.setdefault((table, m.group(1)), number)
    return where


def load_facts(path: Path, display: str | None = None, cite_keys: set[str] | None = None) -> dict[str, dict]:
    """The facts, validated, with derived values computed; raise FactsError.

    ``display`` is how messages name the file (default: the path as given);
    ``cite_keys``, if given, are the BibTeX keys a ``cite`` may name.
    """
    name = display or str(path)
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FactsError([(name, line, f"not UTF-8 (byte {raw[exc.start]:#04x})")]) from None
    try:
        facts = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"^(.*) \(at line (\d+), column \d+\)$", str(exc))
        line, why = (int(m.group(2)), m.group(1)) if m else (1, str(exc))
        raise FactsError([(name, line, f"invalid TOML: {why}")]) from None
    where, errors, valid = _lines(text), [], set()

    def fail(fid: str, key: str | None, message: str) -> None:
        line = where.get((fid, key)) or where.get((fid, None)) or where.get((key, None), 1)
        errors.append((name, line, f"fact {fid!r}: {message}"))

    for fid, fact in facts.items():
        if not isinstance(fact, dict):
            fail(fid, None, "is not a table: each fact is a [table] of its own")
            continue
        if not FACT_ID.fullmatch(fid):
            fail(fid, None, "an id is lower-case words joined by hyphens")
        try:
            Fact.model_validate(fact)
        except ValidationError as exc:
            for err in exc.errors():
                fail(fid, *_describe(err))
            continue
        valid.add(fid)
        if cite_keys is not None and "cite" in fact and fact["cite"] not in cite_keys:
            fail(fid, "cite", f"cite {fact['cite']!r} is not a key of any .bib file")
    for fid, fact in facts.items():
        base_id = fact.get("derived_from") if isinstance(fact, dict) else None
        if base_id is None or not isinstance(base_id, str):
            continue
        base = facts.get(base_id)
        if fid not in valid or base_id not in valid:
            if base_id not in facts:
                fail(fid, "derived_from", f"derived_from {base_id!r} is not a fact id")
            continue
        if "low" not in base or "derived_from" in base:
            fail(fid, "derived_from", f"derived_from {base_id!r} is not a fact with low and high")
            continue
        factor = fact.get("multiple", 1) / fact.get("divisor", 1)
        fact["low"], fact["high"] = round(base["low"] * factor), round(base["high"] * factor)
        fact.setdefault("cite", base.get("cite"))
        fact.setdefault("section", base.get("section"))
    if errors:
        raise FactsError(errors)
    return facts


def check_project(root: Path, facts_file: str = "source/_data/facts.toml") -> list[str]:
    """The errors of a project's facts file, one line each; [] if it is valid.

    For ``tools/build.py``: run once before the figures are drawn and the
    three Sphinx builds start, so that each error is printed once, not by
    each of four processes.
    """
    try:
        load_facts(Path(root) / facts_file, display=facts_file)
    except FactsError as exc:
        return exc.errors
    return []


if __name__ == "__main__":
    import sys

    # python tools/extensions/facts_schema.py [ROOT]: check the facts file, print its errors
    problems = check_project(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print(*problems, sep="\n", file=sys.stderr)
    sys.exit(1 if problems else 0)

"""Read the book's reStructuredText sources as plain prose: shared by
`make readability` (tools/readability.py) and the tests."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"

ROLE = re.compile(r":(?:footcite|cite)(?::[a-z]+)?:`[^`]*`")
FACT = re.compile(r":fact:`([^`]*)`")
TEXT_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`<]*?)(?:\s*<[^>]*>)?`")


def plain(rst: str, facts: dict | None = None) -> str:
    """rst inline markup to the words a reader sees (facts rendered, citations dropped)."""
    text = ROLE.sub("", rst)
    if facts is not None:
        from facts import render  # tools/extensions on sys.path

        text = FACT.sub(lambda m: render(facts[m.group(1)]), text)
    text = TEXT_ROLE.sub(r"\1", text)
    text = re.sub(r"\*\*?|``|\|", "", text)
    return re.sub(r"\s+", " ", text).strip()


def key_points(path: Path) -> list[str]:
    """The items of a chapter's "Key points" box."""
    lines = path.read_text().splitlines()
    items, inside = [], False
    for line in lines:
        if line.startswith(".. admonition:: Key points"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                break
            stripped = line.strip()
            if stripped.startswith("- "):
                items.append(stripped[2:])
            elif stripped and not stripped.startswith(":") and items:
                items[-1] += " " + stripped
    return items


def prose(path: Path) -> str:
    """A chapter's running text, without directives' options, labels or tables."""
    keep = []
    for line in path.read_text().splitlines():
        s = line.strip()
        if (not s or s.startswith((".. ", ":")) or set(s) <= set("=-~^")
                or s.startswith(("* -", "- ")) and "|" in s):
            continue
        keep.append(s.lstrip("-* "))
    return plain(" ".join(keep))

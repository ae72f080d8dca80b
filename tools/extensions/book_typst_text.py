"""Text as Typst markup: escaped words and string literals (book_typst.py)."""

from __future__ import annotations

import json
import re

# every character that means something in Typst markup: "#", "*", "-" ("--", lists),
# "/" ("//" comments, "https://" links), "." ("..." and "1." lists), quotes ...
ESCAPE = re.compile(r"([\\#*_`$<>@=\-+/~\[\]'\".])")


def escape(text: str) -> str:
    return ESCAPE.sub(r"\\\1", text)


def string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)

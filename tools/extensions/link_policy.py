"""Which links the book may publish: one policy, for the sources and for every output.

A link in a medical book is a promise that it goes where its words say.  The
probe of issue 25 published ``javascript:`` links (in the text, as an image
target, as a ``.bib`` URL), ``http://`` links, a host spelt with a Cyrillic
"о" (``dailymed.nlm.nih.gоv``), a PDF file attachment of ``file:///etc/passwd``
and an FDA line that dialled another number than the one it showed.  The
policy:

* ``https:`` to a host with an ASCII name (no look-alike letters), no user
  name or password in it (``https://dailymed.nlm.nih.gov@evil.example``);
* ``tel:`` only to a number of the project's phone table
  (``source/_data/phones.toml``), and only where the link's words dial
  exactly that number (letters by the phone keypad: FDA is 332);
* links inside the book (no scheme, no host);
* nothing else: ``http:``, ``javascript:``, ``data:``, ``file:``, ``mailto:``...

Plain Python, no Sphinx: ``book_doctree.py`` applies it to each document
Sphinx reads, ``tools/gate.py`` to the HTML, the EPUB and the PDFs.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

PHONES = Path("_data") / "phones.toml"  # relative to source/
KEYPAD = {letter: digit for digit, letters in {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}.items() for letter in letters}
SHOWN_NUMBER = re.compile(r"\+?[0-9A-Z]+(?:[ .-][0-9A-Z]+)*")


def dialled(shown: str) -> str | None:
    """The digits a phone dials for a number as written ('1-800-FDA-1088' -> '18003321088');
    None if the words are not a phone number (ASCII digits, capitals, separators)."""
    shown = shown.strip()
    if not SHOWN_NUMBER.fullmatch(shown) or not re.search(r"[0-9]", shown):
        return None
    return "".join(KEYPAD.get(ch, ch) for ch in shown if ch.isalnum())


def tel_digits(target: str) -> str:
    """The digits of a tel: target ('tel:+1-800-332-1088' -> '18003321088')."""
    number = target.split(":", 1)[1] if ":" in target else target
    return re.sub(r"[ .()+-]", "", number)


def load_phones(source: Path) -> dict[str, dict]:
    """The phone table of the book whose source folder is ``source``: {id: {text, tel, source}}; {} without one."""
    path = Path(source) / PHONES
    if not path.is_file():
        return {}
    with open(path, "rb") as f:
        return tomllib.load(f)


def phone_table_problems(phones: dict[str, dict]) -> list[str]:
    """Each entry's text must dial its tel target, and name its source."""
    problems = []
    for pid, entry in phones.items():
        text, tel = str(entry.get("text", "")), str(entry.get("tel", ""))
        if not tel.startswith("tel:") or not re.fullmatch(r"tel:\+?[0-9]+", tel):
            problems.append(f"phone {pid!r}: tel {tel!r} is not 'tel:' and digits")
        elif dialled(text) != tel_digits(tel):
            problems.append(f"phone {pid!r}: the text {text!r} dials {dialled(text)}, "
                            f"but tel is {tel!r}")
        if not entry.get("source"):
            problems.append(f"phone {pid!r}: names no source")
    return problems


def link_problem(url: str, words: str | None = None, phones: dict[str, dict] | None = None) -> str | None:
    """Why a link breaks the policy, in words; None if it keeps it.

    ``words``: the link's text (for tel: links, what it must dial);
    ``phones``: the phone table (None: tel: links are not checked against it).
    """
    url = url.strip()
    if not url or url.startswith("#"):
        return None
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"link {url!r} is not a valid URL ({exc})"
    scheme = parts.scheme.lower()
    if not scheme:
        if parts.netloc or url.startswith(("//", "\\\\")):
            return f"link {url!r} goes to another host without https: write https://"
        return None  # a page, file or anchor of the book itself
    if scheme == "https":
        host = parts.hostname or ""
        if not host:
            return f"link {url!r} has no host"
        if not host.isascii():
            return (f"link {url!r}: the host {host!r} is not plain ASCII "
                    f"({', '.join(sorted({f'U+{ord(c):04X}' for c in host if not c.isascii()}))}): "
                    "a look-alike letter can send the reader elsewhere")
        if "@" in parts.netloc:
            return f"link {url!r} has a user name in its host: the reader cannot see where it goes"
        return None
    if scheme == "tel":
        if phones is None:
            return None
        digits = tel_digits(url)
        known = {tel_digits(str(e.get("tel", ""))) for e in phones.values()}
        if digits not in known:
            return (f"link {url!r} dials a number that is not in the phone table "
                    f"(source/{PHONES}): add it there with its source")
        if words is not None and dialled(words) != digits:
            return (f"link {url!r} dials {digits}, but its text {words.strip()!r} "
                    f"dials {dialled(words) or 'no number'}")
        return None
    return (f"link {url!r}: {scheme}: links are refused; the book links only https:// "
            "addresses and the phone numbers of its phone table")

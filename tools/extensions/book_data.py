"""Where the book's identity lives: ``source/_data/book.toml``, named here once.

The title, the edition, the review date and where readers find the newest
edition are written once, in that file.  Everything that reads them
(``conf.py``, the extensions, ``tools/build.py``, ``tools/make_cover.py``, the
benchmark and the tests) finds the file through this module, so moving or
renaming it is one edit.  Plain Python: no Sphinx import, so the build script
and the tests can use it before Sphinx starts.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

BOOK_TOML = Path("source") / "_data" / "book.toml"  # relative to the project root


def book_toml(root: Path | str) -> Path:
    """The path of ``book.toml`` in the project at ``root``."""
    return Path(root) / BOOK_TOML


def load_book(root: Path | str) -> dict:
    """The book's identity, as ``book.toml`` in the project at ``root`` gives it."""
    with open(book_toml(root), "rb") as f:
        return tomllib.load(f)

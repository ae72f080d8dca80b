"""The sizes of the downloads shown on the HTML pages, and shipping the files.

Plain Python, no Sphinx: ``tools/build.py`` imports it once the builds are
done, and ``book_downloads.py`` uses the same placeholder and the same rounding.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

# Stands for a file's size until ship_downloads() knows it.  The search index
# is built before that, so it may hold the words "size of the" and a file name
# for pages that show download sizes: true of them either way.
SIZE_PLACEHOLDER = "\u27e6size of the {name}\u27e7"
SIZE_PLACEHOLDER_RE = re.compile("\u27e6size of the ([\\w.-]+)\u27e7")


class ShippingError(Exception):
    pass


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def _pages(html: Path) -> dict[Path, str]:
    """The pages and files that hold a size placeholder, with their text."""
    found = {}
    for p in html.rglob("*"):
        if p.is_file() and p.suffix in {".html", ".js", ".txt"}:
            text = p.read_text(encoding="utf-8", errors="replace")
            if "\u27e6size of the" in text:
                found[p] = text
    return found


def _fill(pages: dict[Path, str], sizes: dict[str, str], pending: set[str]) -> None:
    def size(match: re.Match) -> str:
        name = match.group(1)
        if name in sizes:
            return sizes[name]
        if name in pending:
            return match.group(0)
        raise ShippingError(f"no {name} to ship, but the pages link it")

    for page, text in pages.items():
        page.write_text(SIZE_PLACEHOLDER_RE.sub(size, text), encoding="utf-8")


def ship_downloads(html: Path, files: list[Path], pending: tuple[str, ...] = ()) -> None:
    """Copy the checked files into a site built with ``book_downloads_later``
    and write their sizes where the placeholders are; the names in ``pending``
    (the site's own zip: ship_html_zip) may stay placeholders."""
    target = html / "_downloads"
    target.mkdir(exist_ok=True)
    sizes = {}
    for f in files:
        shutil.copyfile(f, target / f.name)
        sizes[f.name] = human_size(f.stat().st_size)
    _fill(_pages(html), sizes, set(pending))
    left = [p for p, text in _pages(html).items() if set(SIZE_PLACEHOLDER_RE.findall(text)) - set(pending)]
    if left:
        raise ShippingError(f"download sizes left unfilled in {', '.join(str(p) for p in left)}")


def ship_html_zip(html: Path, make_zip: Callable[[], Path]) -> Path:
    """Zip the site with its own size written on its downloads page, and ship the zip in it.

    The size is part of what is zipped, so it is found as a fixed point: zip,
    write the size, zip again, until the rounded size no longer changes (one
    or two rounds: the text of a size changes the zip by a few bytes).
    """
    pages = _pages(html)
    if not pages:
        raise ShippingError("no page links the site's zip")
    zipped = make_zip()
    name = zipped.name
    shown = None
    for _ in range(4):
        size = human_size(zipped.stat().st_size)
        if size == shown:
            break
        shown = size
        _fill(pages, {name: size}, set())
        zipped = make_zip()
    else:
        raise ShippingError(f"the size of {name} does not settle: {shown}")
    if _pages(html):
        raise ShippingError(f"download sizes left unfilled in {', '.join(map(str, _pages(html)))}")
    shutil.copyfile(zipped, html / "_downloads" / name)
    return zipped

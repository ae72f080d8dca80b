"""The sizes of the PDF and EPUB shown on every HTML page, and shipping them.

Plain Python, no Sphinx: ``tools/build.py`` imports it once the three builds
are done, and ``book_html.py`` uses the same placeholder and the same rounding.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

# Stands for a file's size until ship_downloads() knows it.  The search index
# is built before that, so it may hold the words "size" and "PDF" or "EPUB"
# for pages that show download sizes: true of them either way.
SIZE_PLACEHOLDER = "\u27e6size of the {ext}\u27e7"
SIZE_PLACEHOLDER_RE = re.compile("\u27e6size of the (\\w+)\u27e7")


class ShippingError(Exception):
    pass


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def ship_downloads(html: Path, files: list[Path]) -> None:
    """Copy the checked PDF and EPUB into a site built with ``book_downloads_later``
    and write their sizes where the placeholders are."""
    target = html / "_downloads"
    target.mkdir(exist_ok=True)
    sizes = {}
    for f in files:
        shutil.copyfile(f, target / f.name)
        sizes[f.suffix.lstrip(".")] = human_size(f.stat().st_size)

    def size(match: re.Match) -> str:
        if match.group(1) not in sizes:
            raise ShippingError(f"no {match.group(1)} file to ship, but the pages link one")
        return sizes[match.group(1)]

    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        filled = SIZE_PLACEHOLDER_RE.sub(size, text)
        if filled != text:
            page.write_text(filled, encoding="utf-8")
    left = [p for p in html.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".txt"}
            and "\u27e6size of the" in p.read_text(encoding="utf-8", errors="replace")]
    if left:
        raise ShippingError(f"download sizes left unfilled in {', '.join(str(p) for p in left)}")

"""Draw the book's cover from source/_data/book.toml, at build time.

    python tools/make_cover.py [OUT.png]     # default: source/_generated/cover.png

The cover used to be a committed PNG that no build redrew: the EPUB and the
PDFs printed "Edition 2026.11" while everything else said 2026.12.  Now every
build draws it (``draw_cover``: ``figure_files.py``, the build's drawing step,
and ``book_cover.py`` for a Sphinx run on its own) from the title and the
edition in book.toml, into ``source/_generated/cover.png`` (not committed);
conf.py ships it as ``_static/cover.png`` for the EPUB cover and the print
document.  The PNG's text chunks ``Title`` and ``Description`` ("Edition
2026.12") carry the same words as the picture, so a test can read the
edition off the EPUB's cover (tests/test_cover.py).

Deterministic: Pillow, no timestamp or software tag, matplotlib's bundled
DejaVu Sans; redrawn only when book.toml, this file, matplotlib or Pillow
changes (cover.stamp).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import book_toml, load_book  # noqa: E402

COVER = Path("_generated") / "cover.png"  # relative to the source folder: the stable path
# matplotlib's bundled DejaVu Sans, found without importing matplotlib (half a second)
FONTS = Path(importlib.util.find_spec("matplotlib").submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


# The layout, on a 6 x 9 inch page at 200 dpi: (x, y) of each text's anchor as fractions
# of the width and of the height from the top, size in points, colour, weight, anchor
# (Pillow's: "ls" the first line's baseline, "la" its ascender; "ld" the last line's baseline).
DPI, PAGE_IN = 200, (6, 9)
GROUND, WHITE, GOLD = "#1f3b57", "#ffffff", "#e8c547"
TEXTS = (
    ("Clonazepam", 0.08, 0.22, 40, WHITE, "Bold", "ls"),
    ("(Klonopin)", 0.08, 0.30, 30, WHITE, "", "ls"),
    ("How it works, what it treats,\nand its cautions", 0.08, 0.47, 18, WHITE, "", "la"),
    ("A plain-language guide for\npatients and caregivers", 0.08, 0.64, 15, GOLD, "", "la"),
)
RULE = (0.08, 0.394, 0.92, 0.40)  # the gold rule: left, top, right, bottom
LINE_SPACING = 1.48  # baseline to baseline, in font sizes


def cover_png(book: dict) -> bytes:
    """The cover for this book.toml, as PNG bytes: Pillow and the DejaVu Sans that
    matplotlib ships (no matplotlib import: the cover is drawn before the figures, and
    every Sphinx process of the build waits for it; book_cover.py)."""
    from PIL import Image, ImageDraw, PngImagePlugin

    width, height = (side * DPI for side in PAGE_IN)
    image = Image.new("RGB", (width, height), GROUND)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = RULE
    draw.rectangle((left * width, top * height, right * width - 1, bottom * height - 1), fill=GOLD)
    footer = f"{book['author']}\nEdition {book['edition']}"
    for text, x, y, size, colour, weight, anchor in (*TEXTS, (footer, 0.08, 0.92, 11, WHITE, "", "ld")):
        font = _font(weight, size)
        step = LINE_SPACING * size * DPI / 72
        lines = text.split("\n")
        first = y * height - (step * (len(lines) - 1) if anchor == "ld" else 0)
        for i, line in enumerate(lines):
            draw.text((x * width, first + i * step), line, font=font, fill=colour, anchor=anchor[0] + (
                "s" if anchor == "ld" else anchor[1]))
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", book["title"])
    info.add_text("Description", f"Edition {book['edition']}")
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=info, optimize=False)
    return buf.getvalue()


def _font(weight: str, size: float):
    from PIL import ImageFont

    # Pillow's own layout, never Raqm: Raqm is used only where the system has libfribidi,
    # so the same cover came out in other bytes once Chromium's packages brought it in.
    return ImageFont.truetype(str(FONTS / f"DejaVuSans{'-' + weight if weight else ''}.ttf"), round(size * DPI / 72),
                              layout_engine=ImageFont.Layout.BASIC)


def _stamp(root: Path) -> str:
    from importlib.metadata import version

    data = (book_toml(root).read_bytes() + Path(__file__).read_bytes() + version("matplotlib").encode()
            + version("pillow").encode())
    return hashlib.sha256(data).hexdigest()


def draw_cover(root: Path, out: Path | None = None) -> bool:
    """Draw the cover into ``out`` (default: SOURCE/_generated/cover.png) unless it is
    up to date; True if drawn.  Written atomically: parallel builds may call it."""
    out = out or Path(root) / "source" / COVER
    stamp_file = out.with_suffix(".stamp")
    stamp = _stamp(Path(root))
    if out.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    for path, data in ((out, cover_png(load_book(root))), (stamp_file, stamp.encode())):
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    return True


def main(out: Path | None = None) -> None:
    out = out or ROOT / "source" / COVER
    out.unlink(missing_ok=True)
    draw_cover(ROOT, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:]))

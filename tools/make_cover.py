"""Draw the book's cover from source/_data/book.toml, at build time.

    python tools/make_cover.py [OUT.png]     # default: source/_generated/cover.png

The cover used to be a committed PNG that no build redrew: the EPUB and the
PDFs printed "Edition 2026.11" while everything else said 2026.12.  Now every
build draws it (``draw_cover``: ``figure_files.py``, the build's first step,
and ``book_cover.py`` for a Sphinx run on its own) from the title and the
edition in book.toml, into ``source/_generated/cover.png`` (not committed);
conf.py ships it as ``_static/cover.png`` for the EPUB cover and the print
document.  The PNG's text chunks ``Title`` and ``Description`` ("Edition
2026.12") carry the same words as the picture, so a test can read the
edition off the EPUB's cover (tests/test_cover.py).

Deterministic: no timestamp or software tag, matplotlib's bundled DejaVu Sans;
redrawn only when book.toml, this file or matplotlib changes (cover.stamp).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import book_toml, load_book  # noqa: E402

COVER = Path("_generated") / "cover.png"  # relative to the source folder: the stable path


def cover_png(book: dict) -> bytes:
    """The cover for this book.toml, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # matplotlib's own defaults, whatever a figure drawn before in this process set
    # (figure_files.py draws the figures first): the same bytes from any process.
    with matplotlib.rc_context():
        plt.rcdefaults()
        return _draw(plt, book)


def _draw(plt, book: dict) -> bytes:
    fig = plt.figure(figsize=(6, 9), dpi=200)
    try:
        fig.patch.set_facecolor("#1f3b57")
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.add_patch(plt.Rectangle((0.08, 0.60), 0.84, 0.006, color="#e8c547"))
        ax.text(0.08, 0.78, "Clonazepam", color="white", fontsize=40, weight="bold", family="DejaVu Sans")
        ax.text(0.08, 0.70, "(Klonopin)", color="white", fontsize=30, family="DejaVu Sans")
        ax.text(0.08, 0.53, "How it works, what it treats,\nand its cautions", color="white",
                fontsize=18, family="DejaVu Sans", va="top", linespacing=1.4)
        ax.text(0.08, 0.36, "A plain-language guide for\npatients and caregivers", color="#e8c547",
                fontsize=15, family="DejaVu Sans", va="top", linespacing=1.4)
        ax.text(0.08, 0.08, f"{book['author']}\nEdition {book['edition']}", color="white",
                fontsize=11, family="DejaVu Sans", linespacing=1.5)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=200, metadata={
            "Software": None, "Title": book["title"], "Description": f"Edition {book['edition']}"})
        return buf.getvalue()
    finally:
        plt.close(fig)


def _stamp(root: Path) -> str:
    from importlib.metadata import version

    data = book_toml(root).read_bytes() + Path(__file__).read_bytes() + version("matplotlib").encode()
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

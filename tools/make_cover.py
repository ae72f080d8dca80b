"""Draw the book's cover image (source/_static/cover.png) with matplotlib.

Run by `make cover`; the result is committed, so a build needs no network
and no font beyond matplotlib's bundled DejaVu Sans. Deterministic: no
timestamp or software tag is written into the PNG.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import load_book  # noqa: E402


def main(out: Path = ROOT / "source" / "_static" / "cover.png") -> None:
    book = load_book(ROOT)
    fig = plt.figure(figsize=(6, 9), dpi=200)
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
    fig.savefig(out, dpi=200, metadata={"Software": None})
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:]))

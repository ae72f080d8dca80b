"""Reading-grade report per chapter (`make readability`).

Prints, for each chapter, the Flesch-Kincaid grade of its running text and of
its "Key points" box, its longest sentence and its British spellings, against
the targets in tools/plainlanguage.py (the same ones the tests enforce).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plainlanguage as pl  # noqa: E402


def main() -> int:
    print(f"{'chapter':<12} {'words':>6} {'grade':>6} {'ease':>6} {'key points':>11} {'longest':>8} {'British':>8}")
    over = 0
    for name in pl.chapters():
        path = pl.SOURCE / f"{name}.rst"
        text = pl.body(path)
        points = pl.key_points_text(path)
        kp = f"{pl.grade(points):.1f}" if points else "-"
        longest = max((len(pl.words(t)) for _, t in pl.sentences(path)), default=0)
        british = pl.british_spellings(path.read_text(encoding="utf-8"))
        flags = []
        if pl.grade(text) > pl.BODY_TARGET:
            flags.append("text above grade target")
        if points and pl.grade(points) > pl.KEY_POINTS_TARGET:
            flags.append("key points above grade target")
        if longest > pl.LONGEST_SENTENCE:
            flags.append("long sentence")
        if british:
            flags.append("British: " + ", ".join(sorted({w for w, _ in british})))
        over += bool(flags)
        print(f"{name:<12} {len(pl.words(text)):>6} {pl.grade(text):>6.1f} {pl.ease(text):>6.1f} "
              f"{kp:>11} {longest:>8} {len(british):>8}  {'; '.join(flags)}")
    print(f"\nTargets: running text at grade {pl.BODY_TARGET:g} or below, key points at grade "
          f"{pl.KEY_POINTS_TARGET:g} or below (Flesch-Kincaid), no sentence over {pl.LONGEST_SENTENCE} words, "
          "American spelling.")
    for name in pl.chapters():
        for line, count, text in pl.long_sentences(pl.SOURCE / f"{name}.rst"):
            print(f"  source/{name}.rst:{line}: {count} words: {text[:90]}...")
    return 0


if __name__ == "__main__":
    sys.exit(main())

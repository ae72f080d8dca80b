"""Reading-grade report per chapter (`make readability`).

Prints the Flesch-Kincaid grade and Flesch reading ease of each chapter's
running text and of its "Key points" box, which aims at grade 8 or below.
Syllables are counted with pyphen's hyphenation dictionary, offline
(textstat's newer releases download a pronouncing dictionary at run time).
"""

import re
import sys
from pathlib import Path

import pyphen

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "extensions"))
from bookstats import SOURCE, key_points, plain, prose  # noqa: E402

CHAPTERS = ["about", "key-facts", "mechanism", "uses", "benefits", "cautions", "prescriber", "sourcing"]
KEY_POINTS_TARGET = 8.0
_DIC = pyphen.Pyphen(lang="en_US")


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", text)


def syllables(word: str) -> int:
    return max(1, len(_DIC.positions(word.lower())) + 1)


def grade(text: str) -> float:
    """Flesch-Kincaid grade level."""
    words = _words(text)
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
    if not words:
        return 0.0
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59


def ease(text: str) -> float:
    """Flesch reading ease (higher is easier)."""
    words = _words(text)
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
    syl = sum(syllables(w) for w in words)
    return 206.835 - 1.015 * len(words) / sentences - 84.6 * syl / max(1, len(words))


def main() -> int:
    print(f"{'chapter':<12} {'words':>6} {'grade':>6} {'ease':>6}   {'key points grade':>16}")
    for name in CHAPTERS:
        path = SOURCE / f"{name}.rst"
        text = prose(path)
        points = " ".join(plain(p) for p in key_points(path))
        kp = f"{grade(points):5.1f}" if points else "    -"
        flag = "" if not points or grade(points) <= KEY_POINTS_TARGET else "  above target"
        print(f"{name:<12} {len(_words(text)):>6} {grade(text):>6.1f} "
              f"{ease(text):>6.1f}   {kp:>16}{flag}")
    print(f"\nKey points aim at grade {KEY_POINTS_TARGET:g} or below (Flesch-Kincaid).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search lands on the answer: a word in a section's title finds that section.

Sphinx's search page ranks whole pages: "pregnancy" opened the top of
Cautions (26,551 px tall on a phone), and the section "Pregnancy, newborns
and breastfeeding" was not among the results at all.  searchtools.js does
match section titles (the index's ``alltitles``), but only when the words
typed are at least half the title ("pregnancy" is 9 of its 37 characters);
it matches index entries the same way, and ranks them far above pages
(score 100 for a whole match, against 15 for a page title).

So, for the site's search only, each section gets index entries made from
its title: every word that is not a stop word, in the forms a reader types
("drive": "driving", "drives"; "miss": "missed", kept when they share the
word's stem), and each pair of neighbouring words ("missed dose", "older
adults").  They point at the section's own id.  They are added after the
documents are read (a post-transform for the HTML builder), so the book's
Index page and the other formats never see them; the HTML writer writes
nothing for an index node, so the pages do not change.

searchtools.js labels an index result with its page's title;
``book-search.js`` adds the section's title from the search index
(``alltitles``), so the result reads "Cautions › Pregnancy, newborns and
breastfeeding".  tests/test_search_answers.py types ten words patients type.
"""

from __future__ import annotations

import re

import snowballstemmer
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform

# Words that answer nothing on their own (the questions' "How do I", "What about").
STOP = frozenset("""a about after and any are as at be before by can do does for from how i if in
is it its my of on or other should than that the their them these this to what when where which
while who why will with you your""".split())
WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
STEMMER = snowballstemmer.stemmer("english")  # the stemmer Sphinx's English search uses


def stem(word: str) -> str:
    return STEMMER.stemWord(word)


def forms(word: str) -> set[str]:
    """The word and its regular inflections that share its stem."""
    out = {word}
    bases = {word, word[:-1] if word.endswith("e") else word}
    if re.search(r"[^aeiou][aeiou][bdgklmnprt]$", word):
        bases.add(word + word[-1])  # stop: stopping, stopped
    if word.endswith("s") and len(word) > 3:
        bases.add(word[:-1])  # adults: adult
    for base in bases:
        out |= {base, base + "s", base + "es", base + "ed", base + "ing", base + "er"}
    return {f for f in out if stem(f) == stem(word) and len(f) > 2}


def title_entries(title: str) -> set[str]:
    words = [w for w in WORD.findall(title.lower()) if w not in STOP and len(w) > 2]
    entries = set()
    for w in words:
        entries |= forms(w)
    for first, second in zip(words, words[1:]):
        entries |= {f"{a} {b}" for a in forms(first) for b in forms(second)}
    return entries


class SectionTitlesAsSearchEntries(SphinxPostTransform):
    """An index node at the start of each section, its entries the title's words."""

    default_priority = 900
    builders = ("html", "dirhtml")

    def run(self, **kwargs) -> None:
        for section in self.document.findall(nodes.section):
            if not section["ids"] or not section.children or not isinstance(section[0], nodes.title):
                continue
            target = section["ids"][0]
            entries = [("single", entry, target, "main", None)
                       for entry in sorted(title_entries(section[0].astext()))]
            if entries:
                section.insert(1, addnodes.index(entries=entries, inline=False))


def setup(app):
    app.add_post_transform(SectionTitlesAsSearchEntries)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

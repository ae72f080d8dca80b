"""Each source in full once: short chapter notes, each linked to its entry in the bibliography.

Every chapter closes with its notes (``.. footbibliography::``), and the
back matter lists every source (``.. bibliography::``).  With pybtex's
``unsrt`` style for both, each note repeated its source in full: the FDA
label's whole reference stood twelve times in the book, and the notes and
the bibliography were 30% of the EPUB's words, which a reader without
pop-up notes pages through.  Now a source stands in full once per edition,
in the bibliography, and a chapter's note is short:

* the style ``short_note`` (``bibtex_default_style`` in conf.py: the style
  sphinxcontrib-bibtex formats every ``:footcite:`` note with; the
  bibliography names its own, ``:style: unsrt_once``) writes who, the year
  and a short title: "FDA 2020. Benzodiazepine Boxed Warning."  Who is the
  entry's ``shortauthor`` field, else its first author's last name (a study
  as a review names it, "Rosenbaum 1997"), else the start of
  ``howpublished``; the short title is ``shorttitle``, else the title up to
  its colon.  Both are biblatex field names; pybtex keeps any field, and
  ``unsrt`` ignores them;
* a post-transform, for every builder, links each note's words (the note's
  id is ``bibtex_footcite_id``) to the source's full entry (its id is
  ``bibtex_cite_id``, "source-KEY"; where it stands, from the bibtex domain's
  citations: tests/test_private_api.py guards that surface): in
  another file for the site and the EPUB, on the same page for the print
  document (book_print.py keeps the anchor alone).

The note marks ("[1, 3]", book_notes.py) and the note numbers do not change.
The sections a chapter's values come from (facts.toml) are not listed: the
notes would outgrow their share of the book (tests/test_sources_once.py
checks every edition, and that share).
"""

from __future__ import annotations

import pybtex.plugin
from docutils import nodes
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)

STYLE = "short_note"


def _latex(value: str) -> str:
    return str(Text.from_latex(value)).strip()


def who(entry) -> str:
    if "shortauthor" in entry.fields:
        return _latex(entry.fields["shortauthor"])
    people = entry.persons.get("author", [])
    if people:  # the first author, as a study is named in a review ("Rosenbaum 1997")
        return _latex(" ".join(people[0].last_names))
    return _latex(entry.fields.get("howpublished", "")).split(",")[0]


def short_title(entry) -> str:
    if "shorttitle" in entry.fields:
        return _latex(entry.fields["shorttitle"])
    return _latex(entry.fields.get("title", "")).split(": ")[0]


def _short(entry) -> str:
    year = entry.fields.get("year", "")
    title = short_title(entry)
    return f"{who(entry)}{' ' + year if year else ''}. {title}{'' if title[-1:] in '.?!' else '.'}"


class ShortNote(BaseStyle):
    """A chapter's note: who, year, short title (the full entry is in the bibliography)."""

    def format_entry(self, label, entry, bib_data=None):
        return FormattedEntry(entry.key, Text(_short(entry)), label)


pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, ShortNote)


class LinkNotesToSources(SphinxPostTransform):
    """Each chapter note's words link to its source's full entry in the bibliography."""

    default_priority = 440  # before the note marks are joined (book_notes.py, 450): independent of them

    def run(self, **kwargs) -> None:
        domain = self.env.get_domain("cite")
        entries = {c.key: c for c in domain.citations}  # where each source's full entry is
        template = self.config.bibtex_footcite_id  # conf.py: "footcite-{key}"
        ids = {nodes.make_id(template.format(key=key)): key for key in domain.bibdata.data.entries}
        for note in self.document.findall(nodes.footnote):
            key = next((ids[n] for n in note["names"] if n in ids), None)
            if key is None:
                continue
            para = next(iter(note.findall(nodes.paragraph)), None)
            entry = entries.get(key)
            if para is None or entry is None:
                logger.warning("note %r: no entry for %r in the bibliography to link to", note["names"], key,
                               location=note, type="sources")
                continue
            words = list(para.children)
            para.clear()
            para += make_refnode(self.app.builder, self.env.docname, entry.bibliography_key.docname,
                                 entry.citation_id, words)


def setup(app):
    app.setup_extension("sphinxcontrib.bibtex")
    app.add_post_transform(LinkNotesToSources)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

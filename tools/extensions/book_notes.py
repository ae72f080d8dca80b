"""Note marks a patient can read and tap: one mark per sentence, "[1, 3]".

sphinxcontrib-bibtex writes one footnote reference per source, and the
``:fact:`` role adds one more after each value, so a sentence could carry
"[3][11]" or, in the PDF's superscripts, "¹³": notes 1 and 3 read as note 13
(an audit found it in the boxed warning), and two marks in one sentence
break its reading twice.  The print builder's comma between neighbours
(book_print.py) fixed the PDF only, so the three formats read differently.

This post-transform works on the doctree, for every builder alike:

* the note marks of one sentence (references side by side, or apart within
  the sentence, as a fact's citation and the sentence's own) become one
  mark at the place of the last: an ``inline`` of class ``note-marks``
  whose references are in note order, each note once, separated by a comma
  and a no-break space;
* the space before a mark goes ("risks[3]." not "risks [3] ."), and a word
  joiner (U+2060) goes before its bracket, so the mark never starts a line
  on its own; a reference left out as a repeat leaves its note's back-links
  too.

HTML and EPUB write the brackets around the whole mark, outside the links
("[1, 3]", each number its own link and tap target); the print edition
writes none (its stylesheet sets the mark as a superscript, "1, 3").  The
translators of every HTML-based builder get that from a small mixin, put
in front of whichever translator the builder uses when it starts.

Runs after the EPUB's tables-as-lists (book_epub_layout.py, priority 400),
which moves a header cell's references next to the table's caption.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

GROUP_CLASS = "note-marks"
SEPARATOR = ",\u00a0"  # one mark: never broken across lines, in any engine
# A sentence ends at . ! or ? (after any closing quote or bracket) before a space.
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(\s|$)")
# builders whose marks carry no brackets (the print builder raises them instead, book_typst.py)
UNBRACKETED = {"print"}
# builders whose marks may break after a comma: the EPUB's 6-inch lines at 16 pt
BREAKABLE = {"epub"}
# builders whose note links are 24 x 24 px targets (book.css): the site's
SIZED_TARGETS = {"html", "dirhtml"}


def _is_space(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Text) and not str(node).strip()


def _number(ref: nodes.footnote_reference) -> tuple[int, str]:
    label = ref.astext().strip()
    return (int(label), label) if label.isdigit() else (10**6, label)


def _runs(parent: nodes.Element) -> list[list[nodes.footnote_reference]]:
    """The note references of one sentence each, in a parent's direct children."""
    runs: list[list[nodes.footnote_reference]] = []
    current: list[nodes.footnote_reference] = []
    between = ""
    for child in parent.children:
        if isinstance(child, nodes.footnote_reference):
            current.append(child)
            between = ""
            continue
        text = child.astext()
        if current:
            between += text
            if SENTENCE_END.search(between):
                runs.append(current)
                current, between = [], ""
    if current:
        runs.append(current)
    return runs


def _strip_space_before(node: nodes.Node) -> None:
    """Take the whitespace (no-break spaces too) off the text before a mark."""
    while True:
        before = node.previous_sibling()
        if not isinstance(before, nodes.Text):
            return
        text = str(before).rstrip()
        if text == str(before):
            return
        if text:
            before.parent.replace(before, nodes.Text(text))
            return
        before.parent.remove(before)


class OneMarkPerSentence(SphinxPostTransform):
    """Join each sentence's note references into one ``note-marks`` inline."""

    default_priority = 450  # after book_epub_layout's tables-as-lists (400)

    def run(self, **kwargs) -> None:
        notes = {i: n for n in self.document.findall(nodes.footnote) for i in n["ids"]}
        parents = {id(r.parent): r.parent for r in self.document.findall(nodes.footnote_reference)
                   if not (isinstance(r.parent, nodes.inline) and GROUP_CLASS in r.parent["classes"])}
        for parent in parents.values():
            for run in _runs(parent):
                self.join(run, notes)

    def join(self, run: list[nodes.footnote_reference], notes: dict) -> None:
        kept: dict[str, nodes.footnote_reference] = {}
        for ref in run:
            if ref["refid"] in kept:  # the same note twice in one sentence: once is enough
                note = notes.get(ref["refid"])
                if note is not None:
                    note["backrefs"] = [b for b in note["backrefs"] if b not in ref["ids"]]
            else:
                kept[ref["refid"]] = ref
        last = run[-1]
        parent = last.parent
        group = nodes.inline(classes=[GROUP_CLASS])
        parent.replace(last, group)
        for ref in run[:-1]:
            _strip_space_before(ref)
            parent.remove(ref)
        _strip_space_before(group)
        for i, ref in enumerate(sorted(kept.values(), key=_number)):
            if i:
                group += nodes.Text(SEPARATOR)
            group += ref


class NoteMarksMixin:
    """HTML translators: a ``note-marks`` inline is written "[1, 3]", its links without brackets."""

    def _in_group(self, node: nodes.Node) -> bool:
        return isinstance(node.parent, nodes.inline) and GROUP_CLASS in node.parent["classes"]

    def _brackets(self) -> tuple[str, str]:
        # A word joiner first: a line may break between "30%" or ")" and "[" (Unicode
        # line breaking allows it), never before a joiner.  Raised marks need none.
        return ("", "") if self.builder.name in UNBRACKETED else ("\u2060[", "]")

    def visit_inline(self, node):
        super().visit_inline(node)
        if GROUP_CLASS in node["classes"]:
            self.body.append(self._brackets()[0])

    def depart_inline(self, node):
        if GROUP_CLASS in node["classes"]:
            self.body.append(self._brackets()[1])
        super().depart_inline(node)

    def _sized(self) -> bool:
        """The site's marks are 24 px tap targets (book.css): each link says how many
        digits it has (nd1) and the link before it (pd1), so the stylesheet can lay
        the targets side by side without gaps inside "[3]" or before a comma."""
        return self.builder.name in SIZED_TARGETS

    def visit_Text(self, node):
        before = node.parent[node.parent.index(node) - 1] if self._in_group(node) else None
        if self.builder.name in BREAKABLE and str(node) == SEPARATOR and before is not None:
            # "breastfeeding[11, 13]" is wider than a 6-inch line at 16 pt in a list:
            # MuPDF clipped it at the page edge.  In the EPUB the mark may break after a comma.
            self.body.append(self.encode(", "))
            raise nodes.SkipNode
        super().visit_Text(node)

    def visit_footnote_reference(self, node):
        super().visit_footnote_reference(node)
        if self._in_group(node):  # the bracket the translator wrote after <a ...>
            self.body[-1] = re.sub(r'^(?:<span class="fn-bracket">)?\[(?:</span>)?$', "", self.body[-1])
            tag = re.match(r'(<a [^>]*class="footnote-reference[^"]*)(")', self.body[-2])
            if self._sized() and tag:
                classes = f" nd{len(node.astext().strip())}"
                at = node.parent.index(node)
                if at >= 2 and isinstance(node.parent[at - 2], nodes.footnote_reference):
                    classes += f" pd{len(node.parent[at - 2].astext().strip())}"  # the digits before it
                self.body[-2] = f"{tag.group(1)}{classes}{self.body[-2][tag.end(1):]}"

    def depart_footnote_reference(self, node):
        super().depart_footnote_reference(node)
        if self._in_group(node):  # ... and before </a>
            self.body[-2] = re.sub(r'^(?:<span class="fn-bracket">)?\](?:</span>)?$', "", self.body[-2])


def add_mixin(app) -> None:
    """Put NoteMarksMixin in front of the translator this builder uses (book_html,
    book_epub, book_print, or Sphinx's own)."""
    base = app.builder.get_translator_class()
    if isinstance(base, type) and issubclass(base, HTML5Translator) and not issubclass(base, NoteMarksMixin):
        app.set_translator(app.builder.name, type(f"NoteMarks{base.__name__}", (NoteMarksMixin, base), {}),
                           override=True)


def setup(app):
    app.add_post_transform(OneMarkPerSentence)
    app.connect("builder-inited", add_mixin)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

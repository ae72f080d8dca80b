"""Notes, links and index terms, for the Typst writer (book_typst.py).

Each link is recorded with what it is ("Source 3", "Call 911", "Poison Help,
1-800-222-1222", "Page about tolerance"), in the order of the text: Typst
writes "page 12" and "Telephone +1..." as a link's alternate text, and
print_pdf.py replaces them in that order.

An index entry's terms are looked for in the text that follows it, within
its section; the first words of each get a label of their own, and the index
gives that label's page: the page where the term stands, not where its
section (or the paragraph before it) starts.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes


from book_typst_text import escape, string


class LinksMixin:
    """The parts of TypstWriter that write notes, links and index labels."""

    def target(self, ref: str) -> str:
        ref = self.alias.get(ref, ref)
        return f"<{ref}>"

    def link(self, target: str, body, alt: str, kind: str = "internal") -> str:
        """A link; ``body`` is the words, or the node whose children are."""
        self.links.append({"kind": kind, "target": target, "alt": " ".join(alt.split())})
        before = self.flush()
        if not isinstance(body, str) and self.wanted and not self.in_title:
            found = self.find_terms(escape(body.astext()))  # a term's words in a link: its label before it
            before += "".join(re.findall(r"#metadata\(none\)<[^>]+>", found))
        if not isinstance(body, str):
            self.in_link += 1
            body = self.children(body)
            self.in_link -= 1
        return f"{before}#link({target})[{body}]"

    def n_index(self, node) -> str:
        """Each term of an index entry is looked for in the text that follows, within the
        index entry's section: its page number is then the page of its words."""
        for kind, value, tid, _main, _key in node["entries"]:
            # the target's id, renamed where chapters share it, moved to a section by docutils
            anchor = next((i for i in (f"{self.docname}--{tid}", tid) if i in self.alias or i in self.all_ids), tid)
            anchor = self.alias.get(anchor, anchor)
            if kind in ("see", "seealso") or isinstance(node.parent, nodes.term):
                continue  # a glossary's term: its own id is where it stands
            term = value.split(";")[0].strip()
            words = re.findall(r"\w+", term)
            if words:
                stem = r"\W+".join(re.escape(w[:max(5, len(w) - 2)]) for w in words)
                self.wanted.append((anchor, term, re.compile(rf"\b{stem}", re.I), owner(node)))
        return ""

    def find_terms(self, text: str) -> str:
        """``text`` (escaped) with a label before the first words of each index term it holds."""
        hits = []
        for item in self.wanted:
            m = item[2].search(text)
            if m:
                hits.append((m.start(), item))
        for start, item in sorted(hits, key=lambda h: -h[0]):
            label = f"{item[0]}--term-{len(self.found)}"
            self.found[(item[0], item[1].lower())] = label
            self.wanted.remove(item)
            text = f"{text[:start]}#metadata(none)<{label}>{text[start:]}"
        return text

    def n_inline(self, node) -> str:
        if "note-marks" in node["classes"]:
            before = node.previous_sibling() if node.parent else None
            apart = before is not None and re.search(r"\d$", before.astext().replace("\u2060", "").rstrip())
            return self.ids(node) + ("#mark-apart[" if apart else "#mark[") + self.children(node) + "]"
        return self.ids(node) + self.children(node)

    def n_footnote_reference(self, node) -> str:
        self.ids(node)
        number = node.astext().strip()
        body = self.link(self.target(node["refid"]), escape(number), f"Source {number}")
        in_mark = isinstance(node.parent, nodes.inline) and "note-marks" in node.parent["classes"]
        return body if in_mark else f"#mark[{body}]"

    def n_footnote(self, node) -> str:
        self.ids(node)
        # the first note of a chapter's list stands apart from the text above it
        first = not isinstance(node.previous_sibling(), nodes.footnote)
        return f"\n\n#fnote({'first: true, ' if first else ''})[{self.children(node)}]\n\n"

    def n_citation(self, node) -> str:  # the bibliography: in the body size, unlike a chapter's sources
        self.ids(node)
        return f"\n\n#citation[{self.children(node)}]\n\n"

    def n_label(self, node) -> str:
        number, back = node.astext().strip(), node.parent.get("backrefs", [])
        if not back:
            return f"#fnote-label[{self.text(number)}]"
        alt = f"Back to the text where source {number} is cited"
        return f"#fnote-label[{self.link(self.target(back[0]), escape(number), alt)}]"

    def n_reference(self, node) -> str:
        self.ids(node)
        if "image-reference" in node["classes"]:  # a link to the image file: useless on paper
            return self.children(node)
        words, uri = node.astext(), node.get("refuri", "")
        if node.get("refid") or uri.startswith("#"):
            return self.link(self.target(node.get("refid") or uri[1:]), node, words or "Go to the page")
        if uri.startswith("tel:"):
            return self.link(string(uri), node, phone_alt(node, words), "external")
        return self.link(string(uri), node, words or uri, "external")

    def n_target(self, node) -> str:
        return self.ids(node) if not node.get("refuri") else ""


def owner(index: nodes.Node) -> nodes.Node:
    """Where an index entry's terms are looked for: the section that follows it when
    nothing but targets stands between them (docutils leaves an entry written before
    a section's title at the end of the section before), else the entry's parent."""
    parent = index.parent
    rest = [c for c in parent.children[parent.index(index) + 1:] if not isinstance(c, (nodes.target, addnodes.index))]
    if rest and isinstance(rest[0], nodes.section):
        return rest[0]
    if not rest:
        return parent.next_node(nodes.section, descend=False, siblings=True, ascend=True) or parent
    return parent


def phone_alt(node, words: str) -> str:
    """ "Call 911"; "Poison Help, 1-800-222-1222" where the sentence names whom the number reaches."""
    before = node.parent.astext().split(words)[0] if words in node.parent.astext() else ""
    named = re.search(r"[Cc]all (?:or text )?((?:[A-Z0-9][\w&]* ?)+) at\s*$", before)
    return f"{named.group(1).strip()}, {words}" if named else f"Call {words}"

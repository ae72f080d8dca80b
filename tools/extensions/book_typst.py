"""The print builder's doctree as Typst markup (book_print.py writes it, print_pdf.py compiles it).

Every node becomes a call of a function of the template beside this file
(``book_print.typ``): ``#heading``, ``#admon``, ``#mark``, ``#fnote`` ...; the
look of the three editions lives there, none of it here.  A node type this
writer does not know fails the build: it would otherwise vanish from the PDF.

Ids become Typst labels.  A section's first id labels its heading (its other
ids, and its chapter's ``document-...`` id, link there too); any other id is
a ``#metadata`` label put before the next word of text, so an index entry's
page number is the page of the words it points at, not the end of the page
before them.

Each link is recorded with what it is ("Source 3", "Call 911"), in the order
of the text: Typst writes "page 12" and "Telephone +1..." as a link's
alternate text, and print_pdf.py replaces them in that order.
"""

from __future__ import annotations

import json
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import admonitionlabels

ESCAPE = re.compile(r"([\\#*_`$<>@=\-+/~\[\]'\".])")
SKIP = {"comment", "substitution_definition", "raw", "toctree", "meta", "system_message",
        "colspec", "pending_xref_condition", "only"}
PASS = {"start_of_file", "container", "compound", "compact_paragraph", "glossary", "inline", "tgroup",
        "legend", "abbreviation", "number_reference", "literal_emphasis", "literal_strong", "desc_inline"}
WRAP = {"emphasis": "#emph[", "strong": "#strong[", "subscript": "#sub[", "superscript": "#super[",
        "literal": "#code[", "title_reference": "#emph[", "rubric": "\n\n#rubric[",
        "block_quote": "\n\n#quote(block: true)[", "attribution": "\n\n#attribution["}
BOXES = (nodes.Admonition, nodes.topic, nodes.sidebar)


def escape(text: str) -> str:
    return ESCAPE.sub(r"\\\1", text)


def string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class TypstWriter:
    def __init__(self, builder, tree: nodes.document):
        self.builder, self.config = builder, builder.config
        self.pending: list[str] = []   # ids waiting for the next word
        self.in_title = self.in_link = self.level = 0
        self.docname = ""
        self.links: list[dict] = []    # what each link is, in reading order
        self.alias: dict[str, str] = {}
        self.wanted: list[tuple] = []  # index terms to find in the text: (anchor, term, pattern, owner)
        self.found: dict[tuple[str, str], str] = {}  # (anchor, term) -> the label at the term's words
        self.all_ids = {i for node in tree.findall(nodes.Element) for i in node.get("ids", [])}
        for section in tree.findall(nodes.section):
            for other in section["ids"][1:]:
                self.alias[other] = section["ids"][0]
        for start in tree.findall(addnodes.start_of_file):
            first = next(iter(start.findall(nodes.section)), None)
            for i in start.get("ids", []):
                if first is not None and first["ids"]:
                    self.alias[i] = first["ids"][0]

    # -- the walk ------------------------------------------------------------------
    def render(self, node) -> str:
        if isinstance(node, nodes.Text):
            return self.text(str(node))
        name = node.tagname
        if name in SKIP:
            return ""
        method = getattr(self, "n_" + name, None)
        if method:
            return method(node)
        if isinstance(node, BOXES):
            return self.box(node)
        if name in WRAP:
            return self.ids(node) + WRAP[name] + self.children(node) + "]" + ("\n\n" if "\n" in WRAP[name] else "")
        if name in PASS:
            out = self.ids(node) + self.children(node)
            self.wanted = [w for w in self.wanted if w[3] is not node]  # not found in its section: the anchor
            return out
        raise NotImplementedError(f"{node.source}:{node.line}: the Typst writer has no rule for a {name} node")

    def children(self, node, sep: str = "") -> str:
        return sep.join(self.render(child) for child in node.children)

    def ids(self, node) -> str:
        self.pending += [i for i in node.get("ids", []) if i not in self.alias]
        return ""

    def text(self, text: str) -> str:
        text = escape(text.replace("\n", " ").replace("\u2060", ""))
        if not text.strip() or self.in_title or self.in_link:
            return text
        return self.flush() + (self.find_terms(text) if self.wanted else text)

    def flush(self) -> str:
        """The waiting ids as labels here (never inside a link's words: Typst loses them there)."""
        labels, self.pending = "".join(f"#metadata(none)<{i}>" for i in self.pending), []
        return labels

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

    # -- blocks ----------------------------------------------------------------------
    def n_document(self, node) -> str:
        return self.children(node)

    def n_start_of_file(self, node) -> str:
        self.docname = node["docname"]
        return self.children(node)

    def n_section(self, node) -> str:
        if "print-contents" in node["classes"]:
            return "\n\n#contents-page()\n\n"
        self.level += 1
        out = self.children(node)
        self.level -= 1
        self.wanted = [w for w in self.wanted if w[3] is not node]
        return out

    def n_index(self, node) -> str:
        """Each term of an index entry is looked for in the text that follows, within the
        index entry's section: its page number is then the page of its words."""
        for kind, value, tid, _main, _key in node["entries"]:
            # the target's id, renamed where chapters share it, moved to a section by docutils
            anchor = next((i for i in (f"{self.docname}--{tid}", tid) if i in self.alias or i in self.all_ids), tid)
            anchor = self.alias.get(anchor, anchor)
            if kind in ("see", "seealso"):
                continue
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

    def n_title(self, node) -> str:
        parent = node.parent
        self.in_title += 1
        body = self.children(node)
        self.in_title -= 1
        if isinstance(parent, nodes.section):
            label = f" <{parent['ids'][0]}>" if parent["ids"] else ""
            return f"\n\n#heading(level: {min(self.level, 4)})[{body}]{label}\n\n"
        return f"#box-title[{body}]\n\n"  # a box's or a table's title

    def n_paragraph(self, node) -> str:
        body = self.ids(node) + self.children(node)
        return body + " " if isinstance(node.parent, (nodes.footnote, nodes.citation)) else f"\n\n{body}\n\n"

    def box(self, node) -> str:
        kind = node.tagname if node.tagname != "admonition" else (node["classes"] or ["note"])[0]
        title = "" if isinstance(node.children[0], nodes.title) else \
            f"#box-title[{self.text(admonitionlabels.get(node.tagname, kind.title()))}]\n\n"
        kinds = string(" ".join([node.tagname, *node["classes"]]))
        return f"\n\n#admon({kinds})[{self.ids(node)}{title}{self.children(node)}]\n\n"

    def n_bullet_list(self, node) -> str:
        return self.ids(node) + "\n\n#list(" + self.children(node, ", ") + ")\n\n"

    def n_enumerated_list(self, node) -> str:
        return self.ids(node) + f"\n\n#enum(start: {node.get('start', 1)}, " + self.children(node, ", ") + ")\n\n"

    def n_list_item(self, node) -> str:
        return "[" + self.ids(node) + self.children(node) + "]"

    def n_definition_list(self, node) -> str:
        return self.ids(node) + "\n\n#terms(" + self.children(node, ", ") + ")\n\n"

    def n_definition_list_item(self, node) -> str:
        term = "".join(self.render(c) for c in node.children if isinstance(c, nodes.term))
        rest = "".join(self.render(c) for c in node.children if not isinstance(c, nodes.term))
        return f"terms.item[{term}][{rest}]"

    def n_term(self, node) -> str:
        return self.ids(node) + self.children(node)

    def n_definition(self, node) -> str:
        return self.children(node)

    def n_line_block(self, node) -> str:
        return "\n\n" + " \\\n".join(self.render(line) for line in node.children) + "\n\n"

    def n_line(self, node) -> str:
        return self.children(node)

    def n_literal_block(self, node) -> str:
        return f"\n\n#raw(block: true, {string(node.astext())})\n\n"

    def n_transition(self, node) -> str:
        return "\n\n#line(length: 30%)\n\n"

    # -- figures and tables ------------------------------------------------------------
    def number(self, node, figtype: str) -> str:
        for i in node["ids"]:
            # singlehtml's numbers: {root: {"doc/figure": {id: (1,)}}}
            numbers = self.builder.env.toc_fignumbers.get(self.config.root_doc, {})
            found = numbers.get(f"{self.docname}/{figtype}", {}).get(i.removeprefix(f"{self.docname}--"))
            if found:
                return self.config.numfig_format[figtype] % ".".join(map(str, found)) + " "
        return ""

    def n_figure(self, node) -> str:
        self.ids(node)
        image = next(node.findall(nodes.image))
        caption = "".join(self.render(c) for c in node.children if isinstance(c, (nodes.caption, nodes.legend)))
        number = self.number(node, "figure")
        return (f"\n\n#book-figure({self.image_path(image)}, {string(image.get('alt', ''))}, "
                f"[#strong[{self.text(number.strip())}] {caption}])\n\n")

    def image_path(self, image) -> str:
        return string("_images/" + self.builder.images[image["uri"]])

    def n_image(self, node) -> str:
        return f"\n\n#book-image({self.image_path(node)}, {string(node.get('alt', ''))})\n\n"

    def n_caption(self, node) -> str:
        return self.children(node)

    def n_table(self, node) -> str:
        self.ids(node)
        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        caption = ""
        if title is not None:
            caption = f"#strong[{self.text(self.number(node, 'table').strip())}] " + self.children(title)
        group = next(node.findall(nodes.tgroup))
        widths = ", ".join(f"{c.get('colwidth', 1)}fr" for c in group.findall(nodes.colspec))
        head = [self.row(r) for part in group.findall(nodes.thead) for r in part.children]
        body = [self.row(r) for part in group.findall(nodes.tbody) for r in part.children]
        # a header row repeated on the next page is an artifact, where a note mark may not be
        repeat = "false" if "#link(" in "".join(head) else "true"
        header = f"table.header(repeat: {repeat}, {', '.join(head)}), " if head else ""
        return f"\n\n#book-table([{caption}], columns: ({widths},), {header}{', '.join(body)})\n\n"

    def row(self, row) -> str:
        cells = []
        for entry in row.children:
            span = f"colspan: {entry.get('morecols', 0) + 1}, rowspan: {entry.get('morerows', 0) + 1}"
            cells.append(f"table.cell({span})[{self.ids(entry)}{self.children(entry)}]")
        return ", ".join(cells)

    # -- notes and links -------------------------------------------------------------
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
        return f"\n\n#fnote[{self.children(node)}]\n\n"

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

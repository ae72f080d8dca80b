"""The print builder's doctree as Typst markup (book_print.py writes it, print_pdf.py compiles it).

Every node becomes a call of a function of the template beside this file
(``book_print.typ``): ``#heading``, ``#admon``, ``#mark``, ``#fnote`` ...; the
look of the three editions lives there, none of it here.  A node type this
writer does not know fails the build: it would otherwise vanish from the PDF.

Ids become Typst labels.  A section's first id labels its heading (its other
ids, and its chapter's ``document-...`` id, link there too); any other id is
a ``#metadata`` label put before the next word of text (never inside a
link's words, where Typst loses it), so a link leads to the words, not to the
end of the page before them.  Notes, links and index terms:
book_typst_links.py.
"""

from __future__ import annotations

from book_typst_links import LinksMixin
from book_typst_text import escape, string
from docutils import nodes
from sphinx import addnodes
from sphinx.locale import admonitionlabels

SKIP = {"comment", "substitution_definition", "raw", "toctree", "meta", "system_message",
        "colspec", "pending_xref_condition", "only"}
PASS = {"start_of_file", "container", "compound", "compact_paragraph", "glossary", "inline", "tgroup",
        "legend", "abbreviation", "number_reference", "literal_emphasis", "literal_strong", "desc_inline"}
WRAP = {"emphasis": "#emph[", "strong": "#strong[", "subscript": "#sub[", "superscript": "#super[",
        "literal": "#code[", "title_reference": "#emph[", "rubric": "\n\n#rubric[",
        "block_quote": "\n\n#quote(block: true)[", "attribution": "\n\n#attribution["}
BOXES = (nodes.Admonition, nodes.topic, nodes.sidebar)


class TypstWriter(LinksMixin):
    """``TypstWriter(builder, tree).render(tree)``: the book as Typst markup."""

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
        return self.ids(node) + self.children(node)

    def n_definition_list_item(self, node) -> str:
        term = "".join(self.render(c) for c in node.children if isinstance(c, nodes.term))
        rest = "".join(self.render(c) for c in node.children if not isinstance(c, nodes.term))
        return f"\n\n#term-item[{term}][{rest}]\n\n"

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

"""Search summaries that work offline: from the book's own text, not by fetching pages.

Sphinx's search page (searchtools.js) shows under each result a few lines
of the page around the word searched for, and to get them it ``fetch``-es
every result page.  A reader of the HTML zip opens ``index.html`` from
disk, and a browser refuses ``fetch`` on ``file://`` (a CORS error in the
console for each result), so the results were bare titles.  Results that
point at an index entry (``#index-N``) threw a TypeError as well: the
anchor is an empty ``<span>``, searchtools.js finds no text in it and hands
``null`` to ``appendChild``.

Here the build writes the text of every page once, into
``_static/book-search-text.js``, a script that ``search.html`` loads (as it
loads ``searchindex.js``, which works from disk too); and
``_static/book-search.js`` adds the summaries from it.  Sphinx's own
summaries, and so its fetches, are turned off through the public setting
``html_show_search_summary`` (``DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY``).
No function of searchtools.js is replaced: searchtools.js offers no hook
for summaries (``Search.makeSearchSummary`` is only called after a fetch),
so book-search.js watches the result list for the items Sphinx adds and
reads each one's link.  tests/test_browser.py searches from ``file://`` and
over HTTP, so a Sphinx that changes that list fails there.

The text is taken from the written pages (the ``role="main"`` article that
searchtools.js reads too), with a space between block elements, so that a
glossary term and its definition stay apart ("dependence: The", not
"dependenceThe"); a colon ends a heading, a term and a box title.  For each element with an id it records where its text
starts and ends.  An index entry's target (``<span id="index-3">``, empty,
or the paragraph it marks) gets the rest of its section; a glossary term its
definition too; a section starts after its heading, which the result's link
already shows.  The summary is the few lines of that around the word searched for.

A rebuild parses only the pages whose HTML changed: each page's text is kept
in the doctree folder (``book-search-text.json``) with a hash of its HTML and
of this module, so the edit-and-rebuild loop of an author stays short.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

TEXT_FILE = "_static/book-search-text.js"
KEPT_FILE = "book-search-text.json"  # in the doctree folder: each page's text, by the hash of its HTML
CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # a change of the rules here: parse all again
SCRIPT = "book-search.js"

# Elements whose text is a block of its own: a space goes before and after.
BLOCKS = frozenset(
    "address article aside blockquote br caption dd details div dl dt figcaption figure footer h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
SECTIONS = frozenset(("section", "article", "main"))  # an empty target marks the rest of one
# An index entry's target (Sphinx's "index-N", on an empty span or on the paragraph it
# marks): its summary is the rest of the section, where the word indexed is.
INDEX_TARGET = re.compile(r"index-\d+")
# Not text a reader reads: the "#" permalinks, scripts and styles (as searchtools.js drops them).
DROPPED = ".headerlink, script, style"
SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not U+00A0: "0.5 mg" keeps its no-break space


def is_title(element: Tag) -> bool:
    """A heading, a glossary term or a box title: the text after it is what it names."""
    return element.name in HEADINGS or element.name == "dt" or (
        element.name == "p" and bool({"admonition-title", "rubric"} & set(element.get("class", []))))


def is_site(builder) -> bool:
    """The web site only, not the EPUB or the print document."""
    return builder.format == "html" and not builder.name.startswith("epub") and builder.name != "print"


class PlainText:
    """A page's text with runs of white space made one space, and where each id's text lies."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.space = False  # a space is owed before the next word
        self.anchors: dict[str, list[int]] = {}

    def add(self, text: str) -> None:
        text = SPACES.sub(" ", text)
        if text.startswith(" "):
            self.space = True
        words = text.strip(" ")
        if not words:
            return
        if self.space and self.length and not self.parts[-1].endswith("\xa0"):
            self.parts.append(" ")
            self.length += 1
        self.parts.append(words)
        self.length += len(words)
        self.space = text.endswith(" ")

    def here(self) -> int:
        """Where the next word will start."""
        return self.length + (1 if self.space and self.length else 0)

    def walk(self, element: Tag) -> list[str]:
        """Add an element's text and note where each id's text lies.

        Returns the ids of the empty targets in it that are still open: an index
        entry's ``<span id="index-3">`` marks the rest of its section."""
        if element.name in BLOCKS:
            self.space = True
        start = self.here()
        ident = element.get("id") if element.name != "a" else None  # ids on links: back-link targets
        open_targets: list[str] = []
        terms: list[str] = []  # glossary terms, and whether their definition has begun
        defined = False
        body = None  # where a section's text starts, after its heading
        for child in element.children:
            if isinstance(child, Tag):
                at = self.here()
                open_targets += self.walk(child)
                if child.name in HEADINGS and body is None and at == start:
                    body = self.here()
                elif child.name == "dt":
                    terms, defined = ([] if defined else terms) + ([child["id"]] if child.get("id") else []), False
                elif child.name == "dd":  # a term's summary is the term and its definition
                    defined = True
                    for term in terms:
                        self.anchors[term][1] = self.length
            elif type(child) is NavigableString:  # not a comment
                self.add(str(child))
        if is_title(element) and self.parts and self.parts[-1][-1:].isalnum():
            self.parts[-1] += ":"  # "absence seizure: A brief seizure", not "absence seizure A brief seizure"
            self.length += 1
        if element.name in BLOCKS:
            self.space = True
        if ident:
            self.anchors[ident] = [start, self.length]
            if self.length <= start or INDEX_TARGET.fullmatch(ident):
                open_targets.append(ident)
        if body is not None:  # the result's link names the section: its summary starts after the heading
            for target in open_targets + ([ident] if ident else []):
                self.anchors[target][0] = max(self.anchors[target][0], body)
        if element.name in SECTIONS:
            for target in open_targets:
                self.anchors[target][1] = self.length
            return []
        return open_targets


def page_text(html: str) -> dict:
    """The text of a page's main content, and its anchors: {"text": ..., "anchors": {id: [start, end]}}."""
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find(attrs={"role": "main"})
    if main is None:
        return {"text": "", "anchors": {}}
    for element in main.select(DROPPED):
        element.decompose()
    plain = PlainText()
    for target in plain.walk(main):  # an empty target at the very end: the page's end
        plain.anchors[target][1] = plain.length
    anchors = {k: [s, min(e, plain.length)] for k, (s, e) in plain.anchors.items() if k != main.get("id")}
    return {"text": "".join(plain.parts), "anchors": anchors}


def add_scripts(app, pagename, templatename, context, doctree) -> None:
    """The search page alone loads the text (200 KB, 60 KB compressed) and the script that uses it."""
    if is_site(app.builder) and pagename == "search":
        app.add_js_file(TEXT_FILE.removeprefix("_static/"))
        app.add_js_file(SCRIPT)


def write_text(app, exception) -> None:
    """After every page is written: the text of each, keyed by its name as the search index has it."""
    if exception is not None or not is_site(app.builder):
        return
    outdir, kept_file = Path(app.outdir), Path(app.doctreedir) / KEPT_FILE
    try:
        kept = json.loads(kept_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = {}
    pages, hashes = {}, {}
    for docname in sorted(app.env.found_docs):
        path = outdir / (docname + app.builder.out_suffix)
        if path.is_file():
            html = path.read_bytes()
            hashes[docname] = hashlib.sha256(CODE.encode() + html).hexdigest()
            old = kept.get(docname)
            pages[docname] = old["text"] if old and old["hash"] == hashes[docname] else page_text(html.decode())
    kept_file.write_text(json.dumps({name: {"hash": hashes[name], "text": pages[name]} for name in pages},
                                    ensure_ascii=False), encoding="utf-8")
    data = json.dumps(pages, ensure_ascii=False, separators=(",", ":"))
    (outdir / TEXT_FILE).write_text(
        "/* The text of every page, for the search page's summaries (book_search.py). */\n"
        f"window.BOOK_SEARCH_TEXT = {data};\n", encoding="utf-8")


def forget_old_text(app) -> None:
    # Sphinx stamps a script link with the checksum of the file on disk: not the last build's.
    (Path(app.outdir) / TEXT_FILE).unlink(missing_ok=True)


def turn_off_fetching_summaries(app, config) -> None:
    # Sphinx's summaries fetch each result page, which file:// refuses; book-search.js gives them.
    config.html_show_search_summary = False


def setup(app):
    app.connect("config-inited", turn_off_fetching_summaries)
    app.connect("builder-inited", forget_old_text)
    # Before book_html.trim_assets, which gives the page a copy of its script list.
    app.connect("html-page-context", add_scripts, priority=400)
    app.connect("build-finished", write_text)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

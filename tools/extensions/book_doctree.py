"""What Sphinx parsed, checked: files from outside source/, raw and only, links.

``book_inputs.py`` reads source lines, and a line check misses a directive in
a bullet (``- .. include:: ../../../etc/passwd``), a table cell or an
admonition, and a role split over two lines.  The probe of issue 25
published ``/etc/passwd`` through each.  Here the same rules hold wherever
the markup sits:

* ``include``, ``literalinclude`` (and its ``:diff:``), ``csv-table :file:``
  and ``raw :file:`` are checked **as directives**, before they read
  anything: the file must resolve (symbolic links followed) inside
  ``source/``; docutils' ``<standard>`` includes and any ``:url:`` are
  refused.  A refused directive reads nothing and leaves a warning.
* After each document is read (``doctree-read``, before Sphinx's own
  collectors copy images and downloads), its doctree is walked: an image
  (figure, substitution, table cell) or a download outside ``source/`` or on
  another host, any ``raw`` node and any ``only`` node (unless conf.py lists
  it: ``book_raw_allowed``, ``book_only_allowed``), and any link that
  breaks the link policy (``link_policy.py``: https to ASCII hosts, tel:
  from the phone table) are refused and taken out of the doctree.
* A chapter's ``.. reviewed::`` date after today is refused.

Every warning names the file and line; under ``-W`` it fails the build.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst.directives.misc import Raw
from link_policy import link_problem, load_phones, phone_table_problems
from sphinx import addnodes
from sphinx.directives.code import LiteralInclude
from sphinx.directives.other import Include
from sphinx.directives.patches import CSVTable
from sphinx.util import logging

logger = logging.getLogger(__name__)

OUTSIDE = "the book inserts only files from inside source/"


def warn(message: str, location) -> None:
    if isinstance(location, nodes.Node):
        location = where(location)
    logger.warning(message, location=location, type="book", subtype="input")


def where(node: nodes.Node) -> str | nodes.Node:
    """'file:line' of a node; a node docutils left without a line (an image's target
    link) takes the line of what it holds, or of what holds it."""
    around = []
    parent = node.parent
    while parent is not None:
        around.append(parent)
        parent = parent.parent
    for candidate in [*node.findall(include_self=True), *around]:
        if getattr(candidate, "line", None) and candidate.source:
            return f"{candidate.source}:{candidate.line}"
    return node


def inside(env, target: str, docname: str | None = None) -> bool:
    _rel, resolved = env.relfn2path(target, docname)
    return Path(os.path.realpath(resolved)).is_relative_to(os.path.realpath(env.srcdir))


def path_problem(env, what: str, target: str, docname: str | None = None) -> str | None:
    """Why a file a directive or node would insert is refused; None if it is the book's own."""
    target = target.strip()
    if target.startswith("<") and target.endswith(">"):
        return (f"{what} {target}: docutils' standard includes are outside source/; "
                "the book inserts only its own files")
    if "://" in target or target.lower().startswith(("data:", "file:", "javascript:")):
        return (f"{what} {target!r} is on another host: the build loads nothing from another host; "
                "put the file in source/")
    if not inside(env, target, docname):
        real = os.path.realpath(env.relfn2path(target, docname)[1])
        return f"{what} {target!r} resolves to {real}, outside source/: {OUTSIDE}"
    return None


class Checked:
    """A directive that checks the files it would read before it reads them."""

    def location(self) -> str:
        source, line = self.state_machine.get_source_and_line(self.lineno)
        return f"{source}:{line}"

    def refused(self) -> list[str]:
        env = self.state.document.settings.env
        name = self.name
        problems = []
        if self.arguments and name in ("include", "literalinclude"):
            problems.append(path_problem(env, name, self.arguments[0]))
        for option in ("file", "diff"):
            if option in self.options:
                problems.append(path_problem(env, f"{name} :{option}:", self.options[option]))
        if "url" in self.options:
            problems.append(f"{name} :url: is refused: the build makes no network requests")
        return [p for p in problems if p]

    def run(self):
        problems = self.refused()
        for problem in problems:
            warn(problem, self.location())
        return [] if problems else super().run()


class CheckedInclude(Checked, Include):
    pass


class CheckedLiteralInclude(Checked, LiteralInclude):
    pass


class CheckedCSVTable(Checked, CSVTable):
    pass


class CheckedRaw(Checked, Raw):
    """raw reads its :file: or :url: as it runs: refuse those before; the node is refused below."""


# -- the doctree ---------------------------------------------------------------------------


def replace(node: nodes.Node, text: str = "") -> None:
    if text:
        node.replace_self(nodes.literal(text, text))
    else:
        node.parent.remove(node)


def check_doctree(app, doctree: nodes.document) -> None:
    env, docname = app.env, app.env.docname
    config = app.config
    phones = load_phones(Path(app.srcdir))

    for node in list(doctree.findall(nodes.raw)):
        if docname not in config.book_raw_allowed:
            warn("raw markup is refused wherever it stands (a list, a table, a role): the book has "
                 "none, and raw output bypasses every check of what is published "
                 "(conf.py book_raw_allowed lists the pages that may hold it)", node)
            replace(node)
    for node in list(doctree.findall(addnodes.only)):
        if node.get("expr", "") not in config.book_only_allowed:
            warn(f"'only:: {node.get('expr', '')}' is refused wherever it stands: every edition "
                 "shows the same content (conf.py book_only_allowed lists the exceptions)", node)
            replace(node)
    for node in list(doctree.findall(nodes.image)):
        uri = node.get("uri", "")
        problem = path_problem(env, "image", uri, docname)
        if problem:
            warn(problem, node)
            replace(node, node.get("alt", ""))
    for node in list(doctree.findall(addnodes.download_reference)):
        target = node.get("reftarget", "")
        problem = path_problem(env, ":download:", target, docname)
        if problem:
            warn(problem, node)
            replace(node, target)
    for node in list(doctree.findall(nodes.literal_block)):
        source = node.get("source")  # literalinclude records the file it read
        if source and node.get("language") != "udiff" and not Path(os.path.realpath(source)).is_relative_to(
                os.path.realpath(env.srcdir)) and os.path.isfile(source):
            warn(f"literalinclude {source!r} is outside source/: {OUTSIDE}", node)
            replace(node)
    from_bib = bib_link_targets(app)
    for node in list(doctree.findall(nodes.reference)):
        if "refuri" not in node:
            continue
        problem = link_problem(node["refuri"], node.astext(), phones)
        if problem:
            if node["refuri"] not in from_bib:  # book_sources.py names the .bib file and line
                warn(problem, node)
            node.replace_self(nodes.inline(node.astext(), node.astext()))
    reviewed = env.metadata.get(docname, {}).get("reviewed")
    if reviewed:
        try:
            day = dt.date.fromisoformat(reviewed)
        except ValueError:
            day = None  # book_meta.py reports it
        if day and day > dt.datetime.now(dt.timezone.utc).date():
            shown = [p for p in doctree.findall(nodes.paragraph) if "reviewed" in p["classes"]]
            warn(f"reviewed {reviewed} is after today: a review date is a day that has passed",
                 shown[0] if shown else (docname, None))


def bib_link_targets(app) -> set[str]:
    from book_sources import bib_urls

    return {url for bib in getattr(app.config, "bibtex_bibfiles", [])
            for _line, url in bib_urls(Path(app.confdir, bib))}


def check_phone_table(app) -> None:
    for problem in phone_table_problems(load_phones(Path(app.srcdir))):
        warn(problem, str(Path(app.srcdir) / "_data" / "phones.toml"))


def setup(app):
    app.add_config_value("book_raw_allowed", [], "env", types=[list])
    app.add_config_value("book_only_allowed", [], "env", types=[list])
    app.add_directive("include", CheckedInclude, override=True)
    app.add_directive("literalinclude", CheckedLiteralInclude, override=True)
    app.add_directive("csv-table", CheckedCSVTable, override=True)
    app.add_directive("raw", CheckedRaw, override=True)
    # before Sphinx's collectors (priority 500) copy images and downloads
    app.connect("doctree-read", check_doctree, priority=100)
    app.connect("builder-inited", check_phone_table)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""One source of truth for clinical values: the ``:fact:`` role.

The same numbers recur across the book (the half-life, the labelled doses,
side-effect frequencies).  Copied by hand they drift apart.  Each value lives
once in ``source/_data/facts.toml``; the text writes ``:fact:`half-life``` and
this extension renders the value, its unit and a citation of its source
(through sphinxcontrib-bibtex's ``footcite:p`` role), the same way in every
output format because it produces only standard docutils nodes.

The whole file is validated against its schema (``facts_schema.py``) when
the builder starts, before anything is read or drawn: an invalid value
stops the build with one line per error naming the file, the line and the
fact id.  An unknown id in the text is reported with the file and line,
which fails the build under ``-W``.  Every document that uses a fact depends on the data file, so
editing a value rebuilds the pages that show it.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives, roles
from sphinx.errors import ExtensionError

# load_facts is re-exported: tools/plainlanguage.py, book_figures.py and the tests use it.
from facts_schema import FactsError, load_facts
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

BIB_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else str(x)


def render(fact: dict) -> str:
    """The words a reader sees for one fact, without its citation."""
    if "text" in fact:
        return fact["text"]
    if "drug" in fact:
        unit = fact.get("unit", "")
        return f"{_num(fact['drug'])}{unit} vs {_num(fact['placebo'])}{unit}"
    if "low" in fact:
        value = f"{_num(fact['low'])} to {_num(fact['high'])}"
    else:
        value = _num(fact["value"])
    unit = fact.get("unit", "")
    if not unit:
        return value
    if unit == "%":
        return f"{value}%"
    # A no-break space keeps the number and its unit on one line.
    return f"{value}\u00a0{unit}"


def facts_path(env) -> Path:
    return Path(env.srcdir) / env.config.facts_file


def display_path(app, path: Path) -> str:
    """The path as a maintainer writes it, from the folder that holds the
    source folder: ``source/_data/facts.toml``."""
    top = Path(app.srcdir).parent
    return os.path.relpath(path, top) if path.is_relative_to(top) else str(path)


@functools.cache
def _load(path: Path, mtime_ns: int) -> dict[str, dict]:
    return load_facts(path)


def get_facts(env) -> dict[str, dict]:
    """The facts, read once per process and again whenever the file changes.

    Cached in the module, not on the environment: nothing of it is pickled.
    """
    path = facts_path(env)
    return _load(path, path.stat().st_mtime_ns)


def check_facts(app) -> None:
    """Validate the whole file before any document is read (builder-inited).

    Each error is one line, ``source/_data/facts.toml:LINE: fact 'id': ...``;
    then the build stops.  ``SystemExit``, not an exception: Sphinx prints an
    exception with its version, the extension list and a traceback, and
    offers no public way to stop with a message alone.
    """
    path = facts_path(app.env)
    bibfiles = [Path(app.confdir) / f for f in getattr(app.config, "bibtex_bibfiles", [])]
    keys = {k for f in bibfiles if f.is_file() for k in BIB_KEY.findall(f.read_text("utf-8", "replace"))}
    try:
        load_facts(path, display=display_path(app, path), cite_keys=keys if bibfiles else None)
    except FactsError as exc:
        for name, line, message in exc.problems:
            logger.error(message, location=f"{name}:{line}", type="facts")
        raise SystemExit(1) from None


class FactRole(SphinxRole):
    """``:fact:`id``` renders a clinical value with its unit and source."""

    def run(self):
        facts = get_facts(self.env)
        self.env.note_dependency(str(facts_path(self.env)))
        fid = self.text.strip()
        fact = facts.get(fid)
        if fact is None:
            logger.warning(
                "unknown fact id %r (known ids are in %s)",
                fid,
                self.config.facts_file,
                location=self.get_location(),
                type="facts",
            )
            prb = nodes.problematic(self.rawtext, self.rawtext)
            return [prb], []
        text = render(fact)
        value = nodes.inline(text, text, classes=["fact"])
        value["fact_id"] = fid
        # sphinxcontrib-bibtex's own role makes the citation, so a fact's source
        # is numbered and listed like any other; docutils' roles.role() is the
        # lookup its parser uses (public in docutils.parsers.rst.roles).  The
        # sentence's marks are joined into one afterwards (book_notes.py).
        cite, messages = roles.role(
            "footcite:p", self.inliner.language, self.lineno, self.inliner.reporter
        )
        if cite is None:
            raise ExtensionError("the footcite:p role is not registered: "
                                 "load sphinxcontrib.bibtex before facts")
        key = fact["cite"]
        cite_nodes, cite_messages = cite(
            "footcite:p", f":footcite:p:`{key}`", key, self.lineno, self.inliner, {}, []
        )
        return [value, *cite_nodes], messages + cite_messages


class HalfLivesTable(SphinxDirective):
    """``.. half-lives-table:: half-life``: what is left of one dose after
    1, 2, 3 and 5 half-lives, computed from the half-life in the facts file."""

    required_arguments = 1
    option_spec = {"multiples": directives.unchanged}

    def run(self):
        facts = get_facts(self.env)
        self.env.note_dependency(str(facts_path(self.env)))
        fact = facts.get(self.arguments[0])
        if fact is None or "low" not in fact:
            raise self.error(f"half-lives-table: {self.arguments[0]!r} is not a fact with a range")
        multiples = [int(m) for m in self.options.get("multiples", "1 2 3 5").split()]
        title = ("Share of a single dose left in the body after each half-life "
                 "(arithmetic from the label's half-life, not measured values)")
        rows = [["Half-lives passed", "Time after the dose", "Share of the dose still in the body"]]
        for n in multiples:
            low, high = fact["low"] * n, fact["high"] * n
            when = f"{_num(low)} to {_num(high)} hours"
            if n > 1:
                when += f" (about {_days(low)} to {_days(high)} days)"
            share = 100 / 2**n
            rows.append([str(n), when, f"about {share:g}%" if share >= 10 else f"about {share:.0f}%"])
        return [_table(title, rows, widths=[20, 45, 35])]


def _days(hours: float) -> str:
    days = hours / 24
    return f"{days:.1f}".rstrip("0").rstrip(".") if days < 10 else f"{days:.0f}"


def _table(title: str, rows: list[list[str]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["colwidths-given"])
    table += nodes.title(title, title)
    group = nodes.tgroup(cols=len(widths))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    for part, part_rows in ((nodes.thead(), rows[:1]), (nodes.tbody(), rows[1:])):
        for cells in part_rows:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(cell, cell)
                row += entry
            part += row
        group += part
    return table


def setup(app):
    app.add_config_value("facts_file", "_data/facts.toml", "env", types=[str])
    # first: before book_figures draws from the facts
    app.connect("builder-inited", check_facts, priority=100)
    app.add_role("fact", FactRole())
    app.add_directive("half-lives-table", HalfLivesTable)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""Every chapter keeps the book's promises, or the build fails.

A chapter with only a title used to publish: the rules below were checked
by ``make test`` after the book was out.  Now every ``sphinx-build`` (so
``make book``, ``make html`` and Read the Docs) checks them, with the file
and line, once all documents are read:

* A **chapter** is each document in the root toctree, except reference
  pages: a page that holds the ``glossary``, ``bibliography`` or
  ``downloads`` directive.  The list is derived, so a new chapter cannot
  escape the rules.
* Every chapter and reference page has a **label** right before its title
  (``.. _name:``): cross-references use labels, never titles.
* Every chapter has a ``.. reviewed::`` **date** (book_meta.py) and **ends
  with** ``.. footbibliography::``, the list of the sources it cites.
* Every chapter is **clinical**, and so opens with a **Key points** box
  (``.. admonition:: Key points`` with ``:class: key-points``) before its
  first section, unless ``book_chapters_without_key_points`` names it.
  The default names the pages that are not a clinical chapter: ``help``
  (the emergency block comes first), ``about`` (front matter), ``key-facts``
  (the page is itself the book's key points) and ``sourcing`` (method, not
  medicine).  A name there that is not a chapter is an error, so the list
  cannot rot.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.utils import get_source_line
from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

REFERENCE_DIRECTIVES = re.compile(r"^\.\.\s+(glossary|bibliography|downloads)\s*::", re.MULTILINE)
LAST_LINE = ".. footbibliography::"
ENV_KEY = "book_chapters"  # {docname: what the checks need}, on the environment


def store(env, docname: str) -> dict:
    if not hasattr(env, ENV_KEY):
        setattr(env, ENV_KEY, {})
    return getattr(env, ENV_KEY).setdefault(docname, {})


def on_source_read(app, docname: str, content: list[str]) -> None:
    text = content[0]
    lines = text.rstrip().splitlines()
    record = store(app.env, docname)
    record["reference"] = bool(REFERENCE_DIRECTIVES.search(text))
    record["last"] = (len(lines), lines[-1].strip() if lines else "")


def on_doctree_read(app, doctree: nodes.document) -> None:
    env = app.env
    record = store(env, env.docname)
    if env.docname == app.config.root_doc:
        record["toctree"] = [doc for tree in doctree.findall(addnodes.toctree)
                             for doc in tree["includefiles"]]
    body = [n for n in doctree.children if not isinstance(n, (nodes.comment, nodes.substitution_definition))]
    section = next((n for n in body if isinstance(n, nodes.section)), None)
    # docutils gives a title the line of its underline; a reader looks for the words
    underline = get_source_line(section[0])[1] if section and section.children else None
    record["title_line"] = max(1, (underline or 2) - 1)
    record["label"] = (len(body) > 1 and isinstance(body[0], nodes.target)
                       and section is body[1] and body[0].get("refid") in section["ids"])
    record["reviewed"] = "reviewed" in env.metadata.get(env.docname, {})
    record["key_points"] = bool(section) and any(
        isinstance(n, nodes.admonition) and "key-points" in n["classes"]
        for n in section.children[: next((i for i, n in enumerate(section.children)
                                           if isinstance(n, nodes.section)), len(section.children))])


def on_purge_doc(app, env, docname: str) -> None:
    getattr(env, ENV_KEY, {}).pop(docname, None)


def on_merge_info(app, env, docnames, other) -> None:
    mine = getattr(env, ENV_KEY, None) or {}
    mine.update({d: r for d, r in getattr(other, ENV_KEY, {}).items() if d in docnames})
    setattr(env, ENV_KEY, mine)


def check_chapters(app, env) -> None:
    """env-check-consistency: every build, with every document read."""
    data = getattr(env, ENV_KEY, {})
    toctree = data.get(app.config.root_doc, {}).get("toctree", [])
    exempt = set(app.config.book_chapters_without_key_points)
    chapters = []
    for doc in toctree:
        record = data.get(doc)
        if record is None:
            continue  # Sphinx reports a toctree entry with no document
        where = (doc, record["title_line"])
        if not record["label"]:
            warn(f"{doc!r} has no label before its title: write '.. _{doc}:' and a blank line above it", where)
        if record["reference"]:
            continue
        chapters.append(doc)
        if not record["reviewed"]:
            warn(f"chapter {doc!r} has no review date: write '.. reviewed:: YYYY-MM-DD' under its title", where)
        if doc not in exempt and not record["key_points"]:
            warn(f"clinical chapter {doc!r} has no Key points box before its first section "
                 "('.. admonition:: Key points' with ':class: key-points')", where)
        line, last = record["last"]
        if last != LAST_LINE:
            warn(f"chapter {doc!r} does not end with '{LAST_LINE}' (the sources it cites)", (doc, line))
    for doc in sorted(exempt - set(chapters)):
        warn(f"book_chapters_without_key_points names {doc!r}, which is not a chapter", None)


def warn(message: str, location) -> None:
    logger.warning(message, location=location, type="book", subtype="chapter")


def setup(app):
    app.add_config_value("book_chapters_without_key_points",
                         ("help", "about", "key-facts", "sourcing"), "env", types=[tuple, list])
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-purge-doc", on_purge_doc)
    app.connect("env-merge-info", on_merge_info)
    app.connect("env-check-consistency", check_chapters)
    return {"version": "1.0", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}

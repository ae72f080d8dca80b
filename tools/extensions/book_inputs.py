"""The build reads only the book, and loads nothing from another host.

reStructuredText can pull in any file the build can read and, through
``raw``, any markup or URL: ``.. include:: ../../../etc/passwd`` put the
machine's password file into all three editions, and ``.. raw:: html``
with ``:url:`` made the build fetch a page.  This extension reads every
source (each document, and each file it includes) before docutils does and
fails the build, with the file and line, on:

* a file inserted from outside ``source/``: ``include``, ``literalinclude``,
  any ``:file:`` option (``csv-table``), ``literalinclude :diff:``,
  ``image``/``figure``, the
  ``:download:`` role; also through a symbolic link, and docutils' standard
  ``<...>`` includes;
* an image from another host (``http://...``, any URI scheme), and any
  ``:url:`` option: the build makes no network requests;
* ``raw`` (the directive, or a role based on it): the book has no raw
  markup, and raw output bypasses every check of what is published;
* ``only``: every edition shows the same content, checked in all three;
* a citation key that no ``.bib`` file defines (sphinxcontrib-bibtex names
  the line of the ``.. footbibliography::`` instead).

Each refused directive is also turned into a comment before docutils
parses the text (``source-read`` and ``include-read`` let an extension edit
it), so even an author's ``make html`` never fetches the URL or copies the
file; the warning fails the build under ``-W``.

The same rules also run on what Sphinx parsed (``book_doctree.py``, set up
from here): a directive in a bullet, a table cell or a numbered list, or a
role split over two lines, is invisible to a line scan.  The line scan stays
for what it says better: the exact line of a top-level directive, and
citation keys.

A scan of the source text, not an override of each directive: it needs no
private Sphinx classes, sees directives inside other directives and in
substitution definitions, and gives the exact line.  It errs on the side of
refusing (a refused directive quoted inside a literal block fails too).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?([\w:.-]+)\s*::(.*)$")
OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")
CITATION = re.compile(r":(?:foot)?cite(?::\w+)*:`([^`]+)`")
BIB_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")
DOWNLOAD = re.compile(r":download:`(?:[^`<]*<([^`>]+)>|([^`<]+))`")
URI_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
FILE_ARGUMENT = {"include", "literalinclude", "image", "figure"}
REFUSED = {
    "raw": "the raw directive is refused: the book has no raw markup, and raw output "
           "(with its :file: or :url:) bypasses every check of what is published",
    "only": "the only directive is refused: every edition shows the same content "
            "(tests/test_same_content.py checks it in all three)",
}


class Source:
    """One text being scanned: where its lines are, and whose paths it resolves."""

    def __init__(self, app, docname: str, path: Path, text: str):
        self.app, self.docname, self.path, self.lines = app, docname, path, text.splitlines()
        self.directive_line = 0  # the directive being scanned, if any
        self.refused: set[int] = set()  # lines of directives to turn into comments

    def warn(self, line: int, message: str) -> None:
        logger.warning(message, location=f"{self.path}:{line}", type="book", subtype="input")
        if self.directive_line:
            self.refused.add(self.directive_line)

    def check_path(self, line: int, what: str, target: str) -> None:
        """A file the build would insert must resolve (links followed) inside source/."""
        target = target.strip()
        if target.startswith("<") and target.endswith(">"):
            self.warn(line, f"{what} {target}: docutils' standard includes are outside source/; "
                            "the book inserts only its own files")
            return
        if URI_SCHEME.match(target):
            self.warn(line, f"{what} {target!r} is on another host: the build loads nothing from "
                            "another host; put the file in source/")
            return
        if not self._inside(target):
            real = os.path.realpath(self.app.env.relfn2path(target, self.docname)[1])
            self.warn(line, f"{what} {target!r} resolves to {real}, outside source/: "
                            "the book inserts only files from inside source/")

    def scan(self) -> None:
        keys = bib_keys(self.app)
        for number, line in enumerate(self.lines, 1):
            self.directive_line = 0
            for m in CITATION.finditer(line):
                for key in (k.strip() for k in m.group(1).split(",")):
                    if keys is not None and key not in keys:
                        self.warn(number, f"unknown citation key {key!r}: no .bib file defines it")
            for m in DOWNLOAD.finditer(line):
                self.check_path(number, ":download:", m.group(1) or m.group(2))
            m = DIRECTIVE.match(line)
            if not m:
                continue
            self.directive_line = number
            name, argument = m.group(2).lower(), m.group(3).strip()
            if name in REFUSED:
                self.warn(number, REFUSED[name])
            elif name == "role" and re.search(r"\(\s*raw\s*\)", argument):
                self.warn(number, f"role {argument!r} is refused: a role based on raw is raw markup")
            elif name in FILE_ARGUMENT and argument:
                self.check_path(number, name, argument)
            for offset, option, value in self.options(number, len(m.group(1))):
                if option == "url":
                    self.warn(offset, f"{name} :url: is refused: the build makes no network requests")
                elif option in ("file", "diff") and name not in REFUSED:  # diff: literalinclude
                    self.check_path(offset, f"{name} :{option}:", value)

    def neutralised(self, text: str) -> str:
        """The text with each refused directive turned into a comment, lines kept."""
        lines = list(self.lines)
        for number in self.refused:
            lines[number - 1] = lines[number - 1].replace("..", ".. refused", 1)
        for number, line in enumerate(lines):  # a :download: of a refused file: its words only
            lines[number] = DOWNLOAD.sub(lambda m: self._checked_download(m), line)
        return "\n".join(lines) + ("\n" if text.endswith("\n") else "")

    def _checked_download(self, m: re.Match) -> str:
        target = (m.group(1) or m.group(2)).strip()
        if URI_SCHEME.match(target) or not self._inside(target):
            return f"``{target}``"
        return m.group(0)

    def _inside(self, target: str) -> bool:
        _rel, resolved = self.app.env.relfn2path(target, self.docname)
        return Path(os.path.realpath(resolved)).is_relative_to(os.path.realpath(self.app.srcdir))

    def options(self, start: int, indent: int):
        """(line, name, value) of the options right after a directive's first line."""
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if not line.strip() or len(line) - len(line.lstrip()) <= indent:
                return
            if m := OPTION.match(line):
                yield number, m.group(1).lower(), m.group(2)


def bib_keys(app) -> set[str] | None:
    """The keys of the .bib files; None when the project has none.

    sphinxcontrib-bibtex reports an unknown ``:footcite:`` key at the line of
    the ``.. footbibliography::`` that follows it, not at the citation.
    """
    files = tuple(Path(app.confdir, f) for f in getattr(app.config, "bibtex_bibfiles", []))
    return _keys(tuple((f, f.stat().st_mtime_ns) for f in files if f.is_file())) if files else None


@functools.cache
def _keys(files: tuple[tuple[Path, int], ...]) -> set[str]:
    return {k for f, _ in files for k in BIB_KEY.findall(f.read_text("utf-8", "replace"))}


def check(source: Source, content: list[str]) -> None:
    source.scan()
    content[0] = source.neutralised(content[0])


def on_source_read(app, docname: str, content: list[str]) -> None:
    check(Source(app, docname, Path(app.env.doc2path(docname)), content[0]), content)


def on_include_read(app, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    path = Path(os.path.normpath(Path(app.srcdir) / relative_path))
    check(Source(app, parent_docname, path, content[0]), content)


def setup(app):
    app.setup_extension("book_doctree")  # the same rules on what Sphinx parsed
    app.connect("source-read", on_source_read)
    app.connect("include-read", on_include_read)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""Every file the build reads is UTF-8 text with nothing hidden in it.

Three faults that Sphinx reports badly or not at all:

* An invisible character changes what a reader sees: ``Take at most
  \\u202e01 mg\\u202c a day`` shows "gm 10" in the HTML and "10 mg" in the
  PDF.  Bidirectional controls, zero-width characters, other Unicode format
  characters, control characters and line separators are not needed by this
  book; each one fails the build with its file, line and code point.  (A
  leading byte-order mark is allowed: Sphinx and tomllib ignore it.  Add a
  character to ``ALLOWED`` if the book ever needs one.)  The same rule runs
  on the resolved doctrees, for characters that markup such as ``..
  unicode::`` inserts.
* A chapter that is not UTF-8 stops Sphinx with a byte offset and a
  traceback; here it is one line with the file and line.
* A ``.bib`` syntax error is reported by pybtex as "line 11", of whichever of
  the five files; here each file is parsed on its own first and named.

And a symbolic link inside ``source/`` to anything outside it is refused:
Sphinx would read it as one of the book's own files.

Every check runs when the builder starts (before sphinxcontrib-bibtex reads
the bibliography), on every build, incremental or not.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from pathlib import Path

from docutils import nodes
from docutils.utils import get_source_line
from sphinx.util import logging

logger = logging.getLogger(__name__)

# The files a build of this book reads as text (besides conf.py and tools/).
TEXT_SUFFIXES = {".rst", ".txt", ".toml", ".bib", ".csv", ".json", ".html", ".css", ".js", ".svg"}
SKIP_DIRS = {"_generated"}  # drawn by book_figures.py from facts.toml, which is checked
REFUSED_CATEGORIES = {"Cf", "Cc", "Co", "Zl", "Zp"}  # format, control, private use, separators
ALLOWED = {"\t", "\n", "\r"}


PROSE_SUFFIXES = {".rst", ".txt", ".toml", ".bib", ".csv"}  # running text: digits and words checked too
WORD = re.compile(r"[^\W\d_]+")
OTHER_SCRIPTS = ("CYRILLIC", "GREEK")


def prose_problems(line: str) -> list[str]:
    """A digit from another script ("Up to \u0664 mg"), a word mixing Latin with Cyrillic or
    Greek letters ("Clon\u0430zepam": a search for clonazepam misses it)."""
    return [message for _token, message in prose_faults(line)]


def prose_faults(line: str) -> list[tuple[str, str]]:
    """(the character or word at fault, the message) for each fault of a line of prose."""
    found = []
    for column, ch in enumerate(line, 1):
        if unicodedata.category(ch) == "Nd" and not ch.isascii():
            found.append((ch, f"digit {describe(ch)} at column {column}: the book writes numbers with "
                              "the digits 0-9; retype it"))
    for m in WORD.finditer(line):
        scripts = {unicodedata.name(ch, "?").split()[0] for ch in m.group()}
        other = [s for s in OTHER_SCRIPTS if s in scripts]
        if "LATIN" in scripts and other:
            at, ch = next((i, c) for i, c in enumerate(m.group()) if unicodedata.name(c, "?").startswith(other[0]))
            found.append((m.group(), f"the word {m.group()!r} mixes Latin and {other[0].title()} letters "
                                     f"({describe(ch)} at column {m.start() + at + 1}): it looks the same but a "
                                     "search for it fails; retype it"))
    return found


def refused(ch: str) -> bool:
    return ch not in ALLOWED and unicodedata.category(ch) in REFUSED_CATEGORIES


def describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"


def text_problems(data: bytes, prose: bool = False) -> list[tuple[int, str]]:
    """(line, message) for each fault of one file's bytes; the first bad byte ends the scan."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return [(line, f"not UTF-8: byte {data[exc.start]:#04x} at column {column}; "
                       "save the file as UTF-8")]
    text = text.removeprefix("\ufeff")
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for column, ch in enumerate(line.removesuffix("\r"), 1):
            if refused(ch):
                found.append((number, f"invisible character {describe(ch)} at column {column}: "
                                      "it can change what a reader sees; delete it"))
        if prose:
            found += [(number, message) for message in prose_problems(line)]
    return found


def source_files(app) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(app.srcdir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        files += [Path(folder) / n for n in sorted(names) if Path(n).suffix in TEXT_SUFFIXES]
    srcdir = Path(app.srcdir).resolve()
    for bib in getattr(app.config, "bibtex_bibfiles", []):
        path = Path(app.confdir, bib)
        if path.is_file() and not path.resolve().is_relative_to(srcdir):
            files.append(path)
    return files


def check_links(app) -> None:
    """A link inside source/ to a file or folder outside it would be read as the book's own."""
    srcdir = os.path.realpath(app.srcdir)
    for folder, dirs, names in os.walk(app.srcdir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in dirs + names:
            path = Path(folder) / name
            real = os.path.realpath(path)
            if path.is_symlink() and not Path(real).is_relative_to(srcdir):
                logger.warning("a link to %s, outside source/: the book reads only its own files",
                               real, location=f"{path}:1", type="book", subtype="source")


def check_sources(app) -> None:
    """builder-inited: UTF-8 and no hidden characters in any file; .bib syntax per file."""
    check_links(app)
    undecodable = False
    for path in source_files(app):
        for line, message in text_problems(path.read_bytes(), prose=path.suffix in PROSE_SUFFIXES):
            undecodable |= message.startswith("not UTF-8")
            logger.warning(message, location=f"{path}:{line}", type="book", subtype="source")
    bad_bib = [bib for bib in getattr(app.config, "bibtex_bibfiles", [])
               if not check_bibfile(Path(app.confdir, bib))]
    for bib in getattr(app.config, "bibtex_bibfiles", []):
        check_bib_urls(Path(app.confdir, bib))
    if undecodable or bad_bib:
        # Sphinx and pybtex would stop with a traceback (and a byte offset, or
        # a line of no named file).  SystemExit: Sphinx has no public way to
        # stop a build with the message alone.
        raise SystemExit(1)


def check_bibfile(path: Path) -> bool:
    """Parse one .bib file alone, so that a syntax error names it; False on an error."""
    if not path.is_file():
        return True  # sphinxcontrib-bibtex reports a missing file itself
    from pybtex.database.input.bibtex import Parser
    from pybtex.exceptions import PybtexError
    from pybtex.scanner import PybtexSyntaxError

    try:
        Parser(encoding="utf-8").parse_file(path)
    except PybtexSyntaxError as exc:
        # pybtex's own message, without the line it names: the location says it
        why = str(exc).replace(f" in line {exc.lineno}", "", 1)
        logger.warning(why, location=f"{path}:{exc.lineno}", type="book", subtype="bibtex")
        return False
    except PybtexError as exc:  # a duplicate field or key: pybtex names no line
        logger.warning(str(exc), location=f"{path}:1", type="book", subtype="bibtex")
        return False
    return True


def written(node: nodes.Node) -> str:
    """The text of the file a node was read from ('' if it was not read from a file)."""
    source, _line = get_source_line(node)
    try:
        return _file_text(source, os.stat(source).st_mtime_ns) if source else ""
    except OSError:
        return ""


@functools.lru_cache(maxsize=64)
def _file_text(path: str, _mtime: int) -> str:
    return Path(path).read_text("utf-8", "replace")


BIB_URL = re.compile(r"^\s*url\s*=\s*[{\"]\s*([^}\"]*?)\s*[}\"]", re.IGNORECASE)


def bib_urls(path: Path) -> list[tuple[int, str]]:
    """(line, URL) of each ``url`` field of a .bib file."""
    if not path.is_file():
        return []
    return [(number, m.group(1)) for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1)
            if (m := BIB_URL.match(line))]


def check_bib_urls(path: Path) -> None:
    """A source's URL is printed as a link in every edition: the link policy holds for it
    (https, a host in ASCII letters), named here at its line of the .bib file."""
    from link_policy import link_problem

    for number, url in bib_urls(path):
        if problem := link_problem(url):
            logger.warning(problem, location=f"{path}:{number}", type="book", subtype="bibtex")


def check_doctree(app, doctree: nodes.document) -> None:
    """doctree-read: characters that markup inserted (``.. unicode::``, substitutions)."""
    for text in doctree.findall(nodes.Text):
        if isinstance(text.parent, (nodes.literal_block, nodes.literal, nodes.reference)):
            continue  # code is not running text; a link's URL is held to the link policy
        for token, message in prose_faults(str(text)):
            if token in written(text.parent):
                continue  # written so in its file: reported there, with the column (check_sources)
            logger.warning(re.sub(r" at column \d+", "", message), location=text.parent,
                           type="book", subtype="source")
        for ch in dict.fromkeys(str(text)):
            if refused(ch):
                logger.warning("invisible character %s in the text: it can change what a reader "
                               "sees; delete it (or the markup that inserts it)", describe(ch),
                               location=text.parent, type="book", subtype="source")


def setup(app):
    app.connect("builder-inited", check_sources, priority=50)  # before facts and bibtex
    app.connect("doctree-read", check_doctree)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

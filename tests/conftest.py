"""Shared fixtures: the real outputs of one real build, the checkers run once on
them, the tiny project, and helpers to read them.

`make test` builds the book into build/ and then runs pytest; if build/ is
missing (pytest run on its own), the session builds it once.  Each checker
runs once per output, as a session fixture returning its report: EPUBCheck's
(the build's own run), Ace, Calibre, MuPDF per text size, three Chromium walks.
Tests that need a broken or changed book build the tiny project (tiny_project:
every extension, two chapters) in a temporary folder, in seconds.
"""

from __future__ import annotations

import fcntl
import functools
import html
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from xdist_groups import put_in_group

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import book_toml, load_book  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from plainlanguage import toctree_docs  # noqa: E402,F401 (the tests' list of chapters)

BOOK = load_book(ROOT)
BOOK_TOML = book_toml(ROOT)
NAME = BOOK["basename"]

pytest_plugins = ["sphinx.testing.fixtures"]  # app, make_app, @pytest.mark.sphinx(testroot=...)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """sphinx.testing's test roots: tests/roots/test-<name>/ (one per local extension)."""
    return Path(__file__).parent / "roots"


# The three layers (README, "Tests"):
#   fast   `make test-fast` = pytest -m "not slow": no build of the real book, no build script run
#   book   reads the real build (the `book` fixture below): `make test` builds it first
#   build  runs tools/build.py on the tiny project (`tiny`, `tiny_book`) or a fake folder
# A test is sorted by the fixtures it really uses, not by their names: a test file may
# define a fixture of its own called `book` (tests/test_inputs.py does), and its tests stay fast.
BOOK_FIXTURES = {"book": "book", "tiny": "build", "tiny_book": "build"}


def _layer_of(item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    here = Path(__file__).resolve()
    for name in getattr(item, "fixturenames", ()):
        if name not in BOOK_FIXTURES:
            continue
        defs = info.name2fixturedefs.get(name) if info is not None else None
        if not defs:  # pytest moved its fixture bookkeeping: sort by name, on the slow side
            return BOOK_FIXTURES[name]
        if Path(defs[-1].func.__code__.co_filename).resolve() == here:  # the one that applies
            return BOOK_FIXTURES[name]
    return None


# The suite runs on every core (pytest-xdist, `-n auto --dist loadgroup`, Makefile).
# A session fixture runs once per worker, so the tests of one costly checker go to
# one worker together: each checker still runs once (xdist_groups.py).  First match wins.
CHECKER_GROUPS = ("walks", "chromium", "mupdf_epub", "ace_report", "calibre_kindle", "tiny_book",
                  "changed_book", "all_page_texts", "texts")


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups
def pytest_collection_modifyitems(config, items):
    """A test that reads the built book, or runs the build script, is slow: it needs
    a build first.  ``pytest -m "not slow"`` is then the fast layer alone: the
    sources, the data and each extension on its own tiny test root."""
    for item in items:
        layer = _layer_of(item)
        if layer is None and item.get_closest_marker("build"):
            layer = "build"
        if layer:
            item.add_marker(pytest.mark.slow)
            item.add_marker(getattr(pytest.mark, layer))
        names = set(getattr(item, "fixturenames", ()))
        group = next((g for g in CHECKER_GROUPS if g in names), None)
        if group:
            put_in_group(item, group, config)


@dataclass(frozen=True)
class Book:
    folder: Path

    @property
    def html(self) -> Path:
        return self.folder / "html"

    @property
    def epub(self) -> Path:
        return self.folder / f"{NAME}.epub"

    @property
    def pdf(self) -> Path:
        return self.folder / f"{NAME}.pdf"

    @property
    def html_zip(self) -> Path:
        return self.folder / f"{NAME}-html.zip"


def build(root: Path, out: Path, work: Path, env: dict | None = None, target: str = "book"):
    """Run the real build script on a project folder; return the finished process."""
    return subprocess.run(
        [sys.executable, str(root / "tools" / "build.py"), target, "--root", str(root),
         "--out", str(out), "--work", str(work)],
        capture_output=True, text=True, env=env or dict(os.environ),
    )


@pytest.fixture(scope="session")
def book() -> Book:
    # BOOK_DIR points the tests at another published folder (default: build/).
    folder = Path(os.environ.get("BOOK_DIR", ROOT / "build"))
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / "book-fixture.lock", "w") as lock:  # one worker builds; the others wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / f"{NAME}.epub").exists():
            proc = build(ROOT, folder, ROOT / "_build" / "book")
            assert proc.returncode == 0, proc.stdout + proc.stderr
    return Book(folder)


@dataclass(frozen=True)
class CheckerReport:
    """What a checker said about one output: its exit status, its report, the files it read."""
    returncode: int
    text: str
    files: tuple = ()


def build_epubcheck(book: Book, published: Path) -> CheckerReport:
    """EPUBCheck's verdict on a published EPUB (the EPUB or the Kobo edition), from the
    build that made it.

    tools/build.py runs EPUBCheck (--failonwarnings) on both before it publishes
    anything, and keeps each report beside the file it checked, in the work folder
    (BOOK_WORK, default _build/book: where `make book` and `make test` build).  A
    report counts only if that file is byte for byte the published one."""
    work = Path(os.environ.get("BOOK_WORK", ROOT / "_build" / "book"))
    checked = work / "epub" / published.name
    log = checked.with_suffix(".epubcheck.txt")
    assert log.is_file(), (f"no EPUBCheck report at {log}: the build that published {book.folder}/ left none "
                           "(set BOOK_WORK to its work folder)")
    assert checked.is_file() and checked.read_bytes() == published.read_bytes(), \
        f"{checked} is not the published {published}: its EPUBCheck report is about another file"
    return CheckerReport(0, log.read_text(errors="replace"), (checked,))


@pytest.fixture(scope="session")
def epubcheck_report(book) -> CheckerReport:
    return build_epubcheck(book, book.epub)


def copy_project(dest: Path) -> Path:
    """A copy of the project (conf.py, source/, tools/) to break or change."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "conf.py", dest / "conf.py")
    for folder in ("source", "tools"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


# -- the tiny project: the whole build in seconds -------------------------------------

# What the build-behaviour tests (bad input, signals, another filesystem, two clean
# builds, a changed value) build: conf.py and tools/ as they are, every extension,
# the facts and the bibliography whole (the figures are drawn from the facts), and
# two chapters: "Get help now" (the EPUB opens on it) and "How clonazepam works"
# (figures, facts, notes, index entries, glossary terms), with the glossary, the
# downloads page and the bibliography.
TINY_CHAPTERS = ("help", "mechanism")
TINY_DOCS = ("index", *TINY_CHAPTERS, "glossary", "downloads", "bibliography")
_XREF = re.compile(r":(?P<role>ref|doc):`(?P<text>[^`<]*?)(?:\s*<(?P<target>[^>]+)>)?`")


def tiny_project(dest: Path) -> Path:
    """A copy of the project with two chapters (TINY_DOCS); a reference to a page
    left out keeps its words as plain text.  Builds without a warning."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "conf.py", dest / "conf.py")
    shutil.copytree(ROOT / "tools", dest / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    left_out = [p.name for p in SOURCE.glob("*.rst") if p.stem not in TINY_DOCS]
    shutil.copytree(SOURCE, dest / "source", ignore=shutil.ignore_patterns("__pycache__", *left_out))
    src = dest / "source"
    labels = {label for doc in TINY_DOCS
              for label in re.findall(r"^\.\. _([^:]+):", (src / f"{doc}.rst").read_text(), re.M)}

    def keep_or_unlink(m: re.Match) -> str:
        target = (m["target"] or m["text"]).strip()
        if (m["role"] == "ref" and target in labels) or (m["role"] == "doc" and target.lstrip("/") in TINY_DOCS):
            return m[0]
        return m["text"].strip() if m["target"] else target

    for doc in TINY_DOCS:
        path = src / f"{doc}.rst"
        text = _XREF.sub(keep_or_unlink, path.read_text())
        if doc == "index":
            text, n = re.subn(r"(:maxdepth: 1\n\n)(?:   \S+\n)+",
                              lambda m: m[1] + "".join(f"   {d}\n" for d in TINY_DOCS[1:]), text)
            assert n == 1, "source/index.rst: its toctree moved; tiny_project() cannot trim it"
        path.write_text(text)
    conf = dest / "conf.py"
    text, n = re.subn(r"book_chapters_without_key_points = \[[^\]]*\]",
                      'book_chapters_without_key_points = ["help"]', conf.read_text())
    assert n == 1, "conf.py: book_chapters_without_key_points moved; tiny_project() cannot trim it"
    conf.write_text(text)
    return dest


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A fresh tiny project (tiny_project) to break or change."""
    return tiny_project(tmp_path / "project")


@pytest.fixture(scope="session")
def tiny_book(tmp_path_factory) -> Book:
    """The tiny project built once by the real build script (SOURCE_DATE_EPOCH set):
    a complete published folder, the "last good book" of the build-behaviour tests."""
    tmp = tmp_path_factory.mktemp("tiny-book")
    project = tiny_project(tmp / "project")
    proc = build(project, tmp / "build", tmp / "work", dict(os.environ, SOURCE_DATE_EPOCH="1764000000"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Book(tmp / "build")


# -- reading the sources --------------------------------------------------------

HEADING_UNDERLINE = re.compile(r"^([=\-~^])\1*$")


def rst_headings(doc: str) -> list[str]:
    """The title and every section heading of a chapter source, in order, as written."""
    lines = (SOURCE / f"{doc}.rst").read_text().splitlines()
    found = []
    for i in range(1, len(lines)):
        title, under = lines[i - 1], lines[i]
        if (HEADING_UNDERLINE.match(under) and title.strip() and not title[0].isspace()
                and len(under) >= len(title.rstrip()) and (i < 2 or not lines[i - 2].strip())):
            found.append(title.strip())
    return found


def glossary_terms() -> list[str]:
    """The terms of the glossary (source/glossary.rst), as written."""
    block = (SOURCE / "glossary.rst").read_text().split(".. glossary::", 1)[1]
    return [line.strip() for line in block.splitlines()
            if re.match(r"^   \S", line) and not line.strip().startswith(":")]


def doc_title(doc: str) -> str:
    lines = (SOURCE / f"{doc}.rst").read_text().splitlines()
    for i, line in enumerate(lines[1:], 1):
        if line and set(line) == {"="} and len(line) >= len(lines[i - 1].strip()) > 0:
            return lines[i - 1].strip()
    raise AssertionError(f"{doc}.rst has no title")


def paragraphs(path: Path):
    """(first line number, text) of each blank-line-separated block of a file."""
    lines = path.read_text().splitlines()
    start, block = None, []
    for i, line in enumerate(lines + [""], 1):
        if line.strip():
            if start is None:
                start = i
            block.append(line)
        elif block:
            yield start, "\n".join(block)
            start, block = None, []


# -- reading the outputs ----------------------------------------------------------

def strip_tags(markup: str) -> str:
    markup = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text)


def html_text(book: Book) -> str:
    pages = sorted(book.html.glob("*.html"))
    return normalise(" ".join(strip_tags(p.read_text()) for p in pages))


def epub_text(book: Book) -> str:
    with zipfile.ZipFile(book.epub) as zf:
        docs = sorted(n for n in zf.namelist() if n.endswith(".xhtml"))
        return normalise(" ".join(strip_tags(zf.read(n).decode()) for n in docs))


def pdf_text(book: Book) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(book.pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return normalise(out)


# -- a real browser ---------------------------------------------------------------

# Root needs --no-sandbox; the rest keep Chromium from calling any host of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_tool(name: str) -> str:
    """The path of a system tool the checks need; a missing one fails, never skips."""
    path = shutil.which(name)
    assert path, f"{name} is missing: `make test` installs it (tools/sysdeps.sh test)"
    return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(book):
    """The built site (build/html) served on 127.0.0.1 at a free port; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


DESKTOP = {"width": 1280, "height": 900}


def new_context(chromium, site, scheme="light", viewport=DESKTOP, init_script="", **kwargs):
    """A browser context in one colour scheme, furo's theme switch set to match.

    Every request that leaves the local server is recorded and refused."""
    # axe-core is injected as an inline script, which the pages' Content-Security-Policy
    # refuses; the policy itself is tested without this bypass (tests/test_closed.py).
    kwargs.setdefault("bypass_csp", True)
    context = chromium.new_context(viewport=viewport, color_scheme=scheme, **kwargs)
    context.add_init_script(f"window.localStorage.setItem('theme', '{scheme}');" + init_script)
    context.outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(site) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            context.outside.append(url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, driven by Playwright: one browser for the session.

    Never a browser that Playwright downloads (`playwright install` is not used)."""
    from playwright.sync_api import sync_playwright

    executable = need_tool("chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def page_names(book):
    """Every page of the built site (file names), the pages a walk opens."""
    names = sorted(p.name for p in book.html.glob("*.html"))
    assert "index.html" in names and "mechanism.html" in names, names
    return names


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def walks(chromium, site, page_names, book):
    """The three walks through the site (tests/browser_walks.py: desktop light, desktop
    dark, phone), under the pages' own policy: {walk: {page file name: Visit}}.
    Screenshots for a human land in build/screenshots/html-<page>-<width>-<scheme>.png."""
    from browser_walks import WALKS, walk

    assert AXE.is_file(), f"{AXE} is missing: `make test` installs it (npm ci)"
    axe = AXE.read_text()
    folder = book.folder / "screenshots"
    folder.mkdir(exist_ok=True)
    return {name: walk(chromium, site, name, page_names, axe, folder, new_context) for name in WALKS}


# -- MuPDF: the EPUB laid out on a 6-inch e-reader, once per text size ----------------------

# A 6-inch Kobo Clara or Kindle Paperwhite screen is about 3.57 x 4.82 in: MuPDF
# sizes are points, so 257 x 347.  12 pt is a common reading size, 16 pt a large one.
SIX_INCH = ["-W", "257", "-H", "347"]
TEXT_SIZES = (12, 16)
MUPDF_FORMATS = ("stext", "trace", "txt")


@pytest.fixture(scope="session")
def mupdf_epub(book) -> dict[int, dict[str, bytes]]:
    """The system's mutool laying the published EPUB out on a 6-inch page, once per text
    size and output (structured text, drawing trace, plain text): {size: {format: bytes}}."""
    mutool = need_tool("mutool")
    out: dict[int, dict[str, bytes]] = {}
    for size in TEXT_SIZES:
        for fmt in MUPDF_FORMATS:
            proc = subprocess.run([mutool, "draw", *SIX_INCH, "-S", str(size), "-F", fmt, "-o", "-", str(book.epub)],
                                  capture_output=True, timeout=300)
            assert proc.returncode == 0, f"mutool draw -S {size} -F {fmt}: {proc.stderr.decode(errors='replace')}"
            out.setdefault(size, {})[fmt] = proc.stdout
    return out


# -- Ace by DAISY and Calibre: once each for the session ------------------------------------

ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"


@pytest.fixture(scope="session")
def ace_report(book) -> CheckerReport:
    """Ace by DAISY on the published EPUB, once: its exit status and report.json
    (the HTML report for a human in build/ace/report.html)."""
    need_tool("node")
    assert ACE.exists(), f"{ACE} is missing: `make test` installs it (npm ci)"
    out = book.folder / "ace"
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=need_tool("chromium"), PUPPETEER_SKIP_DOWNLOAD="1")
    proc = subprocess.run([str(ACE), "--force", "--silent", "--outdir", str(out), str(book.epub)],
                          capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        return CheckerReport(proc.returncode, proc.stdout + proc.stderr)
    return CheckerReport(0, (out / "report.json").read_text(), (out / "report.json",))


@pytest.fixture(scope="session")
def calibre_kindle(book, tmp_path_factory) -> CheckerReport:
    """Calibre's ebook-convert, once: the EPUB to Kindle AZW3, and that AZW3 to text.
    files: (the AZW3, the text); text: the text (or, on a failure, Calibre's output)."""
    convert = need_tool("ebook-convert")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    tmp = tmp_path_factory.mktemp("calibre")
    azw3, txt = tmp / "book.azw3", tmp / "book.txt"
    for src, dst in ((book.epub, azw3), (azw3, txt)):
        proc = subprocess.run([convert, str(src), str(dst)], capture_output=True, text=True, env=env, timeout=300)
        if proc.returncode != 0:
            return CheckerReport(proc.returncode,
                                 f"ebook-convert {src.name} {dst.name}:\n{proc.stdout[-3000:]}{proc.stderr}")
    return CheckerReport(0, txt.read_text(), (azw3, txt))

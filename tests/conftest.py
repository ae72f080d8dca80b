"""Shared fixtures: the real outputs of one real build, and helpers to read them.

`make test` builds the book into build/ and then runs pytest; if build/ is
missing (pytest run on its own), the session builds it once.  Tests that need
a broken or changed book build a copy of the project in a temporary folder.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import book_toml, load_book  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
from plainlanguage import toctree_docs  # noqa: E402,F401 (the tests' list of chapters)

BOOK = load_book(ROOT)
BOOK_TOML = book_toml(ROOT)
NAME = BOOK["basename"]

# Sphinx's own test fixtures (app, make_app, the `sphinx` marker) for the fast
# layer's tiny roots in tests/roots/test-<concern>/ (rootdir below).
pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).parent / "roots"



def pytest_collection_modifyitems(items):
    """A test that reads the built book (the ``book`` fixture) is slow too: it needs a
    full build first.  ``pytest -m "not slow"`` is then the fast layer alone: the
    sources, the data and each extension on Sphinx's own tiny test roots."""
    for item in items:
        if "book" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

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
    if not (folder / f"{NAME}.epub").exists():
        proc = build(ROOT, folder, ROOT / "_build" / "book")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return Book(folder)


def copy_project(dest: Path) -> Path:
    """A copy of the project (conf.py, source/, tools/) to break or change."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "conf.py", dest / "conf.py")
    for folder in ("source", "tools"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


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

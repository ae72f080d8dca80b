"""A Content-Security-Policy on every page of the HTML site.

The book must load nothing from another host (tools/gate.py checks the files
before publishing).  This policy makes the reader's browser enforce the same
promise, on any static host (a ``<meta http-equiv>`` needs no server set-up),
for anything the gate cannot see, such as a script that builds a URL:

``default-src 'self'``
    everything (fonts, data the scripts fetch) from the site only;
``script-src 'self' 'sha256-...'``
    script files from the site, and the inline scripts the project ships, each
    named in ``SHIPPED_SCRIPTS`` with the template file it comes from; the
    expected hash is recomputed from that file on every build (a furo upgrade
    that changes one gets a new hash, not a broken page).  Any other inline
    script on a page (raw HTML, a template of ``source/_templates/``) fails
    the build: hashing whatever a page holds would let an injected script run;
``style-src 'self' 'unsafe-inline'``
    furo writes a ``<style>`` block (the code colours) and ``style``
    attributes (``display: none`` on its icon sprite, ``opacity``).  Hashing
    attributes needs ``'unsafe-hashes'`` (CSP level 3), which older browsers
    ignore, hiding nothing and breaking the layout.  Inline CSS runs no code,
    and anything it could load is held to ``img-src``/``font-src``/
    ``default-src`` 'self' here, and refused by the gate before publishing;
``img-src 'self' data:``
    furo's icons are ``data:`` SVG images in its stylesheet;
``object-src 'none'; base-uri 'none'``
    no plug-ins, no ``<base>`` that would send relative links elsewhere;
``form-action 'self'``
    the one form, furo's search box, submits to the site's own search.html
    ('none' would break the search box; nothing can be sent elsewhere).

The meta tag goes into furo's ``metatags``, at the top of ``<head>``, before
any script.  Its hashes are filled in once the page is written (build-finished):
Sphinx has no event with the rendered page, so each page gets a placeholder
that must be found (a miss stops the build).  Not for the EPUB: EPUB 3
reading systems run no scripts of a book unless it says so, and this one has none.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
from pathlib import Path

from bs4 import BeautifulSoup, SoupStrainer
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

PLACEHOLDER = "book-csp-script-hashes"
POLICY = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'")
META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY.format(hashes=PLACEHOLDER)}">'


def is_site(builder) -> bool:
    """The web site only: the EPUB runs no script, and the print document is compiled by Typst."""
    return builder.format == "html" and not builder.name.startswith("epub") and builder.name != "print"


def add_meta(app, pagename, templatename, context, doctree) -> None:
    if not is_site(app.builder):
        return
    context["metatags"] = META + "\n" + context.get("metatags", "")


# The inline scripts the site may run: name -> (package, template file in it).
SHIPPED_SCRIPTS = {
    "furo's colour-scheme switch": ("furo", "theme/furo/base.html"),
}


def csp_hash(code: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode('utf-8')).digest()).decode()}'"


def inline_scripts(markup: str) -> list[str]:
    """The code of every inline script of a page or template, in order."""
    # only the script elements are built (a whole page tree cost about 0.07 s a page)
    soup = BeautifulSoup(markup, "html.parser", parse_only=SoupStrainer("script"))
    return [script.string or "" for script in soup.find_all("script") if script.get("src") is None]


@functools.cache
def shipped_hashes() -> dict[str, str]:
    """{hash source: name} of the inline scripts the project ships, recomputed from their files."""
    found = {}
    for name, (package, template) in SHIPPED_SCRIPTS.items():
        path = Path(importlib.import_module(package).__file__).parent / template
        codes = [c for c in inline_scripts(path.read_text(encoding="utf-8")) if "{{" not in c and "{%" not in c]
        if not codes:
            raise ExtensionError(f"book_csp: {path} no longer holds {name}: update SHIPPED_SCRIPTS")
        found.update({csp_hash(code): name for code in codes})
    return found


def script_hashes(page: str, path: Path | None = None) -> list[str]:
    """CSP hash sources for the inline scripts of a page, each once; any script the
    project does not ship (SHIPPED_SCRIPTS) is left out and warned about (-W: the build fails)."""
    allowed = shipped_hashes()
    hashes = []
    for code in inline_scripts(page):
        source = csp_hash(code)
        if source not in allowed:
            excerpt = " ".join(code.split())[:80]
            logger.warning(f"an inline script the project does not ship ({excerpt!r}): raw HTML or a "
                           "template added it; the Content-Security-Policy names only the scripts of "
                           "book_csp.SHIPPED_SCRIPTS, so it is refused", location=f"{path or 'a page'}:1",
                           type="book", subtype="csp")
            continue  # not hashed: a browser would not run it either
        if source not in hashes:
            hashes.append(source)
    return hashes


def fill_in(path: Path) -> None:
    """Replace the page's placeholder with the hashes of its inline scripts."""
    page = path.read_text(encoding="utf-8")
    if page.count(PLACEHOLDER) != 1:
        raise ExtensionError(f"book_csp: {path}: expected the CSP placeholder once, found it "
                             f"{page.count(PLACEHOLDER)} times (did furo drop {{{{ metatags }}}}?)")
    head, _, _ = page.partition(PLACEHOLDER)
    if "<script" in head:
        raise ExtensionError(f"book_csp: {path}: a script comes before the Content-Security-Policy meta tag")
    path.write_text(page.replace(PLACEHOLDER, " ".join(script_hashes(page, path))), encoding="utf-8")


def fill_in_all(app, exception) -> None:
    """Every page written in this build (with -j too) still has its placeholder; every page has a policy."""
    if exception is not None or not is_site(app.builder):
        return
    for path in sorted(Path(app.outdir).rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        if PLACEHOLDER in page:
            fill_in(path)
        elif 'http-equiv="Content-Security-Policy"' not in page:
            raise ExtensionError(f"book_csp: {path} has no Content-Security-Policy")


def setup(app):
    app.connect("html-page-context", add_meta, priority=900)
    app.connect("build-finished", fill_in_all)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

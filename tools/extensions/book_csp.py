"""A Content-Security-Policy on every page of the HTML site.

The book must load nothing from another host (tools/gate.py checks the files
before publishing).  This policy makes the reader's browser enforce the same
promise, on any static host (a ``<meta http-equiv>`` needs no server set-up),
for anything the gate cannot see, such as a script that builds a URL:

``default-src 'self'``
    everything (fonts, data the scripts fetch) from the site only;
``script-src 'self' 'sha256-...'``
    script files from the site, and each inline script furo and Sphinx write
    by its hash, computed from the rendered page (none is written here by
    hand: a furo upgrade that changes one gets a new hash, not a broken page);
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
import hashlib
from pathlib import Path

from bs4 import BeautifulSoup, SoupStrainer
from sphinx.errors import ExtensionError

PLACEHOLDER = "book-csp-script-hashes"
POLICY = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'")
META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY.format(hashes=PLACEHOLDER)}">'


def is_site(builder) -> bool:
    """The web site only: the EPUB runs no script, and the print document is read by WeasyPrint."""
    return builder.format == "html" and not builder.name.startswith("epub") and builder.name != "print"


def add_meta(app, pagename, templatename, context, doctree) -> None:
    if not is_site(app.builder):
        return
    context["metatags"] = META + "\n" + context.get("metatags", "")


def script_hashes(page: str) -> list[str]:
    """CSP hash sources for every inline script of a page, in order of appearance, each once."""
    # only the script elements are built (a whole page tree cost about 0.07 s a page)
    soup = BeautifulSoup(page, "html.parser", parse_only=SoupStrainer("script"))
    hashes = []
    for script in soup.find_all("script"):
        if script.get("src") is None:
            digest = hashlib.sha256((script.string or "").encode("utf-8")).digest()
            source = f"'sha256-{base64.b64encode(digest).decode()}'"
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
    path.write_text(page.replace(PLACEHOLDER, " ".join(script_hashes(page))), encoding="utf-8")


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

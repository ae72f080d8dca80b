"""The book loads nothing from another host: the gate before publishing, and the policy in the browser.

* The output gate (tools/gate.py) parses crafted pages, stylesheets and an EPUB
  with each way a page can make its reader's browser load a remote file, and
  must name each one; a full build with a tracker injected through a template
  fails at the gate and leaves the last good book.
* Every page of the site carries a Content-Security-Policy (book_csp.py), and
  Chromium, loading every page in the light and the dark theme and the search
  page with a query, reports 0 violations and makes 0 requests to other hosts.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import NAME, ROOT, build, new_context, tiny_project

sys.path.insert(0, str(ROOT / "tools"))
from gate import find_remote_resources  # noqa: E402

# -- the gate, on crafted outputs -----------------------------------------------------------

REMOTE = {  # markup -> the URL the gate must name
    '<div style="background:url(https://style-attr.example/bg.png)">x</div>': "https://style-attr.example/bg.png",
    "<style>@import url(https://import.example/a.css);</style>": "https://import.example/a.css",
    '<style>@import "https://import-string.example/b.css";</style>': "https://import-string.example/b.css",
    "<style>@media screen { p { background: url('//media.example/p.png') } }</style>": "//media.example/p.png",
    '<svg><image href="https://svg-image.example/i.png"/></svg>': "https://svg-image.example/i.png",
    '<svg><image xlink:href="https://svg-xlink.example/i.png"/></svg>': "https://svg-xlink.example/i.png",
    '<svg><use href="https://svg-use.example/s.svg#a"/></svg>': "https://svg-use.example/s.svg#a",
    '<video poster="https://poster.example/p.jpg"></video>': "https://poster.example/p.jpg",
    '<script src="https://script.example/x.js"></script>': "https://script.example/x.js",
    '<img src="http://tracker.example/pixel.gif" alt="">': "http://tracker.example/pixel.gif",
    '<img src="a.png" srcset="a.png 1x, https://srcset.example/b.png 2x" alt="">': "https://srcset.example/b.png",
    '<link rel="stylesheet" href="https://font.example/css">': "https://font.example/css",
    '<link rel="preload" as="font" href="https://preload.example/f.woff2">': "https://preload.example/f.woff2",
    '<object data="https://object.example/o.swf"></object>': "https://object.example/o.swf",
    '<iframe src="https://iframe.example/"></iframe>': "https://iframe.example/",
    '<embed src="https://embed.example/e">': "https://embed.example/e",
    '<meta http-equiv="refresh" content="0; url=https://refresh.example/">': "https://refresh.example/",
    '<base href="https://base.example/">': "https://base.example/",
    '<a href="read.html" ping="https://ping.example/p">x</a>': "https://ping.example/p",
    '<audio src="file:///etc/passwd"></audio>': "file:///etc/passwd",
}

ALLOWED = """<html><head><link rel="stylesheet" href="_static/book.css"><link rel="next" href="https://next.example/">
<style>p { background: url(data:image/png;base64,AAAA) } a { color: red }</style></head>
<body><a href="https://www.accessdata.fda.gov/label.pdf">the FDA label</a> <img src="_images/fig.svg" alt="">
<svg><use href="#svg-toc"/></svg><div style="display: none; color: #333">x</div></body></html>"""


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body><p>text</p>{body}</body></html>"


@pytest.mark.parametrize("markup", list(REMOTE), ids=lambda m: re.sub(r"\W+", "-", m)[:40])
def test_the_gate_names_every_resource_from_another_host(tmp_path, markup):
    site = tmp_path / "html"
    site.mkdir()
    (site / "uses.html").write_text(page(markup))
    found = find_remote_resources([site], relative_to=tmp_path)
    assert [(f.output, f.url) for f in found] == [("html/uses.html", REMOTE[markup])]


def test_the_gate_allows_links_to_read_local_files_and_inline_data(tmp_path):
    (tmp_path / "index.html").write_text(ALLOWED)
    assert find_remote_resources([tmp_path / "index.html"]) == []


def test_the_gate_reads_stylesheets_and_epub_documents(tmp_path):
    site = tmp_path / "html" / "_static"
    site.mkdir(parents=True)
    (site / "book.css").write_text("@font-face { src: url(https://fonts.example/a.woff2) format('woff2') }\n"
                                   "body { color: black }\n@import 'https://sheet.example/more.css';\n")
    epub = tmp_path / f"{NAME}.epub"
    with zipfile.ZipFile(epub, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("EPUB/uses.xhtml", '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                    '<body><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                    '<image xlink:href="https://epub.example/i.png"/></svg></body></html>')
        zf.writestr("EPUB/_static/epub.css", "p { background-image: url(https://epubcss.example/p.png) }")
    found = {(f.output, f.url) for f in find_remote_resources([tmp_path / "html", epub], relative_to=tmp_path)}
    assert found == {
        ("html/_static/book.css", "https://fonts.example/a.woff2"),
        ("html/_static/book.css", "https://sheet.example/more.css"),
        (f"{NAME}.epub!EPUB/uses.xhtml", "https://epub.example/i.png"),
        (f"{NAME}.epub!EPUB/_static/epub.css", "https://epubcss.example/p.png"),
    }


def test_the_gate_traces_a_finding_to_its_source_file_and_line(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "uses.rst").write_text("Uses\n====\n\nSome text.\n\n.. image:: https://img.example/x.png\n")
    site = tmp_path / "html"
    site.mkdir()
    (site / "uses.html").write_text(page('<img src="https://img.example/x.png" alt="">'))
    (site / "cautions.html").write_text(page('<img src="https://other.example/y.png" alt="">'))
    (source / "cautions.rst").write_text("Cautions\n========\n")
    found = sorted(str(f) for f in find_remote_resources([site], source, relative_to=tmp_path))
    assert found == [
        "html/cautions.html: <img src> loads https://other.example/y.png from another host (from source/cautions.rst)",
        "html/uses.html: <img src> loads https://img.example/x.png from another host (from source/uses.rst:6)",
    ]


def test_the_published_book_passes_the_gate(book):
    assert find_remote_resources([book.html, book.epub], relative_to=book.folder) == []


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_tracker_injected_through_a_template_fails_the_build_and_publishes_nothing(tiny_book, tmp_path):
    """On the tiny project (every extension, the same templates): the last good book stays."""
    project = tiny_project(tmp_path / "project")
    template = project / "source" / "_templates" / "page.html"
    text = template.read_text()
    anchor = "{%- endif %}\n{%- endblock %}"  # the end of the page body, for every builder
    assert anchor in text
    # The HTML site only: in the EPUB, EPUBCheck would stop the build first (RSC-006).
    tracker = '{% if builder == "html" %}<img src="http://tracker.example/t.gif" alt="">{% endif %}'
    template.write_text(text.replace(anchor, "{%- endif %}" + tracker + "\n{%- endblock %}", 1))
    out = tmp_path / "build"
    shutil.copytree(tiny_book.folder, out, ignore=shutil.ignore_patterns("screenshots"))
    before = snapshot(out)
    proc = build(project, out, tmp_path / "work", dict(os.environ, SOURCE_DATE_EPOCH="1764000000"))
    assert proc.returncode == 1
    assert "BUILD FAILED: the output gate found" in proc.stderr
    assert ("html/index.html: <img src> loads http://tracker.example/t.gif from another host "
            "(from source/_templates/page.html:") in proc.stderr
    assert f"(the last good book in {out}/ is unchanged;" in proc.stderr
    assert snapshot(out) == before


# -- the policy in the browser ----------------------------------------------------------------

REQUIRED = ["default-src 'self'", "object-src 'none'", "base-uri 'none'"]


def policies(html_dir: Path) -> dict[str, str]:
    from bs4 import BeautifulSoup

    found = {}
    for path in sorted(html_dir.glob("*.html")):
        soup = BeautifulSoup(path.read_text(), "html.parser")
        meta = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        first_script = soup.find("script")
        assert meta is not None, f"{path.name} has no Content-Security-Policy"
        assert first_script is None or meta.sourceline < first_script.sourceline or (
            meta.sourceline == first_script.sourceline and meta.sourcepos < first_script.sourcepos), path.name
        found[path.name] = meta["content"]
    return found


def test_every_page_carries_a_policy_that_allows_only_the_sites_own_scripts(book):
    for name, policy in policies(book.html).items():
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        for required in REQUIRED:
            key, value = required.split(" ", 1)
            assert directives.get(key) == value, (name, policy)
        assert directives["form-action"] in ("'none'", "'self'"), name
        script = directives["script-src"].split()
        assert script[0] == "'self'" and all(s.startswith("'sha256-") for s in script[1:]), (name, policy)
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script


LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""


def open_context(chromium, site: str, scheme: str):
    """A context under the pages' own policy (no bypass), recording every violation."""
    context = new_context(chromium, site, scheme, init_script=LISTEN, bypass_csp=False)
    context.console = []
    return context


def visit(context, url: str, wait_for: str | None = None) -> list[str]:
    page = context.new_page()
    page.on("console", lambda m: context.console.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url, wait_until="load")
    if wait_for:
        page.wait_for_selector(wait_for, timeout=20000)
    page.wait_for_timeout(100)
    violations = page.evaluate("window.__csp")
    page.close()
    return violations


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_breaks_its_policy_or_asks_another_host(chromium, site, book, scheme):
    context = open_context(chromium, site, scheme)
    try:
        pages = sorted(p.name for p in book.html.glob("*.html"))
        assert "index.html" in pages and "search.html" in pages
        seen = {name: visit(context, site + name) for name in pages}
        seen["search.html?q=clonazepam"] = visit(context, site + "search.html?q=clonazepam",
                                                 wait_for="#search-results ul.search li a")
        assert {k: v for k, v in seen.items() if v} == {}
        assert context.console == []
        assert context.outside == []
    finally:
        context.close()


def test_the_search_box_submits_under_the_policy(chromium, site):
    context = open_context(chromium, site, "light")
    try:
        page = context.new_page()
        page.goto(site + "mechanism.html")
        page.locator("input.sidebar-search").fill("clonazepam")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search.html?q=clonazepam*")
        page.wait_for_selector("#search-results ul.search li a", timeout=20000)
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()


def test_the_violation_listener_sees_a_blocked_inline_script(chromium, site):
    """The control: without it, a listener that never fires would pass the test above."""
    context = open_context(chromium, site, "light")
    try:
        page = context.new_page()
        page.goto(site + "index.html")
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.__ran = 1'; document.body.append(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__ran") is None
        assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    finally:
        context.close()


def test_the_offline_copy_opened_from_disk_keeps_its_scripts_under_the_policy(chromium, book):
    """The zip of the site is read from file:// URLs, where 'self' must still match the book's own files."""
    context = open_context(chromium, "file://", "dark")
    try:
        url = (book.html / "search.html").as_uri() + "?q=clonazepam"
        assert visit(context, url, wait_for="#search-results ul.search li a") == []
        assert context.console == [] and context.outside == []
    finally:
        context.close()

"""The HTML site in a real browser, as its readers use it.

Debian's Chromium (headless, driven by Playwright) reads the built site from a
local web server: axe-core on every page in the light and the dark theme, no
request to another host, the search box, the copy button, the download links,
phone-width layout, and screenshots for a human to look at
(build/screenshots/html-*.png).
"""

from __future__ import annotations

import functools
import re
import http.server
import io
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from conftest import BOOK, NAME, ROOT, doc_title

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


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


@pytest.fixture(scope="session")
def page_names(book):
    names = sorted(p.name for p in book.html.glob("*.html"))
    assert "index.html" in names and "mechanism.html" in names, names
    return names


def new_context(chromium, site, scheme="light", viewport=DESKTOP, **kwargs):
    """A browser context in one colour scheme, furo's theme switch set to match.

    Every request that leaves the local server is recorded and refused."""
    # axe-core is injected as an inline script, which the pages' Content-Security-Policy
    # refuses; the policy itself is tested without this bypass (tests/test_closed.py).
    kwargs.setdefault("bypass_csp", True)
    context = chromium.new_context(viewport=viewport, color_scheme=scheme, **kwargs)
    context.add_init_script(f"window.localStorage.setItem('theme', '{scheme}');")
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


@dataclass
class Visit:
    theme: str = ""
    background: tuple = ()
    violations: list = field(default_factory=list)
    outside: list = field(default_factory=list)


@pytest.fixture(scope="session")
def visits(chromium, site, page_names):
    """Every page loaded once per colour scheme, checked with axe-core: {(scheme, page): Visit}."""
    assert AXE.is_file(), f"{AXE} is missing: `make test` installs it (npm ci)"
    axe = AXE.read_text()
    results = {}
    for scheme in SCHEMES:
        context = new_context(chromium, site, scheme)
        page = context.new_page()
        for name in page_names:
            before = len(context.outside)
            page.goto(site + name, wait_until="load")
            visit = Visit()
            visit.theme = page.evaluate("document.body.dataset.theme")
            visit.background = tuple(page.evaluate(
                "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"))
            page.add_script_tag(content=axe)
            report = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            visit.violations = [
                f"{v['id']} ({v['impact']}): {v['help']}; "
                + "; ".join(n["html"][:120] for n in v["nodes"][:3])
                for v in report["violations"]
            ]
            visit.outside = context.outside[before:]
            results[scheme, name] = visit
        context.close()
    return results


def luminance(rgb) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_violations_on_any_page(visits, page_names, scheme):
    found = {name: visits[scheme, name].violations for name in page_names if visits[scheme, name].violations}
    report = "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert not found, f"axe-core, {scheme} theme:\n{report}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_shows_the_chosen_theme(visits, page_names, scheme):
    """The axe run above checked what readers of that theme see (so contrast in dark mode too)."""
    for name in page_names:
        visit = visits[scheme, name]
        assert visit.theme == scheme, f"{name}: furo shows the {visit.theme!r} theme"
        light = luminance(visit.background) > 128
        assert light == (scheme == "light"), f"{name}: {scheme} theme has background {visit.background}"


def test_no_page_requests_anything_from_another_host(visits):
    outside = {f"{scheme} {name}": v.outside for (scheme, name), v in visits.items() if v.outside}
    assert not outside, f"requests that left the local server: {outside}"


def test_search_finds_the_mechanism_chapter(chromium, site):
    context = new_context(chromium, site)
    page = context.new_page()
    page.goto(site + "index.html")
    box = page.locator("input.sidebar-search")
    box.fill("half-life")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=half-life*")
    result = page.locator('#search-results ul.search li a[href^="mechanism.html"]').first
    result.wait_for(timeout=15000)
    assert result.inner_text().strip() == doc_title("mechanism") == "How clonazepam works"
    context.close()


def test_copy_button_copies_what_the_block_shows(chromium, site):
    """about.html's "cite this book" BibTeX block: the clipboard gets exactly the shown text."""
    origin = site.rstrip("/")
    context = new_context(chromium, site)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    page.goto(site + "about.html")
    block = page.locator("div.cite-this-book")
    assert block.count() == 1, "about.html has no cite-this-book block"
    shown = block.locator("pre").inner_text()
    assert BOOK["title"] in shown and "@book{" in shown
    page.evaluate("navigator.clipboard.writeText('nothing copied yet')")
    block.hover()
    button = block.locator("button.copybtn")
    button.click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()) !== 'nothing copied yet'",
                           timeout=5000)
    copied = page.evaluate("navigator.clipboard.readText()")
    # the rendered <pre> ends with one line break that copybutton does not copy
    assert copied == shown.removesuffix("\n"), f"copied:\n{copied}\nshown:\n{shown}"
    context.close()


def test_download_links_fetch_the_real_pdfs_and_epub(chromium, site, book):
    """Click each sidebar download link and look at the bytes the browser received:
    the three PDF editions and the EPUB, each the published file."""
    context = new_context(chromium, site, accept_downloads=True)
    page = context.new_page()
    received = {}

    def keep(route):
        response = route.fetch()
        received[route.request.url] = response.body()
        route.fulfill(response=response)

    page.route("**/_downloads/**", keep)
    page.goto(site + "mechanism.html")
    links = page.locator(".sidebar-downloads a.book-download")
    hrefs = [links.nth(i).evaluate("a => a.href") for i in range(links.count())]
    shipped = [f"{NAME}.epub", f"{NAME}.pdf", f"{NAME}-6in.pdf", f"{NAME}-large-print.pdf"]
    assert sorted(h.rsplit("/", 1)[1] for h in hrefs) == sorted(shipped), hrefs
    for href in hrefs:
        page.goto(site + "mechanism.html")
        page.locator(f'.sidebar-downloads a.book-download[href$="{href.rsplit("/", 1)[1]}"]').click()
        for _ in range(100):
            if href in received:
                break
            page.wait_for_timeout(100)
        assert href in received, f"clicking {href} fetched nothing"
    context.close()

    for href in (h for h in hrefs if h.endswith(".pdf")):
        pdf = received[href]
        assert pdf.startswith(b"%PDF-"), pdf[:16]
        assert pdf == (book.folder / href.rsplit("/", 1)[1]).read_bytes(), href
    epub = received[next(h for h in hrefs if h.endswith(".epub"))]
    with zipfile.ZipFile(io.BytesIO(epub)) as zf:
        assert zf.infolist()[0].filename == "mimetype"
        assert zf.read("mimetype") == b"application/epub+zip"
        assert "META-INF/container.xml" in zf.namelist()
    assert epub == book.epub.read_bytes()


# furo sets overflow-x: hidden on <html> and overflow-x: auto on its content
# column, so the page itself never scrolls sideways: what is too wide scrolls
# inside that column (or a table's box) instead, which a reader must find.
# Code blocks (<pre>) may scroll: a BibTeX line must not be broken.
SIDEWAYS = """() => {
    const out = [];
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth) out.push(`the page (${root.scrollWidth} px)`);
    for (const el of document.querySelectorAll('body *')) {
        if (el.closest('pre') || el.clientWidth === 0) continue;
        const overflow = getComputedStyle(el).overflowX;
        if (['auto', 'scroll', 'hidden'].includes(overflow) && el.scrollWidth > el.clientWidth + 1) {
            const what = [el.tagName.toLowerCase(), ...el.classList].join('.');
            out.push(`${what} (${el.scrollWidth} px in ${el.clientWidth})`);
        }
    }
    return out;
}"""


def test_no_page_scrolls_sideways_on_a_phone(chromium, site, page_names):
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    wide = {}
    for name in page_names:
        page.goto(site + name)
        found = page.evaluate(SIDEWAYS)
        if found:
            wide[name] = found
    context.close()
    assert not wide, f"sideways scrolling on a {PHONE['width']} px phone: {wide}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_screenshots(chromium, site, book, scheme, viewport):
    """Screenshots for a human to look at: build/screenshots/html-<page>-<width>-<scheme>.png."""
    folder = book.folder / "screenshots"
    folder.mkdir(exist_ok=True)
    context = new_context(chromium, site, scheme, viewport=viewport)
    page = context.new_page()
    for name in ("index", "mechanism"):
        page.goto(f"{site}{name}.html")
        path = folder / f"html-{name}-{viewport['width']}px-{scheme}.png"
        page.screenshot(path=str(path), full_page=True)
        with Image.open(path) as image:
            assert image.width == viewport["width"]
            grey = image.convert("L")
            # a page, not a blank: some ink; and the theme the reader chose
            assert grey.getextrema()[1] - grey.getextrema()[0] > 100, path.name
            mean = ImageStat.Stat(grey).mean[0]
            assert (mean > 128) == (scheme == "light"), f"{path.name}: mean grey {mean:.0f}"
    context.close()


# -- reading on a phone and a desktop ------------------------------------------------

SMALL_PHONE = {"width": 320, "height": 640}


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css: str) -> tuple:
    return tuple(int(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def test_phone_numbers_never_break_across_lines(chromium, site, page_names):
    """At 320 px every tel: link is on one line: a number split over two lines is misdialled."""
    context = new_context(chromium, site, viewport=SMALL_PHONE)
    page = context.new_page()
    broken, seen = [], 0
    for name in page_names:
        page.goto(site + name)
        found = page.evaluate("""() => [...document.querySelectorAll('article a[href^="tel:"]')]
            .map(a => [a.textContent, new Set([...a.getClientRects()].map(r => Math.round(r.top))).size])""")
        seen += len(found)
        broken += [f"{name}: {text!r} on {lines} lines" for text, lines in found if lines != 1]
    context.close()
    assert seen > 5, f"only {seen} phone links"
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_warning_boxes_are_body_size_and_stand_out(chromium, site, scheme):
    """Box text at body size (furo: 13 px against 16 px), and the Danger and Get help
    titles in white on a strong red, in light and in dark (furo's dark Danger bar is brown)."""
    context = new_context(chromium, site, scheme, viewport=PHONE)
    page = context.new_page()
    checked = 0
    for name in ("help", "key-facts", "cautions"):
        page.goto(f"{site}{name}.html")
        found = page.evaluate("""() => {
            const body = getComputedStyle(document.querySelector('article > section > p')).fontSize;
            return [...document.querySelectorAll('.admonition.danger, .admonition.get-help')].map(box => {
                const title = getComputedStyle(box.querySelector('.admonition-title'));
                const text = box.querySelector('p:not(.admonition-title), li');
                return {body, text: getComputedStyle(text).fontSize, fg: title.color, bg: title.backgroundColor};
            });
        }""")
        for box in found:
            checked += 1
            assert float(box["text"][:-2]) >= float(box["body"][:-2]), f"{name} ({scheme}): box text {box}"
            ratio = contrast(rgb(box["fg"]), rgb(box["bg"]))
            assert ratio >= 7, f"{name} ({scheme}): title {box['fg']} on {box['bg']}: contrast {ratio:.1f}"
            background = rgb(box["bg"])
            assert background[0] > 2 * max(background[1:]) and background[0] > 120, \
                f"{name} ({scheme}): the title bar is not a strong red: {box['bg']}"
    context.close()
    assert checked >= 3


def test_note_marks_are_targets_a_finger_can_tap(chromium, site):
    """WCAG 2.5.8: each note mark at least 24 x 24 CSS px (furo drew them 8 px high)."""
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    page.goto(site + "mechanism.html")
    sizes = page.evaluate("""() => [...document.querySelectorAll('article a.footnote-reference')]
        .map(a => { const r = a.getBoundingClientRect(); return [a.textContent, r.width, r.height]; })""")
    context.close()
    assert len(sizes) > 20
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    assert not small, f"{len(small)} note marks smaller than 24 px: {small[:5]}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_no_note_mark_sits_alone_at_line_start(chromium, site, viewport):
    """A mark stays on the line of the word it belongs to, whole ("[1, 3]" never splits),
    and its numbers are 24 px targets that do not overlap (WCAG 2.5.8)."""
    context = new_context(chromium, site, viewport=viewport)
    page = context.new_page()
    found, alone, split, overlaps = 0, [], [], []
    for doc in ("cautions", "uses", "mechanism"):
        page.goto(site + f"{doc}.html")
        result = page.evaluate(r"""() => {
            const out = {count: 0, alone: [], split: [], overlaps: []};
            for (const g of document.querySelectorAll('article span.note-marks')) {
                const boxes = [...g.getClientRects()];
                if (!boxes.length) continue;  // not shown (a table's header row on a phone)
                out.count++;
                if (boxes.length !== 1) out.split.push(g.textContent);
                // the last character before the mark is on the mark's line
                const walker = document.createTreeWalker(g.closest('p, li, dd, td, th') || document.body,
                                                         NodeFilter.SHOW_TEXT);
                let before = null;
                while (walker.nextNode()) {
                    if (g.contains(walker.currentNode)) break;
                    if (walker.currentNode.textContent.trim()) before = walker.currentNode;
                }
                if (before) {
                    const r = document.createRange();
                    const text = before.textContent.replace(/\s+$/, '');
                    r.setStart(before, text.length - 1); r.setEnd(before, text.length);
                    const last = r.getBoundingClientRect(), mark = g.getBoundingClientRect();
                    // wrapped: the mark starts left of the word it follows
                    if (mark.left < last.left) out.alone.push(text.slice(-20) + ' ' + g.textContent);
                }
                const links = [...g.querySelectorAll('a')].map(a => a.getBoundingClientRect());
                for (let i = 1; i < links.length; i++)
                    if (links[i].left < links[i - 1].right - 0.5) out.overlaps.push(g.textContent);
            }
            return out;
        }""")
        found += result["count"]
        alone += result["alone"]
        split += result["split"]
        overlaps += result["overlaps"]
    context.close()
    assert found > 100, found
    assert not alone, f"{len(alone)} marks at the start of a line, away from their word: {alone[:5]}"
    assert not split, f"marks broken across lines: {split[:5]}"
    assert not overlaps, f"marks whose numbers' targets overlap: {overlaps[:5]}"


def test_table_cells_on_a_phone_never_break_inside_a_word(chromium, site, page_names):
    """overflow-wrap: anywhere broke "Effectiveness" into "Effectivene/ss" with no hyphen."""
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    bad = {}
    for name in page_names:
        page.goto(site + name)
        found = page.evaluate("""() => [...document.querySelectorAll('table.docutils td, table.docutils th')]
            .map(c => getComputedStyle(c)).filter(s => s.overflowWrap === 'anywhere' || s.wordBreak === 'break-all')
            .length""")
        if found:
            bad[name] = found
    context.close()
    assert not bad, f"table cells that break anywhere inside a word: {bad}"


def test_the_menu_button_has_a_name(chromium, site):
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    page.goto(site + "mechanism.html")
    name = page.evaluate("""() => { const icon = document.querySelector('label.nav-overlay-icon svg');
        return icon.getAttribute('role') === 'img' ? icon.getAttribute('aria-label') : ''; }""")
    context.close()
    assert name, "the menu button has no accessible name"


def test_on_this_page_is_on_screen_at_1280px(chromium, site):
    context = new_context(chromium, site, viewport=DESKTOP)
    page = context.new_page()
    page.goto(site + "cautions.html")
    box = page.evaluate("""() => { const r = document.querySelector('.toc-drawer').getBoundingClientRect();
        const links = document.querySelectorAll('.toc-drawer a.reference').length;
        return [r.left, r.right, r.width, links]; }""")
    context.close()
    left, right, width, links = box
    assert links > 3, f"the 'On this page' list has {links} links"
    assert width > 150 and left >= 0 and right <= DESKTOP["width"], f"'On this page' at x {left:.0f} to {right:.0f}"


def test_every_page_links_to_the_index(chromium, site, page_names):
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    missing = []
    for name in page_names:
        if name == "genindex.html":
            continue  # the Index itself
        page.goto(site + name)
        if not page.evaluate("""() => [...document.querySelectorAll('a')].some(a =>
                a.getAttribute('href') && a.getAttribute('href').endsWith('genindex.html')
                && a.textContent.trim() === 'Index')"""):
            missing.append(name)
    context.close()
    assert not missing, f"no link to the Index on {missing}"


def test_glossary_terms_and_definitions_do_not_run_together(book):
    """The search page's summaries use each page's text: "dependenceThe" before."""
    html = (book.html / "glossary.html").read_text()
    joined = re.findall(r"</dt><dd>", html)
    assert "<dt" in html and not joined, f"{len(joined)} glossary terms run into their definitions"

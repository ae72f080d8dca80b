"""The HTML site in a real browser, as its readers use it.

Debian's Chromium (headless, driven by Playwright) reads the built site from a
local web server: axe-core on every page in the light and the dark theme, no
request to another host, the search box, the copy button, the download links,
phone-width layout, and screenshots for a human to look at
(build/screenshots/html-*.png).
"""

from __future__ import annotations

import re
import sys
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageStat

import browser_walks
from browser_walks import PHONE
from conftest import BOOK, DESKTOP, NAME, ROOT, doc_title, new_context

SCHEMES = ("light", "dark")


def luminance(rgb) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_violations_on_any_page(walks, page_names, scheme):
    visits = walks[f"desktop-{scheme}"]
    found = {name: visits[name].violations for name in page_names if visits[name].violations}
    report = "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert not found, f"axe-core, {scheme} theme:\n{report}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_page_shows_the_chosen_theme(walks, page_names, scheme):
    """The axe run above checked what readers of that theme see (so contrast in dark mode too)."""
    for name in page_names:
        visit = walks[f"desktop-{scheme}"][name]
        assert visit.theme == scheme, f"{name}: furo shows the {visit.theme!r} theme"
        light = luminance(visit.background) > 128
        assert light == (scheme == "light"), f"{name}: {scheme} theme has background {visit.background}"


def test_no_page_requests_anything_from_another_host(walks):
    outside = {f"{walk} {name}": v.outside for walk, visits in walks.items() for name, v in visits.items()
               if v.outside}
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
    # a result found by its section's title names the section too (book_search_answers.py)
    assert result.inner_text().strip().split(" › ")[0] == doc_title("mechanism") == "How clonazepam works"
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


def keep_downloads(page) -> dict[str, bytes]:
    """The bytes the browser receives for each download link, by URL, as they arrive."""
    received = {}

    def keep(route):
        response = route.fetch()
        received[route.request.url] = response.body()
        route.fulfill(response=response)

    page.route("**/_downloads/**", keep)
    return received


def test_download_links_fetch_the_real_pdfs_and_epub(chromium, site, book):
    """Click each sidebar download link and look at the bytes the browser received:
    the three PDF editions and the EPUB, each the published file."""
    context = new_context(chromium, site, accept_downloads=True)
    page = context.new_page()
    received = keep_downloads(page)
    page.goto(site + "mechanism.html")
    links = page.locator(".sidebar-downloads a.book-download")
    hrefs = [links.nth(i).evaluate("a => a.href") for i in range(links.count())]
    shipped = [f"{NAME}.epub", f"{NAME}.kepub.epub", f"{NAME}.pdf", f"{NAME}-6in.pdf", f"{NAME}-large-print.pdf"]
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
    epub = received[next(h for h in hrefs if h.endswith(f"{NAME}.epub"))]
    with zipfile.ZipFile(io.BytesIO(epub)) as zf:
        assert zf.infolist()[0].filename == "mimetype"
        assert zf.read("mimetype") == b"application/epub+zip"
        assert "META-INF/container.xml" in zf.namelist()
    assert epub == book.epub.read_bytes()


def test_no_page_scrolls_sideways_on_a_phone(walks, page_names):
    """At 390 px (the phone walk; the probe is browser_walks.SIDEWAYS)."""
    wide = {name: walks["phone"][name].probes["sideways"] for name in page_names
            if walks["phone"][name].probes["sideways"]}
    assert not wide, f"sideways scrolling on a {PHONE['width']} px phone: {wide}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_screenshots(walks, book, scheme, viewport):
    """Screenshots for a human to look at: build/screenshots/html-<page>-<width>-<scheme>.png
    (taken in the desktop walk of that scheme, the window narrowed for the phone)."""
    for name in ("index", "mechanism"):
        path = walks[f"desktop-{scheme}"][f"{name}.html"].screenshots[viewport["width"]]
        assert path == book.folder / "screenshots" / f"html-{name}-{viewport['width']}px-{scheme}.png"
        with Image.open(path) as image:
            assert image.width == viewport["width"]
            grey = image.convert("L")
            # a page, not a blank: some ink; and the theme the reader chose
            assert grey.getextrema()[1] - grey.getextrema()[0] > 100, path.name
            mean = ImageStat.Stat(grey).mean[0]
            assert (mean > 128) == (scheme == "light"), f"{path.name}: mean grey {mean:.0f}"


# -- reading on a phone and a desktop ------------------------------------------------

SMALL_PHONE = {"width": 320, "height": 640}


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css: str) -> tuple:
    return tuple(int(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def test_phone_numbers_never_break_across_lines(walks, page_names):
    """At 320 px every tel: link is on one line: a number split over two lines is misdialled."""
    broken, seen = [], 0
    for name in page_names:
        found = walks["phone"][name].probes["tel_lines"]
        assert SMALL_PHONE == browser_walks.SMALL_PHONE
        seen += len(found)
        broken += [f"{name}: {text!r} on {lines} lines" for text, lines in found if lines != 1]
    assert seen > 5, f"only {seen} phone links"
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_warning_boxes_are_body_size_and_stand_out(walks, scheme):
    """Box text at body size (furo: 13 px against 16 px), and the Danger and Get help
    titles in white on a strong red, in light and in dark (furo's dark Danger bar is brown).
    At 390 px, in the desktop walk of that scheme."""
    checked = 0
    for name in ("help", "key-facts", "cautions"):
        found = walks[f"desktop-{scheme}"][f"{name}.html"].probes["warning_boxes"]
        for box in found:
            checked += 1
            assert float(box["text"][:-2]) >= float(box["body"][:-2]), f"{name} ({scheme}): box text {box}"
            ratio = contrast(rgb(box["fg"]), rgb(box["bg"]))
            assert ratio >= 7, f"{name} ({scheme}): title {box['fg']} on {box['bg']}: contrast {ratio:.1f}"
            background = rgb(box["bg"])
            assert background[0] > 2 * max(background[1:]) and background[0] > 120, \
                f"{name} ({scheme}): the title bar is not a strong red: {box['bg']}"
    assert checked >= 3


def test_note_marks_are_targets_a_finger_can_tap(walks):
    """WCAG 2.5.8: each note mark at least 24 x 24 CSS px (furo drew them 8 px high)."""
    sizes = walks["phone"]["mechanism.html"].probes["note_taps"]
    assert len(sizes) > 20
    small = [s for s in sizes if s[1] < 24 or s[2] < 24]
    assert not small, f"{len(small)} note marks smaller than 24 px: {small[:5]}"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_no_note_mark_sits_alone_at_line_start(walks, viewport):
    """A mark stays on the line of the word it belongs to, whole ("[1, 3]" never splits),
    and its numbers are 24 px targets that do not overlap (WCAG 2.5.8).
    The probe is browser_walks.NOTE_MARKS, in the phone walk and the desktop light one."""
    walk = "phone" if viewport == PHONE else "desktop-light"
    assert browser_walks.WALKS[walk][1] == viewport
    found, alone, split, overlaps = 0, [], [], []
    for doc in ("cautions", "uses", "mechanism"):
        result = walks[walk][f"{doc}.html"].probes["note_marks"]
        found += result["count"]
        alone += result["alone"]
        split += result["split"]
        overlaps += result["overlaps"]
    assert found > 100, found
    assert not alone, f"{len(alone)} marks at the start of a line, away from their word: {alone[:5]}"
    assert not split, f"marks broken across lines: {split[:5]}"
    assert not overlaps, f"marks whose numbers' targets overlap: {overlaps[:5]}"


def test_table_cells_on_a_phone_never_break_inside_a_word(walks, page_names):
    """overflow-wrap: anywhere broke "Effectiveness" into "Effectivene/ss" with no hyphen."""
    bad = {name: walks["phone"][name].probes["table_wrap"] for name in page_names
           if walks["phone"][name].probes["table_wrap"]}
    assert not bad, f"table cells that break anywhere inside a word: {bad}"


def test_the_menu_button_has_a_name(walks):
    name = walks["phone"]["mechanism.html"].probes["menu_name"]
    assert name, "the menu button has no accessible name"


def test_on_this_page_is_on_screen_at_1280px(walks):
    assert browser_walks.WALKS["desktop-light"][1] == DESKTOP
    left, right, width, links = walks["desktop-light"]["cautions.html"].probes["toc_drawer"]
    assert links > 3, f"the 'On this page' list has {links} links"
    assert width > 150 and left >= 0 and right <= DESKTOP["width"], f"'On this page' at x {left:.0f} to {right:.0f}"


def test_every_page_links_to_the_index(walks, page_names):
    missing = [name for name in page_names
               if name != "genindex.html"  # the Index itself
               and not walks["phone"][name].probes["index_link"]]
    assert not missing, f"no link to the Index on {missing}"


def test_glossary_terms_and_definitions_do_not_run_together(book):
    """The search page's summaries use each page's text: "dependenceThe" before."""
    html = (book.html / "glossary.html").read_text()
    joined = re.findall(r"</dt><dd>", html)
    assert "<dt" in html and not joined, f"{len(joined)} glossary terms run into their definitions"


# -- search, online and offline ------------------------------------------------------

# A word the whole book uses, and a glossary word (its stem: the form the search index and the marks use).
SEARCHES = {"withdrawal": "withdraw", "agoraphobia": "agoraphobia"}
WORD = re.compile(r"[^\W_]+(?:[-’'][^\W_]+)*")


@pytest.fixture(scope="session")
def offline_site(book, tmp_path_factory):
    """The HTML zip from the downloads page, unzipped as a reader would: file:// URL of its folder."""
    folder = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(book.html_zip) as zf:
        zf.extractall(folder)
    index = folder / book.html_zip.stem / "index.html"
    assert index.is_file(), sorted(p.name for p in folder.iterdir())
    return index.parent.as_uri() + "/"


def search_from_the_sidebar(chromium, base, query, viewport=DESKTOP):
    """Search from the sidebar box of index.html with the pages' own Content-Security-Policy in force.

    Returns the open page (on search.html, every result shown), its context, and what
    went wrong in the console: errors and warnings (CORS, CSP, failed look-ups) and uncaught exceptions."""
    context = new_context(chromium, base, viewport=viewport, bypass_csp=False)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(base + "index.html")
    box = page.locator("input.sidebar-search")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(f"**/search.html?q={query}*")
    for _ in range(150):  # the status line is written once the last result is shown
        if page.evaluate("(document.querySelector('#search-results .search-summary') || {}).textContent || ''"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    return page, context, problems


RESULTS = """() => [...document.querySelectorAll('#search-results ul.search > li')].map(li => ({
    href: li.querySelector('a').getAttribute('href'),
    summary: [...li.querySelectorAll('p.context')].map(p => p.textContent).join(' | '),
    marked: [...li.querySelectorAll('p.context .highlighted')].map(s => s.textContent)}))"""


def page_words(page, base, href) -> set[str]:
    """The words of a page as the browser lays it out (blocks apart), to check a summary's words against."""
    page.goto(base + href.split("#")[0])
    return set(WORD.findall(page.evaluate("document.querySelector('[role=main]').innerText")))


@pytest.mark.parametrize("query", list(SEARCHES))
@pytest.mark.parametrize("where", ["file", "http"])
def test_search_works_offline_with_summaries(chromium, site, offline_site, book, where, query):
    """From the unzipped HTML zip (file://) as over HTTP: every result shows a few lines of its
    page with the word searched for marked, words apart ("dependence: The", never "dependenceThe"),
    and nothing in the console (Sphinx fetched each page, which file:// refuses: 14 CORS errors)."""
    base = offline_site if where == "file" else site
    page, context, problems = search_from_the_sidebar(chromium, base, query)
    results = page.evaluate(RESULTS)
    assert len(results) >= 3, f"{where}: {query!r} found {len(results)} results"
    stem = SEARCHES[query]
    for result in results:
        summary = result["summary"]
        assert summary.strip(), f"{where}: {result['href']} has no summary"
        assert re.search(rf"(?<!\w){stem}", summary, re.IGNORECASE), f"{result['href']}: {summary!r}"
        assert result["marked"] and all(m.lower().startswith(stem) for m in result["marked"]), result
    glossary = [r for r in results if r["href"].startswith("glossary.html#term-")]
    assert glossary, f"{query!r}: no glossary term among {[r['href'] for r in results]}"
    term = glossary[0]["summary"]
    assert re.match(rf"{stem}\w*: [A-Z]", term, re.IGNORECASE), f"the term runs into its definition: {term!r}"
    checked = page.context.new_page()
    for href in sorted({r["href"].split("#")[0] for r in results}):
        words = page_words(checked, base, href)
        for result in (r for r in results if r["href"].split("#")[0] == href):
            joined = [w for w in WORD.findall(result["summary"]) if w not in words]
            assert not joined, f"{where}: words run together in the summary of {result['href']}: {joined}"
    if where == "file" and query == "withdrawal":  # for a human to look at
        (book.folder / "screenshots").mkdir(exist_ok=True)
        page.goto(page.url.split("?")[0] + f"?q={query}")
        page.set_viewport_size(PHONE)
        page.wait_for_selector("#search-results ul.search li p.context", timeout=15000)
        page.screenshot(path=str(book.folder / "screenshots" / "html-search-390px-file.png"))
    context.close()
    assert not problems, f"{where}, search {query!r}:\n" + "\n".join(problems)


@pytest.mark.parametrize("where", ["file", "http"])
def test_a_search_result_for_an_index_entry_opens_its_place(chromium, site, offline_site, where):
    """Results that point at an index entry (#index-N) threw a TypeError on the search page
    (their anchor is an empty <span>); now each has its section's lines, and opens there."""
    base = offline_site if where == "file" else site
    page, context, problems = search_from_the_sidebar(chromium, base, "withdrawal")
    results = page.evaluate(RESULTS)
    entries = [r for r in results if re.search(r"#index-\d+$", r["href"])]
    assert entries, f"no index entry among {[r['href'] for r in results]}"
    assert all(r["summary"].strip() for r in entries), entries
    href = entries[0]["href"]
    page.locator(f'#search-results ul.search > li > a[href="{href}"]').click()
    page.wait_for_load_state("load")
    anchor = href.split("#")[1]
    assert page.url.endswith(href), page.url
    where_it_is = f"(document.getElementById('{anchor}') || {{getBoundingClientRect: () => ({{top: NaN}})}})" \
                  ".getBoundingClientRect().top"
    for _ in range(50):  # the page scrolls there smoothly
        top = page.evaluate(where_it_is)
        if 0 <= top < DESKTOP["height"]:
            break
        page.wait_for_timeout(100)
    assert 0 <= top < DESKTOP["height"], f"{href}: the entry's place is at y={top}, not on screen"
    context.close()
    assert not problems, f"{where}:\n" + "\n".join(problems)


def test_the_downloads_page_offers_the_site_as_a_zip_to_read_offline(chromium, site, book):
    """The downloads page links the HTML zip; the browser gets the published zip, with the site in it."""
    context = new_context(chromium, site, accept_downloads=True)
    page = context.new_page()
    received = keep_downloads(page)
    page.goto(site + "downloads.html")
    link = page.locator(f'article a.book-download[href$="{book.html_zip.name}"]')
    assert link.count() == 1, f"downloads.html does not link {book.html_zip.name}"
    assert link.inner_text().startswith("HTML (zip"), link.inner_text()
    href = link.evaluate("a => a.href")
    link.click()
    for _ in range(100):
        if href in received:
            break
        page.wait_for_timeout(100)
    context.close()
    assert href in received, f"clicking {href} fetched nothing"
    data = received[href]
    assert data == book.html_zip.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
    top = book.html_zip.stem
    for name in ("index.html", "search.html", "searchindex.js", "_static/book-search-text.js"):
        assert f"{top}/{name}" in names, f"the zip has no {name}"


def test_search_summaries_keep_blocks_apart_and_index_entries_find_their_section():
    """book_search.py's page text, on markup written with no white space between blocks:
    a glossary term and its definition apart, an index entry's empty target given the rest
    of its section, a section's summary after its heading (the result's link shows that)."""
    sys.path.insert(0, str(ROOT / "tools" / "extensions"))
    from book_search import page_text

    page = page_text('<html><body><article role="main"><section id="top"><h1>Words</h1>'
                     '<dl><dt id="term-dependence">dependence<a class="headerlink" href="#x">#</a></dt>'
                     '<dd><p>The body adjusts.</p></dd><dt id="term-taper">taper</dt><dd><p>Slowly.</p></dd></dl>'
                     '<section id="more"><span id="index-0"></span><h2>More</h2><p>One.</p><p>Two<sup>x</sup>.</p>'
                     '</section></section></article><p>Not the main text.</p></body></html>')
    text, anchors = page["text"], page["anchors"]
    assert text == "Words: dependence: The body adjusts. taper: Slowly. More: One. Twox."

    def part(anchor):
        start, end = anchors[anchor]
        return text[start:end]

    assert part("term-dependence") == "dependence: The body adjusts."
    assert part("term-taper") == "taper: Slowly."
    assert part("more") == part("index-0") == "One. Twox."

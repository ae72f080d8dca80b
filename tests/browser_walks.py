"""Three walks through the built site in Chromium, every per-page probe in one pass.

A walk opens every page of the site once, under the pages' own
Content-Security-Policy (no bypass), in one colour scheme at one window size:

    desktop-light   1280 px, light theme
    desktop-dark    1280 px, dark theme
    phone           390 px, light theme

On each page it records what every test of a page needs (conftest's ``walks``
fixture returns it): furo's theme and the background, axe-core's violations
(the desktop walks), the requests that left the local server, the policy's
violations, and the answer of each probe below whose walk and pages match.  A
probe may ask for another window width (a 320 px phone, a 360 px phone): the
walk resizes the window, asks, and puts it back, without loading the page again.

axe-core is evaluated through the DevTools protocol (Playwright's evaluate),
which a page's policy does not govern, so the policy stays on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
FIGURE_PHONE = {"width": 360, "height": 800}  # test_figures.PHONE: a small phone

WALKS = {
    "desktop-light": ("light", DESKTOP),
    "desktop-dark": ("dark", DESKTOP),
    "phone": ("light", PHONE),
}
AXE_WALKS = ("desktop-light", "desktop-dark")
SCREENSHOT_PAGES = ("index", "mechanism")

# The policy's violations, as test_closed.py records them.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""


@dataclass(frozen=True)
class Probe:
    """A question asked of a page: JavaScript (a function), on which walks and
    pages (None: every page), at which window size (None: the walk's own)."""
    js: str
    walks: tuple[str, ...]
    pages: tuple[str, ...] | None = None
    viewport: dict | None = None


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

NOTE_MARKS = r"""() => {
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
}"""

WARNING_BOXES = """() => {
    const body = getComputedStyle(document.querySelector('article > section > p')).fontSize;
    return [...document.querySelectorAll('.admonition.danger, .admonition.get-help')].map(box => {
        const title = getComputedStyle(box.querySelector('.admonition-title'));
        const text = box.querySelector('p:not(.admonition-title), li');
        return {body, text: getComputedStyle(text).fontSize, fg: title.color, bg: title.backgroundColor};
    });
}"""

FIGURES_SHOWN = """() => [document.querySelectorAll('figure').length,
    [...document.querySelectorAll('figure img')]
        .filter(img => img.getBoundingClientRect().width > 0)
        .map(img => [img.getAttribute('src'), img.getBoundingClientRect().width])]"""

PROBES = {
    # test_browser.py
    "sideways": Probe(SIDEWAYS, ("phone",)),
    "tel_lines": Probe("""() => [...document.querySelectorAll('article a[href^="tel:"]')]
        .map(a => [a.textContent, new Set([...a.getClientRects()].map(r => Math.round(r.top))).size])""",
                       ("phone",), viewport=SMALL_PHONE),
    "table_wrap": Probe("""() => [...document.querySelectorAll('table.docutils td, table.docutils th')]
        .map(c => getComputedStyle(c)).filter(s => s.overflowWrap === 'anywhere' || s.wordBreak === 'break-all')
        .length""", ("phone",)),
    "index_link": Probe("""() => [...document.querySelectorAll('a')].some(a =>
        a.getAttribute('href') && a.getAttribute('href').endsWith('genindex.html')
        && a.textContent.trim() === 'Index')""", ("phone",)),
    "warning_boxes": Probe(WARNING_BOXES, ("desktop-light", "desktop-dark"), ("help", "key-facts", "cautions"),
                           viewport=PHONE),
    "note_taps": Probe("""() => [...document.querySelectorAll('article a.footnote-reference')]
        .map(a => { const r = a.getBoundingClientRect(); return [a.textContent, r.width, r.height]; })""",
                       ("phone",), ("mechanism",)),
    "note_marks": Probe(NOTE_MARKS, ("desktop-light", "phone"), ("cautions", "uses", "mechanism")),
    "menu_name": Probe("""() => { const icon = document.querySelector('label.nav-overlay-icon svg');
        return icon.getAttribute('role') === 'img' ? icon.getAttribute('aria-label') : ''; }""",
                       ("phone",), ("mechanism",)),
    "toc_drawer": Probe("""() => { const r = document.querySelector('.toc-drawer').getBoundingClientRect();
        const links = document.querySelectorAll('.toc-drawer a.reference').length;
        return [r.left, r.right, r.width, links]; }""", ("desktop-light",), ("cautions",)),
    # test_help_first.py: every visible tel: link at 320 px, on the pages a reader in trouble opens
    "help_tel_rects": Probe("""() => [...document.querySelectorAll('a[href^="tel:"]')]
        .filter(a => a.offsetParent !== null)
        .map(a => [a.textContent, a.getClientRects().length])""",
                            ("phone",), ("index", "help", "cautions"), viewport=SMALL_PHONE),
    # test_figures.py: the figures as a 360 px phone shows them, light and dark
    "figures_shown": Probe(FIGURES_SHOWN, ("desktop-light", "desktop-dark"), ("mechanism", "cautions"),
                           viewport=FIGURE_PHONE),
}


@dataclass
class Visit:
    """One page in one walk."""
    theme: str = ""
    background: tuple = ()
    violations: list = field(default_factory=list)  # axe-core's (desktop walks)
    outside: list = field(default_factory=list)  # requests refused because they left the local server
    csp: list = field(default_factory=list)  # the policy's violations (securitypolicyviolation events)
    console_csp: list = field(default_factory=list)  # console messages about the policy
    probes: dict = field(default_factory=dict)
    screenshots: dict = field(default_factory=dict)  # width -> PNG path (SCREENSHOT_PAGES, desktop walks)


def walk(chromium, site: str, name: str, page_names: list[str], axe: str, screenshots: Path, new_context):
    """One walk: {page file name: Visit}."""
    scheme, viewport = WALKS[name]
    context = new_context(chromium, site, scheme, viewport=viewport, init_script=LISTEN, bypass_csp=False)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    visits = {}
    for file in page_names:
        stem = file.removesuffix(".html")
        before_out, before_console = len(context.outside), len(console)
        page.goto(site + file, wait_until="load")
        visit = Visit()
        visit.theme = page.evaluate("document.body.dataset.theme")
        visit.background = tuple(page.evaluate(
            "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"))
        for probe_name, probe in PROBES.items():
            if name in probe.walks and probe.viewport is None and (probe.pages is None or stem in probe.pages):
                visit.probes[probe_name] = page.evaluate(probe.js)
        resized = [(n, p) for n, p in PROBES.items()
                   if name in p.walks and p.viewport is not None and (p.pages is None or stem in p.pages)]
        for probe_name, probe in resized:
            page.set_viewport_size(probe.viewport)
            visit.probes[probe_name] = page.evaluate(probe.js)
        if name in AXE_WALKS and stem in SCREENSHOT_PAGES:
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                path = screenshots / f"html-{stem}-{size['width']}px-{scheme}.png"
                page.screenshot(path=str(path), full_page=True)
                visit.screenshots[size["width"]] = path
        if resized or visit.screenshots:
            page.set_viewport_size(viewport)
        if name in AXE_WALKS:
            page.evaluate(axe)  # through the DevTools protocol: the page's policy does not apply
            report = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            visit.violations = [
                f"{v['id']} ({v['impact']}): {v['help']}; " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
                for v in report["violations"]
            ]
        page.wait_for_timeout(50)  # a late violation report
        visit.csp = page.evaluate("window.__csp")
        visit.outside = context.outside[before_out:]
        visit.console_csp = console[before_console:]
        visits[file] = visit
    context.close()
    return visits

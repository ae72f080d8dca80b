"""Every link a reader taps or clicks is big enough: axe-core with the WCAG 2.2 rules
(target-size included) finds nothing on any page at 1280 px as at 390 px; the index's
A-Z links are usable on a 320 px phone; note marks read "[1]" and "[3, 11]"."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, new_context

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.mark.parametrize("screen", WIDTHS)
def test_axe_with_target_size_finds_nothing(chromium, site, book, screen):
    axe = AXE.read_text()
    context = new_context(chromium, site, viewport=WIDTHS[screen])
    page = context.new_page()
    found = {}
    for path in sorted(book.html.glob("*.html")):
        page.goto(site + path.name, wait_until="load")
        page.add_script_tag(content=axe)
        report = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
                               " resultTypes: ['violations']})", TAGS)
        if report["violations"]:
            found[path.name] = [f"{v['id']}: " + "; ".join(n["html"][:100] for n in v["nodes"][:4])
                                for v in report["violations"]]
    context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def test_the_index_letters_are_targets_on_a_small_phone(chromium, site):
    context = new_context(chromium, site, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + "genindex.html", wait_until="load")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.genindex-jumpbox a')]
        .map(a => { const r = a.getBoundingClientRect(); return [a.textContent, r.width, r.height, r.right]; })""")
    context.close()
    assert len(boxes) >= 10, boxes
    small = [b for b in boxes if b[1] < 24 or b[2] < 24]
    assert not small, f"index letters smaller than 24 x 24 px at 320 px: {small[:6]}"
    assert all(b[3] <= 320 for b in boxes), "index letters run off a 320 px screen"


def test_note_marks_read_without_stray_spaces(chromium, site):
    """What a reader sees (the rendered text, as the layout places it): "[1]" and "[3, 11]"."""
    context = new_context(chromium, site, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site + "cautions.html", wait_until="load")
    # each mark's characters, with the gap before each one (pixels between glyph boxes)
    gaps = page.evaluate("""() => [...document.querySelectorAll('span.note-marks')].slice(0, 80).map(mark => {
        const range = document.createRange(), out = [];
        let last = null;
        const walker = document.createTreeWalker(mark, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            for (let i = 0; i < n.length; i++) {
                const ch = n.data[i];
                if (ch === '\\u2060') continue;
                range.setStart(n, i); range.setEnd(n, i + 1);
                const r = range.getBoundingClientRect();
                out.push([ch, last === null ? 0 : r.left - last]);
                last = r.right;
            }
        }
        return out;
    })""")
    context.close()
    assert len(gaps) > 20
    stray = []
    for mark in gaps:
        text = "".join(ch for ch, _ in mark)
        # a gap wider than a third of an em (about 4 px at the marks' size), except after a comma's space
        wide = [ch for (ch, gap), (prev, _) in zip(mark[1:], mark) if gap > 4 and prev not in ",\u00a0 "]
        if wide:
            stray.append(f"{text!r} gaps before {wide}")
    assert not stray, f"{len(stray)} marks drawn with gaps: {stray[:5]}"
    assert all(re.fullmatch(r"\[\d+(,\u00a0\d+)*\]", "".join(ch for ch, _ in m)) for m in gaps)

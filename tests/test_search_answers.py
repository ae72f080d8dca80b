"""Search lands on the answer: for the words patients type, the first result opens the
section or question that answers it (book_search_answers.py), over HTTP and from a
file:// copy of the site; and a phone has a search control in its header."""

from __future__ import annotations

import re

import pytest

from conftest import CHROMIUM_ARGS, new_context  # noqa: F401 (CHROMIUM_ARGS: the same browser flags)

# What a patient types, and what the heading of the section the first result opens must say.
ANSWERS = {
    "pregnancy": r"pregnan",
    "breastfeeding": r"breastfeed",
    "alcohol": r"alcohol",
    "driving": r"\bdriv",
    "withdrawal": r"withdrawal",
    "stop": r"\bstop",
    "overdose": r"overdose",
    "missed dose": r"miss(ed)? a? ?dose",
    "older adults": r"older adults",
    "opioids": r"opioid",
}
PHONE = {"width": 390, "height": 844}


def first_result(page, base: str, query: str) -> tuple[str, str]:
    """The first result's label and the heading of the section it opens."""
    page.goto(f"{base}search.html?q={query.replace(' ', '+')}", wait_until="load")
    link = page.locator("#search-results ul.search > li a").first
    link.wait_for(timeout=15000)
    label = link.inner_text()
    link.click()
    page.wait_for_load_state("load")
    heading = page.evaluate("""() => {
        const id = decodeURIComponent(location.hash.slice(1));
        const target = id && document.getElementById(id);
        const section = target && (target.closest('section') || target);
        const h = section && section.querySelector('h1, h2, h3, h4, h5, h6');
        return h ? h.textContent.replace(/#$/, '').trim() : '';
    }""")
    return label, heading


def check_answers(page, base: str) -> list[str]:
    wrong = []
    for query, pattern in ANSWERS.items():
        label, heading = first_result(page, base, query)
        if not re.search(pattern, heading, re.I):
            wrong.append(f"{query!r}: first result {label!r} opens {heading or 'the top of a page'!r}")
    return wrong


def test_the_first_result_answers_over_http(chromium, site):
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    wrong = check_answers(page, site)
    context.close()
    assert not wrong, "\n".join(wrong)


def test_the_first_result_answers_from_file(chromium, book):
    context = chromium.new_context(viewport=PHONE)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else route.abort())
    page = context.new_page()
    wrong = check_answers(page, book.html.as_uri() + "/")
    context.close()
    assert not wrong, "\n".join(wrong)


def test_a_result_found_by_its_section_is_labelled_with_the_section(chromium, site):
    context = new_context(chromium, site, viewport=PHONE)
    page = context.new_page()
    label, heading = first_result(page, site, "older adults")
    context.close()
    assert "Older adults" in label, label


@pytest.mark.parametrize("width", [320, 390])
def test_the_phone_header_has_a_search_control(chromium, site, width):
    context = new_context(chromium, site, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(site + "cautions.html", wait_until="load")
    control = page.locator("header.mobile-header a[href$='search.html']")
    assert control.count() == 1, "no search control in the phone header"
    assert control.is_visible()
    box = control.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    assert control.get_attribute("aria-label"), "the search control has no name"
    control.click()
    page.wait_for_load_state("load")
    assert page.url.split("?")[0].endswith("search.html")
    assert page.locator("form input[name='q']").first.is_visible() or page.locator("input[name='q']").count()
    context.close()

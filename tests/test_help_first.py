"""A reader in trouble finds help at once: the "Get help now" block comes first,
and every phone number in it is one tap away and never broken across lines."""

from __future__ import annotations

import re
import zipfile

import pytest
from bs4 import BeautifulSoup

import browser_walks
from conftest import SOURCE

HELP_TITLE = "Get help now"
# US phone numbers as the book writes them: 911, 988 and 1-800-... numbers.
PHONE = re.compile(r"(?<![\w.-])(?:911|988|1-8\d\d-[0-9A-Z]{3}-[0-9]{4})(?![\w-])")
# The bibliography quotes source titles ("Poison Help: 1-800-222-1222"), and a note may name one: not numbers to call.
NOT_CALLABLE = ("footnote", "footnote-list", "citation", "bibliography")


def help_block(soup):
    for title in soup.select(".admonition-title"):
        if title.get_text(strip=True) == HELP_TITLE:
            return title.parent
    return None


def test_the_home_page_shows_help_before_the_contents(book):
    soup = BeautifulSoup((book.html / "index.html").read_text(), "html.parser")
    block = help_block(soup)
    assert block is not None, "index.html has no 'Get help now' block"
    toctree = soup.select_one(".toctree-wrapper")
    assert toctree is not None
    order = [el for el in soup.find_all(True) if el is block or el is toctree]
    assert order[0] is block, "the help block comes after the contents on the home page"


@pytest.mark.parametrize("page", ["index.html", "help.html", "cautions.html"])
def test_the_help_block_is_on_the_pages_a_reader_in_trouble_opens(book, page):
    soup = BeautifulSoup((book.html / page).read_text(), "html.parser")
    block = help_block(soup)
    assert block is not None, f"{page} has no 'Get help now' block"
    text = block.get_text(" ", strip=True)
    for needed in ("911", "naloxone", "988", "1-800-222-1222", "Poison Help", "seizure"):
        assert needed in text, f"{page}: the help block lacks {needed!r}"
    if page == "cautions.html":
        first = soup.select_one("article .admonition")
        assert first is block, "Cautions does not open with the help block"


def test_the_help_block_is_written_once():
    """One source for the block: every page includes it, none copies it."""
    copies = [p.name for p in SOURCE.glob("*.rst") if "Get help now" in p.read_text()
              and ".. admonition:: Get help now" in p.read_text()]
    assert copies == [], f"the help block is copied into {copies}"
    includes = [p.name for p in SOURCE.glob("*.rst") if "/_includes/get-help.rst" in p.read_text()]
    assert {"index.rst", "help.rst", "cautions.rst"} <= set(includes), includes


def uncallable_numbers(markup: str) -> list[str]:
    """Phone numbers in running text that are not inside a tel: link."""
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(class_=NOT_CALLABLE):
        tag.decompose()
    for tag in soup.find_all(["script", "style", "head"]):
        tag.decompose()
    found = []
    for text in soup.find_all(string=PHONE):
        link = text.find_parent("a")
        if link is not None and link.get("href", "").startswith("tel:"):
            continue
        for number in PHONE.findall(text):
            # "the 988 Suicide & Crisis Lifeline" is the service's name, not a number to dial
            if number == "988" and re.search(r"988 Suicide", text):
                continue
            found.append(f"{number} in {text.strip()[:60]!r}")
    return found


def test_every_phone_number_in_the_html_is_a_tel_link(book):
    pages = sorted(book.html.glob("*.html"))
    problems = {p.name: uncallable_numbers(p.read_text()) for p in pages}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems
    links = [a["href"] for p in pages for a in BeautifulSoup(p.read_text(), "html.parser").select('a[href^="tel:"]')]
    assert {"tel:911", "tel:988", "tel:+18002221222"} <= set(links), links


def test_every_phone_number_in_the_epub_is_a_tel_link(book):
    with zipfile.ZipFile(book.epub) as zf:
        docs = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml")}
    problems = {n: uncallable_numbers(m) for n, m in docs.items()}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems
    assert any('href="tel:911"' in m for m in docs.values())


def test_the_uncallable_check_finds_a_bare_number():
    assert uncallable_numbers("<p>Call 911 or 1-800-222-1222.</p>") == [
        "911 in 'Call 911 or 1-800-222-1222.'", "1-800-222-1222 in 'Call 911 or 1-800-222-1222.'"]
    assert uncallable_numbers('<p>Call <a href="tel:911">911</a>.</p>') == []


@pytest.mark.parametrize("page", ["index.html", "help.html", "cautions.html"])
def test_no_phone_number_breaks_across_lines_on_a_small_phone(walks, page):
    """At 320 px, in the phone walk (browser_walks: the window narrowed to 320 px)."""
    assert browser_walks.PROBES["help_tel_rects"].viewport["width"] == 320
    lines = walks["phone"][page].probes["help_tel_rects"]
    assert lines, f"{page}: no visible tel: link"
    broken = [text for text, rects in lines if rects != 1]
    assert not broken, f"{page}: phone numbers broken across lines at 320 px: {broken}"

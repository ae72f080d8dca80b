"""The HTML site: downloads on every page, nothing from other hosts, search, themes."""

from __future__ import annotations

import re
import zipfile

import pytest
from bs4 import BeautifulSoup

from conftest import NAME, toctree_docs
from test_note_marks import mark_problems


def pages(book):
    return sorted(book.html.rglob("*.html"))


def test_every_page_links_the_pdf_and_epub_of_this_edition(book):
    for page in pages(book):
        text = page.read_text()
        for ext in ("pdf", "epub"):
            target = book.html / "_downloads" / f"{NAME}.{ext}"
            link = re.search(rf'href="([^"]*_downloads/{NAME}\.{ext})"[^>]*>([^<]*)<', text)
            assert link, f"{page.name} has no {ext} download link"
            assert (page.parent / link.group(1)).resolve() == target.resolve()
            # the link shows the real size of the file it fetches
            size = target.stat().st_size
            shown = re.search(r"\(([\d.]+) (KB|MB)\)", link.group(2))
            assert shown, link.group(2)
            # KB are rounded to whole units, MB to one decimal
            unit, step = (1_000_000, 0.1) if shown.group(2) == "MB" else (1000, 1)
            assert abs(float(shown.group(1)) * unit - size) <= step * unit / 2, (shown.group(0), size)


def test_downloads_are_the_published_pdf_and_epub(book):
    for ext, path in (("pdf", book.pdf), ("epub", book.epub)):
        shipped = book.html / "_downloads" / f"{NAME}.{ext}"
        assert shipped.read_bytes() == path.read_bytes()


REMOTE = re.compile(r'''(?:src|href|srcset|action)\s*=\s*["'](?:https?:)?//''', re.I)
CSS_REMOTE = re.compile(r"""url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""", re.I)


def test_no_page_loads_anything_from_another_host(book):
    for page in pages(book):
        text = page.read_text()
        # <a href> to other sites is a link the reader chooses; loading is what we forbid.
        for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", text):
            if tag.startswith("<link") and re.search(r'rel="(?:canonical|author|license)"', tag):
                continue
            assert not REMOTE.search(tag), f"{page.name}: {tag}"
    for asset in book.html.rglob("*"):
        if asset.suffix in {".css", ".js"}:
            assert not CSS_REMOTE.search(asset.read_text(errors="replace")), asset.name


def test_search_index_covers_the_book(book):
    assert (book.html / "search.html").exists()
    index = (book.html / "searchindex.js").read_text()
    for doc in toctree_docs():
        assert f'"{doc}"' in index, f"{doc} is not in the search index"
    assert "clonazepam" in index


def test_light_and_dark_modes_are_offered(book):
    index = (book.html / "index.html").read_text()
    assert "theme-toggle" in index
    css = " ".join(p.read_text() for p in (book.html / "_static" / "styles").glob("*.css"))
    assert re.search(r'body\[data-theme="?dark"?\]', css) and "prefers-color-scheme:dark" in css.replace(" ", "")


def test_html_zip_holds_the_whole_site_for_offline_reading(book):
    with zipfile.ZipFile(book.html_zip) as zf:
        names = set(zf.namelist())
    for page in pages(book):
        assert f"{NAME}-html/{page.relative_to(book.html).as_posix()}" in names


@pytest.mark.parametrize("doc", toctree_docs())
def test_every_chapter_is_a_page(book, doc):
    assert (book.html / f"{doc}.html").exists()


def test_every_icon_a_page_draws_is_defined_on_that_page(book):
    """furo's icon sprites are trimmed (partials/icons.html): no button may lose its icon."""
    for page in pages(book):
        text = page.read_text()
        defined = set(re.findall(r'<symbol id="([^"]+)"', text))
        used = set(re.findall(r'<use href="#([^"]+)"', text))
        assert used, f"{page.name} draws no icon: is this still a furo page?"
        assert used <= defined, f"{page.name}: icons used but not defined: {sorted(used - defined)}"


CODE_ONLY = ("copybutton", "clipboard", "pygments", "furo-extensions")


def test_code_assets_load_only_on_pages_that_show_code(book):
    """A chapter without code loads no copy button, clipboard library or code colours;
    a page with code (the "cite this book" block) loads all of them."""
    seen_code = seen_plain = False
    for page in pages(book):
        text = page.read_text()
        assets = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+\.(?:js|css)[^"]*)"', text)
        loaded = {name for name in CODE_ONLY if any(name in a for a in assets)}
        if '<div class="highlight' in text:
            seen_code = True
            assert loaded == set(CODE_ONLY), f"{page.name} shows code but lacks {set(CODE_ONLY) - loaded}"
        else:
            seen_plain = True
            assert not loaded, f"{page.name} shows no code but loads {sorted(loaded)}"
    assert seen_code and seen_plain


def test_note_numbers_read_in_brackets(book):
    """Note marks read "[3]" or "[1, 3]" as text, for screen readers and pages without
    styles; each number is its own link, so the brackets are outside the links."""
    text = (book.html / "mechanism.html").read_text()
    marks = re.findall(r'<span class="note-marks">(.*?)</span>', text)
    assert len(marks) >= 10
    for mark in marks:
        link = r'<a class="footnote-reference[^"]*"[^>]*>\d+</a>'
        assert re.fullmatch(rf"\u2060\[{link}(?:,(?:\u00a0|&#160;){link})*\]", mark), mark
    labels = re.findall(r'<span class="label">(.*?)</span>', text, re.S)
    assert labels and all(re.fullmatch(r"\[(?:<a [^>]*>)?\d+(?:</a>)?\]", x) for x in labels), labels[:3]


def chapter_articles(book):
    for doc in toctree_docs():
        soup = BeautifulSoup((book.html / f"{doc}.html").read_text(), "html.parser")
        yield doc, soup.select_one('article[role="main"]')


def test_adjacent_sources_print_as_one_mark(book):
    """"[1, 3]", never "[1][3]": every mark in note order, against its word, one per sentence."""
    total, several = 0, 0
    for doc, article in chapter_articles(book):
        count, problems = mark_problems(article)
        assert not problems, f"{doc}: {problems[:5]}"
        total += count
        several += sum(len(g.select("a.footnote-reference")) > 1 for g in article.select("span.note-marks"))
    assert total > 300, total
    assert several >= 10, f"only {several} marks name more than one source: are sentences with several sources joined?"


def test_a_source_cited_many_times_has_one_back_link(book):
    """A note's number links back to the first place its source is cited, and nothing
    else: a source cited 96 times once got "(1,2,3,...,96)", a line that could not wrap."""
    most = 0
    for doc, article in chapter_articles(book):
        cited = {}
        for a in article.select("a.footnote-reference"):
            cited[a["href"]] = cited.get(a["href"], 0) + 1
        most = max(most, *cited.values(), 0)
        for note in article.select("aside.footnote"):
            back = note.select('a[role="doc-backlink"]')
            assert len(back) == 1 and not note.select("span.backrefs"), f"{doc}#{note['id']}: {len(back)} back-links"
            first = article.select_one(f'a.footnote-reference[href="#{note["id"]}"]')
            assert back[0]["href"] == f"#{first['id']}", f"{doc}#{note['id']} links back to {back[0]['href']}"
    assert most >= 10, "no source is cited ten times in a chapter: the case this guards is gone"


def test_every_page_has_a_browser_icon(book):
    for page in pages(book):
        icon = re.search(r'<link rel="(?:shortcut )?icon" href="([^"]+)"', page.read_text())
        assert icon, f"{page.name} names no icon: browsers then ask for /favicon.ico and get a 404"
        assert (page.parent / icon.group(1)).is_file(), icon.group(1)

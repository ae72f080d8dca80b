"""What Sphinx parsed is checked, wherever the markup sits (issue 25).

The line checks of book_inputs.py miss a directive in a bullet, a table cell
or a numbered list, and a role split over two lines; the probe published
/etc/passwd through each.  tests/roots/test-doctree holds one fault per page,
checked on the doctree (tools/extensions/book_doctree.py).  The fast layer:
a tiny root, Sphinx's own test application.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT
from sphinx.util.console import strip_escape_sequences

sys.path.insert(0, str(ROOT / "tools" / "extensions"))

SECRET = "the machine's password file"


@pytest.fixture(autouse=True)
def secret(sphinx_test_tempdir) -> Path:
    """A file beside the copied root, outside its source folder (../secret.txt)."""
    path = Path(sphinx_test_tempdir) / "secret.txt"
    path.write_text(SECRET + "\n")
    (Path(sphinx_test_tempdir) / "secret.png").write_bytes((ROOT / "tests" / "roots" / "test-doctree" /
                                                            "picture.png").read_bytes())
    return path


def built(app) -> str:
    app.build()
    return strip_escape_sequences(app.warning.getvalue())


OUTSIDE = "outside source/: the book inserts only files from inside source/ [book.input]"
FAULTS = {
    # promise kept: (page, line, the message's words)
    "no file of the machine through an include in a bullet": (
        "bullet-include", 4, "include '../secret.txt' resolves to {secret}, " + OUTSIDE),
    "no file of the machine through a literalinclude in a bullet": (
        "bullet-literalinclude", 4, "literalinclude '../secret.txt' resolves to {secret}, " + OUTSIDE),
    "no file of the machine through a csv-table in a table cell": (
        "cell-csv", 6, "csv-table :file: '../secret.txt' resolves to {secret}, " + OUTSIDE),
    "no raw markup from a table cell": (
        "cell-raw", 7, "raw markup is refused wherever it stands"),
    "no raw markup from a numbered list": (
        "numbered-raw", 4, "raw markup is refused wherever it stands"),
    "the same content in every edition, even from a bullet": (
        "bullet-only", 4, "'only:: builder_html' is refused wherever it stands: every edition shows the same content"),
    "no image of the machine from a table cell": (
        "cell-image", 5, "image '../secret.png' resolves to {png}, " + OUTSIDE),
    "no file of the machine through a download split over two lines": (
        "split-download", 4, ":download: '../secret.txt' resolves to {secret}, " + OUTSIDE),
    "no script link": ("links", 4, "link 'javascript:alert(3)': javascript: links are refused"),
    "no plain-http link": ("links", 6, "link 'http://dailymed.nlm.nih.gov/': http: links are refused"),
    "no look-alike host": ("links", 8, "the host 'dailymed.nlm.nih.gоv' is not plain ASCII (U+043E)"),
    "no data link": ("links", 10, "link 'data:text/html,hello': data: links are refused"),
    "no file link": ("links", 12, "link 'file:///etc/passwd': file: links are refused"),
    "no hidden user name in a host": ("links", 14, "has a user name in its host"),
    "a phone link dials the number it shows": (
        "links", 16, "link 'tel:+18003321089' dials a number that is not in the phone table"),
    "no phone number without a source": (
        "links", 18, "link 'tel:+18005550100' dials a number that is not in the phone table"),
    "no script behind an image": ("links", 20, "link 'javascript:alert(4)': javascript: links are refused"),
    "a review date is a day that has passed": ("future", 4, "reviewed 2999-01-01 is after today"),
}


@pytest.mark.sphinx("html", testroot="doctree", freshenv=True)
@pytest.mark.parametrize("promise", sorted(FAULTS))
def test_a_fault_anywhere_in_the_markup_is_refused_with_file_and_line(app, secret, promise):
    page, line, words = FAULTS[promise]
    warnings = built(app)
    words = words.format(secret=secret, png=secret.with_suffix(".png"))
    where = f"{app.srcdir / page}.rst" + (f":{line}" if line else "")
    assert any(w.startswith(f"{where}: WARNING: ") and words in w for w in warnings.splitlines()), warnings


@pytest.mark.sphinx("html", testroot="doctree", freshenv=True)
def test_nothing_refused_reaches_the_pages(app):
    built(app)
    out = Path(app.outdir)
    text = "\n".join(p.read_text() for p in out.glob("*.html"))
    assert SECRET not in text
    assert "<script>alert" not in text
    assert "javascript:" not in text and "file:///" not in text and "tel:+18003321089" not in text
    assert "the other editions lack" not in text
    assert not (out / "_downloads").exists() or not any(
        SECRET in p.read_text(errors="replace") for p in (out / "_downloads").rglob("*") if p.is_file())
    assert not list((out / "_images").glob("secret*"))


@pytest.mark.sphinx("html", testroot="doctree", freshenv=True)
def test_the_books_own_files_links_and_numbers_pass(app):
    warnings = built(app)
    assert f"{app.srcdir / 'fine.rst'}" not in warnings, warnings
    page = (Path(app.outdir) / "fine.html").read_text()
    assert 'note.txt"' in page and 'href="tel:+18002221222"' in page and "own." in page


@pytest.mark.sphinx("html", testroot="doctree", freshenv=True,
                    confoverrides={"book_raw_allowed": ["cell-raw"], "book_only_allowed": ["builder_html"]})
def test_raw_and_only_pass_where_the_project_itself_lists_them(app):
    warnings = built(app)
    assert f"{app.srcdir / 'cell-raw.rst'}" not in warnings and "only:: builder_html" not in warnings, warnings
    assert f"{app.srcdir / 'numbered-raw.rst'}:4: WARNING: raw markup is refused" in warnings, warnings

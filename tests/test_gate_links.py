"""The output gate holds every link of every edition to the link policy (issue 25).

The probe's javascript: links reached all editions, a .bib URL with a
Cyrillic letter in its host was published (it never passes through a
doctree check: sphinxcontrib-bibtex renders it later), and a raw link with
rel=attachment made every PDF carry /etc/passwd as a file attachment.
tools/gate.py now reads the links of the HTML, the EPUB and the PDFs' link
annotations and attachments.  Fast: tiny made-up outputs, no build.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from gate import find_bad_links  # noqa: E402

SOURCE = ROOT / "source"  # for the phone table


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"


HTML_FAULTS = {
    # promise: (markup, words of the finding)
    "no script link in a page": ('<a href="javascript:alert(1)">x</a>', "javascript: links are refused"),
    "no script link hidden by a tab": ('<a href="java&#9;script:alert(1)">x</a>', "javascript: links are refused"),
    "no plain-http link from a .bib URL": ('<a href="http://example.org/">x</a>', "http: links are refused"),
    "no look-alike host from a .bib URL": ('<a href="https://dailymed.nlm.nih.g\u043ev/">x</a>',
                                           "is not plain ASCII (U+043E)"),
    "no file link": ('<a rel="attachment" href="file:///etc/passwd">x</a>', "file: links are refused"),
    "no data link": ('<a href="data:text/html,x">x</a>', "data: links are refused"),
    "a phone link dials what it shows": ('<a href="tel:+18003321089">1-800-FDA-1088</a>',
                                         "not in the phone table"),
    "a phone link's words match its number": ('<a href="tel:+18002221222">1-800-FDA-1088</a>',
                                              "but its text '1-800-FDA-1088' dials 18003321088"),
    "no inline event handler": ('<img src="a.png" alt="" onerror="alert(1)">', "inline event handler"),
}


@pytest.mark.parametrize("promise", sorted(HTML_FAULTS))
def test_a_bad_link_in_the_site_or_the_epub_fails_the_gate(tmp_path, promise):
    markup, words = HTML_FAULTS[promise]
    site = tmp_path / "html"
    site.mkdir()
    (site / "uses.html").write_text(page(markup))
    epub = tmp_path / "book.epub"
    with zipfile.ZipFile(epub, "w") as zf:
        zf.writestr("EPUB/uses.xhtml", page(markup))
    found = find_bad_links([site, epub], SOURCE, relative_to=tmp_path)
    assert any(f.startswith("html/uses.html: ") and words in f for f in found), found
    assert any(f.startswith("book.epub!EPUB/uses.xhtml: ") and words in f for f in found), found


def test_the_books_own_kinds_of_links_pass(tmp_path):
    site = tmp_path / "html"
    site.mkdir()
    (site / "help.html").write_text(page(
        '<a href="#top">top</a> <a href="uses.html#x">uses</a> <a href="https://dailymed.nlm.nih.gov/">label</a> '
        '<a href="tel:911">911</a> <a href="tel:+18003321088">1-800-FDA-1088</a> <form action="search.html"></form>'))
    assert find_bad_links([site], SOURCE, relative_to=tmp_path) == []


def pdf_with(tmp_path: Path, *, uri: str | None = None, attachment: bool = False, launch: bool = False) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    annots = []
    if uri is not None:
        annots.append(pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(uri)))))
    if attachment:
        annots.append(pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment, Rect=[0, 0, 10, 10])))
    if launch:
        annots.append(pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("/bin/sh")))))
    pdf.pages[0].obj.Annots = pikepdf.Array(annots)
    path = tmp_path / "book.pdf"
    pdf.save(path)
    return path


PDF_FAULTS = {
    "no script link in a PDF": ({"uri": "javascript:alert(1)"}, "page 1: link 'javascript:alert(1)'"),
    "no file link in a PDF": ({"uri": "file:///etc/passwd"}, "page 1: link 'file:///etc/passwd'"),
    "no phone number outside the phone table in a PDF": ({"uri": "tel:+18003321089"}, "not in the phone table"),
    "no file attached to a PDF": ({"attachment": True}, "page 1: a file attachment"),
    "no PDF link that starts a program": ({"launch": True}, "page 1: a Launch action"),
}


@pytest.mark.parametrize("promise", sorted(PDF_FAULTS))
def test_a_bad_link_or_an_attachment_in_a_pdf_fails_the_gate(tmp_path, promise):
    kwargs, words = PDF_FAULTS[promise]
    found = find_bad_links([pdf_with(tmp_path, **kwargs)], SOURCE, relative_to=tmp_path)
    assert any(f.startswith("book.pdf: ") and words in f for f in found), found


def test_a_pdf_with_https_and_phone_links_passes(tmp_path):
    assert find_bad_links([pdf_with(tmp_path, uri="https://dailymed.nlm.nih.gov/")], SOURCE) == []


# -- the phone table (source/_data/phones.toml) ------------------------------------------

REGISTER = Path("/work/shared/reference/clonazepam-facts.md")  # the vetted facts register, beside the project
REGISTER_PHONES = ROOT / "tests" / "data" / "facts-register-phones.md"  # its phone rows, copied word for word


def test_each_phone_number_dials_what_it_shows_and_names_its_source():
    from link_policy import load_phones, phone_table_problems

    phones = load_phones(SOURCE)
    assert phones and phone_table_problems(phones) == []


def register_rows() -> dict[str, str]:
    lines = [line for line in REGISTER_PHONES.read_text().splitlines() if line.startswith("| ")]
    if REGISTER.is_file():  # the copy is still the register's, word for word
        register = REGISTER.read_text().splitlines()
        assert all(line in register for line in lines), "tests/data/facts-register-phones.md: copy the rows again"
    return {line.split("|")[1].strip(): line for line in lines}


def test_each_phone_number_is_the_one_the_facts_register_gives():
    """Each row names its row of the facts register, which must give the same number."""
    from link_policy import dialled, load_phones

    rows = register_rows()
    for pid, entry in load_phones(SOURCE).items():
        row = rows.get(entry["register"])
        assert row, f"phone {pid!r}: the register has no row {entry['register']!r}"
        shown = {dialled(n) for n in __import__("re").findall(r"\b[0-9][0-9A-Z-]*[0-9]\b|\b9[18][18]\b", row)}
        assert dialled(entry["text"]) in shown, f"phone {pid!r}: {entry['text']} is not in the register's {row!r}"


def test_every_tel_link_of_the_sources_is_in_the_phone_table():
    import re

    from link_policy import load_phones, tel_digits

    known = {tel_digits(e["tel"]) for e in load_phones(SOURCE).values()}
    texts = [(ROOT / "conf.py").read_text()] + [p.read_text() for p in SOURCE.rglob("*.rst")]
    used = {tel_digits(m) for t in texts for m in re.findall(r"tel:\+?[0-9]+", t)}
    assert used and used <= known, used - known

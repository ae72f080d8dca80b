"""The cover prints this edition: it is drawn at build time from book.toml
(tools/make_cover.py), never committed, and the EPUB's cover is that drawing."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile

import pytest
from conftest import BOOK, ROOT

sys.path.insert(0, str(ROOT / "tools"))
from make_cover import cover_png  # noqa: E402


def epub_cover(epub) -> bytes:
    with zipfile.ZipFile(epub) as zf:
        opf = zf.read("content.opf").decode()
        ident = re.search(r'<meta name="cover" content="([^"]+)"', opf).group(1)
        item = re.search(rf'<item id="{ident}" href="([^"]+)"[^>]*properties="cover-image"', opf)
        assert item, "the cover's item has no properties=\"cover-image\" (EPUB 3: Kobo, Apple Books)"
        return zf.read(item.group(1))


def test_the_epub_cover_says_this_edition(book):
    from PIL import Image

    data = epub_cover(book.epub)
    with Image.open(io.BytesIO(data)) as image:
        text = dict(image.text)
    assert text.get("Description") == f"Edition {BOOK['edition']}", text
    assert text.get("Title") == BOOK["title"], text
    # the picture is the drawing of this book.toml, pixel for pixel (the same bytes)
    assert data == cover_png(BOOK), "the EPUB's cover is not drawn from this book.toml"


@pytest.mark.parametrize("edition", ["", "-6in", "-large-print"])
def test_every_pdf_edition_opens_on_the_epubs_cover(book, edition):
    """Page 1 of each PDF is the same drawing as the EPUB's cover, pixel for pixel (Typst
    keeps the pixels, not the PNG's bytes)."""
    import pymupdf
    from PIL import Image

    with Image.open(io.BytesIO(epub_cover(book.epub))) as image:
        drawn = image.convert("RGB")
    doc = pymupdf.open(book.folder / f"{book.pdf.stem}{edition}.pdf")
    images = doc[0].get_images()
    assert len(images) == 1, images
    pix = pymupdf.Pixmap(doc, images[0][0])
    if pix.alpha or pix.n != 3:
        pix = pymupdf.Pixmap(pymupdf.csRGB, pix, 0)
    assert (pix.width, pix.height) == drawn.size
    assert pix.samples == drawn.tobytes(), "the PDF's cover is another drawing than the EPUB's"


def test_no_cover_is_committed():
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "*.png"], capture_output=True,
                             text=True, check=True).stdout.split()
    covers = [p for p in tracked if "cover" in p]
    assert not covers, f"a committed cover can print an old edition: {covers}"


def test_the_cover_follows_the_edition():
    """Another edition number draws another cover, whose text chunk names it."""
    from PIL import Image

    other = dict(BOOK, edition="2099.01")
    data = cover_png(other)
    assert data != cover_png(BOOK)
    with Image.open(io.BytesIO(data)) as image:
        assert image.text["Description"] == "Edition 2099.01"


@pytest.mark.parametrize("raqm", [True, False])
def test_the_cover_is_the_same_picture_whatever_text_libraries_the_system_has(monkeypatch, raqm):
    """Pillow lays text out with Raqm where the system has libfribidi: a fresh Debian 12 drew
    the cover before Chromium's packages brought libfribidi in, and the test's drawing after."""
    from PIL import ImageFont

    plain = cover_png(BOOK)
    monkeypatch.setattr(ImageFont.core, "HAVE_RAQM", raqm)
    assert cover_png(BOOK) == plain, f"the cover changes where Raqm is {'there' if raqm else 'missing'}"

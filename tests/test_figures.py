"""The figures where people read them: a 6-inch e-reader, a phone, dark mode, Kindle, print.

A label's size is measured, never taken from the drawing code: the font size
written in the figure's SVG, times the width the figure is really shown at
(MuPDF's layout of the EPUB, Chromium's layout of the HTML), divided by the
width of the SVG's canvas (its viewBox).  In the PDFs the labels are text, so
their size is read from the page.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from xml.etree import ElementTree as ET

import pymupdf
import pytest
from PIL import Image, ImageStat

import browser_walks
from conftest import NAME, SIX_INCH, SOURCE, TEXT_SIZES

SVG = "{http://www.w3.org/2000/svg}"
FIGURES = ("mechanism", "concentration", "panic-stopping")  # in reading order
FIGURE_PAGES = ("mechanism", "cautions")
PHONE = 360  # CSS px: a small phone
MIN_PT, MIN_PX = 7, 12  # the PDFs' labels (pt), the HTML's on a phone (CSS px)
EPUB_SHARE = 0.85  # the EPUB's labels, of the reader's body size


def svg_labels(svg: bytes) -> tuple[float, list[tuple[str, float]]]:
    """The canvas width (viewBox units) and every text of a figure with its font size."""
    root = ET.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    labels = []
    for text in root.iter(f"{SVG}text"):
        size = re.search(r"font-size:\s*([\d.]+)px", text.get("style", ""))
        words = "".join(text.itertext()).strip()
        if words:
            assert size, f"a label without a font size: {words!r}"
            labels.append((words, float(size.group(1))))
    assert labels, "a figure without text labels"
    return width, labels


def smallest(svg: bytes, shown_width: float) -> tuple[float, str]:
    width, labels = svg_labels(svg)
    size, text = min((s, t) for t, s in labels)
    return size * shown_width / width, text


# -- 6-inch e-reader (the EPUB in MuPDF) and Kindle ------------------------------------

@pytest.fixture(scope="module")
def package(book) -> dict[str, bytes]:
    with zipfile.ZipFile(book.epub) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_epub_figures_are_png_sharp_on_a_6_inch_300_ppi_screen(package):
    """Send-to-Kindle drops SVG on some devices: the EPUB carries each figure as PNG,
    at least as wide as a 6-inch 300 ppi screen is (1072 px), and no SVG figure."""
    opf = package["content.opf"].decode()
    for name in FIGURES:
        path = f"_images/{name}.png"
        assert path in package, f"{name}: no PNG in the EPUB"
        assert re.search(rf'href="{re.escape(path)}"[^>]*media-type="image/png"|'
                         rf'media-type="image/png"[^>]*href="{re.escape(path)}"', opf), f"{path} not in the manifest"
        with Image.open(BytesIO(package[path])) as image:
            assert image.width >= 1072, f"{name}: {image.width} px wide"
            low, high = image.convert("L").getextrema()
            assert high - low > 200, f"{name}: the PNG has no contrast ({low}-{high})"
    svgs = [n for n in package if n.endswith(".svg") and n.startswith("_images/")]
    assert not svgs, f"SVG figures in the EPUB: {svgs}"


def test_the_epub_shows_each_figure_once_with_its_alternative_text(package):
    for doc in FIGURE_PAGES:
        xhtml = package[f"{doc}.xhtml"].decode()
        for figure in re.findall(r"<figure\b.*?</figure>", xhtml, re.S):
            images = re.findall(r"<img\b[^>]*>", figure)
            assert len(images) == 1, f"{doc}: a figure with {len(images)} pictures"
            assert re.search(r'src="_images/[\w-]+\.png"', images[0]), images[0]
            assert re.search(r'alt="[^"]{40,}"', images[0]), images[0]
    assert not [n for n in package if "-dark." in n], "the dark-mode figures belong to the HTML only"


def shown_widths(trace: bytes) -> dict[tuple[int, int], list[float]]:
    """From a MuPDF trace: the pixel size of each picture drawn -> the widths it is shown at, in points."""
    shown: dict[tuple[int, int], list[float]] = {}
    for image in ET.fromstring(trace).iter("fill_image"):
        width = float(image.get("transform").split()[0])
        shown.setdefault((int(image.get("width")), int(image.get("height"))), []).append(width)
    return shown


def epub_drawing(name: str) -> bytes:
    """The SVG of the EPUB's own drawing of a figure (figure_epub.py), written beside
    the PNG it ships (figure_files.py); no edition carries it."""
    path = SOURCE / "_generated" / f"{name}-epub.svg"
    assert path.is_file(), f"{path} is missing: the build draws it (figure_files.py)"
    return path.read_bytes()


@pytest.mark.parametrize("reading_size", TEXT_SIZES)
def test_every_epub_figure_label_is_at_least_85_percent_of_the_reading_size_on_a_6_inch_screen(
        package, mupdf_epub, reading_size):
    """Where MuPDF shows each figure on a true 6-inch screen (257 x 347 pt) at a 12 pt and a
    16 pt reading size (the session's mutool runs, conftest.mupdf_epub), its smallest label
    is at least EPUB_SHARE of the body size: readers who chose large type get large labels too."""
    assert SIX_INCH == ["-W", "257", "-H", "347"]
    shown = shown_widths(mupdf_epub[reading_size]["trace"])
    sizes = {}
    for name in FIGURES:
        with Image.open(BytesIO(package[f"_images/{name}.png"])) as png:
            sizes[name] = png.size
    assert len(set(sizes.values())) == len(FIGURES), f"MuPDF's trace cannot tell the figures apart: {sizes}"
    for name, pixels in sizes.items():
        assert pixels in shown, f"MuPDF did not draw the {name} figure"
        svg = epub_drawing(name)
        vb_width, vb_height = (float(v) for v in ET.fromstring(svg).get("viewBox").split()[2:])
        assert abs(pixels[0] / pixels[1] - vb_width / vb_height) < 0.01, \
            f"{name}: the EPUB's PNG is not the drawing of {name}-epub.svg"
        size, text = smallest(svg, min(shown[pixels]))
        assert size >= EPUB_SHARE * reading_size, (
            f"{name}: {text!r} is {size:.1f} pt on a 6-inch screen at a {reading_size} pt reading size "
            f"({size / reading_size:.0%} of it; at least {EPUB_SHARE:.0%})")


# -- phones, light and dark ---------------------------------------------------------------

def visible_figures(page) -> list[tuple[str, float]]:
    return page.evaluate("""() => [...document.querySelectorAll('figure img')]
        .filter(img => img.getBoundingClientRect().width > 0)
        .map(img => [img.getAttribute('src'), img.getBoundingClientRect().width])""")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_figure_label_is_at_least_12_px_on_a_phone(walks, book, scheme):
    """At 360 px, in the desktop walk of that scheme (browser_walks: the window narrowed)."""
    assert browser_walks.FIGURE_PHONE["width"] == PHONE
    seen = 0
    for doc in FIGURE_PAGES:
        figures, shown = walks[f"desktop-{scheme}"][f"{doc}.html"].probes["figures_shown"]
        assert len(shown) == figures > 0, f"{doc}: {len(shown)} pictures shown for {figures} figures"
        for src, width in shown:
            size, text = smallest((book.html / src).read_bytes(), width)
            assert size >= MIN_PX, f"{doc} at {PHONE} px ({scheme}): {text!r} is {size:.1f} px in {src}"
            seen += 1
    assert seen == len(FIGURES)


# furo's theme switch writes the choice on <body>; "auto" (no attribute) follows the system
THEMES = [("light", None, "light"), ("dark", None, "dark"), ("light", "dark", "dark"), ("dark", "light", "light")]


@pytest.mark.parametrize("scheme,chosen,expected", THEMES,
                         ids=[f"system-{s}-chosen-{c or 'auto'}" for s, c, _ in THEMES])
def test_the_html_figures_follow_furos_light_and_dark_themes(chromium, book, scheme, chosen, expected):
    """No white slab in dark mode: the dark picture is shown and the page behind it stays dark."""
    page = chromium.new_page(viewport={"width": 390, "height": 800}, color_scheme=scheme)
    page.goto((book.html / "mechanism.html").as_uri())
    if chosen:
        page.evaluate(f"() => {{ document.body.dataset.theme = '{chosen}'; }}")
    shown = visible_figures(page)
    assert len(shown) == 2, shown
    for src, _ in shown:
        assert src.endswith("-dark.svg") == (expected == "dark"), f"{expected} theme shows {src}"
    picture = page.locator("figure img:visible").first.screenshot()
    page.close()
    with Image.open(BytesIO(picture)) as image:
        mean = ImageStat.Stat(image.convert("L")).mean[0]
    if expected == "dark":
        assert mean < 90, f"the figure is a bright slab in dark mode (mean grey {mean:.0f})"
    else:
        assert mean > 170, f"the figure is dark in light mode (mean grey {mean:.0f})"


# -- print: Letter, 6-inch and large print --------------------------------------------------

EDITIONS = {"letter": "", "6in": "-6in", "large-print": "-large-print"}


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_figure_label_is_at_least_7_pt_in_every_pdf_edition(book, edition):
    """The PDF keeps the figures as vector drawings with text labels: read each label's size off the page."""
    wanted = {}
    for name in FIGURES:
        for text, _ in svg_labels((book.html / "_images" / f"{name}.svg").read_bytes())[1]:
            if sum(c.isalpha() for c in text) >= 4:
                wanted[text] = name
    found: dict[str, float] = {}
    with pymupdf.open(book.folder / f"{NAME}{EDITIONS[edition]}.pdf") as doc:
        for page in doc:
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    text = " ".join(s["text"].strip() for s in line["spans"]).strip()
                    if text in wanted:
                        size = min(s["size"] for s in line["spans"] if s["text"].strip())
                        found[text] = min(size, found.get(text, size))
    missing = sorted(set(wanted) - set(found))
    assert not missing, f"{edition}: figure labels not found as text: {missing}"
    small = {t: round(s, 1) for t, s in found.items() if s < MIN_PT}
    assert not small, f"{edition}: figure labels under {MIN_PT} pt: {small}"


# -- the drawing itself ---------------------------------------------------------------------

def test_a_figure_whose_labels_collide_or_run_off_the_canvas_is_never_drawn():
    """figure_drawing.check_labels stops the build before such a figure reaches a reader."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "tools" / "extensions"))
    import figure_drawing

    plt = figure_drawing._pyplot()
    figure_drawing._style(plt, figure_drawing.PALETTES["light"])
    for place, problem in (((0.05, 0.5, 0.1, 0.5), "overlaps"), ((0.9, 0.5, 0.1, 0.1), "runs off the canvas")):
        fig = plt.figure(figsize=(figure_drawing.WIDTH_IN, 2))
        fig.text(place[0], place[1], "a long label for the test")
        fig.text(place[2], place[3], "another label")
        with pytest.raises(RuntimeError, match=problem):
            figure_drawing.check_labels(fig, "test")
        plt.close(fig)
    fig = plt.figure(figsize=(figure_drawing.WIDTH_IN, 2))
    fig.text(0.1, 0.5, "small print", fontsize=figure_drawing.LABEL_PT - 2)
    with pytest.raises(RuntimeError, match="below"):
        figure_drawing.check_labels(fig, "test")
    plt.close(fig)

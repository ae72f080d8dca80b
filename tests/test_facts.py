"""One source of truth for clinical values, and figures drawn from it."""

from __future__ import annotations

import math
import re
import shutil
import sys
import tomllib
import zipfile

import pymupdf
import pytest
from pypdf import PdfReader

from conftest import (NAME, ROOT, SOURCE, Book, build, epub_text, html_text, tiny_project,
                      pdf_text)

sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import book_figures  # noqa: E402
from facts import load_facts, render  # noqa: E402

FACTS_FILE = SOURCE / "_data" / "facts.toml"
FIGURES = book_figures.FIGURES


def fact_uses() -> dict[str, list[str]]:
    uses: dict[str, list[str]] = {}
    for path in sorted(SOURCE.glob("*.rst")):
        for m in re.finditer(r":fact:`([^`]+)`", path.read_text()):
            uses.setdefault(m.group(1), []).append(path.name)
    for m in re.finditer(r"\.\. half-lives-table:: (\S+)", "".join(p.read_text() for p in SOURCE.glob("*.rst"))):
        uses.setdefault(m.group(1), []).append("half-lives-table")
    return uses


def test_every_fact_is_used_and_every_use_resolves():
    facts = load_facts(FACTS_FILE)
    uses = fact_uses()
    assert set(uses) <= set(facts), f"unknown fact ids: {set(uses) - set(facts)}"
    drawn = {"ae-panic-stopped", "ae-panic-stop-somnolence", "ae-panic-stop-depression",
             "half-life", "time-to-peak"}  # the figures read these
    unused = set(facts) - set(uses) - drawn
    assert not unused, f"facts never used in the text: {sorted(unused)}"


def test_every_fact_names_its_source_and_section():
    bib = " ".join(p.read_text() for p in (SOURCE / "bib").glob("*.bib"))
    for fid, fact in load_facts(FACTS_FILE).items():
        assert re.search(r"@\w+\{" + re.escape(fact["cite"]) + ",", bib), f"{fid}: unknown source"
        assert fact["section"].strip(), fid
        assert render(fact).strip(), fid


def test_values_stated_more_than_once_come_from_the_facts_file():
    """No chapter writes by hand a value that the facts file holds."""
    facts = load_facts(FACTS_FILE)
    for path in sorted(SOURCE.glob("*.rst")):
        text = re.sub(r":fact:`[^`]+`", "", path.read_text())
        for fid in ("half-life", "time-to-peak", "panic-trial-weeks", "seizure-max-dose"):
            value = render(facts[fid]).replace("\u00a0", " ")
            assert value not in text, f"{path.name} writes {value!r} by hand: use :fact:`{fid}`"


@pytest.fixture(scope="module")
def changed_book(tmp_path_factory) -> Book:
    """The tiny book (two chapters, every extension, the whole facts file: conftest.tiny_project)
    with the half-life's lower bound changed from 30 to 20 hours, built as after a fresh
    checkout: no figures drawn yet.  Mechanism, one of its chapters, states the half-life,
    the steady state worked out from it and the concentration figure."""
    tmp = tmp_path_factory.mktemp("changed")
    project = tiny_project(tmp / "project")
    shutil.rmtree(project / "source" / "_generated", ignore_errors=True)
    facts_file = project / "source" / "_data" / "facts.toml"
    text = facts_file.read_text()
    block = text.split("[half-life]", 1)[1].split("\n\n", 1)[0]
    assert "low = 30" in block and "typically 30 to 40 hours" in block
    # changed twice, as an editor must: the value and the source's words it stands in (quote)
    changed = block.replace("low = 30", "low = 20").replace("typically 30 to 40 hours", "typically 20 to 40 hours")
    facts_file.write_text(text.replace("[half-life]" + block, "[half-life]" + changed))
    proc = build(project, tmp / "published", tmp / "work")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Book(tmp / "published")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "epub", "pdf"])
def test_changing_a_value_changes_it_everywhere(changed_book, book, fmt):
    extract = {"html": html_text, "epub": epub_text, "pdf": pdf_text}[fmt]
    before, after = extract(book), extract(changed_book)
    assert "30 to 40 hours" in before
    assert "30 to 40 hours" not in after, f"{fmt}: the old half-life is still shown"
    assert "20 to 40 hours" in after, f"{fmt}: the new half-life is not shown"
    # values derived from it follow: five half-lives = 4 to 8 days
    assert "4 to 8 days" in after and "6 to 8 days" not in after


def figure_text(book: Book, fmt: str) -> str:
    """The concentration figure's text as a reader's copy holds it."""
    if fmt == "html":
        return (book.html / "_images" / "concentration.svg").read_text()
    if fmt == "epub":  # a PNG (figure_files.py): the drawing of the facts it was built from, or not
        with zipfile.ZipFile(book.epub) as zf:
            shipped = zf.read("_images/concentration.png")
        for label, facts in (("half-life 35 hours", load_facts(FACTS_FILE)),
                             ("half-life 30 hours", changed_facts())):
            if shipped == drawn_png("concentration", facts):
                return label
        return "a PNG drawn from neither"
    return " ".join(page.extract_text() or "" for page in PdfReader(book.pdf).pages)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["html", "epub", "pdf"])
def test_changing_a_value_redraws_the_figures_in_every_format(changed_book, book, fmt):
    """The figures are drawn beside the three builds (book_figures.py): every build
    must wait for the new drawing, never ship the figure of the old value."""
    before, after = figure_text(book, fmt), figure_text(changed_book, fmt)
    assert "half-life 35 hours" in before  # the middle of 30 to 40
    assert "half-life 30 hours" in after and "half-life 35 hours" not in after


def changed_facts() -> dict:
    """The facts of changed_book: the half-life's lower bound 20 hours instead of 30."""
    facts = load_facts(FACTS_FILE)
    facts["half-life"] = {**facts["half-life"], "low": 20}
    return facts


def drawn_png(name: str, facts: dict) -> bytes:
    import figure_files

    return figure_files.draw(name, facts, "light", png=True, epub=True)[1]


def svg_curve(svg: str, gid: str) -> list[tuple[float, float]]:
    """Points of the path inside <g id="gid"> (SVG user units)."""
    group = re.search(rf'<g id="{re.escape(gid)}">(.*?)</g>', svg, re.S)
    assert group, f"no element {gid!r} in the figure"
    d = re.search(r'\bd="([^"]+)"', group.group(1)).group(1)
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return list(zip(nums[0::2], nums[1::2]))


def test_concentration_figure_agrees_with_the_half_life(book):
    """Read the curve back from the published SVG: its half-life matches the data within 1 %."""
    svg = (book.html / "_images" / "concentration.svg").read_text()
    box = svg_curve(svg, "plot-area")
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    left, right, bottom = min(xs), max(xs), max(ys)
    days_per_unit = book_figures.DAYS_SHOWN / (right - left)
    curve = svg_curve(svg, "repeated-doses")

    def level_at(day: float) -> float:  # linear interpolation along the drawn path
        x = left + day / days_per_unit
        for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
            if x0 <= x <= x1 and x1 > x0:
                y = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
                return bottom - y  # up is positive; the scale cancels in the ratio
        raise AssertionError(f"day {day} is not on the curve")

    facts = load_facts(FACTS_FILE)
    expected = (facts["half-life"]["low"] + facts["half-life"]["high"]) / 2
    t1, t2 = 12.0, 16.0  # days, well after the last dose: pure elimination
    measured = (t2 - t1) * 24 * math.log(2) / math.log(level_at(t1) / level_at(t2))
    assert abs(measured - expected) / expected < 0.01, (measured, expected)


def test_concentration_model_peaks_when_the_label_says():
    facts = load_facts(FACTS_FILE)
    p = book_figures.model_parameters(facts)
    times, single, _, _ = book_figures.concentration_curves(facts, step_h=0.05)
    peak_time = times[single.index(max(single))]
    tp = facts["time-to-peak"]
    assert tp["low"] <= peak_time <= tp["high"]
    assert abs(peak_time - p["tmax"]) < 0.1


def test_every_figure_appears_in_html_and_pdf_as_vector_graphics_and_in_the_epub_as_png(book):
    for name in FIGURES:
        assert (book.html / "_images" / f"{name}.svg").exists(), name
        html = " ".join(p.read_text() for p in book.html.glob("*.html"))
        assert re.search(rf'<img[^>]*alt="[^"]{{40,}}"[^>]*src="_images/{name}\.svg"|'
                         rf'<img[^>]*src="_images/{name}\.svg"[^>]*alt="[^"]{{40,}}"', html), name
    with zipfile.ZipFile(book.epub) as zf:
        names = zf.namelist()
        opf = zf.read("content.opf").decode()
        for name in FIGURES:  # Send-to-Kindle drops SVG on some devices (tests/test_figures.py)
            assert f"_images/{name}.png" in names, name
        assert opf.count('media-type="image/png"') >= len(FIGURES) + 1  # and the cover
    reader = PdfReader(book.pdf)
    forms, images = 0, set()
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for obj in xobjects.values():
            target = obj.get_object()
            forms += target.get("/Subtype") == "/Form"
            if target.get("/Subtype") == "/Image":
                images.add(obj.idnum if hasattr(obj, "idnum") else id(target))
    # Typst draws each figure's SVG into its page (paths and text), not as a Form XObject
    with pymupdf.open(book.pdf) as doc:
        drawn = [p for p in doc if re.search(r"^Fig\. \d+ ", p.get_text(), re.M) and len(p.get_drawings()) > 10]
    assert forms + len(drawn) >= len(FIGURES), "the PDF figures should be vector graphics"
    # The one raster image is the cover (a PNG, as in the EPUB); count distinct images, not references.
    assert len(images) <= 1, f"{len(images)} raster images: a figure was rasterised in the PDF"


def figure_captions() -> list[str]:
    captions = []
    for path in sorted(SOURCE.glob("*.rst")):
        for m in re.finditer(r"^\.\. figure:: .+\n((?:   .*\n|\n)+)", path.read_text(), re.M):
            lines = [l.strip() for l in m.group(1).splitlines() if l.strip()]
            captions.append(next(l for l in lines if not l.startswith(":")))
    return captions


@pytest.mark.parametrize("fmt", ["html", "epub", "pdf"])
def test_every_figure_caption_appears_in_every_format(book, fmt):
    text = {"html": html_text, "epub": epub_text, "pdf": pdf_text}[fmt](book)
    captions = figure_captions()
    assert len(captions) >= len(FIGURES)
    for caption in captions:
        words = caption.replace("\u2019", "'").split()[:6]  # the opening words, before any line break
        assert " ".join(words) in text.replace("\u2019", "'"), f"{fmt}: figure caption {caption!r} missing"

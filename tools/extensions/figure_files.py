"""The figures as files, drawn beside the builds, which wait for them.

    python tools/extensions/figure_files.py SOURCE_DIR [FACTS_FILE]

Each figure (``figure_drawing.py``) is written into ``SOURCE_DIR/_generated``
as ``NAME.svg`` (the HTML in light mode, and the PDF editions, which lay it
out as vector graphics) and ``NAME-dark.svg`` (light strokes on a transparent
ground, the HTML in dark mode).  Its EPUB drawing (``figure_epub.py``: narrow,
few and large labels) is written as ``NAME.png`` (greyscale, the EPUB's
picture: Send-to-Kindle drops SVG on some devices) and ``NAME-epub.svg``
(the same drawing as vector: no edition ships it; the tests measure the
PNG's labels by it).
``book_figures.py`` gives each format its picture.

``tools/build.py`` runs this beside its Sphinx processes, which load
meanwhile: it is handed the locks on the cover and the figures
(``--holding``, drawing_locks.py) and lets go of each as soon as its pictures
are written, the cover first.  A Sphinx run on its own (``make html``,
``make serve``) takes the same locks and draws what is missing or stale.
Output is deterministic (fixed fonts, ``svg.hashsalt``, no dates, no
software name in the PNG), written atomically, and redrawn only when the
facts file, the drawing code, the model or matplotlib changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import figure_epub  # noqa: E402
from drawing_locks import LOCKS, drawing  # noqa: E402
from figure_drawing import DRAW, FIGURES, PALETTES, _pyplot, _style, check_labels  # noqa: E402

# PNG for the EPUB (Send-to-Kindle drops SVG on some devices): the width of a
# 6-inch 300 ppi screen (1072 px), in shades of grey.
PNG_DPI = 1072 / figure_epub.WIDTH_IN


# -- writing --------------------------------------------------------------------------

def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# Text is kept as text; where DejaVu Sans is not installed, fall back to fonts
# of similar width rather than the reader's default serif.  (print_pdf.py sets
# the labels in FreeSans for the PDF editions: it looks for this exact text.)
SVG_FONT = b"font-family: 'DejaVu Sans'"
SVG_FONTS = b"font-family: 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"


def render_svg(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    data = buf.getvalue()
    if SVG_FONT not in data:
        raise RuntimeError(f"matplotlib's SVG no longer names {SVG_FONT.decode()}: update SVG_FONT")
    return compact_svg(data.replace(SVG_FONT, SVG_FONTS))


def render_png(fig) -> bytes:
    """The figure as an 8-bit greyscale PNG on white, the same bytes on every run
    (no software name, no date; Pillow writes no time chunk)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    # compress_level 0: this PNG is only read back, so zlib would be wasted time
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 0})
    buf.seek(0)
    with Image.open(buf) as image:
        grey = image.convert("L")
    out = io.BytesIO()
    # zlib's default level: 10 % larger than optimize=True, and 8 times faster (0.015 s
    # against 0.12 s a figure), time that every Sphinx process of a fresh build waited.
    grey.save(out, format="PNG", compress_level=6)
    return out.getvalue()


_LONG_DECIMAL = re.compile(rb"-?\d+\.\d{3,}")


def _two_decimals(match: re.Match) -> bytes:
    text = f"{float(match.group()):.2f}".rstrip("0").rstrip(".")
    return (b"0" if text in ("-0", "") else text.encode())


def _compact_tag(match: re.Match) -> bytes:
    tag = _LONG_DECIMAL.sub(_two_decimals, match.group())
    return re.sub(rb"\s+", b" ", tag).replace(b' "', b'"')


def compact_svg(data: bytes) -> bytes:
    """matplotlib's SVG, about 30 % smaller and drawn the same.

    Coordinates keep two decimals (a hundredth of a point), the metadata
    block, the DOCTYPE and no-op rotations go, and so does the whitespace
    between and inside tags.  Text content is left exactly as it was.
    """
    data = re.sub(rb"<!DOCTYPE[^>]*>\s*", b"", data)
    data = re.sub(rb"\s*<metadata>.*?</metadata>", b"", data, flags=re.DOTALL)
    data = re.sub(rb' transform="rotate\(-?0 [^"]*\)"', b"", data)
    data = re.sub(rb"<[^<>]+>", _compact_tag, data)
    return re.sub(rb">\s+<", b"><", data)


def stamp(facts_file: Path) -> str:
    from importlib.metadata import (
        version,  # cheaper than importing matplotlib when up to date
    )

    code = b"".join((HERE / name).read_bytes() for name in ("figure_files.py", "figure_drawing.py",
                                                                   "figure_epub.py", "figure_model.py"))
    tools = f"matplotlib {version('matplotlib')} pillow {version('pillow')}".encode()
    return hashlib.sha256(facts_file.read_bytes() + code + tools).hexdigest()


def draw(name: str, facts: dict, palette: str, png: bool = False,
         epub: bool = False) -> tuple[bytes, bytes | None]:
    """One figure in one palette, checked: its SVG and, if asked, its PNG
    (of the EPUB's drawing if epub, else of the HTML's and the PDFs')."""
    plt = _pyplot()
    _style(plt, PALETTES[palette])
    fig = (figure_epub.DRAW if epub else DRAW)[name](plt, facts, PALETTES[palette])
    try:
        check_labels(fig, name)
        return render_svg(fig), (render_png(fig) if png else None)
    finally:
        plt.close(fig)


def outputs() -> list[str]:
    """The files drawn for each figure: SVG (HTML, PDF), its dark-mode twin (HTML),
    PNG (EPUB) and the EPUB drawing's SVG (the tests)."""
    return [f"{name}{suffix}" for name in FIGURES for suffix in (".svg", "-dark.svg", ".png", "-epub.svg")]


def is_fresh(out: Path, facts_file: Path) -> bool:
    stamp_file = out / "figures.stamp"
    return (stamp_file.exists() and stamp_file.read_text() == stamp(facts_file)
            and all((out / name).exists() for name in outputs()))


def draw_all(srcdir: Path, facts_file: Path) -> bool:
    """Draw the figures into SOURCE/_generated unless they are up to date; True if drawn."""
    from facts import load_facts

    out = srcdir / "_generated"
    out.mkdir(exist_ok=True)
    if is_fresh(out, facts_file):
        return False
    facts = load_facts(facts_file)
    for name in FIGURES:
        _atomic_write(out / f"{name}.svg", draw(name, facts, "light")[0])
        epub_svg, png = draw(name, facts, "light", png=True, epub=True)
        _atomic_write(out / f"{name}-epub.svg", epub_svg)
        _atomic_write(out / f"{name}.png", png)
        _atomic_write(out / f"{name}-dark.svg", draw(name, facts, "dark")[0])
    _atomic_write(out / "figures.stamp", stamp(facts_file).encode())
    return True


def main(argv: list[str]) -> int:
    try:
        return draw_everything(argv)
    except OSError as exc:  # a read-only source/, a full disk: one line that names the cause, no traceback
        print(f"cannot write the figures and the cover to {exc.filename or 'source/_generated'}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1


def draw_everything(argv: list[str]) -> int:
    held = dict.fromkeys(LOCKS)
    if len(argv) > 1 and argv[-2] == "--holding":  # the locks build.py took, handed over: "COVER,FIGURES"
        held = dict(zip(LOCKS, map(int, argv[-1].split(",")), strict=True))
        argv = argv[:-2]
    srcdir = Path(argv[0]) if argv else HERE.parents[1] / "source"
    facts_file = Path(argv[1]) if len(argv) > 1 else srcdir / "_data" / "facts.toml"
    # The cover (tools/make_cover.py, from book.toml), then the figures: everything the
    # Sphinx processes read, each let go of as soon as it is drawn.
    sys.path.insert(0, str(srcdir.resolve().parent / "tools"))
    try:
        with drawing(srcdir, "cover", held.pop("cover")):
            from make_cover import draw_cover

            if draw_cover(srcdir.resolve().parent):
                print("drew the cover from book.toml")
        with drawing(srcdir, "figures", held.pop("figures")):
            if draw_all(srcdir, facts_file):
                print(f"drew {len(FIGURES)} figures from {facts_file.name}")
    finally:
        for fd in held.values():  # left over when the cover failed
            if fd is not None:
                os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

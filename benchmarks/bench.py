"""Benchmark the book's build (issue 6): `make bench`.

    python benchmarks/bench.py [--repeat N] [--with-make-test] [--page mechanism.html]
    python benchmarks/bench.py --tests-only [--repeat N]   # the three test rows alone

Builds copies of the project in benchmarks/_work/ (never the repo's build/ or
_build/) and measures: a clean build of each format alone and of the whole
book (tools/build.py book), the same three formats built by a "stock" Sphinx
baseline (stock_conf.py), the ratio "whole book / slowest format alone", HTML
rebuilds after editing one chapter and after no change, the EPUB and PDF
sizes, and the bytes Chromium transfers to open one chapter page with an
empty cache.  With --with-make-test (or --tests-only: those rows alone, the
other figures of results.json kept), the test suite: `make test` from a fresh
copy (the build included), pytest on that built tree (what `make test` runs
after its build), and `make test-fast`.  Every timing is repeated (--repeat, default 3); the table shows
median, min and max.  The same figures go to benchmarks/results.json, which
benchmarks/README.md explains.

Targets are informational: the exit code is 1 only when a build failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
PY = sys.executable
SPHINX_OPTS = ["-W", "-n", "--keep-going", "-q"]  # as tools/build.py
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
from book_data import load_book  # noqa: E402

NAME = load_book(ROOT)["basename"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MB, KB = 1_000_000, 1_000
# The xelatex PDF that the WeasyPrint editions replaced (issue 14) is no longer
# built (TeX is not installed).  Over its last 7 bench repeats (25 November and
# 1 December 2026, two days on which the machine's speed differed twofold) it
# took 2.39 to 3.05 times as long as the stock HTML build of the same repeat,
# median 2.68: its time in a run today is estimated from that run's stock HTML
# build (README.md, "The xelatex PDF's last figures").
XELATEX_PER_STOCK_HTML = 2.68

# key: (label, unit, target); a figure passes when it is <= its target.
ROWS = {
    "html": ("HTML clean, alone (build.py html)", "s", None),
    "html_stock": ("HTML clean, stock baseline", "s", None),
    "epub": ("EPUB clean, alone (build.py epub, with EPUBCheck)", "s", None),
    "epub_stock": ("EPUB clean, stock baseline (no EPUBCheck)", "s", None),
    "epubcheck": ("EPUBCheck alone (part of the EPUB build)", "s", None),
    "pdf": ("PDF, three editions side by side (build.py pdf)", "s", None),
    "pdf_letter": ("PDF Letter alone (print builder + Typst)", "s", None),
    "pdf_6in": ("PDF 6-inch alone (print builder + Typst)", "s", None),
    "pdf_large_print": ("PDF large print alone (print builder + Typst)", "s", None),
    # issue 23's targets: against the stock HTML build of the same repeat
    "pdf_letter_html": ("PDF Letter alone / HTML stock", "x", 1.2),
    "pdf_6in_html": ("PDF 6-inch alone / HTML stock", "x", 1.2),
    "pdf_large_print_html": ("PDF large print alone / HTML stock", "x", 1.2),
    "pdf_three_html": ("PDF three side by side / HTML stock", "x", 2.0),
    "pdf_xelatex": ("PDF xelatex, estimated (2.68 x HTML stock)", "s", None),
    "pdf_letter_ratio": ("PDF Letter alone / xelatex estimate", "x", 1.5),
    "pdf_6in_ratio": ("PDF 6-inch alone / xelatex estimate", "x", 1.5),
    "pdf_large_print_ratio": ("PDF large print alone / xelatex estimate", "x", 1.5),
    "pdf_three_ratio": ("PDF three side by side / xelatex estimate", "x", 2.0),
    "book": ("all three together (build.py book)", "s", None),
    "book_figures": ("  figures drawn (beside the builds) after", "s", None),
    "book_epub_done": ("  EPUB finished after", "s", None),
    "book_pdf_done": ("  PDF finished after", "s", None),
    "book_html_done": ("  HTML finished after", "s", None),
    "book_ratio": ("together / slowest format alone", "x", None),
    "book_cpu_ratio": ("together / (its CPU seconds / cores)", "x", 1.15),
    "html_incremental": ("HTML rebuild after editing one chapter", "s", 1.0),
    "html_nochange": ("HTML rebuild, nothing changed", "s", None),
    "epub_size": ("EPUB size", "MB", 2.0),
    "pdf_size": ("PDF size", "MB", 3.0),
    "page_kb": ("chapter page, empty cache, plain server", "KB", 150.0),
    "page_kb_gzip": ("chapter page, empty cache, gzip server", "KB", None),
    "page_foreign": ("requests to hosts other than 127.0.0.1", "req", 0),
    "make_test": ("make test from a fresh copy (build included)", "s", 300.0),
    "make_test_built": ("make test from a built tree (pytest, 3 layers)", "s", 240.0),
    "make_test_fast": ("make test-fast (the fast layer)", "s", 30.0),
}
TEST_ROWS = ("make_test", "make_test_built", "make_test_fast")


class BuildFailed(Exception):
    pass


# -- copies of the project ---------------------------------------------------------------

IGNORE = shutil.ignore_patterns("__pycache__", "_generated")  # _generated: drawn by the build


def snapshot(dest: Path) -> Path:
    """conf.py, source/ and tools/ as a fresh checkout has them."""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "conf.py", dest / "conf.py")
    for folder in ("source", "tools"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=IGNORE)
    return dest


def fresh(pristine: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(pristine, dest)
    return dest


def stockify(project: Path, figures_from: Path) -> Path:
    """Turn a fresh copy into the stock baseline (see stock_conf.py)."""
    (project / "conf.py").rename(project / "book_conf.py")
    shutil.copy2(HERE / "stock_conf.py", project / "conf.py")
    shutil.copy2(HERE / "stock_standins.py", project / "stock_standins.py")
    drawn = figures_from / "source" / "_generated"
    if drawn.is_dir():
        shutil.copytree(drawn, project / "source" / "_generated")
    return project


# -- running and timing ----------------------------------------------------------------------

class Bench:
    def __init__(self, work: Path, env: dict):
        self.work, self.env = work, env
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.runs: dict[str, list[float]] = {key: [] for key in ROWS}
        self.cpu: dict[str, list[float]] = {key: [] for key in ROWS}  # user + system seconds
        self.errors: list[str] = []
        self._cpu = 0.0

    def run(self, cmd: list, log: str) -> float:
        """Run one command, output to a log file; its wall time in seconds."""
        path = self.logs / f"{log}.log"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        with open(path, "w") as out:
            code = subprocess.run([str(c) for c in cmd], env=self.env, stdout=out,
                                  stderr=subprocess.STDOUT).returncode
        elapsed = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._cpu += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if code:
            raise BuildFailed(f"{log} failed (exit code {code}); see {path}")
        return elapsed

    def measure(self, key: str, step, *args) -> float | None:
        """Time one step (wall and CPU seconds); a failure is recorded, not raised."""
        self._cpu = 0.0
        try:
            value = step(*args)
        except BuildFailed as exc:
            self.errors.append(str(exc))
            print(f"  {key}: FAILED: {exc}", file=sys.stderr)
            return None
        self.runs[key].append(value)
        self.cpu[key].append(self._cpu)
        print(f"  {key}: {value:.2f} s (CPU {self._cpu:.2f} s)", flush=True)
        return value

    def build_py(self, project: Path, target: str, log: str) -> float:
        return self.run([PY, project / "tools" / "build.py", target, "--root", project,
                         "--work", project / "_build", "--out", project / "build"], log)

    def pdf_edition(self, project: Path, edition: str, log: str) -> float:
        """One PDF edition alone, as the build makes it: the print builder (and the
        figures it draws when missing), then Typst (print_pdf.py)."""
        return self.run([PY, project / "tools" / "build.py", "pdf", "--edition", edition, "--root", project,
                         "--work", project / "_build"], log)

    def stock(self, project: Path, builder: str, log: str) -> float:
        out = project / "_build" / builder
        return self.run([PY, "-m", "sphinx", "-b", builder, "-c", project, "-d", project / "_build" / "doctrees",
                         *SPHINX_OPTS, project / "source", out], log)


PHASES = re.compile(r"finished: ((?:(?:figures|EPUB|PDF|HTML) [\d.]+ s(?:, )?)+)")


def book_phases(log: str) -> dict[str, float] | None:
    """When each step of tools/build.py book finished, from its summary line
    ("finished: figures 1.2 s, EPUB 9.3 s, PDF 9.4 s, HTML 10.2 s"); None when
    the line is missing or names other steps."""
    m = PHASES.search(log)
    if not m:
        return None
    phases = {name: float(secs) for name, secs in re.findall(r"(\w+) ([\d.]+) s", m.group(1))}
    return phases if set(phases) == {"figures", "EPUB", "PDF", "HTML"} else None


def epubcheck_cmd(epub: Path) -> list:
    sys.path.insert(0, str(ROOT / "tools"))
    from build import epubcheck_command  # exactly the command tools/build.py runs
    return epubcheck_command(Path(epub))


def one_repeat(b: Bench, pristine: Path, i: int, with_make_test: bool) -> None:
    """Every clean build once, formats interleaved so that noise spreads evenly."""
    work = b.work
    singles = {}
    for fmt in ("html", "epub", "pdf"):
        singles[fmt] = b.measure(fmt, b.build_py, fresh(pristine, work / f"p-{fmt}"), fmt, f"{fmt}-{i}")
    book = fresh(pristine, work / "p-book")
    together = b.measure("book", b.build_py, book, "book", f"book-{i}")
    if together:
        b.runs["book_cpu_ratio"].append(together / (b.cpu["book"][-1] / (os.cpu_count() or 1)))
        phases = book_phases((b.logs / f"book-{i}.log").read_text())
        if phases is None:  # the build's summary changed: say so, never skip silently
            b.errors.append(f"book-{i}: no 'finished: figures ..., EPUB ..., PDF ..., HTML ...' line in the "
                            "output of tools/build.py book: update book_phases() in benchmarks/bench.py")
        else:
            for key, name in (("book_figures", "figures"), ("book_epub_done", "EPUB"),
                              ("book_pdf_done", "PDF"), ("book_html_done", "HTML")):
                b.runs[key].append(phases[name])
    if together and all(singles.values()):
        b.runs["book_ratio"].append(together / max(singles.values()))
        print(f"  book_ratio: {b.runs['book_ratio'][-1]:.2f}")
    if together:
        b.measure("epubcheck", b.run, epubcheck_cmd(book / "build" / f"{NAME}.epub"), f"epubcheck-{i}")
    stock = {}
    for fmt in ("html", "epub"):
        project = stockify(fresh(pristine, work / f"s-{fmt}"), figures_from=book)
        stock[fmt] = b.measure(f"{fmt}_stock", b.stock, project, fmt, f"stock-{fmt}-{i}")
    xelatex = stock["html"] and stock["html"] * XELATEX_PER_STOCK_HTML
    if xelatex:
        b.runs["pdf_xelatex"].append(xelatex)
    for edition in ("letter", "6in", "large-print"):
        key = f"pdf_{edition.replace('-', '_')}"
        alone = b.measure(key, b.pdf_edition, fresh(pristine, work / f"p-{key}"), edition, f"{key}-{i}")
        if alone and xelatex:
            b.runs[f"{key}_ratio"].append(alone / xelatex)
            b.runs[f"{key}_html"].append(alone / stock["html"])
    if singles["pdf"] and xelatex:
        b.runs["pdf_three_ratio"].append(singles["pdf"] / xelatex)
        b.runs["pdf_three_html"].append(singles["pdf"] / stock["html"])
    if with_make_test:
        test_rows(b, i)


def test_rows(b: Bench, i: int) -> None:
    """make test in a fresh copy; then, the book built there, pytest alone and make test-fast."""
    if b.measure("make_test", make_test, b, i) is None:
        return
    dest = b.work / "make-test"
    b.measure("make_test_built", b.run, [ROOT / ".venv" / "bin" / "python", "-m", "pytest", "--durations=25",
                                         "-n", "auto", "--dist", "loadgroup",  # as make test (PYTEST_PARALLEL)
                                         "-p", "no:cacheprovider", "--rootdir", dest, dest / "tests"],
              f"make-test-built-{i}")
    b.measure("make_test_fast", b.run, ["make", "-C", dest, "test-fast", f"VENVDIR={ROOT / '.venv'}",
                                        "PYTEST_ARGS=-p no:cacheprovider"], f"make-test-fast-{i}")


def incremental(b: Bench, pristine: Path, chapter: str, repeat: int) -> None:
    """Build the HTML once, then per repeat: edit one chapter and rebuild; rebuild again."""
    project = fresh(pristine, b.work / "p-incremental")
    try:
        b.build_py(project, "html", "incremental-first-build")
    except BuildFailed as exc:
        b.errors.append(str(exc))
        return
    rst = project / "source" / f"{chapter}.rst"
    for i in range(repeat):
        # before the chapter's closing list of sources, which must stay last (book_chapters.py)
        text = rst.read_text()
        edit = f"Benchmark edit {i + 1}: one sentence added to time an incremental build.\n\n"
        rst.write_text(text.replace(".. footbibliography::", edit + ".. footbibliography::", 1))
        b.measure("html_incremental", b.build_py, project, "html", f"incremental-{i}")
        b.measure("html_nochange", b.build_py, project, "html", f"nochange-{i}")


def make_test(b: Bench, i: int) -> float:
    """`make test` on a copy of the whole working tree, with the repo's .venv."""
    dest = b.work / "make-test"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT, dest, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "build.old", "_build", "node_modules", "_work", ".pytest_cache",
        "__pycache__", "_generated"))
    if (ROOT / "node_modules").is_dir():  # a copy, not a link: `npm ci` there must not touch the repo's
        shutil.copytree(ROOT / "node_modules", dest / "node_modules", symlinks=True)
    # A git history of its own, as a fresh clone has (the build and a test date the book by its last commit).
    git = ["git", "-C", str(dest), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench copy"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return b.run(["make", "-C", dest, "test", f"VENVDIR={ROOT / '.venv'}"], f"make-test-{i}")


# -- bytes of one chapter page, from Chromium ---------------------------------------------

class Handler(SimpleHTTPRequestHandler):
    """Serves the built site; with gzip=True compresses as a typical static host does."""

    gzip = False

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not self.gzip or not path.is_file():
            return super().do_GET()
        body = path.read_bytes()
        zipped = "gzip" in self.headers.get("Accept-Encoding", "")
        if zipped:
            body = gzip.compress(body, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


KINDS = {"Document": "html", "Stylesheet": "css", "Script": "js", "Font": "fonts", "Image": "images"}
SUFFIXES = {".html": "html", ".css": "css", ".js": "js", ".woff": "fonts", ".woff2": "fonts", ".ttf": "fonts",
            ".otf": "fonts", ".png": "images", ".svg": "images", ".jpg": "images", ".ico": "images"}


def page_weight(site: Path, page: str, compress: bool) -> dict:
    """Open one page in a fresh headless Chromium; sum what the network delivered."""
    from playwright.sync_api import sync_playwright

    handler = type("H", (Handler,), {"gzip": compress})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    origin = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    requests, responses = {}, {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                         args=CHROMIUM_ARGS)
            page_ = browser.new_context().new_page()
            cdp = page_.context.new_cdp_session(page_)
            cdp.on("Network.requestWillBeSent", lambda e: requests.setdefault(e["requestId"], e["request"]["url"]))
            cdp.on("Network.responseReceived", lambda e: responses.setdefault(e["requestId"], {
                "url": e["response"]["url"], "status": e["response"]["status"], "type": e["type"],
                "headers": e["response"].get("encodedDataLength", 0)}))
            cdp.on("Network.loadingFinished",
                   lambda e: responses.setdefault(e["requestId"], {}).update(transfer=e["encodedDataLength"]))
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            page_.goto(f"http://{origin}/{page}", wait_until="networkidle")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    foreign = sorted({u for u in requests.values()
                      if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != origin})
    files, split = [], {k: 0 for k in ("html", "css", "js", "fonts", "images", "other")}
    for r in responses.values():
        if "url" not in r or urlsplit(r["url"]).scheme not in ("http", "https"):
            continue
        path = urlsplit(r["url"]).path
        kind = KINDS.get(r["type"]) or SUFFIXES.get(Path(path).suffix, "other")
        transfer = r.get("transfer", 0)
        split[kind] += transfer
        files.append({"path": path, "status": r["status"], "kind": kind, "transfer_bytes": transfer,
                      "body_bytes": max(transfer - r["headers"], 0)})
    files.sort(key=lambda f: -f["transfer_bytes"])
    return {"page": page, "server": "gzip" if compress else "plain", "transfer_bytes": sum(split.values()),
            "body_bytes": sum(f["body_bytes"] for f in files), "by_kind_bytes": split,
            "requests": len(requests), "foreign_requests": foreign, "files": files}


# -- report -----------------------------------------------------------------------------------

def first_line(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (proc.stdout.strip() or proc.stderr.strip()).splitlines()
    return lines[0] if lines else None


def machine_and_tools() -> tuple[dict, dict]:
    debian = Path("/etc/debian_version")
    machine = {"cpu_count": os.cpu_count(), "debian_version": debian.read_text().strip() if debian.exists() else None,
               "platform": platform.platform(), "loadavg_at_start": list(os.getloadavg())}
    tools = {"python": platform.python_version(), "python_executable": PY}
    for dist in ("sphinx", "docutils", "furo", "sphinxcontrib-bibtex", "pybtex", "playwright"):
        try:
            tools[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            tools[dist] = None
    tools["java"] = first_line(["java", "-version"])
    tools["chromium"] = first_line([shutil.which("chromium") or "chromium", "--version"])
    return machine, tools


def summarise(runs: dict[str, list[float]], cpu: dict[str, list[float]]) -> dict:
    figures = {}
    for key, (label, unit, target) in ROWS.items():
        values = runs.get(key) or []
        fig = {"label": label, "unit": unit, "runs": [round(v, 3) for v in values], "target": target,
               "median": None, "min": None, "max": None, "pass": None,
               "cpu_runs": [round(v, 2) for v in cpu[key]] or None,
               "cpu_median": round(statistics.median(cpu[key]), 2) if cpu[key] else None}
        if values:
            fig.update(median=round(statistics.median(values), 3), min=round(min(values), 3),
                       max=round(max(values), 3))
            if target is not None:
                fig["pass"] = fig["median"] <= target
        figures[key] = fig
    return figures


def table(figures: dict) -> str:
    lines = [f"{'measurement':<50} {'median':>10} {'min':>7} {'max':>7} {'CPU s':>6} {'target':>7}  result",
             "-" * 99]
    for fig in figures.values():
        digits = {"KB": 1, "req": 0}.get(fig["unit"], 2)
        num = lambda v: "-" if v is None else f"{v:.{digits}f}"  # noqa: E731
        result = "n/a" if fig["median"] is None else {True: "PASS", False: "FAIL", None: ""}[fig["pass"]]
        median = "-" if fig["median"] is None else f"{num(fig['median'])} {fig['unit']}"
        cpu = "-" if fig["cpu_median"] is None else f"{fig['cpu_median']:.1f}"
        lines.append(f"{fig['label']:<50} {median:>10} {num(fig['min']):>7} {num(fig['max']):>7} {cpu:>6} "
                     f"{num(fig['target']):>7}  {result}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="times each timing is repeated (default 3)")
    parser.add_argument("--with-make-test", action="store_true", help="also time `make test` (minutes)")
    parser.add_argument("--tests-only", action="store_true",
                        help="time only make test, pytest on a built tree and make test-fast (keeps the rest "
                             "of results.json)")
    parser.add_argument("--page", default="mechanism.html", help="the chapter page to weigh")
    parser.add_argument("--work", type=Path, default=HERE / "_work", help="scratch folder (wiped)")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)

    machine, tools = machine_and_tools()
    env = dict(os.environ, PYTHONHASHSEED="0")
    if "SOURCE_DATE_EPOCH" not in env:  # the copies are not git repositories: take it from the repo
        stamp = first_line(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"])
        env["SOURCE_DATE_EPOCH"] = stamp if stamp and stamp.isdigit() else "1767225600"
    shutil.rmtree(args.work, ignore_errors=True)
    b = Bench(args.work, env)
    pristine = snapshot(args.work / "pristine")
    started = time.monotonic()

    if args.tests_only:
        return tests_only(b, args, machine, tools, started)
    for i in range(args.repeat):
        print(f"repeat {i + 1}/{args.repeat}: clean builds", flush=True)
        one_repeat(b, pristine, i, args.with_make_test)
    print("incremental HTML rebuilds", flush=True)
    incremental(b, pristine, Path(args.page).stem, args.repeat)

    built = args.work / "p-book" / "build"
    weights = []
    for ext, key in (("epub", "epub_size"), ("pdf", "pdf_size")):
        if (built / f"{NAME}.{ext}").exists():
            b.runs[key].append((built / f"{NAME}.{ext}").stat().st_size / MB)
    if (built / "html" / args.page).exists():  # bytes do not vary with load: measured once
        print(f"weighing {args.page} in Chromium", flush=True)
        try:
            for compress, key in ((False, "page_kb"), (True, "page_kb_gzip")):
                weights.append(page_weight(built / "html", args.page, compress))
                b.runs[key].append(weights[-1]["transfer_bytes"] / KB)
            b.runs["page_foreign"].append(sum(len(w["foreign_requests"]) for w in weights))
        except Exception as exc:  # Playwright or Chromium: a failed measurement, not a failed build
            b.errors.append(f"page weight not measured: {exc!r}")

    figures = summarise(b.runs, b.cpu)
    machine["loadavg_at_end"] = list(os.getloadavg())
    notes = ["Times are wall-clock seconds; cpu_* are user + system seconds of the processes a step ran.",
             "Sizes: MB = 10^6 bytes, KB = 10^3 bytes.",
             "Each timed build runs in a fresh copy of conf.py, source/ and tools/ (no source/_generated).",
             "Targets are informational; other processes on the machine add noise (see min/max)."]
    if not args.with_make_test:
        notes.append("make_test is null: not measured (run with --with-make-test; make_test_built and "
                     "make_test_fast too; or bench.py --tests-only).")
    results = {
        "schema": 1, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "repeat": args.repeat, "bench_seconds": round(time.monotonic() - started, 1),
        "machine": machine, "tools": tools, "figures": figures, "page_weight": weights,
        "errors": b.errors, "notes": notes,
    }
    args.output.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(table(figures))
    for w in weights:
        kinds = ", ".join(f"{k} {v / KB:.1f}" for k, v in w["by_kind_bytes"].items() if v)
        print(f"{w['page']} ({w['server']} server): {w['requests']} requests; KB by kind: {kinds}")
        print(f"  requests to other hosts: {', '.join(w['foreign_requests']) or 'none'}")
    if not args.with_make_test:
        print("make test: not measured (run with --with-make-test)")
    print(f"\nload average at start {machine['loadavg_at_start'][0]:.2f}, at end {machine['loadavg_at_end'][0]:.2f}"
          f" ({machine['cpu_count']} CPUs); results in {args.output}")
    for err in b.errors:
        print(f"BUILD FAILED: {err}", file=sys.stderr)
    return 1 if b.errors else 0


def tests_only(b: Bench, args, machine: dict, tools: dict, started: float) -> int:
    """The test rows alone, written into results.json beside the build figures already there."""
    for i in range(args.repeat):
        print(f"repeat {i + 1}/{args.repeat}: make test, pytest on the built tree, make test-fast", flush=True)
        test_rows(b, i)
    figures = {k: v for k, v in summarise(b.runs, b.cpu).items() if k in TEST_ROWS}
    machine["loadavg_at_end"] = list(os.getloadavg())
    results = json.loads(args.output.read_text()) if args.output.exists() else {"schema": 1, "figures": {}}
    results["figures"].update(figures)
    results["tests"] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "repeat": args.repeat,
        "bench_seconds": round(time.monotonic() - started, 1), "machine": machine, "tools": tools,
        "errors": b.errors,
        "note": "make_test, make_test_built and make_test_fast measured by `bench.py --tests-only` "
                "(this date); the other figures by the full bench (the top-level date).",
    }
    results["notes"] = [n for n in results.get("notes", []) if not n.startswith("make_test is null")]
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(figures))
    print(f"\nload average at start {machine['loadavg_at_start'][0]:.2f}, at end {machine['loadavg_at_end'][0]:.2f}"
          f" ({machine['cpu_count']} CPUs); results in {args.output}")
    for err in b.errors:
        print(f"FAILED: {err}", file=sys.stderr)
    return 1 if b.errors else 0


if __name__ == "__main__":
    sys.exit(main())

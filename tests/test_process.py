"""The build as a process: stopped cleanly, never blocked by the last run, one line per fault (issue 25).

The probe: a plain `kill` of build.py left Sphinx, Java and the PDF step
running and writing, and the next build failed with "File exists"; a stray
file named build.new blocked every later build; every write error said
"check the permissions"; SOURCE_DATE_EPOCH empty, "yesterday" or past 2107
ended in a Sphinx traceback, 2100 or 1969 were printed as the edition date;
`reviewed = "31 February 2026"` was published.  Fast: a tiny fake project
whose steps hang (a stand-in figure script, a conf.py that keeps each Sphinx
process waiting), or the functions alone.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import build  # noqa: E402
import build_steps  # noqa: E402
from build_checks import epub_duplicate_images, image_problems, prune_static  # noqa: E402
from build_publish import Published, cannot_write, recover  # noqa: E402

BUILD = ROOT / "tools" / "build.py"

# The stand-in for figure_files.py: starts a child that would outlive it, notes both pids, waits.
HANGING_STEP = """
import os, subprocess, sys, time
from pathlib import Path
child = subprocess.Popen(["sleep", "60"])
Path(sys.argv[1]).joinpath("pids").write_text(f"{os.getpid()} {child.pid}")
time.sleep(60)
"""


@pytest.fixture
def project(tmp_path) -> Path:
    """A fake project: the book's data files, and steps that hang (the figures, Sphinx)."""
    root = tmp_path / "project"
    (root / "source" / "_data").mkdir(parents=True)
    for name in ("book.toml", "facts.toml"):
        shutil.copy(ROOT / "source" / "_data" / name, root / "source" / "_data" / name)
    (root / "tools" / "extensions").mkdir(parents=True)
    (root / "tools" / "extensions" / "figure_files.py").write_text(HANGING_STEP)
    # The Sphinx processes start beside the figure step: their configuration keeps them waiting too.
    (root / "conf.py").write_text("import time\ntime.sleep(60)\n")
    return root


def start(project: Path, *args: str, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BUILD), *args, "--root", str(project),
                             "--out", str(project / "build"), "--work", str(project / "_build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1764979200", **env})


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not running
        return f.read().split(") ", 1)[1][0] != "Z"


def wait_for(path: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return path.read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_build_stopped_by_a_signal_stops_every_step_it_started(project, sig):
    proc = start(project, "book")
    pids = [int(p) for p in wait_for(project / "source" / "pids").split()]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert "BUILD STOPPED" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 5
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids), "a step outlived the build"


def test_a_build_killed_outright_takes_its_steps_with_it(project):
    """SIGKILL cannot be caught: the kernel stops each step (PR_SET_PDEATHSIG)."""
    proc = start(project, "book")
    step, _child = (int(p) for p in wait_for(project / "source" / "pids").split())
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while alive(step) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(step)


def test_the_first_format_to_fail_stops_the_others(monkeypatch):
    def fails(*args, **kwargs):
        raise build.BuildError("sphinx-build -b epub failed with exit code 1")

    def hangs(*args, **kwargs):
        build_steps.run(["sleep", "60"], "a long step", dict(os.environ))

    monkeypatch.setattr(build, "build_epub", fails)
    monkeypatch.setattr(build, "build_pdf", hangs)
    monkeypatch.setattr(build, "build_html", hangs)
    started = time.monotonic()
    try:
        with pytest.raises(build.BuildError) as exc:
            build.build_side_by_side(lambda fmt, fn, *a, **k: fn(*a, **k), Path("."), Path("."), {})
    finally:
        build_steps.STOPPING.clear()
    assert time.monotonic() - started < 10
    assert str(exc.value) == "EPUB: sphinx-build -b epub failed with exit code 1 (the other formats were stopped)"


@pytest.mark.parametrize("leftover", ["a file", "a folder", "a link"])
def test_a_stray_build_new_does_not_block_the_next_build(tmp_path, leftover):
    pub = Published(tmp_path / "build", "book")
    if leftover == "a file":
        pub.new.write_text("stray")
    elif leftover == "a folder":
        (pub.new / "html").mkdir(parents=True)
    else:
        pub.new.symlink_to(tmp_path / "nowhere")
    recover(pub)
    assert not pub.new.exists() and not pub.new.is_symlink()


CAUSES = {
    "a full disk": (errno.ENOSPC, "the disk is full; free some space"),
    "a file where a folder belongs": (errno.ENOTDIR, "a file stands where a folder belongs"),
    "a read-only file system": (errno.EROFS, "the file system is read-only"),
    "no permission": (errno.EACCES, "permission denied"),
}


@pytest.mark.parametrize("cause", sorted(CAUSES))
def test_a_write_error_names_its_real_cause(cause):
    code, words = CAUSES[cause]
    message = str(cannot_write(Path("/x/build"), OSError(code, os.strerror(code), "/x/build")))
    assert message.startswith("cannot write to /x/build: ") and words in message
    assert "check the permissions" not in message or code == errno.EACCES


def test_publishing_under_a_file_fails_in_one_line_naming_it(project):
    (project / "blocker").write_text("a file")
    proc = subprocess.run([sys.executable, str(BUILD), "book", "--root", str(project),
                           "--out", str(project / "blocker" / "build")], capture_output=True, text=True,
                          env=dict(os.environ, SOURCE_DATE_EPOCH="1764979200"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "a file stands where a folder belongs" in proc.stderr, proc.stderr


# -- dates -------------------------------------------------------------------------------------

EPOCHS = {
    "an empty SOURCE_DATE_EPOCH": ("", "SOURCE_DATE_EPOCH='' is not a whole number of seconds since 1970"),
    "a word": ("yesterday", "SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds since 1970"),
    "a negative number": ("-1", "SOURCE_DATE_EPOCH='-1' is not a whole number"),
    "a day before 1980": ("86400", "SOURCE_DATE_EPOCH=86400 dates the book 2 January 1970: it must be between "
                                   "1 January 1980 and tomorrow"),
    "a day in 2100": ("4102444800", "SOURCE_DATE_EPOCH=4102444800 dates the book 1 January 2100"),
    "a day past 2107": ("4354819200", "SOURCE_DATE_EPOCH=4354819200 dates the book 1 January 2108"),
}


@pytest.mark.parametrize("case", sorted(EPOCHS))
def test_the_edition_date_is_a_day_between_1980_and_tomorrow(project, case):
    value, words = EPOCHS[case]
    proc = start(project, "book", SOURCE_DATE_EPOCH=value)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Traceback" not in err
    assert f"BUILD FAILED: {words}" in err, err


@pytest.mark.parametrize("reviewed, words", [
    ("31 February 2026", "reviewed = '31 February 2026' is not a real date written like '24 November 2026'"),
    ("1 January 2999", "reviewed = '1 January 2999' is after today"),
])
def test_the_review_date_is_a_real_day_that_has_passed(project, reviewed, words):
    toml = project / "source" / "_data" / "book.toml"
    text, count = re.subn(r'^reviewed = "[^"]*"', f'reviewed = "{reviewed}"', toml.read_text(), flags=re.M)
    assert count == 1
    toml.write_text(text)
    proc = start(project, "book")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Traceback" not in err
    assert f"BUILD FAILED: source/_data/book.toml: {words}" in err, err


# -- images ------------------------------------------------------------------------------------

def test_a_broken_or_oversized_image_fails_naming_it(tmp_path):
    from PIL import Image

    source = tmp_path / "source"
    source.mkdir()
    Image.new("RGB", (64, 64), "white").save(source / "good.png")
    data = (source / "good.png").read_bytes()
    (source / "truncated.png").write_bytes(data[: len(data) // 2])
    Image.new("1", (3001, 2)).save(source / "wide.png")
    (source / "huge.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'>" + " " * (2 * 1024 * 1024) + "</svg>")
    found = image_problems(source)
    assert [f.split(":")[0] for f in found] == ["source/huge.svg", "source/truncated.png", "source/wide.png"], found
    assert "does not decode completely" in found[1] and "3001 x 2 pixels, over 3000" in found[2]


def test_the_epub_carries_each_image_once(tmp_path):
    epub = tmp_path / "book.epub"
    with zipfile.ZipFile(epub, "w") as zf:
        zf.writestr("EPUB/_images/a.png", b"same")
        zf.writestr("EPUB/_static/cover.png", b"same")
        zf.writestr("EPUB/_images/b.png", b"other")
    assert epub_duplicate_images(epub) == ["book.epub: EPUB/_static/cover.png is the same image as EPUB/_images/a.png"]


def test_only_the_files_the_site_loads_are_published_from_static(tmp_path):
    html = tmp_path / "html"
    (html / "_static").mkdir(parents=True)
    (html / "index.html").write_text('<link rel="stylesheet" href="_static/book.css">'
                                     '<script src="_static/a.js"></script>')
    (html / "_static" / "book.css").write_text("p { background: url(minus.png) }")
    (html / "_static" / "minus.png").write_bytes(b"png")
    (html / "_static" / "a.js").write_text("1")
    (html / "_static" / "dropped.js").write_text("fetch('https://tracker.example/')")
    assert prune_static(html) == ["_static/dropped.js"]
    assert sorted(p.name for p in (html / "_static").iterdir()) == ["a.js", "book.css", "minus.png"]


def test_a_locale_that_is_not_installed_is_named_in_one_line(project):
    proc = start(project, "book", LC_ALL="xx_XX.UTF-8")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert "BUILD FAILED: the locale LC_ALL=xx_XX.UTF-8 is not installed on this machine" in err, err


def test_a_stray_build_new_file_is_cleared_by_the_next_run(project):
    """The probe's stray file named build.new blocked every later build; now the run clears it
    and goes on (here to its stand-in figure step, which is stopped)."""
    (project / "build.new").write_text("stray")
    proc = start(project, "book")
    wait_for(project / "source" / "pids")
    assert not (project / "build.new").exists()
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert "File exists" not in err and "BUILD STOPPED" in err, err


def test_figures_that_cannot_be_written_fail_in_one_line_naming_the_cause(tmp_path):
    """A read-only source/, a full disk, a file where source/_generated belongs: one line, no traceback."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source, ignore=shutil.ignore_patterns("_generated"))
    (source / "_generated").write_text("a file where the figures' folder belongs")
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "extensions" / "figure_files.py"), str(source)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"cannot write the figures and the cover to {source / '_generated'}: File exists"], proc.stderr


def test_a_step_run_at_a_lower_priority_gets_it_against_the_other_steps_too(tmp_path):
    """Each step is a session of its own; where the kernel groups processes by session
    (autogroup), a nice value alone only counts inside the session, so the group gets it too."""
    out = tmp_path / "priority"
    build_steps.run(["sh", "-c", f"nice > {out}; cat /proc/self/autogroup >> {out} 2>/dev/null || true"],
                    "a step at a lower priority", dict(os.environ), nice=5)
    lines = out.read_text().splitlines()
    assert int(lines[0]) >= 5, lines
    if Path("/proc/self/autogroup").exists():
        assert lines[1].endswith("nice 5"), lines

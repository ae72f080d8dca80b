"""Publishing never loses the last good book, whatever stops the build.

The promise (tools/build.py, "Publishing"): at every instant a complete book is
at the published path, a second build in the same tree stops with one line,
and every message says truthfully what is published.

The fast tests drive the build's own publishing code (Published, recover,
publish) in a child process that a test hook (BOOK_TEST_PAUSE) holds at the
critical point, so the test can signal it there.  The previous book is a fake
one (fake_book: every file a complete book has, and a few hundred more, none of
them built), so these tests are in the fast layer; "intact" means the same
bytes, file by file.  The real build script's own runs (a second build, a
SIGTERM, another filesystem) are on the tiny project (conftest.tiny_project).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import NAME, ROOT, build, need_tool

SHM = Path("/dev/shm")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder and the SHA-256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_complete(folder: Path) -> None:
    for name in ("html/index.html", f"{NAME}.epub", f"{NAME}.pdf", f"{NAME}-html.zip"):
        assert (folder / name).is_file(), f"{folder}/{name} is missing"


def fake_book(out: Path) -> Path:
    """A complete book as build.Published sees one (html/index.html, the EPUB, the
    PDFs, the site's zip), with a site's worth of pages and assets, none built."""
    for n in range(300):
        page = out / "html" / ("_static" if n % 3 == 0 else "") / f"page-{n}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(f"<p>page {n}</p>\n".encode() * (n + 1))
    (out / "html" / "index.html").write_text("<h1>the last good book</h1>\n")
    for name in (f"{NAME}.epub", f"{NAME}.pdf", f"{NAME}-6in.pdf", f"{NAME}-large-print.pdf", f"{NAME}-html.zip"):
        (out / name).write_bytes(os.urandom(64 * 1024))
    assert_complete(out)
    return out


@pytest.fixture
def previous(tmp_path) -> Path:
    """A published folder holding a (fake) complete book."""
    return fake_book(tmp_path / "site" / "build")


@pytest.fixture
def next_book(previous, tmp_path) -> Path:
    """Another complete book, different in one byte of its home page."""
    new = tmp_path / "next"
    shutil.copytree(previous, new)
    (new / "html" / "index.html").write_text((new / "html" / "index.html").read_text() + "\n<!-- next -->\n")
    return new


# build_publish.pause (BOOK_TEST_PAUSE=point:flag) writes the flag and waits until the
# test writes flag + ".go" (after its signal): signals held there are delivered then.
PUBLISHER = textwrap.dedent("""
    import shutil, signal, sys
    from pathlib import Path
    sys.path.insert(0, {tools!r})
    import build

    # As when started from a terminal: a pytest run in the background (`make test &`)
    # starts its children with SIGINT ignored, and Python then installs no handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    pub = build.Published(Path(sys.argv[1]), {name!r})
    build.recover(pub)
    if len(sys.argv) > 2:
        shutil.copytree(sys.argv[2], pub.new)
        build.publish(pub)
    print(pub.state())
""").format(tools=str(ROOT / "tools"), name=NAME)


def publisher(out: Path, new: Path | None, **env) -> subprocess.Popen:
    args = [sys.executable, "-c", PUBLISHER, str(out)] + ([str(new)] if new else [])
    return subprocess.Popen(args, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(flag: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not flag.exists():
        assert proc.poll() is None, f"ended before the pause: {proc.communicate()}"
        assert time.monotonic() < deadline, "never reached the pause"
        time.sleep(0.05)


SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_at_the_moment_of_publishing_leaves_the_last_good_book(previous, next_book, tmp_path, sig):
    before = snapshot(previous)
    flag = tmp_path / "paused"
    proc = publisher(previous, next_book, BOOK_TEST_PAUSE=f"publish:{flag}")
    wait_for(flag, proc)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert snapshot(previous) == before
    # The next run cleans up what the stopped one left, and says the book is unchanged.
    after = publisher(previous, None)
    out, err = after.communicate(timeout=60)
    assert after.returncode == 0, err
    assert out.strip() == f"the last good book in {previous}/ is unchanged"
    assert snapshot(previous) == before
    assert not previous.with_name("build.new").exists() and not previous.with_name("build.old").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_signals_between_the_two_renames_wait_until_the_new_book_is_in_place(previous, next_book, tmp_path, sig):
    """Where the system cannot swap (BOOK_PUBLISH_NO_EXCHANGE), these signals are held back."""
    flag = tmp_path / "paused"
    proc = publisher(previous, next_book, BOOK_PUBLISH_NO_EXCHANGE="1",
                     BOOK_TEST_PAUSE=f"between-renames:{flag}")
    wait_for(flag, proc)
    proc.send_signal(sig)
    time.sleep(0.2)  # the signal is pending in the paused process
    flag.with_name(flag.name + ".go").write_text("")
    proc.communicate(timeout=60)
    assert snapshot(previous) == snapshot(next_book)


def test_a_kill_between_the_two_renames_is_undone_by_the_next_run(previous, next_book, tmp_path):
    before = snapshot(previous)
    flag = tmp_path / "paused"
    proc = publisher(previous, next_book, BOOK_PUBLISH_NO_EXCHANGE="1",
                     BOOK_TEST_PAUSE=f"between-renames:{flag}")
    wait_for(flag, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert not previous.exists()  # the one window SIGKILL can open; the next run closes it
    after = publisher(previous, None)
    out, _ = after.communicate(timeout=60)
    assert "put the last good book back" in out
    assert snapshot(previous) == before


def test_a_complete_book_is_at_the_published_path_at_every_instant(previous, next_book, tmp_path):
    """A reader (a web server) looking during many publishes never finds the book missing."""
    misses = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            if not (previous / "html" / "index.html").is_file() or not (previous / f"{NAME}.epub").is_file():
                misses.append(time.monotonic())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            proc = publisher(previous, next_book)
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
    finally:
        stop.set()
        watcher.join()
    assert misses == []
    assert snapshot(previous) == snapshot(next_book)


def test_an_unwritable_output_folder_fails_in_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = build(ROOT, blocker / "build", tmp_path / "work")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"BUILD FAILED: cannot write to {blocker}" in proc.stderr
    assert not (tmp_path / "work").exists()  # stopped before building anything


def test_a_read_only_build_folder_fails_in_one_line():
    """As a user who may not write the published folder's parent (root may write anywhere: use nobody)."""
    with tempfile.TemporaryDirectory(dir=SHM) as tmp:
        parent = Path(tmp) / "site"
        parent.mkdir()
        (parent / "build").mkdir()
        os.chmod(tmp, 0o755)
        os.chmod(parent, 0o555)
        cmd = [sys.executable, str(ROOT / "tools" / "build.py"), "book", "--out", str(parent / "build"),
               "--work", str(Path(tmp) / "work")]
        if os.geteuid() == 0:  # setpriv (util-linux) runs the build as another user; missing, the test fails
            nobody = [need_tool("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups"]
            reach = subprocess.run([*nobody, sys.executable, str(ROOT / "tools" / "build.py"), "--help"],
                                   capture_output=True, text=True)
            if reach.returncode != 0:  # e.g. a checkout under /root (mode 700), as in a fresh chroot
                pytest.skip("root cannot be refused a write, and this checkout is not readable by an "
                            f"unprivileged user to try it as one: {reach.stderr.strip()[:120]}")
            cmd = [*nobody, *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, SOURCE_DATE_EPOCH="1"))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"BUILD FAILED: cannot write to {parent}: permission denied" in proc.stderr


# -- the whole build ----------------------------------------------------------------------


def test_two_builds_on_another_filesystem_and_a_kill_keep_the_last_good_book(tiny, tmp_path):
    """--out on tmpfs (/dev/shm), the work folder on this disk: a second build stops with one line,
    a SIGTERM at the moment of publishing leaves the last good book, and a good build then publishes."""
    project = tiny
    env = dict(os.environ, SOURCE_DATE_EPOCH="1764000000")
    with tempfile.TemporaryDirectory(dir=SHM) as tmp:
        out = fake_book(Path(tmp) / "build")
        before = snapshot(out)
        flag = tmp_path / "paused"
        first = subprocess.Popen(
            [sys.executable, str(project / "tools" / "build.py"), "book", "--root", str(project),
             "--out", str(out), "--work", str(tmp_path / "work")],
            env=dict(env, BOOK_TEST_PAUSE=f"publish:{flag}"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            wait_for(flag, first, seconds=600)
            assert (out.with_name("build.new") / "html" / "index.html").is_file()  # staged beside the output
            second = build(project, out, tmp_path / "work2", env)
            assert second.returncode == 1
            assert "BUILD FAILED: another build (process " in second.stderr
            assert f"is building into {out}/ in this tree" in second.stderr
            assert f"(the last good book in {out}/ is unchanged;" in second.stderr
        finally:
            first.send_signal(signal.SIGTERM)
            first.communicate(timeout=60)
        assert snapshot(out) == before

        good = build(project, out, tmp_path / "work", env)
        assert good.returncode == 0, good.stdout + good.stderr
        assert f"published in {out}/" in good.stdout
        assert_complete(out)
        assert not out.with_name("build.new").exists() and not out.with_name("build.old").exists()

"""The set-up scripts say what is still missing, and the lock and lint targets are the ones documented."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from conftest import BOOK, ROOT, copy_project


def test_sysdeps_checks_each_tool_again_after_installing_and_names_the_one_still_missing(tmp_path):
    """An apt-get that "installs" without giving the tool: the script must not claim success."""
    script = (ROOT / "tools" / "sysdeps.sh").read_text()
    anchor = 'if [ "$group" = test ]; then'
    assert anchor in script
    script = script.replace(anchor, 'need klonopin-test-tool "the test tool" has klonopin-test-tool\n' + anchor, 1)
    (tmp_path / "sysdeps.sh").write_text(script)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("apt-get", 'echo "apt-get $*" >> "$APT_LOG"'), ("sudo", 'shift; "$@"'), ("id", "echo 0")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", APT_LOG=str(tmp_path / "apt.log"))
    proc = subprocess.run(["bash", str(tmp_path / "sysdeps.sh"), "build"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "install -y -qq --no-install-recommends klonopin-test-tool" in (tmp_path / "apt.log").read_text()
    assert "still missing after installing klonopin-test-tool: the test tool" in proc.stderr
    assert "every tool is now present" not in proc.stdout


def test_make_passes_sphinxopts_to_every_sphinx_run():
    proc = subprocess.run(["make", "-n", "html", "epub", "pdf", "book", "SPHINXOPTS=-v -T"], cwd=ROOT,
                          capture_output=True, text=True)
    runs = [line for line in proc.stdout.splitlines() if "tools/build.py" in line]
    assert len(runs) == 4, proc.stdout
    assert all('--sphinxopts="-v -T"' in line for line in runs), runs


def test_sphinxopts_reach_sphinx(tiny, tmp_path):
    """make html SPHINXOPTS=-v: Sphinx's verbose messages appear (without -v, -q keeps them out).

    On the tiny project: the build script's `html` target is the same, the book is smaller."""
    work = tmp_path / "work"
    proc = subprocess.run([str(Path(os.sys.executable)), str(tiny / "tools" / "build.py"), "html", "--root", str(tiny),
                           "--work", str(work), "--sphinxopts=-v"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Running Sphinx v" in proc.stdout and "locale_dir" in proc.stdout  # -v's messages


def test_without_git_or_source_date_epoch_the_build_is_dated_by_the_review_date(tmp_path):
    """A release tarball: no .git, no SOURCE_DATE_EPOCH. The date comes from book.toml, and the build says so."""
    project = copy_project(tmp_path / "project")
    assert not (project / ".git").exists()
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    code = ("import sys; sys.path.insert(0, sys.argv[1] + '/tools'); import build; from pathlib import Path; "
            "print('EPOCH', build.default_env(Path(sys.argv[1]))['SOURCE_DATE_EPOCH'])")
    proc = subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    reviewed = datetime.strptime(BOOK["reviewed"], "%d %B %Y").replace(tzinfo=timezone.utc)
    assert f"EPOCH {int(reviewed.timestamp())}" in proc.stdout
    assert (f"No git history and no SOURCE_DATE_EPOCH: the build is dated {BOOK['reviewed']}, "
            "the review date in source/_data/book.toml.") in proc.stdout
    # With git history, the last commit dates it, silently.
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, env=env)
    assert "No git history" not in proc.stdout and proc.returncode == 0


def test_the_quick_exit_keeps_sphinx_builds_status_messages_and_warning_file(tmp_path):
    """tools/sphinx_build.py leaves without Python's clean-up (os._exit): nothing sphinx-build
    says or writes may be lost, and a warning under -W must still fail the run."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("")
    (src / "index.rst").write_text("Title\n=====\n\nA reference to :ref:`nowhere`.\n")
    warnings = tmp_path / "warnings.txt"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "sphinx_build.py"), "-b", "html", "-W", "-n",
                           "-w", str(warnings), str(src), str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "undefined label: 'nowhere'" in proc.stderr and "undefined label: 'nowhere'" in warnings.read_text()
    (src / "index.rst").write_text("Title\n=====\n\nNo fault here.\n")
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "sphinx_build.py"), "-b", "html", "-W",
                           str(src), str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "build succeeded" in proc.stdout and (tmp_path / "out" / "index.html").is_file()

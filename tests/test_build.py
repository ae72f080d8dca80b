"""The build: bad input fails loudly with file and line, nothing good is lost,
and the same source gives the same book."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tomllib
import zipfile

import pytest
from pypdf import PdfReader

from conftest import NAME, ROOT, build, copy_project

pytestmark = pytest.mark.slow

CHAPTER = "mechanism.rst"

# Each case appends a few lines to a chapter; the marked line is where the
# error is, and the build's message must name that file and that line.
BAD_INPUT = {
    "broken-rest": ["", ".. warning::", "", "A warning with no indented body.", ""],
    "unknown-citation-key": ["", "A claim with a source nobody wrote :footcite:p:`no-such-source-1999`.", ""],
    "broken-cross-reference": ["", "See :ref:`a-section-that-does-not-exist`.", ""],
    "missing-image": ["", ".. image:: _static/no-such-image.png", "   :alt: nothing", ""],
    "missing-glyph": ["", "A tablet sign the PDF font cannot draw: \U0001F48A.", ""],
    # makeindex (book_latex.py) would sort it after "z"
    "index-term-beyond-ascii": ["", ".. index:: Ärger", "", "A paragraph the term points to.", ""],
}
BAD_LINE = {"broken-rest": 2, "unknown-citation-key": 2, "broken-cross-reference": 2,
            "missing-image": 2, "missing-glyph": 2, "index-term-beyond-ascii": 2}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_the_build_naming_file_and_line(tmp_path, case):
    project = copy_project(tmp_path / "project")
    chapter = project / "source" / CHAPTER
    text = chapter.read_text()
    if not text.endswith("\n"):
        text += "\n"
    first_new_line = text.count("\n") + 1
    chapter.write_text(text + "\n".join(BAD_INPUT[case]) + "\n")
    bad_line = first_new_line + BAD_LINE[case] - 1

    proc = build(project, tmp_path / "published", tmp_path / "work")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{case}: the build passed\n{output}"
    assert re.search(rf"{re.escape(CHAPTER)}:{bad_line}\b", output), (
        f"{case}: no message names {CHAPTER}:{bad_line}\n{output}"
    )
    assert not (tmp_path / "published").exists()


def tree_digest(folder):
    digest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def test_failed_build_leaves_the_published_book_untouched(tmp_path):
    project = copy_project(tmp_path / "project")
    published = tmp_path / "published"
    published.mkdir()
    (published / "sentinel.txt").write_text("the last good book")
    before = tree_digest(published)
    chapter = project / "source" / CHAPTER
    chapter.write_text(chapter.read_text() + "\nSee :ref:`nowhere-at-all`.\n")

    proc = build(project, published, tmp_path / "work")
    assert proc.returncode != 0
    assert "build/ is unchanged" in proc.stderr
    assert tree_digest(published) == before


def pdf_fingerprint(path):
    reader = PdfReader(path)
    text = [page.extract_text() for page in reader.pages]
    return text, dict(reader.metadata)


def test_two_clean_builds_give_the_same_book(tmp_path, book):
    """With SOURCE_DATE_EPOCH set: byte-identical EPUB and HTML, same PDF text and metadata."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="1764000000")
    outputs = []
    for n in (1, 2):
        project = copy_project(tmp_path / f"project{n}")  # different paths on purpose
        proc = build(project, tmp_path / f"published{n}", tmp_path / f"work{n}", env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outputs.append(tmp_path / f"published{n}")
    a, b = outputs
    assert (a / f"{NAME}.epub").read_bytes() == (b / f"{NAME}.epub").read_bytes()
    assert tree_digest(a / "html") == tree_digest(b / "html")
    assert (a / f"{NAME}-html.zip").read_bytes() == (b / f"{NAME}-html.zip").read_bytes()
    assert pdf_fingerprint(a / f"{NAME}.pdf") == pdf_fingerprint(b / f"{NAME}.pdf")
    with zipfile.ZipFile(a / f"{NAME}.epub") as zf:
        stamps = {info.date_time for info in zf.infolist()}
    assert len(stamps) == 1 and min(stamps)[0] >= 1980


def test_lock_file_pins_every_declared_dependency():
    """requirements.lock (pip-compile --generate-hashes): every package pinned, each with its hashes."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    text = (ROOT / "requirements.lock").read_text()
    lock, hashes = {}, {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        pin = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", block)
        if pin:
            name = pin[1].lower().replace("_", "-")
            lock[name] = pin[2]
            hashes[name] = re.findall(r"--hash=sha256:[0-9a-f]{64}", block)
    assert len(lock) > 50
    assert [name for name, found in hashes.items() if not found] == [], "pins without a hash"
    for group in groups.values():
        for req in group:
            name, version = req.split("==")
            assert lock.get(name.lower()) == version, f"{req} is not what requirements.lock pins"
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile


def test_readthedocs_builds_the_same_book_with_downloads():
    config = (ROOT / ".readthedocs.yaml").read_text()
    assert re.search(r"^\s*-\s*pdf\s*$", config, re.M)
    assert re.search(r"^\s*-\s*epub\s*$", config, re.M)
    assert "requirements.lock" in config
    assert "configuration: conf.py" in config


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make book" in readme
    assert re.search(r"^make test\b", ci, re.M)
    proc = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")])
    assert proc.returncode == 0

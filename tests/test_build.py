"""The build: bad input fails loudly with file and line, nothing good is lost,
and the same source gives the same book.

The builds here run the real build script (all three formats, EPUBCheck, the
gate, publishing) on the tiny project (conftest.tiny_project: every extension,
two chapters, the whole facts file), so each takes seconds, not the minutes of
the whole book; they are the "build" layer of `make test`."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
import tomllib
import zipfile

import pytest
from pypdf import PdfReader

from conftest import NAME, ROOT, TINY_DOCS, build, tiny_project

CHAPTER = "mechanism.rst"
FACTS = "source/_data/facts.toml"

# Faults that need the full build: the PDF's fonts, and one of each
# kind of input rule, to show that the real build stops and the published book
# stays as it was.  Every other bad input is in the fast layer (test_inputs.py).
# Each case inserts lines before the chapter's closing line; the marked line
# is where the error is, and the build's message must name that file and line.
BAD_INPUT = {
    # case: (lines, line of the fault among them, the message)
    "missing-glyph": (["A tablet sign the PDF font cannot draw: \U0001F48A.", ""], 1,
                      "character '\U0001F48A' (U+1F48A PILL) is missing from the print font FreeSerif"),
    "include-from-outside-source": ([".. include:: ../../../../../../../../etc/passwd", ""], 1,
                                    "outside source/: the book inserts only files from inside source/"),
    "raw-with-a-url": ([".. raw:: html", "   :url: https://tracker.example/page.html", ""], 1,
                       "the raw directive is refused"),
    "bidirectional-override": (["Take at most \u202e01 mg\u202c a day.", ""], 1,
                               "invisible character U+202E RIGHT-TO-LEFT OVERRIDE at column 14"),
}


def published_book(tmp_path):
    """A folder standing for the last good book; its digest before the build."""
    published = tmp_path / "published"
    published.mkdir()
    (published / "sentinel.txt").write_text("the last good book")
    return published, tree_digest(published)


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_fails_the_build_naming_file_and_line(tiny, tmp_path, case):
    project = tiny
    chapter = project / "source" / CHAPTER
    lines = chapter.read_text().splitlines()
    new, offset, message = BAD_INPUT[case]
    chapter.write_text("\n".join(lines[:-1] + new + lines[-1:]) + "\n")
    bad_line = len(lines) - 1 + offset
    published, before = published_book(tmp_path)

    proc = build(project, published, tmp_path / "work")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{case}: the build passed\n{output}"
    assert re.search(rf"{re.escape(CHAPTER)}:{bad_line}: (WARNING|ERROR): [^\n]*{re.escape(message)}", output), (
        f"{case}: no message names {CHAPTER}:{bad_line} with {message!r}\n{output}"
    )
    assert tree_digest(published) == before


@pytest.fixture(scope="module")
def invalid_value_build(tmp_path_factory):
    """The book built with ``value = true`` on panic-max-dose (Python prints True as 1).

    The message, the published folder and its digest before the build."""
    tmp = tmp_path_factory.mktemp("invalid-value")
    project = tiny_project(tmp / "project")
    facts = project / FACTS
    text = facts.read_text()
    head, block = text.split("[panic-max-dose]\n", 1)
    line = head.count("\n") + 2 + block[: block.index("value = 4")].count("\n")
    facts.write_text(head + "[panic-max-dose]\n" + block.replace("value = 4", "value = true", 1))
    published, before = published_book(tmp)
    proc = build(project, published, tmp / "work")
    message = f"{FACTS}:{line}: ERROR: fact 'panic-max-dose': value is true/false, not a number"
    return proc, message, published, before


@pytest.mark.build
def test_an_invalid_clinical_value_fails_the_build_naming_file_line_and_fact(invalid_value_build):
    proc, message, published, before = invalid_value_build
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    # build.py checks the data before any Sphinx run: its line has no Sphinx "ERROR:" tag
    assert message in output or message.replace(": ERROR:", ":", 1) in output, output
    assert tree_digest(published) == before


@pytest.mark.build
def test_an_invalid_clinical_value_is_reported_once_without_a_traceback(invalid_value_build):
    proc, message, _, _ = invalid_value_build
    output = proc.stdout + proc.stderr
    assert output.count(message.replace(": ERROR:", ":", 1)) + output.count(message) == 1, output
    assert "Traceback" not in output, output


def test_a_chapter_with_only_a_title_fails_the_build(tiny, tmp_path):
    project = tiny
    index = project / "source" / "index.rst"
    assert "   mechanism\n" in index.read_text()
    index.write_text(index.read_text().replace("   mechanism\n", "   mechanism\n   new-chapter\n"))
    (project / "source" / "new-chapter.rst").write_text("A new chapter\n=============\n")
    published, before = published_book(tmp_path)

    proc = build(project, published, tmp_path / "work")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for message in ["'new-chapter' has no label before its title",
                    "chapter 'new-chapter' has no review date",
                    "clinical chapter 'new-chapter' has no Key points box",
                    "chapter 'new-chapter' does not end with '.. footbibliography::'"]:
        assert re.search(rf"new-chapter\.rst:[12]: WARNING: {re.escape(message)}", output), (message, output)
    assert tree_digest(published) == before


def tree_digest(folder):
    digest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def test_failed_build_leaves_the_published_book_untouched(tiny, tmp_path):
    project = tiny
    published = tmp_path / "published"
    published.mkdir()
    (published / "sentinel.txt").write_text("the last good book")
    before = tree_digest(published)
    chapter = project / "source" / CHAPTER
    chapter.write_text(chapter.read_text() + "\nSee :ref:`nowhere-at-all`.\n")

    proc = build(project, published, tmp_path / "work")
    assert proc.returncode != 0
    assert f"{published}/ is unchanged" in proc.stderr
    assert tree_digest(published) == before


def pdf_fingerprint(path):
    reader = PdfReader(path)
    text = [page.extract_text() for page in reader.pages]
    return text, dict(reader.metadata)


@pytest.mark.build
def test_two_clean_builds_give_the_same_book(tmp_path):
    """With SOURCE_DATE_EPOCH set: byte-identical EPUB and HTML, same PDF text and metadata."""
    outputs = []
    for n, zone in ((1, "UTC"), (2, "Asia/Tokyo")):  # zip stores local times: a zone must not show
        env = dict(os.environ, SOURCE_DATE_EPOCH="1764000000", TZ=zone)
        project = tiny_project(tmp_path / f"project{n}")  # different paths on purpose
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
        # the same book, not two empty ones: the tiny project's chapters, figures and all
        assert {f"{doc}.xhtml" for doc in TINY_DOCS} <= set(zf.namelist())
        assert {"_images/mechanism.png", "_images/concentration.png"} <= set(zf.namelist())
    assert stamps == {time.gmtime(1764000000)[:6]}, "every EPUB entry dated SOURCE_DATE_EPOCH in UTC"


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


def test_ci_runs_the_readme_commands_in_fresh_debian_12_and_13():
    """CI cannot be fooled by the machine it runs on: the README's two commands run in fresh roots."""
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make book" in readme
    assert re.search(r"^for release in 12 13; do\n\s+tools/fresh-debian \"\$release\" 'make book && make test'",
                     ci, re.M), ci
    assert "debootstrap --variant=minbase --include=python3,python3-venv,make,git,ca-certificates" in (
        ROOT / "tools" / "fresh-debian").read_text()
    proc = subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")])
    assert proc.returncode == 0

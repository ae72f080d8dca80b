"""No build reads a half-drawn picture, though the pictures are drawn while the builds start.

tools/build.py starts its three Sphinx processes beside the process that draws
the cover and the figures (drawing_locks.py): each waits for a lock where it
first needs a picture.  Fast: the drawing process on a copy of source/, and the
locks and the reading order on their own.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from types import SimpleNamespace

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import book_figures  # noqa: E402
import build_steps  # noqa: E402
from drawing_locks import busy, drawing, take_lock  # noqa: E402

FIGURES = ("mechanism", "concentration", "panic-stopping")


def test_a_lock_held_elsewhere_keeps_a_reader_waiting_until_it_is_let_go(tmp_path):
    held = take_lock(tmp_path, "figures")
    assert busy(tmp_path, "figures") and not busy(tmp_path, "cover")
    entered = threading.Event()

    def reader():
        with drawing(tmp_path, "figures"):
            entered.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert not entered.wait(0.5), "a reader went on while the pictures were being drawn"
    with drawing(tmp_path, "figures", held):
        pass  # the drawing process lets go
    assert entered.wait(10), "the reader never went on"
    thread.join()
    assert not busy(tmp_path, "figures")


def test_each_picture_is_complete_when_its_lock_is_let_go(tmp_path):
    """The build's own drawing step, handed the locks, on a copy of the book with no
    pictures: whoever gets a lock next finds every picture it guards written."""
    root = tmp_path / "book"
    shutil.copytree(ROOT / "source", root / "source", ignore=shutil.ignore_patterns("_generated"))
    shutil.copytree(ROOT / "tools", root / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    locks = build_steps.drawing_locks(root)
    step = threading.Thread(target=build_steps.draw_figures, args=(root, dict(os.environ), locks))
    step.start()
    out = root / "source" / "_generated"
    try:
        assert busy(root / "source", "cover") and busy(root / "source", "figures")
        with drawing(root / "source", "cover"):
            assert (out / "cover.png").stat().st_size > 0
        with drawing(root / "source", "figures"):
            for name in FIGURES:
                for suffix in (".svg", "-dark.svg", ".png"):
                    assert (out / f"{name}{suffix}").stat().st_size > 0, f"{name}{suffix} is not drawn yet"
    finally:
        step.join(60)
    assert not step.is_alive()


def test_while_the_figures_are_drawn_the_chapters_that_show_them_are_read_last(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for doc, text in {"a": "text", "b": ".. figure:: /_generated/x.*", "c": "text", "d": "more"}.items():
        (source / f"{doc}.rst").write_text(text)
    env = SimpleNamespace(doc2path=lambda d: source / f"{d}.rst")
    docnames = ["a", "b", "c", "d"]
    app = SimpleNamespace(builder=SimpleNamespace(book_figures_pending=True))
    book_figures.figures_last(app, env, docnames)
    assert docnames == ["a", "c", "d", "b"]
    docnames = ["a", "b", "c", "d"]
    app.builder.book_figures_pending = False  # drawn, or drawn here before reading
    book_figures.figures_last(app, env, docnames)
    assert docnames == ["a", "b", "c", "d"]


def test_a_fresh_build_waits_for_the_figures_only_where_a_chapter_shows_one(tmp_path, monkeypatch):
    waited = []
    monkeypatch.setattr(book_figures, "wait_for_figures", lambda app: waited.append(time.monotonic()))
    app = SimpleNamespace(builder=SimpleNamespace(book_figures_pending=True))
    from docutils.utils import new_document
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser

    plain = new_document("plain", get_default_settings(Parser))
    book_figures.add_dark_twins(app, plain)
    assert not waited, "waited for the figures on a page without one"
    doc = new_document("fig", get_default_settings(Parser))
    Parser().parse(".. figure:: /_generated/mechanism.*\n\n   A caption.\n", doc)
    book_figures.add_dark_twins(app, doc)
    assert waited, "read a page with a figure without waiting for it"

"""The locks that keep a half-drawn picture from being read: one for the cover, one for the figures.

``tools/build.py`` starts its Sphinx processes while the pictures are still
being drawn (figure_files.py, the build's drawing process): they spend that
time loading.  It takes both locks before it starts any process, and hands
them to the drawing process, which lets go of each as soon as its pictures
are written.  The Sphinx processes wait for a lock where they first need
its pictures: the cover when the configuration is read (book_cover.py), the
figures before the first chapter that shows one (book_figures.py).  A
Sphinx run on its own takes the same locks, so it never reads what another
build is writing.

The locks are ``flock`` locks on ``SOURCE/_generated/.cover.lock`` and
``.figures.lock``: the kernel lets go of them when their holder exits, so a
crashed or killed drawing process never leaves a build waiting.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCKS = ("cover", "figures")  # in the order they are drawn and let go


def take_lock(srcdir: Path, what: str) -> int:
    """Wait for, then hold, the lock on one kind of picture; the open descriptor holds it."""
    out = srcdir / "_generated"
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / f".{what}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def busy(srcdir: Path, what: str) -> bool:
    """Is another process drawing this kind of picture now (holding its lock)?"""
    path = srcdir / "_generated" / f".{what}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # lets go of the lock if it was taken here
    return False


@contextlib.contextmanager
def drawing(srcdir: Path, what: str, held: int | None = None):
    """Draw one kind of picture (``LOCKS``) under its lock: the one handed over (``held``), or
    the lock taken here, waiting while another process draws.  Let go of on leaving."""
    fd = held if held is not None else take_lock(srcdir, what)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

"""Publishing the book: assembled beside build/, swapped in all or nothing.

See tools/build.py for the promise (a complete book at build/ at every
instant, one build at a time); this module keeps it: the lock, the swap,
the recovery after a run that was killed, the downloads and the zip, and
error messages that name the real cause in one line.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import signal
import sys
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from book_data import load_book
from build_steps import BuildError


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
    """One line that names the real cause: a full disk, a file where a folder belongs, ..."""
    return BuildError(f"cannot write to {path}: {why(exc)}")


CAUSES = {
    errno.ENOSPC: "the disk is full; free some space",
    errno.EDQUOT: "the disk quota is used up; free some space",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a file stands where a folder belongs (a part of the path is not a folder)",
    errno.EISDIR: "it is a folder where a file belongs",
    errno.EACCES: "permission denied (check the permissions of it and its parent)",
    errno.EPERM: "operation not permitted (check the permissions of it and its parent)",
    errno.ENOENT: "a folder on the way does not exist",
    errno.EEXIST: "something is already there",
}


def why(exc: OSError) -> str:
    if exc.errno == errno.EEXIST and exc.filename and not os.path.isdir(exc.filename):
        return CAUSES[errno.ENOTDIR]  # mkdir(parents=True) met a file on the way
    return CAUSES.get(exc.errno, exc.strerror or str(exc))


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
    """Undo what a run stopped while publishing left behind (only SIGKILL or a power cut can);
    whatever stands at build.new or build.old (a folder, a file, a link) is a leftover."""
    if not pub.folder.exists() and pub.old.is_dir():
        pub.old.rename(pub.folder)
        print(f"A previous run was stopped while publishing: put the last good book back into {pub.folder}/.")
    for leftover in (pub.new, pub.old):
        remove(leftover)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


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
    """Tests only: BOOK_TEST_PAUSE=point:file writes the file and waits here to be
    signalled, until the test writes file + ".go" (or 30 s): a signal held here is
    then delivered at once, not after the whole wait."""
    want, _, flag = os.environ.get("BOOK_TEST_PAUSE", "").partition(":")
    if want == point and flag:
        Path(flag).write_text(str(os.getpid()))
        go, deadline = Path(flag + ".go"), time.monotonic() + 30
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


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
        try:
            remove(leftover)
        except OSError:
            pass  # the book is published; the next run removes it (recover)


def ship_downloads(root: Path, html: Path, files: list[Path]) -> None:
    """Put the checked PDF and EPUB into the site and fill in their sizes."""
    sys.path.insert(0, str(root / "tools" / "extensions"))
    from download_sizes import ShippingError
    from download_sizes import ship_downloads as ship

    try:
        ship(html, files, pending=(f"{load_book(root)['basename']}-html.zip",))
    except ShippingError as exc:
        raise BuildError(str(exc)) from exc


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

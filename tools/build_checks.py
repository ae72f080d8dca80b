"""Checking the book: its dates and facts before building, its outputs before publishing.

Part of tools/build.py.  Before anything is built: the review date in
book.toml is a real day that has passed, SOURCE_DATE_EPOCH is a whole number
between 1980 and tomorrow, the clinical values pass their schema
(facts_schema.py), every image decodes and is not too large.  Before
publishing: the output gate (tools/gate.py: nothing loaded from another host,
every link under the link policy), the EPUB carries each image once, and
only the files the site loads are published from _static/.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from book_data import BOOK_TOML, load_book
from build_steps import BuildError


def git_commit_time(root: Path) -> str:
    """The time of the last commit, or "" where the project has no git history of its own."""
    if not (root / ".git").exists():  # a copy inside another repository must not take its dates
        return ""
    try:
        return subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


EARLIEST = datetime(1980, 1, 1, tzinfo=timezone.utc)  # the zip format's first day


def review_date(root: Path) -> datetime:
    """book.toml's ``reviewed``: a real day ('31 February' is not), and not one to come."""
    reviewed = load_book(root)["reviewed"]
    try:
        day = datetime.strptime(str(reviewed), "%d %B %Y").replace(tzinfo=timezone.utc)
    except ValueError:
        raise BuildError(f"{BOOK_TOML}: reviewed = {reviewed!r} is not a real date written like "
                         "'24 November 2026'") from None
    if day.date() > datetime.now(timezone.utc).date():
        raise BuildError(f"{BOOK_TOML}: reviewed = {reviewed!r} is after today: a review date is a day that has passed")
    return day


def check_epoch(value: str) -> int:
    """SOURCE_DATE_EPOCH: whole seconds since 1970, between 1980 and tomorrow."""
    if not re.fullmatch(r"[0-9]+", value.strip()):
        raise BuildError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970 "
                         f"(now it would be {int(time.time())}); set it so, or unset it")
    stamp = int(value)
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    if not EARLIEST.timestamp() <= stamp <= tomorrow.timestamp():
        day = datetime.fromtimestamp(min(stamp, 253402300799), timezone.utc)
        shown = f"{day.day} {day:%B %Y}"
        raise BuildError(f"SOURCE_DATE_EPOCH={value} dates the book {shown}: it must be between "
                         f"1 January 1980 and tomorrow ({tomorrow.day} {tomorrow:%B %Y})")
    return stamp


def check_locale(env: dict) -> None:
    """Sphinx sets the locale the environment names; one that is not installed ends in a traceback."""
    import locale

    before = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, "")
    except locale.Error:
        named = next((f"{k}={env[k]}" for k in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(k)), "of the environment")
        raise BuildError(f"the locale {named} is not installed on this machine: "
                         "set LC_ALL=C.UTF-8, or install it (locale -a lists those there are)") from None
    finally:
        locale.setlocale(locale.LC_ALL, before)


def default_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    check_locale(env)
    day = review_date(root)
    if "SOURCE_DATE_EPOCH" not in env:
        stamp = git_commit_time(root)
        if not stamp:
            stamp = str(int(day.timestamp()))
            print(f"No git history and no SOURCE_DATE_EPOCH: the build is dated {load_book(root)['reviewed']}, "
                  f"the review date in {BOOK_TOML}.")
        env["SOURCE_DATE_EPOCH"] = stamp
    env["SOURCE_DATE_EPOCH"] = str(check_epoch(env["SOURCE_DATE_EPOCH"]))
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def check_facts(root: Path) -> None:
    """The clinical values, checked once against their schema before anything is
    built (facts_schema.py): one line per error, not one from each process."""
    sys.path.insert(0, str(root / "tools" / "extensions"))
    from facts_schema import check_project

    problems = check_project(root)
    if problems:
        print(*problems, sep="\n", file=sys.stderr)
        raise BuildError("source/_data/facts.toml is invalid: nothing was built")


def gate(root: Path, outputs: list[Path], relative_to: Path) -> None:
    """The output gate (tools/gate.py) on some of the book's outputs: nothing in the site
    or the EPUBs is loaded from another host, and every link keeps the link policy.

    tools/build.py gates the EPUBs and the PDFs as soon as each is built and checked, beside
    the other builds, and the site once the downloads are in it: the last step of a book
    build, so the shorter the better (the whole gate at the end took 1.4 s of a 15 s build)."""
    from gate import find_bad_links, find_remote_resources

    found = find_remote_resources([p for p in outputs if p.is_dir() or p.suffix == ".epub"],
                                  root / "source", relative_to=relative_to)
    if found:
        lines = "\n  ".join(str(f) for f in found)
        raise BuildError(f"the output gate found {len(found)} resource(s) loaded from another host:\n  {lines}\n")
    links = find_bad_links([p for p in outputs if not p.name.endswith(".kepub.epub")], root / "source",
                           relative_to=relative_to)
    if links:
        lines = "\n  ".join(links)
        raise BuildError(f"the output gate found {len(links)} link(s) against the link policy "
                         f"(tools/extensions/link_policy.py):\n  {lines}\n")


# -- images: each decodes completely, none too large; the EPUB carries each once --------------

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # the largest image of the book is under 100 kB
MAX_IMAGE_PIXELS = 3000  # on either side


def image_problems(source: Path) -> list[str]:
    """One line per image of source/ that is broken or too large (file: why)."""
    from PIL import Image

    found = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix not in IMAGE_SUFFIXES | {".svg"}:
            continue
        rel = path.relative_to(source.parent)
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            found.append(f"{rel}: {size:,} bytes, over the {MAX_IMAGE_BYTES:,} an image of the book may have "
                         "(every edition would carry it)")
            continue
        if suffix == ".svg":
            continue
        try:
            with Image.open(path) as image:
                width, height = image.size
                if max(width, height) > MAX_IMAGE_PIXELS:
                    found.append(f"{rel}: {width} x {height} pixels, over {MAX_IMAGE_PIXELS} on a side")
                    continue
                image.load()  # decode every pixel: a truncated file fails here
        except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... for a broken file
            found.append(f"{rel}: does not decode completely ({exc}); export it again")
    return found


def check_images(root: Path) -> None:
    problems = image_problems(root / "source")
    if problems:
        print(*problems, sep="\n", file=sys.stderr)
        raise BuildError(f"{len(problems)} image(s) in source/ are broken or too large: nothing was built")


def epub_duplicate_images(epub: Path) -> list[str]:
    """Images the EPUB carries more than once (the same bytes under two names)."""
    seen: dict[str, str] = {}
    found = []
    with zipfile.ZipFile(epub) as zf:
        for name in sorted(zf.namelist()):
            if Path(name).suffix.lower() in IMAGE_SUFFIXES | {".svg"}:
                digest = hashlib.sha256(zf.read(name)).hexdigest()
                if digest in seen:
                    found.append(f"{epub.name}: {name} is the same image as {seen[digest]}")
                else:
                    seen[digest] = name
    return found


# -- _static/: only the files the site loads ------------------------------------------------------

LOADERS = {".html", ".css", ".js", ".svg", ".json"}


def unloaded_static(html: Path) -> list[Path]:
    """Files of html/_static/ that no page, stylesheet or script of the site names."""
    static = html / "_static"
    if not static.is_dir():
        return []
    text = "\n".join(p.read_text(errors="replace") for p in sorted(html.rglob("*"))
                     if p.is_file() and p.suffix in LOADERS)
    unused = []
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        rel = path.relative_to(static).as_posix()
        others = text.replace(path.read_text(errors="replace"), "") if path.suffix in LOADERS else text
        if rel not in others and path.name not in others:
            unused.append(path)
    return unused


def prune_static(html: Path) -> list[str]:
    """Leave out of the published site the files of _static/ that it does not load
    (a script dropped into source/_static/, the theme's unused files); their names."""
    removed = unloaded_static(html)
    for path in removed:
        path.unlink()
    return [p.relative_to(html).as_posix() for p in removed]

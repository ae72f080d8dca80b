# The Content-Security-Policy (book_csp.py) on furo's pages: the meta tag
# first in <head>, every inline script by its hash, and nothing for the EPUB
# (tests/test_roots.py).
project = "Root: CSP"
author = "Test"
copyright = "2026, Test"
version = release = "1"
language = "en"
extensions = ["book_csp"]
html_theme = "furo"
epub_basename = "root-csp"

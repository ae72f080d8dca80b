# The EPUB builder (book_epub.py) alone, on a book of three pages: the
# accessibility metadata, the navigation document, the first page, the note
# semantics and a reproducible zip (tests/test_roots.py).
project = "Root: EPUB"
author = "Test"
copyright = "2026, Test"
version = release = "1"
language = "en"
extensions = ["book_epub"]
epub_basename = "root-epub"
epub_identifier = epub_uid = "root-epub"
epub_scheme = "URL"
epub_first_page = "help"
epub_accessibility_summary = "A test book & its summary."
epub_cover = ()

# A tiny book with one fault per page: what Sphinx parsed is checked
# (tools/extensions/book_doctree.py), wherever the markup sits.
# tests/test_doctree.py builds it once per test with sphinx.testing.
project = "Refusals"
extensions = ["book_inputs", "book_meta"]
exclude_patterns = ["_data", "_build"]

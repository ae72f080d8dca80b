# A tiny book for the fast tests (tests/test_inputs.py): the book's input
# rules and its facts, without the themes, figures and three formats.
project = "Test book"
extensions = ["sphinxcontrib.bibtex", "book_meta", "facts", "book_chapters", "book_inputs", "book_sources"]
exclude_patterns = ["_data", "_includes", "bib"]
bibtex_bibfiles = ["bib/test.bib"]
bibtex_foot_reference_style = "foot"
facts_file = "_data/facts.toml"
book_chapters_without_key_points = ["about"]

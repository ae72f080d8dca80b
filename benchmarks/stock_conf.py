"""STOCK BASELINE ONLY: the Sphinx configuration of the benchmark's baseline build.

Not the book's configuration.  benchmarks/bench.py copies the project, renames
its conf.py to book_conf.py and puts this file in its place as conf.py, with
stock_standins.py beside it.  It keeps every setting of the book's conf.py
(furo for HTML, sphinxcontrib-bibtex with the same .bib files) except that:

* it loads only the third-party extensions of the book's list, none from
  tools/extensions/ (facts, EPUB packaging, glyph check, downloads, review
  dates, figures), and the trivial stand-ins of stock_standins.py instead;
  except the workarounds in KEEP_LOCAL, which fix the speed of a third-party
  package and add no feature: without them the baseline would measure that
  bug, not the cost of the book's extras;
* the EPUB uses Sphinx's own "epub" theme, not tools/themes/book_epub;
* the HTML uses furo's own templates and sidebars, not source/_templates/
  (landmark names, the downloads sidebar, compacted icons).

The figures that book_figures.py draws are copied in already drawn (the bench
takes them from the project's build), so the baseline does not pay for them.
"""

import sys
from pathlib import Path

_here = Path(__file__).resolve().parent
_book_conf = _here / "book_conf.py"

# The book's conf.py finds its folder (and so source/, tools/) through __file__.
__file__ = str(_book_conf)
exec(compile(_book_conf.read_text(), __file__, "exec"))
__file__ = str(_here / "conf.py")

KEEP_LOCAL = {"pybtex_cache"}  # speed fixes for sphinxcontrib-bibtex/pybtex, no feature
_local = {p.stem for p in (_here / "tools" / "extensions").glob("*.py")} - KEEP_LOCAL
sys.path.insert(0, str(_here))
extensions = [e for e in extensions if e.split(".")[0] not in _local] + ["stock_standins"]  # noqa: F821
epub_theme = "epub"
templates_path = []
for _name in ("facts_file", "book_downloads_dir", "epub_accessibility_summary", "html_sidebars"):
    globals().pop(_name, None)
globals().pop("book_print_meta", None)

# pybtex's own unsrt, not the book's unsrt_once: each citation formats its
# source again, as in every baseline run the xelatex estimate was measured
# against (bench.py, XELATEX_PER_STOCK_HTML).
bibtex_default_style = "unsrt"

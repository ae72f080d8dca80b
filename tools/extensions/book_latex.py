r"""The PDF in two xelatex runs instead of three, the same file byte for byte.

latexmk runs xelatex until the .aux, .toc and .out files stop changing.  The
book ends with an index, which exists only after the first run (xindy sorts
the .idx file that run writes), so the second run adds an "Index" line to the
contents and the bookmarks, and used to need a third run to typeset them.
Two small changes make the second run the last one:

* an empty index (``NAME.ind``) is in place before the first run, so that run
  already puts the Index heading in the contents; xindy replaces it with the
  real index before the second run;
* latexmk ignores the line of the .aux file that holds the number of the last
  page (``\gdef \@abspage@last{59}``), which the real index makes longer:
  nothing in this book uses that number.

That saves about a second of every PDF build.  tests/test_pdf.py checks the
contents, the bookmarks and the index of the result.
"""

from __future__ import annotations

from pathlib import Path

MARK = "# book_latex.py:"
LATEXMKRC = rf"""
{MARK} the last page's number alone never needs another xelatex run
$hash_calc_ignore_pattern{{'aux'}} = q/^\\\\gdef \\\\@abspage@last\{{/;
"""
EMPTY_INDEX = "\\begin{sphinxtheindex}\n\\end{sphinxtheindex}\n"


def prepare_latexmk(app, exception) -> None:
    if exception or app.builder.name != "latex":
        return
    out = Path(app.outdir)
    rc = out / "latexmkrc"
    if rc.exists() and MARK not in rc.read_text():
        with open(rc, "a") as f:
            f.write(LATEXMKRC)
    for _, target, *_ in app.config.latex_documents:
        index = out / Path(target).with_suffix(".ind").name
        if not index.exists():  # a real one from an earlier run stays
            index.write_text(EMPTY_INDEX)


def setup(app):
    app.connect("build-finished", prepare_latexmk)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

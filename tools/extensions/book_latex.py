r"""The PDF in two xelatex runs instead of three, the same file byte for byte.

latexmk runs xelatex until the .aux, .toc and .out files stop changing.  The
book ends with an index, which exists only after the first run (makeindex
sorts the .idx file that run writes), so the second run adds an "Index" line to the
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

The index is sorted by makeindex rather than xindy (``latex_use_xindy`` in
conf.py): for this book's terms both give the same index, and makeindex
starts in milliseconds where xindy takes a third of a second.  Before it
sorts, the entries of glossary terms, which xelatex writes with a space
after each command (``half\sphinxhyphen {}life``), are written like the
others, so a hyphenated term is listed once, with all its pages.  makeindex
sorts by bytes, though, so a term with a character beyond ASCII would land
in the wrong place: such a term is reported as a warning (which fails the
build) naming its file, with the fix.
"""

from __future__ import annotations

from pathlib import Path

from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

MARK = "# book_latex.py:"
LATEXMKRC = rf"""
{MARK} the last page's number alone never needs another xelatex run
$hash_calc_ignore_pattern{{'aux'}} = q/^\\\\gdef \\\\@abspage@last\{{/;
"""
MAKEINDEX = rf"""
{MARK} xelatex writes "\sphinxhyphen {{}}" in the index entries of glossary
# terms and "\sphinxhyphen{{}}" in the others, so "half-life" was listed twice.
# Drop the space after a command name before makeindex sorts the entries.
$makeindex = 'internal book_makeindex %O -o %D %S';
sub book_makeindex {{
  my ($ind, $idx) = @_[-2, -1];
  (my $base = $idx) =~ s/\.idx$//;
  open(my $in, '<', $idx) or return 1;
  open(my $out, '>', "$base.idx-merged") or return 1;
  while (my $line = <$in>) {{ $line =~ s/\\([A-Za-z]+) \{{/\\$1\{{/g; print $out $line; }}
  close($in); close($out);
  return system('makeindex', '-q', '-s', 'python.ist', '-t', "$base.ilg", '-o', $ind, "$base.idx-merged");
}}
"""
EMPTY_INDEX = "\\begin{sphinxtheindex}\n\\end{sphinxtheindex}\n"


def prepare_latexmk(app, exception) -> None:
    if exception or app.builder.name != "latex":
        return
    out = Path(app.outdir)
    rc = out / "latexmkrc"
    if rc.exists() and MARK not in rc.read_text():
        with open(rc, "a") as f:
            f.write(LATEXMKRC + ("" if app.config.latex_use_xindy else MAKEINDEX))
    for _, target, *_ in app.config.latex_documents:
        index = out / Path(target).with_suffix(".ind").name
        if not index.exists():  # a real one from an earlier run stays
            index.write_text(EMPTY_INDEX)


def check_index_terms(app, doctree) -> None:
    if app.builder.name != "latex" or app.config.latex_use_xindy:
        return
    for node in doctree.findall(addnodes.index):
        for _, term, *_ in node["entries"]:
            if not term.isascii():
                logger.warning("index term %r is not plain ASCII, which makeindex sorts wrongly: "
                               "set latex_use_xindy = True in conf.py (and install xindy)", term,
                               location=node, type="book", subtype="index")


def setup(app):
    app.connect("doctree-read", check_index_terms)
    app.connect("build-finished", prepare_latexmk)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

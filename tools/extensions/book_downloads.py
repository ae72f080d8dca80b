"""Every HTML page offers the book's downloads; the downloads page lists them all.

Like the Read the Docs downloads menu and CPython's download page, each page
of the site links the three PDF editions and the EPUB with their sizes, and
the downloads page adds the whole site as a zip, for reading offline.  The
Kobo edition (``.kepub.epub``, tools/kepub.py) is the EPUB for Kobo's own
reading engine, offered beside it.  The
files are shipped inside the site (``_downloads/``), so the links work the
same from ``build/html`` after ``make book`` and on Read the Docs, which
publishes that same folder (``.readthedocs.yaml``).

The site is built beside the PDF and EPUB builds, before those files exist:
with ``book_downloads_later`` (set by ``tools/build.py book``) every size is
a placeholder, and ``download_sizes.ship_downloads()`` copies the checked
files in and fills in the sizes.  A site built on its own
(``tools/build.py html``) ships whatever files ``book_downloads_dir`` holds;
missing ones are left out, and the sidebar says how to build them.

In the EPUB and the PDF, the ``downloads`` directive says which edition the
reader holds instead: no link points into a file that is not there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from book_data import book_toml
from docutils import nodes
from download_sizes import SIZE_PLACEHOLDER, human_size
from sphinx.util.docutils import SphinxDirective

# (file name suffix, label, purpose, on every page)
DOWNLOADS = (
    (".pdf", "PDF", "to print at home (US Letter)", True),
    ("-6in.pdf", "PDF, 6-inch e-reader", "for a 6-inch e-reader screen, no zooming", True),
    ("-large-print.pdf", "PDF, large print", "large print (US Letter, 17-point type)", True),
    (".epub", "EPUB", "for e-readers, tablets and phones: the text reflows", True),
    (".kepub.epub", "Kobo EPUB", "for Kobo e-readers: Kobo's own reading engine, with pop-up notes", True),
    ("-html.zip", "HTML (zip)", "this website, to read offline", False),
)


def _files(config) -> list[dict]:
    return [{"name": f"{config.epub_basename}{suffix}", "kind": kind, "purpose": purpose, "everywhere": everywhere}
            for suffix, kind, purpose, everywhere in DOWNLOADS]


def find_downloads(config, confdir: Path) -> list[dict]:
    """The files to offer, with their sizes and addresses (relative to the site's root)."""
    found = []
    folder = (confdir / config.book_downloads_dir).resolve() if config.book_downloads_dir else None
    for d in _files(config):
        d["url"] = f"_downloads/{d['name']}"
        if config.book_downloads_later:
            d["size_text"] = SIZE_PLACEHOLDER.format(name=d["name"])
        elif folder is not None and (folder / d["name"]).is_file():
            d["path"] = folder / d["name"]
            d["size_text"] = human_size(d["path"].stat().st_size)
        else:
            continue
        found.append(d)
    return found


class DownloadsDirective(SphinxDirective):
    """The list of the book's downloads, with sizes and the edition date."""

    has_content = False

    def run(self):
        config, builder = self.config, self.env.app.builder
        edition = f"edition {config.release}, content reviewed {config.today}"
        self.env.note_dependency(str(book_toml(self.env.app.confdir)))
        if builder.name in ("epub", "print") or builder.format != "html":
            fmt = "EPUB" if builder.name == "epub" else "PDF"
            return [nodes.paragraph(text=f"You are reading the {fmt} edition ({edition}). The same book is "
                                    "published as a website, as PDF files in three sizes and as an EPUB file.")]
        return [downloads_list("", edition=edition)]  # the sizes are known when the page is written


class downloads_list(nodes.General, nodes.Element):
    """Placeholder for the list of downloads; replaced before any writer sees it."""


def resolve_downloads(app, doctree, docname) -> None:
    placeholders = list(doctree.findall(downloads_list))
    if not placeholders:
        return
    downloads = find_downloads(app.config, Path(app.confdir))
    up = "../" * docname.count("/")
    for node in placeholders:
        if not downloads:
            node.replace_self(nodes.paragraph(text=f"This is {node['edition']}. The PDF, EPUB and zip files "
                                              "are added when the whole book is built (make book)."))
            continue
        items = nodes.bullet_list()
        for d in downloads:
            para = nodes.paragraph()
            para += nodes.reference("", f"{d['kind']} ({d['size_text']})", refuri=up + d["url"],
                                    classes=["book-download"])
            para += nodes.Text(f": {d['purpose']}.")
            items += nodes.list_item("", para)
        node.replace_self([nodes.paragraph(text=f"This is {node['edition']}. The same text is offered as:"), items])


def page_context(app, pagename, templatename, context, doctree) -> None:
    if app.builder.name in ("epub", "print"):
        return
    context["book_downloads"] = [d for d in find_downloads(app.config, Path(app.confdir)) if d["everywhere"]]
    context["book_edition"] = app.config.release


def copy_downloads(app, exception) -> None:
    if exception or app.builder.name not in ("html", "dirhtml") or app.config.book_downloads_later:
        return  # under `make book` the build script ships them: download_sizes.ship_downloads()
    target = Path(app.outdir) / "_downloads"
    for d in find_downloads(app.config, Path(app.confdir)):
        target.mkdir(exist_ok=True)
        shutil.copyfile(d["path"], target / d["name"])


def setup(app):
    app.add_config_value("book_downloads_dir", "", "html", types=[str])
    # True when the build script adds the files after this build (download_sizes.ship_downloads).
    app.add_config_value("book_downloads_later", False, "html", types=[bool])
    app.add_node(downloads_list)
    app.add_directive("downloads", DownloadsDirective)
    app.connect("doctree-resolved", resolve_downloads)
    app.connect("html-page-context", page_context)
    app.connect("build-finished", copy_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

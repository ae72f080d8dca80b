"""The output gate: nothing in the published book is loaded from another host.

A reader's browser or e-reader must not fetch anything to show the book: no
tracker, no remote script, font or image (it would tell a third party who reads
about clonazepam, and it breaks offline reading).  Before the book is
published, tools/build.py runs this gate on the staged site and EPUB:

* every HTML, XHTML and SVG document is parsed with an HTML parser
  (BeautifulSoup with html.parser), and every attribute that loads something is
  read: ``src``, ``srcset``, ``poster``, ``data`` (``<object>``), ``href`` of
  ``<link>`` (except links a browser does not fetch, such as ``rel=next``),
  ``href``/``xlink:href`` of SVG ``<image>``/``<use>``/``<feImage>``,
  ``<a ping>``, ``background``, ``<base href>`` and ``<meta http-equiv=refresh>``;
* every stylesheet, ``<style>`` element and ``style`` attribute is parsed with
  a CSS parser (tinycss2): every ``url()``, ``image-set()``/``src()`` string
  and ``@import``.

A URL with a host, or with any scheme but ``data:`` and ``blob:``, fails.  Plain
``<a href="https://...">`` links are allowed: they are read, not loaded.
Each finding names the output file and, where the URL appears in the sources,
the .rst file and line.

    python tools/gate.py build/            # check a published book by hand
"""

from __future__ import annotations

import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import tinycss2
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

sys.path.insert(0, str(Path(__file__).resolve().parent / "extensions"))
from link_policy import link_problem, load_phones  # noqa: E402 (the line above makes it importable)

DOCUMENTS = (".html", ".htm", ".xhtml", ".svg")
STYLESHEETS = (".css",)
# <link rel=...> values a browser does not fetch by itself.
NOT_LOADED_RELS = {"alternate", "author", "bookmark", "canonical", "help", "index", "license",
                   "next", "prev", "previous", "search", "top", "up", "contents", "copyright", "start"}
SVG_HREF_TAGS = {"image", "use", "feimage", "script", "tref", "altglyph", "cursor", "filter", "pattern"}


@dataclass(frozen=True)
class Finding:
    output: str  # the output file, e.g. html/uses.html or clonazepam-klonopin.epub!EPUB/uses.xhtml
    what: str  # e.g. '<img src>' or 'style attribute url()'
    url: str
    source: str = ""  # source/uses.rst:12, where it can be traced

    def __str__(self) -> str:
        where = f" (from {self.source})" if self.source else ""
        return f"{self.output}: {self.what} loads {self.url} from another host{where}"


def is_remote(url: str) -> bool:
    """True for anything that is not a file of the book itself (or inline data)."""
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme.lower() not in ("", "data", "blob")


# -- CSS -----------------------------------------------------------------------------


def _css_urls(tokens) -> list[str]:
    """Every URL in a list of tinycss2 component values, nested blocks included."""
    urls = []
    for token in tokens or ():
        if token.type == "url":
            urls.append(token.value)
        elif token.type == "function":
            if token.lower_name in ("url", "src", "image-set", "-webkit-image-set", "image"):
                urls += [t.value for t in token.arguments if t.type == "string"]
            urls += _css_urls(token.arguments)
        elif token.type in ("() block", "[] block", "{} block"):
            urls += _css_urls(token.content)
        elif token.type == "declaration":
            urls += _css_urls(token.value)
        elif token.type in ("qualified-rule", "at-rule"):  # nested rules (CSS nesting)
            urls += _css_urls(token.prelude) + _css_urls(token.content)
    return urls


def css_urls(text: str, declarations_only: bool = False) -> list[tuple[str, str]]:
    """(what, url) for every URL a stylesheet or a style attribute loads."""
    if declarations_only:
        return [("style attribute url()", u) for u in _css_urls(tinycss2.parse_blocks_contents(text))]
    found = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            found += [("@import", u) for u in _css_urls(rule.prelude)]
            found += [("@import", t.value) for t in rule.prelude if t.type == "string"]
        elif rule.type in ("at-rule", "qualified-rule"):
            found += [("url()", u) for u in _css_urls(rule.prelude)]
            if rule.content is not None:
                # @media/@supports hold rules, others declarations: tinycss2's token tree has both.
                found += [("url()", u) for u in _css_urls(rule.content)]
    return found


# -- HTML ----------------------------------------------------------------------------


def html_urls(text: str) -> list[tuple[str, str, str]]:
    """(what, url, tag markup excerpt) for every URL that a page makes its reader's browser load."""
    with warnings.catch_warnings():  # XHTML and SVG, read the way a browser's tag soup parser would
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html.parser")
    found = []
    for tag in soup.find_all(True):
        name = tag.name.lower()
        attrs = {k.lower(): (" ".join(v) if isinstance(v, list) else v) for k, v in tag.attrs.items()}
        for attr in ("src", "poster", "background", "lowsrc", "dynsrc", "longdesc", "manifest", "ping"):
            if attr in attrs:
                urls = attrs[attr].split() if attr == "ping" else [attrs[attr]]
                found += [(f"<{name} {attr}>", u) for u in urls]
        if "srcset" in attrs or "imagesrcset" in attrs:
            for part in (attrs.get("srcset", "") + "," + attrs.get("imagesrcset", "")).split(","):
                if part.strip():
                    found.append((f"<{name} srcset>", part.split()[0]))
        if name == "object":
            found += [("<object data>", attrs[a]) for a in ("data", "codebase") if a in attrs]
        if name == "link" and "href" in attrs:
            rels = set(attrs.get("rel", "").lower().split())
            if not rels or not rels <= NOT_LOADED_RELS:
                found.append((f"<link rel={' '.join(sorted(rels)) or '?'} href>", attrs["href"]))
        if name == "base" and "href" in attrs:
            found.append(("<base href>", attrs["href"]))
        if name in SVG_HREF_TAGS:
            found += [(f"<{name} {a}>", attrs[a]) for a in ("href", "xlink:href") if a in attrs]
        if name == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            _, _, target = attrs.get("content", "").partition(";")
            target = target.strip()
            if target.lower().startswith("url="):
                target = target[4:].strip("'\" ")
            if target:
                found.append(("<meta http-equiv=refresh>", target))
        if "style" in attrs:
            found += css_urls(attrs["style"], declarations_only=True)
        if name == "style":
            found += [(f"<style> {what}", u) for what, u in css_urls(tag.get_text())]
    return [(what, url) for what, url in found if is_remote(url)]


# -- the whole book -----------------------------------------------------------------------


def _documents(path: Path, relative_to: Path | None):
    """(output name, text) of every document and stylesheet in a folder or an EPUB."""
    label = str(path.relative_to(relative_to)) if relative_to else str(path)
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file() and p.suffix.lower() in DOCUMENTS + STYLESHEETS:
                yield f"{label}/{p.relative_to(path).as_posix()}", p.read_text(errors="replace")
    elif path.suffix.lower() == ".epub":
        with zipfile.ZipFile(path) as zf:
            for member in sorted(zf.namelist()):
                if member.lower().endswith(DOCUMENTS + STYLESHEETS):
                    yield f"{label}!{member}", zf.read(member).decode("utf-8", "replace")
    elif path.suffix.lower() in DOCUMENTS + STYLESHEETS:
        yield label, path.read_text(errors="replace")


def trace(url: str, output: str, source: Path | None) -> str:
    """The first source file and line that holds the URL, or the page's own .rst file."""
    if source is None or not source.is_dir():
        return ""
    root = source.parent
    for p in sorted(source.rglob("*")):
        if p.is_file() and p.suffix in (".rst", ".html", ".css", ".txt", ".toml", ".bib", ".svg"):
            for number, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
                if url in line:
                    return f"{p.relative_to(root)}:{number}"
    stem = Path(output.split("!")[-1]).with_suffix("").name
    page = source / f"{stem}.rst"
    return str(page.relative_to(root)) if page.exists() else ""


def find_remote_resources(paths: list[Path], source: Path | None = None,
                          relative_to: Path | None = None) -> list[Finding]:
    """Every resource the given outputs (folders, EPUB files, single files) load from another host."""
    findings = []
    for path in paths:
        for output, text in _documents(path, relative_to):
            if output.lower().endswith(STYLESHEETS):
                urls = [(f"stylesheet {what}", u) for what, u in css_urls(text) if is_remote(u)]
            else:
                urls = html_urls(text)
            findings += [Finding(output, what, url, trace(url, output, source)) for what, url in urls]
    return findings


# -- links: the same policy as on the sources (link_policy.py), on every output ------------

LINK_ATTRS = {"a": "href", "area": "href", "form": "action"}


def html_link_problems(text: str, phones: dict | None) -> list[str]:
    """Each link of a page that breaks the link policy, and each inline event handler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html.parser")
    found = []
    for tag in soup.find_all(True):
        attr = LINK_ATTRS.get(tag.name.lower())
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower() in (attr, "formaction", "xlink:href") and (
                    problem := link_problem(value, tag.get_text(), phones)):
                found.append(problem)
            elif name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}>: an inline event handler is a script the CSP does not name")
    return found


def pdf_link_problems(path: Path, phones: dict | None) -> list[str]:
    """A PDF's links (URI actions of its annotations) under the policy; no attachment, no
    script, no launch of another file."""
    import pikepdf

    found = []
    with pikepdf.open(path) as pdf:
        names = pdf.Root.get("/Names")
        if names is not None:
            for key in ("/EmbeddedFiles", "/JavaScript"):
                if key in names:
                    found.append(f"the PDF holds {key[1:]} (a file attachment or a script)")
        for key in ("/AA", "/AcroForm"):
            if key in pdf.Root:
                found.append(f"the PDF has a document {key[1:]} (an action when opened, or a form)")
        opening = pdf.Root.get("/OpenAction")
        if isinstance(opening, pikepdf.Dictionary) and "/S" in opening:
            found.append(f"the PDF runs a {opening['/S']} action when opened")
        for number, page in enumerate(pdf.pages, 1):
            for annot in page.obj.get("/Annots", []):
                kind = str(annot.get("/Subtype", ""))
                if kind == "/FileAttachment":
                    found.append(f"page {number}: a file attachment: the PDF carries no file")
                    continue
                action = annot.get("/A")
                if action is None:
                    continue
                what = str(action.get("/S", ""))
                if what == "/URI":
                    uri = str(action.get("/URI", ""))
                    if problem := link_problem(uri, None, phones):
                        found.append(f"page {number}: {problem}")
                elif what not in ("/GoTo",):
                    found.append(f"page {number}: a {what[1:]} action: the PDF only links and turns pages")
    return found


def find_bad_links(paths: list[Path], source: Path | None = None,
                   relative_to: Path | None = None) -> list[str]:
    """Every link of the outputs (folders, EPUB, PDF files) that breaks the link policy."""
    phones = load_phones(source) if source else None
    found = []
    for path in paths:
        label = str(path.relative_to(relative_to)) if relative_to else str(path)
        if path.suffix.lower() == ".pdf":
            found += [f"{label}: {p}" for p in pdf_link_problems(path, phones)]
            continue
        for output, text in _documents(path, relative_to):
            if not output.lower().endswith(STYLESHEETS):
                found += [f"{output}: {p}" for p in dict.fromkeys(html_link_problems(text, phones))]
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[-1].strip())
        return 2
    root = Path(argv[0]).resolve()
    paths = [root] if not root.is_dir() else sorted(p for p in root.iterdir() if p.is_dir() or p.suffix == ".epub")
    findings = find_remote_resources(paths, relative_to=root if root.is_dir() else None)
    for finding in findings:
        print(finding)
    print(f"gate: {len(findings)} resource(s) from another host in {root}")
    pdfs = sorted(root.glob("*.pdf")) if root.is_dir() else []
    links = find_bad_links(paths + pdfs, Path(__file__).resolve().parents[1] / "source",
                           relative_to=root if root.is_dir() else None)
    print(*links, sep="\n") if links else None
    print(f"gate: {len(links)} link(s) against the link policy in {root}")
    return 1 if findings or links else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

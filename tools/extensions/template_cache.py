"""Compile the HTML templates once: keep Jinja's bytecode in the doctree folder.

Sphinx compiles every theme template (furo's and ours) from source on every
build, which is a tenth of an incremental HTML rebuild.  Jinja can keep the
compiled code in a folder and checks each template's source checksum before
using it, so an edited template is compiled again.  Each builder has its own
doctree folder, so two builds running side by side never share the folder.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache


def _builder_inited(app) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is None:  # a builder without Jinja templates (LaTeX, text)
        return
    folder = Path(app.doctreedir) / "jinja-bytecode"
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def setup(app):
    app.connect("builder-inited", _builder_inited)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

"""The cover, drawn from book.toml before Sphinx looks for it (tools/make_cover.py).

``tools/build.py`` draws it with the figures, beside the Sphinx processes
(figure_files.py): this waits here until it is drawn (the lock on the cover);
a Sphinx run on its own (``make html``, ``make epub``, ``make serve``) draws
it here when it is missing or stale.  It must exist
before Sphinx checks ``html_static_path`` (conf.py ships
``source/_generated/cover.png`` as ``_static/cover.png``), which happens on
``config-inited`` at priority 800: this runs first.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def draw(app, config) -> None:
    root = Path(app.confdir)
    sys.path.insert(0, str(root / "tools"))
    from drawing_locks import drawing
    from make_cover import draw_cover

    with drawing(Path(app.srcdir), "cover"):
        if draw_cover(root):
            logger.info("drew the cover from book.toml")


def setup(app):
    app.connect("config-inited", draw, priority=100)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

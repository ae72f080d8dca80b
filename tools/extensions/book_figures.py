"""The figures as part of a Sphinx build: drawn first, and never stale.

The figures are drawn from the facts file by ``figure_drawing.py`` (the
model behind the concentration figure is ``figure_model.py``).
``tools/build.py`` draws them before any Sphinx process starts; a Sphinx
run on its own (``make html``, ``make serve``) finds them missing or stale
here and draws them before it reads a source, so every build includes
figures of the current facts.  The chapters include them with
``.. figure:: /_generated/NAME.*``.
"""

from __future__ import annotations

from pathlib import Path

from figure_drawing import FIGURES, draw_all
from figure_model import DAYS_SHOWN, concentration_curves, model_parameters
from sphinx.util import logging

__all__ = ["DAYS_SHOWN", "FIGURES", "concentration_curves", "model_parameters"]

logger = logging.getLogger(__name__)


def draw_before_reading(app) -> None:
    facts_file = Path(app.srcdir) / app.config.facts_file
    if draw_all(Path(app.srcdir), facts_file):
        logger.info("drew %d figures from %s", len(FIGURES), facts_file.name)


def setup(app):
    app.setup_extension("facts")
    app.connect("builder-inited", draw_before_reading)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}

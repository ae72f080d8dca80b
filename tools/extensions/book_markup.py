"""Patch generated markup at a named anchor, or stop the build saying which.

Some markup is only reachable as text: the package document and the
navigation document Sphinx's EPUB builder writes, a start tag a translator has
just appended.  Replacing text silently does nothing when the text is not
there (a Sphinx or docutils upgrade that writes one attribute in another
order), and the book then ships without the fix.  Every such patch goes
through :func:`replace_once`, which fails the build with the anchor text.
"""

from __future__ import annotations

from sphinx.errors import ExtensionError


class AnchorNotFound(ExtensionError):
    """The markup to patch no longer contains the text the patch expects."""


def replace_once(text: str, anchor: str, replacement: str, where: str) -> str:
    """``text`` with the first ``anchor`` replaced; a build error naming both when it is absent.

    ``where`` says what was being patched (a file name, a translator method),
    so the message points at the code to update.
    """
    if anchor not in text:
        raise AnchorNotFound(
            f"{where}: expected to find {anchor!r} in the generated markup; "
            "Sphinx or docutils now writes it differently, so update the patch"
        )
    return text.replace(anchor, replacement, 1)


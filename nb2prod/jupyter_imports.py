"""Importing nbformat, nbclient and papermill without a second and a half of unused set-up.

nbformat imports jsonschema, and jsonschema imports ``rfc3987_syntax`` when it is installed (it is:
jupyterlab brings it through jupyter-events). That package compiles about forty lark grammars at
import, for jsonschema's ``iri`` format checker: 1.5-2 s of CPU in every process that reads an
nbformat 3 notebook or runs one. nbformat and papermill never check formats, so a process that has
not imported jsonschema yet imports it without that checker.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["without_unused_format_checkers"]

_SLOW_OPTIONAL_MODULE = "rfc3987_syntax"


@contextmanager
def without_unused_format_checkers() -> Iterator[None]:
    """Inside, importing jsonschema (through nbformat) skips the ``iri`` format checker's grammars.

    A process that already holds jsonschema (the Jupyter server) is left as it is.
    """
    if "jsonschema" in sys.modules or _SLOW_OPTIONAL_MODULE in sys.modules:
        yield
        return
    sys.modules[_SLOW_OPTIONAL_MODULE] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        if sys.modules.get(_SLOW_OPTIONAL_MODULE, "") is None:
            del sys.modules[_SLOW_OPTIONAL_MODULE]

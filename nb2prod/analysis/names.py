"""Names that exist in a fresh IPython kernel before any cell runs: builtins and IPython's own."""

from __future__ import annotations

import builtins
import re

__all__ = ["is_predefined"]

_BUILTINS = frozenset(dir(builtins)) | frozenset(
    {"__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__", "__builtin__"}
)
_IPYTHON = frozenset(
    {
        "get_ipython",
        "display",
        "In",
        "Out",
        "exit",
        "quit",
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_iii",
        "_ih",
        "_oh",
        "_dh",
        "_sh",
        "_exit_code",
    }
)
_NUMBERED_HISTORY = re.compile(r"^_i{0,1}\d+$")


def is_predefined(name: str) -> bool:
    """True for names a fresh kernel already binds (``print``, ``display``, ``_12``, ``_i3``...)."""
    return name in _BUILTINS or name in _IPYTHON or bool(_NUMBERED_HISTORY.match(name))

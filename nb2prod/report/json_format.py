"""JSON output: a list of finding objects with a fixed set of keys (see the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nb2prod.diagnostics import Diagnostic

__all__ = ["render_json"]

# One finding per line: still one JSON document, easy to grep and diff, and it uses json's C
# encoder (``indent`` switches json to its pure-Python encoder, 5x slower on large runs).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    if not diagnostics:
        return "[]\n"
    return "[\n" + ",\n".join("  " + _encode(d.to_dict()) for d in diagnostics) + "\n]\n"

"""JSON output: a list of finding objects with a fixed set of keys (see the README)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nb2prod.diagnostics import Diagnostic

__all__ = ["render_json"]


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    return (
        json.dumps(
            [diagnostic.to_dict() for diagnostic in diagnostics], indent=2, ensure_ascii=False
        )
        + "\n"
    )

"""GitHub Actions workflow commands (``::warning file=...::``), one per finding."""

from __future__ import annotations

from collections.abc import Sequence

from nb2prod.diagnostics import Diagnostic

__all__ = ["render_github"]

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """Annotations name the cell in the title, since GitHub cannot address a line inside a cell."""
    lines = []
    for diagnostic in diagnostics:
        span = diagnostic.span
        properties = [f"file={_escape_property(diagnostic.path)}"]
        where = ""
        if span is not None:
            where = f"cell {span.cell}, line {span.line}: "
        title = f"{diagnostic.code} {diagnostic.name}"
        properties.append(f"title={_escape_property(title)}")
        message = _escape_data(f"{where}{diagnostic.message}")
        lines.append(f"::{_LEVELS[diagnostic.severity]} {','.join(properties)}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")

"""GitHub Actions workflow commands (``::warning file=...::``), one per finding."""

from __future__ import annotations

from collections.abc import Sequence

from nb2prod.diagnostics import Diagnostic
from nb2prod.report.file_lines import file_line_of

__all__ = ["render_github"]

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """Annotations sit on the line of the ``.ipynb`` file that holds the cell's source line, and
    name the cell and its line in the message."""
    lines = []
    for diagnostic in diagnostics:
        span = diagnostic.span
        properties = [f"file={_escape_property(diagnostic.path)}"]
        where = ""
        if span is not None:
            where = f"cell {span.cell}, line {span.line}: "
            file_line = file_line_of(diagnostic.path, span.cell, span.line)
            if file_line is not None:
                properties.append(f"line={file_line}")
        title = f"{diagnostic.code} {diagnostic.name}"
        properties.append(f"title={_escape_property(title)}")
        message = _escape_data(f"{where}{diagnostic.message}")
        lines.append(f"::{_LEVELS[diagnostic.severity]} {','.join(properties)}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")

"""Human-readable output: ``path:cell N:line:col: CODE message``, with an excerpt of the line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from nb2prod.diagnostics import Diagnostic

if TYPE_CHECKING:
    from nb2prod.notebook import Notebook

__all__ = ["format_location", "notebook_source_lookup", "render_text"]

_SEVERITY_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def format_location(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    if span is None:
        return diagnostic.path
    return f"{diagnostic.path}:cell {span.cell}:{span.line}:{span.column}"


def _style(text: str, color: bool, **styles: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)  # type: ignore[arg-type]


def render_text(
    diagnostics: Sequence[Diagnostic],
    *,
    color: bool = False,
    sources: Callable[[str, int], str | None] | None = None,
) -> str:
    """One line per finding, each followed by the cell line it points at when ``sources`` knows it."""
    lines: list[str] = []
    # Each cell's lines, split once: findings come many to a cell.
    cell_lines: dict[tuple[str, int], list[str]] = {}
    for diagnostic in diagnostics:
        location = _style(format_location(diagnostic), color, bold=True)
        code = _style(diagnostic.code, color, fg=_SEVERITY_COLORS[diagnostic.severity], bold=True)
        fixable = (
            _style(" [*]", color, fg="cyan")
            if diagnostic.fix and diagnostic.fix.applicability == "safe"
            else ""
        )
        lines.append(f"{location}: {code}{fixable} {diagnostic.message}")
        span = diagnostic.span
        if sources is not None and span is not None:
            key = (diagnostic.path, span.cell)
            if key not in cell_lines:
                cell_source = sources(*key)
                cell_lines[key] = cell_source.splitlines() if cell_source is not None else []
            source_lines = cell_lines[key]
            if 0 < span.line <= len(source_lines):
                text = source_lines[span.line - 1].rstrip()
                if diagnostic.name == "hardcoded-secret" and span.end_line == span.line:
                    # Never print the secret itself, not even in the excerpt.
                    text = (
                        text[: span.column - 1]
                        + "*" * max(0, min(span.end_column, len(text) + 1) - span.column)
                        + text[span.end_column - 1 :]
                    )
                if len(text) > 120:
                    text = text[:117] + "..."
                if text.strip():
                    gutter = f"{span.line:>4} | "
                    lines.append(_style(gutter, color, fg="blue") + text)
                    width = (
                        (span.end_column - span.column)
                        if span.end_line == span.line
                        else len(text) - span.column + 1
                    )
                    caret = " " * (span.column - 1) + "^" * max(
                        1, min(width, max(1, len(text) - span.column + 1))
                    )
                    lines.append(
                        _style(" " * 5 + "| ", color, fg="blue")
                        + _style(caret, color, fg=_SEVERITY_COLORS[diagnostic.severity])
                    )
    return "\n".join(lines) + ("\n" if lines else "")


def notebook_source_lookup(
    outlines: Mapping[str, Notebook] | None = None,
) -> Callable[[str, int], str | None]:
    """A ``(path, cell number) -> source`` lookup for excerpts.

    A code cell comes from ``outlines`` (the notebooks lint read, by path; ``LintRun.outlines``)
    when they hold its file; other cells are read again from files with findings. The caller
    leaves ``outlines`` out when the files changed since (fixes were written).
    """
    from nb2prod import notebook as notebook_io
    from nb2prod.errors import NotebookReadError

    known = outlines or {}

    @lru_cache(maxsize=64)
    def load(path: str) -> Notebook | None:
        try:
            return notebook_io.read(path)
        except NotebookReadError:
            return None

    def lookup(path: str, cell: int) -> str | None:
        outline = known.get(path)
        # An outline keeps the text of code cells only.
        if (
            outline is not None
            and 0 < cell <= len(outline.cells)
            and outline.cells[cell - 1].is_code
        ):
            return outline.cells[cell - 1].source
        notebook = load(path)
        if notebook is None or not 0 < cell <= len(notebook.cells):
            return None
        return notebook.cells[cell - 1].source

    return lookup

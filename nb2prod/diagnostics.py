"""Diagnostics as frozen data: positions (:class:`CellSpan`), fixes (:class:`Fix` of edits), findings.

Position convention, used everywhere in Python: ``cell`` is the 1-based cell number counting every
cell (markdown included); ``line`` and ``column`` are 1-based within the cell's source; ``end_line``
and ``end_column`` are inclusive-exclusive like ruff's (the column just past the last character).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any, Literal, TypeVar

__all__ = [
    "SEVERITY_ORDER",
    "Applicability",
    "CellSpan",
    "ClearOutputs",
    "Diagnostic",
    "Edit",
    "Fix",
    "MoveCells",
    "Related",
    "ReplaceText",
    "Severity",
]

Severity = Literal["error", "warning", "info"]
Applicability = Literal["safe", "unsafe", "display-only"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

_Data = TypeVar("_Data")


def _pickled_as_a_call(cls: type[_Data]) -> type[_Data]:
    """Pickle instances of the frozen slots dataclass ``cls`` as a call of ``cls`` with its field
    values, read at once in C. Worker processes send findings back by pickle, and the state
    methods dataclasses give such classes run Python code per field: twice as slow each way."""
    names = [item.name for item in fields(cls)]  # type: ignore[arg-type]
    read = attrgetter(*names)
    arguments = read if len(names) > 1 else lambda instance: (read(instance),)

    def __reduce__(self: _Data) -> tuple[type[_Data], tuple[Any, ...]]:
        return cls, arguments(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 - mypy forbids assigning to a method
    return cls


@_pickled_as_a_call
@dataclass(frozen=True, slots=True, order=True)
class CellSpan:
    """A range inside one cell (see the module docstring for the convention)."""

    cell: int
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    cell_id: str | None = field(default=None, compare=False)

    @classmethod
    def whole_line(cls, cell: int, line: int, length: int, cell_id: str | None = None) -> CellSpan:
        return cls(cell, line, 1, line, length + 1, cell_id)


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class Related:
    """Another place involved in a finding: "first defined here", "ran after this"."""

    span: CellSpan
    message: str


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class ReplaceText:
    """Replace the text of cell ``cell`` (1-based number) between two 1-based positions."""

    cell: int
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class MoveCells:
    """Reorder all cells: ``order[i]`` is the 1-based number of the cell that goes to position i."""

    order: tuple[int, ...]


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class ClearOutputs:
    """Remove outputs from cell ``cell``; ``output_indices`` empty means all of them."""

    cell: int
    output_indices: tuple[int, ...] = ()


Edit = ReplaceText | MoveCells | ClearOutputs


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@_pickled_as_a_call
@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding. ``span`` is ``None`` for a finding about the whole file (unreadable, say)."""

    path: str
    code: str
    name: str
    message: str
    severity: Severity
    span: CellSpan | None
    source: str = "nb2prod"
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    url: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        span = self.span
        if span is None:
            return (self.path, 0, 0, 0, self.code)
        return (self.path, span.cell, span.line, span.column, self.code)

    def with_path(self, path: str) -> Diagnostic:
        return replace(self, path=path)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)

    def to_dict(self) -> dict[str, object]:
        """The stable JSON shape (documented in the README)."""
        span = self.span
        fix: dict[str, object] | None = None
        if self.fix is not None:
            fix = {
                "title": self.fix.title,
                "applicability": self.fix.applicability,
                "edits": [_edit_to_dict(edit) for edit in self.fix.edits],
            }
        return {
            "path": self.path,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "cell": span.cell if span else None,
            "cell_id": span.cell_id if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "source": self.source,
            "fix": fix,
            "related": [
                {
                    "cell": item.span.cell,
                    "line": item.span.line,
                    "column": item.span.column,
                    "message": item.message,
                }
                for item in self.related
            ],
        }


def _edit_to_dict(edit: Edit) -> dict[str, object]:
    if isinstance(edit, ReplaceText):
        return {
            "kind": "replace_text",
            "cell": edit.cell,
            "line": edit.line,
            "column": edit.column,
            "end_line": edit.end_line,
            "end_column": edit.end_column,
            "content": edit.content,
        }
    if isinstance(edit, MoveCells):
        return {"kind": "move_cells", "order": list(edit.order)}
    return {"kind": "clear_outputs", "cell": edit.cell, "output_indices": list(edit.output_indices)}

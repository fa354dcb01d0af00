"""Suppressions: ``# noqa`` comments, ``nb2prod:ignore`` cell tags and ``per-file-ignores``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nb2prod.diagnostics import CellSpan, Diagnostic
from nb2prod.notebook import Notebook
from nb2prod.rules.registry import matches

__all__ = ["IGNORE_TAG", "Suppressions", "apply_suppressions", "collect_suppressions"]

IGNORE_TAG = "nb2prod:ignore"
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]*(?:[\s,]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


@dataclass
class _Suppression:
    span: CellSpan
    codes: tuple[str, ...] | None  # None: everything
    kind: str  # "noqa" or "tag"
    used: set[str]


@dataclass
class Suppressions:
    by_line: dict[tuple[int, int], _Suppression]
    by_cell: dict[int, _Suppression]

    def all(self) -> list[_Suppression]:
        return [*self.by_cell.values(), *self.by_line.values()]


def collect_suppressions(notebook: Notebook) -> Suppressions:
    """Find every ``# noqa`` comment and ``nb2prod:ignore`` tag in ``notebook``."""
    by_line: dict[tuple[int, int], _Suppression] = {}
    by_cell: dict[int, _Suppression] = {}
    for cell in notebook.cells:
        for tag in cell.tags:
            if tag == IGNORE_TAG:
                by_cell[cell.number] = _Suppression(CellSpan(cell.number, 1, 1, 1, 1, cell.cell_id), None, "tag", set())
            elif tag.startswith(IGNORE_TAG + "="):
                codes = tuple(code.strip().upper() for code in tag.split("=", 1)[1].split(",") if code.strip())
                by_cell[cell.number] = _Suppression(CellSpan(cell.number, 1, 1, 1, 1, cell.cell_id), codes, "tag", set())
        if not cell.is_code or "noqa" not in cell.source.lower():
            continue
        for line_number, line in enumerate(cell.source.splitlines(), start=1):
            match = _NOQA.search(line)
            if match is None:
                continue
            codes_text = match.group("codes")
            codes = tuple(re.split(r"[\s,]+", codes_text.upper().strip())) if codes_text else None
            span = CellSpan(cell.number, line_number, match.start() + 1, line_number, match.end() + 1, cell.cell_id)
            by_line[(cell.number, line_number)] = _Suppression(span, codes, "noqa", set())
    return Suppressions(by_line, by_cell)


def _suppresses(suppression: _Suppression, code: str) -> bool:
    if suppression.codes is None:
        suppression.used.add(code)
        return True
    if matches(code, suppression.codes):
        suppression.used.add(code)
        return True
    return False


def apply_suppressions(
    notebook: Notebook,
    diagnostics: Sequence[Diagnostic],
    per_file_ignores: Sequence[str] = (),
    *,
    report_unused: bool = False,
) -> list[Diagnostic]:
    """Drop suppressed diagnostics; with ``report_unused``, add NB004 for suppressions never used."""
    suppressions = collect_suppressions(notebook)
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if per_file_ignores and matches(diagnostic.code, per_file_ignores):
            continue
        span = diagnostic.span
        if span is not None:
            cell_rule = suppressions.by_cell.get(span.cell)
            if cell_rule is not None and _suppresses(cell_rule, diagnostic.code):
                continue
            line_rule = suppressions.by_line.get((span.cell, span.line))
            if line_rule is not None and _suppresses(line_rule, diagnostic.code):
                continue
        kept.append(diagnostic)
    if report_unused:
        from nb2prod.rules.notebook_errors import UnusedSuppression

        rule = UnusedSuppression()
        for suppression in suppressions.all():
            if suppression.kind == "noqa" and suppression.codes is not None:
                unused = [code for code in suppression.codes if code.startswith("NB") and code not in suppression.used and not any(u.startswith(code) for u in suppression.used)]
            elif suppression.used:
                unused = []
            else:
                unused = list(suppression.codes or ["all"]) if suppression.kind == "tag" or suppression.codes is None else []
            if suppression.kind == "noqa" and suppression.codes is None and not suppression.used:
                unused = ["all"]
            if not unused:
                continue
            where = "tag" if suppression.kind == "tag" else "`# noqa`"
            kept.append(
                Diagnostic(
                    path=notebook.display_path,
                    code=rule.code,
                    name=rule.name,
                    message=f"{where} in cell {suppression.span.cell} suppresses nothing ({', '.join(unused)})",
                    severity=rule.severity,
                    span=suppression.span,
                )
            )
    return kept

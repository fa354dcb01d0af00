"""The fix engine: apply findings' edits to the notebook JSON, show them as a diff or write them atomically.

Edits are data (:mod:`nb2prod.diagnostics`): ``ReplaceText`` within one cell, ``ClearOutputs`` of a
cell, and ``MoveCells`` (a permutation of all cells). Fixes whose edits overlap one already taken
wait for the next round; after writing, the notebooks are linted again (when the caller gives a
``relint`` function) so that the remaining findings, and their positions, are current. A rewrite
keeps the file's formatting (indentation, key order, escaping, final newline) via
:func:`nb2prod.notebook.write_style_of`.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nb2prod.diagnostics import ClearOutputs, Diagnostic, Edit, MoveCells, ReplaceText
from nb2prod.fs import atomic_write_text
from nb2prod.notebook import write_style_of

__all__ = ["FixOutcome", "NotebookFix", "apply_fixes", "apply_fixes_to_run", "fixable"]

# Rounds of fix -> re-lint per invocation, as ruff does; a fix that keeps re-appearing stops here.
MAXIMUM_ROUNDS = 10
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE_BREAK_AT_END = re.compile(r"(?:\r\n|\r|\n)\Z")


class _Result(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...


class _Run(Protocol):
    @property
    def results(self) -> Sequence[Any]: ...


@dataclass
class NotebookFix:
    """The outcome for one notebook: its text before and after, and the findings fixed."""

    path: str
    before: str
    after: str
    fixed: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class FixOutcome:
    """What ``--fix`` / ``--diff`` did: a unified diff, how many findings were fixed, what is left."""

    diff: str
    fixed_count: int
    remaining: list[Diagnostic]
    notebooks: list[NotebookFix] = field(default_factory=list)


def fixable(diagnostic: Diagnostic, *, unsafe: bool) -> bool:
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe")


# --------------------------------------------------------------------------------------------------
# Applying edits to a JSON document


def _source_text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _set_source(cell: dict[str, Any], text: str) -> None:
    """Store ``text`` in the shape the cell used: a list of lines (nbformat's) or one string."""
    if isinstance(cell.get("source"), list):
        cell["source"] = text.splitlines(keepends=True)
    else:
        cell["source"] = text


def _line_offsets(text: str) -> list[int]:
    """Offset of the start of each line (1-based line ``n`` starts at ``offsets[n - 1]``)."""
    offsets = [0]
    offsets.extend(match.end() for match in _LINE_BREAK.finditer(text))
    return offsets


def _offset(offsets: list[int], text: str, line: int, column: int) -> int:
    if line > len(offsets):
        return len(text)
    start = offsets[line - 1]
    end = offsets[line] if line < len(offsets) else len(text)
    return min(start + column - 1, end)


def _replace_in_cell(text: str, edits: Sequence[ReplaceText]) -> str:
    offsets = _line_offsets(text)
    # From the end backwards; insertions at one point keep the order in which they were taken.
    spans = sorted(
        (
            (
                _offset(offsets, text, edit.line, edit.column),
                _offset(offsets, text, edit.end_line, edit.end_column),
                order,
                edit.content,
            )
            for order, edit in enumerate(edits)
        ),
        reverse=True,
    )
    for start, end, _, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _text_range(edit: ReplaceText) -> tuple[int, int, int, int]:
    return (edit.line, edit.column, edit.end_line, edit.end_column)


def _overlaps(first: Edit, second: Edit) -> bool:
    if isinstance(first, MoveCells) or isinstance(second, MoveCells):
        return True  # a reorder renumbers every cell: it goes alone
    if isinstance(first, ClearOutputs) and isinstance(second, ClearOutputs):
        if first.cell != second.cell:
            return False
        return (
            not first.output_indices
            or not second.output_indices
            or bool(set(first.output_indices) & set(second.output_indices))
        )
    if isinstance(first, ReplaceText) and isinstance(second, ReplaceText):
        if first.cell != second.cell:
            return False
        a_start, a_end = (first.line, first.column), (first.end_line, first.end_column)
        b_start, b_end = (second.line, second.column), (second.end_line, second.end_column)
        if a_start == a_end == b_start == b_end:
            return False  # two insertions at one point: applied in the order the fixes were taken
        return a_start < b_end and b_start < a_end
    return False


def _choose(fixes: Iterable[Diagnostic], cell_count: int) -> tuple[list[Diagnostic], list[Edit]]:
    """Non-overlapping fixes in order of position, as ruff applies them, and the edits to make.

    Findings that share one fix (two names that the same cell reorder fixes) are all fixed by
    applying it once; an edit identical to one already taken (the same import added by two
    fixes) is made once, as ruff does.
    """
    chosen: list[Diagnostic] = []
    taken: list[Edit] = []
    taken_set: set[Edit] = set()
    for diagnostic in sorted(fixes, key=lambda d: d.sort_key):
        assert diagnostic.fix is not None
        edits = [edit for edit in diagnostic.fix.edits if edit not in taken_set]
        if not edits:
            chosen.append(diagnostic)
            continue
        if not all(_valid(edit, cell_count) for edit in edits):
            continue
        if any(_overlaps(edit, other) for edit in edits for other in taken):
            continue
        chosen.append(diagnostic)
        taken.extend(edits)
        taken_set.update(edits)
    return chosen, taken


def _valid(edit: Edit, cell_count: int) -> bool:
    if isinstance(edit, MoveCells):
        return sorted(edit.order) == list(range(1, cell_count + 1))
    return 0 < edit.cell <= cell_count


def apply_edits(document: dict[str, Any], edits: Sequence[Edit]) -> None:
    """Apply ``edits`` (non-overlapping, cell numbers as before any move) to ``document`` in place."""
    cells: list[dict[str, Any]] = document.get("cells", [])
    by_cell: dict[int, list[ReplaceText]] = {}
    moves: list[MoveCells] = []
    for edit in edits:
        if isinstance(edit, ReplaceText):
            by_cell.setdefault(edit.cell, []).append(edit)
        elif isinstance(edit, ClearOutputs):
            cell = cells[edit.cell - 1]
            outputs = cell.get("outputs")
            if isinstance(outputs, list):
                if edit.output_indices:
                    drop = set(edit.output_indices)
                    cell["outputs"] = [
                        output for index, output in enumerate(outputs) if index not in drop
                    ]
                else:
                    cell["outputs"] = []
        else:
            moves.append(edit)
    for number, cell_edits in by_cell.items():
        cell = cells[number - 1]
        old_text = _source_text(cell)
        new_text = _replace_in_cell(old_text, cell_edits)
        last_line = old_text.rsplit("\n", 1)[-1]
        if last_line.strip() and not _LINE_BREAK_AT_END.search(old_text):
            # Deleting a cell's last statement leaves the line break before it: drop it, as ruff
            # does. A last line of blanks that a fix empties (W293) keeps that break, as in ruff.
            new_text = _LINE_BREAK_AT_END.sub("", new_text)
        _set_source(cell, new_text)
    for move in moves[:1]:
        document["cells"] = [cells[number - 1] for number in move.order]


def _cells_broken_by(before: list[Any], edits: Sequence[Edit], after: list[Any]) -> set[int]:
    """Numbers (as before any move) of the cells whose text edits stopped them parsing."""
    from nb2prod.analysis.parse import parse_source

    broken: set[int] = set()
    for number in {edit.cell for edit in edits if isinstance(edit, ReplaceText)}:
        old, new = before[number - 1], _moved(after, before[number - 1], number, edits)
        if new is None or not isinstance(old, dict) or old.get("cell_type") != "code":
            continue
        if parse_source(_source_text(old)).tree is None:
            continue
        fixed = parse_source(_source_text(new))
        if fixed.tree is None and not _newer_syntax(_source_text(new), fixed.problem):
            broken.add(number)
    return broken


# Syntax newer than some interpreters nb2prod runs on, which ruff writes when the project's
# `target-version` allows it (UP040's `type X = ...`, UP046's `class Box[T]:`): a cell that only
# this interpreter cannot parse is not broken.
_NEWER_SYNTAX = (
    (
        (3, 12),
        re.compile(r"^\s*(?:type\s+\w+\s*[\[=]|(?:async\s+)?def\s+\w+\s*\[|class\s+\w+\s*\[)"),
    ),
    ((3, 14), re.compile(r"^\s*except\*?\s+[^(:\s][^:]*,[^:]*:|(?<![\w\"'])[tT][rR]?[\"']")),
)


def _newer_syntax(text: str, problem: Any) -> bool:
    if problem is None:
        return False
    lines = _LINE_BREAK.split(text)
    line = lines[problem.line - 1] if 0 < problem.line <= len(lines) else ""
    return any(
        sys.version_info < version and pattern.search(line) for version, pattern in _NEWER_SYNTAX
    )


def _moved(after: list[Any], old: Any, number: int, edits: Sequence[Edit]) -> Any:
    """Cell ``number`` of the old order, found in ``after`` (cells may have been moved)."""
    for edit in edits:
        if isinstance(edit, MoveCells):
            return after[edit.order.index(number)] if number in edit.order else None
    return after[number - 1] if number <= len(after) else None


def _edits_cells(diagnostic: Diagnostic, cells: set[int]) -> bool:
    assert diagnostic.fix is not None
    return any(isinstance(e, ReplaceText) and e.cell in cells for e in diagnostic.fix.edits)


def apply_fixes(
    path: str, text: str, diagnostics: Sequence[Diagnostic], *, unsafe: bool
) -> NotebookFix:
    """Apply the applicable, non-overlapping fixes among ``diagnostics`` to notebook ``text``."""
    body = text.removeprefix("\ufeff")
    try:
        document = json.loads(body)
    except json.JSONDecodeError:
        return NotebookFix(path, text, text)
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        return NotebookFix(path, text, text)
    candidates = [d for d in diagnostics if fixable(d, unsafe=unsafe)]
    original = copy.deepcopy(document["cells"])
    while True:
        chosen, edits = _choose(candidates, len(document["cells"]))
        if not chosen:
            return NotebookFix(path, text, text)
        document["cells"] = copy.deepcopy(original)
        apply_edits(document, edits)
        broken = _cells_broken_by(original, edits, document["cells"])
        if not broken:
            break
        # A fix must never turn a cell that parsed into one that does not: in each such cell,
        # leave out the last fix taken and try again (two fixes can each be fine alone).
        dropped = {
            id(next(d for d in reversed(chosen) if _edits_cells(d, {number}))) for number in broken
        }
        candidates = [d for d in candidates if id(d) not in dropped]
    after = write_style_of(body).dumps(document)
    if len(body) != len(text):
        after = "\ufeff" + after
    return NotebookFix(path, text, after, chosen)


# --------------------------------------------------------------------------------------------------
# Diffs


def _cells_of(text: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError:
        return []
    cells = document.get("cells") if isinstance(document, dict) else None
    return [cell for cell in cells if isinstance(cell, dict)] if isinstance(cells, list) else []


def _cell_key(cell: dict[str, Any], fallback: int) -> str:
    identifier = cell.get("id")
    return str(identifier) if isinstance(identifier, str) else f"#{fallback}"


def notebook_diff(change: NotebookFix) -> str:
    """A unified diff of cell sources, plus lines for moved cells and cleared outputs."""
    before_cells = _cells_of(change.before)
    after_cells = _cells_of(change.after)
    before_keys = [_cell_key(cell, index) for index, cell in enumerate(before_cells)]
    after_keys = [_cell_key(cell, index) for index, cell in enumerate(after_cells)]
    parts: list[str] = []
    if before_keys != after_keys and sorted(before_keys) == sorted(after_keys):
        position = {key: number for number, key in enumerate(before_keys, start=1)}
        order = [position[key] for key in after_keys]
        parts.append(
            f"--- {change.path}\n+++ {change.path}\n@@ cell order @@\n-{list(range(1, len(order) + 1))}\n+{order}\n"
        )
        # The notebook as a reader sees it, before and after the move.
        parts.append(
            "".join(
                difflib.unified_diff(
                    _rendered(before_cells, before_keys, position),
                    _rendered(after_cells, after_keys, position),
                    fromfile=f"{change.path} (cells in the old order)",
                    tofile=f"{change.path} (cells in the new order)",
                )
            )
        )
    after_by_key = dict(zip(after_keys, after_cells, strict=True))
    for number, (key, cell) in enumerate(zip(before_keys, before_cells, strict=True), start=1):
        new = after_by_key.get(key)
        if new is None:
            continue
        old_source, new_source = _source_text(cell), _source_text(new)
        if old_source != new_source:
            diff = difflib.unified_diff(
                _with_final_newline(old_source).splitlines(keepends=True),
                _with_final_newline(new_source).splitlines(keepends=True),
                fromfile=f"{change.path}:cell {number}",
                tofile=f"{change.path}:cell {number}",
            )
            parts.append("".join(diff))
        old_outputs, new_outputs = cell.get("outputs") or [], new.get("outputs") or []
        if old_outputs != new_outputs:
            removed = len(old_outputs) - len(new_outputs)
            parts.append(
                f"--- {change.path}:cell {number}\n+++ {change.path}:cell {number}\n"
                f"@@ outputs @@\n-{len(old_outputs)} output{'s' if len(old_outputs) != 1 else ''}\n"
                f"+{len(new_outputs)} output{'s' if len(new_outputs) != 1 else ''} ({removed} cleared)\n"
            )
    return "".join(parts)


def _rendered(cells: list[dict[str, Any]], keys: list[str], position: dict[str, int]) -> list[str]:
    lines: list[str] = []
    for key, cell in zip(keys, cells, strict=True):
        lines.append(f"# %% cell {position[key]} ({cell.get('cell_type', 'code')})\n")
        lines.extend(_with_final_newline(_source_text(cell)).splitlines(keepends=True))
    return lines


def _with_final_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------------------------------
# A whole lint run


def _read(path: str) -> str | None:
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def apply_fixes_to_run(
    run: _Run,
    *,
    unsafe: bool,
    write: bool,
    relint: Callable[[list[Path], dict[Path, str] | None], _Run] | None = None,
) -> FixOutcome:
    """Fix every notebook of ``run``; write them (atomically) when ``write``, else only diff.

    With ``relint`` (lint these files again, the same way; given their new text when nothing is
    written), fixing repeats until nothing applicable is left or :data:`MAXIMUM_ROUNDS`, and
    ``remaining`` is the fresh findings: ``--diff`` shows what ``--fix`` would write. Without it,
    ``remaining`` is the findings that were not fixed, at their old positions.
    """
    results: list[_Result] = list(run.results)
    changes: dict[str, NotebookFix] = {}
    fixed_count = 0
    remaining: list[Diagnostic] = []
    for _ in range(MAXIMUM_ROUNDS):
        changed: list[str] = []
        remaining = []
        for result in results:
            diagnostics = list(result.diagnostics)
            if not any(fixable(d, unsafe=unsafe) for d in diagnostics):
                remaining.extend(diagnostics)
                continue
            text = changes[result.path].after if result.path in changes else _read(result.path)
            if text is None:
                remaining.extend(diagnostics)
                continue
            change = apply_fixes(result.path, text, diagnostics, unsafe=unsafe)
            if not change.changed:
                remaining.extend(diagnostics)
                continue
            fixed_count += len(change.fixed)
            fixed_ids = {id(d) for d in change.fixed}
            remaining.extend(d for d in diagnostics if id(d) not in fixed_ids)
            first = changes.get(result.path)
            changes[result.path] = NotebookFix(
                result.path,
                first.before if first else text,
                change.after,
                [*(first.fixed if first else []), *change.fixed],
            )
            if write:
                atomic_write_text(Path(result.path), change.after)
            changed.append(result.path)
        if not changed or relint is None:
            break
        texts = None if write else {Path(path): changes[path].after for path in changed}
        fresh = {
            result.path: result for result in relint([Path(p) for p in changed], texts).results
        }
        results = [fresh.get(result.path, result) for result in results]
    if relint is not None and changes:
        remaining = [d for result in results for d in result.diagnostics]
    diff = "".join(notebook_diff(change) for change in changes.values())
    return FixOutcome(
        diff, fixed_count, sorted(remaining, key=lambda d: d.sort_key), list(changes.values())
    )

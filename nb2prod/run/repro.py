"""``nb2prod repro``: run a copy of each notebook in a fresh kernel and judge, cell by cell, whether it reproduces."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nb2prod.errors import Nb2prodError
from nb2prod.run.compare import Tolerance, compare_outputs
from nb2prod.run.environment import DEFAULT_SEED, INLINE_BACKEND

__all__ = [
    "SKIP_COMPARE_TAGS",
    "SKIP_EXECUTION_TAGS",
    "CellVerdict",
    "CellVerdictKind",
    "NotebookVerdict",
    "NotebookVerdictKind",
    "ReproOptions",
    "repro_notebook",
    "repro_paths",
]

CellVerdictKind = Literal[
    "identical",
    "equivalent",
    "differs",
    "errored",
    "timeout",
    "not-executed-before",
    "skipped",
    "not-run",
]
NotebookVerdictKind = Literal["reproduced", "equivalent", "differs", "failed", "timeout"]

SKIP_COMPARE_TAGS = ("nb2prod:skip-compare", "nbval-ignore-output")
SKIP_EXECUTION_TAGS = ("nb2prod:skip-execution", "nbval-skip")
RAISES_EXCEPTION_TAG = "raises-exception"
PASSING_VERDICTS = frozenset({"reproduced", "equivalent"})


@dataclass(frozen=True, slots=True)
class ReproOptions:
    kernel_name: str | None = None
    timeout: float | None = 600.0
    startup_timeout: float = 60.0
    tolerance: Tolerance = field(default_factory=Tolerance)
    seed: int | None = DEFAULT_SEED
    matplotlib_backend: str = INLINE_BACKEND
    golden_dir: Path | None = None
    update_golden: bool = False


@dataclass(frozen=True, slots=True)
class CellVerdict:
    """The verdict on one code cell; ``number`` is 1-based over all cells."""

    number: int
    cell_id: str | None
    verdict: CellVerdictKind
    reasons: tuple[str, ...] = ()
    diff: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": self.number,
            "cell_id": self.cell_id,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "diff": self.diff,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class NotebookVerdict:
    """The verdict on one notebook, with its cells' verdicts and timings."""

    path: str
    verdict: NotebookVerdictKind
    cells: tuple[CellVerdict, ...] = ()
    message: str | None = None
    notes: tuple[str, ...] = ()
    kernel_name: str | None = None
    execution_seconds: float = 0.0
    comparison_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.verdict in PASSING_VERDICTS

    def count(self, verdict: str) -> int:
        return sum(1 for cell in self.cells if cell.verdict == verdict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "message": self.message,
            "notes": list(self.notes),
            "kernel": self.kernel_name,
            "execution_seconds": self.execution_seconds,
            "comparison_seconds": self.comparison_seconds,
            "total_seconds": self.total_seconds,
            "cells": [cell.to_dict() for cell in self.cells],
        }


def _saved_outputs(
    cell: Mapping[str, Any], index: int, golden: Mapping[int, Any] | None, by_id: Mapping[str, Any]
) -> tuple[Sequence[Mapping[str, Any]] | None, str | None]:
    """The outputs to compare against (``None``: none recorded), and why there are none."""
    if golden is None:
        outputs = cell.get("outputs") or []
        if cell.get("execution_count") is None and not outputs:
            return None, "never executed in the saved notebook"
        return outputs, None
    from nb2prod.run.golden import source_digest

    source = cell.get("source", "")
    digest = source_digest("".join(source) if isinstance(source, list) else str(source))
    cell_id = cell.get("id")
    entry = by_id.get(cell_id) if isinstance(cell_id, str) else None
    if entry is None:
        entry = golden.get(index)
    if entry is None:
        return None, "no golden output for this cell"
    if entry.source_sha256 != digest:
        return (
            None,
            "cell source changed since the golden outputs were recorded (run with --update)",
        )
    return list(entry.outputs), None


def _notebook_verdict(status: str, cells: Sequence[CellVerdict]) -> NotebookVerdictKind:
    if status == "timeout":
        return "timeout"
    if status != "completed":
        return "failed"
    kinds = {cell.verdict for cell in cells}
    if "differs" in kinds:
        return "differs"
    if "equivalent" in kinds:
        return "equivalent"
    return "reproduced"


def _copy_for_execution(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with cells tagged to skip execution emptied (their saved outputs are not compared)."""
    executable = copy.deepcopy(dict(document))
    for cell in executable.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", []) or []
        if cell.get("cell_type") == "code" and any(tag in SKIP_EXECUTION_TAGS for tag in tags):
            cell["source"] = ""
    return executable


def repro_notebook(path: Path, options: ReproOptions) -> NotebookVerdict:
    """Run a copy of ``path`` top to bottom and compare each code cell; never raises for a bad notebook."""
    import json

    from nb2prod import notebook as notebook_io
    from nb2prod.run.environment import deterministic_environment
    from nb2prod.run.execute import ExecutionRequest, execute_notebook

    clock = time.perf_counter()
    display = str(path)
    try:
        model = notebook_io.read(path)
    except Nb2prodError as error:
        return NotebookVerdict(display, "failed", message=f"unreadable notebook: {error.message}")
    notes: list[str] = []
    golden = None
    golden_file = None
    if options.golden_dir is not None:
        from nb2prod.run.golden import golden_path, read_golden

        golden_file = golden_path(options.golden_dir, path)
        if not options.update_golden:
            try:
                golden = read_golden(golden_file)
            except Nb2prodError as error:
                return NotebookVerdict(display, "failed", message=str(error))
            if golden is None:
                notes.append(
                    f"no golden file {golden_file}; compared with the outputs saved in the notebook"
                )
    # The copy goes through JSON so that nothing we do can reach the caller's document.
    document = json.loads(json.dumps(model.raw))
    environment = deterministic_environment(
        model, seed=options.seed, matplotlib_backend=options.matplotlib_backend
    )
    request = ExecutionRequest(
        path=path,
        document=_copy_for_execution(document),
        environment=environment,
        kernel_name=options.kernel_name,
        timeout=options.timeout,
        startup_timeout=options.startup_timeout,
        folder=path.parent,
    )
    outcome = execute_notebook(request)
    if outcome.kernel_note:
        notes.append(outcome.kernel_note)
    compare_clock = time.perf_counter()
    executed_cells = list((outcome.document or {}).get("cells", []))
    cells = _judge_cells(
        document,
        executed_cells,
        outcome.status,
        outcome.cell_index,
        outcome.message,
        golden,
        options,
    )
    verdict = _notebook_verdict(outcome.status, cells)
    if golden_file is not None and options.update_golden:
        if outcome.status == "completed":
            from nb2prod.run.golden import write_golden

            write_golden(golden_file, path, executed_cells)
            notes.append(f"golden outputs written to {golden_file}")
        else:
            notes.append(f"golden outputs not updated: the run {outcome.status}")
    if (
        not any(cell.verdict in ("identical", "equivalent", "differs") for cell in cells)
        and verdict == "reproduced"
    ):
        notes.append("no saved outputs to compare with: only checked that the notebook runs")
    comparison_seconds = time.perf_counter() - compare_clock
    message = outcome.message if outcome.status != "completed" else None
    if outcome.status == "missing-kernel":
        message = f"missing kernel: {outcome.message}"
    return NotebookVerdict(
        path=display,
        verdict=verdict,
        cells=tuple(cells),
        message=message,
        notes=tuple(notes),
        kernel_name=outcome.kernel_name,
        execution_seconds=outcome.seconds,
        comparison_seconds=round(comparison_seconds, 4),
        total_seconds=round(time.perf_counter() - clock, 3),
    )


def _judge_cells(
    document: Mapping[str, Any],
    executed_cells: Sequence[Mapping[str, Any]],
    status: str,
    stopped_at: int | None,
    message: str | None,
    golden: Mapping[int, Any] | None,
    options: ReproOptions,
) -> list[CellVerdict]:
    by_id = {entry.cell_id: entry for entry in (golden or {}).values() if entry.cell_id}
    verdicts: list[CellVerdict] = []
    for index, saved_cell in enumerate(document.get("cells", [])):
        if saved_cell.get("cell_type") != "code":
            continue
        number = index + 1
        cell_id = saved_cell.get("id") if isinstance(saved_cell.get("id"), str) else None
        tags = tuple(saved_cell.get("metadata", {}).get("tags", []) or ())
        new_cell = executed_cells[index] if index < len(executed_cells) else None
        if (
            status != "completed" and (stopped_at is None or index > stopped_at)
        ) or new_cell is None:
            verdicts.append(CellVerdict(number, cell_id, "not-run"))
            continue
        if status != "completed" and index == stopped_at:
            kind: CellVerdictKind = "timeout" if status == "timeout" else "errored"
            verdicts.append(CellVerdict(number, cell_id, kind, message=message))
            continue
        skip_tags = [tag for tag in tags if tag in SKIP_COMPARE_TAGS or tag in SKIP_EXECUTION_TAGS]
        if skip_tags:
            verdicts.append(CellVerdict(number, cell_id, "skipped", (f"tagged {skip_tags[0]}",)))
            continue
        saved, why_none = _saved_outputs(saved_cell, index, golden, by_id)
        if saved is None:
            verdicts.append(CellVerdict(number, cell_id, "not-executed-before", message=why_none))
            continue
        comparison = compare_outputs(saved, new_cell.get("outputs", []), options.tolerance)
        verdicts.append(
            CellVerdict(number, cell_id, comparison.outcome, comparison.reasons, comparison.diff)
        )
    return verdicts


def repro_paths(
    paths: Sequence[Path],
    options: ReproOptions,
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    on_result: Callable[[NotebookVerdict], None] | None = None,
) -> list[NotebookVerdict]:
    """Repro every notebook, in parallel processes or on a Dask cluster; results in input order."""
    from nb2prod.run.scheduler import run_jobs

    results: dict[int, NotebookVerdict] = {}
    arguments: Iterable[tuple[Path, ReproOptions]] = [(path, options) for path in paths]
    for position, result in run_jobs(
        _repro_job, list(arguments), jobs=jobs, dask_address=dask_address
    ):
        if not isinstance(result, NotebookVerdict):
            result = NotebookVerdict(str(paths[position]), "failed", message=str(result))
        results[position] = result
        if on_result is not None:
            on_result(result)
    return [results[position] for position in range(len(paths))]


def _repro_job(arguments: tuple[Path, ReproOptions]) -> NotebookVerdict:
    path, options = arguments
    try:
        return repro_notebook(path, options)
    except Exception as error:  # one notebook's crash is its verdict; the others go on
        return NotebookVerdict(
            str(path), "failed", message=f"internal error: {type(error).__name__}: {error}"
        )

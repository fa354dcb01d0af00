"""``nb2prod run --grid``: a cartesian parameter sweep, one output notebook per combination, and a summary."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nb2prod.run.parameters import ParameterError, load_parameters_file
from nb2prod.run.runner import PreparedRun, RunOptions, RunResult, prepare_run, run_prepared

__all__ = ["expand_grid", "grid_output_name", "render_summary", "run_grid"]


def expand_grid(path: Path) -> list[dict[str, Any]]:
    """Every combination of a YAML mapping of name -> list of values (a scalar is a one-value list)."""
    document = load_parameters_file(path)
    if not document:
        raise ParameterError("the grid file defines no parameters", path)
    names = list(document)
    axes = [value if isinstance(value, list) else [value] for value in document.values()]
    empty = [name for name, axis in zip(names, axes, strict=False) if not axis]
    if empty:
        raise ParameterError(f"parameter {empty[0]!r} has an empty list of values", path)
    return [dict(zip(names, combination, strict=False)) for combination in itertools.product(*axes)]


def _slug(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")[:40] or "_"


def grid_output_name(stem: str, position: int, combination: Mapping[str, Any]) -> str:
    """``model-003-alpha=0.1-n=5.ipynb``: the index keeps names unique, the values make them readable."""
    label = "-".join(f"{_slug(name)}={_slug(value)}" for name, value in combination.items())
    name = f"{stem}-{position:03d}-{label}"
    return (name[:150] if len(name) > 150 else name) + ".ipynb"


def _run_job(prepared: PreparedRun) -> RunResult:
    try:
        return run_prepared(prepared)
    except Exception as error:  # one combination's crash is its result; the sweep goes on
        return RunResult(
            str(prepared.input_path),
            None,
            "failed",
            prepared.parameters,
            f"{type(error).__name__}: {error}",
        )


def run_grid(
    input_path: Path,
    output_folder: Path,
    grid_file: Path,
    fixed: Mapping[str, Any],
    options: RunOptions,
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Validate every combination first (nothing runs on a bad grid), then run them all."""
    from nb2prod.run.scheduler import run_jobs

    combinations = expand_grid(grid_file)
    clashes = sorted(set(fixed) & set(combinations[0]))
    if clashes:
        raise ParameterError(
            f"{', '.join(clashes)} set both on the command line and in the grid", grid_file
        )
    prepared = [
        prepare_run(
            input_path,
            output_folder / grid_output_name(input_path.stem, position, combination),
            {**fixed, **combination},
            options,
        )
        for position, combination in enumerate(combinations, start=1)
    ]
    results: dict[int, RunResult] = {}
    for position, result in run_jobs(_run_job, prepared, jobs=jobs, dask_address=dask_address):
        if not isinstance(result, RunResult):
            result = RunResult(
                str(input_path), None, "failed", prepared[position].parameters, str(result)
            )
        results[position] = result
        if on_result is not None:
            on_result(result)
    ordered = [results[position] for position in range(len(prepared))]
    write_summary(output_folder, ordered)
    return ordered


def _rows(results: Sequence[RunResult]) -> tuple[list[str], list[list[str]]]:
    names: list[str] = []
    for result in results:
        names.extend(name for name in result.parameters if name not in names)
    header = ["#", *names, "status", "seconds", "output"]
    rows = []
    for position, result in enumerate(results, start=1):
        values = [
            json.dumps(result.parameters[name]) if name in result.parameters else ""
            for name in names
        ]
        rows.append(
            [
                str(position),
                *values,
                result.status,
                f"{result.seconds:.1f}",
                result.output or (result.message or ""),
            ]
        )
    return header, rows


def render_summary(results: Sequence[RunResult]) -> str:
    """An aligned text table: one row per combination."""
    header, rows = _rows(results)
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


def write_summary(output_folder: Path, results: Sequence[RunResult]) -> Path:
    """``summary.csv`` beside the output notebooks."""
    from nb2prod.fs import atomic_write_text

    header, rows = _rows(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    output_folder.mkdir(parents=True, exist_ok=True)
    target = output_folder / "summary.csv"
    atomic_write_text(target, buffer.getvalue())
    return target

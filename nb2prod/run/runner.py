"""``nb2prod run``: one parameterized run of a notebook into a new output notebook, with provenance."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nb2prod.errors import UsageError
from nb2prod.run.environment import DEFAULT_SEED, INLINE_BACKEND

__all__ = ["RunOptions", "RunResult", "prepare_run", "run_notebook", "run_prepared"]


@dataclass(frozen=True, slots=True)
class RunOptions:
    kernel_name: str | None = None
    timeout: float | None = None
    startup_timeout: float = 60.0
    seed: int | None = DEFAULT_SEED
    matplotlib_backend: str = INLINE_BACKEND
    cwd: Path | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """How one run went; ``output`` is written whenever the notebook started executing."""

    input: str
    output: str | None
    status: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    message: str | None = None
    seconds: float = 0.0
    kernel_note: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True, slots=True)
class PreparedRun:
    """A validated run, ready to hand to a worker (plain data)."""

    input_path: Path
    output_path: Path
    document: Mapping[str, Any]
    input_sha256: str
    parameters: Mapping[str, Any]
    options: RunOptions


def prepare_run(
    input_path: Path, output_path: Path, parameters: Mapping[str, Any], options: RunOptions
) -> PreparedRun:
    """Read the notebook and check the parameters; bad input raises an ``Nb2prodError`` (exit 2)."""
    from nb2prod import notebook as notebook_io
    from nb2prod.errors import NotebookReadError
    from nb2prod.run.parameters import validate_parameters
    from nb2prod.run.provenance import file_sha256

    try:
        data = Path(input_path).read_bytes()
    except FileNotFoundError:
        raise NotebookReadError("no such file", input_path) from None
    except IsADirectoryError:
        raise NotebookReadError("is a folder, not a notebook file", input_path) from None
    except OSError as error:
        raise NotebookReadError(
            f"cannot read file: {error.strerror or error}", input_path
        ) from None
    model = notebook_io.reads(data, input_path)
    if output_path.resolve() == Path(input_path).resolve():
        raise UsageError(
            "the output notebook must not be the input notebook (the input is never modified)",
            output_path,
        )
    checked = validate_parameters(model, parameters)
    document = json.loads(json.dumps(model.raw))
    return PreparedRun(Path(input_path), output_path, document, file_sha256(data), checked, options)


def run_prepared(prepared: PreparedRun) -> RunResult:
    """Execute a prepared run and write the output notebook (atomically) with ``metadata.nb2prod.run``."""
    from nb2prod.jupyter_imports import without_unused_format_checkers

    with without_unused_format_checkers():
        import nbformat

    from nb2prod import notebook as notebook_io
    from nb2prod.fs import atomic_write_text
    from nb2prod.run.environment import deterministic_environment, imported_top_level_modules
    from nb2prod.run.execute import ExecutionRequest, execute_notebook
    from nb2prod.run.provenance import run_provenance

    options = prepared.options
    model = notebook_io.from_dict(json.loads(json.dumps(prepared.document)), prepared.input_path)
    environment = deterministic_environment(
        model, seed=options.seed, matplotlib_backend=options.matplotlib_backend
    )
    outcome = execute_notebook(
        ExecutionRequest(
            path=prepared.input_path,
            document=prepared.document,
            environment=environment,
            parameters=prepared.parameters,
            kernel_name=options.kernel_name,
            timeout=options.timeout,
            startup_timeout=options.startup_timeout,
            folder=options.cwd or prepared.input_path.parent,
        )
    )
    result = RunResult(
        input=str(prepared.input_path),
        output=None,
        status=outcome.status,
        parameters=dict(prepared.parameters),
        message=outcome.message,
        seconds=outcome.seconds,
        kernel_note=outcome.kernel_note,
    )
    if outcome.document is None:
        return result
    executed: Any = outcome.document
    durations = []
    for number, cell in enumerate(executed.get("cells", []), start=1):
        timing = cell.get("metadata", {}).get("papermill", {})
        if cell.get("cell_type") == "code" and timing.get("duration") is not None:
            durations.append(
                {
                    "cell": number,
                    "id": cell.get("id"),
                    "seconds": round(float(timing["duration"]), 6),
                }
            )
    provenance = run_provenance(
        input_path=prepared.input_path,
        input_sha256=prepared.input_sha256,
        parameters=prepared.parameters,
        kernel_name=outcome.kernel_name,
        kernel_language_info=executed.get("metadata", {}).get("language_info"),
        seed=environment.seed,
        seeded_modules=environment.seeded_modules,
        environment=environment.variables,
        timeout=options.timeout,
        started=outcome.started,
        ended=outcome.ended,
        cell_durations=durations,
        status=outcome.status,
        message=outcome.message,
        imported_modules=imported_top_level_modules(model),
    )
    executed.setdefault("metadata", {}).setdefault("nb2prod", {})["run"] = provenance
    prepared.output_path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nbformat.from_dict(executed))  # type: ignore[no-untyped-call]
    atomic_write_text(prepared.output_path, text + "\n")
    return RunResult(
        input=result.input,
        output=str(prepared.output_path),
        status=result.status,
        parameters=result.parameters,
        message=result.message,
        seconds=result.seconds,
        kernel_note=result.kernel_note,
    )


def run_notebook(
    input_path: Path, output_path: Path, parameters: Mapping[str, Any], options: RunOptions
) -> RunResult:
    """Validate, execute and write one run (bad input raises; a failing notebook is a result)."""
    return run_prepared(prepare_run(input_path, output_path, parameters, options))

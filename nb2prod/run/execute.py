"""Execute one notebook through papermill in a fresh kernel; every failure becomes an outcome, never a raise."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from nb2prod.run.environment import INLINE_BACKEND, RunEnvironment

__all__ = [
    "ExecutionOutcome",
    "ExecutionRequest",
    "ExecutionStatus",
    "execute_notebook",
    "is_process_alive",
]

ExecutionStatus = Literal[
    "completed", "errored", "timeout", "kernel-died", "missing-kernel", "failed"
]

RAISES_EXCEPTION_TAG = "raises-exception"
_START_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """Everything a worker needs to run one notebook: plain data, so it pickles to processes and Dask."""

    path: Path
    document: Mapping[str, Any]
    environment: RunEnvironment
    parameters: Mapping[str, Any] = field(default_factory=dict)
    kernel_name: str | None = None
    timeout: float | None = None
    startup_timeout: float = 60.0
    folder: Path | None = None
    matplotlib_backend: str = INLINE_BACKEND


@dataclass(frozen=True, slots=True)
class ExecutionOutcome:
    """What happened: the executed document (partial after a timeout or crash) and a status."""

    status: ExecutionStatus
    document: Mapping[str, Any] | None
    message: str | None = None
    cell_index: int | None = None
    kernel_name: str | None = None
    kernel_note: str | None = None
    kernel_pid: int | None = None
    started: str = ""
    ended: str = ""
    seconds: float = 0.0

    @property
    def is_success(self) -> bool:
        return self.status == "completed"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def is_process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    proc = Path("/proc")
    if proc.is_dir():
        try:
            text = (proc / str(pid) / "status").read_text()
        except OSError:
            return False
        return "\nState:\tZ" not in text
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started_cell(notebook: Any) -> int | None:
    """The index of the last cell papermill started (the one running when the run stopped)."""
    last = None
    for index, cell in enumerate(notebook.cells):
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            last = index
    return last


def _first_unexpected_error(notebook: Any) -> tuple[int, str] | None:
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        if RAISES_EXCEPTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            name, value = output.get("ename", ""), str(output.get("evalue", ""))
            if name == "SystemExit" and value in ("", "0"):
                continue
            return index, f"{name}: {value}" if value else name
    return None


def _stderr_tail(handle: Any) -> str:
    try:
        handle.flush()
        handle.seek(0)
        lines = handle.read().decode("utf-8", "replace").splitlines()
    except (OSError, ValueError):
        return ""
    kept = [line for line in lines if line.strip() and "without encryption" not in line]
    return " | ".join(kept[-3:])[:400]


def _prepare(request: ExecutionRequest, kernel_name: str, language: str) -> Any:
    from nb2prod.jupyter_imports import without_unused_format_checkers

    with without_unused_format_checkers():
        import nbformat
        from papermill.execute import prepare_notebook_metadata, remove_error_markers
        from papermill.parameterize import parameterize_notebook

    # reads() joins multi-line strings (sources saved as lists of lines), as nbclient expects.
    notebook = nbformat.reads(json.dumps(request.document), as_version=4)  # type: ignore[no-untyped-call]
    notebook.metadata.setdefault(
        "papermill", {"default_parameters": {}, "parameters": {}, "environment_variables": {}}
    )
    for cell in notebook.cells:
        cell.setdefault("metadata", {}).setdefault("tags", [])
    if request.parameters:
        notebook = parameterize_notebook(
            notebook,
            dict(request.parameters),
            report_mode=False,
            kernel_name=kernel_name,
            language=language,
        )
    notebook = prepare_notebook_metadata(notebook, str(request.path), None)
    return remove_error_markers(notebook)


def execute_notebook(request: ExecutionRequest) -> ExecutionOutcome:
    """Run ``request`` top to bottom in a new kernel that is always shut down (killed if need be)."""
    from nb2prod.run.kernels import MissingKernelError, choose_kernel

    started, clock = _now(), time.perf_counter()
    try:
        choice = choose_kernel(request.kernel_name, request.document.get("metadata", {}) or {})
    except MissingKernelError as error:
        return ExecutionOutcome(
            "missing-kernel", None, error.message, started=started, ended=_now()
        )
    try:
        notebook = _prepare(request, choice.name, choice.language)
    except Exception as error:  # a broken document is this notebook's verdict, not a crash
        return ExecutionOutcome(
            "failed", None, f"cannot prepare the notebook: {error}", started=started, ended=_now()
        )

    for attempt in range(_START_ATTEMPTS):
        status, message, cell_index, pid = _run_kernel(
            request, notebook, choice.name, choice.is_ipykernel
        )
        # jupyter_client picks free TCP ports before the kernel binds them, so kernels started at the
        # same moment by parallel workers can collide; such a start failure is retried, nothing ran.
        if (
            status != "kernel-died"
            or _started_cell(notebook) is not None
            or attempt == _START_ATTEMPTS - 1
        ):
            break
        notebook = _prepare(request, choice.name, choice.language)
    if status == "completed":
        found = _first_unexpected_error(notebook)
        if found is not None:
            status, (cell_index, message) = "errored", found
    return ExecutionOutcome(
        status=status,
        document=notebook,
        message=message,
        cell_index=cell_index,
        kernel_name=choice.name,
        kernel_note=choice.note,
        kernel_pid=pid,
        started=started,
        ended=_now(),
        seconds=round(time.perf_counter() - clock, 3),
    )


def _run_kernel(
    request: ExecutionRequest, notebook: Any, kernel_name: str, is_ipykernel: bool
) -> tuple[ExecutionStatus, str | None, int | None, int | None]:
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.engines import papermill_engines

    from nb2prod.run.kernels import kernel_manager_class, stop_process_group

    # nbclient logs timeouts and kernel deaths itself; we report them as verdicts instead.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    manager = kernel_manager_class()(kernel_name=kernel_name)
    manager.launch_environment = dict(request.environment.variables)
    manager.launch_folder = str(request.folder or request.path.parent)
    extra_arguments = []
    if request.environment.startup_code and is_ipykernel:
        extra_arguments.append(f"--IPKernelApp.exec_lines={request.environment.startup_code}")
    status: ExecutionStatus = "completed"
    message: str | None = None
    cell_index: int | None = None
    with tempfile.TemporaryFile() as stderr_file:
        manager.launch_stderr = stderr_file
        try:
            papermill_engines.execute_notebook_with_engine(
                None,
                notebook,
                kernel_name=kernel_name,
                input_path=str(request.path),
                output_path=None,
                progress_bar=False,
                log_output=False,
                start_timeout=request.startup_timeout,
                execution_timeout=request.timeout,
                km=manager,
                extra_arguments=extra_arguments,
                shutdown_kernel="immediate",
            )
        except CellTimeoutError:
            status, cell_index = "timeout", _started_cell(notebook)
            where = f"cell {cell_index + 1}" if cell_index is not None else "a cell"
            message = f"{where} ran longer than the {request.timeout:g} s timeout; kernel stopped"
        except DeadKernelError as error:
            status, cell_index = "kernel-died", _started_cell(notebook)
            tail = _stderr_tail(stderr_file)
            where = f" while running cell {cell_index + 1}" if cell_index is not None else ""
            message = f"the kernel died{where}" + (
                f": {tail}" if tail else f" ({str(error).splitlines()[0][:120]})"
            )
        except NoSuchKernel:
            status, message = "missing-kernel", f"no kernel named {kernel_name!r} is installed"
        except (RuntimeError, TimeoutError) as error:
            tail = _stderr_tail(stderr_file)
            status = "kernel-died"
            message = (
                f"the kernel failed to start or stopped: {str(error).splitlines()[0][:200]}"
                + (f" ({tail})" if tail else "")
            )
        except Exception as error:  # any engine failure is this notebook's verdict
            status, cell_index = "failed", _started_cell(notebook)
            message = (
                f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
            )
        finally:
            pid = getattr(manager, "kernel_pid", None)
            try:
                if manager.has_kernel:
                    run_sync(manager.shutdown_kernel)(now=True)
            except Exception:  # fall through to killing the process group
                pass
            if pid is not None and is_process_alive(pid):
                stop_process_group(pid)
    return status, message, cell_index, pid

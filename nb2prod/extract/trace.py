"""``--trace``: run the notebook once (nbclient, on a temporary copy) and record, at each step's boundaries,
the runtime types and small value summaries of the step's parameters and returns.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nb2prod.extract.chunks import Chunk
from nb2prod.extract.model import Plan, PreparedCell, Problem
from nb2prod.extract.types import ANY, annotation_for_runtime_type, import_aliases

__all__ = ["TraceResult", "trace_notebook"]

_RECORDER = """
def __nb2prod_summary__(value):
    import hashlib
    kind = type(value)
    summary = {"module": kind.__module__, "type": kind.__qualname__}
    if value is None or isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 200):
        if not (isinstance(value, float) and value != value):
            summary.update(kind="scalar", value=value)
        return summary
    if kind.__module__ == "numpy" and kind.__name__ == "ndarray":
        summary.update(kind="ndarray", shape=list(value.shape), dtype=str(value.dtype))
        if value.size <= 100000:
            summary["hash"] = hashlib.sha256(value.tobytes()).hexdigest()[:16]
        return summary
    if kind.__module__.startswith("pandas") and kind.__name__ in ("DataFrame", "Series"):
        summary.update(kind=kind.__name__.lower(), shape=list(value.shape))
        if kind.__name__ == "DataFrame" and len(value.columns) <= 50:
            summary["columns"] = [str(column) for column in value.columns]
        if kind.__name__ == "Series":
            summary["dtype"] = str(value.dtype)
        return summary
    if isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) <= 100000:
        summary.update(kind="sized", length=len(value))
    return summary


def __nb2prod_record__(step, names):
    import json
    found = {}
    namespace = globals()
    for name in names:
        if name.split(":")[-1] in namespace:
            try:
                found[name] = __nb2prod_summary__(namespace[name.split(":")[-1]])
            except Exception:
                pass
    with open(__NB2PROD_TRACE_FILE__, "a") as handle:
        handle.write(json.dumps({"step": step, "values": found}, default=str) + "\\n")
"""


@dataclass
class TraceResult:
    """Recorded summaries by step name, then by ``name`` (parameters) or ``return:name``."""

    values: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def annotations(
        self, plan: Plan, cells: Mapping[int, PreparedCell], chunks: Mapping[int, tuple[Chunk, ...]]
    ) -> dict[str, dict[str, str]]:
        """Annotations from the recorded runtime types, where they say more than ``Any``."""
        statements = [
            statement
            for number in sorted(chunks)
            for chunk in chunks[number]
            if chunk.kind == "import" and (chunk.cell, chunk.index) in plan.hoisted_statements
            for statement in chunk.statements
        ]
        aliases = import_aliases(statements)
        found: dict[str, dict[str, str]] = {}
        for step, values in self.values.items():
            for name, summary in values.items():
                annotation = annotation_for_runtime_type(
                    str(summary.get("module")), str(summary.get("type")), aliases
                )
                # A value that happened to be an int is typed float: static types (mypy's view of
                # statistics.mean, numpy scalars...) are often float where this run saw an int.
                annotation = "float" if annotation == "int" else annotation
                if annotation != ANY:
                    found.setdefault(step, {})[name] = annotation
        return found


def _new_code_cell(nbformat: Any, source: str) -> Any:
    return nbformat.v4.new_code_cell(source)


def trace_notebook(
    notebook_path: Path,
    plan: Plan,
    cells: Mapping[int, PreparedCell],
    chunks: Mapping[int, tuple[Chunk, ...]],
    *,
    timeout: float = 600.0,
) -> TraceResult:
    """Execute a copy of the notebook with recording cells at step boundaries; never touches the original."""
    result = TraceResult()
    from nb2prod.jupyter_imports import without_unused_format_checkers

    try:
        with without_unused_format_checkers():
            import nbclient
            import nbformat
    except ImportError as error:  # pragma: no cover - both are dependencies of nb2prod
        result.problems.append(
            Problem(f"--trace needs nbclient and nbformat: {error}", None, "error")
        )
        return result
    document = nbformat.read(str(notebook_path), as_version=4)  # type: ignore[no-untyped-call]
    with tempfile.TemporaryDirectory(prefix="nb2prod-trace-") as temporary:
        trace_file = Path(temporary) / "trace.jsonl"
        first_of = {step.cells[0]: step for step in plan.steps}
        last_of = {step.cells[-1]: step for step in plan.steps}
        new_cells = [
            _new_code_cell(nbformat, f"__NB2PROD_TRACE_FILE__ = {str(trace_file)!r}\n{_RECORDER}")
        ]
        for index, cell in enumerate(document.cells, start=1):
            if index in first_of and first_of[index].parameters:
                step = first_of[index]
                new_cells.append(
                    _new_code_cell(
                        nbformat, f"__nb2prod_record__({step.name!r}, {list(step.parameters)!r})"
                    )
                )
            new_cells.append(cell)
            if index in last_of:
                step = last_of[index]
                returned = [*step.returns, *((step.result,) if step.result else ())]
                if returned:
                    names = [f"return:{name}" for name in returned]
                    new_cells.append(
                        _new_code_cell(nbformat, f"__nb2prod_record__({step.name!r}, {names!r})")
                    )
        document.cells = new_cells
        client = nbclient.NotebookClient(
            document,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(notebook_path.parent.resolve())}},
        )
        try:
            client.execute()
        except Exception as error:
            message = str(error).strip().splitlines()
            result.problems.append(
                Problem(
                    f"--trace: the notebook failed while running: {message[-1][:160] if message else type(error).__name__}"
                )
            )
        if trace_file.exists():
            for line in trace_file.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                result.values.setdefault(record["step"], {}).update(record["values"])
    return result

"""Adapters from the server to the features written elsewhere (graph, extract, pin, repro).

Each adapter imports its feature on first use, calls its public function, and returns plain JSON data
with paths relative to the server root. A feature missing from this build answers "not available"
(HTTP 501) rather than failing.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "FEATURES",
    "FeatureUnavailable",
    "PathOutsideRootError",
    "extract_preview",
    "extract_write",
    "feature_function",
    "feature_status",
    "pin",
    "repro",
]


class FeatureUnavailable(RuntimeError):
    """The module or function a route needs is not installed in this build of nb2prod."""


class PathOutsideRootError(ValueError):
    """A feature would write outside the server root (a configured pin file elsewhere, say)."""


# Route feature -> (module, public function) it calls.
FEATURES: dict[str, tuple[str, str]] = {
    "graph": ("nb2prod.analysis.graph", "notebook_graph"),
    "extract": ("nb2prod.extract", "extract_notebook"),
    "pin": ("nb2prod.pin", "pin_notebooks"),
    "repro": ("nb2prod.run.repro", "repro_notebook"),
}


def feature_function(feature: str) -> Callable[..., Any]:
    """The public function behind ``feature``, or :class:`FeatureUnavailable`."""
    module_name, function_name = FEATURES[feature]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise FeatureUnavailable(f"{feature} is not available in this nb2prod ({error})") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise FeatureUnavailable(
            f"{feature} is not available in this nb2prod ({module_name}.{function_name} is missing)"
        )
    return function  # type: ignore[no-any-return]


def feature_status() -> dict[str, bool]:
    """Which features this server can serve, for the panel to enable its buttons."""
    status: dict[str, bool] = {}
    for feature in FEATURES:
        try:
            feature_function(feature)
        except FeatureUnavailable:
            status[feature] = False
        else:
            status[feature] = True
    return status


def _relative(path: Path | str, root: Path) -> str:
    """``path`` relative to the server root, as the panel shows it."""
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def _inside(path: Path, root: Path) -> bool:
    resolved = path.resolve()
    return resolved == root or root in resolved.parents


def default_extract_folder(notebook: Path) -> Path:
    """Where the panel writes an extracted package: ``<notebook stem>_extracted`` beside it."""
    return notebook.parent / f"{notebook.stem.replace('-', '_').replace(' ', '_')}_extracted"


def _extract(notebook: Path, output: Path) -> Any:
    extract_notebook = feature_function("extract")
    from nb2prod.extract import ExtractOptions

    return extract_notebook(notebook, ExtractOptions(output=output))


def extract_preview(notebook: Path, root: Path, output: Path | None = None) -> dict[str, Any]:
    """The files ``nb2prod extract`` would write for ``notebook``; nothing is written."""
    folder = output or default_extract_folder(notebook)
    result = _extract(notebook, folder)
    return {
        "notebook": _relative(notebook, root),
        "module_name": result.module_name,
        "output": _relative(folder, root),
        "files": [
            {
                "path": generated.relative_path,
                "exists": (folder / generated.relative_path).exists(),
                "text": generated.text,
            }
            for generated in result.files
        ],
        "problems": [problem.render() for problem in result.problems],
        "steps": len(getattr(result.plan, "steps", ())),
        "tests": result.test_count,
        "tests_to_fill_in": result.needs_user_count,
        "seconds": round(result.seconds, 3),
    }


def extract_write(
    notebook: Path, root: Path, output: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Extract ``notebook`` and write the package (never over existing files unless ``force``)."""
    from nb2prod.extract.writer import write_files

    folder = output or default_extract_folder(notebook)
    result = _extract(notebook, folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = write_files(folder, result.files, force=force, protected=(notebook,))
    return {
        "notebook": _relative(notebook, root),
        "module_name": result.module_name,
        "output": _relative(folder, root),
        "written": [_relative(path, root) for path in written],
        "problems": [problem.render() for problem in result.problems],
    }


def pin(notebook: Path, root: Path, write: bool = False) -> dict[str, Any]:
    """Imports -> distributions -> versions for ``notebook``, and the requirements file; writes when asked."""
    pin_notebooks = feature_function("pin")
    from nb2prod.config import load_settings

    settings = load_settings([notebook])
    requirements = notebook.parent / "requirements.txt"
    if settings.pin_file:
        configured = Path(settings.pin_file).expanduser()
        requirements = (
            configured
            if configured.is_absolute()
            else (settings.project_root or notebook.parent) / configured
        )
    if write and not _inside(requirements, root):
        raise PathOutsideRootError(f"the pin file {requirements} is outside the server root")
    outcome = pin_notebooks(
        [notebook], requirements=requirements, dry_run=not write, settings=settings
    )
    rows = [
        {
            "import": item.module,
            "cell": item.cell,
            "status": item.status,
            "distribution": item.distribution,
            "version": item.version,
        }
        for plan in outcome.plan.notebooks
        for item in plan.outcomes
    ]
    return {
        "notebook": _relative(notebook, root),
        "requirements": _relative(requirements, root),
        "imports": rows,
        "pins": [
            entry.requirement
            for entry in sorted(outcome.plan.entries.values(), key=lambda entry: entry.name)
        ],
        "problems": [problem.message for problem in outcome.plan.problems],
        # the diff names files by absolute path: show them relative to the root, as everywhere else
        "diff": "".join(change.diff() for change in outcome.changes if change.changed).replace(
            f"{root}/", ""
        ),
        "written": [_relative(path, root) for path in outcome.written],
    }


def repro(
    notebook: Path, root: Path, report: Callable[[dict[str, Any]], None], cancel: threading.Event
) -> dict[str, Any]:
    """Run a copy of ``notebook`` in a fresh kernel and judge each cell; ``report`` gets progress.

    ``repro_notebook`` reports no per-cell progress and cannot be interrupted, so progress is per
    phase, and a cancelled job's result is dropped when the run ends.
    """
    repro_notebook = feature_function("repro")
    from nb2prod.run.repro import ReproOptions

    report({"phase": "running", "message": "running a copy top to bottom in a fresh kernel"})
    verdict = repro_notebook(notebook, ReproOptions())
    if cancel.is_set():
        from nb2prod.server.jobs import JobCancelled

        raise JobCancelled()
    data: dict[str, Any] = verdict.to_dict()
    data["path"] = _relative(notebook, root)
    report(
        {"phase": "done", "cell": len(data.get("cells", [])), "total": len(data.get("cells", []))}
    )
    return data

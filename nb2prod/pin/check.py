"""``nb2prod pin --check``: the notebooks' imports, their pins and the kernel's environment compared, as
NB5 diagnostics (the comparison is :func:`nb2prod.rules.environment.environment_findings`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nb2prod.analysis.imports import NotebookNeeds
from nb2prod.analysis.pins import (
    PinSet,
    PinSource,
    pins_from_metadata,
    pins_from_pep723,
    read_requirements_file,
)
from nb2prod.diagnostics import Diagnostic
from nb2prod.notebook import Notebook
from nb2prod.pin.resolve import probe_notebooks
from nb2prod.rules.environment import environment_findings

__all__ = ["CheckResult", "compare_pins"]


@dataclass(frozen=True)
class CheckResult:
    diagnostics: tuple[Diagnostic, ...]
    paths: tuple[str, ...]
    notes: tuple[str, ...] = ()
    interpreters: tuple[str, ...] = ()

    @property
    def has_drift(self) -> bool:
        return any(diagnostic.code == "NB502" for diagnostic in self.diagnostics)


def compare_pins(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]],
    *,
    requirements: Path | None,
    embedded: Sequence[PinSource] = (),
    python: str | None = None,
) -> CheckResult:
    """Check ``notebooks`` against the requirements file and/or the pins embedded in each notebook.

    Pin files are all read before any environment is probed, so a broken one fails fast.
    """
    shared = read_requirements_file(requirements) if requirements is not None else None
    embedded_sets: list[list[PinSet]] = []
    for notebook, _ in notebooks:
        sets = []
        for kind in embedded:
            sets.append(
                pins_from_pep723(notebook) if kind == "pep723" else pins_from_metadata(notebook)
            )
        embedded_sets.append(sets)
    diagnostics: list[Diagnostic] = []
    notes: list[str] = []
    groups: dict[str, list[tuple[Notebook, NotebookNeeds]]] = {}
    snapshots = {}
    probed = probe_notebooks(notebooks, python)
    for (notebook, needs), sets, (interpreter, snapshot) in zip(
        notebooks, embedded_sets, probed, strict=True
    ):
        if interpreter.warning:
            notes.append(f"{notebook.display_path}: {interpreter.warning}")
        snapshots[interpreter.path] = snapshot
        groups.setdefault(interpreter.path, []).append((notebook, needs))
        for pins in sets:
            diagnostics.extend(
                environment_findings([(notebook, needs)], pins, snapshot, scope="all")
            )
    if shared is not None:
        for interpreter_path, members in groups.items():
            others = [
                item for path, group in groups.items() if path != interpreter_path for item in group
            ]
            found = environment_findings(
                members, shared, snapshots[interpreter_path], scope="all", also_needed_by=others
            )
            diagnostics.extend(found)
    unique = {(d.path, d.code, d.message, d.span): d for d in diagnostics}
    ordered = sorted(unique.values(), key=lambda diagnostic: diagnostic.sort_key)
    paths = [notebook.display_path for notebook, _ in notebooks]
    if shared is not None:
        paths.append(str(requirements))
    return CheckResult(tuple(ordered), tuple(paths), tuple(notes), tuple(groups))

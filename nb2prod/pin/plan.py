"""From imports to pins: each notebook's imports resolved in its kernel's environment, merged into one
set of pins, and every import that could not be pinned reported (never guessed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from nb2prod.analysis.environment import EnvironmentSnapshot, local_module_names, resolve_module
from nb2prod.analysis.imports import NotebookNeeds
from nb2prod.notebook import Notebook
from nb2prod.pin.resolve import Interpreter, probe_notebooks

__all__ = ["NotebookPlan", "PinEntry", "PinPlan", "Problem", "plan_pins"]


@dataclass(frozen=True)
class PinEntry:
    """One distribution to pin: ``version`` is the installed one (``None`` if not installed, when
    ``specifier`` carries what the notebook's install line asked for)."""

    name: str
    display_name: str
    version: str | None
    specifier: str = ""
    sources: tuple[str, ...] = ()  # notebook paths

    @property
    def requirement(self) -> str:
        if self.version is not None:
            return f"{self.name}=={self.version}"
        return f"{self.name}{self.specifier}"


@dataclass(frozen=True)
class Problem:
    """An import or install line that could not be pinned as asked; 1-based cell position."""

    path: str
    cell: int
    line: int
    column: int
    kind: str  # not-installed, unknown, ambiguous, unresolved, install-mismatch, install-skipped, conflict
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "cell": self.cell,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "message": self.message,
        }

    def render(self) -> str:
        where = (
            f"{self.path}:cell {self.cell}:{self.line}:{self.column}" if self.cell else self.path
        )
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportOutcome:
    module: str
    cell: int
    line: int
    status: str
    distribution: str | None = None
    version: str | None = None


@dataclass
class NotebookPlan:
    notebook: Notebook
    needs: NotebookNeeds
    interpreter: Interpreter
    snapshot: EnvironmentSnapshot
    entries: dict[str, PinEntry] = field(default_factory=dict)
    outcomes: list[ImportOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.notebook.display_path


@dataclass
class PinPlan:
    notebooks: list[NotebookPlan]
    entries: dict[str, PinEntry]
    problems: list[Problem]
    notes: list[str]

    @property
    def snapshot(self) -> EnvironmentSnapshot:
        return self.notebooks[0].snapshot

    def entries_for(self, notebook: Notebook) -> list[PinEntry]:
        for plan in self.notebooks:
            if plan.notebook is notebook:
                return sorted(plan.entries.values(), key=lambda entry: entry.name)
        return []


def _add(entries: dict[str, PinEntry], entry: PinEntry) -> None:
    existing = entries.get(entry.name)
    if existing is None:
        entries[entry.name] = entry
        return
    sources = tuple(dict.fromkeys((*existing.sources, *entry.sources)))
    if existing.version is None and entry.version is not None:
        entries[entry.name] = replace(entry, sources=sources)
    else:
        entries[entry.name] = replace(existing, sources=sources)


def _plan_notebook(
    notebook: Notebook,
    needs: NotebookNeeds,
    interpreter: Interpreter,
    snapshot: EnvironmentSnapshot,
    preferred: frozenset[str],
) -> NotebookPlan:
    plan = NotebookPlan(notebook, needs, interpreter, snapshot)
    path = notebook.display_path
    local = local_module_names(notebook.path)
    installs = {install.name for install in needs.installs}
    seen: set[str] = set()
    where = interpreter.path
    for need in needs.imports:
        resolution = resolve_module(need.module, snapshot, local)
        key = need.module if resolution.status == "ambiguous" else need.top
        if key in seen:
            continue
        seen.add(key)
        status = resolution.status
        outcome = ImportOutcome(
            need.module, need.cell, need.line, status, resolution.distribution, resolution.version
        )
        problem_at = (path, need.cell, need.line, need.column)
        if status in ("stdlib", "local"):
            plan.outcomes.append(outcome)
            continue
        if status == "installed" and resolution.distribution is not None:
            _add(
                plan.entries,
                PinEntry(
                    resolution.distribution,
                    _display(snapshot, resolution.distribution),
                    resolution.version,
                    sources=(path,),
                ),
            )
        elif status == "ambiguous":
            chosen = [
                name for name in resolution.distributions if name in installs or name in preferred
            ]
            if len(chosen) == 1:
                name = chosen[0]
                outcome = replace(
                    outcome,
                    status="installed",
                    distribution=name,
                    version=snapshot.version_of(name),
                )
                _add(
                    plan.entries,
                    PinEntry(
                        name, _display(snapshot, name), snapshot.version_of(name), sources=(path,)
                    ),
                )
            else:
                plan.problems.append(
                    Problem(
                        *problem_at,
                        "ambiguous",
                        (
                            f"`{need.module}` is provided by several distributions ({', '.join(resolution.distributions)}): "
                            "not pinned; pin the one you mean with `%pip install NAME` in the notebook or by hand"
                        ),
                    )
                )
        elif status == "unresolved":
            plan.problems.append(
                Problem(
                    *problem_at,
                    "unresolved",
                    (
                        f"`{need.top}` is importable in {where} but no installed distribution provides it: not pinned"
                    ),
                )
            )
        elif need.is_optional:
            outcome = replace(outcome, status="optional")
        elif resolution.distribution is not None:
            _add(
                plan.entries,
                PinEntry(resolution.distribution, resolution.distribution, None, sources=(path,)),
            )
            plan.problems.append(
                Problem(
                    *problem_at,
                    "not-installed",
                    (
                        f"`{need.top}` is not installed in {where}: pinned as {resolution.distribution} without a version"
                    ),
                )
            )
        else:
            plan.problems.append(
                Problem(
                    *problem_at,
                    "unknown",
                    (
                        f"`{need.top}` is not installed in {where} and no distribution is known for it: not pinned"
                    ),
                )
            )
        plan.outcomes.append(outcome)
    for install in needs.installs:
        version = snapshot.version_of(install.name)
        display = _display(snapshot, install.name)
        if version is None:
            _add(
                plan.entries, PinEntry(install.name, install.name, None, install.specifier, (path,))
            )
            plan.problems.append(
                Problem(
                    path,
                    install.cell,
                    install.line,
                    install.column,
                    "not-installed",
                    (
                        f"`{install.requirement}` (install line) is not installed in {where}: pinned as {install.name}{install.specifier}"
                    ),
                )
            )
            continue
        _add(plan.entries, PinEntry(install.name, display, version, sources=(path,)))
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            allowed = SpecifierSet(install.specifier).contains(Version(version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            allowed = True
        if not allowed:
            plan.problems.append(
                Problem(
                    path,
                    install.cell,
                    install.line,
                    install.column,
                    "install-mismatch",
                    (
                        f"the install line asks for `{install.requirement}` but {where} has {display} {version}: pinned {version}"
                    ),
                )
            )
    for skipped in needs.skipped:
        plan.problems.append(
            Problem(
                path,
                skipped.cell,
                skipped.line,
                1,
                "install-skipped",
                (f"install argument `{skipped.argument}` is not pinned: {skipped.reason}"),
            )
        )
    return plan


def _display(snapshot: EnvironmentSnapshot, key: str) -> str:
    found = snapshot.distributions.get(key)
    return found.name if found is not None else key


def plan_pins(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]],
    *,
    python: str | None = None,
    preferred: Iterable[str] = (),
    notes: Iterable[str] = (),
) -> PinPlan:
    """Resolve every notebook's imports in its kernel's environment and merge them into one plan.

    ``preferred`` are distributions already pinned: they settle an ambiguous import. The same
    distribution found at two versions (two kernels) is a ``conflict`` problem; the first wins.
    """
    preferred_names = frozenset(preferred)
    plans: list[NotebookPlan] = []
    merged: dict[str, PinEntry] = {}
    problems: list[Problem] = []
    all_notes = list(notes)
    for (notebook, needs), (interpreter, snapshot) in zip(
        notebooks, probe_notebooks(notebooks, python), strict=True
    ):
        if interpreter.warning:
            all_notes.append(f"{notebook.display_path}: {interpreter.warning}")
        plan = _plan_notebook(notebook, needs, interpreter, snapshot, preferred_names)
        plans.append(plan)
        problems.extend(plan.problems)
        for entry in plan.entries.values():
            existing = merged.get(entry.name)
            if (
                existing is not None
                and existing.version
                and entry.version
                and existing.version != entry.version
            ):
                problems.append(
                    Problem(
                        plan.path,
                        0,
                        0,
                        0,
                        "conflict",
                        (
                            f"{entry.name} is {entry.version} in {plan.interpreter.path} but {existing.version} for "
                            f"{', '.join(existing.sources)}: pinned {existing.version}"
                        ),
                    )
                )
            _add(merged, entry)
    return PinPlan(plans, dict(sorted(merged.items())), problems, all_notes)


def relative_sources(entry: PinEntry, base: Path) -> tuple[str, ...]:
    """The entry's notebooks as paths relative to ``base`` (posix), for ``# from:`` comments."""
    import os

    names: list[str] = []
    for source in entry.sources:
        try:
            names.append(Path(os.path.relpath(Path(source).resolve(), base.resolve())).as_posix())
        except ValueError:
            names.append(Path(source).resolve().as_posix())
    return tuple(dict.fromkeys(names))

"""The two jobs of ``nb2prod pin``, as library functions the CLI and the server call.

:func:`pin_notebooks` computes every file it will change before it writes any (so bad input leaves
nothing half-written), then writes each atomically, or only reports the changes (``dry_run``).
:func:`check_notebooks` compares without writing.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nb2prod.analysis.pins import PinSet, PinSource, read_requirements_file
from nb2prod.config import Settings, load_settings
from nb2prod.errors import Nb2prodError, NotebookReadError, UsageError
from nb2prod.fs import atomic_write_text
from nb2prod.pin.check import CheckResult, compare_pins
from nb2prod.pin.imports import load_notebooks
from nb2prod.pin.plan import PinEntry, PinPlan, plan_pins
from nb2prod.pin.writers import (
    TransitivePin,
    notebook_with_metadata,
    notebook_with_pep723,
    render_requirements,
)

__all__ = [
    "DEFAULT_PIN_FILE",
    "FileChange",
    "PinOutcome",
    "check_notebooks",
    "default_pin_file",
    "pin_notebooks",
]

# Where pins go when nothing else is said: `[tool.nb2prod] pin-file`, else this file in the cwd.
DEFAULT_PIN_FILE = "requirements.txt"


@dataclass(frozen=True)
class FileChange:
    path: Path
    before: str | None
    after: str
    what: str  # "requirements", "pep723", "metadata"

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        before = (self.before or "").splitlines(keepends=True)
        after = self.after.splitlines(keepends=True)
        name = str(self.path)
        lines = difflib.unified_diff(
            before, after, f"a/{name}" if self.before is not None else "/dev/null", f"b/{name}"
        )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )


@dataclass
class PinOutcome:
    plan: PinPlan
    changes: list[FileChange] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    transitive: tuple[TransitivePin, ...] = ()
    dry_run: bool = False

    @property
    def has_problems(self) -> bool:
        return bool(self.plan.problems)


def default_pin_file(paths: Sequence[Path], settings: Settings | None = None) -> Path:
    """``[tool.nb2prod] pin-file`` (relative to its ``pyproject.toml``), else ``requirements.txt`` here."""
    settings = settings if settings is not None else load_settings(paths)
    if settings.pin_file:
        configured = Path(settings.pin_file).expanduser()
        if not configured.is_absolute() and settings.project_root is not None:
            return settings.project_root / configured
        return configured
    return Path(DEFAULT_PIN_FILE)


def _existing_requirements(destination: Path, force: bool) -> tuple[PinSet | None, str | None]:
    if not destination.exists():
        return None, None
    pins = read_requirements_file(destination)
    if not pins.is_generated and not force:
        raise UsageError(
            f"{destination}: exists and was not written by nb2prod; use --force to replace it, or -o to write another file"
        )
    before = destination.read_text(encoding="utf-8-sig")
    return (pins if pins.is_generated else None), before


def pin_notebooks(
    paths: Sequence[Path],
    *,
    requirements: Path | None,
    pep723: bool = False,
    metadata: bool = False,
    python: str | None = None,
    lock: bool = False,
    dry_run: bool = False,
    force: bool = False,
    settings: Settings | None = None,
) -> PinOutcome:
    """Pin the notebooks under ``paths`` into ``requirements`` and/or into each notebook."""
    if lock and requirements is None:
        raise UsageError("--lock writes a requirements file: name one with -o")
    settings = settings if settings is not None else Settings()
    loaded = load_notebooks(
        paths,
        exclude=[*settings.exclude, *settings.extend_exclude],
        respect_gitignore=settings.respect_gitignore,
    )
    existing: PinSet | None = None
    before: str | None = None
    if requirements is not None:
        existing, before = _existing_requirements(requirements, force)
    plan = plan_pins(
        loaded.notebooks,
        python=python,
        preferred=existing.names if existing else (),
        notes=loaded.notes,
    )
    outcome = PinOutcome(plan, dry_run=dry_run)
    entries: list[PinEntry] = list(plan.entries.values())
    if requirements is not None:
        transitive: tuple[TransitivePin, ...] = ()
        if lock:
            from nb2prod.pin.lock import lock_requirements

            locked = lock_requirements(
                entries, plan.snapshot, plan.notebooks[0].interpreter.path, requirements
            )
            locked_names = {entry.name for entry in locked.direct}
            entries = [
                *locked.direct,
                *(entry for entry in entries if entry.name not in locked_names),
            ]
            transitive = locked.transitive
            outcome.transitive = transitive
        text = render_requirements(
            entries,
            requirements,
            existing=existing,
            pinned_notebooks=[notebook.display_path for notebook, _ in loaded.notebooks],
            snapshot=plan.snapshot,
            transitive=transitive,
        )
        outcome.changes.append(FileChange(requirements, before, text, "requirements"))
    for notebook_plan in plan.notebooks:
        notebook = notebook_plan.notebook
        if not (pep723 or metadata) or notebook.path is None:
            continue
        notebook_entries = sorted(notebook_plan.entries.values(), key=lambda entry: entry.name)
        original = _read_text(Path(notebook.path))
        current = original
        if pep723:
            current = notebook_with_pep723(
                current, notebook.path, notebook_entries, notebook_plan.snapshot
            )
        if metadata:
            current = notebook_with_metadata(
                current, notebook.path, notebook_entries, notebook_plan.snapshot
            )
        what = "+".join(
            kind for kind, chosen in (("pep723", pep723), ("metadata", metadata)) if chosen
        )
        outcome.changes.append(FileChange(Path(notebook.path), original, current, what))
    if not dry_run:
        for change in outcome.changes:
            if change.changed:
                try:
                    atomic_write_text(change.path, change.after)
                except OSError as error:
                    raise Nb2prodError(
                        f"cannot write: {error.strerror or error}", change.path
                    ) from None
                outcome.written.append(change.path)
    return outcome


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NotebookReadError(f"cannot read notebook: {error}", path) from None


def check_notebooks(
    paths: Sequence[Path],
    *,
    requirements: Path | None,
    embedded: Sequence[PinSource] = (),
    python: str | None = None,
    settings: Settings | None = None,
) -> CheckResult:
    """Compare the notebooks under ``paths`` with their pins and their kernel's environment."""
    settings = settings if settings is not None else Settings()
    loaded = load_notebooks(
        paths,
        exclude=[*settings.exclude, *settings.extend_exclude],
        respect_gitignore=settings.respect_gitignore,
    )
    result = compare_pins(
        loaded.notebooks, requirements=requirements, embedded=embedded, python=python
    )
    if loaded.notes:
        return CheckResult(
            result.diagnostics, result.paths, (*loaded.notes, *result.notes), result.interpreters
        )
    return result

"""The whole notebook check for CI: lint, pin check and (on request) repro, as one list of findings."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nb2prod.config import Settings, load_settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.errors import UsageError
from nb2prod.fs import DEFAULT_EXCLUDED_DIRS

__all__ = ["CheckReport", "CheckStep", "ReproRequest", "Since", "changed_notebooks", "check"]

StepName = Literal["lint", "pins", "repro"]


@dataclass(frozen=True)
class Since:
    """Check the notebooks changed since a git revision instead of the paths given."""

    revision: str
    # Only changed notebooks under these paths count (empty: the whole repository).
    within: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ReproRequest:
    """How to re-run the notebooks when the check includes repro (see ``nb2prod repro``)."""

    golden_dir: Path | None = None  # compare with sidecar golden outputs (for stripped notebooks)
    timeout: float | None = 600.0  # seconds a cell may run
    kernel_name: str | None = None  # default: each notebook's own kernel
    rtol: float = 1e-5
    atol: float = 1e-8
    jobs: int = 1  # notebooks run at once, one kernel each


@dataclass(frozen=True)
class CheckStep:
    """What one part of the check did: how many notebooks it looked at, how many findings it made."""

    name: StepName
    notebooks: int
    findings: int
    skipped: str | None = None  # why the step did not run, when it did not


@dataclass(frozen=True)
class CheckReport:
    """Every finding of every step, ordered by file and position, for one report."""

    diagnostics: tuple[Diagnostic, ...]
    paths: tuple[str, ...]
    steps: tuple[CheckStep, ...]

    @property
    def has_findings(self) -> bool:
        return bool(self.diagnostics)


def check(
    paths_or_since: Sequence[Path] | Since,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    ruff: bool | None = None,
    pins: bool = True,
    python: str | None = None,
    repro: bool | ReproRequest = False,
    config: Path | None = None,
    jobs: int | None = None,
) -> CheckReport:
    """Lint the notebooks, check their pins and, with ``repro``, re-run them; one report for all.

    ``paths_or_since`` is either files and folders (folders searched like ``nb2prod lint`` does) or
    a :class:`Since`: the notebooks added, modified or renamed since that revision (deleted ones are
    ignored; paths are read and reported relative to the current folder). ``select`` and ``ignore``
    filter every step's findings by code (asking for ``repro`` selects its NB9 codes). ``ruff=None``
    follows the configuration. The pin check compares with the environment of ``python`` (default:
    each notebook's kernel); ``repro`` (``True`` or a :class:`ReproRequest`) executes every
    notebook, in a copy.
    """
    from nb2prod.lint import filter_codes, lint_paths, rules_for

    if isinstance(paths_or_since, Since):
        base_settings = load_settings([Path.cwd()], config)
        targets = _without_excluded(
            changed_notebooks(paths_or_since.revision, within=paths_or_since.within), base_settings
        )
        if not targets:
            reason = f"no notebook changed since {paths_or_since.revision}"
            return CheckReport(
                (),
                (),
                tuple(CheckStep(name, 0, 0, reason) for name in _step_names(pins, bool(repro))),
            )
        settings = load_settings(targets, config)
    else:
        targets = list(paths_or_since) or [Path(".")]
        settings = load_settings(targets, config)
    if ruff is not None:
        settings = settings.with_overrides(ruff=ruff)

    selected = list(select) if select else None
    ignored = list(ignore)
    rules = rules_for(settings, selected, ignored)
    extra = []
    if settings.ruff:
        from nb2prod.lint_ruff import ruff_pass_for

        ruff_pass = ruff_pass_for(selected, ignored)
        if ruff_pass is not None:
            extra.append(ruff_pass)
    run = lint_paths(targets, settings, rules, jobs=jobs, extra=extra)
    files = [Path(path) for path in run.paths]
    found = _Findings()
    steps: list[CheckStep] = [CheckStep("lint", len(files), found.add(run.diagnostics))]

    chosen = [*(selected or settings.select), *settings.extend_select]
    ignored_codes = [*settings.ignore, *ignored]
    if pins:
        pin_found, skipped = _pin_findings(files, settings, python)
        added = found.add(filter_codes(pin_found, chosen, ignored_codes))
        steps.append(CheckStep("pins", 0 if skipped else len(files), added, skipped))
    if repro:
        request = repro if isinstance(repro, ReproRequest) else ReproRequest()
        repro_found, skipped = _repro_findings(files, request)
        added = found.add(filter_codes(repro_found, [*chosen, "NB9"], ignored_codes))
        steps.append(CheckStep("repro", 0 if skipped else len(files), added, skipped))

    ordered = sorted(found.diagnostics, key=lambda diagnostic: diagnostic.sort_key)
    return CheckReport(tuple(ordered), tuple(run.paths), tuple(steps))


class _Findings:
    """Findings without exact repeats: lint reports NB5 itself when a pin file is configured, and so
    does the pin check; a finding counts for the first step that made it."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[object, ...]] = set()

    def add(self, diagnostics: Iterable[Diagnostic]) -> int:
        added = 0
        for diagnostic in diagnostics:
            key = (diagnostic.path, diagnostic.code, diagnostic.span, diagnostic.message)
            if key not in self._seen:
                self._seen.add(key)
                self.diagnostics.append(diagnostic)
                added += 1
        return added


def _step_names(pins: bool, repro: bool) -> list[StepName]:
    names: list[StepName] = ["lint"]
    if pins:
        names.append("pins")
    if repro:
        names.append("repro")
    return names


def _pin_findings(
    files: list[Path], settings: Settings, python: str | None
) -> tuple[list[Diagnostic], str | None]:
    """The NB5 findings of ``nb2prod pin --check`` for ``files``, or why the step could not run.

    Notebooks without pins (no ``pin-file`` configured, no PEP 723 block, no recorded environment)
    give no findings: the check is about drift from pins a project chose to keep.
    """
    if not files:
        return [], "no notebooks"
    from nb2prod.pin import check_pins

    return list(check_pins(files, settings=settings, python=python)), None


def _repro_findings(
    files: list[Path], request: ReproRequest
) -> tuple[list[Diagnostic], str | None]:
    """NB9xx findings for the cells (or notebooks) that do not reproduce their saved outputs."""
    if not files:
        return [], "no notebooks"
    from nb2prod.run.compare import Tolerance
    from nb2prod.run.report import repro_diagnostics
    from nb2prod.run.repro import ReproOptions, repro_paths

    options = ReproOptions(
        kernel_name=request.kernel_name,
        timeout=request.timeout,
        tolerance=Tolerance(rtol=request.rtol, atol=request.atol),
        golden_dir=request.golden_dir,
    )
    readable = [path for path in files if path.is_file()]  # lint already reported the others
    verdicts = repro_paths(readable, options, jobs=request.jobs)
    return repro_diagnostics(verdicts), None


# --- git ---------------------------------------------------------------------------------------


def _git(arguments: Sequence[str], cwd: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", "-c", "core.quotepath=off", *arguments],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("--since needs git, and git is not on PATH") from None
    if completed.returncode != 0:
        raise _GitFailed(
            completed.stderr.strip().splitlines()[-1]
            if completed.stderr.strip()
            else f"git {arguments[0]} failed"
        )
    return completed.stdout


class _GitFailed(Exception):
    pass


def changed_notebooks(
    revision: str, *, within: Sequence[Path] = (), cwd: Path | None = None
) -> list[Path]:
    """Notebooks added, modified or renamed between ``revision`` and the working tree.

    The comparison starts at the merge base of ``revision`` and ``HEAD`` (like ``git diff
    REV...``), so that ``--since origin/main`` on a branch means "what this branch changed" even
    when main has moved on. Uncommitted changes and untracked (not ignored) notebooks count too;
    deleted notebooks do not; a renamed notebook is checked under its new name. Paths come back
    relative to ``cwd`` when they are inside it.
    """
    folder = Path(cwd or Path.cwd())
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    except _GitFailed:
        raise UsageError(f"--since {revision}: {folder} is not inside a git repository") from None
    try:
        _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"],
            folder,
        )
    except _GitFailed:
        raise UsageError(
            f"--since {revision}: unknown git revision (in CI, fetch it first, e.g. actions/checkout with fetch-depth: 0)"
        ) from None
    try:
        base = _git(["merge-base", revision, "HEAD"], folder).strip()
    except _GitFailed:
        raise UsageError(
            f"--since {revision}: no common history with HEAD (a shallow clone? fetch more history, e.g. fetch-depth: 0)"
        ) from None

    changed: list[str] = []
    fields = _git(["diff", "--name-status", "-z", "-M", "--no-ext-diff", base, "--"], top).split(
        "\0"
    )
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index]
        if status[0] in "RC":  # rename/copy: old path, then new path; follow the new one
            changed.append(fields[index + 2])
            index += 3
            continue
        if status[0] != "D":
            changed.append(fields[index + 1])
        index += 2
    changed.extend(
        name
        for name in _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
        if name
    )

    scopes = [Path(folder, scope).resolve() for scope in within]
    notebooks: list[Path] = []
    seen: set[Path] = set()
    for name in changed:
        if not name.endswith(".ipynb"):
            continue
        absolute = (top / name).resolve()
        if absolute in seen or not absolute.is_file():
            continue
        if scopes and not any(absolute == scope or scope in absolute.parents for scope in scopes):
            continue
        seen.add(absolute)
        notebooks.append(_relative_to(absolute, folder.resolve()))
    return sorted(notebooks)


def _relative_to(path: Path, folder: Path) -> Path:
    try:
        return path.relative_to(folder)
    except ValueError:
        relative = os.path.relpath(path, folder)
        return Path(relative) if not relative.startswith(os.pardir + os.sep + os.pardir) else path


def _without_excluded(paths: list[Path], settings: Settings) -> list[Path]:
    """Drop what ``nb2prod lint FOLDER`` would skip: configured excludes, checkpoints, hidden folders."""
    patterns = [*settings.exclude, *settings.extend_exclude]
    kept = []
    for path in paths:
        folders = path.parts[:-1]
        if any(
            part in DEFAULT_EXCLUDED_DIRS or (part.startswith(".") and part not in (".", ".."))
            for part in folders
        ):
            continue
        posix = path.as_posix()
        if any(
            fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(posix, pattern)
            for pattern in patterns
        ):
            continue
        if any(fnmatch.fnmatch(part, pattern) for part in folders for pattern in patterns):
            continue
        kept.append(path)
    return kept

"""NB5 environment: a notebook's imports checked against its pins and an environment.

:func:`environment_findings` is the one comparison, shared by ``nb2prod pin --check`` (which gives it
the kernel's environment, probed in a subprocess) and by these rules inside ``nb2prod lint``. Lint
never starts a process, so the rules compare against the environment of the interpreter that runs
nb2prod, read in-process with ``importlib.metadata``; they run only when ``[tool.nb2prod] pin-file``
names a requirements file (relative to the ``pyproject.toml`` that sets it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from nb2prod.analysis.environment import (
    EnvironmentSnapshot,
    ModuleResolution,
    canonical_name,
    current_environment,
    local_module_names,
    resolve_module,
)
from nb2prod.analysis.imports import ImportNeed, NotebookNeeds, notebook_needs
from nb2prod.analysis.pins import (
    Pin,
    PinFileError,
    PinSet,
    find_pep723_block,
    read_requirements_file,
)
from nb2prod.diagnostics import CellSpan, Diagnostic, Severity
from nb2prod.notebook import Notebook
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "AmbiguousImport",
    "InvalidPinFile",
    "MissingModule",
    "PinMismatch",
    "UnpinnedImport",
    "UnusedPin",
    "environment_findings",
    "marker_environment",
    "pin_file_for",
]

Scope = Literal["notebook", "all"]


class InvalidPinFile(Rule):
    """## What it does
    Reports a pin file, configured with `[tool.nb2prod] pin-file`, that cannot be read or parsed.

    ## Why is this bad?
    The other environment checks (NB501-NB505) compare imports with the pins; without a readable
    pin file they cannot run, and `pip install -r` would fail on the same file.

    ## Example
    A `requirements.txt` holding a line `pandas==` (a specifier without a version).

    Use instead: fix the line (`pandas==2.2.3`), or regenerate the file with `nb2prod pin`.

    ## Options
    - `pin-file`
    """

    code = "NB500"
    name = "invalid-pin-file"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


class UnpinnedImport(Rule):
    """## What it does
    Reports an import of a third-party module whose distribution has no pin: the standard library
    and the project's own modules are never reported.

    ## Why is this bad?
    About 29 % of public notebooks that fail to re-run fail on a missing module. An import that the
    pin file does not name is installed by nobody who sets the notebook up from that file.

    ## Example
    ```python
    import yaml  # with a requirements.txt that does not name pyyaml
    ```

    Use instead: run `nb2prod pin` to add the pin (`pyyaml==6.0.2`), which also maps the import
    name to the right distribution.

    ## Options
    - `pin-file`
    """

    code = "NB501"
    name = "unpinned-import"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


class PinMismatch(Rule):
    """## What it does
    Reports a distribution whose installed version does not satisfy its pin (version drift).

    ## Why is this bad?
    The notebook's saved outputs were produced with the pinned version; with another one it may
    compute something else, or fail, and nobody notices until the results differ.

    ## Example
    `requirements.txt` pins `pyyaml==6.0.1` but the environment has `pyyaml 6.0.2`.

    Use instead: install the pinned version (`pip install -r requirements.txt`), or re-pin with
    `nb2prod pin` if the newer version is the one you want.

    ## Options
    - `pin-file`
    """

    code = "NB502"
    name = "pin-mismatch"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


class MissingModule(Rule):
    """## What it does
    Reports an import of a module that the environment cannot find. Imports inside
    `try: ... except ImportError:` are optional and not reported.

    ## Why is this bad?
    The cell raises `ModuleNotFoundError`, and so does *Restart & Run All*.

    ## Example
    ```python
    import bs4  # beautifulsoup4 is not installed
    ```

    Use instead: install the pinned distribution (`pip install -r requirements.txt`), or pin it
    first with `nb2prod pin`.

    ## Options
    - `pin-file`
    """

    code = "NB503"
    name = "missing-module"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


class UnusedPin(Rule):
    """## What it does
    Reports a pin that no import needs: a pin recorded for this notebook (`# from:` in a file
    written by `nb2prod pin`, or the notebook's own PEP 723 block) that the notebook no longer
    imports, directly or through another pinned distribution.

    ## Why is this bad?
    Stale pins make installs slower and larger, and hold back upgrades for nothing.

    ## Example
    `requirements.txt` pins `six==1.16.0` with `# from: analysis.ipynb`, and `analysis.ipynb` no
    longer imports `six`.

    Use instead: run `nb2prod pin analysis.ipynb` again, which drops the stale pin.

    ## Options
    - `pin-file`
    """

    code = "NB504"
    name = "unused-pin"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


class AmbiguousImport(Rule):
    """## What it does
    Reports an import whose distribution cannot be told: several installed distributions provide
    the module, or the module is importable but no distribution provides it (a path hack, a copied
    file). nb2prod reports it rather than guessing.

    ## Why is this bad?
    A pin for the wrong distribution installs something else, or nothing, elsewhere.

    ## Example
    ```python
    import google  # provided by protobuf, google-auth, google-api-core...
    ```

    Use instead: import the module you use (`from google.cloud import storage`), or pin the
    distribution you mean yourself.

    ## Options
    - `pin-file`
    """

    code = "NB505"
    name = "ambiguous-import"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return _findings_for(context, self.code)


RULES: tuple[type[Rule], ...] = (
    InvalidPinFile,
    UnpinnedImport,
    PinMismatch,
    MissingModule,
    UnusedPin,
    AmbiguousImport,
)
_RULE_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}


def marker_environment(snapshot: EnvironmentSnapshot) -> dict[str, str]:
    """PEP 508 marker variables for ``snapshot``, to tell which pins apply to it."""
    version = snapshot.python_version
    major_minor = ".".join(version.split(".")[:2])
    implementation = snapshot.implementation or "cpython"
    return {
        "python_version": major_minor,
        "python_full_version": version,
        "sys_platform": snapshot.platform,
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}.get(
            snapshot.platform, snapshot.platform
        ),
        "os_name": "nt" if snapshot.platform == "win32" else "posix",
        "platform_machine": snapshot.machine,
        "implementation_name": implementation,
        "platform_python_implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(
            implementation, implementation
        ),
        "implementation_version": version,
        "platform_release": "",
        "platform_version": "",
    }


@dataclass(frozen=True)
class _Finding:
    code: str
    path: str
    span: CellSpan | None
    message: str


def _import_span(need: ImportNeed) -> CellSpan:
    return CellSpan(need.cell, need.line, need.column, need.end_line, need.end_column, need.cell_id)


def _pin_label(pin: Pin, pins: PinSet) -> str:
    where = pins.path.name if pins.path is not None else "the pins"
    if pins.kind == "pep723":
        where = "the notebook's '# /// script' block"
    elif pins.kind == "metadata":
        where = "metadata.nb2prod.environment"
    elif pin.line:
        where = f"{where}:{pin.line}"
    return f"{pin.requirement} ({where})"


def _sources_match(pin: Pin, pins: PinSet, notebook: Notebook) -> bool:
    """Does ``pin``'s ``# from:`` name ``notebook``? (sources are relative to the pin file)."""
    if notebook.path is None:
        return False
    if pins.kind != "requirements":
        return pins.path is not None and Path(pins.path).resolve() == Path(notebook.path).resolve()
    base = pins.path.parent if pins.path is not None else Path.cwd()
    target = Path(notebook.path).resolve()
    return any((base / source).resolve() == target for source in pin.sources)


def environment_findings(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]],
    pins: PinSet,
    snapshot: EnvironmentSnapshot,
    *,
    scope: Scope = "all",
    also_needed_by: Sequence[tuple[Notebook, NotebookNeeds]] = (),
) -> list[Diagnostic]:
    """Compare the notebooks' imports with ``pins`` and ``snapshot``; NB501-NB505 findings.

    ``scope="notebook"`` (lint) judges one notebook alone: a pin is unused only when it is recorded
    for that notebook. ``scope="all"`` (``pin --check``) judges the notebooks as the set the pins
    were made for: a pin recorded for no notebook is unused when none of them needs it.
    ``also_needed_by`` are more notebooks of that set (checked in another environment) whose
    needs keep such pins in use; nothing else is reported for them here.
    """
    markers = marker_environment(snapshot)
    findings: list[_Finding] = []
    needed_by: dict[str, list[tuple[Notebook, ImportNeed | None]]] = {}
    direct_by_notebook: dict[int, set[str]] = {}
    pinned_names = pins.names
    for index, (notebook, needs) in enumerate(notebooks):
        path = notebook.display_path
        local = local_module_names(notebook.path)
        direct: set[str] = set()
        seen_modules: set[str] = set()
        for need in needs.imports:
            resolution = resolve_module(need.module, snapshot, local)
            if resolution.status in ("stdlib", "local"):
                continue
            key = resolution.module if resolution.status == "ambiguous" else need.top
            first_time = key not in seen_modules
            seen_modules.add(key)
            for distribution in (
                resolution.distributions if resolution.status != "ambiguous" else ()
            ):
                direct.add(distribution)
                needed_by.setdefault(distribution, []).append((notebook, need))
            if not first_time:
                continue
            findings.extend(_import_findings(path, need, resolution, pins, snapshot, pinned_names))
        for install in needs.installs:
            direct.add(install.name)
            needed_by.setdefault(install.name, []).append((notebook, None))
        direct_by_notebook[index] = direct
    all_direct = set().union(*direct_by_notebook.values()) if direct_by_notebook else set()
    closure_all = snapshot.closure(all_direct)
    reported_drift: set[str] = set()
    for pin in pins.pins:
        if not pin.applies(markers):
            continue
        installed = snapshot.version_of(pin.name)
        if installed is None or pin.allows(installed):
            continue
        if scope == "notebook" and pin.name not in closure_all:
            continue
        if pin.name in reported_drift:
            continue
        reported_drift.add(pin.name)
        users = needed_by.get(pin.name, [])
        first = next(((notebook, need) for notebook, need in users if need is not None), None)
        message = f"{_pin_label(pin, pins)} but {snapshot_name(snapshot, pin.name)} {installed} is installed"
        if first is not None:
            notebook, need = first
            assert need is not None
            findings.append(
                _Finding(
                    "NB502",
                    notebook.display_path,
                    _import_span(need),
                    f"`{need.top}` is pinned to {message}",
                )
            )
        elif scope == "notebook" and notebooks:
            findings.append(
                _Finding("NB502", notebooks[0][0].display_path, None, f"pinned {message}")
            )
        else:
            findings.append(_Finding("NB502", pins.display_path, None, f"pinned {message}"))
    others = _direct_names(also_needed_by, snapshot)
    findings.extend(_unused_pins(notebooks, pins, snapshot, direct_by_notebook, scope, others))
    return [_to_diagnostic(finding) for finding in findings]


def _direct_names(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]], snapshot: EnvironmentSnapshot
) -> frozenset[str]:
    names: set[str] = set()
    for notebook, needs in notebooks:
        local = local_module_names(notebook.path)
        for need in needs.imports:
            names.update(resolve_module(need.module, snapshot, local).distributions)
        names.update(install.name for install in needs.installs)
    return frozenset(names)


def snapshot_name(snapshot: EnvironmentSnapshot, key: str) -> str:
    found = snapshot.distributions.get(key)
    return found.name if found is not None else key


def _import_findings(
    path: str,
    need: ImportNeed,
    resolution: ModuleResolution,
    pins: PinSet,
    snapshot: EnvironmentSnapshot,
    pinned_names: frozenset[str],
) -> Iterator[_Finding]:
    span = _import_span(need)
    module = need.top if resolution.status != "ambiguous" else resolution.module
    if resolution.status == "ambiguous":
        pinned = [name for name in resolution.distributions if name in pinned_names]
        if not pinned:
            choices = ", ".join(resolution.distributions)
            several = (
                "a namespace that several distributions share"
                if resolution.from_table
                else "provided by several distributions"
            )
            yield _Finding(
                "NB505",
                path,
                span,
                f"`{module}` is {several} ({choices}); pin the one the notebook needs",
            )
        if not snapshot.is_importable(need.top) and not need.is_optional:
            first_pin = pins.get(pinned[0]) if pinned else None
            detail = (
                f"pinned: {first_pin.requirement}"
                if first_pin is not None
                else "several distributions provide it"
            )
            yield _Finding("NB503", path, span, f"`{module}` is not installed ({detail})")
        return
    if resolution.status == "unresolved" and snapshot.is_importable(need.top):
        if canonical_name(need.top) not in pinned_names:
            yield _Finding(
                "NB505",
                path,
                span,
                f"`{module}` is importable but no installed distribution provides it; it cannot be pinned",
            )
        return
    distribution = resolution.distribution
    if distribution is None and canonical_name(need.top) in pinned_names:
        distribution = canonical_name(need.top)
    pin = pins.get(distribution) if distribution is not None else None
    if resolution.status == "not-installed" and not need.is_optional:
        if pin is not None:
            detail = f"pinned: {pin.requirement}"
        elif distribution is not None:
            detail = f"distribution {distribution}, not pinned"
        else:
            detail = "no distribution is known for it"
        yield _Finding("NB503", path, span, f"`{module}` is not installed ({detail})")
        return
    if resolution.status == "not-installed":
        return  # an optional import that is absent is what the `try` is for
    if distribution is not None and pin is None:
        yield _Finding(
            "NB501",
            path,
            span,
            f"`{module}` comes from the distribution {snapshot_name(snapshot, distribution)}, which {pins_name(pins)} does not pin",
        )


def pins_name(pins: PinSet) -> str:
    if pins.kind == "pep723":
        return "the notebook's '# /// script' block"
    if pins.kind == "metadata":
        return "metadata.nb2prod.environment"
    return pins.path.name if pins.path is not None else "the pin file"


def _unused_pins(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]],
    pins: PinSet,
    snapshot: EnvironmentSnapshot,
    direct_by_notebook: Mapping[int, set[str]],
    scope: Scope,
    others: frozenset[str] = frozenset(),
) -> Iterator[_Finding]:
    pinned = [pin.name for pin in pins.pins]
    for index, (notebook, _) in enumerate(notebooks):
        # A pin that another pin of this notebook depends on is needed too.
        needed = snapshot.closure(
            direct_by_notebook[index] & set(pinned) | direct_by_notebook[index]
        )
        for pin in pins.pins:
            if pin.name in needed or not _sources_match(pin, pins, notebook):
                continue
            if pins.kind == "requirements":
                message = (
                    f"{_pin_label(pin, pins)} is recorded for {Path(notebook.display_path).name} (`# from:`) "
                    f"but none of its imports needs {pin.display_name}"
                )
            else:
                message = f"{_pin_label(pin, pins)} is needed by no import of the notebook"
            span: CellSpan | None = None
            if pins.kind == "pep723":
                block = find_pep723_block(notebook)
                if block is not None:
                    cell = notebook.cells[block.cell - 1]
                    span = CellSpan(
                        block.cell,
                        1,
                        1,
                        1,
                        len(cell.source.splitlines()[0]) + 1 if cell.source else 1,
                        cell.cell_id,
                    )
            yield _Finding("NB504", notebook.display_path, span, message)
    if scope != "all" or pins.kind != "requirements":
        return
    everything = snapshot.closure(set().union(others, *direct_by_notebook.values()))
    for pin in pins.pins:
        if pin.sources or pin.via or pin.name in everything:
            continue
        yield _Finding(
            "NB504",
            pins.display_path,
            None,
            f"{_pin_label(pin, pins)} is needed by no import of the notebooks checked",
        )


def _to_diagnostic(finding: _Finding) -> Diagnostic:
    rule = _RULE_BY_CODE[finding.code]
    severity: Severity = rule.severity
    return Diagnostic(
        path=finding.path,
        code=rule.code,
        name=rule.name,
        message=finding.message,
        severity=severity,
        span=finding.span,
    )


def pin_file_for(context: LintContext) -> Path | None:
    """The configured pin file, relative to the ``pyproject.toml`` that names it (else the cwd)."""
    configured = context.settings.pin_file
    if not configured:
        return None
    path = Path(configured).expanduser()
    if not path.is_absolute():
        root = context.settings.project_root
        path = (root / path) if root is not None else Path.cwd() / path
    return path


@lru_cache(maxsize=16)
def _read_pins_cached(path: Path, modified: int, size: int) -> PinSet:
    return read_requirements_file(path)


def _read_pins(path: Path) -> PinSet:
    try:
        status = path.stat()
    except OSError:
        return read_requirements_file(path)  # raises the precise PinFileError
    return _read_pins_cached(path, status.st_mtime_ns, status.st_size)


def _lint_findings(context: LintContext) -> list[Diagnostic]:
    """All NB5 findings for the context's notebook, computed once and shared by the rules."""
    cached = context.__dict__.get("_nb2prod_environment_findings")
    if cached is not None:
        return list(cached)
    findings: list[Diagnostic]
    pin_path = pin_file_for(context)
    if pin_path is None:
        findings = []
    else:
        try:
            pins = _read_pins(pin_path)
        except PinFileError as error:
            configured = context.settings.pin_file or pin_path.name
            shown = configured if not Path(configured).is_absolute() else pin_path.name
            findings = [
                Diagnostic(
                    path=context.path,
                    code=InvalidPinFile.code,
                    name=InvalidPinFile.name,
                    message=f"pin file {shown}: {error.message}",
                    severity=InvalidPinFile.severity,
                    span=None,
                )
            ]
        else:
            needs = notebook_needs(context.notebook)
            snapshot = current_environment(needs.modules)
            findings = environment_findings(
                [(context.notebook, needs)], pins, snapshot, scope="notebook"
            )
    context.__dict__["_nb2prod_environment_findings"] = tuple(findings)
    return findings


def _findings_for(context: LintContext, code: str) -> Iterator[Diagnostic]:
    return iter([finding for finding in _lint_findings(context) if finding.code == code])

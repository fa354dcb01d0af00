"""What a notebook needs installed: its imports (every one, in functions and ``try`` blocks too) and its
``%pip install`` / ``!pip install`` requirements, read statically."""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass

from nb2prod.analysis.facts import cell_facts
from nb2prod.analysis.parse import parse_source, walk_nodes
from nb2prod.magics import IPythonSyntax
from nb2prod.notebook import Notebook

__all__ = [
    "ImportNeed",
    "InstallNeed",
    "NotebookNeeds",
    "SkippedInstall",
    "install_requirements",
    "notebook_needs",
]


@dataclass(frozen=True, slots=True)
class ImportNeed:
    """One absolute import in a code cell; positions are 1-based in the cell."""

    module: str
    cell: int
    cell_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    is_optional: bool = False  # inside `try:` with an `except ImportError` (or broader) handler

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


@dataclass(frozen=True, slots=True)
class InstallNeed:
    """One requirement from an install line: ``%pip install "pandas>=2"`` gives ``pandas>=2``."""

    requirement: str
    name: str
    specifier: str
    cell: int
    cell_id: str | None
    line: int
    column: int
    end_column: int


@dataclass(frozen=True, slots=True)
class SkippedInstall:
    """An install argument that names no pinnable distribution (a path, a URL, a variable)."""

    argument: str
    reason: str
    cell: int
    line: int


@dataclass(frozen=True)
class NotebookNeeds:
    imports: tuple[ImportNeed, ...] = ()
    installs: tuple[InstallNeed, ...] = ()
    skipped: tuple[SkippedInstall, ...] = ()

    @property
    def modules(self) -> tuple[str, ...]:
        """Top-level module names, each once, in the order they are first imported."""
        return tuple(dict.fromkeys(need.top for need in self.imports))


# Installer options that take a value as the next argument (pip and uv pip).
_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--python",
        "-p",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--no-binary",
        "--only-binary",
        "--progress-bar",
        "--src",
        "--upgrade-strategy",
        "--cache-dir",
        "--log",
        "--proxy",
        "--timeout",
        "--retries",
        "--exists-action",
        "--cert",
        "--client-cert",
        "--config-settings",
        "-C",
        "--global-option",
        "--report",
        "--index",
        "--default-index",
        "--extra",
        "--overrides",
        "--build-constraint",
        "--resolution",
        "--prerelease",
        "--python-platform",
        "--exclude-newer",
        "--keyring-provider",
        "--link-mode",
        "--reinstall-package",
        "--upgrade-package",
        "-P",
        "--no-binary-package",
        "--only-binary-package",
    }
)


def _install_words(item: IPythonSyntax) -> list[str] | None:
    """The arguments after ``install`` of a pip/uv install line; ``None`` for conda and others."""
    text = (
        item.arguments
        if item.kind in ("shell", "assigned_shell")
        else f"{item.name} {item.arguments}"
    )
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        words = text.split()
    while words and ("=" in words[0] or words[0] == "sudo"):
        words = words[1:]
    if words[:2] in (["python", "-m"], ["python3", "-m"]) or (
        words[:1] and words[0].endswith(("/python", "/python3")) and words[1:2] == ["-m"]
    ):
        words = words[2:]
    if not words or words[0] not in ("pip", "pip3", "uv"):
        return None
    rest = words[1:]
    if rest[:1] == ["pip"]:
        rest = rest[1:]
    if rest[:1] != ["install"]:
        return None
    return rest[1:]


def install_requirements(
    item: IPythonSyntax,
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Parse one install line into (requirement, canonical name, specifier) and (argument, reason)."""
    from packaging.requirements import InvalidRequirement, Requirement

    from nb2prod.analysis.environment import canonical_name

    words = _install_words(item)
    found: list[tuple[str, str, str]] = []
    skipped: list[tuple[str, str]] = []
    if words is None:
        if item.is_install:
            skipped.append(
                (item.arguments, "conda packages are not pinned (their names differ from PyPI's)")
            )
        return found, skipped
    if "-" in words:
        # `pip install - q - U pkg` (spaces typed into the options) is not a command pip accepts.
        skipped.append((" ".join(words), "not a valid install command"))
        return found, skipped
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        if word.startswith("-"):
            if word in ("-r", "--requirement") and position < len(words):
                skipped.append(
                    (words[position], "requirements files named by install lines are not read")
                )
            if word in ("-e", "--editable") and position < len(words):
                skipped.append(
                    (words[position], "editable installs name a path, not a pinnable version")
                )
            if "=" not in word and word in _OPTIONS_WITH_VALUE:
                position += 1
            continue
        if any(marker in word for marker in ("$", "{", "}")):
            skipped.append((word, "depends on a variable"))
            continue
        if (
            "://" in word
            or word.startswith((".", "/", "~", "git+"))
            or word.endswith((".whl", ".tar.gz", ".zip"))
        ):
            skipped.append((word, "a path or URL, not a pinnable version"))
            continue
        try:
            requirement = Requirement(word)
        except InvalidRequirement:
            skipped.append((word, "not a valid requirement"))
            continue
        if requirement.url:
            skipped.append((word, "a direct URL, not a pinnable version"))
            continue
        found.append(
            (str(requirement), canonical_name(requirement.name), str(requirement.specifier))
        )
    return found, skipped


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _optional_import_positions(tree: ast.Module) -> frozenset[tuple[int, int]]:
    """(line, 1-based column) of imports inside a ``try`` whose handlers catch ImportError."""
    positions: set[tuple[int, int]] = set()
    for node in walk_nodes(tree):
        if not isinstance(node, ast.Try):
            continue
        catches = False
        for handler in node.handlers:
            kinds = handler.type
            names: list[ast.expr] = (
                list(kinds.elts)
                if isinstance(kinds, ast.Tuple)
                else [kinds]
                if kinds is not None
                else []
            )
            if kinds is None or any(
                (isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS)
                or (isinstance(name, ast.Attribute) and name.attr in _IMPORT_ERRORS)
                for name in names
            ):
                catches = True
        if not catches:
            continue
        for statement in node.body:
            for inner in ast.walk(statement):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    positions.add((inner.lineno, inner.col_offset + 1))
    return frozenset(positions)


def notebook_needs(notebook: Notebook) -> NotebookNeeds:
    """Every absolute import and install requirement of ``notebook``'s Python code cells."""
    imports: list[ImportNeed] = []
    installs: list[InstallNeed] = []
    skipped: list[SkippedInstall] = []
    for cell in notebook.code_cells:
        parsed = parse_source(cell.source)
        for item in parsed.masked.syntax:
            if not item.is_install:
                continue
            found, not_pinned = install_requirements(item)
            for requirement, name, specifier in found:
                installs.append(
                    InstallNeed(
                        requirement,
                        name,
                        specifier,
                        cell.number,
                        cell.cell_id,
                        item.line,
                        item.column,
                        item.end_column,
                    )
                )
            for argument, reason in not_pinned:
                skipped.append(SkippedInstall(argument, reason, cell.number, item.line))
        if parsed.tree is None:
            continue
        optional = _optional_import_positions(parsed.tree)
        for fact in cell_facts(parsed).imports:
            if fact.level > 0 or not fact.module:
                continue  # relative imports are the notebook's own package
            imports.append(
                ImportNeed(
                    fact.module,
                    cell.number,
                    cell.cell_id,
                    fact.line,
                    fact.column,
                    fact.end_line,
                    fact.end_column,
                    (fact.line, fact.column) in optional,
                )
            )
    return NotebookNeeds(tuple(imports), tuple(installs), tuple(skipped))

"""Configuration: ``[tool.nb2prod]`` in the nearest ``pyproject.toml``, validated, overridable by flags."""

from __future__ import annotations

import contextlib
import fnmatch
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nb2prod.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Settings", "find_pyproject", "load_settings", "settings_from_table"]

# Every key [tool.nb2prod] accepts, with the type it must have. Unknown keys are errors.
_KEY_TYPES: dict[str, type | tuple[type, ...]] = {
    "select": list,
    "extend-select": list,
    "ignore": list,
    "per-file-ignores": dict,
    "exclude": list,
    "extend-exclude": list,
    "respect-gitignore": bool,
    "force-exclude": bool,
    "ruff": bool,
    "max-cell-lines": int,
    "max-output-bytes": int,
    "pin-file": str,
    "parameters-required": bool,
}


@dataclass(frozen=True)
class Settings:
    """Resolved settings; ``origin`` is the file they came from, if any."""

    select: tuple[str, ...] = ("NB",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    ruff: bool = True
    max_cell_lines: int = 100
    max_output_bytes: int = 500_000
    pin_file: str | None = None
    parameters_required: bool = False
    origin: Path | None = None

    @property
    def project_root(self) -> Path | None:
        return self.origin.parent if self.origin is not None else None

    def ignored_for(self, path: Path | str) -> tuple[str, ...]:
        """Codes ignored for ``path`` by ``per-file-ignores`` (patterns relative to the project)."""
        if not self.per_file_ignores:
            return ()
        candidate = Path(path)
        relative = candidate.as_posix()
        if self.project_root is not None:
            with contextlib.suppress(ValueError):  # a path outside the project keeps its own form
                relative = candidate.resolve().relative_to(self.project_root.resolve()).as_posix()
        codes: list[str] = []
        for pattern, pattern_codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(candidate.name, pattern):
                codes.extend(pattern_codes)
        return tuple(codes)

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{key: value for key, value in changes.items() if value is not None})


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.nb2prod]`` table."""
    folder = start.resolve()
    if folder.is_file() or not folder.exists():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            # The substring test is a cheap filter; parsing decides (a comment may mention it).
            if "nb2prod" in text and _has_nb2prod_table(text):
                return pyproject
    return None


def _has_nb2prod_table(text: str) -> bool:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True  # let load_settings report the broken file rather than skip past it
    tool = document.get("tool")
    return isinstance(tool, dict) and "nb2prod" in tool


def _string_list(value: object, key: str, origin: Path | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"[tool.nb2prod] '{key}' must be a list of strings", origin)
    return tuple(value)


def settings_from_table(table: Mapping[str, Any], origin: Path | None = None) -> Settings:
    """Validate a ``[tool.nb2prod]`` table and build :class:`Settings` from it."""
    for key, value in table.items():
        expected = _KEY_TYPES.get(key)
        if expected is None:
            known = ", ".join(sorted(_KEY_TYPES))
            raise ConfigError(
                f"unknown key '{key}' in [tool.nb2prod] (known keys: {known})", origin
            )
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            type_name = expected.__name__ if isinstance(expected, type) else "value"
            raise ConfigError(f"[tool.nb2prod] '{key}' must be a {type_name}", origin)
    per_file: dict[str, tuple[str, ...]] = {}
    for pattern, codes in table.get("per-file-ignores", {}).items():
        per_file[pattern] = _string_list(codes, f"per-file-ignores.{pattern}", origin)
    settings = Settings(origin=origin, per_file_ignores=per_file)
    changes: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "exclude", "extend-exclude"):
        if key in table:
            changes[key.replace("-", "_")] = _string_list(table[key], key, origin)
    for key in (
        "respect-gitignore",
        "force-exclude",
        "ruff",
        "max-cell-lines",
        "max-output-bytes",
        "pin-file",
        "parameters-required",
    ):
        if key in table:
            changes[key.replace("-", "_")] = table[key]
    return replace(settings, **changes)


def load_settings(paths: Sequence[Path] = (), config: Path | None = None) -> Settings:
    """Settings from ``config`` if given, else from the nearest ``pyproject.toml`` with a table."""
    pyproject = config
    if pyproject is None:
        start = Path(paths[0]) if paths else Path.cwd()
        pyproject = find_pyproject(start)
        if pyproject is None:
            return Settings()
    try:
        document = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("no such configuration file", pyproject) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read configuration: {error}", pyproject) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", pyproject) from None
    table = document.get("tool", {}).get("nb2prod", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.nb2prod] must be a table", pyproject)
    return settings_from_table(table, Path(pyproject))

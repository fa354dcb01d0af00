"""File-system helpers: atomic writes and notebook discovery (exclusions, .gitignore)."""

from __future__ import annotations

import fnmatch
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_EXCLUDED_DIRS",
    "atomic_write_bytes",
    "atomic_write_text",
    "discover_notebooks",
]

# Folders that never hold notebooks a user wants linted.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".ipynb_checkpoints",
        "node_modules",
        "__pycache__",
        "site-packages",
        "venv",
        ".venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "build",
        "dist",
    }
)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    A symbolic link is written through (the link stays a link). A path that exists but is not a
    regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written in place: replacing it
    would swap a device for a plain file.
    """
    path = Path(os.path.realpath(path))
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with path.open("wb") as handle:
            handle.write(data)
        return
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file 0600; a new file gets the mode `open()` would give it.
        os.chmod(temporary, mode & 0o7777 if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically, keeping newlines exactly as given."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def _repository_top(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` holding ``.git``; the file-system root otherwise."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path(folder.anchor)


def _gitignore_patterns(ignore_file: Path, base: str) -> list[str]:
    """The lines of one ``.gitignore``, rewritten relative to the repository top (``base``)."""
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    prefix = "" if base in ("", ".") else base + "/"
    patterns: list[str] = []
    for line in lines:
        stripped = line.rstrip()
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        negated = stripped.startswith("!")
        body = stripped[1:] if negated else stripped
        # A pattern with a slash before its end is anchored to its .gitignore's folder.
        anchored = body.startswith("/") or "/" in body.rstrip("/")
        body = body.lstrip("/")
        pattern = "/" + prefix + body if anchored else "/" + prefix + "**/" + body
        patterns.append(("!" if negated else "") + pattern)
    return patterns


@dataclass(frozen=True)
class _GitIgnore:
    """The ``.gitignore`` patterns in force in one folder; deeper files come later and win."""

    top: Path
    patterns: tuple[str, ...]

    @cached_property
    def spec(self) -> Any:
        import pathspec

        return pathspec.PathSpec.from_lines("gitwildmatch", self.patterns)

    def entering(self, folder: Path) -> _GitIgnore:
        """The rules for ``folder``, adding its own ``.gitignore`` if it has one."""
        ignore_file = folder / ".gitignore"
        if not ignore_file.is_file():
            return self
        base = folder.relative_to(self.top).as_posix()
        return _GitIgnore(self.top, (*self.patterns, *_gitignore_patterns(ignore_file, base)))

    def ignores(self, candidate: Path, *, is_dir: bool) -> bool:
        if not self.patterns:
            return False
        try:
            relative = candidate.relative_to(self.top).as_posix()
        except ValueError:
            return False
        return bool(self.spec.match_file(relative + "/" if is_dir else relative))


def _gitignore_for(root: Path) -> _GitIgnore:
    """The rules in force in ``root``: every ``.gitignore`` from the repository top down to it."""
    top = _repository_top(root)
    rules = _GitIgnore(top, ())
    chain = [root, *root.parents]
    for folder in reversed(chain[: chain.index(top) + 1]):
        rules = rules.entering(folder)
    return rules


def _excluded_within(given: Path, root: Path | None, is_excluded: Callable[[Path], bool]) -> bool:
    """Whether an explicitly named file, or a folder between it and ``root``, is excluded."""
    base = root or Path.cwd()
    relative: Path | None = None
    # As written first (a symlinked notebook inside the project stays inside), then resolved (a
    # project reached through a symlinked folder).
    for candidate, folder in (
        (Path(os.path.abspath(given)), Path(os.path.abspath(base))),
        (Path(os.path.realpath(given)), Path(os.path.realpath(base))),
    ):
        try:
            relative = candidate.relative_to(folder)
            break
        except ValueError:
            continue
    if relative is None:
        # Outside the project: only the path as written counts, not the folders it lies in.
        relative = Path(given.name) if given.is_absolute() else given
    return is_excluded(relative) or any(is_excluded(folder) for folder in relative.parents[:-1])


def discover_notebooks(
    paths: Sequence[Path],
    *,
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    root: Path | None = None,
) -> Iterator[Path]:
    """Yield the notebooks named by ``paths``: files as given, folders searched recursively.

    Folders skip checkpoints, hidden folders and files, virtual environments (any folder with a
    ``pyvenv.cfg`` or ``conda-meta``), ``node_modules`` and what ``.gitignore`` files ignore
    (including those in sub-folders). A path given explicitly is always yielded, even a folder
    named ``x.ipynb`` or a file that is not there, so that the caller can report it. Notebooks in
    a folder come in sorted order; a notebook named twice is yielded once. With
    ``force_exclude`` the ``exclude`` patterns apply to files named explicitly too (pre-commit names
    every staged file), matched against the file and each folder above it up to ``root`` (the
    project's folder; the working folder when there is none), as ruff does: the folders a
    project happens to sit in never exclude it.
    """
    exclude_patterns = list(exclude)

    def is_excluded(candidate: Path) -> bool:
        posix = candidate.as_posix()
        return any(
            fnmatch.fnmatch(candidate.name, pattern) or fnmatch.fnmatch(posix, pattern)
            for pattern in exclude_patterns
        )

    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if not given.is_dir() or given.suffix == ".ipynb":
            if force_exclude and _excluded_within(given, root, is_excluded):
                continue
            if given not in seen:
                seen.add(given)
                yield given
            continue
        walk_root = given.resolve()
        rules_by_folder: dict[Path, _GitIgnore] = {}
        if respect_gitignore:
            rules_by_folder[walk_root] = _gitignore_for(walk_root)
        found: list[Path] = []
        for folder, dirnames, filenames in os.walk(given):
            folder_path = Path(folder)
            resolved_folder = walk_root / folder_path.relative_to(given)
            rules = rules_by_folder.get(resolved_folder)
            kept = []
            for name in sorted(dirnames):
                child = folder_path / name
                if name.startswith(".") or name in DEFAULT_EXCLUDED_DIRS or _is_virtualenv(child):
                    continue
                if is_excluded(child) or (
                    rules is not None and rules.ignores(resolved_folder / name, is_dir=True)
                ):
                    continue
                if name.endswith(".ipynb"):
                    found.append(child)  # reported as "is a folder, not a notebook"
                    continue
                kept.append(name)
                if rules is not None:
                    rules_by_folder[resolved_folder / name] = rules.entering(resolved_folder / name)
            dirnames[:] = kept
            for name in filenames:
                if not name.endswith(".ipynb") or name.startswith("."):
                    continue
                child = folder_path / name
                if is_excluded(child) or (
                    rules is not None and rules.ignores(resolved_folder / name, is_dir=False)
                ):
                    continue
                found.append(child)
        for notebook in sorted(found):
            if notebook not in seen:
                seen.add(notebook)
                yield notebook

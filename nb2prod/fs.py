"""File-system helpers: atomic writes and notebook discovery (exclusions, .gitignore)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

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
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically, keeping newlines exactly as given."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _is_virtualenv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def _gitignore_spec(root: Path) -> object | None:
    """A pathspec matcher for the ``.gitignore`` files from ``root`` up to the repository top."""
    patterns: list[str] = []
    folder = root.resolve()
    chain: list[Path] = []
    while True:
        chain.append(folder)
        if (folder / ".git").exists() or folder.parent == folder:
            break
        folder = folder.parent
    top = chain[-1]
    for candidate in reversed(chain):
        ignore_file = candidate / ".gitignore"
        if not ignore_file.is_file():
            continue
        relative = candidate.relative_to(top).as_posix()
        prefix = "" if relative == "." else relative + "/"
        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            negated = stripped.startswith("!")
            body = stripped[1:] if negated else stripped
            anchored = body.startswith("/") or "/" in body.rstrip("/")
            body = body.lstrip("/")
            pattern = prefix + body if anchored else prefix + "**/" + body
            patterns.append(("!" if negated else "") + pattern)
    if not patterns:
        return None
    import pathspec

    spec = pathspec.PathSpec.from_lines("gitwildmatch", patterns)
    return (top, spec)


def discover_notebooks(
    paths: Sequence[Path],
    *,
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
) -> Iterator[Path]:
    """Yield the notebooks named by ``paths``: files as given, folders searched recursively.

    Folders skip checkpoints, hidden folders, virtual environments, ``node_modules`` and what
    ``.gitignore`` ignores. A path given explicitly is always yielded, even a folder named
    ``x.ipynb`` or a file that is not there, so that the caller can report it.
    """
    import fnmatch

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
            if given not in seen:
                seen.add(given)
                yield given
            continue
        ignore = _gitignore_spec(given) if respect_gitignore else None
        found: list[Path] = []
        for folder, dirnames, filenames in os.walk(given):
            folder_path = Path(folder)
            kept = []
            for name in sorted(dirnames):
                child = folder_path / name
                if name.startswith(".") or name in DEFAULT_EXCLUDED_DIRS or _is_virtualenv(child):
                    continue
                if is_excluded(child) or _is_ignored(ignore, child, is_dir=True):
                    continue
                if name.endswith(".ipynb"):
                    found.append(child)
                    continue
                kept.append(name)
            dirnames[:] = kept
            for name in filenames:
                if not name.endswith(".ipynb") or name.startswith("."):
                    continue
                child = folder_path / name
                if is_excluded(child) or _is_ignored(ignore, child, is_dir=False):
                    continue
                found.append(child)
        for notebook in sorted(found):
            if notebook not in seen:
                seen.add(notebook)
                yield notebook


def _is_ignored(ignore: object | None, candidate: Path, *, is_dir: bool) -> bool:
    if ignore is None:
        return False
    top, spec = ignore  # type: ignore[misc]
    try:
        relative = candidate.resolve().relative_to(top).as_posix()
    except ValueError:
        return False
    if is_dir:
        relative += "/"
    return bool(spec.match_file(relative))

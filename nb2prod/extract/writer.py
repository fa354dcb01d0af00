"""Writing the output package: nothing existing is overwritten without ``force``; every write is atomic."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from nb2prod.errors import Nb2prodError
from nb2prod.extract.model import GeneratedFile
from nb2prod.fs import atomic_write_text

__all__ = ["OutputExistsError", "diff_files", "write_files"]


class OutputExistsError(Nb2prodError):
    """Extraction would overwrite files that already exist (pass --force to replace them)."""


def _changed(folder: Path, files: Iterable[GeneratedFile]) -> list[GeneratedFile]:
    changed = []
    for generated in files:
        target = folder / generated.relative_path
        try:
            if target.read_text(encoding="utf-8") == generated.text:
                continue
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            pass
        changed.append(generated)
    return changed


def write_files(
    folder: Path,
    files: Iterable[GeneratedFile],
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> list[Path]:
    """Write ``files`` under ``folder``; returns the paths written (unchanged files are left alone)."""
    files = list(files)
    protected_paths = {path.resolve() for path in protected}
    for generated in files:
        if (folder / generated.relative_path).resolve() in protected_paths:
            raise Nb2prodError(
                f"refusing to overwrite the input notebook with {generated.relative_path}", folder
            )
    changed = _changed(folder, files)
    existing = [
        generated.relative_path
        for generated in changed
        if (folder / generated.relative_path).exists()
    ]
    if existing and not force:
        shown = ", ".join(existing[:4]) + (" ..." if len(existing) > 4 else "")
        raise OutputExistsError(f"would overwrite {shown} (use --force to replace)", folder)
    written: list[Path] = []
    for generated in changed:
        target = folder / generated.relative_path
        if target.is_dir():
            raise Nb2prodError(f"{generated.relative_path} is a folder", folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, generated.text)
        written.append(target)
    return written


def diff_files(folder: Path, files: Iterable[GeneratedFile]) -> str:
    """A unified diff between what is on disk and what extraction would write."""
    chunks: list[str] = []
    for generated in files:
        target = folder / generated.relative_path
        try:
            before = target.read_text(encoding="utf-8").splitlines(keepends=True)
        except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
            before = []
        after = generated.text.splitlines(keepends=True)
        chunks.extend(
            difflib.unified_diff(
                before,
                after,
                fromfile=f"a/{generated.relative_path}",
                tofile=f"b/{generated.relative_path}",
            )
        )
    return "".join(chunks)

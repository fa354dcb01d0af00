"""Resolve API paths (relative to the server root) to files that can never be outside that root."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

__all__ = ["PathOutsideRoot", "resolve_under_root"]


class PathOutsideRoot(ValueError):
    """The requested path is absolute, climbs out with ``..``, or is a symlink leading out."""


def resolve_under_root(root: str | os.PathLike[str], api_path: str) -> Path:
    """The real file for ``api_path`` under ``root``; raises :class:`PathOutsideRoot` otherwise.

    ``api_path`` uses ``/`` like the contents API. It must be relative: an absolute path or a
    Windows drive is refused outright rather than reinterpreted. Symlinks are followed before the
    containment check, so a link inside the root that points outside it is refused too.
    """
    if not isinstance(api_path, str) or not api_path.strip():
        raise PathOutsideRoot("empty path")
    if "\x00" in api_path:
        raise PathOutsideRoot("path contains a NUL byte")
    candidate = PurePosixPath(api_path.replace("\\", "/"))
    if candidate.is_absolute() or (candidate.parts and ":" in candidate.parts[0]):
        raise PathOutsideRoot(f"absolute paths are not allowed: {api_path}")
    real_root = Path(root).resolve()
    target = (real_root / Path(*candidate.parts)).resolve()
    if target != real_root and real_root not in target.parents:
        raise PathOutsideRoot(f"path is outside the server root: {api_path}")
    return target

"""Provenance recorded in an executed notebook's ``metadata.nb2prod.run``."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["file_sha256", "git_state", "package_versions", "run_provenance"]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_state(folder: Path) -> dict[str, Any] | None:
    """The commit checked out in the repository around ``folder``, and whether the tree is dirty."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def package_versions(modules: Iterable[str]) -> dict[str, str]:
    """Installed distribution versions for the top-level modules a notebook imports."""
    from importlib import metadata

    try:
        distributions = metadata.packages_distributions()
    except Exception:  # broken metadata must not stop a run
        distributions = {}
    versions: dict[str, str] = {}
    for module in sorted(set(modules)):
        if module in sys.stdlib_module_names:
            continue
        for distribution in distributions.get(module, [module]):
            try:
                versions[distribution] = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                continue
    return versions


def run_provenance(
    *,
    input_path: Path,
    input_sha256: str,
    parameters: Mapping[str, Any],
    kernel_name: str | None,
    kernel_language_info: Mapping[str, Any] | None,
    seed: int | None,
    seeded_modules: tuple[str, ...],
    environment: Mapping[str, str],
    timeout: float | None,
    started: str,
    ended: str,
    cell_durations: list[dict[str, Any]],
    status: str,
    message: str | None,
    imported_modules: Iterable[str],
) -> dict[str, Any]:
    """The ``metadata.nb2prod.run`` mapping (JSON-ready)."""
    from nb2prod._version import __version__

    try:
        from importlib.metadata import version

        papermill_version: str | None = version("papermill")
    except Exception:
        papermill_version = None
    return {
        "nb2prod_version": __version__,
        "papermill_version": papermill_version,
        "input": {"path": str(input_path), "sha256": input_sha256},
        "parameters": dict(parameters),
        "kernel": kernel_name,
        "python": {
            "kernel": (kernel_language_info or {}).get("version"),
            "runner": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": platform.platform(),
        "packages": package_versions(imported_modules),
        "git": git_state(input_path.parent),
        "environment": {
            key: environment[key]
            for key in ("PYTHONHASHSEED", "TZ", "MPLBACKEND")
            if key in environment
        },
        "seed": seed,
        "seeded_modules": list(seeded_modules),
        "timeout_per_cell": timeout,
        "started": started,
        "ended": ended,
        "status": status,
        "message": message,
        "cells": cell_durations,
    }

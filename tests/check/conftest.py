"""Helpers for the CI-integration tests: small notebooks written on the fly, and git in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPOSITORY = Path(__file__).resolve().parents[2]

# A code cell: (source, execution count, printed output or None).
CellSpec = tuple[str, int | None, str | None]

# Ran top to bottom in a fresh kernel: nothing to report.
GOOD_CELLS: list[CellSpec] = [
    ("total = 1 + 2", 1, None),
    ("print(total)", 2, "3\n"),
]
# Cell 1 was run after cell 2 (In [2] above In [1]): NB101 names cell 1.
OUT_OF_ORDER_CELLS: list[CellSpec] = [
    ("total = 1 + 2", 2, None),
    ("print(total)", 1, "3\n"),
]
# `!pip install` has a safe fix: `%pip install` (installs into the kernel's environment).
FIXABLE_CELLS: list[CellSpec] = [
    ("!pip install requests", 1, None),
    ("total = 1 + 2\nprint(total)", 2, "3\n"),
]


def write_notebook(path: Path, cells: Sequence[CellSpec], *, title: str | None = None) -> Path:
    """Write a small Python notebook the way Jupyter saves one (nbformat 4, one-space indent)."""
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.0"}
    if title:
        notebook.cells.append(new_markdown_cell(f"# {title}"))
    for index, (source, count, printed) in enumerate(cells):
        cell = new_code_cell(source, execution_count=count)
        if printed is not None:
            cell.outputs = [new_output("stream", name="stdout", text=printed)]
        cell.id = f"cell-{index}"
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "nb2prod tests",
    "GIT_AUTHOR_EMAIL": "tests@nb2prod.invalid",
    "GIT_COMMITTER_NAME": "nb2prod tests",
    "GIT_COMMITTER_EMAIL": "tests@nb2prod.invalid",
    # The user's own git configuration (hooks, signing, default branch) must not leak into tests.
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(folder: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        ["git", *arguments],
        cwd=folder,
        env={**os.environ, **GIT_ENVIRONMENT, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, f"git {' '.join(arguments)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def init_repository(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "--quiet", "--initial-branch=main")
    return folder


def commit_all(folder: Path, message: str) -> str:
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "--no-verify", "-m", message)
    return git(folder, "rev-parse", "HEAD").strip()


def run_nb2prod(arguments: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a new process, as CI runs it."""
    return subprocess.run(
        [sys.executable, "-m", "nb2prod", *arguments],
        cwd=cwd,
        env={**os.environ, **GIT_ENVIRONMENT, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def notebook_writer() -> Callable[..., Path]:
    return write_notebook

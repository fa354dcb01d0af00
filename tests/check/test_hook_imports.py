"""The hooks' commands start fast: their import path pulls in no server, no executor, no rewriter.

Each hook's ``entry`` from ``.pre-commit-hooks.yaml`` runs in a new interpreter through the console
script's function (``nb2prod.cli:main``), then the test reads that interpreter's ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import GOOD_CELLS, OUT_OF_ORDER_CELLS, REPOSITORY, write_notebook

# Heavy packages that `nb2prod lint` must never import (STYLE.md, rule 10; TOOLCHAIN.md, pre-commit).
FORBIDDEN_FOR_LINT = (
    "jupyter_server",
    "tornado",
    "nb2prod.server",
    "papermill",
    "nbclient",
    "jupyter_client",
    "zmq",
    "libcst",
    "rich",
    "pandas",
    "numpy",
)

PROBE = """
import json, sys
from nb2prod.cli import main
sys.argv = ["nb2prod", *sys.argv[1:]]
try:
    main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write("\\nMODULES=" + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def _hook_entries() -> dict[str, list[str]]:
    hooks = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: str(hook["entry"]).split() for hook in hooks}


def _run_entry(entry: list[str], files: list[Path], cwd: Path) -> tuple[int, set[str], str]:
    assert entry[0] == "nb2prod"
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, *entry[1:], *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    marker = completed.stderr.rindex("MODULES=")
    modules = set(json.loads(completed.stderr[marker + len("MODULES=") :]))
    return completed.returncode, modules, completed.stdout + completed.stderr[:marker]


def _loaded(forbidden: tuple[str, ...], modules: set[str]) -> list[str]:
    return sorted(name for name in modules if any(name == bad or name.startswith(bad + ".") for bad in forbidden))


@pytest.mark.parametrize("hook_id", ["nb2prod-lint", "nb2prod-lint-fix"])
def test_lint_hooks_import_no_server_or_executor(hook_id: str, tmp_path: Path) -> None:
    files = [
        write_notebook(tmp_path / "clean.ipynb", GOOD_CELLS),
        write_notebook(tmp_path / "out_of_order.ipynb", OUT_OF_ORDER_CELLS),
    ]
    code, modules, output = _run_entry(_hook_entries()[hook_id], files, tmp_path)
    assert code == 1, output  # the out-of-order notebook is reported...
    assert "NB101" in output
    assert "nb2prod.lint" in modules  # ...so the lint engine really ran in this process
    assert _loaded(FORBIDDEN_FOR_LINT, modules) == []


def test_check_without_repro_imports_no_server(tmp_path: Path) -> None:
    """`nb2prod check` (the CI command) may check pins, but never loads the Jupyter server."""
    notebook = write_notebook(tmp_path / "clean.ipynb", GOOD_CELLS)
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, "check", "--no-ruff", str(notebook)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    marker = completed.stderr.rindex("MODULES=")
    modules = set(json.loads(completed.stderr[marker + len("MODULES=") :]))
    assert "nb2prod.check" in modules
    assert _loaded(("jupyter_server", "nb2prod.server", "papermill", "libcst"), modules) == []

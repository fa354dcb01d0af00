"""Mirror tests: each fixture notebook's generated module and test file, compared with the committed ones.

Regenerate with ``NB2PROD_UPDATE_MIRRORS=1 .venv/bin/pytest tests/extract/test_mirrors.py`` and review the diff.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from nb2prod.extract import ExtractOptions, extract_notebook
from nb2prod.extract.formatting import ruff_command

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "extract"
NOTEBOOKS = sorted(FIXTURES.glob("*/*.ipynb"))
UPDATE = os.environ.get("NB2PROD_UPDATE_MIRRORS") == "1"
# Fixtures whose notebooks do not run top to bottom as written: names may stay undefined.
NOT_CLOSED = {"syntax_error_cell"}


def test_every_fixture_has_a_mirror() -> None:
    assert len(NOTEBOOKS) >= 9
    for notebook in NOTEBOOKS:
        assert (notebook.parent / "expected").is_dir() or UPDATE, f"{notebook.parent.name} has no expected/ folder"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.parent.name for path in NOTEBOOKS])
def test_mirror(notebook: Path, tmp_path: Path) -> None:
    result = extract_notebook(notebook, ExtractOptions(output=tmp_path))
    expected_folder = notebook.parent / "expected"
    for generated in result.files:
        if not generated.relative_path.endswith(".py"):
            continue
        expected = expected_folder / generated.relative_path
        if UPDATE:
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_text(generated.text, encoding="utf-8")
            continue
        assert expected.is_file(), f"missing mirror {expected}"
        assert generated.text == expected.read_text(encoding="utf-8"), f"{expected} differs (NB2PROD_UPDATE_MIRRORS=1 to regenerate)"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.parent.name for path in NOTEBOOKS])
def test_closure_nothing_the_module_needs_is_undefined(notebook: Path, tmp_path: Path) -> None:
    """The module compiles and pyflakes (ruff F821/F822/F823) finds no undefined name in it."""
    result = extract_notebook(notebook, ExtractOptions(output=tmp_path))
    module = next(generated for generated in result.files if generated.relative_path == f"{result.module_name}.py")
    compile(module.text, module.relative_path, "exec")
    path = tmp_path / module.relative_path
    path.write_text(module.text, encoding="utf-8")
    completed = subprocess.run(
        [*ruff_command(), "check", "--isolated", "--no-cache", "--select", "F821,F822,F823", "--output-format", "concise", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if notebook.parent.name in NOT_CLOSED:
        return
    assert completed.returncode == 0, completed.stdout

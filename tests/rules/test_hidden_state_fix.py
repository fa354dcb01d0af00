"""`nb2prod lint --fix --unsafe-fixes` reorders cells so that Restart & Run All works, for real."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import FIXTURES

NB2PROD = [sys.executable, "-m", "nb2prod"]


def _lint(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NB2PROD, "lint", "--no-ruff", *arguments], cwd=cwd, capture_output=True, text=True, timeout=120)


def _write(path: Path, cells: list[tuple[str, str, int | None]]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, (kind, source, count) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source, execution_count=count)
        cell["id"] = f"c{index}"
        notebook.cells.append(cell)
    nbformat.write(notebook, path)
    return path


def test_fix_is_offered_only_as_unsafe(tmp_path: Path) -> None:
    notebook = shutil.copy(FIXTURES / "rules" / "NB201_read_above_definition.ipynb", tmp_path / "nb.ipynb")
    before = Path(notebook).read_bytes()
    result = _lint("--select", "NB201", "--fix", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert Path(notebook).read_bytes() == before, "an unsafe fix must not be applied without --unsafe-fixes"


def test_diff_previews_without_writing(tmp_path: Path) -> None:
    notebook = shutil.copy(FIXTURES / "rules" / "NB201_read_above_definition.ipynb", tmp_path / "nb.ipynb")
    before = Path(notebook).read_bytes()
    result = _lint("--select", "NB201", "--diff", "--unsafe-fixes", "nb.ipynb", cwd=tmp_path)
    assert "total = 42" in result.stdout
    assert Path(notebook).read_bytes() == before


def test_cycle_gets_no_fix_and_says_why(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "rules" / "NB201_cycle_cannot_reorder.ipynb", tmp_path / "nb.ipynb")
    result = _lint("--select", "NB201", "--format", "json", "nb.ipynb", cwd=tmp_path)
    (finding,) = json.loads(result.stdout)
    assert finding["fix"] is None
    assert "no cell order fixes it" in finding["message"]


@pytest.mark.kernel
def test_fixed_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    from nbclient import NotebookClient

    path = _write(
        tmp_path / "analysis.ipynb",
        [
            ("md", "# Report", None),
            ("code", "report = summarise(values)\nprint(report)", 3),
            ("md", "## Helpers", None),
            ("code", "def summarise(numbers):\n    return sum(numbers) * scale", 1),
            ("code", "values = [1, 2, 3]\nscale = 2", 2),
        ],
    )
    broken = nbformat.read(path, as_version=4)
    with pytest.raises(Exception, match="NameError"):
        NotebookClient(broken, timeout=60, kernel_name="python3").execute()

    original_text = path.read_text()
    result = _lint("--select", "NB201", "--fix", "--unsafe-fixes", "analysis.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed_text = path.read_text()
    assert fixed_text != original_text
    fixed = nbformat.read(path, as_version=4)
    nbformat.validate(fixed)
    assert [cell.source.splitlines()[0] for cell in fixed.cells] == [
        "## Helpers",
        "def summarise(numbers):",
        "values = [1, 2, 3]",
        "# Report",
        "report = summarise(values)",
    ]
    # Markdown travelled with the cell below it; every cell kept its id and count.
    assert [cell.get("id") for cell in fixed.cells] == ["c2", "c3", "c4", "c0", "c1"]
    executed = NotebookClient(fixed, timeout=60, kernel_name="python3").execute()
    assert executed.cells[-1].outputs[0]["text"] == "12\n"
    assert _lint("--select", "NB2", "analysis.ipynb", cwd=tmp_path).returncode == 0

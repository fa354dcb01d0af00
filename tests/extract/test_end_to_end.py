"""End to end, for real: extract a fixture, then run ruff, mypy, pytest and ``python -m`` in the output folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nb2prod.cli import cli
from nb2prod.extract.formatting import ruff_command

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "extract"


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_extracted_module_passes_ruff_mypy_pytest_and_prints_like_the_notebook(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / "parameters_cell" / "parameters_cell.ipynb"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _run([*ruff_command(), "check", "--no-cache", "."], out).returncode == 0
    assert _run([*ruff_command(), "format", "--check", "--no-cache", "."], out).returncode == 0
    mypy = _run([sys.executable, "-m", "mypy", "--no-incremental", "parameters_cell.py"], out)
    assert mypy.returncode == 0, mypy.stdout
    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], out)
    assert tests.returncode == 0, tests.stdout
    assert "4 passed" in tests.stdout
    printed = _run([sys.executable, "-m", "parameters_cell"], out)
    assert printed.stdout.splitlines() == ["run-1 3.0", "passed"]
    changed = _run([sys.executable, "-m", "parameters_cell", "--threshold", "0.1", "--label", "x", "--verbose"], out)
    assert changed.stdout.splitlines() == ["scoring", "x 0.6000000000000001", "failed"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["functions_reading_globals", "display_expressions", "class_split_over_cells", "writefile_cell"])
def test_check_passes_on_fixtures(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / name / f"{name}.ipynb"), "-o", str(tmp_path / "out"), "--check", "-q"])
    assert result.exit_code == 0, result.output
    for check in ("ruff check", "ruff format", "mypy", "tests", "printed output"):
        line = next(line for line in result.output.splitlines() if line.startswith(check))
        assert " failed " not in line, line


@pytest.mark.slow
@pytest.mark.kernel
def test_trace_records_types_and_values_into_characterization_tests(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["extract", str(FIXTURES / "sections" / "sections.ipynb"), "-o", str(out), "--trace", "--check", "-q"])
    assert result.exit_code == 0, result.output
    module = (out / "sections.py").read_text()
    assert "def summarise() -> SummariseResult:" in module
    assert "    mean_sales: float" in module
    tests = (out / "tests" / "test_sections.py").read_text()
    assert "assert result.mean_sales == 14" in tests
    assert "assert result.best == 'west'" in tests or 'assert result.best == "west"' in tests

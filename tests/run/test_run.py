"""``nb2prod run`` on a real kernel: checked parameters, deterministic environment, provenance, grid sweeps."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_notebook

from nb2prod.cli import cli

pytestmark = pytest.mark.kernel


@pytest.fixture
def parameterized(run_fixtures: Path, tmp_path: Path) -> Path:
    target = tmp_path / "parameterized.ipynb"
    shutil.copy(run_fixtures / "parameterized.ipynb", target)
    return target


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stdout_of(notebook: dict, cell_index: int) -> str:  # type: ignore[type-arg]
    texts = [output.get("text", "") for output in notebook["cells"][cell_index]["outputs"]]
    return "".join("".join(text) if isinstance(text, list) else text for text in texts)


def test_run_injects_checked_parameters_and_records_provenance(python_kernel: str, parameterized: Path, tmp_path: Path) -> None:
    before = sha(parameterized)
    output = tmp_path / "out" / "result.ipynb"
    result = CliRunner().invoke(
        cli, ["run", str(parameterized), "-o", str(output), "-p", "alpha", "2", "-p", "name", "007", "-p", "flag", "yes"]
    )
    assert result.exit_code == 0, result.output
    assert sha(parameterized) == before, "the input notebook is never modified"
    executed = json.loads(output.read_text())
    injected = executed["cells"][1]
    assert "injected-parameters" in injected["metadata"]["tags"]
    assert stdout_of(executed, 2) == "hello 007: 6.0 True 3\n"
    provenance = executed["metadata"]["nb2prod"]["run"]
    assert provenance["parameters"] == {"alpha": 2.0, "name": "007", "flag": True}
    assert provenance["input"]["sha256"] == before
    assert provenance["environment"]["PYTHONHASHSEED"] == "0"
    assert provenance["environment"]["TZ"] == "UTC"
    assert provenance["status"] == "completed"
    assert provenance["python"]["kernel"]
    assert [entry["cell"] for entry in provenance["cells"]] == [1, 2, 3]
    assert all(entry["seconds"] >= 0 for entry in provenance["cells"])
    assert provenance["started"] <= provenance["ended"]


def test_environment_is_deterministic_and_cwd_is_the_notebook_folder(python_kernel: str, tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    source = folder / "env.ipynb"
    notebook = new_notebook(
        cells=[
            new_code_cell(
                "import os, random\nprint(os.getcwd())\nprint(os.environ['PYTHONHASHSEED'], os.environ['TZ'], os.environ['MPLBACKEND'])\n"
                "print(random.random())\nprint('random' in dir() and 'imported here')"
            )
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, source)
    outputs = []
    for name, extra in (("a", []), ("b", []), ("c", ["--no-seed"])):
        target = tmp_path / f"{name}.ipynb"
        result = CliRunner().invoke(cli, ["run", str(source), "-o", str(target), *extra])
        assert result.exit_code == 0, result.output
        outputs.append(stdout_of(json.loads(target.read_text()), 0).splitlines())
    cwd, variables, first_random, _ = outputs[0]
    assert Path(cwd).resolve() == folder.resolve()
    assert variables == "0 UTC module://matplotlib_inline.backend_inline"
    assert first_random == "0.8444218515250481"  # random.seed(0)
    assert outputs[1][2] == first_random
    assert outputs[2][2] != first_random


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-p", "alpah", "1"], "unknown parameter 'alpah'; known parameters: alpha: float, n: int, name: str, flag: bool, weights: list"),
        (["-p", "n", "three"], "parameter 'n' expects int"),
        (["-p", "weights", "5"], "parameter 'weights' expects list"),
    ],
)
def test_bad_parameters_are_usage_errors(parameterized: Path, tmp_path: Path, arguments: list[str], message: str) -> None:
    output = tmp_path / "never.ipynb"
    result = CliRunner().invoke(cli, ["run", str(parameterized), "-o", str(output), *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert not output.exists()


def test_invalid_yaml_parameters_file(parameterized: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("alpha: [0.1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(parameterized), "-f", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml: invalid YAML at line" in result.output
    assert "Traceback" not in result.output


def test_output_must_differ_from_input(parameterized: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(parameterized), "-o", str(parameterized)])
    assert result.exit_code == 2
    assert "must not be the input notebook" in result.output


def test_failing_notebook_still_writes_its_output(python_kernel: str, run_fixtures: Path, tmp_path: Path) -> None:
    output = tmp_path / "raised.ipynb"
    result = CliRunner().invoke(cli, ["run", str(run_fixtures / "raises.ipynb"), "-o", str(output)])
    assert result.exit_code == 1
    assert "errored: KeyError: 'missing'" in result.output
    executed = json.loads(output.read_text())
    assert executed["metadata"]["nb2prod"]["run"]["status"] == "errored"


def test_grid_sweep_with_parameters_file_and_two_jobs(python_kernel: str, parameterized: Path, run_fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text("name: grid\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(parameterized), "--grid", str(run_fixtures / "grid.yaml"), "-f", str(fixed), "-o", str(folder), "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    notebooks = sorted(path.name for path in folder.glob("*.ipynb"))
    assert notebooks == [
        "parameterized-001-alpha=0.1-n=1.ipynb",
        "parameterized-002-alpha=0.1-n=2.ipynb",
        "parameterized-003-alpha=0.2-n=1.ipynb",
        "parameterized-004-alpha=0.2-n=2.ipynb",
    ]
    last = json.loads((folder / notebooks[-1]).read_text())
    assert stdout_of(last, 2) == "hello grid: 0.4 False 3\n"
    with (folder / "summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["alpha"], row["n"], row["status"]) for row in rows] == [
        ("0.1", "1", "completed"),
        ("0.1", "2", "completed"),
        ("0.2", "1", "completed"),
        ("0.2", "2", "completed"),
    ]
    assert "alpha" in result.stdout and "completed" in result.stdout


def test_grid_with_a_bad_value_runs_nothing(parameterized: Path, tmp_path: Path) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("n: [1, two]\n", encoding="utf-8")
    folder = tmp_path / "sweep"
    result = CliRunner().invoke(cli, ["run", str(parameterized), "--grid", str(grid), "-o", str(folder)])
    assert result.exit_code == 2
    assert "parameter 'n' expects int" in result.output
    assert not folder.exists()

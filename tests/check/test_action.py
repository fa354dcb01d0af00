"""The composite GitHub Action (``action.yml``): its shell steps run here for real, as a runner would.

GitHub's expressions are not evaluated here; the steps are written so that every value reaches
the scripts through ``env`` (never ``${{ }}`` inside a script, which would allow script injection),
so setting those variables is all a runner does that matters.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator

from .conftest import (
    GIT_ENVIRONMENT,
    GOOD_CELLS,
    OUT_OF_ORDER_CELLS,
    REPOSITORY,
    commit_all,
    git,
    init_repository,
    write_notebook,
)

ACTION = yaml.safe_load((REPOSITORY / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0.json"


def _run_step(name: str, cwd: Path, env: dict[str, str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    output_file = tmp_path / f"github-output-{len(list(tmp_path.glob('github-output-*')))}"
    output_file.touch()
    environment = {
        **os.environ,
        **GIT_ENVIRONMENT,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "GITHUB_OUTPUT": str(output_file),
        "NO_COLOR": "1",
        **env,
    }
    completed = subprocess.run(
        # How GitHub runs a `shell: bash` step.
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", STEPS[name]["run"]], cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    outputs = dict(line.split("=", 1) for line in output_file.read_text(encoding="utf-8").splitlines() if "=" in line)
    return completed, outputs


def test_action_is_composite_and_its_expressions_name_real_inputs_and_steps() -> None:
    assert ACTION["runs"]["using"] == "composite"
    inputs = set(ACTION["inputs"])
    assert {"paths", "since", "format", "sarif", "args"} <= inputs
    step_ids = {step.get("id") for step in ACTION["runs"]["steps"]}
    text = (REPOSITORY / "action.yml").read_text(encoding="utf-8")
    for name in re.findall(r"inputs\.([\w-]+)", text):
        assert name in inputs, f"action.yml uses an undeclared input {name!r}"
    for step_id in re.findall(r"steps\.([\w-]+)\.outputs", text):
        assert step_id in step_ids, f"action.yml reads outputs of an unknown step {step_id!r}"
    for step in ACTION["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"step {step['name']!r} puts an expression inside its script"
    upload = STEPS["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    write_notebook(folder / "notebooks" / "clean.ipynb", GOOD_CELLS)
    write_notebook(folder / "notebooks" / "out_of_order.ipynb", OUT_OF_ORDER_CELLS)
    return folder


def _check_env(**changes: str) -> dict[str, str]:
    env = {
        "PATHS": "notebooks",
        "SINCE": "",
        "FORMAT": "github",
        "SARIF": "true",
        "SARIF_FILE": "reports/nb2prod.sarif",
        "JUNIT_FILE": "",
        "REPRO": "false",
        "EXTRA_ARGS": "--no-ruff --no-pins",
    }
    env.update(changes)
    return env


def test_check_step_annotates_writes_sarif_and_reports_the_exit_code(project: Path, tmp_path: Path) -> None:
    completed, outputs = _run_step("nb2prod check", project, _check_env(JUNIT_FILE="reports/junit.xml"), tmp_path)
    assert completed.returncode == 0, completed.stderr  # the verdict is the last step's job
    assert outputs["exit-code"] == "1"
    assert outputs["sarif-file"] == "reports/nb2prod.sarif"
    assert any(line.startswith("::warning file=notebooks/out_of_order.ipynb") for line in completed.stdout.splitlines())
    document = json.loads((project / "reports" / "nb2prod.sarif").read_text(encoding="utf-8"))
    assert list(Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).iter_errors(document)) == []
    assert (project / "reports" / "junit.xml").is_file()


def test_check_step_still_leaves_a_sarif_file_when_nb2prod_cannot_run(project: Path, tmp_path: Path) -> None:
    completed, outputs = _run_step("nb2prod check", project, _check_env(EXTRA_ARGS="--config missing-pyproject.toml"), tmp_path)
    assert completed.returncode == 0
    assert outputs["exit-code"] == "2"
    assert "::error title=nb2prod::" in completed.stdout
    assert json.loads((project / "reports" / "nb2prod.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("status", "fail_on_findings", "expected"),
    [("0", "true", 0), ("1", "true", 1), ("1", "false", 0), ("2", "false", 2)],
)
def test_result_step_fails_the_job_as_configured(tmp_path: Path, status: str, fail_on_findings: str, expected: int) -> None:
    completed, _ = _run_step("Result", tmp_path, {"STATUS": status, "FAIL_ON_FINDINGS": fail_on_findings}, tmp_path)
    assert completed.returncode == expected


def test_base_step_fetches_the_base_branch_of_a_shallow_pull_request_checkout(tmp_path: Path) -> None:
    """actions/checkout gives one commit; the action fetches enough for --since origin/<base>."""
    upstream = init_repository(tmp_path / "upstream")
    write_notebook(upstream / "old.ipynb", GOOD_CELLS)
    commit_all(upstream, "base")
    git(upstream, "checkout", "--quiet", "-b", "feature")
    write_notebook(upstream / "new.ipynb", OUT_OF_ORDER_CELLS)
    commit_all(upstream, "feature")
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "--quiet", "--depth", "1", "--branch", "feature", f"file://{upstream}", str(checkout))

    completed, outputs = _run_step("Find the base revision", checkout, {"SINCE": "auto", "BASE_REF": "main"}, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert outputs["since"] == "origin/main"

    completed, outputs = _run_step(
        "nb2prod check", checkout, _check_env(PATHS=".", SINCE="origin/main", SARIF="false", FORMAT="json"), tmp_path
    )
    assert outputs["exit-code"] == "1", completed.stderr
    assert {finding["path"] for finding in json.loads(completed.stdout)} == {"new.ipynb"}


def test_base_step_checks_everything_outside_pull_requests(tmp_path: Path) -> None:
    completed, outputs = _run_step("Find the base revision", tmp_path, {"SINCE": "auto", "BASE_REF": ""}, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert outputs["since"] == ""

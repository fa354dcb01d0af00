"""``nb2prod.check.check``: lint, pin check and repro combined into one ordered list of findings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nb2prod.check import ReproRequest, check

from .conftest import GOOD_CELLS, OUT_OF_ORDER_CELLS, run_nb2prod, write_notebook


def test_lint_only_when_nothing_is_pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_notebook(tmp_path / "a_clean.ipynb", GOOD_CELLS)
    write_notebook(tmp_path / "b_out_of_order.ipynb", OUT_OF_ORDER_CELLS)
    monkeypatch.chdir(tmp_path)
    report = check([Path(".")], ruff=False)
    assert report.paths == ("a_clean.ipynb", "b_out_of_order.ipynb")
    assert [step.name for step in report.steps] == ["lint", "pins"]
    assert report.steps[0].findings == len(report.diagnostics) > 0
    assert report.steps[1].findings == 0
    assert {diagnostic.path for diagnostic in report.diagnostics} == {"b_out_of_order.ipynb"}
    assert [d.sort_key for d in report.diagnostics] == sorted(d.sort_key for d in report.diagnostics)


@pytest.fixture
def pinned_project(tmp_path: Path) -> Path:
    """A notebook that imports click, pinned to a click version that is not installed."""
    write_notebook(tmp_path / "uses_click.ipynb", [("import click\nprint(click.__name__)", 1, "click\n")])
    (tmp_path / "pyproject.toml").write_text('[tool.nb2prod]\npin-file = "requirements.txt"\n', encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("click==0.0.1\n", encoding="utf-8")
    return tmp_path


def test_pin_drift_is_reported_once(pinned_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(pinned_project)
    report = check([Path("uses_click.ipynb")], ruff=False, python=sys.executable)
    drift = [diagnostic for diagnostic in report.diagnostics if diagnostic.code == "NB502"]
    assert len(drift) == 1, report.diagnostics  # lint and the pin check both see it; one is kept
    assert "click==0.0.1" in drift[0].message
    assert sum(step.findings for step in report.steps) == len(report.diagnostics)


def test_ignore_applies_to_the_pin_step(pinned_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(pinned_project)
    report = check([Path("uses_click.ipynb")], ruff=False, python=sys.executable, ignore=["NB5"])
    assert not any(diagnostic.code.startswith("NB5") for diagnostic in report.diagnostics)


def test_no_pins_skips_the_pin_step(pinned_project: Path) -> None:
    result = run_nb2prod(["check", "--no-ruff", "--no-pins", "--ignore", "NB5", "uses_click.ipynb"], cwd=pinned_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pins" not in result.stderr


def test_golden_without_repro_is_a_usage_error(tmp_path: Path) -> None:
    write_notebook(tmp_path / "a.ipynb", GOOD_CELLS)
    result = run_nb2prod(["check", "--golden", "golden", "a.ipynb"], cwd=tmp_path)
    assert result.returncode == 2
    assert "--golden" in result.stderr and "--repro" in result.stderr


@pytest.mark.kernel
def test_repro_adds_a_finding_for_the_cell_that_does_not_reproduce(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_notebook(tmp_path / "reproduces.ipynb", GOOD_CELLS)
    # Saved output says 4, a fresh run prints 3.
    write_notebook(tmp_path / "differs.ipynb", [("total = 1 + 2", 1, None), ("print(total)", 2, "4\n")])
    monkeypatch.chdir(tmp_path)
    report = check([Path(".")], ruff=False, pins=False, repro=ReproRequest(timeout=120))
    assert [step.name for step in report.steps] == ["lint", "repro"]
    repro_findings = [diagnostic for diagnostic in report.diagnostics if diagnostic.code.startswith("NB9")]
    assert [(d.path, d.code, d.span.cell if d.span else None) for d in repro_findings] == [("differs.ipynb", "NB901", 2)]
    assert report.steps[1].findings == 1

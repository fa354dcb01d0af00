"""The NB5 rules inside `nb2prod lint`: active only with a configured pin file, compared with the
environment of the interpreter that runs nb2prod (lint starts no process)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nb2prod.config import Settings, load_settings
from nb2prod.lint import lint_path
from nb2prod.rules.base import parse_rule_doc
from nb2prod.rules.environment import RULES
from nb2prod.rules.registry import select_rules

RULE_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


def pin_file_for(fixture: Path) -> Path:
    """The convention the NB5 fixtures follow (see fixtures/pin/make_pin_fixtures.py)."""
    own = fixture.with_suffix(".pins.txt")
    return own if own.exists() else RULE_FIXTURES / "NB5_pins.txt"


NB5_FIXTURES = sorted(RULE_FIXTURES.glob("NB50*.ipynb"))


def test_every_nb5_rule_has_fixtures_and_documentation() -> None:
    for rule in RULES:
        stems = [path.stem for path in NB5_FIXTURES if path.name.startswith(rule.code + "_")]
        assert any("_clean_" in stem for stem in stems) and any("_clean_" not in stem for stem in stems), rule.code
        sections = parse_rule_doc(rule).sections
        assert {"What it does", "Why is this bad?", "Example"} <= set(sections), rule.code
        assert "Use instead" in sections["Example"]


@pytest.mark.parametrize("fixture", NB5_FIXTURES, ids=lambda path: path.stem)
def test_fixture_fires_only_when_it_should(fixture: Path) -> None:
    code = fixture.name[:5]
    settings = Settings(pin_file=str(pin_file_for(fixture)))
    found = lint_path(fixture, settings, select_rules([code])).diagnostics
    if "_clean_" in fixture.stem:
        assert found == (), [d.message for d in found]
    else:
        assert found and all(d.code == code for d in found), [d.message for d in found]
    # Without a pin file the environment rules stay silent.
    assert lint_path(fixture, Settings(), select_rules([code])).diagnostics == ()


def test_messages_name_the_pin_and_the_installed_version() -> None:
    drift = lint_path(RULE_FIXTURES / "NB502_version_drift.ipynb", Settings(pin_file=str(RULE_FIXTURES / "NB5_pins.txt")), select_rules(["NB5"]))
    [finding] = [d for d in drift.diagnostics if d.code == "NB502"]
    from importlib.metadata import version

    assert finding.message == f"`six` is pinned to six==1.16.0 (NB5_pins.txt:7) but six {version('six')} is installed"
    assert (finding.span.cell, finding.span.line, finding.span.column) == (1, 1, 1)  # type: ignore[union-attr]


def test_pin_file_configured_in_pyproject_is_relative_to_it(tmp_path: Path) -> None:
    shutil.copy(RULE_FIXTURES / "NB501_unpinned_import.ipynb", tmp_path / "nb.ipynb")
    (tmp_path / "locks").mkdir()
    (tmp_path / "locks" / "requirements.txt").write_text("nbformat\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.nb2prod]\npin-file = "locks/requirements.txt"\n', encoding="utf-8")
    settings = load_settings([tmp_path / "nb.ipynb"])
    found = lint_path(tmp_path / "nb.ipynb", settings, select_rules(["NB5"])).diagnostics
    assert [(d.code, d.message) for d in found] == [
        ("NB501", "`yaml` comes from the distribution PyYAML, which requirements.txt does not pin")
    ]
    # Through the command line too, which exits 1 on the finding.
    completed = subprocess.run(
        [sys.executable, "-m", "nb2prod", "lint", "--select", "NB5", "--no-ruff", "nb.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 1 and "NB501" in completed.stdout


def test_a_broken_pin_file_is_one_finding_not_a_crash(tmp_path: Path) -> None:
    shutil.copy(RULE_FIXTURES / "NB501_unpinned_import.ipynb", tmp_path / "nb.ipynb")
    (tmp_path / "pins.txt").write_text("yaml>=\n", encoding="utf-8")
    found = lint_path(tmp_path / "nb.ipynb", Settings(pin_file=str(tmp_path / "pins.txt")), select_rules(["NB5"])).diagnostics
    assert [d.code for d in found] == ["NB500"]
    assert found[0].message.startswith("pin file pins.txt: line 1: cannot parse requirement 'yaml>='")
    missing = lint_path(tmp_path / "nb.ipynb", Settings(pin_file=str(tmp_path / "absent.txt")), select_rules(["NB5"])).diagnostics
    assert [(d.code, d.message) for d in missing] == [("NB500", "pin file absent.txt: no such pin file")]


def test_lint_does_not_import_the_execution_layer() -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom nb2prod.config import Settings\nfrom nb2prod.lint import lint_path\n"
        "from nb2prod.rules.registry import select_rules\n"
        f"lint_path(Path({str(RULE_FIXTURES / 'NB502_version_drift.ipynb')!r}), Settings(pin_file={str(RULE_FIXTURES / 'NB5_pins.txt')!r}), select_rules(['NB5']))\n"
        "print(sorted(m for m in ('jupyter_client', 'nb2prod.pin', 'papermill', 'subprocess_used') if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert completed.stdout.strip() == "[]"

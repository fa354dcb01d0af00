"""One snapshot per rule fixture: ``nb2prod lint --select <CODE> --no-ruff`` as text, no colour.

Every ``fixtures/rules/<CODE>_<what>.ipynb`` is linted with only the rules its code prefix selects,
and the text report is compared with ``tests/rules/snapshots/<stem>.txt``. A firing fixture must
yield at least one finding of its code; a ``<CODE>_clean_<what>`` fixture none. Regenerate with
``NB2PROD_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/rules`` and review the diff.

Settings: fixtures lint with defaults (``--isolated``) unless a sidecar configuration exists, in
this order: ``fixtures/rules/<stem>.toml``, ``<CODE>.toml``, ``<family>.toml`` (``NB5.toml``). It is
a ``pyproject.toml``-shaped file with a ``[tool.nb2prod]`` table, passed as ``--config``, so paths
in it (``pin-file``) are relative to ``fixtures/rules``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from nb2prod.cli import cli

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "fixtures" / "rules"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("NB2PROD_UPDATE_SNAPSHOTS") == "1"


def rule_fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.ipynb"))


def code_of(fixture: Path) -> str:
    return fixture.stem.split("_", 1)[0]


def is_clean(fixture: Path) -> bool:
    return fixture.stem.split("_")[1:2] == ["clean"]


def sidecar_config(fixture: Path) -> Path | None:
    """The fixture's own settings file, if it has one (see the module docstring)."""
    code = code_of(fixture)
    for name in (fixture.stem, code, code[:3]):
        candidate = fixture.with_name(f"{name}.toml")
        if candidate.is_file():
            return candidate
    return None


def _lint(fixture: Path, output_format: str) -> tuple[int, str, str]:
    relative = fixture.relative_to(REPOSITORY).as_posix()
    config = sidecar_config(fixture)
    settings = ["--config", config.relative_to(REPOSITORY).as_posix()] if config else ["--isolated"]
    # NB005 is about ruff itself, so only its fixtures run ruff (with one ruff rule selected, since
    # a selection of NB codes alone does not start ruff).
    ruff = [] if code_of(fixture) == "NB005" else ["--no-ruff"]
    selection = code_of(fixture) + (",F" if code_of(fixture) == "NB005" else "")
    arguments = ["lint", *settings, *ruff, "--jobs", "1", "--quiet", "--format", output_format]
    result = CliRunner().invoke(cli, [*arguments, "--select", selection, relative], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("fixture", rule_fixtures(), ids=lambda path: path.stem)
def test_rule_snapshot(fixture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not fixture.exists():
        pytest.fail(f"{fixture.name} was removed after collection; re-run the tests")
    monkeypatch.chdir(REPOSITORY)  # paths in the report read fixtures/rules/..., as a user would type them
    code = code_of(fixture)
    exit_code, text, errors = _lint(fixture, "text")
    assert exit_code in (0, 1), f"`nb2prod lint --select {code}` failed on {fixture.name}: {errors.strip()}"
    assert "\x1b[" not in text, "the text report must not be coloured off a terminal"

    import json

    _, json_text, _ = _lint(fixture, "json")
    codes = [item["code"] for item in json.loads(json_text)]
    assert "NB000" not in codes, f"internal error while linting {fixture.name}: {json_text}"
    if is_clean(fixture):
        assert code not in codes, f"clean fixture {fixture.name} must not yield {code}"
    else:
        assert code in codes, f"firing fixture {fixture.name} must yield at least one {code}"

    snapshot = SNAPSHOTS / f"{fixture.stem}.txt"
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
        return
    if not snapshot.exists():
        pytest.fail(
            f"no snapshot for {fixture.name}: create it with "
            f"`NB2PROD_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/rules -k {fixture.stem}` and review it"
        )
    expected = snapshot.read_text(encoding="utf-8")
    assert text == expected, (
        f"{fixture.name} no longer matches {snapshot.relative_to(REPOSITORY)}; if the change is intended, "
        "regenerate with `NB2PROD_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/rules` and review the diff"
    )


def test_every_snapshot_has_its_fixture() -> None:
    stems = {fixture.stem for fixture in rule_fixtures()}
    orphans = sorted(path.name for path in SNAPSHOTS.glob("*.txt") if path.stem not in stems)
    assert not orphans, f"snapshots without a fixture in fixtures/rules (delete them): {orphans}"


def test_fixture_names_follow_the_convention() -> None:
    import re

    pattern = re.compile(r"^NB\d{3}_[a-z0-9]+(?:_[a-z0-9]+)*$")
    wrong = [fixture.name for fixture in rule_fixtures() if not pattern.match(fixture.stem)]
    assert not wrong, f"fixtures must be named <CODE>_<what_it_shows>.ipynb in snake case: {wrong}"

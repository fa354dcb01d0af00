"""Configuration: the nearest ``[tool.nb2prod]``, strict keys, and command-line flags that win."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_notebook

from nb2prod.cli import cli
from nb2prod.config import Settings, find_pyproject, load_settings, settings_from_table
from nb2prod.errors import ConfigError


def _write_notebook(path: Path, counts: list[int | None]) -> Path:
    notebook = new_notebook(cells=[new_code_cell(f"x{i} = {i}", execution_count=count) for i, count in enumerate(counts)])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def test_nearest_pyproject_with_a_table_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nb2prod]\nselect = ["NB1"]\n', encoding="utf-8")
    inner = tmp_path / "sub" / "deeper"
    inner.mkdir(parents=True)
    # A pyproject without the table (only mentioning nb2prod in a comment) is passed over.
    (tmp_path / "sub" / "pyproject.toml").write_text('# see [tool.nb2prod] upstairs\n[project]\nname = "x"\n', encoding="utf-8")
    assert find_pyproject(inner) == tmp_path / "pyproject.toml"
    assert find_pyproject(inner / "notebook.ipynb") == tmp_path / "pyproject.toml"
    (inner / "pyproject.toml").write_text("[tool.nb2prod]\n", encoding="utf-8")
    assert find_pyproject(inner) == inner / "pyproject.toml"


def test_no_pyproject_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings([tmp_path / "nb.ipynb"])
    assert settings == Settings()
    assert settings.origin is None


def test_settings_from_the_table(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.nb2prod]\n"
        'select = ["NB1", "NB2"]\n'
        'ignore = ["NB103"]\n'
        'extend-exclude = ["scratch/*"]\n'
        "respect-gitignore = false\n"
        "max-cell-lines = 40\n"
        '[tool.nb2prod.per-file-ignores]\n"legacy/*.ipynb" = ["NB1"]\n',
        encoding="utf-8",
    )
    settings = load_settings([tmp_path])
    assert settings.origin == pyproject
    assert settings.project_root == tmp_path
    assert settings.select == ("NB1", "NB2")
    assert settings.ignore == ("NB103",)
    assert settings.extend_exclude == ("scratch/*",)
    assert settings.respect_gitignore is False
    assert settings.max_cell_lines == 40
    assert settings.ignored_for(tmp_path / "legacy" / "old.ipynb") == ("NB1",)
    assert settings.ignored_for(tmp_path / "new.ipynb") == ()


def test_unknown_key_is_a_one_line_error_naming_file_and_key(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.nb2prod]\nselekt = ["NB1"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings([tmp_path])
    message = str(caught.value)
    assert str(pyproject) in message
    assert "'selekt'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"select": "NB1"}, "'select' must be a list"),
        ({"select": ["NB1", 3]}, "'select' must be a list of strings"),
        ({"max-cell-lines": True}, "'max-cell-lines' must be a int"),
        ({"per-file-ignores": {"*.ipynb": "NB1"}}, "per-file-ignores.*.ipynb"),
        ({"ruff": "yes"}, "'ruff' must be a bool"),
    ],
)
def test_wrong_types_are_errors(table: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match="must be") as caught:
        settings_from_table(table, Path("pyproject.toml"))
    assert fragment in str(caught.value)


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.nb2prod\nselect = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings([], config=pyproject)


def test_cli_unknown_key_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.nb2prod]\ncolour = true\n", encoding="utf-8")
    _write_notebook(tmp_path / "nb.ipynb", [1])
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pyproject.toml" in lines[0] and "'colour'" in lines[0]


def test_flags_override_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.nb2prod]\nselect = ["NB103"]\n', encoding="utf-8")
    _write_notebook(tmp_path / "nb.ipynb", [3, 1])  # NB101, NB103 (gap 1->3), NB105 (starts at 1: no)
    runner = CliRunner()
    configured = runner.invoke(cli, ["lint", "--no-ruff", "--format", "json", str(tmp_path)])
    assert {item["code"] for item in json.loads(configured.stdout)} == {"NB103"}
    flagged = runner.invoke(cli, ["lint", "--no-ruff", "--format", "json", "--select", "NB101", str(tmp_path)])
    assert {item["code"] for item in json.loads(flagged.stdout)} == {"NB101"}
    ignored = runner.invoke(cli, ["lint", "--no-ruff", "--format", "json", "--ignore", "NB103", str(tmp_path)])
    assert ignored.exit_code == 0 and json.loads(ignored.stdout) == []


def test_per_file_ignores_and_extend_exclude_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nb2prod]\nselect = ["NB1"]\nextend-exclude = ["scratch"]\n'
        '[tool.nb2prod.per-file-ignores]\n"legacy/*" = ["NB101"]\n',
        encoding="utf-8",
    )
    _write_notebook(tmp_path / "legacy" / "old.ipynb", [2, 1])
    _write_notebook(tmp_path / "scratch" / "try.ipynb", [2, 1])
    _write_notebook(tmp_path / "new.ipynb", [2, 1])
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", "--format", "json", "--select", "NB101", str(tmp_path)])
    paths = {Path(item["path"]).relative_to(tmp_path).as_posix() for item in json.loads(result.stdout)}
    assert paths == {"new.ipynb"}


def test_explicit_config_option(tmp_path: Path) -> None:
    elsewhere = tmp_path / "settings" / "pyproject.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('[tool.nb2prod]\nselect = ["NB0", "NB1"]\nignore = ["NB1"]\n', encoding="utf-8")
    _write_notebook(tmp_path / "nb.ipynb", [2, 1])
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", "--config", str(elsewhere), str(tmp_path / "nb.ipynb")])
    assert result.exit_code == 0, result.output

"""The ``nb2prod extract`` command: writing, refusing to overwrite, dry runs, hard cases and errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from click.testing import CliRunner

from nb2prod.cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "extract"


def _copy(name: str, folder: Path) -> Path:
    target = folder / f"{name}.ipynb"
    shutil.copy(FIXTURES / name / f"{name}.ipynb", target)
    return target


def test_extract_writes_module_tests_and_config_and_leaves_the_notebook(tmp_path: Path) -> None:
    notebook = _copy("sections", tmp_path)
    before = notebook.read_bytes()
    result = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "sections.py").is_file()
    assert (tmp_path / "out" / "tests" / "test_sections.py").is_file()
    assert "[tool.mypy]" in (tmp_path / "out" / "pyproject.toml").read_text()
    assert notebook.read_bytes() == before
    assert "summarise() -> mean_sales, best" in result.output
    assert "SALES" not in result.output


def test_existing_files_are_not_overwritten_without_force(tmp_path: Path) -> None:
    notebook = _copy("sections", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sections.py").write_text("# mine\n")
    result = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(out)])
    assert result.exit_code != 0
    assert (out / "sections.py").read_text() == "# mine\n"
    assert not (out / "tests").exists()
    forced = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "sections.py").read_text() != "# mine\n"


def test_dry_run_and_diff_write_nothing(tmp_path: Path) -> None:
    notebook = _copy("sections", tmp_path)
    out = tmp_path / "out"
    dry = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(out), "--dry-run"])
    assert dry.exit_code == 0
    assert "would write" in dry.output
    diff = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(out), "--diff"])
    assert diff.exit_code == 0
    assert "+++ b/sections.py" in diff.output
    assert not out.exists()


def test_by_cell_and_module_name(tmp_path: Path) -> None:
    notebook = _copy("sections", tmp_path)
    result = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(tmp_path / "out"), "--by", "cell", "--name", "report_job", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "report_job.py" in result.output
    assert "cell_6() -> mean_sales, best" in result.output


def test_by_tag_groups_tagged_cells(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell("a = 1")
    first.metadata["tags"] = ["nb2prod:step=prepare"]
    second = nbformat.v4.new_code_cell("b = a + 1")
    third = nbformat.v4.new_code_cell("print(b)")
    third.metadata["tags"] = ["nb2prod:step=show"]
    notebook.cells = [first, second, third]
    path = tmp_path / "tagged.ipynb"
    nbformat.write(notebook, str(path))
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out"), "--by", "tag", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "prepare() -> b" in result.output
    assert "show(b) -> None" in result.output


def test_nbdev_export_cells_and_default_exp(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("#| default_exp tools"),
        nbformat.v4.new_code_cell("#| export\ndef double(x):\n    return 2 * x"),
        nbformat.v4.new_code_cell("double(4)"),
    ]
    path = tmp_path / "nbdev.ipynb"
    nbformat.write(notebook, str(path))
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    module = (tmp_path / "out" / "tools.py").read_text()
    assert "def double(x):" in module
    assert "double(4)" not in module


def test_non_python_notebook_is_refused(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    notebook.metadata["language_info"] = {"name": "R"}
    notebook.cells = [nbformat.v4.new_code_cell("x <- 1")]
    path = tmp_path / "r.ipynb"
    nbformat.write(notebook, str(path))
    import pytest

    from nb2prod.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["extract", str(path), "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert not (tmp_path / "out").exists()


def test_unreadable_notebook_is_one_line_error(tmp_path: Path, capsys: object) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    import pytest

    from nb2prod.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["extract", str(path), "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2


def test_hard_cases_give_messages_not_crashes(tmp_path: Path) -> None:
    for name in ("syntax_error_cell", "star_import", "writefile_cell", "magics_and_pip"):
        notebook = _copy(name, tmp_path)
        result = CliRunner().invoke(cli, ["extract", str(notebook), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    syntax = CliRunner().invoke(cli, ["extract", str(tmp_path / "syntax_error_cell.ipynb"), "-o", str(tmp_path / "s2"), "-q"])
    assert "does not parse" in syntax.output
    assert (tmp_path / "magics_and_pip" / "requirements.txt").read_text().splitlines()[1:] == ["requests==2.32.3", "tqdm"]


def test_python_that_libcst_cannot_parse_is_kept_as_a_comment(tmp_path: Path) -> None:
    # `(x): int` is valid Python that LibCST's grammar rejects; it once ended extract with an
    # internal error.
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("def f():\n    (total): int = 1\n    return total"),
        nbformat.v4.new_code_cell("value = 2\nprint(value)"),
    ]
    path = tmp_path / "rare.ipynb"
    nbformat.write(notebook, str(path))
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "cell 1: valid Python that LibCST, the code rewriter, cannot parse (line 2, column 14)" in result.output
    module = tmp_path / "out" / "rare.py"
    text = module.read_text(encoding="utf-8")
    assert [line.strip() for line in text.splitlines() if "(total): int" in line] == ["#     (total): int = 1"]
    assert "print(value)" in text
    compile(text, str(module), "exec")


def test_duplicate_definitions_and_global_writes_are_reported(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("def f():\n    return 1"),
        nbformat.v4.new_code_cell("def f():\n    return 2\ncount = 0"),
        nbformat.v4.new_code_cell("def bump():\n    global count\n    count += 1\nbump()\nprint(f(), count)"),
    ]
    path = tmp_path / "hard.ipynb"
    nbformat.write(notebook, str(path))
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "`f` is defined more than once" in result.output
    assert "assigns the global `count`" in result.output
    json.dumps(result.output)

"""ruff merged into lint: cell/line mapping, config, same-fact merging, suppressions, failure as one finding."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from nb2prod import lint_ruff
from nb2prod.cli import cli
from nb2prod.config import Settings
from nb2prod.lint import lint_paths, rules_for


def write(path: Path, cells: list[object], tags: dict[int, list[str]] | None = None) -> Path:
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"id-{index + 1}"
        if tags and index + 1 in tags:
            cell.metadata["tags"] = tags[index + 1]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def lint_json(*arguments: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", *arguments])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Markdown and raw cells between code cells, so ruff's cell numbers must count every cell."""
    return write(
        tmp_path / "mixed.ipynb",
        [
            new_markdown_cell("# Title"),
            new_code_cell("import os\nimport sys\nprint(sys.argv)"),
            new_raw_cell("raw text"),
            new_markdown_cell("More"),
            new_code_cell("%matplotlib inline\nx = 1;\ny = (x == None)"),
        ],
    )


def test_ruff_findings_land_on_the_right_cell_line_and_column(mixed: Path) -> None:
    found = {(d["code"], d["cell"], d["line"], d["column"]) for d in lint_json("--select", "F,E", str(mixed))}
    assert ("F401", 2, 1, 8) in found  # `os` in `import os`
    assert ("E703", 5, 2, 6) in found  # the semicolon, after the masked magic line
    assert ("E711", 5, 3, 11) in found  # `None` in `y = (x == None)`


def test_ruff_findings_carry_source_cell_id_url_and_fix(mixed: Path) -> None:
    (f401,) = [d for d in lint_json("--select", "F401", str(mixed))]
    assert f401["source"] == "ruff"
    assert f401["cell_id"] == "id-2"
    assert str(f401["name"]) == "unused-import"
    fix = f401["fix"]
    assert isinstance(fix, dict) and fix["applicability"] == "safe"
    assert fix["edits"][0]["cell"] == 2


def test_nb_only_selection_runs_no_ruff(mixed: Path) -> None:
    assert all(d["source"] == "nb2prod" for d in lint_json("--select", "NB", str(mixed)))
    assert lint_ruff.ruff_pass_for(["NB3"], []) is None


def test_no_ruff_flag_skips_ruff(mixed: Path) -> None:
    assert [d for d in lint_json("--no-ruff", str(mixed)) if d["source"] == "ruff"] == []


def test_default_selection_without_project_config(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mixed.parent)  # ruff falls back to the working folder's configuration
    invocation = lint_ruff.ruff_invocation(Settings(), None, ())
    assert invocation is not None
    assert invocation.unconfigured_arguments is not None
    assert invocation.unconfigured_arguments[-3:] == ("--isolated", "--select", "F,E4,E7,E9")
    assert "--select" not in invocation.arguments  # a project's own configuration decides
    codes = {d["code"] for d in lint_json(str(mixed)) if d["source"] == "ruff"}
    assert {"F401", "E703", "E711"} <= codes
    assert not any(code.startswith(("W", "I", "UP", "B")) for code in codes)


def test_project_ruff_config_is_honoured(tmp_path: Path) -> None:
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("import os\nx = 1;\ny = 2")])
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E703"]\n', encoding="utf-8")
    codes = {d["code"] for d in lint_json(str(notebook)) if d["source"] == "ruff"}
    assert codes == {"E703"}
    assert lint_ruff.has_ruff_config(tmp_path)


def test_project_ruff_exclusions_are_honoured(tmp_path: Path) -> None:
    notebook = write(tmp_path / "skipped" / "nb.ipynb", [new_code_cell("import os")])
    (tmp_path / "ruff.toml").write_text('extend-exclude = ["skipped"]\n[lint]\nselect = ["F"]\n', encoding="utf-8")
    assert [d for d in lint_json(str(notebook)) if d["source"] == "ruff"] == []


def test_ignore_reaches_ruff(mixed: Path) -> None:
    codes = {d["code"] for d in lint_json("--select", "F,E", "--ignore", "F401", str(mixed))}
    assert "F401" not in codes and "E703" in codes


def test_f821_gives_way_to_the_richer_nb_finding(tmp_path: Path) -> None:
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("print(missing)")])
    codes = [d["code"] for d in lint_json("--select", "NB2,F", str(notebook))]
    assert "F821" not in codes and "NB206" in codes
    assert "F821" in [d["code"] for d in lint_json("--select", "F", str(notebook))]


def test_numpy2_findings_merge_into_removed_api(tmp_path: Path) -> None:
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("import numpy as np\na = np.NaN\nb = np.in1d([1], [1])\nc = np.row_stack([[1]])")])
    found = lint_json("--select", "NB310,F", str(notebook))
    removed = [d for d in found if d["code"] == "NB310"]
    assert [d["line"] for d in removed].count(2) == 1  # np.NaN: ours, not twice
    assert all(d["code"] != "NPY201" for d in found)


def test_suppressions_apply_to_ruff_findings(tmp_path: Path) -> None:
    notebook = write(
        tmp_path / "nb.ipynb",
        [new_code_cell("import os  # noqa: F401\nimport sys"), new_code_cell("import json"), new_code_cell("import re  # noqa")],
        tags={2: ["nb2prod:ignore=F401"]},
    )
    found = [(d["code"], d["cell"], d["line"]) for d in lint_json("--select", "F401", str(notebook))]
    assert found == [("F401", 1, 2)]


def test_per_file_ignores_apply_to_ruff_findings(tmp_path: Path) -> None:
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("import os")])
    (tmp_path / "pyproject.toml").write_text('[tool.nb2prod]\nper-file-ignores = {"nb.ipynb" = ["F401"]}\n', encoding="utf-8")
    assert [d for d in lint_json("--select", "F", str(notebook)) if d["code"] == "F401"] == []


def test_one_ruff_process_for_many_notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [write(tmp_path / f"nb{i}.ipynb", [new_code_cell("import os")]) for i in range(12)]
    calls: list[int] = []
    real = lint_ruff.run_ruff

    def counting(files, arguments, stdin=None):  # type: ignore[no-untyped-def]
        calls.append(len(files))
        return real(files, arguments, stdin=stdin)

    monkeypatch.setattr(lint_ruff, "run_ruff", counting)
    settings = Settings()
    ruff_pass = lint_ruff.ruff_pass_for(["F"], [])
    assert ruff_pass is not None
    run = lint_paths([tmp_path], settings, rules_for(settings, ["F"]), jobs=1, extra=[ruff_pass])
    assert calls == [12]
    assert sorted(d.path for d in run.diagnostics) == sorted(str(p) for p in paths)


def test_missing_ruff_is_one_clear_finding(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint_ruff, "find_ruff", lambda: None)
    found = lint_json("--select", "F", str(mixed))
    assert [d["code"] for d in found] == [lint_ruff.RUFF_FAILED_CODE]
    assert "ruff could not run" in str(found[0]["message"]) and "--no-ruff" in str(found[0]["message"])


def test_failing_ruff_is_one_clear_finding(mixed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "ruff"
    broken.write_text("#!/bin/sh\necho 'ruff failed' >&2\necho '  Cause: the disk is on fire' >&2\nexit 2\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setattr(lint_ruff, "find_ruff", lambda: str(broken))
    found = lint_json("--select", "F", str(mixed))
    assert [d["code"] for d in found] == [lint_ruff.RUFF_FAILED_CODE]
    assert "the disk is on fire" in str(found[0]["message"])


def test_unreadable_and_syntax_error_notebooks_are_ours_not_rufs(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    write(tmp_path / "syntax.ipynb", [new_code_cell("def f(:\n    pass")])
    codes = sorted(str(d["code"]) for d in lint_json("--select", "NB0,F,E", str(tmp_path)))
    assert codes == ["NB001", "NB002"]


def test_ruff_findings_map_onto_what_the_worker_processes_read(tmp_path: Path) -> None:
    # With a process pool the ruff pass maps its findings onto the outlines the workers send
    # back, not onto files read again: the result must match the single-process run and the
    # stand-alone pass that reads the files itself, suppressions included.
    for index in range(10):
        write(
            tmp_path / f"nb{index:02}.ipynb",
            [
                new_markdown_cell("# Notes"),
                new_code_cell("import os\nimport sys  # noqa: F401\nx = 1\nx == None"),
                new_code_cell("import json", outputs=[new_output("stream", name="stdout", text="big\n" * 1000)]),
            ],
            tags={3: ["nb2prod:ignore=F401"]} if index % 2 else None,
        )
    settings = Settings()
    rules = rules_for(settings, ["F", "E7"])
    ruff_pass = lint_ruff.ruff_pass_for(["F", "E7"], [])
    assert ruff_pass is not None
    pooled = lint_paths([tmp_path], settings, rules, jobs=2, extra=[ruff_pass])
    single = lint_paths([tmp_path], settings, rules, jobs=1, extra=[ruff_pass])
    files = sorted(tmp_path.glob("*.ipynb"))
    alone = ruff_pass(files, settings)

    def keyed(diagnostics: object) -> list[tuple[str, str, int | None, int | None, str | None]]:
        return sorted((d.path, d.code, d.span and d.span.cell, d.span and d.span.line, d.span and d.span.cell_id) for d in diagnostics)  # type: ignore[attr-defined]

    assert keyed(pooled.diagnostics) == keyed(single.diagnostics)
    assert keyed(pooled.diagnostics) == keyed(d for found in alone.values() for d in found)
    by_file = {Path(result.path).name: [(d.code, d.span and d.span.cell) for d in result.diagnostics] for result in pooled.results}
    assert by_file["nb00.ipynb"] == [("F401", 2), ("E711", 2), ("F401", 3)]  # sys has a noqa
    assert by_file["nb01.ipynb"] == [("F401", 2), ("E711", 2)]  # cell 3 is tagged
    assert all(result.outline is None for result in pooled.results)  # dropped once merged


def test_an_outline_keeps_what_mapping_needs_and_drops_outputs(tmp_path: Path) -> None:
    from nb2prod import notebook as notebook_io
    from nb2prod.lint import outline_of

    path = write(
        tmp_path / "nb.ipynb",
        [new_markdown_cell("# long prose"), new_code_cell("x = 1", outputs=[new_output("stream", name="stdout", text="1\n")])],
        tags={2: ["nb2prod:ignore=F401"]},
    )
    outline = outline_of(notebook_io.read(path))
    assert [(cell.kind, cell.source, cell.cell_id, cell.tags, cell.outputs) for cell in outline.cells] == [
        ("markdown", "", "id-1", (), ()),
        ("code", "x = 1", "id-2", ("nb2prod:ignore=F401",), ()),
    ]
    assert outline.path == path


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--select", "F,NOPE99"], "unknown rule selector 'NOPE99'"),
        (["--ignore", "ZZZ1"], "unknown rule selector 'ZZZ1'"),
        (["--extend-select", "QQ7"], "unknown rule selector 'QQ7'"),
    ],
)
def test_a_code_neither_tool_knows_is_a_usage_error(mixed: Path, arguments: list[str], fragment: str) -> None:
    # ruff's own behaviour: an unknown selector is exit 2 with one line, not a finding.
    result = CliRunner().invoke(cli, ["lint", *arguments, str(mixed)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert fragment in result.stderr


def test_a_file_level_ruff_finding_on_a_notebook_without_cells(tmp_path: Path) -> None:
    # ruff reports CPY001 at "cell 1" of a notebook that has no cells; this once ended the whole
    # run with an internal error.
    nbformat.write(new_notebook(cells=[]), tmp_path / "empty.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path / "one.ipynb")
    result = CliRunner().invoke(cli, ["lint", "--select", "CPY001", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1, result.output
    found = {(Path(item["path"]).name, item["code"], item["cell"]) for item in json.loads(result.stdout)}
    assert found == {("empty.ipynb", "CPY001", None), ("one.ipynb", "CPY001", 1)}


def test_a_bug_in_the_ruff_pass_costs_its_findings_not_the_run(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(lint_ruff, "map_ruff_findings", explode)
    result = CliRunner().invoke(cli, ["lint", "--select", "NB2,F", "--format", "json", str(mixed)])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)
    internal = [d for d in findings if d["code"] == "NB000"]
    assert [d["message"] for d in internal] == ["internal error in the ruff pass: IndexError: tuple index out of range (please report it)"]


def ruff_codes(*arguments: str) -> set[tuple[str, int]]:
    return {
        (str(d["code"]), int(d["cell"]))  # type: ignore[call-overload]
        for d in lint_json(*arguments)
        if d["source"] == "ruff"
    }


def test_extend_select_adds_to_ruff_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("import os \nx = 1")])
    assert ruff_codes("--extend-select", "W", str(notebook)) == {("F401", 1), ("W291", 1)}
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E"]\n', encoding="utf-8")
    assert ruff_codes("--extend-select", "F", str(notebook)) == {("F401", 1)}


def test_each_notebook_gets_the_ruff_configuration_ruff_would_give_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bare = write(tmp_path / "bare" / "nb.ipynb", [new_code_cell("import os \nx = 1")])
    project = tmp_path / "project"
    configured = write(project / "nb.ipynb", [new_code_cell("import os \nx = 1")])
    (project / "pyproject.toml").write_text(
        '[tool.ruff.lint]\nselect = ["F", "W"]\nignore = ["F401"]\n', encoding="utf-8"
    )
    found = {(str(d["path"]), str(d["code"])) for d in lint_json(str(bare), str(configured)) if d["source"] == "ruff"}
    assert found == {(str(bare), "F401"), (str(configured), "W291")}
    # --isolated: no configuration at all, ruff's default selection for both
    found = {(str(d["path"]), str(d["code"])) for d in lint_json("--isolated", str(bare), str(configured)) if d["source"] == "ruff"}
    assert found == {(str(bare), "F401"), (str(configured), "F401")}
    # --config: this ruff configuration for every notebook
    assert {str(d["code"]) for d in lint_json("--config", str(project / "pyproject.toml"), str(bare)) if d["source"] == "ruff"} == {"W291"}


def test_a_linked_notebook_gets_the_configuration_of_the_file_it_links_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = write(tmp_path / "project" / "nb.ipynb", [new_code_cell("x = 1")])
    (tmp_path / "project" / "ruff.toml").write_text("", encoding="utf-8")
    plain = write(tmp_path / "bare" / "plain.ipynb", [new_code_cell("x = 1")])
    link = tmp_path / "bare" / "link.ipynb"
    link.symlink_to(target)
    assert lint_ruff.split_by_configuration([link, plain, target]) == ([link, target], [plain])


def test_real_paths_agree_with_os_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ruff names a file by its absolute or its real path; the real path is worked out per folder.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "nb.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "link.ipynb").symlink_to(tmp_path / "real" / "sub" / "nb.ipynb")
    paths = [
        "real/sub/nb.ipynb",
        "linked/sub/nb.ipynb",
        str(tmp_path / "linked" / "sub" / "nb.ipynb"),
        "linked/sub/../link.ipynb",
        "real/link.ipynb",
        "linked/sub/missing.ipynb",
        "nb.ipynb",
        "linked/sub/",
        "linked/..",
    ]
    real_folders: dict[str, str] = {}
    assert [lint_ruff._real_path(path, real_folders) for path in paths] == [os.path.realpath(path) for path in paths]


def test_ruff_noqa_on_a_multi_line_statement_is_ruffs_to_honour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = "from collections import (  # noqa: F401\n    OrderedDict,\n    defaultdict,\n)\nx = '''text\n'''  # noqa: F401"
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell(source)])
    assert ruff_codes(str(notebook)) == set()
    result = CliRunner().invoke(cli, ["lint", "--select", "F", "--fix", str(notebook)])
    assert result.exit_code == 0, result.output
    assert nbformat.read(notebook, as_version=4).cells[0].source == source


def test_ruff_keeps_nb_codes_in_noqa_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("x = 1"), new_code_cell("import os  # noqa: NB401, F401\nprint(os)")])
    CliRunner().invoke(cli, ["lint", "--select", "F,RUF100,NB401", "--fix", str(notebook)])
    assert nbformat.read(notebook, as_version=4).cells[1].source == "import os  # noqa: NB401\nprint(os)"


def test_names_used_or_bound_only_in_ipython_syntax_are_not_unused_or_undefined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cells = [
        new_code_cell("import numpy as np\nimport os\nimport sys\nimport json\nimport re"),
        new_code_cell("%time a = np.arange(3)"),
        new_code_cell("!echo {os.getcwd()}"),
        new_code_cell("%timeit -r3 sys.exit"),
        new_code_cell("files = !ls $json"),
        new_code_cell("print(a)"),
    ]
    notebook = write(tmp_path / "nb.ipynb", cells)
    assert ruff_codes("--select", "F", str(notebook)) == {("F401", 1)}  # only `re` is unused
    CliRunner().invoke(cli, ["lint", "--select", "F", "--fix", str(notebook)])
    assert nbformat.read(notebook, as_version=4).cells[0].source == "import numpy as np\nimport os\nimport sys\nimport json"


def test_ruff_checks_nbformat_3_notebooks_in_their_converted_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ruff reads only nbformat 4; nb2prod hands it the notebook as nb2prod read it.
    monkeypatch.chdir(tmp_path)
    document = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "markdown", "source": "# Old"},
                    {"cell_type": "code", "input": "import os\nx = 1\nprint(y)", "language": "python", "outputs": []},
                ]
            }
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    found = [(d["code"], d["cell"], d["line"], d["fix"]) for d in lint_json("--select", "F", str(path))]
    assert sorted(found) == [("F401", 2, 1, None), ("F821", 2, 3, None)]


def test_ruff_failure_names_the_cause_not_the_snippet() -> None:
    stderr = (
        "ruff failed\n  Cause: Failed to parse /p/pyproject.toml\n  Cause: TOML parse error at line 2, column 1\n"
        "  |\n2 | line-lenght = 3\n  | ^^^^^^^^^^^\nunknown field `line-lenght`, expected one of ...\n"
    )
    assert lint_ruff._failure_reason(stderr) == (
        "Failed to parse /p/pyproject.toml: TOML parse error at line 2, column 1: "
        "unknown field `line-lenght`, expected one of ..."
    )


def test_fixes_at_a_cell_end_leave_what_ruff_leaves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A last line of blanks emptied by W293 keeps its line break; a deleted last import does not.
    monkeypatch.chdir(tmp_path)
    notebook = write(tmp_path / "nb.ipynb", [new_code_cell("x = 1\n   "), new_code_cell("y = 2  \n\t"), new_code_cell("import os\nz = 3\nimport re")])
    CliRunner().invoke(cli, ["lint", "--select", "W,F", "--fix", "--unsafe-fixes", str(notebook)])
    assert [cell.source for cell in nbformat.read(notebook, as_version=4).cells] == ["x = 1\n", "y = 2\n", "z = 3"]

"""The fix engine: edits applied to notebook JSON, formatting kept, overlaps deferred, diffs, re-lint."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nb2prod.cli import cli
from nb2prod.config import Settings
from nb2prod.diagnostics import CellSpan, ClearOutputs, Diagnostic, Fix, MoveCells, ReplaceText
from nb2prod.fix import apply_fixes, apply_fixes_to_run
from nb2prod.lint import LintResult, LintRun, lint_paths, rules_for


def write(path: Path, cells: list[object], *, indent: int = 1) -> Path:
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"id-{index + 1}"
    text = json.dumps(notebook, indent=indent, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def diagnostic(fix: Fix, cell: int = 1, line: int = 1) -> Diagnostic:
    return Diagnostic("nb.ipynb", "NB999", "test", "m", "warning", CellSpan(cell, line, 1, line, 2), fix=fix)


def relinter(codes: list[str]):  # type: ignore[no-untyped-def]
    settings = Settings(ruff=False)
    rules = rules_for(settings, codes)
    return lambda paths, texts=None: lint_paths(paths, settings, rules, jobs=1, texts=texts)


def test_pip_fix_writes_a_valid_notebook_and_changes_only_the_edit(tmp_path: Path) -> None:
    path = write(tmp_path / "nb.ipynb", [new_markdown_cell("# Título"), new_code_cell("!pip install pandas\nimport pandas as pd")], indent=2)
    before = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", "--select", "NB303", "--fix", str(path)])
    assert result.exit_code in (0, 1), result.output
    after = path.read_text(encoding="utf-8")
    assert after == before.replace('"!pip install pandas', '"%pip install pandas')
    assert after != before
    nbformat.validate(nbformat.reads(after, as_version=4))
    assert "Fixed 1 finding" in result.stderr


def test_safe_fixes_only_without_unsafe_flag(tmp_path: Path) -> None:
    error = new_output("error", ename="ValueError", evalue="x", traceback=["ValueError: x"])
    path = write(tmp_path / "nb.ipynb", [new_code_cell("raise ValueError('x')", execution_count=1, outputs=[error])])
    before = path.read_text(encoding="utf-8")
    CliRunner().invoke(cli, ["lint", "--no-ruff", "--select", "NB308", "--fix", str(path)])
    assert path.read_text(encoding="utf-8") == before
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", "--select", "NB308", "--fix", "--unsafe-fixes", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["cells"][0]["outputs"] == []
    assert document["cells"][0]["execution_count"] == 1
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def test_diff_shows_changes_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "nb.ipynb", [new_code_cell("!pip install numpy")])
    before = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--no-ruff", "--select", "NB303", "--diff", str(path)])
    assert path.read_text(encoding="utf-8") == before
    assert f"--- {path}:cell 1" in result.stdout
    assert "-!pip install numpy" in result.stdout and "+%pip install numpy" in result.stdout
    assert result.exit_code == 1


def test_replace_edits_in_one_cell_apply_from_the_end() -> None:
    text = json.dumps({"cells": [{"cell_type": "code", "source": ["ab\n", "cd"], "metadata": {}, "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    fixes = [
        diagnostic(Fix("a", "safe", (ReplaceText(1, 1, 1, 1, 2, "A"),))),
        diagnostic(Fix("d", "safe", (ReplaceText(1, 2, 2, 2, 3, "D"),)), line=2),
        diagnostic(Fix("end", "safe", (ReplaceText(1, 2, 3, 2, 3, "()"),)), line=2),
    ]
    change = apply_fixes("nb.ipynb", text, fixes, unsafe=False)
    assert json.loads(change.after)["cells"][0]["source"] == ["Ab\n", "cD()"]
    assert len(change.fixed) == 3


def test_overlapping_fixes_wait_for_the_next_round() -> None:
    text = json.dumps({"cells": [{"cell_type": "code", "source": "abcdef", "metadata": {}, "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    first = diagnostic(Fix("x", "safe", (ReplaceText(1, 1, 1, 1, 4, "X"),)))
    second = diagnostic(Fix("y", "safe", (ReplaceText(1, 1, 3, 1, 6, "Y"),)))
    change = apply_fixes("nb.ipynb", text, [second, first], unsafe=False)
    assert change.fixed == [first] or change.fixed == [second]
    assert len(change.fixed) == 1
    assert json.loads(change.after)["cells"][0]["source"] in ("Xdef", "abYf")
    assert change.after.count("\n") == text.count("\n")  # compact files stay compact


def test_move_cells_and_clear_outputs() -> None:
    cells = [
        {"cell_type": "code", "id": f"c{n}", "source": f"x{n}", "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": "o"}], "execution_count": n}
        for n in (1, 2, 3)
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    move = diagnostic(Fix("reorder", "unsafe", (MoveCells((3, 1, 2)),)))
    clear = diagnostic(Fix("clear", "unsafe", (ClearOutputs(2),)), cell=2)
    assert apply_fixes("nb.ipynb", text, [move, clear], unsafe=False).fixed == []
    change = apply_fixes("nb.ipynb", text, [move], unsafe=True)
    assert [c["id"] for c in json.loads(change.after)["cells"]] == ["c3", "c1", "c2"]
    change = apply_fixes("nb.ipynb", text, [clear], unsafe=True)
    assert [len(c["outputs"]) for c in json.loads(change.after)["cells"]] == [1, 0, 1]
    bad_move = diagnostic(Fix("bad", "safe", (MoveCells((1, 1, 2)),)))
    assert apply_fixes("nb.ipynb", text, [bad_move], unsafe=False).fixed == []


def test_display_only_fixes_are_never_applied() -> None:
    text = json.dumps({"cells": [{"cell_type": "code", "source": "a", "metadata": {}, "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    shown = diagnostic(Fix("show", "display-only", (ReplaceText(1, 1, 1, 1, 2, "b"),)))
    assert apply_fixes("nb.ipynb", text, [shown], unsafe=True).fixed == []


def test_relint_gives_fresh_remaining_findings(tmp_path: Path) -> None:
    error = new_output("error", ename="KeyError", evalue="'a'", traceback=["KeyError"])
    path = write(tmp_path / "nb.ipynb", [new_code_cell("!pip install x\nd = {}\nd['a']", execution_count=1, outputs=[error])])
    relint = relinter(["NB303", "NB308"])
    run = relint([path])
    assert sorted(d.code for d in run.diagnostics) == ["NB303", "NB308"]
    outcome = apply_fixes_to_run(run, unsafe=True, write=True, relint=relint)
    assert outcome.fixed_count == 2
    assert [(d.code, d.fix) for d in outcome.remaining] == [("NB303", None)]  # %pip: no fix left
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def test_without_relint_remaining_is_what_was_not_fixed(tmp_path: Path) -> None:
    path = write(tmp_path / "nb.ipynb", [new_code_cell("!pip install x")])
    keep = Diagnostic(str(path), "NB302", "absolute-path", "m", "warning", CellSpan(1, 1, 1, 1, 2))
    fixable = relinter(["NB303"])([path]).diagnostics[0]
    run = LintRun([LintResult(str(path), (fixable, keep), 1)])
    outcome = apply_fixes_to_run(run, unsafe=False, write=False)
    assert outcome.fixed_count == 1
    assert outcome.remaining == [keep]
    assert "%pip install x" in outcome.diff


def test_ruff_fixes_apply_through_the_same_engine(tmp_path: Path) -> None:
    path = write(tmp_path / "nb.ipynb", [new_markdown_cell("# t"), new_code_cell("import os\nimport sys\nprint(sys.argv)")])
    result = CliRunner().invoke(cli, ["lint", "--select", "F401", "--fix", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    assert "".join(document["cells"][1]["source"]) == "import sys\nprint(sys.argv)"
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def test_ruff_fixes_that_add_an_import_are_left_to_ruff(tmp_path: Path) -> None:
    # ruff's JSON says the `import pytest` edit goes to row 3 of *some* cell (cell 1, after the
    # imports), not which: applied to the finding's cell, it broke the method body.
    test_cell = "class T(unittest.TestCase):\n    def test_a(self):\n        with self.assertRaises(ValueError):\n            pass\n        self.assertEqual(1, 1)\n"
    path = write(tmp_path / "nb.ipynb", [new_code_cell("import os\nimport unittest\nx = 1"), new_markdown_cell("m"), new_code_cell(test_cell)])
    result = CliRunner().invoke(cli, ["lint", "--select", "PT009,PT027", "--fix", "--unsafe-fixes", str(path)])
    document = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in document["cells"]]
    assert sources[0] == "import os\nimport unittest\nx = 1"
    assert sources[2] == test_cell.replace("self.assertEqual(1, 1)", "assert 1 == 1")  # PT009 fixed
    assert "PT027" in result.output  # left, unfixed: pytest.raises needs an import in cell 1


def test_ruff_renames_across_cells_are_left_to_ruff_and_fixes_inside_one_function_apply(tmp_path: Path) -> None:
    # ICN001 renames `numpy` in every cell that uses it; RET504 edits two lines of one function.
    path = write(tmp_path / "nb.ipynb", [new_code_cell("import numpy\na = numpy.ones(3)"), new_code_cell("b = numpy.zeros(3)\n\ndef f():\n    x = b.sum()\n    return x\n")])
    report = CliRunner().invoke(cli, ["lint", "--select", "ICN001,RET504", "--unsafe-fixes", "--format", "json", str(path)])
    fixes = {item["code"]: item["fix"] for item in json.loads(report.stdout)}
    assert fixes["ICN001"] is None and fixes["RET504"] is not None
    CliRunner().invoke(cli, ["lint", "--select", "ICN001,RET504", "--fix", "--unsafe-fixes", str(path)])
    sources = ["".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]
    assert sources == ["import numpy\na = numpy.ones(3)", "b = numpy.zeros(3)\n\ndef f():\n    return b.sum()\n"]


@pytest.mark.parametrize(
    "cells",
    [
        # ruff's second edit, meant for cell 2, starts where the finding ends but past the line's end.
        ["import numpy", "resultval = numpy.ones(3)"],
        # ... or within the line, cutting `import` in two.
        ["import numpy  # arrays", "y=numpy.x"],
    ],
)
def test_a_rename_reaching_another_cell_is_never_applied(tmp_path: Path, cells: list[str]) -> None:
    path = write(tmp_path / "nb.ipynb", [new_code_cell(source) for source in cells])
    CliRunner().invoke(cli, ["lint", "--select", "ICN001", "--fix", "--unsafe-fixes", str(path)])
    sources = ["".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]
    assert sources == cells


def test_a_fix_to_syntax_newer_than_this_python_is_still_applied(tmp_path: Path) -> None:
    # ruff writes `type X = ...` for a py312 target even when nb2prod runs on an older Python,
    # which cannot parse the result: that cell is not "broken" by the fix.
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\ntarget-version = "py312"\n', encoding="utf-8")
    path = write(tmp_path / "nb.ipynb", [new_code_cell("from typing import TypeAlias\n\nAlias: TypeAlias = list[int]")])
    result = CliRunner().invoke(cli, ["lint", "--select", "UP040", "--fix", "--unsafe-fixes", str(path)])
    sources = ["".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]
    assert sources[0].endswith("type Alias = list[int]"), result.output


def test_an_edit_shared_by_two_fixes_is_made_once() -> None:
    text = json.dumps({"cells": [{"cell_type": "code", "source": "a = 1\nb = 2\n", "metadata": {}, "outputs": [], "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    shared = ReplaceText(1, 1, 1, 1, 1, "import x\n")
    fixes = [
        diagnostic(Fix("one", "safe", (shared, ReplaceText(1, 1, 5, 1, 6, "x.one"))), line=1),
        diagnostic(Fix("two", "safe", (shared, ReplaceText(1, 2, 5, 2, 6, "x.two"))), line=2),
    ]
    change = apply_fixes("nb.ipynb", text, fixes, unsafe=False)
    assert json.loads(change.after)["cells"][0]["source"] == "import x\na = x.one\nb = x.two\n"
    assert len(change.fixed) == 2


def test_a_fix_that_would_break_a_parsing_cell_is_not_applied() -> None:
    cells = [
        {"cell_type": "code", "source": "def f():\n    return 1\n", "metadata": {}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": "y = 2\n", "metadata": {}, "outputs": [], "execution_count": None},
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    fixes = [
        diagnostic(Fix("misplaced", "safe", (ReplaceText(1, 2, 1, 2, 1, "import x\n"),)), line=2),  # dedents the body
        diagnostic(Fix("fine", "safe", (ReplaceText(2, 1, 5, 1, 6, "3"),)), cell=2),
    ]
    change = apply_fixes("nb.ipynb", text, fixes, unsafe=False)
    after = json.loads(change.after)["cells"]
    assert after[0]["source"] == "def f():\n    return 1\n"
    assert after[1]["source"] == "y = 3\n"
    assert [d.fix.title for d in change.fixed if d.fix] == ["fine"]


@pytest.mark.parametrize("fixture", sorted((Path(__file__).resolve().parents[1] / "fixtures" / "rules").glob("NB3*.ipynb")), ids=lambda p: p.stem)
def test_fixing_rule_fixtures_keeps_them_valid(fixture: Path, tmp_path: Path) -> None:
    copy = tmp_path / fixture.name
    copy.write_bytes(fixture.read_bytes())
    relint = relinter(["NB3"])
    apply_fixes_to_run(relint([copy]), unsafe=True, write=True, relint=relint)
    nbformat.validate(nbformat.reads(copy.read_text(encoding="utf-8"), as_version=4))


def test_byte_order_mark_and_compact_style_survive_a_fix(tmp_path: Path) -> None:
    document = {"cells": [{"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [], "source": "!pip install x\n# café"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = "\ufeff" + json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    path = tmp_path / "nb.ipynb"
    path.write_text(text, encoding="utf-8")
    relint = relinter(["NB303"])
    apply_fixes_to_run(relint([path]), unsafe=False, write=True, relint=relint)
    after = path.read_text(encoding="utf-8")
    assert after == text.replace("!pip install", "%pip install")


def test_an_nbformat_3_notebook_is_offered_no_fix_and_never_rewritten(tmp_path: Path) -> None:
    # nb2prod reads v3 files by converting them; it does not write them back, so it must not
    # advertise fixes it will not apply.
    document = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {"cells": [{"cell_type": "code", "input": "!pip install requests\nimport os", "language": "python", "outputs": [], "prompt_number": 1}]}
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    before = path.read_bytes()
    runner = CliRunner()
    found = json.loads(runner.invoke(cli, ["lint", "--isolated", "--no-ruff", "--select", "NB303", "--format", "json", str(path)]).stdout)
    assert [(finding["code"], finding["fix"]) for finding in found] == [("NB303", None)]
    result = runner.invoke(cli, ["lint", "--isolated", "--no-ruff", "--select", "NB303", "--fix", "--unsafe-fixes", str(path)])
    assert result.exit_code == 1
    assert path.read_bytes() == before
    assert "fixable" not in result.stderr


def test_fix_with_nothing_to_fix_says_nothing_about_fixing(tmp_path: Path) -> None:
    path = write(tmp_path / "clean.ipynb", [new_code_cell("x = 1\nprint(x)")])
    result = CliRunner().invoke(cli, ["lint", "--isolated", "--fix", str(path)])
    assert result.exit_code == 0, result.output
    assert "Fixed" not in result.stderr


def test_diff_shows_every_round_that_fix_would_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Round 1 rewrites List -> list (UP006); only then is the import unused (F401, round 2).
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "nb.ipynb", [new_code_cell("from typing import List\n\nx: List[int] = []\nprint(x)")])
    before = path.read_bytes()
    arguments = ["lint", "--select", "F,UP"]
    diff = CliRunner().invoke(cli, [*arguments, "--diff", str(path)])
    assert diff.exit_code == 1
    assert path.read_bytes() == before
    assert "-from typing import List" in diff.stdout and "+x: list[int] = []" in diff.stdout
    fixed = CliRunner().invoke(cli, [*arguments, "--fix", str(path)])
    assert fixed.exit_code == 0, fixed.output
    assert nbformat.read(path, as_version=4).cells[0].source == "\nx: list[int] = []\nprint(x)"


_HAND_FORMATTED_PIP = """{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {
    "tags": ["remove-cell"]
   },
   "outputs": [],
   "source": [
    "!pip install x\\n",
    "print(1)\\n"
   ]
  },
  {
   "cell_type": "markdown",
   "metadata": {
   },
   "source": ["a \\/ slash and \\u00e9"]
  }
 ],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
 "nbformat": 4,
 "nbformat_minor": 4
}
"""


def _tabs_for_leading_spaces(text: str) -> str:
    return "\n".join("\t" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ") for line in text.split("\n"))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(json.loads(_HAND_FORMATTED_PIP), indent=1).replace("\n", "\r\n") + "\r\n", id="crlf"),
        pytest.param(json.dumps(json.loads(_HAND_FORMATTED_PIP), indent="\t") + "\n", id="tabs"),
        pytest.param(json.dumps(json.loads(_HAND_FORMATTED_PIP)), id="one-line-spaced"),
        pytest.param(_HAND_FORMATTED_PIP, id="hand-formatted"),
        pytest.param(_tabs_for_leading_spaces(_HAND_FORMATTED_PIP).replace("\n", "\r\n"), id="hand-formatted-crlf-tabs"),
    ],
)
def test_a_fix_changes_only_the_fixed_text_whatever_the_formatting(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(text.encode("utf-8"))
    relint = relinter(["NB303"])
    apply_fixes_to_run(relint([path]), unsafe=False, write=True, relint=relint)
    assert path.read_bytes().decode("utf-8") == text.replace("!pip install", "%pip install")

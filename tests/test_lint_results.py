"""Lint results cross from the worker processes by pickle, in a compact form: nothing may change on the way."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from nb2prod import notebook as notebook_io
from nb2prod.config import Settings
from nb2prod.diagnostics import (
    CellSpan,
    ClearOutputs,
    Diagnostic,
    Fix,
    MoveCells,
    Related,
    ReplaceText,
)
from nb2prod.lint import LintResult, lint_path, lint_paths, outline_of, rules_for

FINDINGS = (
    Diagnostic("a.ipynb", "NB001", "unreadable-notebook", "cannot read it", "error", None),
    Diagnostic(
        "a.ipynb",
        "NB201",
        "use-before-definition",
        "`x` is used in cell 2 but first defined in cell 3",
        "error",
        CellSpan(2, 1, 1, 1, 2, "id-2"),
        fix=Fix(
            "Move the cell",
            "unsafe",
            (
                MoveCells((1, 3, 2)),
                ReplaceText(2, 1, 1, 1, 2, "y"),
                ClearOutputs(2, (0,)),
                ClearOutputs(3),
            ),
        ),
        related=(Related(CellSpan(3, 1, 1, 1, 2), "defined here"),),
    ),
    Diagnostic(
        "a.ipynb",
        "F401",
        "unused-import",
        "`os` imported but unused",
        "warning",
        CellSpan(1),
        "ruff",
        url="https://docs.astral.sh/ruff/rules/unused-import",
    ),
)


def test_every_kind_of_finding_survives_pickling_and_copying() -> None:
    for finding in FINDINGS:
        assert pickle.loads(pickle.dumps(finding)) == finding
        assert copy.deepcopy(finding) == finding
    round_trip = pickle.loads(pickle.dumps(FINDINGS[1]))
    assert round_trip.span is not None and round_trip.span.cell_id == "id-2"  # not compared by ==


def test_a_result_and_its_outline_survive_pickling(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Title"),
            new_code_cell(
                "import os\nx = 1",
                outputs=[new_output("stream", name="stdout", text="big\n" * 100)],
            ),
            new_raw_cell("raw"),
            new_code_cell("print(x)"),
        ]
    )
    notebook.cells[3].metadata["tags"] = ["nb2prod:ignore=NB201", "parameters"]
    nbformat.write(notebook, path)
    settings = Settings()
    result = lint_path(path, settings, rules_for(settings, ["NB", "F"]), outline=True)
    result = LintResult(result.path, FINDINGS, result.cell_count, result.outline)
    round_trip = pickle.loads(pickle.dumps(result))
    assert round_trip == result
    assert round_trip.outline == result.outline == outline_of(notebook_io.read(path))
    assert round_trip.outline is not None
    assert type(round_trip.outline.path) is type(path) and round_trip.outline.path == path
    assert [(cell.number, cell.is_code, cell.tags) for cell in round_trip.outline.code_cells] == [
        (2, True, ()),
        (4, True, ("nb2prod:ignore=NB201", "parameters")),
    ]
    unreadable = LintResult("b.ipynb", (), unreadable="not a notebook")
    assert pickle.loads(pickle.dumps(unreadable)) == unreadable


def test_a_pool_returns_what_one_process_finds_and_keeps_outlines_when_asked(
    tmp_path: Path,
) -> None:
    for index in range(10):
        notebook = new_notebook(
            cells=[
                new_markdown_cell("Notes"),
                new_code_cell(f"import os\nprint(y{index})\ny{index} = 1"),
            ]
        )
        nbformat.write(notebook, tmp_path / f"nb{index}.ipynb")
    settings = Settings()
    rules = rules_for(settings, ["NB", "F"])
    pooled = lint_paths([tmp_path], settings, rules, jobs=2, keep_outlines=True)
    single = lint_paths([tmp_path], settings, rules, jobs=1)
    assert pooled.results == single.results
    assert single.outlines == {}
    assert pooled.outlines == {
        str(path): outline_of(notebook_io.read(path)) for path in sorted(tmp_path.glob("*.ipynb"))
    }

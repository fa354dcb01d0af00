"""The plan as tables of cases: cells in, steps with parameters and returns out."""

from __future__ import annotations

import nbformat
import pytest

from nb2prod.extract.cells import prepare_cells
from nb2prod.extract.chunks import split_cell
from nb2prod.extract.plan import identifier, plan_extraction
from nb2prod.notebook import from_dict


def _plan(*sources: str, by: str = "cell", parameters: str | None = None):  # type: ignore[no-untyped-def]
    notebook = nbformat.v4.new_notebook()
    cells = []
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    cells.extend(nbformat.v4.new_code_cell(source) for source in sources)
    notebook.cells = cells
    model = from_dict(dict(nbformat.from_dict(notebook)))
    prepared = prepare_cells(model).cells
    chunks = {number: split_cell(cell) for number, cell in prepared.items()}
    return plan_extraction(model, prepared, chunks, by)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (("x = f0()", "y = x + 1", "print(y)"), [((), ("x",)), (("x",), ("y",)), (("y",), ())]),
        (("x = f0()", "x = x * 2", "print(x)"), [((), ("x",)), (("x",), ("x",)), (("x",), ())]),
        (("a = f0()\nb = f0()", "print(b)"), [((), ("b",)), (("b",), ())]),
        (("items = list()", "items.append(1)", "print(items)"), [((), ("items",)), (("items",), ()), (("items",), ())]),
    ],
)
def test_parameters_and_returns(sources: tuple[str, ...], expected: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
    plan = _plan("def f0():\n    return 1", *sources)
    assert [(step.parameters, step.returns) for step in plan.steps] == expected


def test_module_level_definitions_and_function_needs() -> None:
    plan = _plan("import math\nLIMIT = 3", "rate = math.sqrt(4)", "def scale(v):\n    return v * rate * LIMIT", "print(scale(2))")
    assert plan.module_level == {"math": "import", "LIMIT": "constant", "scale": "function"}
    assert plan.function_needs == {"scale": ("rate",)}
    assert plan.steps[-1].parameters == ("rate",)


def test_parameters_cell_becomes_params_and_feeds_steps() -> None:
    plan = _plan("y = alpha * 2", "print(y, name)", parameters="alpha = 0.1\nname = 'x'")
    assert plan.parameters == ("alpha", "name")
    assert [step.parameters for step in plan.steps] == [("alpha",), ("y", "name")]


def test_undefined_names_are_reported_and_conventional_aliases_imported() -> None:
    plan = _plan("print(missing)", "print(np.pi)")
    assert plan.undefined == {"missing": 1}
    assert plan.added_imports == ("import numpy as np",)
    assert any("`missing` is read but no cell defines it" in problem.message for problem in plan.problems)


def test_final_shown_name_is_the_result() -> None:
    plan = _plan("value = 2 + 3", "total = value * 2\ntotal")
    assert plan.final_result == "total"
    assert plan.steps[-1].result == "total"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Step 3. Assign it to a variable", "assign_it_to_a_variable"),
        ("1.2 Load the data!", "load_the_data"),
        ("class", "class_step"),
        ("", "setup"),
        ("`df.head()` *shows*", "df_head_shows"),
    ],
)
def test_step_names_from_headings(text: str, name: str) -> None:
    assert identifier(text, "setup") == name

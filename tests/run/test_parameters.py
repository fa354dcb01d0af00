"""The parameters cell, read statically, and the checks on values passed with -p and -f."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nb2prod.notebook import from_dict
from nb2prod.run.parameters import (
    ParameterError,
    declared_parameters,
    load_parameters_file,
    parse_command_line_value,
    validate_parameters,
)


def notebook_with(source: str, tagged: bool = True):  # type: ignore[no-untyped-def]
    cell = new_code_cell(source)
    if tagged:
        cell.metadata["tags"] = ["parameters"]
    return from_dict(dict(new_notebook(cells=[cell, new_code_cell("print(alpha)")])), Path("nb.ipynb"))


SOURCE = "alpha = 0.5\nn = 3\nname = 'world'\nflag = False\nlimit: int | None = None\nmodel = make()  # not a literal\n%matplotlib inline"


def test_declared_parameters_with_types_and_defaults() -> None:
    declared = declared_parameters(notebook_with(SOURCE))
    assert list(declared) == ["alpha", "n", "name", "flag", "limit", "model"]
    assert declared["alpha"].default == 0.5 and declared["alpha"].type_name == "float"
    assert declared["limit"].type_name == "int | None"
    assert declared["model"].accepted_types is None


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("alpha", "0.25", 0.25),
        ("n", "7", 7),
        ("name", "007", "007"),
        ("flag", "yes", True),
        ("flag", "False", False),
        ("model", "[1, 2]", [1, 2]),
        ("model", "plain words", "plain words"),
    ],
)
def test_command_line_values_follow_the_declared_type(name: str, raw: str, expected: object) -> None:
    declared = declared_parameters(notebook_with(SOURCE))
    assert parse_command_line_value(raw, declared[name]) == expected


def test_valid_values_pass_and_ints_widen_to_floats() -> None:
    checked = validate_parameters(notebook_with(SOURCE), {"alpha": 1, "n": 4, "limit": None, "model": "x"})
    assert checked == {"alpha": 1.0, "n": 4, "limit": None, "model": "x"}
    assert isinstance(checked["alpha"], float)


def test_unknown_parameter_lists_the_known_ones() -> None:
    with pytest.raises(ParameterError) as raised:
        validate_parameters(notebook_with(SOURCE), {"alpah": 0.1})
    message = str(raised.value)
    assert "unknown parameter 'alpah'" in message
    assert "alpha: float" in message and "n: int" in message


@pytest.mark.parametrize(("name", "value"), [("n", "three"), ("alpha", "x"), ("flag", 1), ("n", True), ("limit", 2.5)])
def test_wrong_literal_type_is_an_error(name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=f"parameter '{name}' expects"):
        validate_parameters(notebook_with(SOURCE), {name: value})


def test_no_parameters_cell_refuses_values() -> None:
    with pytest.raises(ParameterError, match="no cell is tagged `parameters`"):
        validate_parameters(notebook_with("alpha = 1", tagged=False), {"alpha": 2})


def test_parameters_file_errors_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("alpha: [1, 2\nbeta: 3\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"bad.yaml: invalid YAML at line \d+, column \d+"):
        load_parameters_file(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="expected a mapping"):
        load_parameters_file(listed)
    with pytest.raises(ParameterError, match="no such parameters file"):
        load_parameters_file(tmp_path / "absent.yaml")
    good = tmp_path / "good.yaml"
    good.write_text("alpha: 0.1\nname: x\n", encoding="utf-8")
    assert load_parameters_file(good) == {"alpha": 0.1, "name": "x"}

"""NB2 hidden state end to end: notebooks in, findings and messages out."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.lint import lint_notebook, rules_for
from nb2prod.notebook import from_dict


def lint(*cells: str, select: str = "NB2") -> list[Diagnostic]:
    document = nbformat.v4.new_notebook()
    document.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    for position, source in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"c{position}"
        document.cells.append(cell)
    settings = Settings()
    return lint_notebook(from_dict(document, Path("nb.ipynb")), settings, rules_for(settings, [select]))


@pytest.mark.parametrize(
    "cells",
    [
        # Instantiating a class runs its constructor, not every method; `A.n` runs nothing.
        ["class A:\n    n = 1\n    def show(self):\n        return helper()", "a = A()\nprint(A.n)", "def helper():\n    return 1", "a.show()"],
        # A function that assigns a global and then reads it reads its own value.
        ["def setup(a):\n    global z\n    z = list(a)\n    return len(z)", "setup([5, 6])"],
        # A click handler runs after every cell has run.
        ["import ipywidgets as w\nbtn = w.Button()\ndef on_click(b):\n    print(threshold)\nbtn.on_click(on_click)", "threshold = 3"],
    ],
)
def test_audit_repros_are_clean(cells: list[str]) -> None:
    assert lint(*cells) == []


def test_a_global_only_a_function_assigns_is_not_said_to_be_deleted() -> None:
    (finding,) = lint("def f():\n    global g\n    g = 1", "print(g)")
    assert finding.code == "NB206"
    assert "before any function that assigns it (`global g` in cell 1) has run" in finding.message
    assert "del" not in finding.message


def test_a_deleted_global_is_still_said_to_be_deleted() -> None:
    (finding,) = lint("def f():\n    global g\n    g = 1", "f()", "del g", "print(g)")
    assert "after `del` removed it" in finding.message


def test_names_a_cell_that_does_not_parse_visibly_defines_are_not_undefined() -> None:
    # NB002 reports the broken cell; NB206 on every reader of its names would only repeat it.
    found = lint(
        "name =  # TODO: set a name\ndef helper(:\n    pass\nfrom os import path as p, sep\nlimit: int = ",
        "print(name, helper, p, sep, limit, missing)",
        select="NB206",
    )
    assert [(d.code, d.span.cell if d.span else None) for d in found] == [("NB206", 2)]
    assert "`missing`" in found[0].message

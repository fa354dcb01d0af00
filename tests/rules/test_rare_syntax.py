"""Every rule copes with the corners of Python's grammar: no internal error (NB000) on any of them.

The tree walks skip fields that never hold nodes; these sources put ``None`` or a plain value where
a node usually sits (keyword-only arguments without defaults, ``case True:``), which once crashed
every rule built on the fast walk.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nb2prod.config import Settings
from nb2prod.lint import lint_path, rules_for

SETTINGS = Settings(ruff=False)

RARE_SOURCES = [
    "def kw_only(*, a, b=1):\n    return a + b\n\nkw_only(a=1)",
    "pick = lambda *, c: c\npick(c=2)",
    "flag = kw_only(a=0)\nmatch flag:\n    case True:\n        pass\n    case None:\n        pass\n    case -1 | 1j:\n        pass",
    "match {'k': 1}:\n    case {'k': 1, **rest}:\n        print(rest)\n    case [1, *others] if others:\n        print(others)\n    case str() as s:\n        print(s)",
    "async def fetch(source):\n    async with source as s, source:\n        async for item in s:\n            yield await item",
    "x: int\ny = z = (w := 3)\ndel y\nprint(f'{w!r:>{z}}', *[x for x in range(w) if x], **{'sep': ''})",
    "try:\n    pass\nexcept* (ValueError, KeyError) as group:\n    raise group from None\nfinally:\n    pass",
    "global g\nclass C[T]:\n    pass" if sys.version_info >= (3, 12) else "global g",
    "type Alias[K] = dict[K, int]" if sys.version_info >= (3, 12) else "Alias = dict",
    "name = 'x'\ngreeting = t'hi {name!r:>5}'" if sys.version_info >= (3, 14) else "name = 'x'",
]


def test_no_rule_fails_on_rare_syntax(tmp_path: Path) -> None:
    notebook = new_notebook(cells=[new_code_cell(source) for source in RARE_SOURCES])
    path = tmp_path / "rare_syntax.ipynb"
    nbformat.write(notebook, path)
    result = lint_path(path, SETTINGS, rules_for(SETTINGS, ["ALL"]))
    internal = [d.message for d in result.diagnostics if d.code == "NB000"]
    assert internal == []
    assert not [d for d in result.diagnostics if d.code == "NB002"], "every cell must parse"


@pytest.mark.parametrize("source", RARE_SOURCES)
def test_each_rare_source_alone(tmp_path: Path, source: str) -> None:
    path = tmp_path / "one.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    result = lint_path(path, SETTINGS, rules_for(SETTINGS, ["ALL"]))
    assert [d.message for d in result.diagnostics if d.code == "NB000"] == []

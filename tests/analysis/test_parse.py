"""The fast tree walk must visit exactly what ``ast.walk`` visits (bar ``ctx``), in the same order."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nb2prod.analysis.parse import nodes_by_type, walk_nodes

SOURCES = [
    "x = {**base, 'a': 1, **more}",  # None among a dict's keys
    "def f(a, /, b=1, *args, c: int = 2, **kw) -> None:\n    global g\n    nonlocal_ = [i for i in range(3) if (j := i)]\n    return f'{a!r:>{b}}'",
    "class C(Base, metaclass=M):\n    '''doc'''\n    @property\n    def p(self): return self._p",
    "match command:\n    case {'x': 1, **rest}: pass\n    case Point(x=0, y=yy) | [1, *others]: pass\n    case str() as s: pass",
    "from . import a as b\nimport os.path\ntry:\n    pass\nexcept (ValueError, KeyError) as error:\n    raise\nfinally:\n    del x",
    "async def g():\n    async with a as b, c:\n        async for i in b:\n            await i\n    x: int\n    y += -1 if not z else ~1 < 2 <= 3",
    "lambda *a, **k: (yield from a)",
    "def kw_only(*, a, b=1):\n    return a\nlambda *, c: c",  # None among keyword-only defaults
    "match flag:\n    case True: pass\n    case None: pass\n    case -1: pass",  # a bool/None leaf
]


def _expected(tree: ast.AST) -> list[ast.AST]:
    return [node for node in ast.walk(tree) if not isinstance(node, ast.expr_context)]


@pytest.mark.parametrize("source", SOURCES)
def test_walk_nodes_matches_ast_walk(source: str) -> None:
    tree = ast.parse(source)
    assert [id(node) for node in walk_nodes(tree)] == [id(node) for node in _expected(tree)]


@pytest.mark.parametrize("source", SOURCES)
def test_nodes_by_type_groups_the_walk(source: str) -> None:
    tree = ast.parse(source)
    expected: dict[type, list[int]] = {}
    for node in _expected(tree):
        expected.setdefault(type(node), []).append(id(node))
    assert {kind: [id(node) for node in nodes] for kind, nodes in nodes_by_type(tree).items()} == expected


@pytest.mark.parametrize("module", ["argparse", "asyncio.tasks", "dataclasses", "inspect", "typing"])
def test_walk_nodes_matches_ast_walk_on_stdlib(module: str) -> None:
    # Large, varied real code: any field the walk wrongly skips or follows shows up here.
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    assert [id(node) for node in walk_nodes(tree)] == [id(node) for node in _expected(tree)]

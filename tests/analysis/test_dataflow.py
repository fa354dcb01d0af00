"""The cross-cell dataflow, table-driven: {cell: source} -> parents, children, findings."""

from __future__ import annotations

import nbformat
import pytest

from nb2prod.analysis.dataflow import Dataflow, analyse_notebook
from nb2prod.analysis.graph import notebook_graph
from nb2prod.analysis.parse import parse_source
from nb2prod.analysis.reorder import plan_reordering
from nb2prod.notebook import Notebook, from_dict


def notebook(cells: dict[str, str], counts: dict[str, int] | None = None) -> Notebook:
    document = nbformat.v4.new_notebook()
    for key, source in cells.items():
        if source.startswith("# md:"):
            document.cells.append(nbformat.v4.new_markdown_cell(source[5:]))
            continue
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = (counts or {}).get(key)
        document.cells.append(cell)
    return from_dict(document)


def flow_of(cells: dict[str, str], counts: dict[str, int] | None = None) -> Dataflow:
    nb = notebook(cells, counts)
    return analyse_notebook(nb, {cell.number: parse_source(cell.source) for cell in nb.cells if cell.is_code})


GRAPH_CASES = [
    # cells, cell -> expected parents
    ({"1": "x = 0", "2": "y = x"}, {1: set(), 2: {1}}),
    ({"1": "x = 0", "2": "x = 1", "3": "print(x)"}, {3: {2}}),
    ({"1": "import pandas as pd", "2": "df = pd.DataFrame()", "3": "df.describe()"}, {2: {1}, 3: {2}}),
    ({"1": "def f():\n    return g", "2": "g = 1", "3": "f()"}, {3: {1, 2}}),
    ({"1": "def f():\n    global g\n    g = 1", "2": "f()", "3": "print(g)"}, {3: {2}}),
    ({"1": "items = []", "2": "items.append(1)", "3": "len(items)"}, {2: {1}, 3: {1}}),
    ({"1": "x = 1", "2": "del x", "3": "x = 2", "4": "print(x)"}, {2: {1}, 4: {3}}),
    ({"1": "n = 3", "2": "[i * n for i in range(n)]"}, {2: {1}}),
    ({"1": "class A:\n    def m(self):\n        return helper()", "2": "def helper():\n    return 1", "3": "A().m()"}, {3: {1, 2}}),
]


@pytest.mark.parametrize(("cells", "parents"), GRAPH_CASES)
def test_parents_in_notebook_order(cells: dict[str, str], parents: dict[int, set[int]]) -> None:
    flow = flow_of(cells)
    for cell, expected in parents.items():
        assert flow.parents(cell) == expected, (cell, flow.notebook_edges)


def test_children_are_the_inverse_of_parents() -> None:
    flow = flow_of({"1": "x = 0", "2": "y = x", "3": "z = x + y"})
    assert flow.children(1) == {2, 3}
    assert flow.children(2) == {3}


FINDING_CASES = [
    # cells, counts, expected use-before-definition (cell, name), undefined (cell, name)
    ({"1": "print(x)", "2": "x = 1"}, None, {(1, "x")}, set()),
    ({"1": "def f():\n    return later", "2": "f()", "3": "later = 1"}, None, {(2, "later")}, set()),
    ({"1": "def f():\n    return later", "2": "later = 1", "3": "f()"}, None, set(), set()),
    ({"1": "print(nowhere)"}, None, set(), {(1, "nowhere")}),
    ({"1": "def f():\n    return nowhere"}, None, set(), {(1, "nowhere")}),
    ({"1": "from helpers import *", "2": "print(anything)"}, None, set(), set()),
    ({"1": "%run setup.py", "2": "print(anything)"}, None, set(), set()),
    ({"1": "try:\n    cache\nexcept NameError:\n    cache = {}"}, None, set(), set()),
    ({"1": "print(__file__)"}, None, set(), {(1, "__file__")}),
    ({"1": "display(_, In, Out, _i1, get_ipython())"}, None, set(), set()),
    ({"1": "x = 1", "2": "del x", "3": "print(x)"}, None, set(), {(3, "x")}),
    ({"1": "print(x)\nx = 1"}, None, set(), {(1, "x")}),
    ({"1": "import numpy as np", "2": "x = np.abs(x)"}, None, set(), {(2, "x")}),
    ({"1": "x = 1", "2": "x = np_abs(x)", "3": "def np_abs(v):\n    return v"}, None, {(2, "np_abs")}, set()),
    ({"1": "print(y)", "2": "y = 1", "3": "y = 2"}, None, {(1, "y")}, set()),
    # A callback that make_app() returns runs later, if ever: not when make_app() is passed on.
    ({"1": "def make_app():\n    def on_click():\n        print(handle)\n    return on_click\nregister(make_app)", "2": "handle = None"}, None, set(), {(1, "register")}),
    # ...but a name it reads must still exist somewhere.
    ({"1": "def make_app():\n    def on_click():\n        print(nowhere)\n    return on_click"}, None, set(), {(1, "nowhere")}),
    ({"1": "def outer():\n    def inner():\n        return later\n    return inner()", "2": "outer()", "3": "later = 1"}, None, {(2, "later")}, set()),
]

SHOW = "class A:\n    n = 1\n    def show(self):\n        return helper()"
HELPER = "def helper():\n    return 1"
LATE = "threshold = 3"

CLASS_AND_CALLBACK_CASES = [
    # Calling a class runs its constructor, reading a class attribute runs nothing...
    {"1": SHOW, "2": "a = A()\nprint(A.n)", "3": HELPER, "4": "a.show()"},
    {"1": SHOW, "2": "class B(A):\n    pass", "3": HELPER},
    {"1": "class A(Base):\n    def __init__(self):\n        super(A, self).__init__()\n    def show(self):\n        return helper()", "2": "a = A()", "3": HELPER},
    # ...and a function handed to a callback registrar runs on an event, after every cell ran.
    {"1": "def on_click(b):\n    print(threshold)\nbtn.on_click(on_click)", "2": LATE},
    {"1": "def handler(change):\n    print(threshold)", "2": "slider.observe(handler, names='value')", "3": LATE},
    {"1": "btn.on_click(lambda b: print(threshold))", "2": LATE},
    {"1": "def make(btn):\n    def handler(b):\n        print(threshold)\n    btn.on_click(handler)", "2": "make(btn)", "3": LATE},
]


@pytest.mark.parametrize("cells", CLASS_AND_CALLBACK_CASES)
def test_code_that_does_not_run_yet_reads_nothing_yet(cells: dict[str, str]) -> None:
    flow = flow_of({"0": "btn = slider = None\nBase = object", **cells})
    assert flow.use_before_definition == []
    assert {m.read.name for m in flow.undefined} == set()


USE_BEFORE_DEFINITION_THROUGH_CLASSES = [
    # cells, the cell where Restart & Run All fails reading `helper`
    ({"1": SHOW, "2": "a = A()", "3": "a.show()", "4": HELPER}, 3),
    ({"1": SHOW, "2": "a = A()\na.show()", "3": HELPER}, 2),
    ({"1": SHOW, "2": "A().show()", "3": HELPER}, 2),
    ({"1": SHOW, "2": "a = A()", "3": "summarize(a)", "4": HELPER}, 3),
    ({"1": SHOW, "2": "a = A()", "3": "def g():\n    return a.show()", "4": "g()", "5": HELPER}, 4),
    ({"1": SHOW, "2": "class B(A):\n    pass", "3": "b = B()\nb.show()", "4": HELPER}, 3),
    ({"1": "class A:\n    def __init__(self):\n        self.v = helper()", "2": "a = A()", "3": HELPER}, 2),
    ({"1": "class A:\n    def __init__(self):\n        self.reset()\n    def reset(self):\n        self.v = helper()", "2": "a = A()", "3": HELPER}, 2),
    ({"1": "class A:\n    def __init__(self):\n        register(self)\n    def show(self):\n        return helper()", "2": "a = A()", "3": HELPER}, 2),
    ({"1": "class A:\n    def __post_init__(self):\n        self.v = helper()", "2": "a = A()", "3": HELPER}, 2),
    ({"1": "class A:\n    def __init__(self):\n        self.v = helper()", "2": "class B(A):\n    pass", "3": "b = B()", "4": HELPER}, 3),
    ({"1": "class A:\n    @classmethod\n    def make(cls):\n        return helper()", "2": "A.make()", "3": HELPER}, 2),
    ({"1": "def handler(b):\n    print(helper())", "2": "handler(None)", "3": HELPER}, 2),
]


@pytest.mark.parametrize(("cells", "failing_cell"), USE_BEFORE_DEFINITION_THROUGH_CLASSES)
def test_methods_run_where_an_instance_is_used(cells: dict[str, str], failing_cell: int) -> None:
    flow = flow_of(cells)
    assert {(m.cell, m.read.name) for m in flow.use_before_definition} == {(failing_cell, "helper")}


@pytest.mark.parametrize(
    "cells",
    [
        {"1": "class A:\n    def show(self):\n        return nowhere"},
        {"1": "def handler(b):\n    print(nowhere)", "2": "btn = None\nbtn.on_click(handler)"},
        {"1": "btn = None\nbtn.on_click(lambda b: print(nowhere))"},
    ],
)
def test_code_that_runs_later_must_still_find_its_names(cells: dict[str, str]) -> None:
    assert {m.read.name for m in flow_of(cells).undefined} == {"nowhere"}


GLOBAL_CASES = [
    # cells, expected undefined (cell, name): a function's own `global` assignment, then its read
    ({"1": "def setup(a):\n    global z\n    z = list(a)\n    return len(z)", "2": "setup([5, 6])"}, set()),
    ({"1": "def bump():\n    global counter\n    counter += 1", "2": "bump()"}, {(2, "counter")}),
    ({"1": "def f():\n    global g\n    g = 1", "2": "f()\nprint(g)"}, set()),
    ({"1": "def f():\n    global g\n    g = 1", "2": "print(g)\nf()"}, {(2, "g")}),
    ({"1": "def f():\n    global g\n    g = 1\n    del g\n    return g", "2": "f()"}, {(2, "g")}),
    # `nonlocal` names belong to the enclosing function, never to the notebook.
    ({"1": "def outer():\n    count = 0\n    def inner():\n        nonlocal count\n        count += 1\n        return count\n    return inner()", "2": "outer()"}, set()),
]


@pytest.mark.parametrize(("cells", "undefined"), GLOBAL_CASES)
def test_names_a_function_assigns_as_globals(cells: dict[str, str], undefined: set[tuple[int, str]]) -> None:
    flow = flow_of(cells)
    assert {(m.cell, m.read.name) for m in flow.undefined} == undefined
    assert flow.use_before_definition == []


def test_a_function_reading_the_global_it_just_assigned_ran_with_it() -> None:
    flow = flow_of({"1": "def setup():\n    global z\n    z = 1\n    return z", "2": "setup()"}, {"1": 1, "2": 2})
    assert flow.lost == []


@pytest.mark.parametrize(("cells", "counts", "before", "undefined"), FINDING_CASES)
def test_notebook_order_findings(cells, counts, before, undefined) -> None:  # type: ignore[no-untyped-def]
    flow = flow_of(cells, counts)
    assert {(m.cell, m.read.name) for m in flow.use_before_definition} == before
    assert {(m.cell, m.read.name) for m in flow.undefined} == undefined


def test_execution_order_finds_lost_and_stale() -> None:
    cells = {"1": "threshold = 0.9", "2": "print(threshold)", "3": "print(rows)", "4": "rows = [1]"}
    flow = flow_of(cells, {"1": 5, "2": 2, "3": 3, "4": 4})
    assert {(m.cell, m.read.name) for m in flow.lost} == {(2, "threshold"), (3, "rows")}
    assert [(s.cell, s.name, s.definer) for s in flow.stale] == []  # cell 2 has no outputs


def test_execution_order_edges_follow_counts() -> None:
    flow = flow_of({"1": "x = 1", "2": "x = 2", "3": "print(x)"}, {"1": 3, "2": 1, "3": 2})
    assert {(e.source, e.target, e.name) for e in flow.execution_edges} == {(2, 3, "x")}


def test_reordering_moves_the_definer_up_with_its_markdown() -> None:
    nb = notebook({"1": "# md:Intro", "2": "print(total)", "3": "# md:Inputs", "4": "total = 1", "5": "done = True"})
    flow = analyse_notebook(nb, {c.number: parse_source(c.source) for c in nb.cells if c.is_code})
    assert plan_reordering(nb, flow).order == (3, 4, 1, 2, 5)


def test_reordering_reports_a_cycle() -> None:
    nb = notebook({"1": "a = b + 1", "2": "b = a * 2"})
    flow = analyse_notebook(nb, {c.number: parse_source(c.source) for c in nb.cells if c.is_code})
    plan = plan_reordering(nb, flow)
    assert plan.order is None and plan.cycle == (1, 2)


def test_graph_marks_out_of_order_edges() -> None:
    graph = notebook_graph(notebook({"1": "print(x)", "2": "x = 1", "3": "y = x"}, {"1": 2, "2": 1, "3": 3}))
    kinds = {(edge["source"], edge["target"], edge["kind"]) for edge in graph["edges"]}
    assert (2, 1, "out-of-order") in kinds
    assert (2, 3, "flow") in kinds
    assert [cell["execution_count"] for cell in graph["cells"]] == [2, 1, 3]


def test_re_running_an_import_cell_leaves_nothing_stale_or_lost() -> None:
    # Importing again binds the same module: only `threshold` came from a run the notebook hides.
    document = nbformat.v4.new_notebook()
    document.cells = [
        nbformat.v4.new_code_cell("import numpy as np\nthreshold = 0.5", execution_count=3),
        nbformat.v4.new_code_cell("print(np.pi, threshold)", execution_count=2),
    ]
    # The reader shows output, so whether it is stale can be judged.
    document.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="3.14 0.5\n")]
    nb = from_dict(document)
    flow = analyse_notebook(nb, {c.number: parse_source(c.source) for c in nb.cells if c.is_code})
    assert {(m.cell, m.read.name) for m in flow.lost} == {(2, "threshold")}
    assert [(s.cell, s.name, s.definer) for s in flow.stale] == [(2, "threshold", 1)]

"""Per-cell facts, table-driven: source -> (defined names, external reads, deferred reads, mutations)."""

from __future__ import annotations

import pytest

from nb2prod.analysis.facts import CellFacts, cell_facts
from nb2prod.analysis.parse import parse_source


def facts(source: str) -> CellFacts:
    return cell_facts(parse_source(source))


def defined(source: str) -> set[str]:
    return set(facts(source).defined_names)


def reads(source: str) -> set[str]:
    return {use.name for use in facts(source).immediate_reads}


def deferred(source: str) -> set[str]:
    result = facts(source)
    names = {use.name for use in result.reads if use.deferred}
    for function in result.functions.values():
        names.update(use.name for use in function.global_reads)
    return names


CASES = [
    # (source, defines, immediate reads, deferred reads)
    ("x = 0", {"x"}, set(), set()),
    ("y = x", {"y"}, {"x"}, set()),
    ("x = x + 1", {"x"}, {"x"}, set()),
    ("x += 1", {"x"}, {"x"}, set()),
    ("a, *b = c", {"a", "b"}, {"c"}, set()),
    ("import numpy as np, os.path", {"np", "os"}, set(), set()),
    ("from a.b import c as d, e", {"d", "e"}, set(), set()),
    ("def f(a, b=default):\n    return a + b + g", {"f"}, {"default"}, {"g"}),
    ("@decorate\ndef f(): pass", {"f"}, {"decorate"}, set()),
    ("def f(a: Annot) -> Ret: pass", {"f"}, {"Annot", "Ret"}, set()),
    ("def f(a: 'Later') -> 'Later': pass", {"f"}, set(), set()),
    ("x: int = 1", {"x"}, {"int"} - {"int"} | set(), set()),
    ("x: Unknown", set(), {"Unknown"}, set()),
    ("class A(Base):\n    k = v\n    def m(self):\n        return w", {"A"}, {"Base", "v"}, {"w"}),
    ("[i * n for i in items if i]", set(), {"n", "items"}, set()),
    ("{k: v for k, v in pairs}", set(), {"pairs"}, set()),
    ("total = sum(x for x in xs)", {"total"}, {"xs"}, set()),
    ("if (n := size) > 1: pass", {"n"}, {"size"}, set()),
    ("[y := v for v in vs]", {"y"}, {"vs"}, set()),
    ("try:\n    import fast\nexcept ImportError as error:\n    fast = None", {"fast"}, set(), set()),
    ("for i, row in enumerate(rows):\n    last = row", {"i", "row", "last"}, {"rows"}, set()),
    ("with open(p) as fh:\n    data = fh.read()", {"fh", "data"}, {"p"}, set()),
    ("del q", set(), {"q"}, set()),
    ("match command:\n    case [verb, *rest]: pass\n    case {'k': v, **others}: pass\n    case Point(x=px) as p: pass",
     {"verb", "rest", "v", "others", "px", "p"}, {"command", "Point"}, set()),
    ("f'{name!r} {value:>{width}}'", set(), {"name", "value", "width"}, set()),
    ("square = lambda v: v * factor", {"square"}, set(), {"factor"}),
    ("sorted(items, key=lambda item: weights[item])", set(), {"items", "weights"}, set()),
    ("def g():\n    global counter\n    counter = 1", {"g"}, set(), set()),
    # A nested function runs when the owner calls it (or passes it on), not when it is only
    # returned: a callback handed out by `make_app()` runs later, if ever.
    ("def outer():\n    def inner():\n        return free\n    return inner", {"outer"}, set(), set()),
    ("def outer():\n    def inner():\n        return free\n    return inner()", {"outer"}, set(), {"free"}),
    ("def outer(xs):\n    def key(x):\n        return weights[x]\n    return sorted(xs, key=key)", {"outer"}, set(), {"sorted", "weights"}),
    ("def outer(xs):\n    def key(x):\n        return weights[x]\n    return list(map(key, xs))", {"outer"}, set(), {"list", "map", "weights"}),
    ("def f():\n    local = 1\n    return local", {"f"}, set(), set()),
    ("files = !ls", {"files"}, set(), set()),
    ("%store -r saved", {"saved"}, set(), set()),
    ("%%capture captured\nprint(x)", {"captured"}, {"x"}, set()),
    ("%%time\nresult = compute(x)", {"result"}, {"compute", "x"}, set()),
    ("%timeit f(x)", set(), {"f", "x"}, set()),
    ("%%bash\necho $HOME", set(), set(), set()),
    ("%%cython\ncpdef double twice(double v):\n    return 2 * v", {"twice"}, set(), set()),
    ("print(x)\nx = 1", {"x"}, {"x", "print"}, set()),
    ("x = 1\nprint(x)", {"x"}, {"print"}, set()),
]


@pytest.mark.parametrize(("source", "expected_defines", "expected_reads", "expected_deferred"), CASES)
def test_cell_facts(source: str, expected_defines: set[str], expected_reads: set[str], expected_deferred: set[str]) -> None:
    assert defined(source) == expected_defines
    assert reads(source) - {"print", "open", "enumerate", "sum", "sorted", "ImportError", "int"} == expected_reads - {"print"}
    assert deferred(source) == expected_deferred


def test_function_records_global_writes() -> None:
    result = facts("def g():\n    global counter\n    counter = 1")
    assert result.functions["g"].global_writes == ("counter",)


@pytest.mark.parametrize(
    ("source", "mutated", "non_idempotent"),
    [
        ("results.append(1)", {"results"}, {"results"}),
        ("df['c'] = df['a'] * 2", {"df"}, set()),
        ("model.coef_ = None", {"model"}, set()),
        ("df.dropna(inplace=True)", {"df"}, set()),
        ("config.update(extra)", {"config"}, set()),
        ("counts[key] += 1", {"counts"}, {"counts"}),
        ("del cache[key]", {"cache"}, {"cache"}),
        ("items = []\nitems.append(1)", {"items"}, set()),
        ("value = frame.copy()", set(), set()),
        # A used value means another API: pandas' and statsmodels' `append` return a new object.
        ("combined = frame.append(other)", set(), set()),
        ("print(results.update(more))", set(), set()),
        ("last = stack.pop()", {"stack"}, {"stack"}),  # pop returns the item and still mutates
        ("if x:\n    results.append(x)", {"results"}, {"results"}),
        ("results.append(1) if c else None", {"results"}, {"results"}),
        ("c and seen.add(1)", {"seen"}, set()),
        ("_ = results.append(1)", {"results"}, {"results"}),
    ],
)
def test_in_place_mutation(source: str, mutated: set[str], non_idempotent: set[str]) -> None:
    result = facts(source)
    assert {use.name for use in result.mutations} == mutated
    assert {use.name for use in result.non_idempotent_mutations} == non_idempotent


def test_reads_itself_marks_rebinding() -> None:
    bindings = {binding.name: binding.reads_itself for binding in facts("df = df.dropna()\nother = 1").defines}
    assert bindings == {"df": True, "other": False}


def test_star_import_and_run_make_cells_uncertain() -> None:
    assert facts("from pylab import *").has_star_import
    assert facts("%run helpers.py").defines_unknown
    assert facts("%pylab inline").defines_unknown
    assert facts("exec(code)").defines_unknown
    assert facts("globals()['name'] = 1").defines_unknown


def test_guarded_reads_are_marked() -> None:
    result = facts("try:\n    maybe\nexcept NameError:\n    maybe = None")
    assert [use.guarded for use in result.reads if use.name == "maybe"] == [True]


def test_positions_point_into_the_original_cell() -> None:
    result = facts("%matplotlib inline\nvalue = source_name + 1")
    (use,) = [use for use in result.reads if use.name == "source_name"]
    assert (use.line, use.column, use.end_column) == (2, 9, 20)


def test_imports_include_nested_ones() -> None:
    result = facts("import os\ndef f():\n    import json\n    from . import sibling\n    return json")
    modules = {(fact.module, fact.level, fact.is_module_level) for fact in result.imports}
    assert modules == {("os", 0, True), ("json", 0, False), ("", 1, False)}


def test_nonlocal_names_are_not_notebook_globals() -> None:
    result = facts("def outer():\n    count = 0\n    def inner():\n        nonlocal count\n        count += 1\n    inner()\n    return count")
    assert result.functions["outer"].global_writes == ()
    assert deferred("def outer():\n    count = 0\n    def inner():\n        nonlocal count\n        count += 1\n    inner()") == set()


def test_a_global_read_after_the_function_assigns_it_is_its_own() -> None:
    assert deferred("def setup(a):\n    global z\n    z = list(a)\n    return len(z)") == {"list", "len"}
    assert deferred("def bump():\n    global counter\n    counter += 1") == {"counter"}


@pytest.mark.parametrize(
    ("source", "name", "access", "attribute"),
    [
        ("a = A()", "A", "construct", None),
        ("a, b = A(), A()", "A", "reference", None),
        ("print(A())", "A", "reference", None),
        ("print(A.n)", "A", "attribute", "n"),
        ("class B(A):\n    pass", "A", "subclass", None),
        ("btn.on_click(handler)", "handler", "callback", None),
        ("slider.observe(handler, names='value')", "handler", "callback", None),
        ("run(handler)", "handler", "reference", None),
    ],
)
def test_reads_say_how_they_use_the_name(source: str, name: str, access: str, attribute: str | None) -> None:
    use = next(use for use in facts(source).reads if use.name == name)
    assert (use.access, use.attribute) == (access, attribute)


def test_an_instance_binding_remembers_its_class() -> None:
    bindings = {binding.name: binding.instance_of for binding in facts("a = A(1)\nb = make().fit()\nc = A\na2 = a").defines}
    assert bindings == {"a": "A", "b": None, "c": None, "a2": None}


def test_a_lambda_given_to_a_callback_registrar_reads_later() -> None:
    result = facts("btn.on_click(lambda b: print(threshold))")
    assert {use.name for use in result.immediate_reads} == {"btn"}
    assert {use.name for use in result.reads if use.deferred} == {"print", "threshold"}


CLASS = """class A(Base):
    def __init__(self):
        self.reset()
    def reset(self):
        self.v = on_reset()
    def show(self):
        return on_show()
    class Inner:
        def m(self):
            return on_inner()
"""


def test_a_class_knows_what_its_constructor_runs() -> None:
    cls = facts(CLASS).functions["A"]
    assert cls.is_class and cls.bases == ("Base",)
    assert cls.members == {"__init__", "reset", "show", "Inner"}
    assert {use.name for use in cls.global_reads} == {"on_reset", "on_show", "on_inner"}
    assert {use.name for use in cls.construction_reads} == {"on_reset"}


def test_a_constructor_that_hands_self_out_may_run_any_method() -> None:
    cls = facts(CLASS.replace("self.reset()", "register(self)")).functions["A"]
    assert {use.name for use in cls.construction_reads} == {"register", "on_reset", "on_show", "on_inner"}


def test_a_name_a_magic_binds_is_not_read_from_outside_after_the_magic() -> None:
    source = "%pylab inline --no-import-all\nmatplotlib.rcParams['image.origin'] = 'lower'\nimport matplotlib.cbook"
    assert "matplotlib" not in reads(source)
    assert "data" in reads("print(data)\n%store -r data")  # read before the magic binds it

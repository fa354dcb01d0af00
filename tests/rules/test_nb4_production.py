"""NB4 production readiness: cells in, findings out; the import hoist fix end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.fix import apply_fixes_to_run
from nb2prod.lint import lint_notebook, lint_paths, rules_for
from nb2prod.notebook import from_dict


def cell(source: str, tags: tuple[str, ...] = (), outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"source": source, "tags": list(tags), "outputs": outputs or []}


def document(*cells: str | dict[str, Any], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}, **(metadata or {})}
    for position, spec in enumerate(cells, start=1):
        spec = cell(spec) if isinstance(spec, str) else spec
        node = nbformat.v4.new_code_cell(spec["source"])
        node.id = f"c{position}"
        if spec["tags"]:
            node.metadata["tags"] = spec["tags"]
        node.outputs = [nbformat.from_dict(output) for output in spec["outputs"]]
        notebook.cells.append(node)
    return json.loads(json.dumps(notebook))


def lint(code: str, *cells: str | dict[str, Any], settings: Settings | None = None, metadata: dict[str, Any] | None = None) -> list[Diagnostic]:
    settings = settings or Settings()
    notebook = from_dict(document(*cells, metadata=metadata), Path("nb.ipynb"))
    return lint_notebook(notebook, settings, rules_for(settings, [code]))


def where(found: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.span.cell, d.span.line) for d in found if d.span is not None]


def test_import_not_at_top() -> None:
    found = lint(
        "NB401",
        cell("alpha = 1", ("parameters",)),
        "import os",
        "x = 1\nimport sys\nif x:\n    import json\ndef f():\n    import re",
        "from __future__ import annotations",
    )
    assert where(found) == [(3, 2)]  # not the params cell, not nested, not __future__
    assert "move it to cell 2" in found[0].message


@pytest.mark.parametrize(
    "cells",
    [
        # Set-up cells at the top: imports after `sys.path` / `os.environ` changes are still at the top.
        ["import os, sys", "sys.path.append('..')\nos.environ['OMP_NUM_THREADS'] = '1'", "import numpy as np\nimport mylocalpkg"],
        # Magics first: the first cell with code is the top.
        ["%load_ext autoreload\n%autoreload 2", "import numpy as np\nx = np.ones(3)"],
        ["# Setup", "", "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1])"],
        # Library configuration between imports.
        ["import pandas as pd\npd.set_option('display.max_rows', 10)\nimport warnings\nwarnings.filterwarnings('ignore')", "try:\n    import torch\nexcept ImportError:\n    torch = None", "import numpy as np"],
    ],
)
def test_imports_in_the_set_up_cells_are_at_the_top(cells: list[str]) -> None:
    assert lint("NB401", *cells) == []


def test_hoisted_imports_go_after_the_set_up_they_may_depend_on() -> None:
    found = lint("NB401", "import os, sys", "sys.path.append('..')", "df = load()\nimport mylocalpkg")
    (finding,) = found
    assert "move it to cell 2" in finding.message
    assert finding.fix is not None
    (insert, _) = finding.fix.edits
    assert (insert.cell, insert.line, insert.content) == (2, 2, "\nimport mylocalpkg")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("first_cell", "line"),
    [
        ("%env THEANO_FLAGS=device=cpu\nimport theano\nx = theano.config", 3),  # after the magic and the import
        ("import sys\nx = 1\nsys.path.append('..')", 4),  # after the sys.path change: appended
        ("import os\nx = 1\ny = 2", 2),  # after the leading imports
    ],
)
def test_imports_hoisted_into_the_first_cell_land_after_its_configuration(first_cell: str, line: int) -> None:
    (finding,) = lint("NB401", first_cell, "z = 3\nimport mylib")
    assert finding.fix is not None
    (insert, _) = finding.fix.edits
    assert (insert.cell, insert.line) == (1, line)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "cells",
    [
        ["import sys\nx = 1", "sys.path.append('lib')", "import mylib"],
        ["import os\nx = 1", "os.environ['CUDA_VISIBLE_DEVICES'] = '0'\nimport torch"],
        ["import os\nx = 1", "%cd ..", "import mylib"],
        ["import matplotlib\nx = 1", "matplotlib.use('Agg')\nimport matplotlib.pyplot as plt"],
    ],
)
def test_an_import_after_configuration_below_the_top_is_reported_but_not_moved(cells: list[str]) -> None:
    (finding,) = lint("NB401", *cells)
    assert finding.fix is None


def test_import_hoist_fix_is_unsafe_and_keeps_notebooks_valid(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(document("import os\n\nprint(os.sep)", "import json\nimport os\ndata = json.dumps({})", "x = 1; import re"), indent=1) + "\n", encoding="utf-8")
    settings = Settings(ruff=False)
    rules = rules_for(settings, ["NB401"])
    run = lint_paths([path], settings, rules, jobs=1)
    fixes = {d.span.line: d.fix for d in run.diagnostics if d.span is not None and d.span.cell == 2}
    assert fixes[1] is not None and fixes[1].applicability == "unsafe"
    assert "already has it" in fixes[2].title  # type: ignore[union-attr]
    assert [d.fix for d in run.diagnostics if d.span is not None and d.span.cell == 3] == [None]  # `x = 1; import re`
    outcome = apply_fixes_to_run(run, unsafe=True, write=True, relint=lambda paths, texts: lint_paths(paths, settings, rules, jobs=1, texts=texts))
    assert outcome.fixed_count == 2
    cells = ["".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]]
    assert cells == ["import os\nimport json\n\nprint(os.sep)", "data = json.dumps({})", "x = 1; import re"]
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def test_star_import() -> None:
    assert where(lint("NB402", "from os.path import *\nfrom os import path", "def f():\n    from math import *")) == [(1, 1), (2, 2)]


def test_missing_parameters_cell() -> None:
    assert lint("NB403", "a = 1") == []
    assert where(lint("NB403", "a = 1", settings=Settings(parameters_required=True))) == [(1, 1)]
    assert where(lint("NB403", "a = 1", metadata={"papermill": {"parameters": {"a": 2}}})) == [(1, 1)]
    assert lint("NB403", cell("a = 1", ("parameters",)), settings=Settings(parameters_required=True)) == []


def test_parameter_used_before_parameters_cell() -> None:
    found = lint("NB404", "print(n)\nprint(n)\ndef f():\n    return m", cell("n = 1\nm = 2", ("parameters",)), "print(n)")
    assert where(found) == [(1, 1)]


def test_parameter_reassigned() -> None:
    found = lint(
        "NB405",
        cell("n = 1\nm = 2", ("parameters",)),
        cell("n = 5", ("injected-parameters",)),
        "m = 3\nk = n + 1",
        "n += 1",
    )
    assert where(found) == [(3, 1), (4, 1)]


def test_parameter_without_literal_default() -> None:
    found = lint("NB406", cell("a = 1\nb: str = 'x'\nc = -1.5\nd = [1, {'k': None}]\ne = f(1)\nprint(a)", ("parameters",)))
    assert where(found) == [(1, 5), (1, 6)]


def test_cell_too_long_counts_code_lines_and_honours_the_setting() -> None:
    source = "\n".join(["x = 1", ""] * 12)
    assert where(lint("NB407", source, settings=Settings(max_cell_lines=10))) == [(1, 1)]
    assert lint("NB407", source, settings=Settings(max_cell_lines=12)) == []
    commented = "\n".join(["# why this step", "x = 1", "    # indented note"] * 12)
    assert lint("NB407", commented, settings=Settings(max_cell_lines=12)) == []
    assert where(lint("NB407", commented, settings=Settings(max_cell_lines=11))) == [(1, 1)]


def test_large_output_with_setting_and_fix() -> None:
    output = nbformat.v4.new_output("display_data", data={"image/png": "A" * 2000, "text/plain": "<fig>"})
    found = lint("NB408", cell("plot()", outputs=[output]), settings=Settings(max_output_bytes=1000))
    assert where(found) == [(1, 1)]
    assert "1 embedded image" in found[0].message
    assert found[0].fix is not None and found[0].fix.applicability == "unsafe"
    assert lint("NB408", cell("plot()", outputs=[output])) == []


def test_global_used_in_function() -> None:
    found = lint(
        "NB409",
        "import numpy as np\nLIMIT = 3\ndata = [1]\ncounter = 0",
        "def helper():\n    return 1\ndef f(x):\n    global counter\n    counter += 1\n    return np.sum(data) + LIMIT + helper() + x + len(data)",
    )
    assert where(found) == [(2, 6)]
    assert "`data`" in found[0].message and "cell 1" in found[0].message


def test_global_used_in_class_says_class() -> None:
    (finding,) = lint("NB409", "scale = 2", "class Metric:\n    def value(self):\n        return scale")
    assert finding.message.startswith("class `Metric` reads the notebook variable `scale`")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["a = 1\nb = a"], [(1, 2)]),
        (["a = 1", "print(a)"], []),
        (["def f():\n    return g()\ndef g():\n    return 1", "f()"], []),
        (["fig, ax = 1, 2\n_x = 3\nimport os"], []),
        (["a = 1\nprint(globals()['a'])\nb = 2"], []),  # dynamic access: nothing is judged
        (["a = 1", "%timeit a + 1"], []),
        (["big = [1]", "t = %timeit -o big.sum()\nprint(t)"], []),
        (["thresh = 1", "df.query('a > @thresh')"], []),
        (["knots = [1, 2]", "model = bmb.Model('y ~ bs(x, knots=knots)', d)\nmodel.fit()"], []),
        (["label = 'x'", "print('label')"], [(1, 1)]),  # a plain string is not a formula
        (["class K:\n    pass"], [(1, 1)]),
        # A decorator may register what it decorates where other code calls it...
        (["import atexit\n@atexit.register\ndef bye():\n    print('bye')"], []),
        (["@app.route('/')\ndef index():\n    return 'hi'"], []),
        (["@pytest.fixture\ndef data():\n    return 1"], []),
        (["@overload(np.clip)\ndef clip_impl(a, lo, hi):\n    pass"], []),
        (["@registry.register('x')\nclass Plugin:\n    pass"], []),
        # ...but one that only wraps leaves an unused definition unused.
        (["@numba.njit(cache=True)\ndef fast(x):\n    return x"], [(1, 2)]),
        (["@functools.lru_cache(maxsize=None)\n@jit\ndef cached(x):\n    return x"], [(1, 3)]),
        (["@dataclass\nclass Point:\n    x: int"], [(1, 2)]),
        (["@tf.function\ndef step(x):\n    return x"], [(1, 2)]),
    ],
)
def test_unused_definition(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB410", *cells)) == expected

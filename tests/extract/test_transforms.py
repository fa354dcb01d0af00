"""Before/after string pairs for each extract transform."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from nb2prod.extract.display import DisplayToLogging
from nb2prod.extract.globals_to_parameters import AddKeywordParameters, PassNeededArguments
from nb2prod.extract.imports import hoist_imports
from nb2prod.extract.ipython import remove_ipython
from nb2prod.extract.methods import merge_methods
from nb2prod.extract.types import annotation_of, import_aliases
from nb2prod.magics import mask


def _ipython(source: str) -> str:
    return remove_ipython(source, mask(source)).source


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("%matplotlib inline\nx = 1", "# nb2prod: dropped `%matplotlib inline`\nx = 1"),
        ("!ls -la\ny = 2", "# nb2prod: dropped `!ls -la`\ny = 2"),
        ("%time y = f(2)", "y = f(2)  # nb2prod: dropped `%time`"),
        ("files = !ls", "files = None  # nb2prod: was `files = !ls`"),
        ("%%time\nz = 3", "# nb2prod: dropped `%%time`\nz = 3"),
        ("%pip install pandas==2.2 --quiet", "# nb2prod: installed `%pip install pandas==2.2 --quiet`"),
    ],
)
def test_ipython_syntax_becomes_a_comment(before: str, after: str) -> None:
    assert _ipython(before) == after


def test_pip_install_lines_become_requirements() -> None:
    source = "%pip install pandas==2.2 'numpy>=1.26' --quiet\n!pip install -r requirements.txt tqdm"
    removal = remove_ipython(source, mask(source))
    assert removal.requirements == ("pandas==2.2", "numpy>=1.26", "tqdm")


def test_a_block_emptied_by_removal_keeps_a_pass() -> None:
    source = "if True:\n    !echo hi\n"
    removal = remove_ipython(source, mask(source), use_pass=True)
    assert removal.source == "if True:\n    pass  # nb2prod: dropped `!echo hi`\n"
    ast.parse(removal.source)


def test_writefile_becomes_path_write_text() -> None:
    source = "%%writefile notes.txt\nhello\n"
    removal = remove_ipython(source, mask(source))
    assert removal.source == "# nb2prod: was `%%writefile notes.txt`\nPath('notes.txt').write_text('hello\\n')"
    assert removal.needed_imports == ("from pathlib import Path",)


def test_bash_cell_is_kept_as_a_comment() -> None:
    source = "%%bash\necho hi"
    removal = remove_ipython(source, mask(source))
    assert removal.is_foreign
    assert removal.source.splitlines()[1:] == ["# %%bash", "# echo hi"]


def test_imports_are_hoisted_once_each() -> None:
    assert hoist_imports(["import os, sys\nimport numpy as np", "import os\nfrom a import (b, c)", "from __future__ import division"]) == [
        "from __future__ import division",
        "import os",
        "import sys",
        "import numpy as np",
        "from a import b, c",
    ]


def _display(source: str, final: str | None = None) -> str:
    return cst.parse_module(source).visit(DisplayToLogging("logger", final_name=final)).code


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("x = 1\nx\n", 'x = 1\nlogger.info("%s", x)\n'),
        ("df.head()\n", 'logger.info("%s", df.head())\n'),
        ("x;\n", "x;\n"),
        ("print(1)\n", "print(1)\n"),
        ("plt.plot(x)\n", "plt.plot(x)\n"),
        ("model.fit(X, y)\n", "model.fit(X, y)\n"),
        ("display(a, b)\nc = 1\n", 'logger.info("%s", a)\nlogger.info("%s", b)\nc = 1\n'),
        ("x = 2\nx\n", "x = 2\n"),
    ],
)
def test_display_only_expressions(before: str, after: str) -> None:
    final = "x" if before == "x = 2\nx\n" else None
    assert _display(before, final) == after


def test_functions_get_keyword_parameters_and_callers_pass_them() -> None:
    source = "def f(a):\n    return a * rate\n\ndef g():\n    return f(1)\n\ny = f(2)\nz = list(map(f, [1]))\n"
    module = cst.parse_module(source)
    needs = {"f": ("rate",), "g": ("rate",)}
    passer = PassNeededArguments(needs)
    after = module.visit(AddKeywordParameters(needs)).visit(passer).code
    assert after == (
        "def f(a, *, rate: Any):\n    return a * rate\n\ndef g(*, rate: Any):\n    return f(1, rate=rate)\n\n"
        "y = f(2, rate=rate)\nz = list(map(functools.partial(f, rate=rate), [1]))\n"
    )
    assert passer.uses_partial


def test_a_class_split_over_cells_is_merged() -> None:
    merged = merge_methods("class A:\n    x = 1", [("inc", "def increment(self):\n    return 2")])
    assert merged == "class A:\n    x = 1\n\n    def inc(self):\n        return 2"


@pytest.mark.parametrize(
    ("value", "annotation"),
    [
        ("3", "int"),
        ("-0.5", "float"),
        ("'a'", "str"),
        ("f'{a}'", "str"),
        ("[1, 2]", "list[Any]"),
        ("(1, 2)", "tuple[int, ...]"),
        ("{'a': 1.0}", "dict[Any, Any]"),
        ("pd.read_csv('x.csv')", "pd.DataFrame"),
        ("np.array([1])", "np.ndarray"),
        ("np.random.rand(3)", "np.ndarray"),
        ("len(x)", "int"),
        ("compute()", "Any"),
        ("other.read_csv('x')", "Any"),
    ],
)
def test_annotations_from_literals_and_constructors(value: str, annotation: str) -> None:
    aliases = import_aliases(ast.parse("import pandas as pd\nimport numpy as np").body)
    assert annotation_of(ast.parse(value, mode="eval").body, aliases) == annotation


def test_parameters_keep_precise_container_types() -> None:
    assert annotation_of(ast.parse("[1, 2]", mode="eval").body, {}, precise_containers=True) == "list[int]"
    assert annotation_of(ast.parse("{'a': 1.0}", mode="eval").body, {}, precise_containers=True) == "dict[str, float]"


def test_constructor_imported_by_name_uses_the_module_alias() -> None:
    aliases = import_aliases(ast.parse("import pandas\nfrom pandas import read_csv").body)
    assert annotation_of(ast.parse("read_csv('a')", mode="eval").body, aliases) == "pandas.DataFrame"


def test_star_imports_become_explicit() -> None:
    from nb2prod.extract.star_imports import resolve_star_imports

    source, unresolved = resolve_star_imports("from math import *\nfrom no_such_module_xyz import *\n", {"pi", "sqrt", "radius"}, {"radius"})
    assert source == "from math import pi, sqrt\nfrom no_such_module_xyz import *\n"
    assert unresolved == ["no_such_module_xyz"]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("import hvplot.pandas", True),  # registers `df.hvplot`
        ("import dowhy.api", True),
        ("from sklearn.experimental import enable_iterative_imputer", True),
        ("import janitor", True),  # registers `df.clean_names()`
        ("import pandas as pd", False),
        ("import os.path as osp", False),
        ("from pandas import DataFrame", False),
    ],
)
def test_side_effect_imports_survive_unused_import_removal(line: str, kept: bool) -> None:
    from nb2prod.extract.imports import keep_side_effect_import

    assert keep_side_effect_import(line).endswith("# noqa: F401 (imported for its side effects)") is kept

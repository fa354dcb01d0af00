"""Transform: module-level imports hoisted out of the cells and de-duplicated, in notebook order."""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["CONVENTIONAL_IMPORTS", "hoist_imports", "keep_side_effect_import"]

# Aliases every reader knows: a notebook that uses `np` without importing it (it came from another
# notebook, a startup file or a deleted cell) gets the import a person would add.
CONVENTIONAL_IMPORTS = {
    "np": "import numpy as np",
    "pd": "import pandas as pd",
    "plt": "import matplotlib.pyplot as plt",
    "sns": "import seaborn as sns",
    "tf": "import tensorflow as tf",
    "torch": "import torch",
    "nn": "from torch import nn",
    "F": "import torch.nn.functional as F",
    "scipy": "import scipy",
    "sp": "import scipy as sp",
    "mpl": "import matplotlib as mpl",
    "px": "import plotly.express as px",
    "go": "import plotly.graph_objects as go",
    "os": "import os",
    "sys": "import sys",
    "re": "import re",
    "json": "import json",
    "math": "import math",
    "random": "import random",
    "time": "import time",
    "datetime": "import datetime",
    "Path": "from pathlib import Path",
}


def _statements(text: str) -> list[ast.Import | ast.ImportFrom]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def hoist_imports(chunk_texts: Iterable[str], extra: Iterable[str] = ()) -> list[str]:
    """One import statement per line, each once: ``import os, sys`` twice becomes ``import os`` + ``import sys``.

    ``from __future__`` imports come first, as Python requires; comments between imports are dropped.
    """
    seen: dict[str, None] = {}
    future: dict[str, None] = {}
    for text in [*chunk_texts, *extra]:
        for statement in _statements(text):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    seen[ast.unparse(ast.Import(names=[alias]))] = None
                continue
            line = ast.unparse(statement)
            if statement.module == "__future__" and statement.level == 0:
                if line != "from __future__ import annotations":
                    future[line] = None
                continue
            seen[line] = None
    return [*future, *seen]


# Imports made for what importing does, not for a name: they register pandas accessors
# (`df.hvplot`, `df.clean_names()`, `df.profile_report()`) or enable experimental classes.
_SIDE_EFFECT_MODULES = frozenset(
    {"janitor", "pandas_profiling", "ydata_profiling", "swifter", "pint_pandas", "pandas_flavor"}
)
_SIDE_EFFECT_NOTE = "  # noqa: F401 (imported for its side effects)"


def keep_side_effect_import(line: str) -> str:
    """``line`` with a ``# noqa: F401`` when the import is there for its side effects, so that
    removing unused imports keeps it: `import hvplot.pandas`, `import dowhy.api` (a submodule
    imported without a name), `from sklearn.experimental import enable_iterative_imputer`,
    `import janitor`."""
    statements = _statements(line)
    if len(statements) != 1:
        return line
    statement = statements[0]
    if isinstance(statement, ast.Import):
        alias = statement.names[0]
        side_effect = alias.asname is None and (
            "." in alias.name or alias.name in _SIDE_EFFECT_MODULES
        )
    else:
        side_effect = statement.module == "sklearn.experimental" or (
            statement.module in _SIDE_EFFECT_MODULES
        )
    return line + _SIDE_EFFECT_NOTE if side_effect else line

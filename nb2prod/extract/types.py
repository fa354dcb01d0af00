"""Type annotations from literals and well-known constructors (``pd.read_csv`` -> ``pd.DataFrame``); ``Any`` elsewhere."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

__all__ = ["ANY", "annotation_for_runtime_type", "annotation_of", "import_aliases", "render_type"]

ANY = "Any"

_DATAFRAME = ("pandas", "DataFrame")
_SERIES = ("pandas", "Series")
_NDARRAY = ("numpy", "ndarray")
_FIGURE = ("matplotlib.figure", "Figure")

# Qualified callables whose result type is known, whatever their arguments.
KNOWN_CONSTRUCTORS: dict[str, tuple[str, str]] = {
    **{
        f"pandas.{name}": _DATAFRAME
        for name in (
            "read_csv",
            "read_table",
            "read_excel",
            "read_json",
            "read_parquet",
            "read_feather",
            "read_pickle",
            "read_sql",
            "read_sql_query",
            "read_sql_table",
            "read_fwf",
            "read_html_table",
            "read_stata",
            "read_sas",
            "read_spss",
            "read_orc",
            "read_xml",
            "DataFrame",
            "merge",
            "pivot_table",
            "get_dummies",
            "crosstab",
            "json_normalize",
        )
    },
    "pandas.Series": _SERIES,
    **{
        f"numpy.{name}": _NDARRAY
        for name in (
            "array",
            "asarray",
            "zeros",
            "ones",
            "empty",
            "full",
            "arange",
            "linspace",
            "logspace",
            "eye",
            "identity",
            "zeros_like",
            "ones_like",
            "empty_like",
            "full_like",
            "concatenate",
            "stack",
            "vstack",
            "hstack",
            "column_stack",
            "loadtxt",
            "genfromtxt",
            "load",
            "fromfunction",
            "diag",
            "random.rand",
            "random.randn",
            "random.random",
            "random.random_sample",
            "random.normal",
            "random.uniform",
            "random.permutation",
            "cumsum",
            "sort",
            "where",
            "dot",
            "matmul",
        )
    },
    "matplotlib.pyplot.figure": _FIGURE,
}
_BUILTIN_RESULTS = {
    "len": "int",
    "int": "int",
    "float": "float",
    "str": "str",
    "repr": "str",
    "bool": "bool",
    "list": "list[Any]",
    "dict": "dict[Any, Any]",
    "set": "set[Any]",
    "tuple": "tuple[Any, ...]",
    "sorted": "list[Any]",
    "range": "range",
    "bytes": "bytes",
    "frozenset": "frozenset[Any]",
    "abs": ANY,
    "round": ANY,
    "input": "str",
    "ord": "int",
    "chr": "str",
    "hex": "str",
}
# Runtime type (module, qualified name) -> the type to write, for --trace.
_RUNTIME: dict[tuple[str, str], tuple[str, str]] = {
    ("pandas.core.frame", "DataFrame"): _DATAFRAME,
    ("pandas.core.series", "Series"): _SERIES,
    ("numpy", "ndarray"): _NDARRAY,
    ("matplotlib.figure", "Figure"): _FIGURE,
}
_RUNTIME_BUILTINS = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "bytes": "bytes",
    "list": "list[Any]",
    "dict": "dict[Any, Any]",
    "set": "set[Any]",
    "tuple": "tuple[Any, ...]",
    "range": "range",
    "frozenset": "frozenset[Any]",
}


def import_aliases(statements: Iterable[ast.stmt]) -> dict[str, str]:
    """Local name -> what it names (``pd`` -> ``pandas``, ``read_csv`` -> ``pandas.read_csv``)."""
    aliases: dict[str, str] = {}
    for statement in statements:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            for alias in statement.names:
                if alias.name != "*":
                    aliases[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
    return aliases


def render_type(module: str, name: str, aliases: Mapping[str, str]) -> str | None:
    """``pd.DataFrame`` where the module imported pandas as ``pd``; ``None`` if nothing names it."""
    qualified = f"{module}.{name}"
    public_modules = {module, module.split(".")[0]} if module.startswith("pandas") else {module}
    for local, target in sorted(aliases.items()):
        if target == qualified or (module == "pandas" and target == f"pandas.{name}"):
            return local
    for local, target in sorted(aliases.items()):
        if target in public_modules:
            return f"{local}.{name}"
    return None


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _literal_type(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return "bool"
        for kind in (int, float, str, bytes, complex):
            if isinstance(value, kind):
                return kind.__name__
        return None
    if isinstance(node, ast.JoinedStr):
        return "str"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal_type(node.operand)
        return inner if inner in ("int", "float", "complex") else None
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        element_types = {_literal_type(element) for element in node.elts}
        element = (
            next(iter(element_types))
            if len(element_types) == 1 and None not in element_types
            else ANY
        )
        if isinstance(node, ast.Tuple):
            return f"tuple[{element}, ...]"
        return f"{'list' if isinstance(node, ast.List) else 'set'}[{element}]"
    if isinstance(node, ast.Dict):
        keys = {_literal_type(key) if key is not None else None for key in node.keys}
        values = {_literal_type(value) for value in node.values}
        key_type = next(iter(keys)) if len(keys) == 1 and None not in keys else ANY
        value_type = next(iter(values)) if len(values) == 1 and None not in values else ANY
        return f"dict[{key_type}, {value_type}]"
    if isinstance(node, ast.Compare) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    ):
        return "bool"
    return None


def annotation_of(
    value: ast.expr | None, aliases: Mapping[str, str], *, precise_containers: bool = False
) -> str:
    """The annotation for a name bound to ``value``; ``Any`` when nothing certain is known.

    A list, dict or set literal is ``list[Any]`` (...) unless ``precise_containers``: notebook code
    keeps adding other kinds of items to the containers it starts with.
    """
    if value is None:
        return ANY
    literal = _literal_type(value)
    if (
        literal is not None
        and not precise_containers
        and isinstance(value, (ast.List, ast.Set, ast.Dict))
    ):
        return {ast.List: "list[Any]", ast.Set: "set[Any]", ast.Dict: "dict[Any, Any]"}[type(value)]
    if literal is not None:
        return literal
    if isinstance(value, ast.Call):
        dotted = _dotted(value.func)
        if dotted is None:
            return ANY
        head, _, rest = dotted.partition(".")
        if not rest and head in _BUILTIN_RESULTS and head not in aliases:
            return _BUILTIN_RESULTS[head]
        target = aliases.get(head)
        if target is None:
            return ANY
        qualified = f"{target}.{rest}" if rest else target
        known = KNOWN_CONSTRUCTORS.get(qualified)
        if known is not None:
            return render_type(known[0], known[1], aliases) or ANY
    return ANY


def annotation_for_runtime_type(
    module: str, qualified_name: str, aliases: Mapping[str, str]
) -> str:
    """The annotation for a value whose runtime type was recorded by ``--trace``."""
    if module == "builtins":
        return _RUNTIME_BUILTINS.get(qualified_name, ANY)
    known = _RUNTIME.get((module, qualified_name))
    if known is not None:
        return render_type(known[0], known[1], aliases) or ANY
    return ANY

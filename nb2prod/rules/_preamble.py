"""The set-up cells at the top of a notebook: imports, and the configuration that must precede some.

Notebooks start with a run of set-up cells: imports, `%matplotlib inline`, `sys.path.append("..")`,
`os.environ[...] = ...`, `warnings.filterwarnings(...)`, `pd.set_option(...)`. Imports anywhere in
that run are at the top, as ruff's E402 allows imports after a `sys.path` change. Some of that
configuration changes what a later import does (:func:`affects_imports`): an import placed after
it must stay after it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nb2prod.analysis.parse import ParsedCell, walk_nodes
from nb2prod.notebook import Cell
from nb2prod.rules._names import tree_nodes

__all__ = [
    "IMPORT_AFFECTING_MAGICS",
    "Preamble",
    "affects_imports",
    "find_preamble",
    "statement_affects_imports",
]

# Calls that configure a library or the interpreter, by their last name, when made on something
# the notebook imported (`pd.set_option`, `sns.set_theme`, `np.random.seed`) or called as an
# imported function (`load_dotenv()`).
_CONFIGURING = frozenset(
    {
        "use", "set", "set_option", "set_theme", "set_style", "set_context", "set_palette",
        "set_printoptions", "seterr", "seed", "manual_seed", "set_seed", "set_random_seed",
        "filterwarnings", "simplefilter", "resetwarnings", "append", "insert", "extend",
        "chdir", "putenv", "update", "setdefault", "addsitedir", "basicConfig", "setLevel",
        "disable", "init", "apply", "extension", "output_notebook", "init_notebook_mode",
        "init_printing", "pandas", "reload", "importorskip", "setrecursionlimit", "switch_backend",
        "ion", "ioff", "rc", "set_matplotlib_formats", "load_dotenv", "setup", "load_ext",
        "run_line_magic", "register_matplotlib_converters", "enable", "config", "set_default_dtype", "set_device",
        "set_visible_devices", "set_memory_growth", "set_float32_matmul_precision",
    }
)  # fmt: skip
# Configuration that changes what an import finds or does: where modules come from
# (`sys.path`, `site`, the working folder, findspark), the environment a module reads at import
# time (`os.environ`, dotenv), and which backend matplotlib binds when pyplot is imported.
_PATH_AND_ENVIRONMENT = frozenset({"path", "environ"})
_AFFECTING_CALLS = frozenset(
    {
        "addsitedir", "chdir", "putenv", "load_dotenv", "use", "switch_backend", "init",
        "setup", "reload", "importorskip", "filterwarnings", "simplefilter",
    }
)  # fmt: skip
# A call or assignment that changes imports names one of these (a cell without them cannot).
_AFFECTING_NAMES = _PATH_AND_ENVIRONMENT | _AFFECTING_CALLS
IMPORT_AFFECTING_MAGICS = frozenset({"cd", "env", "set_env"})


_FALLBACKS = (ast.Assign, ast.Raise, ast.Pass, ast.Expr)


@dataclass(frozen=True)
class Preamble:
    """The set-up cells at the top (their numbers) and the first cell after them, if any."""

    cells: tuple[int, ...]
    first_other: int | None
    has_imports: bool


def _root(node: ast.expr) -> ast.Name | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node if isinstance(node, ast.Name) else None


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _bound_by_import(statement: ast.Import | ast.ImportFrom) -> Iterable[str]:
    for alias in statement.names:
        if alias.name != "*":
            yield (alias.asname or alias.name).split(".")[0]


def _is_setup(statement: ast.stmt, imported: set[str]) -> bool:
    """An import, a docstring, a masked magic, or configuration of something imported."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        imported.update(_bound_by_import(statement))
        return True
    if isinstance(statement, ast.Pass):
        return True  # masked IPython syntax (`%matplotlib inline`) parses as `pass`
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Call):
            root = _root(value.func)
            return (
                root is not None and root.id in imported and _last_name(value.func) in _CONFIGURING
            )
        return False
    if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        # `plt.rcParams[...] = ...`, `pd.options.display.max_rows = 100`, `os.environ[...] = ...`
        return all(
            isinstance(target, (ast.Attribute, ast.Subscript))
            and (root := _root(target)) is not None
            and root.id in imported
            for target in targets
        )
    if isinstance(statement, ast.Try):
        # `try: import x` / `except ImportError: x = None`: the fallback may be any simple statement.
        blocks = [statement.body, statement.orelse, statement.finalbody]
        return all(_is_setup(inner, imported) for block in blocks for inner in block) and all(
            isinstance(inner, _FALLBACKS) or _is_setup(inner, imported)
            for handler in statement.handlers
            for inner in handler.body
        )
    if isinstance(statement, ast.If):
        return all(_is_setup(inner, imported) for inner in [*statement.body, *statement.orelse])
    return False


def find_preamble(cells: Iterable[tuple[Cell, ParsedCell]]) -> Preamble:
    """The leading run of cells made only of set-up statements, in notebook order."""
    imported: set[str] = set()
    found: list[int] = []
    has_imports = False
    for cell, parsed in cells:
        tree = parsed.tree
        if tree is None:
            return Preamble(tuple(found), cell.number, has_imports)
        if not all(_is_setup(statement, imported) for statement in tree.body):
            return Preamble(tuple(found), cell.number, has_imports)
        has_imports = has_imports or any(
            isinstance(statement, (ast.Import, ast.ImportFrom)) for statement in tree.body
        )
        found.append(cell.number)
    return Preamble(tuple(found), None, has_imports)


def _call_affects_imports(node: ast.Call) -> bool:
    if _last_name(node.func) in _AFFECTING_CALLS:
        return True
    func = node.func
    # sys.path.append(...), os.environ.update(...)
    return isinstance(func, ast.Attribute) and _last_name(func.value) in _PATH_AND_ENVIRONMENT


def _assignment_affects_imports(node: ast.Assign | ast.AugAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        inner = target.value if isinstance(target, ast.Subscript) else target
        if _last_name(inner) in _PATH_AND_ENVIRONMENT:
            return True  # os.environ["X"] = ..., sys.path[0] = ..., sys.path += [...]
    return False


def statement_affects_imports(statement: ast.stmt) -> bool:
    """Whether ``statement`` changes what a later import finds or does."""
    for node in walk_nodes(statement):
        if isinstance(node, ast.Call):
            if _call_affects_imports(node):
                return True
        elif isinstance(node, (ast.Assign, ast.AugAssign)) and _assignment_affects_imports(node):
            return True
    return False


@lru_cache(maxsize=2048)
def _first_import_affecting_line(parsed: ParsedCell) -> int | None:
    """The first line of the cell holding configuration that changes later imports, if any."""
    lines = [
        item.line
        for item in parsed.masked.syntax
        if item.kind == "line_magic" and item.name in IMPORT_AFFECTING_MAGICS
    ]
    walked = tree_nodes(parsed) if parsed.tree is not None else None
    if walked is not None and not walked.identifiers.isdisjoint(_AFFECTING_NAMES):
        by_type = walked.by_type
        lines.extend(
            call.lineno  # type: ignore[attr-defined]
            for call in by_type.get(ast.Call, ())
            if _call_affects_imports(call)  # type: ignore[arg-type]
        )
        for kind in (ast.Assign, ast.AugAssign):
            lines.extend(
                node.lineno  # type: ignore[attr-defined]
                for node in by_type.get(kind, ())
                if _assignment_affects_imports(node)  # type: ignore[arg-type]
            )
    return min(lines, default=None)


def affects_imports(parsed: ParsedCell, before_line: int | None = None) -> bool:
    """Whether the cell (up to ``before_line``) holds configuration that changes later imports."""
    # Top-level statements do not nest, so a node above ``before_line`` lies in a statement
    # that ends before the one starting there.
    line = _first_import_affecting_line(parsed)
    return line is not None and (before_line is None or line < before_line)

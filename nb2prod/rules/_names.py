"""A per-notebook index for the NB3/NB4 rules: calls and strings of each cell, names resolved through imports."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

from nb2prod.analysis.parse import ParsedCell, nodes_by_type
from nb2prod.diagnostics import CellSpan
from nb2prod.magics import PYLAB_MODULES, IPythonSyntax
from nb2prod.notebook import Cell
from nb2prod.rules.base import LintContext

__all__ = [
    "CellIndex",
    "ImportScope",
    "call_name",
    "cell_indexes",
    "literal_string",
    "node_span",
    "tree_nodes",
]


@dataclass
class ImportScope:
    """Local name -> dotted name it was imported as (``np`` -> ``numpy``), in notebook order."""

    aliases: dict[str, str] = field(default_factory=dict)

    def add_imports(self, nodes: list[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def add_magic_imports(self, syntax: Iterable[IPythonSyntax]) -> None:
        """``%pylab`` imports numpy as ``np``, pyplot as ``plt``..."""
        for item in syntax:
            if item.kind == "line_magic" and item.name == "pylab":
                self.aliases.update(PYLAB_MODULES)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name ``node`` refers to, when its root is an imported name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.aliases.get(node.id)
        if root is None:
            return None
        return ".".join([root, *reversed(parts)])

    def copy(self) -> ImportScope:
        return ImportScope(dict(self.aliases))


@dataclass
class CellIndex:
    """What the NB3/NB4 rules look at in one parsed code cell."""

    cell: Cell
    parsed: ParsedCell
    tree: ast.Module | None
    scope: ImportScope
    calls: list[tuple[ast.Call, str | None]] = field(default_factory=list)
    strings: list[ast.Constant] = field(default_factory=list)
    docstrings: set[int] = field(default_factory=set)
    references: list[ast.Attribute | ast.Name] = field(default_factory=list)
    loaded_names: frozenset[str] = frozenset()
    by_type: dict[type, list[ast.AST]] = field(default_factory=dict)
    identifiers: frozenset[str] = frozenset()  # every name and attribute name in the cell

    def of(self, *types: type) -> list[Any]:
        """The cell's nodes of these classes; walk order within a class, classes in the order given."""
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        return [node for node_type in types for node in self.by_type.get(node_type, ())]

    def lines(self) -> list[str]:
        return self.cell.source.splitlines()


def call_name(call: ast.Call, scope: ImportScope) -> str | None:
    """The resolved dotted name of the called function, or the bare name for an unimported one."""
    resolved = scope.resolve(call.func)
    if resolved is not None:
        return resolved
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def literal_string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _docstring_ids(tree: ast.Module, by_type: dict[type, list[ast.AST]]) -> set[int]:
    found: set[int] = set()
    for node_type in (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        for node in by_type.get(node_type, ()):
            body = node.body  # type: ignore[attr-defined]
            if body and type(body[0]) is ast.Expr and type(body[0].value) is ast.Constant:
                found.add(id(body[0].value))
    # A bare string statement at module level is a markdown-like note, not data either.
    for statement in tree.body:
        if type(statement) is ast.Expr and type(statement.value) is ast.Constant:
            found.add(id(statement.value))
    return found


@dataclass(frozen=True)
class _TreeNodes:
    """What one tree holds, walked once per distinct cell source (the panel re-lints constantly)."""

    imports: list[ast.AST]
    calls: list[ast.Call]
    strings: list[ast.Constant]
    docstrings: set[int]
    references: list[ast.Attribute | ast.Name]  # Attribute nodes, then Name nodes, in walk order
    loaded_names: frozenset[str]  # names read (not only stored), attribute roots, global/nonlocal
    by_type: dict[type, list[ast.AST]]  # every node, grouped by class, each list in walk order
    # Every name and attribute name: a rule looking for a few names skips cells without them.
    identifiers: frozenset[str]


# (line, column) of a node; attrgetter runs in C, a sort key called for every call and string.
_position = attrgetter("lineno", "col_offset")


@lru_cache(maxsize=2048)
def tree_nodes(parsed: ParsedCell) -> _TreeNodes:
    tree = parsed.tree
    assert tree is not None
    by_type = nodes_by_type(tree)
    names: list[ast.Name] = by_type.get(ast.Name, [])  # type: ignore[assignment]
    attributes: list[ast.Attribute] = by_type.get(ast.Attribute, [])  # type: ignore[assignment]
    loaded = {name.id for name in names if type(name.ctx) is not ast.Store}
    loaded.update(item.value.id for item in attributes if type(item.value) is ast.Name)  # type: ignore[attr-defined]
    for node_type in (ast.Global, ast.Nonlocal):
        for declaration in by_type.get(node_type, ()):
            loaded.update(declaration.names)  # type: ignore[attr-defined]
    imports = sorted(
        [*by_type.get(ast.Import, ()), *by_type.get(ast.ImportFrom, ())], key=_position
    )
    strings = [node for node in by_type.get(ast.Constant, ()) if type(node.value) is str]  # type: ignore[attr-defined]
    return _TreeNodes(
        imports,
        sorted(by_type.get(ast.Call, ()), key=_position),  # type: ignore[arg-type]
        sorted(strings, key=_position),  # type: ignore[arg-type]
        _docstring_ids(tree, by_type),
        # Attributes, then names: for nodes that start at one position (``pd.datetime.today``,
        # ``pd.datetime``, ``pd``) this keeps the outer-before-inner order of the walk.
        [*attributes, *names],
        frozenset(loaded),
        by_type,
        frozenset([*(name.id for name in names), *(item.attr for item in attributes)]),
    )


def cell_indexes(context: LintContext) -> list[CellIndex]:
    """One :class:`CellIndex` per code cell, in notebook order; computed once per context."""
    cached = context.__dict__.get("_nb2prod_cell_indexes")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    scope = ImportScope()
    indexes: list[CellIndex] = []
    for cell in context.notebook.cells:
        if not cell.is_code:
            continue
        parsed = context.parsed[cell.number]
        tree = parsed.tree
        if tree is None:
            indexes.append(CellIndex(cell, parsed, None, scope.copy()))
            continue
        walked = tree_nodes(parsed)
        if parsed.masked.syntax:
            scope.add_magic_imports(parsed.masked.syntax)
        if walked.imports:
            scope.add_imports(walked.imports)
        resolve_scope = scope.copy()
        index = CellIndex(
            cell,
            parsed,
            tree,
            resolve_scope,
            calls=[(call, call_name(call, resolve_scope)) for call in walked.calls],
            strings=walked.strings,
            docstrings=walked.docstrings,
            references=walked.references,
            loaded_names=walked.loaded_names,
            by_type=walked.by_type,
            identifiers=walked.identifiers,
        )
        indexes.append(index)
    context.__dict__["_nb2prod_cell_indexes"] = indexes
    return indexes


def _character_column(line_text: str, byte_offset: int) -> int:
    """``ast`` columns are UTF-8 byte offsets; spans count characters."""
    if line_text.isascii():
        return byte_offset + 1
    return len(line_text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def node_span(context: LintContext, cell: Cell, node: ast.AST) -> CellSpan:
    """The span of ``node`` in ``cell`` (1-based, character columns, end exclusive)."""
    lines = cell.source.splitlines() or [""]
    line = getattr(node, "lineno", 1)
    end_line = getattr(node, "end_lineno", None) or line
    start_text = lines[line - 1] if 0 < line <= len(lines) else ""
    end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
    column = _character_column(start_text, getattr(node, "col_offset", 0))
    end_offset = getattr(node, "end_col_offset", None)
    end_column = (
        _character_column(end_text, end_offset) if end_offset is not None else len(end_text) + 1
    )
    return context.span(cell, line, column, end_line, end_column)


def walk_calls(indexes: list[CellIndex]) -> Iterator[tuple[CellIndex, ast.Call, str | None]]:
    for index in indexes:
        for call, name in index.calls:
            yield index, call, name

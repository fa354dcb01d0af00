"""A per-notebook index for the NB3/NB4 rules: calls and strings of each cell, names resolved through imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from nb2prod.analysis.parse import ParsedCell
from nb2prod.diagnostics import CellSpan
from nb2prod.notebook import Cell
from nb2prod.rules.base import LintContext

__all__ = [
    "CellIndex",
    "ImportScope",
    "call_name",
    "cell_indexes",
    "literal_string",
    "node_span",
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
    nodes: list[ast.AST] = field(default_factory=list)

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


def _docstring_ids(tree: ast.Module, nodes: list[ast.AST]) -> set[int]:
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    # A bare string statement at module level is a markdown-like note, not data either.
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            found.add(id(statement.value))
    return found


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
        nodes: list[ast.AST] = list(ast.walk(tree)) if tree is not None else []
        if tree is not None:
            scope.add_imports(nodes)
        index = CellIndex(cell, parsed, tree, scope.copy(), nodes=nodes)
        if tree is not None:
            index.docstrings = _docstring_ids(tree, nodes)
            calls = index.calls
            strings = index.strings
            resolve_scope = index.scope
            for node in nodes:
                if isinstance(node, ast.Call):
                    calls.append((node, call_name(node, resolve_scope)))
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    strings.append(node)
            calls.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
            strings.sort(key=lambda node: (node.lineno, node.col_offset))
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
    end_column = _character_column(end_text, end_offset) if end_offset is not None else len(end_text) + 1
    return context.span(cell, line, column, end_line, end_column)


def walk_calls(indexes: list[CellIndex]) -> Iterator[tuple[CellIndex, ast.Call, str | None]]:
    for index in indexes:
        for call, name in index.calls:
            yield index, call, name

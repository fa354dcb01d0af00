"""Gatherer: a prepared cell split into its top-level statements, each with what kind of definition it is."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

from nb2prod.extract.model import PreparedCell

__all__ = ["Chunk", "ChunkKind", "split_cell"]

ChunkKind = Literal[
    "import", "star_import", "function", "class", "lambda", "constant", "other", "comment"
]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One top-level statement (with the comments above it) of a cell; lines are 1-based, inclusive."""

    cell: int
    index: int
    first_line: int
    last_line: int
    text: str
    kind: ChunkKind
    names: tuple[str, ...] = ()
    definition_reads: frozenset[str] = frozenset()
    body_loads: frozenset[str] = frozenset()
    import_targets: tuple[tuple[str, str], ...] = ()
    statements: tuple[ast.stmt, ...] = field(default=(), repr=False)

    def contains(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


def _loads(nodes: list[ast.AST]) -> frozenset[str]:
    return frozenset(
        node.id
        for root in nodes
        for node in ast.walk(root)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )


def _import_targets(statement: ast.Import | ast.ImportFrom) -> tuple[tuple[str, str], ...]:
    """(bound name, what it refers to) for each alias; ``import a.b`` binds ``a`` to module ``a``."""
    targets: list[tuple[str, str]] = []
    for alias in statement.names:
        if isinstance(statement, ast.Import):
            if alias.asname:
                targets.append((alias.asname, alias.name))
            else:
                root = alias.name.split(".")[0]
                targets.append((root, root))
        else:
            module = "." * statement.level + (statement.module or "")
            targets.append((alias.asname or alias.name, f"{module}:{alias.name}"))
    return tuple(targets)


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _classify(
    statements: list[ast.stmt],
) -> tuple[ChunkKind, tuple[str, ...], frozenset[str], tuple[tuple[str, str], ...]]:
    if all(isinstance(statement, (ast.Import, ast.ImportFrom)) for statement in statements):
        targets: list[tuple[str, str]] = []
        for statement in statements:
            assert isinstance(statement, (ast.Import, ast.ImportFrom))
            if any(alias.name == "*" for alias in statement.names):
                return "star_import", (), frozenset(), ()
            targets.extend(_import_targets(statement))
        return "import", tuple(name for name, _ in targets), frozenset(), tuple(targets)
    if len(statements) != 1:
        return "other", (), frozenset(), ()
    statement = statements[0]
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        evaluated: list[ast.AST] = [*statement.decorator_list, *statement.args.defaults]
        evaluated.extend(default for default in statement.args.kw_defaults if default is not None)
        return "function", (statement.name,), _loads(evaluated), ()
    if isinstance(statement, ast.ClassDef):
        evaluated = [
            *statement.decorator_list,
            *statement.bases,
            *(keyword.value for keyword in statement.keywords),
        ]
        return "class", (statement.name,), _loads(evaluated), ()
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        name = statement.targets[0].id
        if isinstance(statement.value, ast.Lambda):
            lambda_node = statement.value
            evaluated = [
                *lambda_node.args.defaults,
                *(d for d in lambda_node.args.kw_defaults if d is not None),
            ]
            return "lambda", (name,), _loads(evaluated), ()
        if _is_literal(statement.value):
            return "constant", (name,), frozenset(), ()
    return "other", (), frozenset(), ()


def split_cell(cell: PreparedCell) -> tuple[Chunk, ...]:
    """The cell's top-level statements as chunks; a cell that does not parse is one comment chunk."""
    lines = cell.source.split("\n")
    if not cell.parses:
        return (Chunk(cell.number, 0, 1, len(lines), cell.source, "comment"),)
    tree = ast.parse(cell.source)
    if not tree.body:
        text = cell.source.strip("\n")
        return (Chunk(cell.number, 0, 1, len(lines), text, "comment"),) if text.strip() else ()
    groups: list[list[ast.stmt]] = []
    for statement in tree.body:
        start = _start_line(statement)
        if groups and start <= (groups[-1][-1].end_lineno or groups[-1][-1].lineno):
            groups[-1].append(statement)
        else:
            groups.append([statement])
    chunks: list[Chunk] = []
    previous_end = 0
    for index, group in enumerate(groups):
        last_line = (
            len(lines) if index == len(groups) - 1 else (group[-1].end_lineno or group[-1].lineno)
        )
        first_line = previous_end + 1
        previous_end = last_line
        text = "\n".join(lines[first_line - 1 : last_line]).strip("\n")
        kind, names, definition_reads, targets = _classify(group)
        chunks.append(
            Chunk(
                cell=cell.number,
                index=index,
                first_line=first_line,
                last_line=last_line,
                text=text,
                kind=kind,
                names=names,
                definition_reads=definition_reads,
                body_loads=_loads(list(group)),
                import_targets=targets,
                statements=tuple(group),
            )
        )
    return tuple(chunks)


def _start_line(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])

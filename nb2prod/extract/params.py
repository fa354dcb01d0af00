"""Transform: the papermill ``parameters`` cell becomes a frozen ``Params`` dataclass with typed defaults."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nb2prod.extract.chunks import Chunk
from nb2prod.extract.types import annotation_of

__all__ = ["ParamField", "params_class", "params_fields"]


@dataclass(frozen=True, slots=True)
class ParamField:
    """One parameter: its annotation and its default as source text."""

    name: str
    annotation: str
    default: str
    mutable: bool


def params_fields(
    chunks: Iterable[Chunk], names: Iterable[str], aliases: Mapping[str, str]
) -> list[ParamField]:
    """The fields, in the order the parameters cell assigns them (the last assignment wins)."""
    wanted = set(names)
    found: dict[str, ParamField] = {}
    for chunk in chunks:
        if len(chunk.statements) != 1:
            continue
        statement = chunk.statements[0]
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            name, value = statement.targets[0].id, statement.value
            annotation = annotation_of(value, aliases, precise_containers=True)
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.value is not None
        ):
            name, value, annotation = (
                statement.target.id,
                statement.value,
                ast.unparse(statement.annotation),
            )
        else:
            continue
        if name not in wanted:
            continue
        mutable = isinstance(
            value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.Call)
        )
        found.pop(name, None)
        found[name] = ParamField(name, annotation, ast.unparse(value), mutable)
    return list(found.values())


def params_class(fields: list[ParamField], notebook_name: str) -> str:
    """The source of the ``Params`` class."""
    lines = ["@dataclasses.dataclass(frozen=True)", "class Params:"]
    if fields:
        lines.append(
            f'    """Parameters from the `parameters` cell of {notebook_name} (papermill convention)."""'
        )
        lines.append("")
        for field in fields:
            if field.mutable:
                lines.append(
                    f"    {field.name}: {field.annotation} = dataclasses.field(default_factory=lambda: {field.default})"
                )
            else:
                lines.append(f"    {field.name}: {field.annotation} = {field.default}")
    else:
        lines.append(
            f'    """Parameters of the pipeline: {notebook_name} has no `parameters` cell, so there are none yet."""'
        )
    return "\n".join(lines)

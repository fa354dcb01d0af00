"""Transform: a class split over cells (``Counter.increment = increment`` in a later cell) is put back together.

The function assigned to the class becomes a method in the class body, and the assignment goes away,
when nothing else uses the function under its own name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

import libcst as cst

from nb2prod.extract.chunks import Chunk

__all__ = ["find_method_assignments", "merge_methods"]


def find_method_assignments(
    chunks: Iterable[Chunk], module_level: Mapping[str, str], function_needs: Mapping[str, object]
) -> dict[tuple[int, int], tuple[str, str, str]]:
    """Chunks ``Class.attr = function`` that can merge: chunk id -> (class, attribute, function)."""
    chunk_list = list(chunks)
    found: dict[tuple[int, int], tuple[str, str, str]] = {}
    for chunk in chunk_list:
        if chunk.kind != "other" or len(chunk.statements) != 1:
            continue
        statement = chunk.statements[0]
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target, value = statement.targets[0], statement.value
        if not (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and isinstance(value, ast.Name)
        ):
            continue
        class_name, function_name = target.value.id, value.id
        if module_level.get(class_name) != "class" or module_level.get(function_name) != "function":
            continue
        if function_name in function_needs:
            continue
        used_elsewhere = any(
            function_name in other.body_loads
            for other in chunk_list
            if other is not chunk and other.names != (function_name,)
        )
        if not used_elsewhere:
            found[(chunk.cell, chunk.index)] = (class_name, target.attr, function_name)
    return found


def merge_methods(class_text: str, methods: list[tuple[str, str]]) -> str:
    """``class_text`` with each (attribute, function source) appended to its body as a method."""
    module = cst.parse_module(class_text + "\n")
    added: list[cst.BaseStatement] = []
    for attribute, function_text in methods:
        function = cst.parse_module(function_text + "\n").body[-1]
        if isinstance(function, cst.FunctionDef):
            added.append(
                function.with_changes(
                    name=cst.Name(attribute), leading_lines=[cst.EmptyLine(indent=False)]
                )
            )
    body = list(module.body)
    for index, statement in enumerate(body):
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            body[index] = statement.with_changes(
                body=statement.body.with_changes(body=[*statement.body.body, *added])
            )
    return module.with_changes(body=body).code.rstrip("\n")

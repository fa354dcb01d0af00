"""Transform: ``from module import *`` becomes an explicit import of the names the notebook uses from it.

The module is imported (in this process) only to list its public names; a module that cannot be
imported keeps its star import, with a warning that its names cannot be checked.
"""

from __future__ import annotations

import ast
import importlib
import io
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout

__all__ = ["public_names", "resolve_star_imports"]


def public_names(module_name: str) -> frozenset[str] | None:
    """What ``from module_name import *`` binds, or ``None`` when the module cannot be imported."""
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            module = importlib.import_module(module_name)
    except Exception:
        return None
    exported = getattr(module, "__all__", None)
    if isinstance(exported, (list, tuple)) and all(isinstance(name, str) for name in exported):
        return frozenset(exported)
    return frozenset(name for name in vars(module) if not name.startswith("_"))


def resolve_star_imports(
    source: str, used_names: Iterable[str], bound_names: Iterable[str]
) -> tuple[str, list[str]]:
    """``source`` with each resolvable star import made explicit; also the modules left unresolved."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source, []
    lines = source.split("\n")
    used = set(used_names) - set(bound_names)
    unresolved: list[str] = []
    for statement in tree.body:
        if not (
            isinstance(statement, ast.ImportFrom)
            and any(alias.name == "*" for alias in statement.names)
        ):
            continue
        module = statement.module or ""
        names = public_names(module) if statement.level == 0 and module else None
        if names is None:
            unresolved.append(module)
            continue
        wanted = sorted(used & names)
        start, end = statement.lineno - 1, (statement.end_lineno or statement.lineno) - 1
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        replacement = (
            f"{indent}from {module} import {', '.join(wanted)}"
            if wanted
            else f"{indent}# nb2prod: `from {module} import *` provided nothing the notebook uses"
        )
        lines[start : end + 1] = [replacement] + [""] * (end - start)
    return "\n".join(lines), unresolved

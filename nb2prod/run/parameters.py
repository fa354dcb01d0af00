"""The ``parameters`` cell, read statically, and validation of the values a user passes for it."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2prod.errors import Nb2prodError
from nb2prod.magics import mask
from nb2prod.notebook import Cell, Notebook

__all__ = [
    "Parameter",
    "ParameterError",
    "declared_parameters",
    "load_parameters_file",
    "parameters_cell",
    "parse_command_line_value",
    "validate_parameters",
]

PARAMETERS_TAG = "parameters"

# Annotation names we understand, mapped to the Python types a value may have.
_ANNOTATION_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
    "tuple": (tuple, list),
    "complex": (complex, float, int),
}


class ParameterError(Nb2prodError):
    """A parameter the user passed does not fit the notebook's ``parameters`` cell."""


@dataclass(frozen=True, slots=True)
class Parameter:
    """One name assigned in the ``parameters`` cell, with its default when that is a literal."""

    name: str
    default: Any
    has_literal_default: bool
    annotation: str | None
    line: int

    @property
    def accepted_types(self) -> tuple[type, ...] | None:
        """The types a new value may have, or ``None`` when anything goes."""
        if self.annotation is not None:
            base = self.annotation.replace("typing.", "")
            optional = (
                base.startswith("Optional[") or base.endswith("| None") or base.startswith("None |")
            )
            for prefix in ("Optional[", "list[", "dict[", "tuple[", "List[", "Dict[", "Tuple["):
                if base.startswith(prefix):
                    base = (
                        prefix.rstrip("[").lower()
                        if prefix != "Optional["
                        else base[len(prefix) : -1]
                    )
            base = base.replace("| None", "").replace("None |", "").strip()
            types = _ANNOTATION_TYPES.get(base)
            if types is None:
                return None
            return (*types, type(None)) if optional else types
        if not self.has_literal_default or self.default is None:
            return None
        if isinstance(self.default, bool):
            return (bool,)
        if isinstance(self.default, float):
            return (float, int)
        if isinstance(self.default, (tuple, list)):
            return (tuple, list)
        return (type(self.default),)

    @property
    def type_name(self) -> str:
        if self.annotation is not None:
            return self.annotation
        if self.has_literal_default and self.default is not None:
            return type(self.default).__name__
        return "any"


def parameters_cell(notebook: Notebook) -> Cell | None:
    """The first code cell tagged ``parameters`` (papermill's convention), if any."""
    for cell in notebook.code_cells:
        if PARAMETERS_TAG in cell.tags:
            return cell
    return None


def declared_parameters(notebook: Notebook) -> dict[str, Parameter]:
    """Names the ``parameters`` cell assigns at module level, in source order."""
    cell = parameters_cell(notebook)
    if cell is None:
        return {}
    try:
        tree = ast.parse(mask(cell.source).text)
    except SyntaxError as error:
        raise ParameterError(
            f"the parameters cell (cell {cell.number}) is not valid Python: {error.msg} (line {error.lineno})",
            notebook.path,
        ) from None
    found: dict[str, Parameter] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            targets = [target for target in statement.targets if isinstance(target, ast.Name)]
            value_node: ast.expr | None = statement.value
            annotation = None
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            targets = [statement.target]
            value_node = statement.value
            annotation = ast.unparse(statement.annotation)
        else:
            continue
        default, is_literal = _literal(value_node)
        for target in targets:
            found[target.id] = Parameter(
                target.id, default, is_literal, annotation, statement.lineno
            )
    return found


def _literal(node: ast.expr | None) -> tuple[Any, bool]:
    if node is None:
        return None, False
    try:
        return ast.literal_eval(node), True
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None, False


_TRUE_WORDS = {"true", "yes", "on", "1"}
_FALSE_WORDS = {"false", "no", "off", "0"}


def parse_command_line_value(raw: str, parameter: Parameter | None) -> Any:
    """Turn ``-p NAME VALUE``'s text into a value, guided by the parameter's declared type.

    A parameter declared as ``str`` keeps the text as it is (``-p name 007`` stays ``"007"``);
    otherwise the text is read as a Python literal, then as YAML, falling back to the text.
    """
    accepted = parameter.accepted_types if parameter is not None else None
    if accepted is not None and str in accepted and bool not in accepted:
        return raw
    if accepted == (bool,):
        lowered = raw.strip().lower()
        if lowered in _TRUE_WORDS:
            return True
        if lowered in _FALSE_WORDS:
            return False
    try:
        return ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return raw if value is None and raw.strip() not in ("null", "~", "") else value


def load_parameters_file(path: Path) -> dict[str, Any]:
    """Read a YAML (or JSON) mapping of parameter values; every failure is one line naming the file."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("no such parameters file", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ParameterError(f"cannot read parameters file: {error}", path) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ParameterError(f"invalid YAML{where}: {problem}", path) from None
    if document is None:
        return {}
    if not isinstance(document, dict) or not all(isinstance(key, str) for key in document):
        raise ParameterError(
            f"expected a mapping of parameter names to values, found {type(document).__name__}",
            path,
        )
    return dict(document)


def _describe(declared: Mapping[str, Parameter]) -> str:
    if not declared:
        return "the notebook declares no parameters (tag a cell `parameters` to declare some)"
    listed = ", ".join(f"{p.name}: {p.type_name}" for p in declared.values())
    return f"known parameters: {listed}"


def validate_parameters(
    notebook: Notebook, values: Mapping[str, Any], *, allow_unknown: bool = False
) -> dict[str, Any]:
    """Check ``values`` against the ``parameters`` cell; an unknown name or a wrong type is an error.

    Returns the values with ints widened to floats where the cell declares a float, so that the
    injected cell reads like the original.
    """
    declared = declared_parameters(notebook)
    if values and parameters_cell(notebook) is None and not allow_unknown:
        raise ParameterError(
            f"cannot set {', '.join(sorted(values))}: no cell is tagged `parameters`", notebook.path
        )
    checked: dict[str, Any] = {}
    for name, value in values.items():
        parameter = declared.get(name)
        if parameter is None:
            if allow_unknown:
                checked[name] = value
                continue
            raise ParameterError(
                f"unknown parameter {name!r}; {_describe(declared)}", notebook.path
            )
        accepted = parameter.accepted_types
        if accepted is not None and (
            not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted)
        ):
            raise ParameterError(
                f"parameter {name!r} expects {parameter.type_name} (default {parameter.default!r}), "
                f"got {type(value).__name__} {value!r}; {_describe(declared)}",
                notebook.path,
            )
        if (
            accepted is not None
            and float in accepted
            and int in accepted
            and isinstance(value, int)
            and not isinstance(value, bool)
        ):
            value = (
                float(value)
                if (parameter.annotation or "").startswith("float")
                or isinstance(parameter.default, float)
                else value
            )
        checked[name] = value
    return checked

"""Code generation: the module's source assembled from the plan (steps, ``run``, ``main``) with libcst."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from nb2prod.extract.chunks import Chunk
from nb2prod.extract.display import DisplayToLogging
from nb2prod.extract.globals_to_parameters import AddKeywordParameters, PassNeededArguments
from nb2prod.extract.imports import hoist_imports, keep_side_effect_import
from nb2prod.extract.methods import find_method_assignments, merge_methods
from nb2prod.extract.model import Plan, PreparedCell, Step
from nb2prod.extract.params import ParamField, params_class, params_fields
from nb2prod.extract.types import ANY, annotation_of, import_aliases

__all__ = ["GeneratedModule", "generate_module"]

_RUNTIME_CHECKABLE = {"int", "float", "str", "bool", "bytes", "range"}


@dataclass(frozen=True, slots=True)
class GeneratedModule:
    """The module's source (before formatting) and what the test generator needs to call it."""

    source: str
    params: tuple[ParamField, ...]
    step_types: Mapping[str, Mapping[str, str]]
    run_argument: str
    is_async: Mapping[str, bool] = field(default_factory=dict)
    logged_displays: int = 0


def _chunks_of(step: Step, chunks: Mapping[int, tuple[Chunk, ...]], plan: Plan) -> list[Chunk]:
    return [
        chunk
        for number in step.cells
        for chunk in chunks.get(number, ())
        if (chunk.cell, chunk.index) not in plan.hoisted_statements
    ]


def _last_assignment_type(
    name: str, kept: list[Chunk], cells: Mapping[int, PreparedCell], aliases: Mapping[str, str]
) -> str:
    """The type of ``name`` after the step: from its last binding, when that is a plain assignment."""
    last: tuple[Chunk, int] | None = None
    for chunk in kept:
        for binding in cells[chunk.cell].dataflow.defines:
            if binding.name == name and chunk.contains(binding.line):
                last = (chunk, binding.line)
    if last is None:
        return ANY
    chunk, line = last
    statement = chunk.statements[-1] if chunk.statements else None
    if (
        isinstance(statement, ast.Assign)
        and statement.lineno == line
        and len(statement.targets) == 1
    ):
        target = statement.targets[0]
        if isinstance(target, ast.Name) and target.id == name:
            return annotation_of(statement.value, aliases)
    if (
        isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.target.id == name
    ):
        return ast.unparse(statement.annotation)
    return ANY


def _has_top_level_await(chunks: list[Chunk]) -> bool:
    stack: list[ast.AST] = [statement for chunk in chunks for statement in chunk.statements]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _transform_cell_text(
    text: str, logger: str, final_name: str | None, display_is_ipython: bool
) -> tuple[str, int]:
    try:
        module = cst.parse_module(text + "\n")
    except cst.ParserSyntaxError:
        return text, 0
    transformer = DisplayToLogging(
        logger, display_is_ipython=display_is_ipython, final_name=final_name
    )
    return module.visit(transformer).code.rstrip("\n"), transformer.logged


def _function_source(
    header: str,
    docstring: str,
    body_text: str,
    needs: Mapping[str, tuple[str, ...]],
    tail: list[str],
) -> tuple[str, bool]:
    """A function whose body is ``body_text`` (parsed with libcst, so string contents keep their lines)."""
    body_module = cst.parse_module(body_text + "\n" if body_text.strip() else "\n")
    passer = PassNeededArguments(needs)
    body_module = body_module.visit(passer)
    statements: list[cst.BaseStatement] = list(body_module.body)
    docstring_line = cst.parse_statement(f'"""{docstring}"""\n')
    header_lines = list(body_module.header)
    tail_statements = [cst.parse_statement(line + "\n") for line in tail]
    if statements:
        first = statements[0]
        assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        statements[0] = first.with_changes(leading_lines=[*header_lines, *first.leading_lines])
    elif header_lines and tail_statements:
        tail_statements[0] = tail_statements[0].with_changes(leading_lines=header_lines)
    elif header_lines:
        tail_statements = [cst.parse_statement("pass\n").with_changes(leading_lines=header_lines)]
    if body_module.footer and tail_statements:
        tail_statements[0] = tail_statements[0].with_changes(
            leading_lines=[*body_module.footer, *tail_statements[0].leading_lines]
        )
    function = cst.parse_statement(f"{header}\n    pass\n")
    assert isinstance(function, cst.FunctionDef)
    function = function.with_changes(
        body=cst.IndentedBlock(body=[docstring_line, *statements, *tail_statements])
    )
    return cst.Module(body=[function]).code, passer.uses_partial


def _docstring(text: str) -> str:
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''")
    return text.rstrip('"') or "Step."


def _cells_text(cells: tuple[int, ...]) -> str:
    if len(cells) == 1:
        return f"cell {cells[0]}"
    return (
        f"cells {cells[0]}-{cells[-1]}"
        if cells == tuple(range(cells[0], cells[-1] + 1))
        else "cells " + ", ".join(map(str, cells))
    )


def generate_module(
    *,
    notebook_name: str,
    title: str,
    module_name: str,
    plan: Plan,
    cells: Mapping[int, PreparedCell],
    chunks: Mapping[int, tuple[Chunk, ...]],
    runtime_types: Mapping[str, Mapping[str, str]] | None = None,
) -> GeneratedModule:
    """The unformatted module source for ``plan``."""
    runtime_types = runtime_types or {}
    ordered = [chunk for number in sorted(chunks) for chunk in chunks[number]]
    hoisted = [chunk for chunk in ordered if (chunk.cell, chunk.index) in plan.hoisted_statements]
    parameter_cells = {number for number, cell in cells.items() if cell.is_parameters}
    import_chunks = [chunk for chunk in hoisted if chunk.kind in ("import", "star_import")]
    needed = [line for number in sorted(cells) for line in cells[number].needed_imports]
    all_names = {binding.name for cell in cells.values() for binding in cell.dataflow.defines}
    display_is_ipython = "display" not in all_names or "display" in {
        name
        for chunk in import_chunks
        for name, target in chunk.import_targets
        if target.endswith(":display")
    }
    logger = next(
        candidate
        for candidate in ("logger", "log", "pipeline_logger", "nb2prod_logger")
        if candidate not in all_names
    )
    imports = [
        keep_side_effect_import(line)
        for line in hoist_imports(
            (chunk.text for chunk in import_chunks), [*needed, *plan.added_imports]
        )
    ]
    aliases = import_aliases(statement for chunk in import_chunks for statement in chunk.statements)

    # Params
    parameter_chunks = [
        chunk
        for chunk in ordered
        if chunk.cell in parameter_cells
        and (chunk.cell, chunk.index) in plan.hoisted_statements
        and chunk.kind not in ("import", "star_import")
    ]
    fields = params_fields(parameter_chunks, plan.parameters, aliases)
    field_types = {item.name: item.annotation for item in fields}

    # Types of step values: from the defining assignment, or from the traced run.
    step_types: dict[str, dict[str, str]] = {}
    value_types: dict[str, str] = {}
    for step in plan.steps:
        kept = _chunks_of(step, chunks, plan)
        types: dict[str, str] = {}
        for name in step.parameters:
            types[name] = (
                value_types.get(name)
                or field_types.get(name)
                or runtime_types.get(step.name, {}).get(name)
                or ANY
            )
            if types[name] == ANY and runtime_types.get(step.name, {}).get(name):
                types[name] = runtime_types[step.name][name]
        for name in (*step.returns, *((step.result,) if step.result else ())):
            traced = runtime_types.get(step.name, {}).get(f"return:{name}")
            static = _last_assignment_type(name, kept, cells, aliases)
            types[f"return:{name}"] = static if static != ANY or not traced else traced
            value_types[name] = types[f"return:{name}"]
        step_types[step.name] = types

    # Module-level definitions, in notebook order, constants first.
    definition_chunks = [
        chunk
        for chunk in hoisted
        if chunk.kind in ("function", "class", "lambda", "constant")
        and chunk.names
        and chunk.names[0] in plan.module_level
    ]
    seen: set[tuple[int, int]] = set()
    unique_definitions = []
    for chunk in definition_chunks:
        if (chunk.cell, chunk.index) not in seen:
            seen.add((chunk.cell, chunk.index))
            unique_definitions.append(chunk)
    constants = [chunk.text for chunk in unique_definitions if chunk.kind == "constant"]
    merged = find_method_assignments(ordered, plan.module_level, plan.function_needs)
    merged_functions = {function for _, _, function in merged.values()}
    texts: list[str] = []
    for chunk in unique_definitions:
        if chunk.kind == "constant" or chunk.names[0] in merged_functions:
            continue
        methods = [
            (
                attribute,
                next(other.text for other in unique_definitions if other.names == (function,)),
            )
            for class_name, attribute, function in merged.values()
            if class_name == chunk.names[0]
        ]
        texts.append(merge_methods(chunk.text, methods) if methods else chunk.text)
    definitions_text = "\n\n\n".join(texts)
    uses_partial = False
    if definitions_text.strip():
        module = cst.parse_module(definitions_text + "\n")
        passer = PassNeededArguments(plan.function_needs)
        module = module.visit(AddKeywordParameters(plan.function_needs)).visit(passer)
        uses_partial = passer.uses_partial
        definitions_text = module.code

    # Steps
    step_sources: list[str] = []
    result_classes: list[str] = []
    is_async: dict[str, bool] = {}
    logged = 0
    for position, step in enumerate(plan.steps):
        kept = _chunks_of(step, chunks, plan)
        types = step_types[step.name]
        cell_texts: list[str] = []
        is_last_step = position == len(plan.steps) - 1
        for number in step.cells:
            texts = [chunk.text for chunk in kept if chunk.cell == number]
            if not texts:
                continue
            final = step.result if is_last_step and number == step.cells[-1] else None
            text, count = _transform_cell_text("\n".join(texts), logger, final, display_is_ipython)
            logged += count
            cell_texts.append(text)
        body = "\n\n".join(text for text in cell_texts if text.strip())
        bound_globals = sorted(
            {
                binding.name
                for chunk in kept
                for binding in cells[chunk.cell].dataflow.defines
                if chunk.contains(binding.line)
            }
            & set(plan.global_state)
        )
        if bound_globals:
            body = f"global {', '.join(bound_globals)}\n" + body
        returned = [
            *step.returns,
            *((step.result,) if step.result and step.result not in step.returns else ()),
        ]
        tail: list[str] = []
        if len(returned) == 1:
            return_type = types[f"return:{returned[0]}"]
            tail.append(f"return {returned[0]}")
        elif returned:
            return_type = step.result_class
            tail.append(
                f"return {step.result_class}({', '.join(f'{name}={name}' for name in returned)})"
            )
            class_lines = [
                f"class {step.result_class}(NamedTuple):",
                f'    """What `{step.name}` hands to later steps."""',
                "",
            ]
            class_lines.extend(f"    {name}: {types[f'return:{name}']}" for name in returned)
            result_classes.append("\n".join(class_lines))
        else:
            return_type = "None"
        signature = ", ".join(f"{name}: {types[name]}" for name in step.parameters)
        asynchronous = _has_top_level_await(kept)
        is_async[step.name] = asynchronous
        header = f"{'async ' if asynchronous else ''}def {step.name}({signature}) -> {return_type}:"
        docstring = _docstring(
            f"{step.title[:1].upper()}{step.title[1:]} ({_cells_text(step.cells)})."
        )
        source, partial = _function_source(header, docstring, body, plan.function_needs, tail)
        uses_partial = uses_partial or partial
        step_sources.append(source)

    run_argument = "params" if "params" not in all_names else "pipeline_params"
    run_source = _run_source(plan, step_types, run_argument, is_async)
    main_source = _main_source(fields, module_name, title, logger)

    header_lines = [
        f'"""{_docstring(title)}: the pipeline extracted from {notebook_name} by nb2prod.',
        "",
        f"Run it with ``python -m {module_name}`` (``--help`` lists the parameters), or call",
        "``run(Params(...))`` from Python. Each step function is one section of the notebook.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import argparse",
        "import dataclasses",
        "import logging",
        *(["import asyncio"] if any(is_async.values()) else []),
        *(["import functools"] if uses_partial else []),
        *(
            ["import ast"]
            if any(_argparse_type(item.annotation)[0] == "_parse_value" for item in fields)
            else []
        ),
        "from collections.abc import Sequence",
        "from typing import Any, NamedTuple",
        *imports,
        "",
        f"{logger} = logging.getLogger(__name__)",
    ]
    parts = ["\n".join(header_lines)]
    if constants:
        parts.append("\n".join(constants))
    if plan.global_state:
        parts.append(
            "\n".join(
                f"{name}: Any = None  # assigned by a function through `global`"
                for name in plan.global_state
            )
        )
    if definitions_text.strip():
        parts.append(definitions_text.strip("\n"))
    parts.append(params_class(fields, notebook_name))
    parts.extend(result_classes)
    parts.extend(source.strip("\n") for source in step_sources)
    parts.append(run_source)
    if any(_argparse_type(item.annotation)[0] == "_parse_value" for item in fields):
        parts.append(_PARSE_VALUE)
    parts.append(main_source)
    parts.append('if __name__ == "__main__":\n    main()')
    source = "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
    return GeneratedModule(source, tuple(fields), step_types, run_argument, is_async, logged)


_PARSE_VALUE = '''def _parse_value(text: str) -> Any:
    """A command-line value as a Python literal (``[1, 2]``, ``{'a': 1}``), or as the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text'''


def step_call(
    step: Step, run_argument: str, field_names: set[str], provided: set[str], is_async: bool
) -> str:
    """``df = load(params.path)``: the line of ``run`` that calls ``step``."""
    arguments = ", ".join(
        name if name in provided else f"{run_argument}.{name}" if name in field_names else name
        for name in step.parameters
    )
    call = f"{step.name}({arguments})"
    if is_async:
        call = f"asyncio.run({call})"
    returned = [
        *step.returns,
        *((step.result,) if step.result and step.result not in step.returns else ()),
    ]
    if not returned:
        return call
    if len(returned) == 1:
        return f"{returned[0]} = {call}"
    return f"{', '.join(returned)} = {call}"


def chain_lines(
    plan: Plan, run_argument: str, is_async: Mapping[str, bool], upto: int | None = None
) -> list[str]:
    """The calls of ``run`` for the steps before ``upto`` (all steps when ``None``)."""
    field_names = set(plan.parameters)
    provided: set[str] = set()
    lines: list[str] = []
    for step in plan.steps[: upto if upto is not None else len(plan.steps)]:
        lines.append(
            step_call(step, run_argument, field_names, provided, is_async.get(step.name, False))
        )
        provided.update(step.returns)
        if step.result:
            provided.add(step.result)
    return lines


def _run_source(
    plan: Plan,
    step_types: Mapping[str, Mapping[str, str]],
    run_argument: str,
    is_async: Mapping[str, bool],
) -> str:
    lines = [
        f"def run({run_argument}: Params | None = None) -> {_run_return_type(plan, step_types)}:",
        '    """Run every step in notebook order; returns the value the notebook ends by showing."""'
        if plan.final_result
        else '    """Run every step in notebook order."""',
        f"    if {run_argument} is None:",
        f"        {run_argument} = Params()",
    ]
    lines.extend(f"    {line}" for line in chain_lines(plan, run_argument, is_async))
    if plan.final_result:
        lines.append(f"    return {plan.final_result}")
    return "\n".join(lines)


def _run_return_type(plan: Plan, step_types: Mapping[str, Mapping[str, str]]) -> str:
    if plan.final_result and plan.steps:
        return step_types[plan.steps[-1].name].get(f"return:{plan.final_result}", ANY)
    return "None"


def _argparse_type(annotation: str) -> tuple[str, str | None]:
    """(type callable, nargs) for an annotation; ``_parse_value`` reads anything else as a literal."""
    if annotation in ("int", "float", "str"):
        return annotation, None
    for element in ("int", "float", "str"):
        if annotation in (f"list[{element}]", f"tuple[{element}, ...]"):
            return element, "*"
    return "_parse_value", None


def _main_source(fields: list[ParamField], module_name: str, title: str, logger: str) -> str:
    lines = [
        "def main(argv: Sequence[str] | None = None) -> None:",
        '    """Command line: one option per field of ``Params``; displayed values are logged to stderr."""',
        "    defaults = Params()",
        f"    parser = argparse.ArgumentParser(prog={module_name!r}, description={_docstring(title)!r})",
    ]
    for item in fields:
        option = "--" + item.name.replace("_", "-")
        if item.annotation == "bool":
            lines.append(
                f"    parser.add_argument({option!r}, dest={item.name!r}, action=argparse.BooleanOptionalAction, "
                f'default=defaults.{item.name}, help="default: %(default)s")'
            )
            continue
        kind, nargs = _argparse_type(item.annotation)
        nargs_text = f", nargs={nargs!r}" if nargs else ""
        lines.append(
            f"    parser.add_argument({option!r}, dest={item.name!r}, type={kind}{nargs_text}, "
            f'default=defaults.{item.name}, help="default: %(default)s")'
        )
    lines.append("    arguments = parser.parse_args(argv)")
    lines.append('    logging.basicConfig(format="%(message)s")')
    lines.append(f"    {logger}.setLevel(logging.INFO)")
    if fields:
        values = ", ".join(f"{item.name}=arguments.{item.name}" for item in fields)
        lines.append(f"    run(Params({values}))")
    else:
        lines.append("    del arguments")
        lines.append("    run(defaults)")
    return "\n".join(lines)

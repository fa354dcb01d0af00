"""The extraction plan: steps from the notebook's structure, and where each name lives, from the dataflow.

A step's parameters are the names it reads that earlier steps (or ``Params``) define; its returns are
the names it defines that later steps read. Imports, functions, classes and literal constants bound
once become module-level definitions; a function's reads of step values become keyword parameters.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nb2prod.extract.chunks import Chunk
from nb2prod.extract.dataflow_adapter import NameBinding
from nb2prod.extract.imports import CONVENTIONAL_IMPORTS
from nb2prod.extract.methods import find_method_assignments
from nb2prod.extract.model import Plan, PreparedCell, Problem, Step, StepBy
from nb2prod.notebook import Notebook

__all__ = ["HOISTABLE", "StepGroup", "group_cells", "identifier", "plan_extraction"]

HOISTABLE = frozenset({"import", "function", "class", "lambda", "constant"})
_BUILTINS = frozenset(dir(builtins))
_NUMBERING_WORDS = frozenset(
    {"step", "part", "section", "chapter", "exercise", "task", "question", "q", "ex"}
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(?P<title>.*?)</h[1-6]>", re.IGNORECASE | re.DOTALL)


@dataclass
class StepGroup:
    """Cells grouped into one step before the dataflow decides its signature."""

    title: str
    cells: list[int] = field(default_factory=list)
    tag_name: str | None = None


def identifier(text: str, fallback: str, *, words: int = 5) -> str:
    """A snake_case Python identifier from free text (``"1. Load the data!"`` -> ``load_the_data``)."""
    text = re.sub(r"<[^>]+>|`|\*|\[|\]\([^)]*\)", " ", text)
    parts = re.findall(r"[A-Za-z0-9]+", text.lower())
    # "Step 3. Load the data", "Part 2: ...", "1.2 Cleaning": the numbering says nothing.
    while parts and (
        parts[0].isdigit()
        or (parts[0] in _NUMBERING_WORDS and len(parts) > 1 and parts[1].isdigit())
    ):
        parts.pop(0)
    name = "_".join(parts[:words])
    if not name or not name.isidentifier() or name[0].isdigit():
        name = f"{fallback}_{name}" if name else fallback
    if keyword.iskeyword(name) or name in _BUILTINS:
        name = f"{name}_step"
    return name


def _heading(source: str) -> str | None:
    match = _HEADING.search(source) or _HTML_HEADING.search(source)
    return match.group("title").strip() if match else None


def group_cells(
    notebook: Notebook, included: Iterable[int], by: StepBy, tags: Mapping[int, str | None]
) -> tuple[list[StepGroup], list[Problem]]:
    """Cells into steps: by markdown section (default), by cell, or by ``nb2prod:step=NAME`` tag."""
    included_set = set(included)
    problems: list[Problem] = []
    if by == "tag" and not any(tags.get(number) for number in included_set):
        problems.append(
            Problem(
                "--by tag: no cell carries an `nb2prod:step=NAME` tag; grouping by markdown section"
            )
        )
        by = "section"
    groups: list[StepGroup] = []
    pending_title: str | None = None
    for cell in notebook.cells:
        if by == "section" and cell.kind == "markdown":
            title = _heading(cell.source)
            if title is not None:
                pending_title = title
                if groups and groups[-1].cells:
                    groups.append(StepGroup(title))
                elif groups:
                    groups[-1].title = title
                else:
                    groups.append(StepGroup(title))
            continue
        if cell.number not in included_set:
            continue
        if by == "cell":
            first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
            comment = (
                first_line.strip().lstrip("#").strip() if first_line.strip().startswith("#") else ""
            )
            groups.append(StepGroup(comment or f"cell {cell.number}", [cell.number]))
            continue
        if by == "tag":
            tag = tags.get(cell.number)
            if tag and (not groups or groups[-1].tag_name != tag):
                groups.append(StepGroup(tag, tag_name=tag))
        if not groups:
            groups.append(StepGroup(pending_title or "setup"))
        groups[-1].cells.append(cell.number)
    return [group for group in groups if group.cells], problems


@dataclass
class _Names:
    """Bindings of every name across the included cells, with the chunks that make them."""

    bindings: dict[str, list[tuple[int, str, Chunk | None]]] = field(default_factory=dict)


def _chunk_at(chunks: tuple[Chunk, ...], line: int) -> Chunk | None:
    for chunk in chunks:
        if chunk.contains(line):
            return chunk
    return None


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def plan_extraction(
    notebook: Notebook,
    cells: Mapping[int, PreparedCell],
    chunks: Mapping[int, tuple[Chunk, ...]],
    by: StepBy,
    reserved: Iterable[str] = (),
) -> Plan:
    """Decide the steps, their signatures and the module-level definitions; never raises on odd input."""
    problems: list[Problem] = []
    included = sorted(cells)
    groups, grouping_problems = group_cells(
        notebook, included, by, {n: c.step_tag for n, c in cells.items()}
    )
    problems.extend(grouping_problems)

    # -- every binding, with the chunk that makes it --------------------------------------------
    bindings: dict[str, list[tuple[int, str, Chunk | None]]] = {}
    mutated: set[str] = set()
    star_modules: list[str] = []
    for number in included:
        cell = cells[number]
        for binding in cell.dataflow.defines:
            bindings.setdefault(binding.name, []).append(
                (number, binding.kind, _chunk_at(chunks[number], binding.line))
            )
        mutated.update(cell.dataflow.mutations)
        mutated.update(cell.dataflow.deletes)
        for chunk in chunks[number]:
            if chunk.kind == "star_import":
                star_modules.extend(cell.dataflow.star_modules or ("?",))
                problems.append(
                    Problem(
                        "star import: names it provides cannot be checked; it is kept at module level",
                        number,
                    )
                )
        if cell.dataflow.defines_unknown:
            problems.append(
                Problem(
                    "this cell may define names nb2prod cannot see (`%run`, `exec`, `globals()`)",
                    number,
                )
            )

    functions = {
        name: function
        for number in included
        for name, function in cells[number].dataflow.functions.items()
    }
    global_state = _unique(
        name for function in functions.values() for name in function.global_writes
    )
    for name in global_state:
        writers = sorted(
            function.name for function in functions.values() if name in function.global_writes
        )
        problems.append(
            Problem(
                f"function `{writers[0]}` assigns the global `{name}`: kept as module-level state (consider returning it)"
            )
        )

    # -- Params: the papermill `parameters` cell ---------------------------------------------------
    parameter_chunks: set[tuple[int, int]] = set()
    parameters: list[str] = []
    import_only = {
        name
        for name, found in bindings.items()
        if all(chunk is not None and chunk.kind == "import" for _, _, chunk in found)
    }
    for number in included:
        if not cells[number].is_parameters:
            continue
        for chunk in chunks[number]:
            statement = chunk.statements[0] if len(chunk.statements) == 1 else None
            target = _parameter_target(statement)
            value = getattr(statement, "value", None)
            loads = (
                {node.id for node in ast.walk(value) if isinstance(node, ast.Name)}
                if value is not None
                else set()
            )
            if (
                target is not None
                and chunk.kind in ("constant", "other")
                and loads <= import_only | _BUILTINS
            ):
                parameter_chunks.add((chunk.cell, chunk.index))
                parameters.append(target)
        break
    parameters = _unique(parameters)

    # -- module-level names: bound only by hoistable statements that agree -------------------------
    candidates: dict[str, str] = {}
    for name, found in bindings.items():
        if name in global_state or name in parameters:
            continue
        chunk_list = [chunk for _, _, chunk in found]
        if any(
            chunk is None
            or chunk.kind not in HOISTABLE
            or (chunk.cell, chunk.index) in parameter_chunks
            for chunk in chunk_list
        ):
            continue
        kinds = {chunk.kind for chunk in chunk_list if chunk is not None}
        if kinds == {"import"}:
            targets = {
                target
                for chunk in chunk_list
                if chunk is not None
                for bound, target in chunk.import_targets
                if bound == name
            }
            if len(targets) == 1:
                candidates[name] = "import"
            continue
        if len(found) != 1 or len(kinds) != 1:
            if kinds & {"function", "class"}:
                cells_text = ", ".join(
                    str(number) for number in sorted({number for number, _, _ in found})
                )
                problems.append(
                    Problem(
                        f"`{name}` is defined more than once (cells {cells_text}): kept inside the steps"
                    )
                )
            continue
        kind = next(iter(kinds))
        if kind == "constant" and name in mutated:
            continue
        candidates[name] = kind

    # Fixed point: a definition whose evaluation (decorators, defaults, bases; class bodies) reads a
    # step value cannot move to module level, and a chunk moves whole or not at all.
    hoisted_chunks: set[tuple[int, int]] = set()
    changed = True
    while changed:
        changed = False
        for number in included:
            for chunk in chunks[number]:
                if chunk.kind not in HOISTABLE or chunk.kind == "star_import" or not chunk.names:
                    continue
                names = set(chunk.names)
                ok = names <= set(candidates)
                if ok and chunk.kind in ("function", "class", "lambda"):
                    evaluated = set(chunk.definition_reads)
                    if chunk.kind in ("class", "lambda"):
                        owner = functions.get(chunk.names[0])
                        evaluated |= set(owner.global_reads) if owner else set()
                    evaluated -= names
                    ok = all(
                        _is_module_name(read, candidates, global_state)
                        or (read not in bindings and read not in parameters)
                        for read in evaluated
                    )
                if not ok:
                    for name in names:
                        if candidates.pop(name, None) is not None:
                            changed = True
    for number in included:
        for chunk in chunks[number]:
            if chunk.kind == "star_import" or (
                chunk.names and set(chunk.names) <= set(candidates) and chunk.kind in HOISTABLE
            ):
                hoisted_chunks.add((chunk.cell, chunk.index))

    value_names = {
        name for name in bindings if name not in candidates and name not in global_state
    } | set(parameters)

    # -- functions moved to module level: their reads of step values become keyword parameters ----
    needs: dict[str, list[str]] = {}
    for name, definition_kind in candidates.items():
        if definition_kind == "function" and name in functions:
            needs[name] = _unique(
                read for read in functions[name].global_reads if read in value_names
            )
    changed = True
    while changed:
        changed = False
        for name, definition_kind in candidates.items():
            if definition_kind != "function" or name not in functions:
                continue
            for read in functions[name].global_reads:
                for inherited in needs.get(read, []) if read != name else []:
                    if inherited not in needs[name]:
                        needs[name].append(inherited)
                        changed = True
    function_needs = {name: tuple(extra) for name, extra in needs.items() if extra}
    for name, extra in function_needs.items():
        shown = ", ".join(f"`{item}`" for item in extra)
        problems.append(
            Problem(
                f"function `{name}` reads notebook globals {shown}: they became keyword parameters",
                None,
                "info",
            )
        )

    # A class split over cells: `Class.method = function` merges into the class body.
    all_chunks = [chunk for number in included for chunk in chunks[number]]
    hoisted_chunks |= set(find_method_assignments(all_chunks, candidates, function_needs))

    # -- steps: reads, defines, then parameters and returns ------------------------------------
    parameter_names = set(parameters)
    step_reads: list[list[tuple[str, int]]] = []
    step_defines: list[set[str]] = []
    step_chunks: list[list[Chunk]] = []
    for group in groups:
        kept = [
            chunk
            for number in group.cells
            for chunk in chunks[number]
            if (chunk.cell, chunk.index) not in hoisted_chunks
            and (chunk.cell, chunk.index) not in parameter_chunks
        ]
        all_defined = {
            binding.name
            for chunk in kept
            for binding in cells[chunk.cell].dataflow.defines
            if chunk.contains(binding.line)
        }
        defined: set[str] = set()
        external: list[tuple[str, int]] = []
        for chunk in kept:
            dataflow = cells[chunk.cell].dataflow
            chunk_reads: list[tuple[str, bool]] = [
                (use.name, use.deferred) for use in dataflow.reads if chunk.contains(use.line)
            ]
            for bound_name in chunk.names or _bound_in(chunk, dataflow.defines):
                local_function = dataflow.functions.get(bound_name)
                if local_function is not None and chunk.kind in (
                    "function",
                    "class",
                    "lambda",
                    "other",
                ):
                    chunk_reads.extend((read, True) for read in local_function.global_reads)
            for function_name, extra in function_needs.items():
                if function_name in chunk.body_loads:
                    chunk_reads.extend((item, False) for item in extra)
            if cells[chunk.cell].is_parameters:
                chunk_reads.extend((name, False) for name in chunk.body_loads & parameter_names)
            provided_by_imports = {
                line.rsplit(" ", 1)[-1] for line in cells[chunk.cell].needed_imports
            }
            for name, deferred in chunk_reads:
                if name in provided_by_imports:
                    continue
                if name in (all_defined if deferred else defined):
                    continue
                if _is_module_name(name, candidates, global_state) or name in _BUILTINS:
                    continue
                external.append((name, chunk.cell))
            defined.update(
                binding.name for binding in dataflow.defines if chunk.contains(binding.line)
            )
        step_reads.append(external)
        step_defines.append({name for name in defined if name not in global_state})
        step_chunks.append(kept)

    parameters_of: list[list[str]] = [[] for _ in groups]
    returns_of: list[list[str]] = [[] for _ in groups]
    undefined: dict[str, int] = {}
    for index, step_external in enumerate(step_reads):
        for name, cell_number in step_external:
            provider = next(
                (earlier for earlier in range(index - 1, -1, -1) if name in step_defines[earlier]),
                None,
            )
            if provider is None and name not in parameter_names:
                if name not in undefined and not (
                    name == "display" or name in ("In", "Out", "get_ipython")
                ):
                    undefined[name] = cell_number
                continue
            if name not in parameters_of[index]:
                parameters_of[index].append(name)
            if provider is not None and name not in returns_of[provider]:
                returns_of[provider].append(name)
    added_imports: list[str] = []
    for name, cell_number in list(undefined.items()):
        later = [
            other
            for other in included
            if any(b.name == name for b in cells[other].dataflow.defines)
        ]
        if star_modules:
            continue
        if not later and name in CONVENTIONAL_IMPORTS:
            added_imports.append(CONVENTIONAL_IMPORTS[name])
            del undefined[name]
            problems.append(
                Problem(
                    f"`{name}` is used but never imported: added `{CONVENTIONAL_IMPORTS[name]}`",
                    cell_number,
                )
            )
            continue
        if later:
            problems.append(
                Problem(
                    f"`{name}` is read before any earlier cell defines it (first defined in cell {later[0]}); the notebook does not run top to bottom",
                    cell_number,
                    "warning",
                )
            )
        else:
            problems.append(
                Problem(
                    f"`{name}` is read but no cell defines it (NameError when run top to bottom)",
                    cell_number,
                    "warning",
                )
            )

    function_reads = {name for function in functions.values() for name in function.global_reads}
    for name in sorted(function_reads - set(bindings) - set(parameters) - _BUILTINS):
        line = CONVENTIONAL_IMPORTS.get(name)
        if line and line not in added_imports and not star_modules:
            added_imports.append(line)
            problems.append(Problem(f"`{name}` is used but never imported: added `{line}`"))

    # -- names, and the value the notebook ends by showing -----------------------------------------
    taken = set(bindings) | set(reserved) | _BUILTINS | set(parameters)
    steps: list[Step] = []
    final_result: str | None = None
    non_empty = [
        index
        for index, kept in enumerate(step_chunks)
        if any(chunk.kind != "comment" for chunk in kept) or kept
    ]
    for index in non_empty:
        group = groups[index]
        fallback = "setup" if index == 0 else "step"
        base = identifier(group.tag_name or group.title, fallback)
        name = base if base not in taken else f"{base}_step"
        counter = 2
        while name in taken:
            name = f"{base}_{counter}"
            counter += 1
        taken.add(name)
        taken.add(Step(name, "", ()).result_class)
        steps.append(
            Step(
                name,
                group.title,
                tuple(group.cells),
                tuple(parameters_of[index]),
                tuple(returns_of[index]),
            )
        )
    if steps:
        last_index = non_empty[-1]
        last_chunks = step_chunks[last_index]
        if last_chunks:
            tail = last_chunks[-1]
            statement = tail.statements[-1] if tail.statements else None
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Name)
                and not tail.text.rstrip().endswith(";")
                and (
                    statement.value.id in step_defines[last_index]
                    or statement.value.id in steps[-1].parameters
                )
            ):
                final_result = statement.value.id
                last = steps[-1]
                steps[-1] = Step(
                    last.name, last.title, last.cells, last.parameters, last.returns, final_result
                )
    return Plan(
        steps=tuple(steps),
        module_level=candidates,
        function_needs=function_needs,
        parameters=tuple(parameters),
        global_state=tuple(global_state),
        undefined={name: cell for name, cell in undefined.items() if not star_modules},
        final_result=final_result,
        problems=tuple(problems),
        hoisted_statements=frozenset(hoisted_chunks | parameter_chunks),
        added_imports=tuple(added_imports),
    )


def _bound_in(chunk: Chunk, defines: Iterable[NameBinding]) -> list[str]:
    return [binding.name for binding in defines if chunk.contains(binding.line)]


def _is_module_name(name: str, candidates: Mapping[str, str], global_state: Iterable[str]) -> bool:
    return name in candidates or name in global_state


def _parameter_target(statement: ast.stmt | None) -> str | None:
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id
    if (
        isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.value is not None
    ):
        return statement.target.id
    return None

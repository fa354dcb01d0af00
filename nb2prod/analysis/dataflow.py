"""The cross-cell dataflow: two replays of a notebook's cells (see "The execution model" in DESIGN.md).

*Notebook order* (what Restart & Run All will do) walks code cells top to bottom; *execution order*
(what produced the saved outputs) walks executed cells by execution count. Each replay yields def->use
edges and the reads it could not satisfy. Functions bind late: a cell that uses a function is charged
with the globals that function's body reads, and credited with the globals it assigns.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from nb2prod.analysis.facts import CellFacts, FunctionFacts, NameUse, cell_facts
from nb2prod.analysis.names import is_predefined
from nb2prod.analysis.parse import ParsedCell
from nb2prod.notebook import Notebook

__all__ = ["Dataflow", "Edge", "EffectiveRead", "MissingRead", "StaleInput", "analyse_notebook"]

EdgeKind = Literal["flow", "out-of-order", "stale", "lost"]


@dataclass(frozen=True, slots=True)
class Edge:
    """``source`` cell defines ``name`` that ``target`` cell reads (cell numbers)."""

    source: int
    target: int
    name: str


@dataclass(frozen=True, slots=True)
class EffectiveRead:
    """A read a cell performs when it runs; ``via`` names the function whose body reads ``name``
    (then ``use`` is where the cell uses that function)."""

    use: NameUse
    via: str | None = None
    charged_name: str | None = None
    charged_guarded: bool = False

    @property
    def name(self) -> str:
        return self.charged_name if self.charged_name is not None else self.use.name

    @property
    def guarded(self) -> bool:
        return self.charged_guarded if self.via is not None else self.use.guarded


@dataclass(frozen=True, slots=True)
class MissingRead:
    """A read no earlier cell satisfies; ``definers`` are the cells that do define the name."""

    cell: int
    read: EffectiveRead
    definers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StaleInput:
    """Cell ``cell``'s outputs were computed before ``definer`` re-defined ``name``."""

    cell: int
    name: str
    definer: int
    use: NameUse


@dataclass
class Dataflow:
    """Results of both replays; every cell is referred to by its 1-based number."""

    facts: dict[int, CellFacts]
    definers: dict[str, list[int]] = field(default_factory=dict)
    notebook_edges: list[Edge] = field(default_factory=list)
    execution_edges: list[Edge] = field(default_factory=list)
    use_before_definition: list[MissingRead] = field(default_factory=list)
    undefined: list[MissingRead] = field(default_factory=list)
    lost: list[MissingRead] = field(default_factory=list)
    stale: list[StaleInput] = field(default_factory=list)
    effective_reads: dict[int, list[EffectiveRead]] = field(default_factory=dict)
    uncertain_from: int | None = None  # first cell with a star import, %run or exec

    def parents(self, cell: int) -> set[int]:
        return {edge.source for edge in self.notebook_edges if edge.target == cell}

    def children(self, cell: int) -> set[int]:
        return {edge.target for edge in self.notebook_edges if edge.source == cell}


def _uncertain(facts: CellFacts) -> bool:
    return facts.has_star_import or facts.defines_unknown


def _closure(
    name: str,
    functions: Mapping[str, FunctionFacts],
    cache: dict[int, tuple[tuple[str, bool, str], ...]],
) -> tuple[tuple[str, bool, str], ...]:
    """(global name, guarded, function that reads it) for ``name`` and the functions it uses."""
    function = functions[name]
    key = id(function)
    cached = cache.get(key)
    if cached is not None:
        return cached
    reads: dict[str, tuple[str, bool, str]] = {}
    stack = [name]
    visited: set[str] = set()
    while stack:
        current = stack.pop()
        if current in visited or current not in functions:
            continue
        visited.add(current)
        for inner in functions[current].global_reads:
            if inner.name not in reads:
                reads[inner.name] = (inner.name, inner.guarded, current)
            if inner.name in functions and inner.name not in visited:
                stack.append(inner.name)
    result = tuple(reads.values())
    cache[key] = result
    return result


def _writes_of(name: str, functions: Mapping[str, FunctionFacts]) -> set[str]:
    writes: set[str] = set()
    stack, visited = [name], set()
    while stack:
        current = stack.pop()
        if current in visited or current not in functions:
            continue
        visited.add(current)
        function = functions[current]
        writes.update(function.global_writes)
        stack.extend(inner.name for inner in function.global_reads if inner.name in functions)
    return writes


def _expand_calls(
    reads: Iterable[NameUse],
    local_calls: Iterable[NameUse],
    functions: Mapping[str, FunctionFacts],
    cache: dict[int, tuple[tuple[str, bool, str], ...]] | None = None,
) -> tuple[list[EffectiveRead], set[str]]:
    """Immediate reads plus, for each function used, the globals its body reads (transitively).

    ``local_calls`` are uses of functions the cell itself defined: only their bodies' reads count.
    Returns the reads and the globals that the used functions assign (``global x; x = ...``).
    """
    cache = {} if cache is None else cache
    effective: list[EffectiveRead] = [EffectiveRead(use) for use in reads]
    writes: set[str] = set()
    expanded: set[str] = set()
    for use in [*(item.use for item in effective), *local_calls]:
        name = use.name
        if name not in functions or name in expanded:
            continue
        expanded.add(name)
        for global_name, guarded, via in _closure(name, functions, cache):
            effective.append(EffectiveRead(use, via, global_name, guarded))
        writes.update(_writes_of(name, functions))
    return effective, writes


def _has_name_error_output(outputs: Iterable[Mapping[str, object]]) -> bool:
    return any(output.get("output_type") == "error" for output in outputs)


_RECENT: OrderedDict[tuple[object, ...], Dataflow] = OrderedDict()


def analyse_notebook(notebook: Notebook, parsed: Mapping[int, ParsedCell]) -> Dataflow:
    """Replay ``notebook`` in notebook order and in execution order.

    The last few results are kept, keyed by everything the replays read, because the JupyterLab
    panel re-lints an unchanged notebook after every run and focus change.
    """
    key = tuple(
        (
            cell.number,
            cell.kind,
            parsed.get(cell.number),
            cell.execution_count,
            bool(cell.outputs),
            _has_name_error_output(cell.outputs),
        )
        for cell in notebook.cells
    )
    cached = _RECENT.get(key)
    if cached is not None:
        _RECENT.move_to_end(key)
        return cached
    flow = _analyse(notebook, parsed)
    _RECENT[key] = flow
    if len(_RECENT) > 8:
        _RECENT.popitem(last=False)
    return flow


def _analyse(notebook: Notebook, parsed: Mapping[int, ParsedCell]) -> Dataflow:
    facts: dict[int, CellFacts] = {number: cell_facts(item) for number, item in parsed.items()}
    flow = Dataflow(facts)
    code_numbers = [cell.number for cell in notebook.cells if cell.is_code and cell.number in facts]

    for number in code_numbers:
        cell_fact = facts[number]
        for binding in cell_fact.defines:
            flow.definers.setdefault(binding.name, [])
            if not flow.definers[binding.name] or flow.definers[binding.name][-1] != number:
                flow.definers[binding.name].append(number)
        for function in cell_fact.functions.values():
            for name in function.global_writes:
                flow.definers.setdefault(name, [])
                if number not in flow.definers[name]:
                    flow.definers[name].append(number)
        if _uncertain(cell_fact) and flow.uncertain_from is None:
            flow.uncertain_from = number

    _replay_notebook_order(flow, code_numbers)
    if notebook.has_execution_counts:
        _replay_execution_order(flow, notebook)
    return flow


def _replay_notebook_order(flow: Dataflow, code_numbers: list[int]) -> None:
    defined: dict[str, int] = {}
    functions: dict[str, FunctionFacts] = {}
    every_function: dict[str, FunctionFacts] = {}
    for number in code_numbers:
        for name, function in flow.facts[number].functions.items():
            every_function.setdefault(name, function)
    uncertain = flow.uncertain_from
    closures: dict[int, tuple[tuple[str, bool, str], ...]] = {}
    for number in code_numbers:
        cell_fact = flow.facts[number]
        local_functions = {**functions, **cell_fact.functions}
        reads, writes = _expand_calls(
            cell_fact.immediate_reads, cell_fact.local_calls, local_functions, closures
        )
        flow.effective_reads[number] = reads
        own = cell_fact.defined_names
        for read in reads:
            name = read.name
            if read.via is not None and name in own:
                continue  # a function of this cell reading a global the cell itself sets
            if name in defined:
                flow.notebook_edges.append(Edge(defined[name], number, name))
                continue
            if read.guarded or is_predefined(name):
                continue
            later = tuple(cell for cell in flow.definers.get(name, ()) if cell > number)
            if later:
                if uncertain is None or uncertain > number:
                    flow.use_before_definition.append(MissingRead(number, read, later))
            elif uncertain is None or (uncertain > number and flow.definers.get(name)):
                # No cell below defines it: either none does, or only this cell (after the read) or
                # a cell above whose definition a `del` removed. A fresh run fails here either way.
                earlier_or_here = tuple(
                    cell for cell in flow.definers.get(name, ()) if cell <= number
                )
                flow.undefined.append(MissingRead(number, read, earlier_or_here))
        for binding in cell_fact.defines:
            defined[binding.name] = number
        for name in writes:
            defined[name] = number
        for use in cell_fact.deletes:
            defined.pop(use.name, None)
        functions.update(cell_fact.functions)
    # Late-bound reads in functions that nothing calls still must exist somewhere (pyflakes' view).
    if uncertain is None:
        reported = {(missing.cell, missing.read.name) for missing in flow.undefined}
        for number in code_numbers:
            cell_fact = flow.facts[number]
            deferred = [use for use in cell_fact.reads if use.deferred]
            for function in cell_fact.functions.values():
                deferred.extend(function.global_reads)
                deferred.extend(function.callback_reads)
            for use in deferred:
                if use.guarded or is_predefined(use.name) or flow.definers.get(use.name):
                    continue
                if (number, use.name) in reported:
                    continue
                reported.add((number, use.name))
                flow.undefined.append(MissingRead(number, EffectiveRead(use), ()))


def _replay_execution_order(flow: Dataflow, notebook: Notebook) -> None:
    executed = sorted(
        (
            cell
            for cell in notebook.cells
            if cell.is_code and cell.execution_count is not None and cell.number in flow.facts
        ),
        key=lambda cell: (cell.execution_count, cell.number),
    )
    if not executed:
        return
    counts = {cell.number: cell.execution_count for cell in executed}
    defined: dict[str, int] = {}
    functions: dict[str, FunctionFacts] = {}
    uncertain = False
    closures: dict[int, tuple[tuple[str, bool, str], ...]] = {}
    for cell in executed:
        number = cell.number
        cell_fact = flow.facts[number]
        reads, writes = _expand_calls(
            cell_fact.immediate_reads,
            cell_fact.local_calls,
            {**functions, **cell_fact.functions},
            closures,
        )
        own = cell_fact.defined_names
        errored = _has_name_error_output(cell.outputs)
        for read in reads:
            name = read.name
            if read.via is not None and name in own:
                continue
            if name in defined:
                flow.execution_edges.append(Edge(defined[name], number, name))
                continue
            if uncertain or errored or read.guarded or is_predefined(name):
                continue
            flow.lost.append(MissingRead(number, read, tuple(flow.definers.get(name, ()))))
        for binding in cell_fact.defines:
            defined[binding.name] = number
        for name in writes:
            defined[name] = number
        for use in cell_fact.mutations:
            defined.setdefault(use.name, number)
        for use in cell_fact.deletes:
            defined.pop(use.name, None)
        functions.update(cell_fact.functions)
        uncertain = uncertain or _uncertain(cell_fact)

    # Stale outputs: a definer above the cell ran again after it.
    writers: dict[str, list[int]] = {}
    for number, cell_fact in flow.facts.items():
        for name in {*cell_fact.defined_names, *(use.name for use in cell_fact.mutations)}:
            writers.setdefault(name, []).append(number)
    for cell in executed:
        if not cell.outputs:
            continue
        number = cell.number
        count = counts[number]
        assert count is not None
        seen: set[str] = set()
        for read in flow.effective_reads.get(number, ()):
            name = read.name
            if name in seen:
                continue
            for definer in writers.get(name, ()):
                definer_count = counts.get(definer)
                if definer < number and definer_count is not None and definer_count > count:
                    flow.stale.append(StaleInput(number, name, definer, read.use))
                    seen.add(name)
                    break

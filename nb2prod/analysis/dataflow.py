"""The cross-cell dataflow: two replays of a notebook's cells (see "The execution model" in DESIGN.md).

*Notebook order* (what Restart & Run All will do) walks code cells top to bottom; *execution order*
(what produced the saved outputs) walks executed cells by execution count. Each replay yields def->use
edges and the reads it could not satisfy. Functions bind late: a cell that uses a function is charged
with the globals that function's body reads, and credited with the globals it assigns. Calling a
class charges its constructor's reads; its other methods are charged where an instance is used
(`a.show()`, `fit(a)`). A function handed to a callback registrar (`button.on_click(f)`) is charged
nowhere, since it runs after every cell.
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


# What of a function or class runs where its name is used: all of it (a call of a function, any
# use of a class's instance) or only what calling a class runs (its constructor).
Runs = Literal["everything", "constructor"]
_Closures = dict[tuple[int, Runs], tuple[tuple[str, bool, str], ...]]


def _what_runs(use: NameUse, function: FunctionFacts) -> Runs | None:
    """What of ``function`` (a function or a class) runs where ``use`` uses its name, if anything."""
    if use.access == "callback":
        return None  # it runs later, on an event; its reads still count for NB206
    if not function.is_class:
        return "everything"
    if use.access == "subclass":
        return None
    if use.access == "attribute":
        return "everything" if use.attribute in function.members else None
    return "constructor" if use.access == "construct" else "everything"


def _reads_when_run(function: FunctionFacts, runs: Runs) -> tuple[NameUse, ...]:
    return function.construction_reads if runs == "constructor" else function.global_reads


def _closure(
    name: str, runs: Runs, functions: Mapping[str, FunctionFacts], cache: _Closures
) -> tuple[tuple[str, bool, str], ...]:
    """(global name, guarded, function that reads it) for running ``name`` and what it uses."""
    key = (id(functions[name]), runs)
    cached = cache.get(key)
    if cached is not None:
        return cached
    reads: dict[str, tuple[str, bool, str]] = {}
    stack: list[tuple[str, Runs]] = [(name, runs)]
    visited: set[tuple[str, Runs]] = set()
    while stack:
        current, current_runs = stack.pop()
        if (current, current_runs) in visited or current not in functions:
            continue
        visited.add((current, current_runs))
        function = functions[current]
        for inner in _reads_when_run(function, current_runs):
            if inner.name not in reads:
                reads[inner.name] = (inner.name, inner.guarded, current)
            # A class naming itself (`super(A, self)`, `A.count`) runs nothing more of itself.
            callee = functions.get(inner.name) if inner.name != current else None
            inner_runs = None if callee is None else _what_runs(inner, callee)
            if inner_runs is not None:
                stack.append((inner.name, inner_runs))
        # A subclass runs its bases' constructors and inherits their methods.
        stack.extend((base, current_runs) for base in function.bases)
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


def _instance_class(
    name: str, functions: Mapping[str, FunctionFacts], instances: Mapping[str, str]
) -> str | None:
    """``A`` when ``name`` holds an instance of the notebook's class ``A`` (``a = A()``)."""
    cls = instances.get(name)
    return cls if cls is not None and cls in functions and functions[cls].is_class else None


def _what_a_use_runs(
    use: NameUse, functions: Mapping[str, FunctionFacts], instances: Mapping[str, str]
) -> tuple[str, Runs] | None:
    """The function or class that ``use`` runs, and how much of it."""
    cls = _instance_class(use.name, functions, instances)
    if cls is not None:
        # `a.show()`, `fit(a)` or displaying `a` may run any method of `A`.
        return None if use.access == "callback" else (cls, "everything")
    function = functions.get(use.name)
    runs = None if function is None else _what_runs(use, function)
    return None if runs is None else (use.name, runs)


def _expand_calls(
    reads: Iterable[NameUse],
    local_calls: Iterable[NameUse],
    functions: Mapping[str, FunctionFacts],
    instances: Mapping[str, str],
    cache: _Closures | None = None,
) -> tuple[list[EffectiveRead], dict[str, tuple[int, int]]]:
    """Immediate reads plus, for each function used, the globals its body reads (transitively).

    ``local_calls`` are uses of functions the cell itself defined: only their bodies' reads count.
    ``instances`` maps names to the class whose instance they hold. Returns the reads and the
    globals that the functions run assign (``global x; x = ...``), each with the position of the
    first use that runs an assignment of it.
    """
    cache = {} if cache is None else cache
    reads = list(reads)
    effective: list[EffectiveRead] = [EffectiveRead(use) for use in reads]
    writes: dict[str, tuple[int, int]] = {}
    pending = [(use, _what_a_use_runs(use, functions, instances)) for use in reads]
    # A local call uses the cell's own function, whatever an earlier cell bound to its name.
    pending += [(use, _what_a_use_runs(use, functions, {})) for use in local_calls]
    expanded: set[tuple[str, Runs]] = set()
    for use, target in pending:  # grows while it is read: instances that the functions use
        if target is None or target in expanded:
            continue
        expanded.add(target)
        name, runs = target
        for global_name, guarded, via in _closure(name, runs, functions, cache):
            effective.append(EffectiveRead(use, via, global_name, guarded))
            cls = _instance_class(global_name, functions, instances)
            if cls is not None:
                pending.append((use, (cls, "everything")))
        for written in _writes_of(name, functions):
            writes.setdefault(written, (use.line, use.column))
    return effective, writes


def _assigned_earlier_in_cell(read: EffectiveRead, writes: Mapping[str, tuple[int, int]]) -> bool:
    """``f()`` then ``print(x)`` in one cell, where ``f`` assigns the global ``x``."""
    position = writes.get(read.name)
    return position is not None and position < (read.use.line, read.use.column)


def _track_instances(instances: dict[str, str], facts: CellFacts, writes: Iterable[str]) -> None:
    """Which names hold an instance of which class once the cell has run."""
    for binding in facts.defines:
        if binding.instance_of is None:
            instances.pop(binding.name, None)
        else:
            instances[binding.name] = binding.instance_of
    for name in [*writes, *(use.name for use in facts.deletes)]:
        instances.pop(name, None)


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
    closures: _Closures = {}
    instances: dict[str, str] = {}
    for number in code_numbers:
        cell_fact = flow.facts[number]
        local_functions = {**functions, **cell_fact.functions}
        reads, writes = _expand_calls(
            cell_fact.immediate_reads, cell_fact.local_calls, local_functions, instances, closures
        )
        flow.effective_reads[number] = reads
        own = cell_fact.defined_names
        for read in reads:
            name = read.name
            if read.via is not None and name in own:
                continue  # a function of this cell reading a global the cell itself sets
            if _assigned_earlier_in_cell(read, writes):
                continue
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
        _track_instances(instances, cell_fact, writes)
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


def _only_imports(facts: CellFacts, name: str) -> bool:
    """The cell binds ``name`` only by importing it: running it again gives the same module."""
    bindings = [binding for binding in facts.defines if binding.name == name]
    return (
        bool(bindings)
        and all(binding.kind == "import" for binding in bindings)
        and not any(use.name == name for use in facts.mutations)
    )


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
    closures: _Closures = {}
    instances: dict[str, str] = {}
    for cell in executed:
        number = cell.number
        cell_fact = flow.facts[number]
        reads, writes = _expand_calls(
            cell_fact.immediate_reads,
            cell_fact.local_calls,
            {**functions, **cell_fact.functions},
            instances,
            closures,
        )
        own = cell_fact.defined_names
        errored = _has_name_error_output(cell.outputs)
        for read in reads:
            name = read.name
            if (read.via is not None and name in own) or _assigned_earlier_in_cell(read, writes):
                continue
            if name in defined:
                flow.execution_edges.append(Edge(defined[name], number, name))
                continue
            if uncertain or errored or read.guarded or is_predefined(name):
                continue
            definers = tuple(flow.definers.get(name, ()))
            if definers and all(
                definer < number and _only_imports(flow.facts[definer], name)
                for definer in definers
            ):
                continue  # an import cell above that re-ran later: the module is the same
            flow.lost.append(MissingRead(number, read, definers))
        for binding in cell_fact.defines:
            defined[binding.name] = number
        for name in writes:
            defined[name] = number
        for use in cell_fact.mutations:
            defined.setdefault(use.name, number)
        for use in cell_fact.deletes:
            defined.pop(use.name, None)
        functions.update(cell_fact.functions)
        _track_instances(instances, cell_fact, writes)
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
                if (
                    definer < number
                    and definer_count is not None
                    and definer_count > count
                    and not _only_imports(flow.facts[definer], name)
                ):
                    flow.stale.append(StaleInput(number, name, definer, read.use))
                    seen.add(name)
                    break

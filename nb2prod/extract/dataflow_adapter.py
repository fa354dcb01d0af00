"""The one place extract reads nb2prod's cell analysis: per-cell facts reduced to what planning needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nb2prod.analysis.facts import cell_facts
from nb2prod.analysis.names import is_predefined
from nb2prod.analysis.parse import ParsedCell

__all__ = [
    "CellDataflow",
    "FunctionDataflow",
    "NameBinding",
    "NameRead",
    "cell_dataflow",
    "is_predefined",
]

# Binding kinds that make a name a module-level definition when they are its only binding.
HOISTABLE_KINDS = frozenset({"import", "function", "class"})


@dataclass(frozen=True, slots=True)
class FunctionDataflow:
    """A top-level function's free names: globals it reads (at call time) and globals it assigns."""

    name: str
    global_reads: tuple[str, ...]
    line: int
    global_writes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NameBinding:
    """A module-level binding: ``kind`` as in the analysis ("import", "function", "assignment"...)."""

    name: str
    kind: str
    line: int


@dataclass(frozen=True, slots=True)
class NameRead:
    """A read of a name the cell did not bind before; ``deferred`` when inside a function body."""

    name: str
    line: int
    deferred: bool


@dataclass(frozen=True, slots=True)
class CellDataflow:
    """What one code cell binds and reads at module level, in source order."""

    defines: tuple[NameBinding, ...] = ()
    reads: tuple[NameRead, ...] = ()
    mutations: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    functions: Mapping[str, FunctionDataflow] = field(default_factory=dict)
    star_modules: tuple[str, ...] = ()
    defines_unknown: bool = False

    @property
    def defined_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(binding.name for binding in self.defines))

    @property
    def has_star_import(self) -> bool:
        return bool(self.star_modules)


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def cell_dataflow(parsed: ParsedCell) -> CellDataflow:
    """The dataflow summary of one parsed cell, from :func:`nb2prod.analysis.facts.cell_facts`."""
    if parsed.tree is None:
        return CellDataflow()
    facts = cell_facts(parsed)
    functions = {
        name: FunctionDataflow(
            name,
            # A callback's globals are needed too, whenever it runs.
            _unique([use.name for use in (*function.global_reads, *function.callback_reads)]),
            function.line,
            tuple(function.global_writes),
        )
        for name, function in facts.functions.items()
    }
    return CellDataflow(
        defines=tuple(
            NameBinding(binding.name, binding.kind, binding.line) for binding in facts.defines
        ),
        reads=tuple(NameRead(use.name, use.line, use.deferred) for use in facts.reads),
        mutations=_unique([use.name for use in facts.mutations]),
        deletes=_unique([use.name for use in facts.deletes]),
        defines_unknown=facts.defines_unknown,
        functions=functions,
        star_modules=tuple(fact.module for fact in facts.imports if fact.is_star),
    )

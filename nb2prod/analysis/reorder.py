"""A cell order that Restart & Run All can run: a stable topological sort of the def->use graph.

Markdown and raw cells travel with the code cell that follows them. Among the orders that satisfy
every dependency, the one closest to the original is chosen (Kahn's algorithm, smallest original
position first). ``None`` means no order exists (the dependencies form a cycle).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from nb2prod.analysis.dataflow import Dataflow
from nb2prod.analysis.names import is_predefined
from nb2prod.notebook import Notebook

__all__ = ["Reordering", "plan_reordering"]


@dataclass(frozen=True)
class Reordering:
    """``order`` lists 1-based cell numbers in their new positions; ``cycle`` explains a failure."""

    order: tuple[int, ...] | None
    cycle: tuple[int, ...] = ()


def _units(notebook: Notebook) -> tuple[list[list[int]], dict[int, int]]:
    """Group cells into movable units: leading non-code cells attach to the next code cell."""
    units: list[list[int]] = []
    pending: list[int] = []
    unit_of: dict[int, int] = {}
    for cell in notebook.cells:
        pending.append(cell.number)
        if cell.is_code:
            units.append(pending)
            for number in pending:
                unit_of[number] = len(units) - 1
            pending = []
    if pending:
        if units:
            units[-1].extend(pending)
            for number in pending:
                unit_of[number] = len(units) - 1
        else:
            units.append(pending)
            for number in pending:
                unit_of[number] = 0
    return units, unit_of


def plan_reordering(notebook: Notebook, flow: Dataflow) -> Reordering:
    """The closest order in which no cell reads a name before a cell above it defines it."""
    units, unit_of = _units(notebook)
    successors: dict[int, set[int]] = {index: set() for index in range(len(units))}

    def require(before_cell: int, after_cell: int) -> None:
        before, after = unit_of[before_cell], unit_of[after_cell]
        if before != after:
            successors[before].add(after)

    # Definers of one name keep their relative order, so later redefinitions stay later.
    for definers in flow.definers.values():
        for first, second in itertools.pairwise(definers):
            require(first, second)
    for reader, reads in flow.effective_reads.items():
        for read in reads:
            name = read.name
            if is_predefined(name) and name not in flow.definers:
                continue
            definers = flow.definers.get(name, [])
            if not definers or (read.via is not None and reader in definers):
                continue
            above = [cell for cell in definers if cell < reader]
            below = [cell for cell in definers if cell > reader]
            if reader in definers and not above:
                continue
            if above:
                require(above[-1], reader)
                if below:
                    require(reader, below[0])
            else:
                require(below[0], reader)
                if len(below) > 1:
                    require(reader, below[1])
    indegree = {index: 0 for index in successors}
    for targets in successors.values():
        for target in targets:
            indegree[target] += 1
    ready = [index for index, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for target in successors[index]:
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, target)
    if len(order) < len(units):
        stuck = sorted(index for index, degree in indegree.items() if degree > 0)
        cycle = tuple(
            number
            for index in stuck
            for number in units[index]
            if notebook.cells[number - 1].is_code
        )
        return Reordering(None, cycle)
    return Reordering(tuple(number for index in order for number in units[index]))

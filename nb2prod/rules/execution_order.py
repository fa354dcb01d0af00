"""NB1: execution-order evidence read from the saved execution counts."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from nb2prod.diagnostics import Diagnostic, Related
from nb2prod.notebook import Cell
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "DuplicateExecutionCount",
    "ExecutionCountGap",
    "NotRunFromFreshKernel",
    "OutOfOrderExecution",
    "OutputsWithoutExecution",
    "UnexecutedCell",
]


def _executed(context: LintContext) -> list[Cell]:
    return [
        cell for cell in context.notebook.cells if cell.is_code and cell.execution_count is not None
    ]


class OutOfOrderExecution(Rule):
    """## What it does
    Reports a code cell whose last run came after the run of a cell below it: its execution count
    is higher than that of the next executed cell.

    ## Why is this bad?
    The saved outputs were produced in an order that *Restart & Run All* will not repeat. A cell
    further down may have read values that a cell above it only set later, so a fresh run can fail
    or give other results.

    ## Example
    Cell 1 shows `In [5]`, cell 2 shows `In [2]`: cell 1 was re-run after cell 2.

    Use instead: restart the kernel and run all cells top to bottom before saving.

    ## References
    - Pimentel et al., *A Large-scale Study about Quality and Reproducibility of Jupyter Notebooks*, MSR 2019.
    """

    code = "NB101"
    name = "out-of-order-execution"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        executed = _executed(context)
        for upper, lower in pairwise(executed):
            assert upper.execution_count is not None and lower.execution_count is not None
            if upper.execution_count > lower.execution_count:
                yield self.diagnostic(
                    context,
                    context.span(upper),
                    f"cell {upper.number} ran (In [{upper.execution_count}]) after cell "
                    f"{lower.number} below it (In [{lower.execution_count}])",
                    related=[
                        Related(
                            context.span(lower),
                            f"cell {lower.number} ran earlier (In [{lower.execution_count}])",
                        )
                    ],
                )


class UnexecutedCell(Rule):
    """## What it does
    Reports a non-empty code cell that was never run although cells above and below it were.

    ## Why is this bad?
    The saved outputs below it were computed without it. *Restart & Run All* will run it, and what
    it does (redefine a name, change a file, fail) was never seen.

    ## Example
    Cell 2 `In [1]`, cell 3 `In [ ]`, cell 4 `In [2]`.

    Use instead: run the notebook top to bottom, or delete the cell if it is dead code.
    """

    code = "NB102"
    name = "unexecuted-cell"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        code_cells = context.notebook.code_cells
        executed_positions = [
            i for i, cell in enumerate(code_cells) if cell.execution_count is not None
        ]
        if len(executed_positions) < 2:
            return
        for before, after in pairwise(executed_positions):
            above, below = code_cells[before], code_cells[after]
            for cell in code_cells[before + 1 : after]:
                if cell.source.strip():
                    yield self.diagnostic(
                        context,
                        context.span(cell),
                        f"cell {cell.number} was never run, but cell {above.number} above it "
                        f"(In [{above.execution_count}]) and cell {below.number} below it "
                        f"(In [{below.execution_count}]) were",
                        related=[
                            Related(context.span(above), f"ran as In [{above.execution_count}]"),
                            Related(context.span(below), f"ran as In [{below.execution_count}]"),
                        ],
                    )


class ExecutionCountGap(Rule):
    """## What it does
    Reports a jump in the sequence of execution counts: the runs in between belong to cells that
    were since re-run, edited or deleted.

    ## Why is this bad?
    State from those missing runs may still have been in the kernel when the saved outputs were
    computed. The notebook does not show it, so nobody can reproduce it.

    ## Example
    Cell 1 `In [1]`, cell 2 `In [7]`: runs 2 to 6 are not in the notebook.

    Use instead: restart the kernel and run all cells top to bottom before saving.
    """

    code = "NB103"
    name = "execution-count-gap"
    severity = "info"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        by_count = sorted(_executed(context), key=lambda cell: (cell.execution_count, cell.number))
        for before, after in pairwise(by_count):
            assert before.execution_count is not None and after.execution_count is not None
            missing = after.execution_count - before.execution_count - 1
            if missing > 0:
                runs = "run is" if missing == 1 else "runs are"
                yield self.diagnostic(
                    context,
                    context.span(after),
                    f"cell {after.number} (In [{after.execution_count}]) follows cell {before.number} "
                    f"(In [{before.execution_count}]): {missing} {runs} missing from the notebook",
                    related=[
                        Related(
                            context.span(before), f"previous run: In [{before.execution_count}]"
                        )
                    ],
                )


class DuplicateExecutionCount(Rule):
    """## What it does
    Reports two code cells that carry the same execution count.

    ## Why is this bad?
    One kernel session never gives two runs the same number, so the notebook was assembled from
    several sessions, copied cells, or edited by hand: its outputs tell no single story.

    ## Example
    Cell 2 and cell 5 both show `In [3]`.

    Use instead: restart the kernel and run all cells top to bottom before saving.
    """

    code = "NB104"
    name = "duplicate-execution-count"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        first_with_count: dict[int, Cell] = {}
        for cell in _executed(context):
            assert cell.execution_count is not None
            earlier = first_with_count.setdefault(cell.execution_count, cell)
            if earlier is not cell:
                yield self.diagnostic(
                    context,
                    context.span(cell),
                    f"cell {cell.number} has the same execution count (In [{cell.execution_count}]) "
                    f"as cell {earlier.number}",
                    related=[Related(context.span(earlier), f"also In [{cell.execution_count}]")],
                )


class NotRunFromFreshKernel(Rule):
    """## What it does
    Reports a notebook whose smallest execution count is not 1: the kernel had already run code that
    the notebook does not show when its first saved cell ran.

    ## Why is this bad?
    The first visible cell may depend on names, imports or files created by those earlier runs.

    ## Example
    The first executed cell shows `In [14]`.

    Use instead: restart the kernel and run all cells top to bottom before saving.
    """

    code = "NB105"
    name = "not-run-from-fresh-kernel"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        executed = _executed(context)
        if not executed:
            return
        first = min(executed, key=lambda cell: (cell.execution_count, cell.number))
        assert first.execution_count is not None
        if first.execution_count > 1:
            missing = first.execution_count - 1
            yield self.diagnostic(
                context,
                context.span(first),
                f"the first run is cell {first.number} (In [{first.execution_count}]): "
                + (
                    "1 earlier run of this kernel is not in the notebook"
                    if missing == 1
                    else f"{missing} earlier runs of this kernel are not in the notebook"
                ),
            )


class OutputsWithoutExecution(Rule):
    """## What it does
    Reports a code cell that has saved outputs but no execution count.

    ## Why is this bad?
    Outputs without a run are evidence without provenance: they were pasted, produced by an
    interrupted run, or left behind when counts were cleared, and they may not match the code.

    ## Example
    A cell shows a plot under `In [ ]`.

    Use instead: re-run the cell, or clear its outputs.

    ## Fix safety
    Clearing the outputs is unsafe: it removes what readers see.
    """

    code = "NB106"
    name = "outputs-without-execution"
    severity = "warning"
    fix_title = "Clear the cell's outputs"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        from nb2prod.diagnostics import ClearOutputs, Fix

        for cell in context.notebook.code_cells:
            if cell.execution_count is None and any(
                output.get("output_type") in ("execute_result", "display_data", "stream", "error")
                for output in cell.outputs
            ):
                yield self.diagnostic(
                    context,
                    context.span(cell),
                    f"cell {cell.number} has {len(cell.outputs)} saved output"
                    f"{'s' if len(cell.outputs) > 1 else ''} but no execution count",
                    fix=Fix(self.fix_title or "", "unsafe", (ClearOutputs(cell.number),)),
                )


RULES: tuple[type[Rule], ...] = (
    OutOfOrderExecution,
    UnexecutedCell,
    ExecutionCountGap,
    DuplicateExecutionCount,
    NotRunFromFreshKernel,
    OutputsWithoutExecution,
)

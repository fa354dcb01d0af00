"""NB2 hidden state: cross-cell dataflow read from notebook order and execution order."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nb2prod.analysis.dataflow import MissingRead, analyse_notebook
from nb2prod.analysis.facts import NameUse
from nb2prod.analysis.reorder import Reordering, plan_reordering
from nb2prod.diagnostics import CellSpan, Diagnostic, Fix, MoveCells, Related
from nb2prod.notebook import Notebook
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "NameFromLostExecution",
    "NonIdempotentCell",
    "RedefinedAcrossCells",
    "StaleOutput",
    "UndefinedName",
    "UseBeforeDefinition",
]


def _use_span(context: LintContext, cell: int, use: NameUse) -> CellSpan:
    return context.span(cell, use.line, use.column, use.end_line, use.end_column)


def _definition_span(context: LintContext, cell: int, name: str) -> CellSpan:
    for binding in context.dataflow.facts[cell].defines:
        if binding.name == name:
            return context.span(
                cell, binding.line, binding.column, binding.end_line, binding.end_column
            )
    return context.span(cell)


def _through(missing: MissingRead) -> str:
    return f" (through `{missing.read.via}()`)" if missing.read.via else ""


def _in(context: LintContext, cell: int) -> str:
    count = context.cell(cell).execution_count
    return f"In [{count}]" if count is not None else "never run"


def _reordering(context: LintContext) -> Reordering:
    """The Restart & Run All order, verified to cure every use-before-definition (computed once)."""
    cached = context.memo.get("reordering")
    if isinstance(cached, Reordering):
        return cached
    plan = plan_reordering(context.notebook, context.dataflow)
    if plan.order is not None and not _cures(context, plan.order):
        plan = Reordering(None, ())
    context.memo["reordering"] = plan
    return plan


def _cures(context: LintContext, order: tuple[int, ...]) -> bool:
    notebook = context.notebook
    from dataclasses import replace

    cells = tuple(
        replace(notebook.cells[number - 1], index=position) for position, number in enumerate(order)
    )
    moved = Notebook(
        notebook.path,
        cells,
        notebook.metadata,
        notebook.nbformat,
        notebook.nbformat_minor,
        notebook.raw,
    )
    parsed = {
        position + 1: context.parsed[number]
        for position, number in enumerate(order)
        if number in context.parsed
    }
    return not analyse_notebook(moved, parsed).use_before_definition


class UseBeforeDefinition(Rule):
    """## What it does
    Reports a name that a cell reads before any cell above it defines it, while a cell further down
    does define it. Reads inside a function count where the function is used, since function bodies
    look names up when they run.

    Calling a class runs its constructor (`__init__`, `__new__`, `__post_init__` and the methods
    they call on `self`); its other methods count where an instance is used (`model.fit()`,
    `train(model)`). A function handed to a callback registrar (`button.on_click(handler)`,
    `slider.observe(handler)`) runs on an event, after every cell: its reads count nowhere, though
    NB206 still reports a name that no cell defines.

    ## Why is this bad?
    *Restart & Run All* runs cells top to bottom, so this cell raises `NameError` (or silently reads
    a value left by another definition). The notebook only worked because cells ran out of order.

    ## Example
    ```python
    # cell 1
    print(total)
    # cell 2
    total = 42
    ```

    Use instead:
    ```python
    # cell 1
    total = 42
    # cell 2
    print(total)
    ```

    ## Fix safety
    `--fix --unsafe-fixes` moves cells into the closest order in which every name is defined before
    it is read (markdown travels with the cell below it). It is unsafe because moving cells changes
    what the notebook computes when some cells have side effects. When the dependencies form a cycle
    no order exists, and the message says so.
    """

    code = "NB201"
    name = "use-before-definition"
    severity = "error"
    fix_title = "Reorder cells so that Restart & Run All works"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        missing_reads = context.dataflow.use_before_definition
        if not missing_reads:
            return
        plan = _reordering(context)
        fix = None
        if plan.order is not None:
            fix = Fix(self.fix_title or "", "unsafe", (MoveCells(plan.order),))
        seen: set[tuple[int, str]] = set()
        for missing in missing_reads:
            key = (missing.cell, missing.read.name)
            if key in seen:
                continue
            seen.add(key)
            definer = missing.definers[0]
            message = (
                f"`{missing.read.name}` is used in cell {missing.cell}{_through(missing)} but first defined "
                f"in cell {definer}: Restart & Run All fails here"
            )
            if plan.order is None and plan.cycle:
                cells = ", ".join(str(number) for number in plan.cycle)
                message += f" (no cell order fixes it: cells {cells} depend on each other)"
            yield self.diagnostic(
                context,
                _use_span(context, missing.cell, missing.read.use),
                message,
                related=[
                    Related(
                        _definition_span(context, definer, missing.read.name),
                        f"`{missing.read.name}` is defined here",
                    )
                ],
                fix=fix,
            )


class NameFromLostExecution(Rule):
    """## What it does
    Reports a name that a cell read when it last ran although no cell that ran before it (by
    execution count) defines it, while some cell of the notebook does. A name that the cells above
    only import is left alone: an import cell run again binds the same module.

    ## Why is this bad?
    The value came from a run that the notebook no longer shows: an earlier run of a cell that was
    since re-run, an older version of a cell that was edited, or a cell that was never saved with
    its count. The saved outputs depend on state that nobody can reproduce from the file.

    ## Example
    Cell 2 `df = load()` shows `In [9]`; cell 3 `df.describe()` shows `In [4]`: when cell 3 ran,
    `df` came from an earlier run of cell 2, maybe of other code.

    Use instead: restart the kernel and run all cells top to bottom before saving.
    """

    code = "NB202"
    name = "name-from-lost-execution"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        # A definer above that re-ran later is the stale-output story (NB203): told once, there.
        seen: set[tuple[int, str]] = {(stale.cell, stale.name) for stale in context.dataflow.stale}
        for missing in context.dataflow.lost:
            key = (missing.cell, missing.read.name)
            if key in seen or not missing.definers:
                continue
            seen.add(key)
            name = missing.read.name
            executed = [
                cell for cell in missing.definers if context.cell(cell).execution_count is not None
            ]
            if executed:
                definer = executed[0]
                why = (
                    f"cell {definer} defines it but its saved run ({_in(context, definer)}) came later; "
                    "the value came from an earlier, unsaved run"
                )
            else:
                definer = missing.definers[0]
                why = f"cell {definer} defines it but shows no run; the value came from a run the notebook does not show"
            yield self.diagnostic(
                context,
                _use_span(context, missing.cell, missing.read.use),
                f"`{name}` was read by cell {missing.cell} ({_in(context, missing.cell)}){_through(missing)} "
                f"before any run that defines it: {why}",
                related=[
                    Related(
                        _definition_span(context, definer, name),
                        f"`{name}` is defined here ({_in(context, definer)})",
                    )
                ],
            )


class StaleOutput(Rule):
    """## What it does
    Reports a cell whose saved outputs were computed before a cell above it redefined one of the
    names it reads: the definer's execution count is higher than the reader's. Re-running an
    import does not count: `import numpy as np` again binds the same module.

    ## Why is this bad?
    The outputs shown no longer match the code above them. A reader trusts a table or a plot that
    *Restart & Run All* would draw differently.

    ## Example
    Cell 1 `threshold = 0.9` shows `In [7]`; cell 2 `print(score > threshold)` shows `In [3]`.

    Use instead: re-run the cells below a changed cell (or restart and run all) before saving.
    """

    code = "NB203"
    name = "stale-output"
    severity = "warning"
    needs_execution_counts = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        by_cell: dict[int, list] = {}  # type: ignore[type-arg]
        for stale in context.dataflow.stale:
            by_cell.setdefault(stale.cell, []).append(stale)
        for cell, items in by_cell.items():
            first = items[0]
            names = ", ".join(f"`{item.name}`" for item in items[:3])
            definers = sorted({item.definer for item in items})
            definer_text = ", ".join(f"cell {d} ({_in(context, d)})" for d in definers[:3])
            yield self.diagnostic(
                context,
                _use_span(context, cell, first.use),
                f"the outputs of cell {cell} ({_in(context, cell)}) are stale: {names} "
                f"{'was' if len(items) == 1 else 'were'} redefined afterwards by {definer_text}",
                related=[
                    Related(
                        _definition_span(context, item.definer, item.name),
                        f"`{item.name}` redefined here ({_in(context, item.definer)})",
                    )
                    for item in items[:3]
                ],
            )


class RedefinedAcrossCells(Rule):
    """## What it does
    Reports a name assigned in several cells with reads in other cells between the assignments, so
    what those reads see depends on which assignment ran last.

    ## Why is this bad?
    Re-running one cell out of order silently changes the value every later reader sees. Distinct
    names make each step's input explicit.

    ## Example
    ```python
    # cell 1
    model = LinearRegression()
    # cell 2
    model.fit(X, y)
    # cell 3
    model = RandomForestRegressor()
    ```

    Use instead:
    ```python
    # cell 1
    linear_model = LinearRegression()
    # cell 2
    linear_model.fit(X, y)
    # cell 3
    forest_model = RandomForestRegressor()
    ```

    ## Options
    Opt-in: select it by its code (`--select NB204`); many notebooks reuse names on purpose.
    """

    code = "NB204"
    name = "redefined-across-cells"
    severity = "info"
    opt_in = True

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        flow = context.dataflow
        readers: dict[str, set[int]] = {}
        for edge in flow.notebook_edges:
            readers.setdefault(edge.name, set()).add(edge.target)
        for name, definers in flow.definers.items():
            if len(definers) < 2:
                continue
            kinds = {
                binding.kind
                for cell in definers
                for binding in flow.facts[cell].defines
                if binding.name == name
            }
            if kinds <= {"import", "function", "class", "loop", "comprehension", "except", "with"}:
                continue
            between = sorted(
                reader
                for reader in readers.get(name, ())
                if definers[0] < reader < definers[-1] and reader not in definers
            )
            if not between:
                continue
            last = definers[-1]
            cells = ", ".join(str(cell) for cell in definers)
            yield self.diagnostic(
                context,
                _definition_span(context, last, name),
                f"`{name}` is assigned in cells {cells} and read in between (cell {between[0]}): "
                f"what cell {between[0]} sees depends on which cell ran last",
                related=[
                    Related(_definition_span(context, cell, name), f"`{name}` assigned here")
                    for cell in definers[:-1]
                ],
            )


class NonIdempotentCell(Rule):
    """## What it does
    Reports a cell that reads a name defined by an earlier cell and then rebinds or mutates it in
    place: `x = x + 1`, `x += 1`, `df = df.dropna()`, `results.append(...)`.

    ## Why is this bad?
    Running the cell twice gives another result than running it once, so the state depends on how
    often someone pressed Shift+Enter. This is the most common source of outputs nobody can
    reproduce.

    A method that changes a list, set or dict in place returns `None`; when its value is used
    (`combined = frame.append(other)`), it is another library's method that returns a new object,
    and the cell is not reported for it.

    ## Example
    ```python
    # cell 1
    df = load()
    # cell 2
    df = df.dropna()
    ```

    Use instead:
    ```python
    # cell 1
    raw = load()
    # cell 2
    df = raw.dropna()
    ```
    """

    code = "NB205"
    name = "non-idempotent-cell"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        flow = context.dataflow
        for number, facts in flow.facts.items():
            external = {use.name for use in facts.immediate_reads}
            reported: set[str] = set()
            for binding in facts.defines:
                name = binding.name
                if not binding.reads_itself or name not in external or name in reported:
                    continue
                earlier = [cell for cell in flow.definers.get(name, ()) if cell < number]
                if not earlier:
                    continue
                reported.add(name)
                what = "updates" if binding.kind == "augmented" else "rebinds"
                yield self.diagnostic(
                    context,
                    context.span(
                        number, binding.line, binding.column, binding.end_line, binding.end_column
                    ),
                    f"cell {number} {what} `{name}` from its own value (defined in cell {earlier[-1]}): "
                    "running the cell twice gives a different result",
                    related=[
                        Related(
                            _definition_span(context, earlier[-1], name),
                            f"`{name}` is defined here",
                        )
                    ],
                )
            for use in facts.non_idempotent_mutations:
                name = use.name
                if name in reported:
                    continue
                earlier = [cell for cell in flow.definers.get(name, ()) if cell < number]
                if not earlier:
                    continue
                reported.add(name)
                yield self.diagnostic(
                    context,
                    _use_span(context, number, use),
                    f"cell {number} changes `{name}` (defined in cell {earlier[-1]}) in place: "
                    "each re-run changes it again",
                    related=[
                        Related(
                            _definition_span(context, earlier[-1], name),
                            f"`{name}` is defined here",
                        )
                    ],
                )


# Top-level definitions a reader can see in a cell that does not parse: `x = ...`, `a, b = ...`,
# `x: int = ...`, `def f`, `class C`, `import m as n`, `from m import a, b`.
_VISIBLE_DEFINITION = re.compile(
    r"^(?:(?:async[ \t]+)?def|class)[ \t]+(?P<definition>[A-Za-z_]\w*)"
    r"|^(?P<targets>[A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*)[ \t]*(?::[^=\n]*)?=(?!=)"
    r"|^(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?P<imported>[^#\n]+)",
    re.MULTILINE,
)


def _names_broken_cells_may_define(context: LintContext) -> frozenset[str]:
    names: set[str] = set()
    for cell in context.notebook.code_cells:
        parsed = context.parsed.get(cell.number)
        if parsed is None or parsed.tree is not None or not parsed.is_python:
            continue
        for match in _VISIBLE_DEFINITION.finditer(cell.source):
            if match["definition"]:
                names.add(match["definition"])
            elif match["targets"]:
                names.update(part.strip() for part in match["targets"].split(","))
            else:
                for alias in match["imported"].strip("() ").split(","):
                    bound = alias.split(" as ")[-1].strip().split(".")[0]
                    if bound.isidentifier():
                        names.add(bound)
    return frozenset(names)


class UndefinedName(Rule):
    """## What it does
    Reports a name that is read but that no cell defines, that is not a builtin, and that IPython
    does not provide (`display`, `get_ipython`, `In`, `Out`, `_`...). Star imports, `%run` and
    `exec` make any name possible, so after one of them this rule stays silent. A name that a cell
    which does not parse visibly defines (`name =  # TODO`) is left to syntax-error (NB002).

    ## Why is this bad?
    The cell raises `NameError` in a fresh kernel. When the cell's saved run shows it worked, the
    name came from a cell that has since been deleted.

    ## Example
    ```python
    print(__file__)
    ```

    Use instead:
    ```python
    from pathlib import Path
    print(Path.cwd())
    ```
    """

    code = "NB206"
    name = "undefined-name"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        seen: set[tuple[int, str]] = set()
        broken_may_define: frozenset[str] | None = None
        for missing in context.dataflow.undefined:
            name = missing.read.name
            key = (missing.cell, name)
            if key in seen:
                continue
            seen.add(key)
            if broken_may_define is None:
                broken_may_define = _names_broken_cells_may_define(context)
            if name in broken_may_define:
                continue  # `name =  # TODO` does not parse (NB002 says so) but does define it
            cell = context.cell(missing.cell)
            ran_clean = (
                cell.execution_count is not None
                and not missing.read.use.deferred
                and not any(output.get("output_type") == "error" for output in cell.outputs)
            )
            if missing.cell in missing.definers:
                message = (
                    f"`{name}` is read in cell {missing.cell}{_through(missing)} before the cell "
                    "assigns it, and no cell above defines it: Restart & Run All fails here"
                )
                ran_clean = False
            elif missing.definers and _only_functions_assign(context, missing):
                message = (
                    f"`{name}` is used in cell {missing.cell}{_through(missing)} before any function "
                    f"that assigns it (`global {name}` in cell {missing.definers[-1]}) has run: "
                    "Restart & Run All fails here"
                )
                ran_clean = False
            elif missing.definers:
                message = (
                    f"`{name}` is used in cell {missing.cell}{_through(missing)} after `del` "
                    f"removed it (it is defined in cell {missing.definers[-1]})"
                )
                ran_clean = False
            else:
                message = f"`{name}` is used in cell {missing.cell}{_through(missing)} but no cell defines it"
            if ran_clean:
                message += f"; the cell ran with it (In [{cell.execution_count}]), so it came from a deleted cell"
            yield self.diagnostic(
                context, _use_span(context, missing.cell, missing.read.use), message
            )


def _only_functions_assign(context: LintContext, missing: MissingRead) -> bool:
    """Only `global` statements in functions assign the name, and no cell up to the read deletes
    it: a function that sets it has not run yet, rather than a `del` having removed it."""
    facts = context.dataflow.facts
    name = missing.read.name
    if any(name in facts[cell].defined_names for cell in missing.definers):
        return False
    return not any(
        use.name == name
        for cell, cell_facts in facts.items()
        if cell <= missing.cell
        for use in cell_facts.deletes
    )


RULES: tuple[type[Rule], ...] = (
    UseBeforeDefinition,
    NameFromLostExecution,
    StaleOutput,
    RedefinedAcrossCells,
    NonIdempotentCell,
    UndefinedName,
)

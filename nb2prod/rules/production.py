"""NB4 production readiness: what stands between a notebook and a module."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nb2prod.analysis.facts import Binding, CellFacts, cell_facts
from nb2prod.analysis.parse import source_segment
from nb2prod.diagnostics import ClearOutputs, Diagnostic, Edit, Fix, Related, ReplaceText
from nb2prod.notebook import Cell
from nb2prod.rules._names import cell_indexes, node_span
from nb2prod.rules._preamble import (
    IMPORT_AFFECTING_MAGICS,
    affects_imports,
    find_preamble,
    statement_affects_imports,
)
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "CellTooLong",
    "GlobalUsedInFunction",
    "ImportNotAtTop",
    "LargeOutput",
    "MissingParametersCell",
    "ParameterReassigned",
    "ParameterUsedBeforeParametersCell",
    "ParameterWithoutLiteralDefault",
    "StarImport",
    "UnusedDefinition",
]

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def _facts(context: LintContext) -> dict[int, CellFacts]:
    """The per-cell facts the dataflow already computed for this notebook."""
    return context.dataflow.facts


def _line_of(cell: Cell, line: int) -> str:
    lines = cell.source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


# --------------------------------------------------------------------------------------------------
# import-not-at-top


def _import_cells(context: LintContext) -> list[Cell]:
    """Code cells that can hold imports: not papermill's parameters cells, not `%%bash` cells."""
    found = []
    for cell in context.notebook.code_cells:
        if PARAMETERS_TAG in cell.tags or INJECTED_TAG in cell.tags:
            continue
        parsed = context.parsed.get(cell.number)
        if parsed is not None and parsed.masked.cell_magic is not None and not parsed.is_python:
            continue
        found.append(cell)
    return found


def _has_python(context: LintContext, cell: Cell) -> bool:
    tree = context.parsed[cell.number].tree
    return tree is not None and any(not isinstance(s, ast.Pass) for s in tree.body)


def _insertion_line(context: LintContext, target: Cell) -> int:
    """Hoisted imports go after the target cell's own leading imports (and docstring/comments),
    and after any configuration in it that imports depend on (`sys.path`, `os.environ`...)."""
    parsed = context.parsed[target.number]
    tree = parsed.tree
    if tree is None:
        return 1
    after = 0
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.Pass)) or (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and after == 0
            and statement is tree.body[0]
        ):  # `pass`: a masked line magic such as `%matplotlib inline`
            after = statement.end_lineno or statement.lineno
        else:
            break
    for statement in tree.body:
        if statement_affects_imports(statement):
            after = max(after, statement.end_lineno or statement.lineno)
    for item in parsed.masked.syntax:
        if item.kind == "line_magic" and item.name in IMPORT_AFFECTING_MAGICS:
            after = max(after, item.line)
    return after + 1


@dataclass(frozen=True)
class _ImportLayout:
    """Which cells count as the top, and where hoisted imports go."""

    at_top: frozenset[int]
    target: Cell
    insertion: int  # a line of ``target``; one past its last line appends


def _import_layout(context: LintContext) -> _ImportLayout | None:
    cells = _import_cells(context)
    if not cells:
        return None
    by_number = {cell.number: cell for cell in cells}
    preamble = find_preamble((cell, context.parsed[cell.number]) for cell in cells)
    if not preamble.has_imports:
        # Magics, comments or empty cells first: the first cell with code is the top.
        first = preamble.first_other if preamble.first_other is not None else cells[0].number
        at_top = frozenset({*preamble.cells, first})
        target = by_number[first]
        return _ImportLayout(at_top, target, _insertion_line(context, target))
    # Imports go at the end of the set-up cells: after any configuration they may depend on.
    with_python = [by_number[n] for n in preamble.cells if _has_python(context, by_number[n])]
    target = with_python[-1]
    insertion = len(target.source.splitlines()) + 1
    return _ImportLayout(frozenset(preamble.cells), target, insertion)


class ImportNotAtTop(Rule):
    """## What it does
    Reports module-level imports below the set-up cells at the top of the notebook.

    The top is the run of set-up cells a notebook starts with: cells made only of imports,
    magics, comments and configuration of what they import (`sys.path.append(...)`,
    `os.environ[...] = ...`, `pd.set_option(...)`, `warnings.filterwarnings(...)`,
    `try: import x` / `except ImportError: ...`). When no such cell holds an import, the top is
    the first cell with code, wherever its imports sit. The papermill `parameters` cell is
    skipped; imports inside functions or blocks are left alone.

    ## Why is this bad?
    A reader cannot see what the notebook depends on, a cell run on its own may fail because an
    import lives in a cell that has not run, and turning the notebook into a module means hoisting
    them anyway. ruff's E402 (which allows imports at the top of each cell) is merged into this
    rule when both run.

    ## Example
    ```python
    # cell 1
    import pandas as pd
    # cell 7
    import seaborn as sns
    sns.histplot(df.price)
    ```

    Use instead:
    ```python
    # cell 1
    import pandas as pd
    import seaborn as sns
    # cell 7
    sns.histplot(df.price)
    ```

    ## Fix safety
    The fix moves the import to the end of the set-up cells (or, when there are none, after the
    first cell's leading imports and any `sys.path`, `os.environ`, `%env` or `matplotlib.use`
    configuration in it). It is offered only when no such configuration lies between the top and
    the import: an import after `sys.path.append("lib")` in cell 9 stays reported, without a fix.
    It is unsafe all the same: an import can have other side effects that depend on order.
    """

    code = "NB401"
    name = "import-not-at-top"
    severity = "warning"
    fix_title = "Move the import into the first code cell"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        layout = _import_layout(context)
        if layout is None:
            return
        target, insertion = layout.target, layout.insertion
        target_lines = target.source.splitlines()
        existing = {line.strip() for line in target_lines}
        # Set-up below the top (a `sys.path` change in cell 9) pins the imports after it.
        pinned = False
        for cell in context.notebook.code_cells:
            if (
                cell.number in layout.at_top
                or PARAMETERS_TAG in cell.tags
                or INJECTED_TAG in cell.tags
            ):
                continue
            parsed = context.parsed[cell.number]
            tree = parsed.tree
            if tree is None:
                continue
            for statement in tree.body:
                if not isinstance(statement, (ast.Import, ast.ImportFrom)):
                    continue
                if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                    continue
                text = source_segment(cell.source, statement) or ""
                movable = cell.number > target.number and not (
                    pinned or affects_imports(parsed, before_line=statement.lineno)
                )
                fix = (
                    self._hoist(
                        cell, statement, text, target, insertion, len(target_lines), existing
                    )
                    if movable
                    else None
                )
                yield self.diagnostic(
                    context,
                    node_span(context, cell, statement),
                    f"`{' '.join(text.split())[:80]}` is imported in cell {cell.number}, not at the top; move it to cell {target.number}",
                    related=[Related(context.span(target, 1, 1), "imports belong in this cell")],
                    fix=fix,
                )
            pinned = pinned or affects_imports(parsed)

    @staticmethod
    def _hoist(
        cell: Cell,
        statement: ast.stmt,
        text: str,
        target: Cell,
        insertion: int,
        target_line_count: int,
        existing: set[str],
    ) -> Fix | None:
        start, end = statement.lineno, statement.end_lineno or statement.lineno
        # Only whole lines move: `import os; x = 1` stays where it is.
        if (
            _line_of(cell, start)[: statement.col_offset].strip()
            or _line_of(cell, end)[(statement.end_col_offset or 0) :]
            .split("#")[0]
            .strip()
            .rstrip(";")
            .strip()
        ):
            return None
        if statement.col_offset != 0:
            return None  # inside a block such as `if ...:`
        remove = ReplaceText(cell.number, start, 1, end + 1, 1, "")
        if text.strip() in existing:
            return Fix("Remove the import (cell 1 already has it)", "unsafe", (remove,))
        if insertion > target_line_count:
            # After the last line: that line may lack a final newline.
            needs_newline = bool(target.source) and not target.source.endswith("\n")
            insert = ReplaceText(
                target.number,
                target_line_count + 1,
                1,
                target_line_count + 1,
                1,
                ("\n" if needs_newline else "") + text + ("" if needs_newline else "\n"),
            )
        else:
            insert = ReplaceText(target.number, insertion, 1, insertion, 1, text + "\n")
        edits: tuple[Edit, ...] = (insert, remove)
        return Fix(f"Move the import into cell {target.number}", "unsafe", edits)


# --------------------------------------------------------------------------------------------------
# star-import


class StarImport(Rule):
    """## What it does
    Reports `from module import *`.

    ## Why is this bad?
    Nobody, neither a reader nor a tool, can tell which names the cell brings in, so hidden-state
    analysis, undefined-name checks and extraction to a module all become guesses; a later version
    of the module can silently shadow your own names.

    ## Example
    ```python
    from pylab import *
    plot(x, sin(x))
    ```

    Use instead:
    ```python
    import matplotlib.pyplot as plt
    import numpy as np
    plt.plot(x, np.sin(x))
    ```
    """

    code = "NB402"
    name = "star-import"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            for node in index.of(ast.ImportFrom):
                if isinstance(node, ast.ImportFrom) and any(
                    alias.name == "*" for alias in node.names
                ):
                    module = "." * node.level + (node.module or "")
                    yield self.diagnostic(
                        context,
                        node_span(context, index.cell, node),
                        f"`from {module} import *` in cell {index.cell.number} brings in names nobody can see; import the names you use",
                    )


# --------------------------------------------------------------------------------------------------
# papermill parameters


def _parameters_cell(context: LintContext) -> Cell | None:
    for cell in context.notebook.code_cells:
        if PARAMETERS_TAG in cell.tags:
            return cell
    return None


def _is_parameterized(context: LintContext) -> tuple[bool, str]:
    if context.settings.parameters_required:
        return True, "`parameters-required` is set"
    for cell in context.notebook.cells:
        if INJECTED_TAG in cell.tags:
            return True, f"cell {cell.number} holds parameters injected by papermill"
    papermill = context.notebook.metadata.get("papermill")
    if isinstance(papermill, Mapping) and papermill:
        return True, "the notebook was run by papermill"
    return False, ""


def _parameter_bindings(context: LintContext, cell: Cell) -> list[Binding]:
    facts = cell_facts(context.parsed[cell.number])
    return [binding for binding in facts.defines if binding.kind in ("assignment", "annotated")]


class MissingParametersCell(Rule):
    """## What it does
    Reports a notebook that is meant to be parameterized but has no cell tagged `parameters`: it
    has an `injected-parameters` cell or papermill metadata (it was run with parameters), or the
    project sets `parameters-required = true`.

    ## Why is this bad?
    papermill injects parameters after the `parameters` cell. Without one it injects them at the
    top, before the notebook's own defaults, which then overwrite the values passed in: the run
    silently uses the defaults. `nb2prod run` and `nb2prod extract` also read the parameters and
    their types from that cell.

    ## Example
    A first cell `alpha = 0.5` without a `parameters` tag, in a notebook run with
    `papermill -p alpha 0.1`.

    Use instead: tag the cell that holds the defaults `parameters` (JupyterLab: the property
    inspector, *Cell Tags*).

    ## Options
    - `parameters-required` (bool, default false): every notebook must have a `parameters` cell.
    """

    code = "NB403"
    name = "missing-parameters-cell"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        if _parameters_cell(context) is not None or not context.notebook.code_cells:
            return
        required, why = _is_parameterized(context)
        if not required:
            return
        injected = next(
            (cell for cell in context.notebook.cells if INJECTED_TAG in cell.tags), None
        )
        first = injected or context.notebook.code_cells[0]
        yield self.diagnostic(
            context,
            context.span(first, 1, 1),
            f"no cell is tagged `parameters`, but {why}; tag the cell that holds the defaults",
        )


class ParameterUsedBeforeParametersCell(Rule):
    """## What it does
    Reports a parameter (a name the `parameters` cell assigns) that a cell above the `parameters`
    cell reads.

    ## Why is this bad?
    papermill injects the values it is given right after the `parameters` cell. A cell above it
    runs before that, so it reads the default (or fails with `NameError`), never the value passed
    to the run.

    ## Example
    ```python
    # cell 1
    df = load(year)
    # cell 2, tagged parameters
    year = 2023
    ```

    Use instead: put the `parameters` cell first (after the imports) and read parameters below it.
    """

    code = "NB404"
    name = "parameter-used-before-parameters-cell"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        parameters = _parameters_cell(context)
        if parameters is None:
            return
        names = {binding.name for binding in _parameter_bindings(context, parameters)}
        for cell in context.notebook.code_cells:
            if cell.number >= parameters.number:
                break
            facts = cell_facts(context.parsed[cell.number])
            reported: set[str] = set()
            for use in facts.immediate_reads:
                if use.name in names and use.name not in reported:
                    reported.add(use.name)
                    yield self.diagnostic(
                        context,
                        context.span(cell, use.line, use.column, use.end_line, use.end_column),
                        f"parameter `{use.name}` is read in cell {cell.number}, above the parameters cell {parameters.number}: it never sees the value passed to the run",
                        related=[Related(context.span(parameters, 1, 1), "the parameters cell")],
                    )


class ParameterReassigned(Rule):
    """## What it does
    Reports a parameter that a cell below the `parameters` cell assigns again.

    ## Why is this bad?
    The value passed with `papermill -p` (or `nb2prod run -p`) is injected right after the
    `parameters` cell; a later assignment overwrites it, so the parameter has no effect.

    ## Example
    ```python
    # parameters
    threshold = 0.5
    # later cell
    threshold = 0.7
    ```

    Use instead: derive a new name (`strict_threshold = threshold + 0.2`) or change the default.
    """

    code = "NB405"
    name = "parameter-reassigned"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        parameters = _parameters_cell(context)
        if parameters is None:
            return
        names = {binding.name: binding for binding in _parameter_bindings(context, parameters)}
        for cell in context.notebook.code_cells:
            if cell.number <= parameters.number or INJECTED_TAG in cell.tags:
                continue
            for binding in cell_facts(context.parsed[cell.number]).defines:
                original = names.get(binding.name)
                if original is None or binding.kind in ("import", "function", "class"):
                    continue
                yield self.diagnostic(
                    context,
                    context.span(
                        cell, binding.line, binding.column, binding.end_line, binding.end_column
                    ),
                    f"parameter `{binding.name}` (cell {parameters.number}) is assigned again in cell {cell.number}, so the value passed to the run is lost",
                    related=[
                        Related(
                            context.span(
                                parameters,
                                original.line,
                                original.column,
                                original.end_line,
                                original.end_column,
                            ),
                            "the parameter's default",
                        )
                    ],
                )


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


class ParameterWithoutLiteralDefault(Rule):
    """## What it does
    Reports a statement in the `parameters` cell that is not a plain assignment of a literal
    default: `start = datetime.now()`, `path = os.path.join(ROOT, "x")`, `n = len(data)`, or code
    other than assignments.

    ## Why is this bad?
    papermill passes JSON values (numbers, strings, booleans, lists, dicts) and `nb2prod run`
    checks the values it is given against the types of the defaults; a computed default has no
    type a tool can read and may fail when the cell runs without the rest of the notebook.

    ## Example
    ```python
    # parameters
    data_dir = os.path.join(ROOT, "data")
    ```

    Use instead:
    ```python
    # parameters
    data_dir = "data"
    ```
    """

    code = "NB406"
    name = "parameter-without-literal-default"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        parameters = _parameters_cell(context)
        if parameters is None:
            return
        tree = context.parsed[parameters.number].tree
        if tree is None:
            return
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and _is_literal(statement.value):
                continue
            if isinstance(statement, ast.AnnAssign) and (
                statement.value is None or _is_literal(statement.value)
            ):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # a docstring-like note
            if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                target = (
                    statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
                )
                name = source_segment(parameters.source, target) or "the parameter"
                message = f"parameter `{name}` has a computed default; give it a literal (number, string, bool, list, dict) so papermill and `nb2prod run` can type it"
            else:
                text = " ".join((source_segment(parameters.source, statement) or "").split())[:60]
                message = f"`{text}` in the parameters cell is not a parameter assignment; keep only literal defaults there"
            yield self.diagnostic(context, node_span(context, parameters, statement), message)


# --------------------------------------------------------------------------------------------------
# cell-too-long, large-output


class CellTooLong(Rule):
    """## What it does
    Reports a code cell with more lines of code than `max-cell-lines` (default 100). Blank lines
    and lines holding only a comment do not count: explaining a step is not doing more.

    ## Why is this bad?
    A long cell does many things at once: its outputs show only the end, one failure forces the
    whole cell to re-run, and it becomes one opaque step when the notebook is turned into a
    pipeline.

    ## Example
    A single cell that loads, cleans, trains and plots in 240 lines.

    Use instead: split it into cells that each do one step, or move helper functions into a module
    the notebook imports.

    ## Options
    - `max-cell-lines` (int, default 100) in `[tool.nb2prod]`.
    """

    code = "NB407"
    name = "cell-too-long"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        limit = context.settings.max_cell_lines
        for cell in context.notebook.code_cells:
            lines = [
                line
                for line in cell.source.splitlines()
                if (stripped := line.strip()) and not stripped.startswith("#")
            ]
            if len(lines) > limit:
                yield self.diagnostic(
                    context,
                    context.span(cell, 1, 1),
                    f"cell {cell.number} has {len(lines)} lines of code (limit {limit}); split it into steps or move code into a module",
                )


def _size(value: Any) -> int:
    """Approximate bytes of an output: the length of its strings, without re-serialising it."""
    if type(value) is str:
        return len(value)
    total = 0
    if type(value) is list:
        for item in value:  # mostly lines of text: no call for them
            total += len(item) if type(item) is str else _size(item)
        return total
    if isinstance(value, Mapping):
        for key, item in value.items():
            total += len(key) + (len(item) if type(item) is str else _size(item))
        return total
    return 8


def _human(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


class LargeOutput(Rule):
    """## What it does
    Reports a code cell whose saved outputs are larger than `max-output-bytes` (default 500 kB),
    such as embedded images, long printed logs or large HTML tables.

    ## Why is this bad?
    Large outputs bloat the repository with every commit, make diffs and reviews unreadable, slow
    every tool that opens the notebook, and can leak data that was only meant to be looked at.

    ## Example
    A cell that displays twenty 300 kB PNG plots, or prints a 50,000-row DataFrame.

    Use instead: save plots and data to files (or an artifact store), show a summary, and clear
    heavy outputs before committing (`nbstripout`, or this rule's fix).

    ## Fix safety
    The fix clears the cell's outputs. It is unsafe: the outputs are lost until the cell is run
    again.

    ## Options
    - `max-output-bytes` (int, default 500000) in `[tool.nb2prod]`.
    """

    code = "NB408"
    name = "large-output"
    severity = "warning"
    fix_title = "Clear the cell's outputs"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        limit = context.settings.max_output_bytes
        for cell in context.notebook.code_cells:
            if not cell.outputs:
                continue
            total = 0
            images = 0
            for output in cell.outputs:
                total += _size(output)
                data = output.get("data")
                if isinstance(data, Mapping):
                    images += sum(1 for mime in data if str(mime).startswith("image/"))
            if total <= limit:
                continue
            detail = f", {images} embedded image{'s' if images != 1 else ''}" if images else ""
            yield self.diagnostic(
                context,
                context.span(cell, 1, 1),
                f"cell {cell.number}'s outputs take {_human(total)} (limit {_human(limit)}{detail}); save large results to files and clear the output",
                fix=Fix("Clear the cell's outputs", "unsafe", (ClearOutputs(cell.number),)),
            )


# --------------------------------------------------------------------------------------------------
# global-used-in-function, unused-definition

_DATA_KINDS = frozenset(
    {
        "assignment",
        "annotated",
        "augmented",
        "loop",
        "with",
        "walrus",
        "match",
        "except",
        "comprehension",
    }
)


def _module_bindings(facts: Mapping[int, CellFacts]) -> dict[str, tuple[int, Binding]]:
    """Name -> (cell, first binding) over the notebook; any non-data binding (import, def) wins."""
    bindings: dict[str, tuple[int, Binding]] = {}
    non_data: set[str] = set()
    for number in sorted(facts):
        for binding in facts[number].defines:
            if binding.kind not in _DATA_KINDS:
                non_data.add(binding.name)
            bindings.setdefault(binding.name, (number, binding))
    return {name: value for name, value in bindings.items() if name not in non_data}


class GlobalUsedInFunction(Rule):
    """## What it does
    Reports a function that reads a notebook-level variable (a global defined by an assignment in
    some cell) instead of taking it as a parameter. Imported modules, other functions and classes,
    and `UPPER_CASE` constants are not reported.

    ## Why is this bad?
    The function's result depends on whatever value the global has when it is called, which in a
    notebook depends on which cells ran and in what order. Such functions cannot be tested or moved
    into a module as they are.

    ## Example
    ```python
    df = load()
    def summarize():
        return df.groupby("city").price.mean()
    ```

    Use instead:
    ```python
    def summarize(df):
        return df.groupby("city").price.mean()
    ```
    """

    code = "NB409"
    name = "global-used-in-function"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        facts = _facts(context)
        globals_by_name = _module_bindings(facts)
        for number in sorted(facts):
            cell = context.cell(number)
            for function in facts[number].functions.values():
                reported: set[str] = set()
                for use in (*function.global_reads, *function.callback_reads):
                    name = use.name
                    if (
                        name in reported
                        or name not in globals_by_name
                        or name.isupper()
                        or name.startswith("__")
                    ):
                        continue
                    if name in function.global_writes:
                        continue  # `global counter` is explicit about it
                    reported.add(name)
                    defined_in, binding = globals_by_name[name]
                    kind = "class" if function.is_class else "function"
                    yield self.diagnostic(
                        context,
                        context.span(cell, use.line, use.column, use.end_line, use.end_column),
                        f"{kind} `{function.name}` reads the notebook variable `{name}` (defined in cell {defined_in}); pass it as a parameter",
                        related=[
                            Related(
                                context.span(
                                    defined_in,
                                    binding.line,
                                    binding.column,
                                    binding.end_line,
                                    binding.end_column,
                                ),
                                f"`{name}` is defined here",
                            )
                        ],
                    )


_DYNAMIC_ACCESS = frozenset({"globals", "locals", "vars", "eval", "exec", "get_ipython"})


class UnusedDefinition(Rule):
    """## What it does
    Notes a variable, function or class defined at the top level of a cell that no cell reads:
    not later in the same cell, not in another cell, not inside a function. Names starting with
    `_`, unpacking targets (`fig, ax = ...`) and imports (ruff's F401 reports those) are not
    reported; nor is anything when the notebook reads names dynamically (`globals()`, `eval`).
    A name counts as read when a magic or shell line mentions it (`%timeit big.sum()`,
    `!ls {folder}`) or a query or formula string does (`df.query("a > @limit")`,
    `"y ~ bs(x, knots=knots)"`).

    A decorated function or class is not reported either: the decorator may register it where
    other code calls it (`@atexit.register`, `@app.route("/")`, `@pytest.fixture`, numba's
    `@overload`). Decorators known only to wrap are the exception: a function decorated only
    with `functools.lru_cache`/`cache`, numba's `jit`/`njit`/`vectorize`, `property`,
    `staticmethod`, `classmethod`, `dataclass`, `torch.no_grad` or `tf.function` (and a few
    others like them) is still reported when nothing uses it.

    ## Why is this bad?
    Dead definitions make readers look for a use that does not exist, keep memory alive in the
    kernel, and are carried into the module when the notebook is extracted.

    ## Example
    ```python
    raw = pd.read_csv("data.csv")
    clean = raw.dropna()
    backup = clean.copy()   # never used
    ```

    Use instead: delete the definition, or display it if it was meant to be looked at.
    """

    code = "NB410"
    name = "unused-definition"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        indexes = cell_indexes(context)
        read: set[str] = set()
        for index in indexes:
            if index.tree is None and index.parsed.is_python and index.parsed.problem is not None:
                return  # a cell that does not parse may read anything
            read.update(index.loaded_names)
            for item in index.parsed.masked.syntax:
                read.update(
                    _IDENTIFIER.findall(item.arguments)
                )  # `%timeit big.sum()`, `!ls {path}`
            for string in index.strings:
                # pandas `query("a > @limit")`, patsy/bambi formulas `"y ~ bs(x, knots=knots)"`
                text = string.value
                if isinstance(text, str) and ("@" in text or "~" in text):
                    read.update(_IDENTIFIER.findall(text))
            if index.parsed.masked.cell_magic is not None and not index.parsed.is_python:
                read.update(token for token in _words(index.cell.source))
        if read & _DYNAMIC_ACCESS:
            return
        for index in indexes:
            if index.tree is None:
                continue
            for statement in index.tree.body:
                for name, node in _simple_definitions(statement):
                    if name in read or name.startswith("_"):
                        continue
                    kind = (
                        "function"
                        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                        else "class"
                        if isinstance(node, ast.ClassDef)
                        else "variable"
                    )
                    yield self.diagnostic(
                        context,
                        self._name_span(context, index.cell, node, name),
                        f"{kind} `{name}` is defined in cell {index.cell.number} but never used",
                    )

    @staticmethod
    def _name_span(context: LintContext, cell: Cell, node: ast.AST, name: str) -> Any:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            line = node.lineno
            text = _line_of(cell, line)
            column = text.find(
                name, text.find("def " if not isinstance(node, ast.ClassDef) else "class ")
            )
            if column >= 0:
                return context.span(cell, line, column + 1, line, column + 1 + len(name))
        return node_span(context, cell, node)


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def _words(text: str) -> Iterator[str]:
    word = []
    for character in text:
        if character.isalnum() or character == "_":
            word.append(character)
        elif word:
            yield "".join(word)
            word = []
    if word:
        yield "".join(word)


# Decorators that wrap what they decorate without keeping it anywhere else: a definition with
# only these is still unused when no cell reads its name. Any other decorator may register it
# (`@atexit.register`, `@app.route("/")`, `@pytest.fixture`, numba's `@overload(np.sum)`).
_WRAPPING_DECORATORS = frozenset(
    {
        "lru_cache", "cache", "cached_property", "wraps", "total_ordering", "singledispatch",
        "jit", "njit", "vectorize", "guvectorize", "generated_jit", "stencil", "cfunc",
        "property", "staticmethod", "classmethod", "abstractmethod", "final", "override",
        "dataclass", "contextmanager", "asynccontextmanager",
        "no_grad", "enable_grad", "inference_mode",
        "cache_data", "cache_resource",
    }
)  # fmt: skip
_WRAPPING_DOTTED_DECORATORS = frozenset(
    {"tf.function", "tensorflow.function", "torch.compile", "torch.jit.script", "torch.jit.trace"}
)


def _dotted_name(node: ast.expr) -> str:
    """``numba.njit`` for ``@numba.njit`` and ``@numba.njit(cache=True)``; "" for other shapes."""
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def _only_wraps(decorator: ast.expr) -> bool:
    dotted = _dotted_name(decorator)
    return (
        dotted.rpartition(".")[2] in _WRAPPING_DECORATORS or dotted in _WRAPPING_DOTTED_DECORATORS
    )


def _simple_definitions(statement: ast.stmt) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if all(_only_wraps(decorator) for decorator in statement.decorator_list):
            yield statement.name, statement
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id, target
    elif (
        isinstance(statement, ast.AnnAssign)
        and statement.value is not None
        and isinstance(statement.target, ast.Name)
    ):
        yield statement.target.id, statement.target


RULES: tuple[type[Rule], ...] = (
    ImportNotAtTop,
    StarImport,
    MissingParametersCell,
    ParameterUsedBeforeParametersCell,
    ParameterReassigned,
    ParameterWithoutLiteralDefault,
    CellTooLong,
    LargeOutput,
    GlobalUsedInFunction,
    UnusedDefinition,
)

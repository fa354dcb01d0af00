"""NB0: problems with the notebook file itself, reported by the lint engine rather than by checks."""

from __future__ import annotations

from collections.abc import Iterator

from nb2prod.diagnostics import Diagnostic
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "NonPythonNotebook",
    "RuffFailed",
    "SyntaxErrorInCell",
    "UnreadableNotebook",
    "UnusedSuppression",
]


class UnreadableNotebook(Rule):
    """## What it does
    Reports a file that cannot be read as a Jupyter notebook: invalid JSON, JSON that is not a
    notebook, a notebook that fails nbformat's schema, an empty, binary or non-UTF-8 file, a folder
    named like a notebook, or a file that cannot be opened.

    ## Why is this bad?
    Jupyter cannot open such a file either, and every other check is blind to it. A notebook that
    fails to load often comes from an unresolved merge conflict or a truncated write.

    ## Example
    A file `analysis.ipynb` that holds `<<<<<<< HEAD` from a merge.

    Use instead: resolve the conflict (for instance with `nbdime`) so the file is valid JSON again.
    """

    code = "NB001"
    name = "unreadable-notebook"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return iter(())


class SyntaxErrorInCell(Rule):
    """## What it does
    Reports a code cell that is not valid Python once IPython syntax (magics, `!shell`, `obj?`) is
    set aside.

    ## Why is this bad?
    The cell raises `SyntaxError` when run, so *Restart & Run All* stops there, and nb2prod cannot
    analyse what the cell defines or reads.

    ## Example
    ```python
    print "hello"
    ```

    Use instead:
    ```python
    print("hello")
    ```
    """

    code = "NB002"
    name = "syntax-error"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for number, parsed in context.parsed.items():
            problem = parsed.problem
            if problem is None:
                continue
            span = context.span(number, problem.line, problem.column)
            yield self.diagnostic(context, span, f"cell {number} does not parse: {problem.message}")


class NonPythonNotebook(Rule):
    """## What it does
    Notes a notebook whose kernel is not Python (R, Julia, Scala...). nb2prod's analyses read
    Python, so such a notebook is skipped.

    ## Why is this bad?
    It is not bad; it is reported so that a skipped notebook is never mistaken for a clean one.

    ## Example
    A notebook whose `metadata.kernelspec.language` is `"R"`.

    Use instead: nothing to change; exclude the file in `[tool.nb2prod] exclude` to silence this.
    """

    code = "NB003"
    name = "non-python-notebook"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return iter(())


class UnusedSuppression(Rule):
    """## What it does
    Reports a `# noqa` comment or an `nb2prod:ignore` cell tag that suppresses no finding.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line or cell, and misleads readers about
    what is wrong there.

    ## Example
    ```python
    x = 1  # noqa: NB201
    ```

    Use instead:
    ```python
    x = 1
    ```
    """

    code = "NB004"
    name = "unused-suppression"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return iter(())


class RuffFailed(Rule):
    """## What it does
    Reports that ruff, whose Python rules `nb2prod lint` merges into its report, could not run:
    the binary is missing, it crashed, or it rejected the project's ruff configuration.

    ## Why is this bad?
    Without ruff the report silently lacks every Python-level finding (unused imports, undefined
    names inside cells, style errors), so a clean result would be misleading.

    ## Example
    A `ruff.toml` with a key ruff does not know makes ruff exit with an error.

    Use instead: fix the ruff configuration (run `ruff check` to see its message), or pass
    `--no-ruff` to lint with nb2prod's own rules only.
    """

    code = "NB005"
    name = "ruff-failed"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        return iter(())


RULES: tuple[type[Rule], ...] = (
    UnreadableNotebook,
    SyntaxErrorInCell,
    NonPythonNotebook,
    UnusedSuppression,
    RuffFailed,
)

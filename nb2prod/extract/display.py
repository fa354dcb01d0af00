"""Transform: display-only expressions (a cell's trailing expression, ``display(x)``) become logging.

In a notebook the last expression of a cell is shown; in a module it would be computed and thrown
away. It becomes ``logger.info("%s", value)`` so the value is still computed and can still be seen,
or, for the notebook's final value, the pipeline's return value. Plotting calls and calls that
return nothing worth showing stay plain statements. A trailing ``;`` (display suppressed) is respected.
"""

from __future__ import annotations

import libcst as cst

__all__ = ["DisplayToLogging", "is_display_worthy"]

# Calls whose result a user does not mean to show: printing, plotting, fitting, in-place changes.
_QUIET_FUNCTIONS = frozenset({"print", "exec", "setattr", "delattr", "help", "input", "breakpoint"})
_QUIET_OBJECTS = frozenset(
    {
        "plt",
        "sns",
        "pylab",
        "matplotlib",
        "px",
        "go",
        "ax",
        "axes",
        "fig",
        "axs",
        "os",
        "sys",
        "shutil",
        "warnings",
        "logging",
        "random",
        "np.random",
        "torch",
        "tf",
        "time",
        "json",
        "pickle",
    }
)
_QUIET_METHODS = frozenset(
    {
        "plot",
        "show",
        "hist",
        "scatter",
        "bar",
        "barh",
        "imshow",
        "savefig",
        "legend",
        "title",
        "xlabel",
        "ylabel",
        "set_title",
        "set_xlabel",
        "set_ylabel",
        "tight_layout",
        "subplots_adjust",
        "fit",
        "append",
        "extend",
        "insert",
        "update",
        "sort",
        "reverse",
        "remove",
        "clear",
        "add",
        "discard",
        "to_csv",
        "to_excel",
        "to_parquet",
        "to_json",
        "to_pickle",
        "write",
        "close",
        "seed",
        "set_style",
        "set",
        "boxplot",
        "pie",
        "heatmap",
        "pairplot",
        "countplot",
        "distplot",
        "histplot",
        "lineplot",
        "barplot",
        "scatterplot",
        "set_index",
        "fillna",
        "dropna",
        "drop",
        "rename",
        "reset_index",
        "sort_values",
        "manual_seed",
        "set_seed",
        "grid",
        "axis",
        "xticks",
        "yticks",
        "subplot",
        "figure",
        "colorbar",
        "text",
        "annotate",
        "xlim",
        "ylim",
        "suptitle",
        "register",
        "backward",
        "step",
        "zero_grad",
        "mkdir",
        "makedirs",
        "sleep",
        "dump",
        "load_state_dict",
        "save",
        "filterwarnings",
        "simplefilter",
        "basicConfig",
        "info",
        "warning",
        "debug",
        "error",
        "run",
    }
)


def _dotted(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def is_display_worthy(value: cst.BaseExpression) -> bool:
    """True when showing ``value`` was the point of writing it (not a call made for its effect)."""
    if isinstance(value, (cst.Ellipsis, cst.Await, cst.Yield)):
        return False
    if isinstance(value, cst.Name) and value.value in ("None", "True", "False"):
        return False
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return False
    if isinstance(value, cst.Call):
        dotted = _dotted(value.func)
        if dotted is None:
            return True
        head, _, _ = dotted.rpartition(".")
        last = dotted.rsplit(".", 1)[-1]
        if not head:
            return last not in _QUIET_FUNCTIONS and last != "display"
        if head in _QUIET_OBJECTS or head.split(".")[0] in _QUIET_OBJECTS or last in _QUIET_METHODS:
            return False
        if any(
            keyword.keyword is not None and keyword.keyword.value == "inplace"
            for keyword in value.args
        ):
            return False
    return True


def _log_statement(
    logger: str, value: cst.BaseExpression, template: cst.SimpleStatementLine
) -> cst.SimpleStatementLine:
    call = cst.Call(
        func=cst.Attribute(cst.Name(logger), cst.Name("info")),
        args=[
            cst.Arg(
                cst.SimpleString('"%s"'),
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            ),
            cst.Arg(value),
        ],
    )
    return template.with_changes(body=[cst.Expr(call)])


class DisplayToLogging(cst.CSTTransformer):
    """Rewrites one cell's module: its trailing expression and its ``display(...)`` statements.

    ``final_name`` is the name the notebook ends by showing: that statement is removed, since the
    step returns it instead.
    """

    def __init__(
        self,
        logger: str = "logger",
        *,
        display_is_ipython: bool = True,
        final_name: str | None = None,
    ) -> None:
        super().__init__()
        self.logger = logger
        self.display_is_ipython = display_is_ipython
        self.final_name = final_name
        self.logged = 0
        self.depth = 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self.depth += 1
        return True

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        self.depth -= 1
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.BaseStatement]:
        if len(updated_node.body) != 1 or not isinstance(updated_node.body[0], cst.Expr):
            return updated_node
        value = updated_node.body[0].value
        if (
            self.display_is_ipython
            and isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == "display"
            and value.args
            and all(arg.star == "" and arg.keyword is None for arg in value.args)
        ):
            self.logged += len(value.args)
            first = _log_statement(self.logger, value.args[0].value.with_changes(), updated_node)
            rest = [
                _log_statement(self.logger, arg.value, cst.SimpleStatementLine(body=[]))
                for arg in value.args[1:]
            ]
            return cst.FlattenSentinel([first, *rest]) if rest else first
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not updated_node.body:
            return updated_node
        last = updated_node.body[-1]
        if (
            not isinstance(last, cst.SimpleStatementLine)
            or len(last.body) != 1
            or not isinstance(last.body[0], cst.Expr)
        ):
            return updated_node
        expression = last.body[0]
        if not isinstance(expression.semicolon, cst.MaybeSentinel):
            return updated_node
        value = expression.value
        if (
            self.final_name is not None
            and isinstance(value, cst.Name)
            and value.value == self.final_name
        ):
            return updated_node.with_changes(
                body=updated_node.body[:-1], footer=[*last.leading_lines, *updated_node.footer]
            )
        if not is_display_worthy(value):
            return updated_node
        self.logged += 1
        return updated_node.with_changes(
            body=[*updated_node.body[:-1], _log_statement(self.logger, value, last)]
        )

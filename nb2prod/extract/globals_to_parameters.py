"""Transform: a module-level function's reads of notebook globals become keyword-only parameters.

The functions gain ``*, name: Any`` parameters, and every call site passes ``name=name``; a function
passed as an argument (``df.apply(f)``) becomes ``functools.partial(f, name=name)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

__all__ = ["AddKeywordParameters", "PassNeededArguments"]

_TIGHT_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


class AddKeywordParameters(cst.CSTTransformer):
    """Adds keyword-only parameters to the functions named in ``needs`` (top-level definitions only)."""

    def __init__(
        self, needs: Mapping[str, tuple[str, ...]], annotations: Mapping[str, str] | None = None
    ) -> None:
        super().__init__()
        self.needs = needs
        self.annotations = annotations or {}
        self.depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.depth -= 1
        extra = self.needs.get(updated_node.name.value) if self.depth == 0 else None
        if not extra:
            return updated_node
        parameters = updated_node.params
        existing = {
            param.name.value
            for param in (*parameters.params, *parameters.kwonly_params, *parameters.posonly_params)
        }
        added = [
            cst.Param(
                cst.Name(name),
                annotation=cst.Annotation(cst.parse_expression(self.annotations.get(name, "Any"))),
            )
            for name in extra
            if name not in existing
        ]
        star_arg = parameters.star_arg
        if isinstance(star_arg, cst.MaybeSentinel):
            star_arg = cst.ParamStar()
        return updated_node.with_changes(
            params=parameters.with_changes(
                star_arg=star_arg, kwonly_params=[*parameters.kwonly_params, *added]
            )
        )


class PassNeededArguments(cst.CSTTransformer):
    """Passes ``name=name`` at each call of a function in ``needs``; wraps bare references in ``partial``."""

    def __init__(self, needs: Mapping[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.needs = needs
        self.uses_partial = False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        function = updated_node.func
        if not isinstance(function, cst.Name) or function.value not in self.needs:
            return updated_node
        passed = {arg.keyword.value for arg in updated_node.args if arg.keyword is not None}
        has_double_star = any(arg.star == "**" for arg in updated_node.args)
        added = [
            cst.Arg(cst.Name(name), keyword=cst.Name(name), equal=_TIGHT_EQUAL)
            for name in self.needs[function.value]
            if name not in passed and not has_double_star
        ]
        if not added:
            return updated_node
        args = list(updated_node.args)
        if args and isinstance(args[-1].comma, cst.MaybeSentinel):
            args[-1] = args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return updated_node.with_changes(args=[*args, *added])

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        value = updated_node.value
        if isinstance(value, cst.Name) and value.value in self.needs:
            self.uses_partial = True
            keywords = ", ".join(f"{name}={name}" for name in self.needs[value.value])
            return updated_node.with_changes(
                value=cst.parse_expression(f"functools.partial({value.value}, {keywords})")
            )
        return updated_node

"""The rule registry: an explicit table built from each family's ``RULES`` tuple, and selection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from nb2prod.errors import UsageError
from nb2prod.rules import (
    environment,
    execution_order,
    hidden_state,
    notebook_errors,
    production,
    reproducibility,
)
from nb2prod.rules.base import Rule

__all__ = ["ALL_RULES", "FAMILIES", "RULES_BY_CODE", "get_rule", "matches", "select_rules"]

FAMILIES: dict[str, str] = {
    "NB0": "notebook file",
    "NB1": "execution order",
    "NB2": "hidden state",
    "NB3": "reproducibility",
    "NB4": "production readiness",
    "NB5": "environment",
}

ALL_RULES: tuple[type[Rule], ...] = (
    *notebook_errors.RULES,
    *execution_order.RULES,
    *hidden_state.RULES,
    *reproducibility.RULES,
    *production.RULES,
    *environment.RULES,
)

RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
_RULES_BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in ALL_RULES}


def get_rule(code_or_name: str) -> type[Rule]:
    rule = RULES_BY_CODE.get(code_or_name.upper()) or _RULES_BY_NAME.get(code_or_name.lower())
    if rule is None:
        raise UsageError(f"unknown rule '{code_or_name}' (see `nb2prod rules`)")
    return rule


def matches(code: str, selectors: Iterable[str]) -> bool:
    """True if ``code`` is named by a selector: a full code, a prefix (``NB2``), or ``ALL``."""
    return any(selector == "ALL" or code.startswith(selector) for selector in selectors)


def _check_selectors(selectors: Iterable[str], option: str) -> None:
    """An ``NB`` selector must name at least one rule; other codes are ruff's to judge."""
    for selector in selectors:
        if selector == "ALL" or selector in _RULES_BY_NAME or not selector.upper().startswith("NB"):
            continue
        if not any(code.startswith(selector) for code in RULES_BY_CODE):
            raise UsageError(f"{option}: '{selector}' selects no rule (see `nb2prod rules`)")


def select_rules(
    select: Sequence[str], ignore: Sequence[str] = (), extend_select: Sequence[str] = ()
) -> list[type[Rule]]:
    """Rules named by ``select``/``extend_select`` minus ``ignore``, in code order."""
    _check_selectors(select, "--select")
    _check_selectors(ignore, "--ignore")
    _check_selectors(extend_select, "--extend-select")
    chosen = [*select, *extend_select]
    names = {selector for selector in chosen if selector in _RULES_BY_NAME}
    ignored_names = {selector for selector in ignore if selector in _RULES_BY_NAME}
    return [
        rule
        for rule in sorted(ALL_RULES, key=lambda rule: rule.code)
        if (
            (rule.opt_in and (rule.code in chosen or rule.name in names or "ALL" in chosen))
            or (not rule.opt_in and (matches(rule.code, chosen) or rule.name in names))
        )
        and not matches(rule.code, ignore)
        and rule.name not in ignored_names
    ]

"""Placeholder until ruff is merged in (issue 4): no ruff pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic

__all__ = ["ruff_pass_for"]


def ruff_pass_for(
    select: Sequence[str] | None, ignore: Sequence[str]
) -> Callable[[list[Path], Settings], dict[str, list[Diagnostic]]] | None:
    return None

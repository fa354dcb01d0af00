"""Parsing of code cells: IPython masking, then ``ast``, cached by source text."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from functools import lru_cache

from nb2prod.magics import MaskedSource, mask

__all__ = ["ParsedCell", "SyntaxProblem", "parse_source"]


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Why a cell does not parse; ``line``/``column`` are 1-based in the cell."""

    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ParsedCell:
    """A cell's masked source and its module ``ast`` (``None`` when it does not parse)."""

    masked: MaskedSource
    tree: ast.Module | None
    problem: SyntaxProblem | None
    source: str = ""

    @property
    def is_python(self) -> bool:
        return self.masked.is_python


@lru_cache(maxsize=2048)
def parse_source(source: str) -> ParsedCell:
    """Parse one cell's source; identical sources share one result (cells are often repeated)."""
    masked = mask(source)
    if not masked.is_python:
        return ParsedCell(masked, None, None, source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(masked.text)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        return ParsedCell(
            masked, None, SyntaxProblem(message, error.lineno or 1, error.offset or 1), source
        )
    except (ValueError, RecursionError, MemoryError) as error:
        return ParsedCell(
            masked, None, SyntaxProblem(str(error).splitlines()[0][:200], 1, 1), source
        )
    return ParsedCell(masked, tree, None, source)

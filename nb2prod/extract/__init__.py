"""Extract: a notebook becomes a typed Python module with generated tests (``nb2prod extract``)."""

from __future__ import annotations

from nb2prod.extract.model import ExtractOptions, ExtractResult, GeneratedFile, Plan, Problem, Step
from nb2prod.extract.pipeline import NotExtractableError, extract_notebook, module_name_for

__all__ = [
    "ExtractOptions",
    "ExtractResult",
    "GeneratedFile",
    "NotExtractableError",
    "Plan",
    "Problem",
    "Step",
    "extract_notebook",
    "module_name_for",
]

"""Pin: record and check the environment a notebook needs.

Imports (and ``%pip install`` lines) are resolved to distributions and versions in the environment of
the notebook's kernel, then written to a requirements file, a PEP 723 block or notebook metadata
(:func:`pin_notebooks`), or compared with the pins already there (:func:`check_notebooks`,
:func:`check_pins`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.pin.api import (
    DEFAULT_PIN_FILE,
    FileChange,
    PinOutcome,
    check_notebooks,
    default_pin_file,
    pin_notebooks,
)
from nb2prod.pin.check import CheckResult

__all__ = [
    "DEFAULT_PIN_FILE",
    "CheckResult",
    "FileChange",
    "PinOutcome",
    "check_notebooks",
    "check_pins",
    "default_pin_file",
    "pin_notebooks",
]


def check_pins(
    paths: Sequence[Path], *, settings: Settings | None = None, python: str | None = None
) -> list[Diagnostic]:
    """NB5 findings for ``paths``, for ``nb2prod check``: against ``[tool.nb2prod] pin-file`` when it
    is configured, and against the PEP 723 block or ``metadata.nb2prod.environment`` of each notebook
    that has one. Unreadable and non-Python notebooks are skipped (lint reports them)."""
    from nb2prod.analysis.pins import find_pep723_block
    from nb2prod.pin.check import compare_pins
    from nb2prod.pin.imports import load_notebooks

    settings = settings if settings is not None else Settings()
    requirements = default_pin_file(paths, settings) if settings.pin_file else None
    loaded = load_notebooks(paths, lenient=True)
    findings: list[Diagnostic] = []
    if requirements is not None and loaded.notebooks:
        findings.extend(
            compare_pins(loaded.notebooks, requirements=requirements, python=python).diagnostics
        )
    for notebook, needs in loaded.notebooks:
        embedded = []
        if find_pep723_block(notebook) is not None:
            embedded.append("pep723")
        section = notebook.metadata.get("nb2prod")
        if isinstance(section, dict) and "environment" in section:
            embedded.append("metadata")
        if embedded:
            findings.extend(
                compare_pins(
                    [(notebook, needs)],
                    requirements=None,
                    embedded=embedded,  # type: ignore[arg-type]
                    python=python,
                ).diagnostics
            )
    return sorted(findings, key=lambda diagnostic: diagnostic.sort_key)

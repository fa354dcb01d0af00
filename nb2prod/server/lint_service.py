"""Lint a notebook *document* (the live model the panel sends) exactly as ``nb2prod lint`` lints a file."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nb2prod import notebook as notebook_io
from nb2prod.config import Settings, load_settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.errors import NotebookReadError
from nb2prod.lint import lint_notebook, rules_for
from nb2prod.notebook import Notebook
from nb2prod.rules.base import LintContext
from nb2prod.rules.notebook_errors import UnreadableNotebook

__all__ = ["LintReply", "lint_document", "settings_near"]

LintReply = dict[str, Any]


def settings_near(os_path: Path) -> Settings:
    """The ``[tool.nb2prod]`` settings that apply to the notebook at ``os_path`` (as the CLI finds them)."""
    return load_settings([os_path])


def _ruff_findings(
    document: Mapping[str, Any],
    os_path: Path,
    settings: Settings,
    select: Sequence[str] | None,
    ignore: Sequence[str],
) -> list[Diagnostic]:
    """ruff's findings for the unsaved ``document``: the ruff pass works on files, so give it a copy."""
    from nb2prod.lint_ruff import ruff_pass_for

    ruff_pass = ruff_pass_for(select, ignore)
    if ruff_pass is None:
        return []
    with tempfile.TemporaryDirectory(prefix="nb2prod-server-") as folder:
        copy = Path(folder) / os_path.name
        copy.write_text(json.dumps(document), encoding="utf-8")
        found = ruff_pass([copy], settings)
    return [diagnostic.with_path(str(os_path)) for diagnostic in found.get(str(copy), [])]


def lint_document(
    document: object,
    os_path: Path,
    api_path: str,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    include_ruff: bool = False,
) -> LintReply:
    """Findings for ``document`` as if it were saved at ``os_path``; paths in the reply are ``api_path``.

    Raises :class:`nb2prod.errors.UsageError` for an unknown rule selector.
    """
    started = time.perf_counter()
    settings = settings_near(os_path)
    rules = rules_for(settings, list(select) if select else None, list(ignore))
    diagnostics: list[Diagnostic]
    cell_count = 0
    try:
        notebook: Notebook = notebook_io.from_dict(document, os_path)
    except NotebookReadError as error:
        diagnostics = []
        if any(rule is UnreadableNotebook for rule in rules):
            context = LintContext(Notebook(os_path, (), {}), settings)
            diagnostics = [UnreadableNotebook().diagnostic(context, None, error.message)]
    else:
        cell_count = len(notebook.cells)
        diagnostics = lint_notebook(notebook, settings, rules)
        if include_ruff and settings.ruff and isinstance(document, Mapping):
            extra = _ruff_findings(document, os_path, settings, select, ignore)
            diagnostics = sorted([*diagnostics, *extra], key=lambda item: item.sort_key)
    return {
        "path": api_path,
        "cell_count": cell_count,
        "diagnostics": [diagnostic.with_path(api_path).to_dict() for diagnostic in diagnostics],
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
    }

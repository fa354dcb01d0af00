"""The shared corpus of real notebooks: every file yields a result, no internal error, inputs untouched,
and NB101 fires on exactly the notebooks whose execution counts go backwards in cell order."""

from __future__ import annotations

import hashlib
import json
from itertools import pairwise
from pathlib import Path

import pytest

from nb2prod.config import Settings
from nb2prod.lint import lint_paths, rules_for
from nb2prod.report import render

pytestmark = pytest.mark.corpus


def _digests(paths: list[Path]) -> dict[Path, str]:
    return {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def _goes_backwards(path: Path) -> bool:
    """Computed from the raw JSON, independently of nb2prod's notebook model."""
    try:
        document = json.loads(path.read_bytes())
    except ValueError:
        return False
    if not isinstance(document, dict):
        return False
    cells = document.get("cells")
    if cells is None:  # nbformat 3 keeps cells in worksheets and calls the count prompt_number
        cells = [cell for sheet in document.get("worksheets", []) for cell in sheet.get("cells", [])]
    counts = [
        cell.get("execution_count", cell.get("prompt_number"))
        for cell in cells
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]
    counts = [count for count in counts if isinstance(count, int) and not isinstance(count, bool)]
    return any(later < earlier for earlier, later in pairwise(counts))


def test_corpus_lints_completely_without_internal_errors(corpus_dir: Path) -> None:
    notebooks = sorted(corpus_dir.rglob("*.ipynb"))
    assert notebooks, "the corpus holds no notebooks"
    before = _digests(notebooks)

    settings = Settings(ruff=False)
    run = lint_paths([corpus_dir], settings, rules_for(settings), jobs=None)
    # Every file yields a result, in a deterministic order.
    assert [result.path for result in run.results] == [str(path) for path in notebooks]
    diagnostics = sorted(run.diagnostics, key=lambda diagnostic: diagnostic.sort_key)
    findings = json.loads(render(diagnostics, run.paths, "json"))

    internal = [finding for finding in findings if finding["code"] == "NB000"]
    assert not internal, f"{len(internal)} internal errors, first: {internal[0]}"
    unreadable = [finding for finding in findings if finding["code"] == "NB001"]
    assert not unreadable, f"real notebooks reported unreadable: {unreadable[:3]}"

    with_nb101 = {Path(f["path"]) for f in findings if f["code"] == "NB101"}
    backwards = {path for path in notebooks if _goes_backwards(path)}
    assert with_nb101 == backwards, {
        "NB101 but counts never go backwards": sorted(map(str, with_nb101 - backwards))[:5],
        "counts go backwards but no NB101": sorted(map(str, backwards - with_nb101))[:5],
    }
    assert backwards, "the corpus should hold out-of-order notebooks"

    assert _digests(notebooks) == before, "lint changed an input file"
    assert sorted(corpus_dir.rglob("*.ipynb")) == notebooks

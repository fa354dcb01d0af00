"""`nb2prod pin` over the shared corpus of real notebooks: every notebook planned, classic mismatches named."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from nb2prod.pin.imports import load_notebooks
from nb2prod.pin.plan import plan_pins


@pytest.mark.corpus
def test_corpus_imports_resolve_without_guessing(corpus_dir: Path) -> None:
    loaded = load_notebooks([corpus_dir], lenient=True)
    assert len(loaded.notebooks) > 300
    plan = plan_pins(loaded.notebooks, python=sys.executable)
    by_module = {
        outcome.module.split(".")[0]: outcome
        for notebook_plan in plan.notebooks
        for outcome in notebook_plan.outcomes
    }
    # Classic import/distribution mismatches, whether or not they are installed here.
    assert plan.entries["scikit-learn"].sources and by_module["sklearn"].distribution == "scikit-learn"
    assert by_module["cv2"].distribution == "opencv-python"
    assert by_module["mpl_toolkits"].distribution == "matplotlib"
    assert by_module["os"].status == "stdlib" and "os" not in plan.entries
    # Installed ones carry the installed version.
    assert plan.entries["numpy"].version is not None
    # Nothing is pinned under a name that no environment or table vouches for.
    known = {problem.message.split("`")[1] for problem in plan.problems if problem.kind == "unknown"}
    assert "helper" in known and all(name.replace("_", "-").lower() not in plan.entries for name in known)

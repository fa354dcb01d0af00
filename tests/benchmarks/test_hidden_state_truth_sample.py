"""A small sample of benchmarks/hidden_state_truth.py: tiny notebooks and their variants, real kernel."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "hidden_state_truth.py"


def _load() -> ModuleType:
    name = "hidden_state_truth_under_test"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


truth = _load()


def _notebook(cells: list[tuple[str, str, int | None, str]]) -> nbformat.NotebookNode:
    """Cells as (kind, source, saved execution count, saved stdout)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, source, count, stdout in cells:
        if kind == "markdown":
            notebook.cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)] if stdout else []
        notebook.cells.append(
            nbformat.v4.new_code_cell(source, execution_count=count, outputs=outputs)
        )
    return notebook


CLEAN = [
    ("markdown", "# A chain of three cells", None, ""),
    ("code", "base = 2", 1, ""),
    ("code", "scaled = base * 3", 2, ""),
    ("code", "print(scaled)", 3, "6\n"),
]
# Run out of order: cell 2 (In [1]) defined `total` before cell 1 (In [2]) read it.
OUT_OF_ORDER = [
    ("code", "print(total)", 2, "1\n"),
    ("code", "total = 1", 1, ""),
]


def _document(cells: list[tuple[str, str, int | None, str]]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(nbformat.writes(_notebook(cells)))
    for cell in document["cells"]:
        cell["source"] = (
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        )
    return document


def test_rename_touches_the_global_but_not_a_local_of_the_same_name() -> None:
    source = "import numpy as np\ndata = np.ones(3)\ndef f(data):\n    return data\nprint(data, f(1), obj.data)"
    renamed = truth.rename_in_source(source, "data", "data_renamed")
    assert renamed == (
        "import numpy as np\ndata_renamed = np.ones(3)\ndef f(data):\n    return data\n"
        "print(data_renamed, f(1), obj.data)"
    )
    assert (
        truth.rename_in_source("import os\nos.getcwd()", "os", "os2")
        == "import os as os2\nos2.getcwd()"
    )


def test_candidates_need_the_definer_to_be_the_only_one_before_the_reader() -> None:
    cells = [
        {"cell_type": "code", "source": "x = 1"},
        {"cell_type": "code", "source": "x = 2"},
        {"cell_type": "code", "source": "def show():\n    return x + y"},
        {"cell_type": "code", "source": "y = 3\nshow()"},
    ]
    found = {
        (candidate.name, candidate.definer, candidate.reader)
        for candidate in truth.candidates(cells)
    }
    assert found == {("show", 2, 3)}  # `x` has two definers; `y` is read before cell 4 defines it


def test_variants_keep_every_saved_count_and_output() -> None:
    document = _document(CLEAN)
    before = json.dumps(document)
    variants = truth.make_variants(document, random.Random(0), 1)
    assert sorted(variant.kind for variant in variants) == ["delete", "move", "rename"]
    saved = {
        cell["source"]: (cell.get("execution_count"), cell.get("outputs"))
        for cell in document["cells"]
    }
    for variant in variants:
        for cell in variant.document["cells"]:
            if cell["source"] in saved:
                assert (cell.get("execution_count"), cell.get("outputs")) == saved[cell["source"]]
    renamed = next(variant for variant in variants if variant.kind == "rename")
    assert "_renamed" in "".join(cell["source"] for cell in renamed.document["cells"])
    assert json.dumps(document) == before  # the original is untouched


@pytest.mark.kernel
def test_sample_study_measures_recall_and_false_alarms(tmp_path: Path) -> None:
    paths = []
    for name, cells in (("clean", CLEAN), ("out_of_order", OUT_OF_ORDER)):
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(_notebook(cells), path)
        paths.append(path)
    options = truth.Options(cell_timeout=30, notebook_timeout=60, kernel_name="python3")
    study, documents = truth.run_study(paths, options, jobs=1, variants_per_kind=1, seed=0)
    summary = truth.summarise(study, documents)

    fresh = summary["fresh_runs"]
    assert fresh["status"] == {"clean": 1, "error": 1}
    assert (fresh["name_errors"], fresh["predicted"], fresh["misses"]) == (1, 1, [])
    assert fresh["hits"][0]["cell"] == 1 and fresh["hits"][0]["name"] == "total"
    assert fresh["hits"][0]["by"]["code"] == "NB201"

    alarms = summary["false_alarms"]
    assert (alarms["clean_notebooks"], alarms["accused_notebooks"], alarms["items"]) == (1, 0, [])

    mutations = summary["mutations"]
    for kind in ("delete", "move", "rename"):
        numbers = mutations["by_kind"][kind]
        assert (numbers["variants"], numbers["name_errors"], numbers["predicted"]) == (1, 1, 1), (
            kind
        )
    assert mutations["recall_percent"] == 100.0
    assert mutations["misses"] == []
    assert "recall, mutation NameErrors" in truth.table(summary)

    # --relint re-scores the recorded runs with the current lint and gets the same numbers.
    previous = json.loads(json.dumps(summary)) | {"options": {"seed": 0, "variants_per_kind": 1}}
    again = truth.summarise(*truth.relint(previous))
    assert again["skipped"] == []
    assert again["fresh_runs"]["predicted"] == 1 and again["mutations"]["predicted"] == 3


def test_a_miss_is_reported_with_its_cell_name_and_source() -> None:
    outcome = truth.Outcome(
        "nb#delete0",
        "nb",
        "delete",
        "deleted cell 1",
        "error",
        1.0,
        2,
        "NameError",
        "name 'x' is not defined",
        "x",
    )
    outcome.findings = [{"code": "NB201", "cell": 3, "name": "x", "message": "`x` ..."}]
    study = truth.Study(variants=[outcome])
    cells = [{"cell_type": "code", "source": source} for source in ("a = 1", "print(x)", "x = 2")]
    summary = truth.summarise(study, {"nb#delete0": {"cells": cells}})
    (miss,) = summary["mutations"]["misses"]
    assert (miss["cell"], miss["name"], miss["cell_source"]) == (2, "x", "print(x)")
    assert (
        miss["explanation"]
        == "only cells below (3) bind `x`; lint mentions `x` only as NB201 at cell 3"
    )


def test_explanations_name_the_pattern() -> None:
    outcome = truth.Outcome(
        "nb", "nb", "original", "", "error", 1.0, 1, "NameError", "name 'X' is not defined", "X"
    )
    document = {
        "cells": [{"cell_type": "code", "source": "scaler.fit(X)\nX = scaler.transform(X)"}]
    }
    assert truth._explain_miss(outcome, document).startswith(
        "cell 1 reads `X` before binding it itself"
    )
    latent = {"cells": [{"cell_type": "code", "source": "def f():\n    return np.ones(1)"}]}
    finding = {"code": "NB206", "cell": 1, "name": "np", "message": ""}
    assert "read only inside a function body" in truth._explain_alarm(finding, latent)

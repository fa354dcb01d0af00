"""The server extension's routes through a real jupyter_server (pytest-jupyter)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from tornado.httpclient import HTTPClientError

from nb2prod.cli import cli
from nb2prod.server.routes import ROUTES

from .notebooks import out_of_order_notebook

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    nbformat.write(out_of_order_notebook(), str(jp_root_dir / "nb.ipynb"))
    (jp_root_dir / "sub").mkdir()
    nbformat.write(out_of_order_notebook(), str(jp_root_dir / "sub" / "inner.ipynb"))
    return jp_root_dir


async def call(jp_fetch: Any, route: str, body: dict[str, Any] | None = None, method: str = "POST", **kwargs: Any) -> tuple[int, Any]:
    """(status, JSON body) for a request, errors included."""
    try:
        response = await jp_fetch(
            "nb2prod", *route.split("/"), method=method, body=json.dumps(body) if body is not None else None, **kwargs
        )
    except HTTPClientError as error:
        assert error.response is not None
        return error.code, json.loads(error.response.body or b"null")
    return response.code, json.loads(response.body)


# One request per route: (method, URL under /nb2prod, body).
ROUTE_REQUESTS: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "status": ("GET", "status", None),
    "lint": ("POST", "lint", {"path": "nb.ipynb"}),
    "rules": ("GET", "rules", None),
    r"rules/(?P<code>[A-Za-z0-9_-]+)": ("GET", "rules/NB101", None),
    "graph": ("POST", "graph", {"path": "nb.ipynb"}),
    "extract/preview": ("POST", "extract/preview", {"path": "nb.ipynb"}),
    "extract": ("POST", "extract", {"path": "nb.ipynb"}),
    "pin": ("POST", "pin", {"path": "nb.ipynb"}),
    "repro": ("POST", "repro", {"path": "nb.ipynb"}),
    r"repro/(?P<job_id>[0-9a-f]+)": ("GET", "repro/0123abcd", None),
}


def test_every_route_has_a_request_in_these_tests() -> None:
    assert {pattern for pattern, _ in ROUTES} == set(ROUTE_REQUESTS)


@pytest.mark.parametrize("pattern", sorted(ROUTE_REQUESTS))
async def test_each_route_refuses_an_anonymous_request(jp_fetch: Any, root: Path, pattern: str) -> None:
    method, route, body = ROUTE_REQUESTS[pattern]
    status, _ = await call(jp_fetch, route, body, method=method, headers={"Authorization": ""}, follow_redirects=False)
    assert status in (401, 403)


async def test_delete_of_a_job_refuses_an_anonymous_request(jp_fetch: Any, root: Path) -> None:
    status, _ = await call(jp_fetch, "repro/0123abcd", None, method="DELETE", headers={"Authorization": ""})
    assert status in (401, 403)


async def test_lint_of_a_model_matches_the_cli_json(jp_fetch: Any, root: Path) -> None:
    document = json.loads((root / "nb.ipynb").read_text())
    status, reply = await call(jp_fetch, "lint", {"path": "nb.ipynb", "notebook": document})
    assert status == 200
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli, ["lint", "--format", "json", "--no-ruff", "nb.ipynb"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    from_cli = json.loads(result.stdout)
    assert reply["diagnostics"] == from_cli
    assert {d["code"] for d in from_cli} >= {"NB101", "NB201"}
    assert reply["path"] == "nb.ipynb"
    assert reply["cell_count"] == 4


async def test_lint_of_a_path_reads_the_saved_file(jp_fetch: Any, root: Path) -> None:
    status, by_path = await call(jp_fetch, "lint", {"path": "sub/inner.ipynb"})
    assert status == 200
    assert {d["code"] for d in by_path["diagnostics"]} >= {"NB101", "NB201"}
    assert all(d["path"] == "sub/inner.ipynb" for d in by_path["diagnostics"])


async def test_lint_sees_unsaved_edits_and_live_counts(jp_fetch: Any, root: Path) -> None:
    document = json.loads((root / "nb.ipynb").read_text())
    document["cells"][1]["source"] = "x = 1\nprint(x)"
    for cell, count in zip(document["cells"][1:], (1, 2, 3), strict=True):
        cell["execution_count"] = count
    status, reply = await call(jp_fetch, "lint", {"path": "nb.ipynb", "notebook": document})
    assert status == 200
    assert not {d["code"] for d in reply["diagnostics"]} & {"NB101", "NB201"}
    # the file on disk is untouched
    assert "".join(json.loads((root / "nb.ipynb").read_text())["cells"][1]["source"]) == "print(x)"


async def test_lint_honours_select_and_ignore(jp_fetch: Any, root: Path) -> None:
    _, only = await call(jp_fetch, "lint", {"path": "nb.ipynb", "select": ["NB101"]})
    assert {d["code"] for d in only["diagnostics"]} == {"NB101"}
    _, without = await call(jp_fetch, "lint", {"path": "nb.ipynb", "ignore": ["NB1"]})
    assert not any(d["code"].startswith("NB1") for d in without["diagnostics"])
    status, error = await call(jp_fetch, "lint", {"path": "nb.ipynb", "select": ["NB999"]})
    assert status == 400 and error["code"] == "usage-error" and "NB999" in error["message"]


async def test_a_broken_model_is_a_finding_not_a_crash(jp_fetch: Any, root: Path) -> None:
    status, reply = await call(jp_fetch, "lint", {"path": "nb.ipynb", "notebook": {"cells": "nope"}})
    assert status == 200
    assert [d["code"] for d in reply["diagnostics"]] == ["NB001"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "bad-request"),
        (b"[1, 2]", 400, "bad-request"),
        (b'{"path": 3}', 400, "bad-request"),
        (b'{"path": "missing.ipynb"}', 404, "not-found"),
    ],
)
async def test_bad_requests_are_json_errors(jp_fetch: Any, root: Path, body: bytes, status: int, code: str) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("nb2prod", "lint", method="POST", body=body)
    assert caught.value.code == status
    assert caught.value.response is not None
    error = json.loads(caught.value.response.body)
    assert error["code"] == code and error["message"]


def _outside(root: Path) -> Path:
    outside = root.parent / "outside"
    outside.mkdir(exist_ok=True)
    nbformat.write(out_of_order_notebook(), str(outside / "secret.ipynb"))
    return outside


ESCAPES = ["../outside/secret.ipynb", "sub/../../outside/secret.ipynb", "/etc/passwd", "ABSOLUTE", "link/secret.ipynb", "link_file.ipynb"]


@pytest.mark.parametrize("route", ["lint", "graph", "extract/preview", "extract", "pin", "repro"])
@pytest.mark.parametrize("escape", ESCAPES)
async def test_paths_never_escape_the_root(jp_fetch: Any, root: Path, route: str, escape: str) -> None:
    outside = _outside(root)
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "link_file.ipynb").symlink_to(outside / "secret.ipynb")
    path = str(outside / "secret.ipynb") if escape == "ABSOLUTE" else escape
    status, error = await call(jp_fetch, route, {"path": path})
    # 501 would mean the feature is absent: the path must be refused before that matters.
    assert status == 403, (status, error)
    assert error["code"] == "path-outside-root"
    if route == "lint":
        status, error = await call(jp_fetch, route, {"path": path, "notebook": out_of_order_notebook()})
        assert status == 403


async def test_extract_output_folder_cannot_escape(jp_fetch: Any, root: Path) -> None:
    status, error = await call(jp_fetch, "extract", {"path": "nb.ipynb", "output": "../elsewhere"})
    assert status in (403, 501)
    if status == 403:
        assert error["code"] == "path-outside-root"


async def test_rules_and_rule_docs(jp_fetch: Any, root: Path) -> None:
    status, rules = await call(jp_fetch, "rules", method="GET")
    assert status == 200
    codes = [rule["code"] for rule in rules]
    assert "NB101" in codes and "NB201" in codes
    status, doc = await call(jp_fetch, "rules/NB201", method="GET")
    assert status == 200
    assert doc["code"] == "NB201" and doc["name"] == "use-before-definition"
    assert "## What it does" in doc["markdown"] and "Why is this bad?" in doc["sections"]
    status, by_name = await call(jp_fetch, "rules/use-before-definition", method="GET")
    assert status == 200 and by_name["code"] == "NB201"
    status, error = await call(jp_fetch, "rules/NB999", method="GET")
    assert status == 404 and error["code"] == "unknown-rule"


async def test_graph_has_the_documented_shape(jp_fetch: Any, root: Path) -> None:
    status, graph = await call(jp_fetch, "graph", {"path": "nb.ipynb"})
    if status == 501:
        pytest.fail("nb2prod.analysis.graph is missing")
    assert status == 200
    assert [cell["number"] for cell in graph["cells"]] == [1, 2, 3, 4]
    assert [cell["execution_count"] for cell in graph["cells"]] == [None, 2, 1, 3]
    assert {"source": 3, "target": 2, "kind": "out-of-order", "names": ["x"]} in graph["edges"]


async def test_status_lists_features(jp_fetch: Any, root: Path) -> None:
    status, reply = await call(jp_fetch, "status", method="GET")
    assert status == 200
    assert set(reply["features"]) == {"graph", "extract", "pin", "repro"}
    assert reply["features"]["graph"] is True


async def test_a_missing_feature_answers_501(jp_fetch: Any, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nb2prod.server import features

    monkeypatch.setitem(features.FEATURES, "pin", ("nb2prod.no_such_module", "pin"))
    status, error = await call(jp_fetch, "pin", {"path": "nb.ipynb"})
    assert status == 501
    assert error["code"] == "not-available" and "pin" in error["message"]
    _, reply = await call(jp_fetch, "status", method="GET")
    assert reply["features"]["pin"] is False


async def test_unknown_job_is_404(jp_fetch: Any, root: Path) -> None:
    status, error = await call(jp_fetch, "repro/0123abcd", method="GET")
    assert status == 404 and error["code"] == "unknown-job"
    status, error = await call(jp_fetch, "repro/0123abcd", method="DELETE")
    assert status == 404 and error["code"] == "unknown-job"


def _small_notebook(root: Path) -> None:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Load"),
            new_code_cell("import json\nimport nbformat\nx = 1", execution_count=1),
            new_code_cell("print(x + 1)", execution_count=2, outputs=[new_output("stream", name="stdout", text="2\n")]),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(root / "small.ipynb"))


async def test_extract_preview_then_write(jp_fetch: Any, root: Path) -> None:
    _small_notebook(root)
    status, preview = await call(jp_fetch, "extract/preview", {"path": "small.ipynb"})
    assert status == 200, preview
    assert preview["output"] == "small_extracted"
    module = next(item for item in preview["files"] if item["path"] == "small.py")
    assert "def run(" in module["text"]
    assert not (root / "small_extracted").exists()  # a preview writes nothing
    status, written = await call(jp_fetch, "extract", {"path": "small.ipynb"})
    assert status == 200, written
    assert "small_extracted/small.py" in written["written"]
    assert (root / "small_extracted" / "small.py").read_text() == module["text"]


async def test_pin_shows_then_writes_requirements(jp_fetch: Any, root: Path) -> None:
    _small_notebook(root)
    status, shown = await call(jp_fetch, "pin", {"path": "small.ipynb"})
    assert status == 200, shown
    rows = {row["import"]: row for row in shown["imports"]}
    assert rows["json"]["status"] == "stdlib"
    assert rows["nbformat"]["distribution"] == "nbformat"
    assert any(pin.startswith("nbformat==") for pin in shown["pins"])
    assert str(root) not in shown["diff"]
    assert not (root / "requirements.txt").exists()
    status, written = await call(jp_fetch, "pin", {"path": "small.ipynb", "write": True})
    assert status == 200 and written["written"] == ["requirements.txt"]
    assert "nbformat==" in (root / "requirements.txt").read_text()


@pytest.mark.kernel
async def test_repro_job_runs_in_the_background_and_reports_verdicts(jp_fetch: Any, root: Path) -> None:
    import asyncio

    _small_notebook(root)
    status, job = await call(jp_fetch, "repro", {"path": "small.ipynb"})
    assert status == 202 and job["state"] in ("queued", "running")
    for _ in range(240):
        status, job = await call(jp_fetch, f"repro/{job['id']}", method="GET")
        if job["state"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.25)
    assert job["state"] == "done", job
    assert job["result"]["verdict"] == "reproduced"
    assert [cell["verdict"] for cell in job["result"]["cells"]] == ["identical", "identical"]

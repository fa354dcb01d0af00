"""``nb2prod repro`` on real kernels: one verdict per fixture, the inputs untouched, the run never stopped."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from nb2prod.cli import cli
from nb2prod.run.compare import Tolerance
from nb2prod.run.report import render_repro
from nb2prod.run.repro import NotebookVerdict, ReproOptions, repro_paths

pytestmark = pytest.mark.kernel

# fixture -> (notebook verdict, {cell number: cell verdict})
EXPECTED = {
    "reproduces.ipynb": ("reproduced", {2: "identical", 3: "identical", 4: "identical", 5: "identical"}),
    "equivalent_addresses_timestamps.ipynb": ("equivalent", {1: "equivalent", 2: "equivalent", 3: "equivalent", 4: "equivalent", 5: "identical"}),
    "float_noise.ipynb": ("equivalent", {1: "equivalent", 2: "equivalent"}),
    "really_differs.ipynb": ("differs", {1: "differs", 2: "identical"}),
    "raises.ipynb": ("failed", {1: "identical", 2: "identical", 3: "errored", 4: "not-run"}),
    "parameterized.ipynb": ("reproduced", {1: "identical", 2: "identical"}),
    "image_output.ipynb": ("equivalent", {1: "equivalent"}),
    "kernel_dies.ipynb": ("failed", {1: "not-executed-before", 2: "errored", 3: "not-run"}),
    "missing_kernel.ipynb": ("failed", {1: "not-run"}),
    "skip_tags.ipynb": ("reproduced", {1: "skipped", 2: "skipped", 3: "skipped", 4: "identical"}),
    "stripped_outputs.ipynb": ("reproduced", {1: "not-executed-before", 2: "not-executed-before"}),
    "unreadable.ipynb": ("failed", {}),
}


def digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.ipynb"))}


@pytest.fixture(scope="module")
def verdicts(python_kernel: str, run_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, NotebookVerdict]:
    """Every fixture but the hanging one, two at a time; the copies live in a temporary folder."""
    folder = tmp_path_factory.mktemp("repro")
    for name in EXPECTED:
        shutil.copy(run_fixtures / name, folder / name)
    before = digest(folder)
    results = repro_paths(sorted(folder / name for name in EXPECTED), ReproOptions(timeout=60), jobs=2)
    assert digest(folder) == before, "repro must never modify the notebooks it checks"
    assert sorted(path.name for path in folder.iterdir()) == sorted(EXPECTED), "repro must leave no files behind"
    return {Path(result.path).name: result for result in results}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdict_per_notebook_and_cell(verdicts: dict[str, NotebookVerdict], name: str) -> None:
    expected_verdict, expected_cells = EXPECTED[name]
    result = verdicts[name]
    assert result.verdict == expected_verdict, result
    assert {cell.number: cell.verdict for cell in result.cells} == expected_cells


def test_equivalence_is_explained(verdicts: dict[str, NotebookVerdict]) -> None:
    reasons = {cell.number: cell.reasons for cell in verdicts["equivalent_addresses_timestamps.ipynb"].cells}
    assert reasons[1] == ("timestamps",)
    assert reasons[2] == ("memory-addresses",)
    assert reasons[4] == ("durations",)
    noise = verdicts["float_noise.ipynb"].cells
    assert all(any("rtol" in reason for reason in cell.reasons) for cell in noise)


def test_differing_cell_carries_a_unified_diff(verdicts: dict[str, NotebookVerdict]) -> None:
    cell = verdicts["really_differs.ipynb"].cells[0]
    assert cell.diff is not None
    assert "-answer 41" in cell.diff and "+answer 42" in cell.diff


def test_failures_say_why(verdicts: dict[str, NotebookVerdict]) -> None:
    assert verdicts["raises.ipynb"].message == "KeyError: 'missing'"
    assert "kernel died while running cell 2" in (verdicts["kernel_dies.ipynb"].message or "")
    assert "missing kernel" in (verdicts["missing_kernel.ipynb"].message or "")
    assert "no-such-kernel" in (verdicts["missing_kernel.ipynb"].message or "")
    assert "invalid JSON" in (verdicts["unreadable.ipynb"].message or "")


def test_stripped_notebook_says_it_was_only_run(verdicts: dict[str, NotebookVerdict]) -> None:
    assert any("only checked that the notebook runs" in note for note in verdicts["stripped_outputs.ipynb"].notes)


def test_json_format(verdicts: dict[str, NotebookVerdict]) -> None:
    document = json.loads(render_repro(list(verdicts.values()), "json"))
    assert document["summary"]["notebooks"] == len(EXPECTED)
    assert document["summary"]["verdicts"]["differs"] == 1
    by_name = {Path(entry["path"]).name: entry for entry in document["notebooks"]}
    assert by_name["really_differs.ipynb"]["cells"][0]["verdict"] == "differs"


def test_junit_format(verdicts: dict[str, NotebookVerdict]) -> None:
    root = ElementTree.fromstring(render_repro(list(verdicts.values()), "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(EXPECTED))
    assert suite.get("failures") == "1"
    assert suite.get("errors") == "4"


def test_github_and_sarif_use_the_nb9_family(verdicts: dict[str, NotebookVerdict]) -> None:
    annotations = render_repro(list(verdicts.values()), "github").splitlines()
    assert any("NB901 cell-output-differs" in line and "really_differs.ipynb" in line for line in annotations)
    assert any("NB902 cell-raised" in line and "raises.ipynb" in line for line in annotations)
    assert any("NB904 notebook-failed" in line and "unreadable.ipynb" in line for line in annotations)
    sarif = json.loads(render_repro(list(verdicts.values()), "sarif"))
    rule_ids = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"NB901", "NB902", "NB904"} <= rule_ids


def test_text_format_one_line_per_notebook(verdicts: dict[str, NotebookVerdict]) -> None:
    text = render_repro(list(verdicts.values()), "text")
    headline = [line for line in text.splitlines() if not line.startswith(" ")]
    assert len(headline) == len(EXPECTED)
    assert any(line.startswith("✗ differs") and "really_differs.ipynb" in line for line in headline)
    assert "      -answer 41" in text


def test_missing_kernel_on_the_command_line_goes_on_with_the_others(python_kernel: str, run_fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(run_fixtures / "reproduces.ipynb", tmp_path / "a.ipynb")
    shutil.copy(run_fixtures / "unreadable.ipynb", tmp_path / "b.ipynb")
    result = CliRunner().invoke(cli, ["repro", str(tmp_path), "-k", "no-such-kernel", "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [entry["verdict"] for entry in document["notebooks"]] == ["failed", "failed"]
    assert "no kernel named 'no-such-kernel'" in document["notebooks"][0]["message"]


def test_cli_exit_codes_and_text(python_kernel: str, run_fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(run_fixtures / "reproduces.ipynb", tmp_path / "reproduces.ipynb")
    passed = CliRunner().invoke(cli, ["repro", str(tmp_path / "reproduces.ipynb")])
    assert passed.exit_code == 0, passed.output
    assert passed.stdout.startswith("✓ reproduced")
    assert "1 notebook: 1 reproduced" in passed.stderr
    usage = CliRunner().invoke(cli, ["repro", str(tmp_path), "--update"])
    assert usage.exit_code == 2
    assert "--update writes golden files and needs --golden DIR" in usage.output


def test_golden_sidecar_round_trip(python_kernel: str, run_fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(run_fixtures / "stripped_outputs.ipynb", tmp_path / "stripped.ipynb")
    golden = tmp_path / "golden"
    options = ReproOptions(timeout=60, golden_dir=golden)
    [recorded] = repro_paths([Path("stripped.ipynb")], ReproOptions(timeout=60, golden_dir=golden, update_golden=True))
    golden_file = golden / "stripped.ipynb.golden.json"
    assert golden_file.is_file(), recorded.notes
    [checked] = repro_paths([Path("stripped.ipynb")], options)
    assert checked.verdict == "reproduced"
    assert [cell.verdict for cell in checked.cells] == ["identical", "identical"]
    document = json.loads(golden_file.read_text())
    document["cells"][1]["outputs"][0]["data"]["text/plain"] = "31"
    golden_file.write_text(json.dumps(document))
    [changed] = repro_paths([Path("stripped.ipynb")], options)
    assert changed.verdict == "differs"
    assert [cell.verdict for cell in changed.cells] == ["identical", "differs"]


def test_hanging_notebook_times_out_and_leaves_no_kernel(python_kernel: str, run_fixtures: Path) -> None:
    from nb2prod import notebook as notebook_io
    from nb2prod.run.environment import deterministic_environment
    from nb2prod.run.execute import ExecutionRequest, execute_notebook, is_process_alive

    path = run_fixtures / "hangs.ipynb"
    model = notebook_io.read(path)
    outcome = execute_notebook(ExecutionRequest(path, model.raw, deterministic_environment(model), timeout=2))
    assert outcome.status == "timeout"
    assert outcome.cell_index == 1
    assert "cell 2 ran longer than the 2 s timeout" in (outcome.message or "")
    assert outcome.document is not None
    printed_pid = int(outcome.document["cells"][0]["outputs"][0]["text"].strip())
    assert printed_pid == outcome.kernel_pid
    assert not is_process_alive(printed_pid), "the timed-out kernel must be stopped"
    assert outcome.seconds < 30


def test_hang_verdict_through_repro(python_kernel: str, run_fixtures: Path) -> None:
    [result] = repro_paths([run_fixtures / "hangs.ipynb"], ReproOptions(timeout=2, tolerance=Tolerance()))
    assert result.verdict == "timeout"
    assert [cell.verdict for cell in result.cells] == ["skipped", "timeout", "not-run"]


def test_dask_local_cluster(python_kernel: str, run_fixtures: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        results = repro_paths(
            [run_fixtures / "reproduces.ipynb", run_fixtures / "really_differs.ipynb"],
            ReproOptions(timeout=60),
            dask_address=cluster.scheduler_address,
        )
    assert [result.verdict for result in results] == ["reproduced", "differs"], [(r.verdict, r.message) for r in results]

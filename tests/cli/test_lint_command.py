"""``nb2prod lint`` end to end: exit codes, formats, output files, statistics, selection."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from nb2prod.cli import cli

JSON_KEYS = [
    "path", "code", "name", "message", "severity", "cell", "cell_id", "line", "column",
    "end_line", "end_column", "source", "fix", "related",
]
NB = ["--select", "NB0,NB1"]  # these tests are about the command, not about other rule families


def invoke(*arguments: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["lint", "--isolated", "--no-ruff", *arguments], env=env)


def run_nb2prod(*arguments: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    environment.pop("FORCE_COLOR", None) if env is None or "FORCE_COLOR" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "nb2prod", *arguments], capture_output=True, text=True, cwd=cwd, env=environment, timeout=120
    )


# -- exit codes ---------------------------------------------------------------------------------


def test_exit_0_when_clean(project: Path) -> None:
    result = invoke(*NB, str(project / "clean.ipynb"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "All checks passed (1 notebook)." in result.stderr


def test_exit_1_with_findings_and_0_with_exit_zero(project: Path) -> None:
    assert invoke(*NB, str(project)).exit_code == 1
    result = invoke(*NB, "--exit-zero", str(project))
    assert result.exit_code == 0
    assert "NB101" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--select", "NB999"], "'NB999' selects no rule"),
        (["--ignore", "NB7"], "'NB7' selects no rule"),
        (["--format", "yaml"], "Invalid value for '--format'"),
        (["--no-such-option"], "No such option"),
        (["--jobs", "0"], "Invalid value for '-j' / '--jobs'"),
        (["--config", "/nonexistent/pyproject.toml"], "does not exist"),
    ],
)
def test_exit_2_on_usage_errors_with_one_line(project: Path, arguments: list[str], fragment: str) -> None:
    result = invoke(*arguments, str(project))
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output


def test_unknown_code_in_a_subprocess_is_one_line_and_exit_2(project: Path) -> None:
    completed = run_nb2prod("lint", "--select", "NB999", str(project))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip().count("\n") == 0
    assert completed.stderr.startswith("nb2prod: error: --select: 'NB999' selects no rule")


def test_subprocess_exit_codes(project: Path) -> None:
    assert run_nb2prod("lint", "--no-ruff", *NB, str(project / "clean.ipynb")).returncode == 0
    findings = run_nb2prod("lint", "--no-ruff", *NB, str(project))
    assert findings.returncode == 1
    assert "Traceback" not in findings.stderr
    assert run_nb2prod("lint", "--no-ruff", *NB, "--exit-zero", str(project)).returncode == 0
    assert run_nb2prod("lint", "--bogus").returncode == 2


# -- text -------------------------------------------------------------------------------------------


def test_text_format_locations_excerpt_and_summary(project: Path) -> None:
    result = invoke(*NB, str(project))
    lines = result.stdout.splitlines()
    out_of_order = str(project / "out_of_order.ipynb")
    assert f"{out_of_order}:cell 2:1:1: NB101 cell 2 ran (In [2]) after cell 3 below it (In [1])" in lines
    syntax = next(line for line in lines if "NB002" in line)
    assert syntax.startswith(f"{project / 'syntax.ipynb'}:cell 2:2:")
    excerpt_index = lines.index(syntax) + 1
    assert lines[excerpt_index] == "   2 | if y >:"
    assert lines[excerpt_index + 1].startswith("     | ") and "^" in lines[excerpt_index + 1]
    assert f"{project / 'broken.ipynb'}: NB001 invalid JSON" in result.stdout
    assert "\x1b[" not in result.stdout
    assert "Found 3 findings in 3 of 4 notebooks." in result.stderr


def test_text_is_coloured_only_when_forced_or_on_a_terminal(project: Path) -> None:
    plain = run_nb2prod("lint", "--no-ruff", *NB, str(project))
    assert "\x1b[" not in plain.stdout
    forced = run_nb2prod("lint", "--no-ruff", *NB, str(project), env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    no_color = run_nb2prod("lint", "--no-ruff", *NB, str(project), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in no_color.stdout


def test_quiet_drops_the_summary(project: Path) -> None:
    result = invoke(*NB, "--quiet", str(project))
    assert result.stderr == ""
    assert "NB101" in result.stdout


# -- json -------------------------------------------------------------------------------------------


def test_json_keys_values_and_order(project: Path, make_notebook: Callable[..., Path]) -> None:
    make_notebook(project / "a_first.ipynb", [("x = 1", 3), ("y = 2", 2), ("z = 3", 1)])
    # Paths given out of order: the output is still ordered by path, cell, line, column, code.
    result = invoke(*NB, "--format", "json", str(project / "syntax.ipynb"), str(project))
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert findings, result.output
    for finding in findings:
        assert list(finding) == JSON_KEYS
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["source"] == "nb2prod"
        assert isinstance(finding["related"], list)
    keys = [(f["path"], f["cell"] or 0, f["line"] or 0, f["column"] or 0, f["code"]) for f in findings]
    assert keys == sorted(keys)
    nb101 = next(f for f in findings if f["code"] == "NB101" and f["path"].endswith("out_of_order.ipynb"))
    assert nb101 == {
        "path": str(project / "out_of_order.ipynb"),
        "code": "NB101",
        "name": "out-of-order-execution",
        "message": "cell 2 ran (In [2]) after cell 3 below it (In [1])",
        "severity": "warning",
        "cell": 2,
        "cell_id": "out_of_ord-1",
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 6,
        "source": "nb2prod",
        "fix": None,
        "related": [{"cell": 3, "line": 1, "column": 1, "message": "cell 3 ran earlier (In [1])"}],
    }
    broken = next(f for f in findings if f["code"] == "NB001")
    assert broken["cell"] is None and broken["line"] is None
    assert [f["path"] for f in findings].count(str(project / "syntax.ipynb")) == 1  # named twice, linted once


def test_json_fix_is_an_object(project: Path, make_notebook: Callable[..., Path]) -> None:
    path = make_notebook(project / "outputs.ipynb", [("x = 1", 1)])
    document = json.loads(path.read_text())
    document["cells"].append({"cell_type": "code", "execution_count": None, "id": "o1", "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi\n"}], "source": "print('hi')"})
    path.write_text(json.dumps(document))
    findings = json.loads(invoke("--select", "NB106", "--format", "json", str(path)).stdout)
    assert findings[0]["fix"] == {
        "title": "Clear the cell's outputs",
        "applicability": "unsafe",
        "edits": [{"kind": "clear_outputs", "cell": 2, "output_indices": []}],
    }


def test_json_with_no_findings_is_an_empty_list(project: Path) -> None:
    result = invoke(*NB, "--format", "json", str(project / "clean.ipynb"))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stderr == ""  # machine formats print no summary


# -- sarif, github, junit ---------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema(project: Path) -> None:
    import jsonschema

    schema_path = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-2.1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    result = invoke(*NB, "--format", "sarif", str(project))
    document = json.loads(result.stdout)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=str)
    assert not errors, errors[0]
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "nb2prod"
    results = run["results"]
    assert {item["ruleId"] for item in results} == {"NB001", "NB002", "NB101"}
    nb101 = next(item for item in results if item["ruleId"] == "NB101")
    assert nb101["locations"][0]["logicalLocations"][0]["name"] == "cell 2"
    assert nb101["properties"]["cell"] == 2
    assert nb101["message"]["text"].startswith("cell 2, line 1: ")
    rules = run["tool"]["driver"]["rules"]
    assert [rules[item["ruleIndex"]]["id"] for item in results] == [item["ruleId"] for item in results]
    empty = json.loads(invoke(*NB, "--format", "sarif", str(project / "clean.ipynb")).stdout)
    assert not list(jsonschema.Draft4Validator(schema).iter_errors(empty))


def test_github_annotations(project: Path) -> None:
    result = invoke(*NB, "--format", "github", str(project))
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert re.search(
        rf"::warning file={re.escape(str(project / 'out_of_order.ipynb'))},line=\d+,title=NB101 out-of-order-execution::cell 2, line 1: cell 2 ran",
        result.stdout,
    )
    assert any(line.startswith("::error file=") and "NB001" in line for line in lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)


def test_junit_has_one_testcase_per_notebook(project: Path) -> None:
    result = invoke(*NB, "--format", "junit", str(project))
    root = ElementTree.fromstring(result.stdout.encode("utf-8"))
    cases = root.findall(".//testcase")
    assert sorted(case.get("name") or "" for case in cases) == sorted(
        str(project / name) for name in ("broken.ipynb", "clean.ipynb", "out_of_order.ipynb", "syntax.ipynb")
    )
    failed = {case.get("name") for case in cases if case.find("failure") is not None}
    assert str(project / "clean.ipynb") not in failed and len(failed) == 3
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "3"


# -- output file, statistics, selection ---------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit"])
def test_output_file_is_written_atomically(project: Path, tmp_path_factory: pytest.TempPathFactory, output_format: str) -> None:
    out_dir = tmp_path_factory.mktemp("reports")
    report = out_dir / f"report.{output_format}"
    report.write_text("stale report", encoding="utf-8")
    result = invoke(*NB, "--format", output_format, "--output-file", str(report), str(project))
    assert result.exit_code == 1
    assert result.stdout == ""
    content = report.read_text(encoding="utf-8")
    assert "stale report" not in content and "NB101" in content
    assert [path.name for path in out_dir.iterdir()] == [report.name]  # no temporary left behind
    if output_format == "text":
        assert "\x1b[" not in content


def test_output_file_in_a_missing_folder_is_a_one_line_error(project: Path) -> None:
    result = invoke(*NB, "--output-file", str(project / "no" / "such" / "report.txt"), str(project))
    assert result.exit_code == 2
    assert "cannot write the report" in result.stderr


def test_statistics_text_and_json(project: Path, make_notebook: Callable[..., Path]) -> None:
    make_notebook(project / "more.ipynb", [("a = 1", 4), ("b = 2", 3)])
    result = invoke(*NB, "--statistics", str(project))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["2", "NB101", "out-of-order-execution"]
    assert {line.split()[1] for line in lines} == {"NB001", "NB002", "NB101", "NB105"}
    rows = json.loads(invoke(*NB, "--statistics", "--format", "json", str(project)).stdout)
    assert rows[0] == {"code": "NB101", "name": "out-of-order-execution", "count": 2, "fixable": 0}
    assert sum(row["count"] for row in rows) == 5


@pytest.mark.parametrize(
    ("select", "ignore", "codes"),
    [
        ("NB101", "", {"NB101"}),
        ("NB1", "", {"NB101"}),
        ("NB0", "", {"NB001", "NB002"}),
        ("NB0,NB1", "NB00", {"NB101"}),
        ("NB0,NB1", "NB002", {"NB001", "NB101"}),
        ("NB1,NB0", "NB0", {"NB101"}),
        ("out-of-order-execution", "", {"NB101"}),
    ],
)
def test_select_and_ignore_by_code_prefix_and_name(project: Path, select: str, ignore: str, codes: set[str]) -> None:
    arguments = ["--select", select, "--format", "json", str(project)]
    if ignore:
        arguments[:0] = ["--ignore", ignore]
    findings = json.loads(invoke(*arguments).stdout)
    assert {finding["code"] for finding in findings} == codes


def test_repeated_select_options_combine(project: Path) -> None:
    findings = json.loads(invoke("--select", "NB001", "--select", "NB101", "--format", "json", str(project)).stdout)
    assert {finding["code"] for finding in findings} == {"NB001", "NB101"}


def test_jobs_gives_the_same_ordered_output(project: Path, make_notebook: Callable[..., Path]) -> None:
    for index in range(12):
        make_notebook(project / f"extra_{index:02}.ipynb", [("x = 1", 2), ("y = 2", 1)])
    one = invoke(*NB, "--format", "json", "--jobs", "1", str(project)).stdout
    many = invoke(*NB, "--format", "json", "--jobs", "3", str(project)).stdout
    assert one == many
    assert len(json.loads(one)) == 15


def test_lint_never_writes_or_changes_inputs(project: Path) -> None:
    before = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in project.iterdir()}
    for output_format in ("text", "json", "sarif", "github", "junit"):
        invoke(*NB, "--format", output_format, str(project))
    after = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in project.iterdir()}
    assert after == before


def test_current_folder_is_the_default(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    findings = json.loads(invoke(*NB, "--format", "json").stdout)
    assert {finding["path"] for finding in findings} == {"broken.ipynb", "out_of_order.ipynb", "syntax.ipynb"}


def test_lint_paths_restores_the_garbage_collector_thresholds(project: Path) -> None:
    import gc

    from nb2prod.config import Settings
    from nb2prod.lint import lint_paths, rules_for

    before = gc.get_threshold()
    settings = Settings(ruff=False)
    run = lint_paths([project], settings, rules_for(settings, ["NB1"]), jobs=1)
    assert gc.get_threshold() == before
    assert [Path(path).name for path in run.paths] == ["broken.ipynb", "clean.ipynb", "out_of_order.ipynb", "syntax.ipynb"]


def test_the_cli_leaves_the_garbage_collector_as_it_found_it(project: Path) -> None:
    import gc

    assert gc.isenabled()
    invoke(*NB, "--format", "json", str(project))
    assert gc.isenabled()


def test_fast_exit_still_delivers_all_output_and_the_exit_code(project: Path, make_notebook: Callable[..., Path]) -> None:
    # The console entry point ends the process without freeing its heap; what it printed must all
    # arrive, through a pipe and into a file, with the right status.
    for index in range(40):
        make_notebook(project / f"many_{index:02}.ipynb", [("x = 1", 2), ("y = 2", 1)])
    piped = run_nb2prod("lint", "--isolated", "--no-ruff", *NB, "--format", "json", str(project))
    assert piped.returncode == 1
    findings = json.loads(piped.stdout)
    assert len(findings) == 43
    output = project.parent / "report.json"
    written = run_nb2prod("lint", "--isolated", "--no-ruff", *NB, "--format", "json", "-o", str(output), str(project))
    assert written.returncode == 1
    assert json.loads(output.read_text(encoding="utf-8")) == findings
    text = run_nb2prod("lint", "--isolated", "--no-ruff", *NB, "--exit-zero", str(project))
    assert text.returncode == 0
    assert "Found 43 findings" in text.stderr


def test_json_puts_one_finding_on_each_line(project: Path) -> None:
    stdout = invoke(*NB, "--format", "json", str(project)).stdout
    lines = stdout.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == json.loads(stdout)


def test_force_exclude_from_the_flag_and_from_the_configuration(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.nb2prod]\nexclude = ["out_of_order.ipynb"]\n', encoding="utf-8")
    named = str(project / "out_of_order.ipynb")
    runner = CliRunner()
    plain = runner.invoke(cli, ["lint", "--no-ruff", *NB, "--format", "json", named])
    assert {finding["code"] for finding in json.loads(plain.stdout)} == {"NB101"}
    forced = runner.invoke(cli, ["lint", "--no-ruff", *NB, "--format", "json", "--force-exclude", named])
    assert forced.exit_code == 0 and json.loads(forced.stdout) == []
    (project / "pyproject.toml").write_text('[tool.nb2prod]\nexclude = ["out_of_order.ipynb"]\nforce-exclude = true\n', encoding="utf-8")
    configured = runner.invoke(cli, ["lint", "--no-ruff", *NB, "--format", "json", named])
    assert configured.exit_code == 0 and json.loads(configured.stdout) == []

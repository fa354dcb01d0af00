"""``nb2prod check`` reports for CI, validated: SARIF against the 2.1.0 schema, GitHub workflow
commands, JUnit XML, GitLab code quality (with lines that point into the notebook file)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from jsonschema import Draft4Validator

from nb2prod.diagnostics import CellSpan, Diagnostic
from nb2prod.report.file_lines import file_line_of
from nb2prod.report.gitlab import render_gitlab

from .conftest import GOOD_CELLS, OUT_OF_ORDER_CELLS, run_nb2prod, write_notebook

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0.json"
GITHUB_COMMAND = re.compile(
    r"^::(error|warning|notice) file=(?P<file>[^,:]+)(?:,line=(?P<line>\d+))?,title=(?P<title>[^:]+)::(?P<message>.+)$"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_notebook(tmp_path / "notebooks" / "clean.ipynb", GOOD_CELLS, title="Clean")
    write_notebook(tmp_path / "notebooks" / "out_of_order.ipynb", OUT_OF_ORDER_CELLS, title="Out of order")
    return tmp_path


def _check(project: Path, *arguments: str) -> tuple[int, str, str]:
    result = run_nb2prod(["check", "--no-ruff", "--no-pins", *arguments, "notebooks"], cwd=project)
    return result.returncode, result.stdout, result.stderr


def test_sarif_is_valid_against_the_schema(project: Path) -> None:
    code, output, errors = _check(project, "--format", "sarif")
    assert code == 1, errors
    document = json.loads(output)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    problems = sorted(Draft4Validator(schema).iter_errors(document), key=str)
    assert problems == [], "\n".join(error.message for error in problems[:5])
    results = document["runs"][0]["results"]
    assert {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results} == {
        "notebooks/out_of_order.ipynb"
    }
    out_of_order = next(result for result in results if result["ruleId"] == "NB101")
    assert out_of_order["message"]["text"].startswith("cell 2, line 1: cell 2 ran (In [2]) after cell 3")
    rule_ids = [rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[result["ruleIndex"]] == result["ruleId"] for result in results)


def test_github_annotations_name_the_file_and_cell(project: Path) -> None:
    code, output, errors = _check(project, "--format", "github")
    assert code == 1, errors
    lines = output.splitlines()
    assert lines, "no annotations"
    for line in lines:
        match = GITHUB_COMMAND.match(line)
        assert match, f"not a GitHub workflow command: {line!r}"
        assert match["file"] == "notebooks/out_of_order.ipynb"
        assert (project / match["file"]).is_file()
        assert re.match(r"NB\d{3} [a-z-]+$", match["title"])
        assert match["message"].startswith("cell ")
        # The annotation sits on the .ipynb line that holds the cell's source line.
        assert match["line"] is not None
        file_lines = (project / match["file"]).read_text().splitlines()
        assert '"source"' in file_lines[int(match["line"]) - 2] or "source" in file_lines[int(match["line"]) - 1]
    assert any("NB101" in line and "cell 2, line 1:" in line for line in lines)


def test_junit_has_one_case_per_notebook_and_fails_the_bad_one(project: Path) -> None:
    code, output, errors = _check(project, "--format", "junit")
    assert code == 1, errors
    root = ElementTree.fromstring(output)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"notebooks/clean.ipynb", "notebooks/out_of_order.ipynb"}
    assert cases["notebooks/clean.ipynb"].find("failure") is None
    failure = cases["notebooks/out_of_order.ipynb"].find("failure")
    assert failure is not None and "NB101" in (failure.get("message") or "")
    assert "notebooks/out_of_order.ipynb:cell 2:1:1: NB101" in (failure.text or "")


def test_gitlab_code_quality_points_at_the_cell_source_in_the_file(project: Path) -> None:
    code, output, errors = _check(project, "--format", "gitlab")
    assert code == 1, errors
    issues = json.loads(output)
    assert isinstance(issues, list) and issues
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        path = project / issue["location"]["path"]
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
        file_line = path.read_text(encoding="utf-8").splitlines()[begin - 1]
        if issue["check_name"].startswith("NB101"):
            assert "total = 1 + 2" in file_line  # cell 2, line 1 of the out-of-order notebook


def test_one_run_writes_several_reports(project: Path) -> None:
    code, output, errors = _check(
        project, "--format", "github", "--report", "sarif=out/nb2prod.sarif", "--report", "junit=out/nb2prod.xml"
    )
    assert code == 1, errors
    assert output.startswith("::")
    assert json.loads((project / "out" / "nb2prod.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert ElementTree.parse(project / "out" / "nb2prod.xml").getroot().tag == "testsuites"


def test_bad_report_option_is_a_usage_error(project: Path) -> None:
    code, _, errors = _check(project, "--report", "pdf=x.pdf")
    assert code == 2
    assert "FORMAT=FILE" in errors and "Traceback" not in errors


def test_clean_notebooks_exit_0_with_an_empty_but_valid_report(project: Path) -> None:
    result = run_nb2prod(["check", "--no-ruff", "--no-pins", "--format", "sarif", "notebooks/clean.ipynb"], cwd=project)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert list(Draft4Validator(schema).iter_errors(document)) == []
    assert document["runs"][0]["results"] == []


@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("source_as_string", [False, True])
def test_file_line_of_finds_cell_lines_in_any_layout(tmp_path: Path, indent: int, source_as_string: bool) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title\nwith a \"quoted\" word and a [bracket]"),
        nbformat.v4.new_code_cell("import math\n\nvalue = math.pi\nprint(value)"),
    ]
    document = json.loads(nbformat.writes(notebook))
    if source_as_string:
        for cell in document["cells"]:
            cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    path = tmp_path / "layout.ipynb"
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    found = file_line_of(str(path), 2, 3)
    assert found is not None
    assert "value = math.pi" in lines[found - 1]
    assert "# Title" in lines[(file_line_of(str(path), 1, 1) or 0) - 1]
    assert file_line_of(str(path), 3, 1) is None  # no such cell


def test_gitlab_fingerprints_stay_unique_for_repeated_findings() -> None:
    span = CellSpan(1, 1, 1, 1, 2)
    twice = [Diagnostic("a.ipynb", "NB101", "out-of-order-execution", "same", "warning", span)] * 2
    issues = json.loads(render_gitlab(twice, file_line=lambda path, cell, line: None))
    assert len({issue["fingerprint"] for issue in issues}) == 2
    assert all(issue["location"]["lines"]["begin"] == 1 for issue in issues)

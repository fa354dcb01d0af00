"""The renderers, each from hand-built diagnostics: text, JSON, SARIF, GitHub, JUnit."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from nb2prod.diagnostics import (
    CellSpan,
    ClearOutputs,
    Diagnostic,
    Fix,
    MoveCells,
    Related,
    ReplaceText,
)
from nb2prod.notebook import Cell, Notebook
from nb2prod.report import FORMATS, render
from nb2prod.report.github import render_github
from nb2prod.report.junit import render_junit
from nb2prod.report.sarif import render_sarif
from nb2prod.report.text import format_location, notebook_source_lookup, render_text

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-2.1.0.json"

SOURCES = {("a.ipynb", 3): "import os\nvalue = compute(x)  # note\n", ("a.ipynb", 1): "y" * 200}


def lookup(path: str, cell: int) -> str | None:
    return SOURCES.get((path, cell))


DEFAULT_SPAN = CellSpan(3, 2, 9, 2, 16, "abc")


def diagnostic(code: str = "NB201", span: CellSpan | None = DEFAULT_SPAN, **changes: object) -> Diagnostic:
    values: dict[str, object] = {
        "path": "a.ipynb",
        "code": code,
        "name": "use-before-definition",
        "message": "`compute` is used in cell 3 but first defined in cell 7",
        "severity": "error",
        "span": span,
    }
    values.update(changes)
    return Diagnostic(**values)  # type: ignore[arg-type]


def test_format_location() -> None:
    assert format_location(diagnostic()) == "a.ipynb:cell 3:2:9"
    assert format_location(diagnostic(span=None)) == "a.ipynb"


def test_text_with_excerpt_and_caret_under_the_span() -> None:
    text = render_text([diagnostic()], sources=lookup)
    assert text == (
        "a.ipynb:cell 3:2:9: NB201 `compute` is used in cell 3 but first defined in cell 7\n"
        "   2 | value = compute(x)  # note\n"
        "     |         ^^^^^^^\n"
    )


def test_text_truncates_long_lines_and_skips_unknown_sources() -> None:
    long_line = diagnostic(span=CellSpan(1, 1, 1, 1, 201))
    lines = render_text([long_line], sources=lookup).splitlines()
    assert lines[1] == "   1 | " + "y" * 117 + "..."
    assert render_text([diagnostic(path="other.ipynb")], sources=lookup).count("\n") == 1
    assert render_text([diagnostic(span=None)], sources=lookup) == f"a.ipynb: NB201 {diagnostic().message}\n"
    assert render_text([]) == ""


def test_excerpts_come_from_the_notebooks_lint_read_and_other_cells_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# On disk"), new_code_cell("x = 1  # on disk")]), path)
    outline = Notebook(path, (Cell(0, "markdown", ""), Cell(1, "code", "x = 1  # as lint read it")), {})
    lookup = notebook_source_lookup({str(path): outline})
    assert lookup(str(path), 2) == "x = 1  # as lint read it"
    assert lookup(str(path), 1) == "# On disk"  # an outline keeps no markdown text
    assert lookup(str(path), 3) is None
    assert notebook_source_lookup()(str(path), 2) == "x = 1  # on disk"


def test_text_marks_safe_fixes_and_colours_only_when_asked() -> None:
    fixable = diagnostic(fix=Fix("Move the cell", "safe", (MoveCells((1, 3, 2)),)))
    assert render_text([fixable]).startswith("a.ipynb:cell 3:2:9: NB201 [*] ")
    assert "\x1b[" not in render_text([fixable], sources=lookup)
    coloured = render_text([fixable], color=True, sources=lookup)
    assert "\x1b[" in coloured and "\x1b[31m" in coloured  # errors in red


def test_json_shape_with_fix_and_related() -> None:
    finding = diagnostic(
        fix=Fix(
            "Rewrite",
            "unsafe",
            (ReplaceText(3, 2, 9, 2, 16, "compute2"), MoveCells((2, 1)), ClearOutputs(3, (0, 2))),
        ),
        related=(Related(CellSpan(7, 1, 5, 1, 12), "defined here"),),
    )
    (document,) = json.loads(render([finding], ["a.ipynb"], "json"))
    assert list(document) == [
        "path", "code", "name", "message", "severity", "cell", "cell_id", "line", "column",
        "end_line", "end_column", "source", "fix", "related",
    ]
    assert (document["cell"], document["cell_id"], document["line"], document["column"]) == (3, "abc", 2, 9)
    assert (document["end_line"], document["end_column"]) == (2, 16)
    assert document["fix"] == {
        "title": "Rewrite",
        "applicability": "unsafe",
        "edits": [
            {"kind": "replace_text", "cell": 3, "line": 2, "column": 9, "end_line": 2, "end_column": 16, "content": "compute2"},
            {"kind": "move_cells", "order": [2, 1]},
            {"kind": "clear_outputs", "cell": 3, "output_indices": [0, 2]},
        ],
    }
    assert document["related"] == [{"cell": 7, "line": 1, "column": 5, "message": "defined here"}]


def test_json_keeps_unicode_readable() -> None:
    text = render([diagnostic(message="naïve ☃")], ["a.ipynb"], "json")
    assert "naïve ☃" in text


def test_json_is_what_the_json_module_writes_for_each_finding() -> None:
    # The renderer writes each line itself, for speed: it must match json's encoding exactly.
    tricky = 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f naïve ☃ 𝜋 \u2028 </script>'
    findings = [
        diagnostic(),
        diagnostic(span=None, path=f"dir/{tricky}.ipynb"),
        diagnostic(span=CellSpan(1, 2, 3, 4, 5), message=tricky, name=tricky, source="ruff"),
        diagnostic(
            fix=Fix(
                tricky,
                "display-only",
                (ReplaceText(1, 1, 1, 1, 1, tricky), MoveCells(()), MoveCells((3,)), ClearOutputs(2), ClearOutputs(2, (0, 5))),
            ),
            related=(Related(CellSpan(7, 1, 5, 1, 12), tricky), Related(CellSpan(1), "")),
        ),
        diagnostic(fix=Fix("", "safe", ())),
    ]
    expected = "[\n" + ",\n".join("  " + json.dumps(d.to_dict(), ensure_ascii=False) for d in findings) + "\n]\n"
    assert render(findings, ["a.ipynb"], "json") == expected
    assert render([], [], "json") == "[]\n"


def _validate_sarif(text: str) -> dict[str, object]:
    import jsonschema

    document = json.loads(text)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(document))
    assert not errors, errors[0]
    return document  # type: ignore[no-any-return]


def test_sarif_is_valid_with_related_locations_ruff_findings_and_file_level_findings() -> None:
    findings = [
        diagnostic(span=None, code="NB001", name="unreadable-notebook", severity="error", message="invalid JSON"),
        diagnostic(related=(Related(CellSpan(7, 1, 1, 1, 4), "defined here"),)),
        diagnostic(code="F401", name="unused-import", severity="warning", source="ruff", url="https://docs.astral.sh/ruff/rules/unused-import"),
        diagnostic(code="NB103", name="execution-count-gap", severity="info"),
    ]
    document = _validate_sarif(render_sarif(findings))
    run = document["runs"][0]  # type: ignore[index]
    results = run["results"]
    assert [item["level"] for item in results] == ["error", "error", "warning", "note"]
    assert "logicalLocations" not in results[0]["locations"][0]
    assert results[1]["relatedLocations"][0]["message"]["text"] == "cell 7, line 1: defined here"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["F401"]["helpUri"] == "https://docs.astral.sh/ruff/rules/unused-import"
    assert rules["NB103"]["shortDescription"]["text"]
    assert _validate_sarif(render_sarif([]))["runs"][0]["results"] == []  # type: ignore[index]


def test_sarif_uses_forward_slashes() -> None:
    document = json.loads(render_sarif([diagnostic(path="sub\\dir\\a.ipynb")]))
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub/dir/a.ipynb"


def test_github_annotations_escape_their_properties_and_data() -> None:
    finding = diagnostic(path="dir,x/a:b.ipynb", message="100% sure\nsecond line", severity="warning")
    line = render_github([finding])
    assert line == (
        "::warning file=dir%2Cx/a%3Ab.ipynb,title=NB201 use-before-definition::"
        "cell 3, line 2: 100%25 sure%0Asecond line\n"
    )
    assert render_github([diagnostic(severity="info", span=None)]).startswith("::notice file=a.ipynb,")
    assert render_github([]) == ""


def test_junit_one_case_per_notebook_and_escaping() -> None:
    findings = [diagnostic(message="a < b & c"), diagnostic(code="NB101", span=CellSpan(1))]
    text = render_junit(findings, ["a.ipynb", "clean.ipynb"])
    root = ElementTree.fromstring(text.encode("utf-8"))
    cases = root.findall("testsuite/testcase")
    assert [case.get("name") for case in cases] == ["a.ipynb", "clean.ipynb"]
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 findings: NB101, NB201"
    assert "a < b & c" in (failure.text or "")
    assert cases[1].find("failure") is None
    assert root.get("tests") == "2" and root.get("failures") == "1"


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_format_renders_nothing_sensibly(output_format: str) -> None:
    text = render([], ["clean.ipynb"], output_format)
    if output_format in ("json", "gitlab"):
        assert json.loads(text) == []
    elif output_format == "junit":
        assert ElementTree.fromstring(text.encode()).find("testsuite/testcase") is not None
    elif output_format == "sarif":
        _validate_sarif(text)
    else:
        assert text == ""

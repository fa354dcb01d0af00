"""Suppressions: noqa comments, file-level noqa, ignore tags, per-file-ignores, and NB004 for unused ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nb2prod.config import Settings
from nb2prod.diagnostics import CellSpan, Diagnostic
from nb2prod.notebook import from_dict
from nb2prod.suppress import apply_suppressions, collect_suppressions, parse_ignore_tag


def notebook(*cells: tuple[str, list[str]]) -> Any:
    document = nbformat.v4.new_notebook()
    for position, (source, tags) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"c{position}"
        if tags:
            cell.metadata["tags"] = tags
        document.cells.append(cell)
    return from_dict(json.loads(json.dumps(document)), Path("nb.ipynb"))


def finding(code: str, cell: int, line: int = 1) -> Diagnostic:
    return Diagnostic("nb.ipynb", code, code.lower(), "message", "warning", CellSpan(cell, line, 1, line, 2))


def kept_codes(diagnostics: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.cell, d.span.line) for d in diagnostics if d.span is not None]


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        ("x = 1  # noqa", None),
        ("x = 1  # noqa: NB201", ("NB201",)),
        ("x = 1  # NOQA:NB201,F401", ("NB201", "F401")),
        ("x = 1  # noqa: NB201, E501 because reasons", ("NB201", "E501")),
        ("x = 1  # noqa: NB3", ("NB3",)),
    ],
)
def test_noqa_forms(line: str, codes: tuple[str, ...] | None) -> None:
    suppressions = collect_suppressions(notebook((line, [])))
    assert suppressions.by_line[(1, 1)].codes == codes


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("nb2prod:ignore", (True, None)), ("nb2prod:ignore=NB201,NB3", (True, ("NB201", "NB3"))), ("other", (False, None))],
)
def test_ignore_tags(tag: str, expected: tuple[bool, tuple[str, ...] | None]) -> None:
    assert parse_ignore_tag(tag) == expected


def test_line_cell_and_file_suppression() -> None:
    nb = notebook(
        ("a = 1  # noqa: NB201\nb = 2  # noqa\nc = 3", []),
        ("d = 4", ["nb2prod:ignore=NB3,F401"]),
        ("# ruff: noqa: E501\ne = 5", ["nb2prod:ignore"]),
    )
    diagnostics = [
        finding("NB201", 1, 1), finding("NB202", 1, 1), finding("F401", 1, 2), finding("NB201", 1, 3),
        finding("NB301", 2), finding("F401", 2), finding("NB201", 2),
        finding("NB999", 3), finding("E501", 1, 3),
    ]
    kept = apply_suppressions(nb, diagnostics)
    assert kept_codes(kept) == [("NB202", 1, 1), ("NB201", 1, 3), ("NB201", 2, 1)]


def test_per_file_ignores() -> None:
    nb = notebook(("x = 1", []))
    kept = apply_suppressions(nb, [finding("NB301", 1), finding("F401", 1), finding("NB201", 1)], ("NB3", "F"))
    assert kept_codes(kept) == [("NB201", 1, 1)]


def test_settings_per_file_ignores_match_patterns(tmp_path: Path) -> None:
    settings = Settings(per_file_ignores={"drafts/*.ipynb": ("NB3",)}, origin=tmp_path / "pyproject.toml")
    assert settings.ignored_for(tmp_path / "drafts" / "a.ipynb") == ("NB3",)
    assert settings.ignored_for(tmp_path / "final" / "a.ipynb") == ()


def test_unused_nb_codes_are_reported() -> None:
    nb = notebook(("a = 1  # noqa: NB201, NB301\nb = 2  # noqa: F401", []), ("c = 1", ["nb2prod:ignore=NB101"]))
    kept = apply_suppressions(nb, [finding("NB301", 1, 1)], report_unused=True)
    unused = sorted((d.span.cell, d.span.line, d.message) for d in kept if d.code == "NB004" and d.span is not None)
    assert len(unused) == 2
    assert unused[0][:2] == (1, 1) and "NB201" in unused[0][2] and "NB301" not in unused[0][2]
    assert unused[1][:2] == (2, 1) and "NB101" in unused[1][2]  # F401 may be ruff's: not judged


def test_bare_and_foreign_codes_are_judged_only_when_complete() -> None:
    nb = notebook(("a = 1  # noqa\nb = 2  # noqa: F401", []))
    assert [d for d in apply_suppressions(nb, [], report_unused=True) if d.code == "NB004"] == []
    complete = [d for d in apply_suppressions(nb, [], report_unused=True, complete=True) if d.code == "NB004"]
    assert [(d.span.line if d.span else 0) for d in complete] == [1, 2]


def test_unused_report_can_itself_be_silenced() -> None:
    nb = notebook(("a = 1  # noqa: NB201", ["nb2prod:ignore=NB004"]))
    assert apply_suppressions(nb, [], report_unused=True) == []


def test_lint_reports_unused_suppressions_through_nb004(tmp_path: Path) -> None:
    from nb2prod.lint import lint_notebook, rules_for

    nb = notebook(("import random\nx = random.random()  # noqa: NB301\ny = 1  # noqa: NB302", []))
    found = lint_notebook(nb, Settings(), rules_for(Settings(), ["NB004", "NB3"]))
    assert [(d.code, d.span.line if d.span else 0) for d in found] == [("NB004", 3)]


def test_a_ruff_code_suppresses_the_nb_rule_that_reports_the_same_fact() -> None:
    nb = notebook(
        ("import sys\nsys.path.append('lib')", []),
        ("import helpers  # noqa: E402\nfrom lib import *  # noqa: F403\nprint(later)  # noqa: F821", []),
    )
    findings = [finding("NB401", 2, 1), finding("NB402", 2, 2), finding("NB206", 2, 3), finding("NB201", 2, 3), finding("NB402", 2, 1)]
    kept = apply_suppressions(nb, findings, report_unused=True)
    assert kept_codes(kept) == [("NB402", 2, 1)]  # F403 is not E402's fact

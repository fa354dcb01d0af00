"""Rendering repro verdicts: text, JSON, JUnit XML, and (as NB9xx diagnostics) GitHub annotations and SARIF.

The NB9 family ("repro") exists only here, for CI formats that speak in findings:
NB901 cell-output-differs, NB902 cell-raised, NB903 cell-timed-out, NB904 notebook-failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from nb2prod.diagnostics import CellSpan, Diagnostic
from nb2prod.run.repro import NotebookVerdict

__all__ = ["REPRO_CODES", "render_repro", "repro_diagnostics", "verdict_line"]

REPRO_CODES: dict[str, tuple[str, str]] = {
    "NB901": ("cell-output-differs", "A cell's new outputs differ from its saved outputs."),
    "NB902": ("cell-raised", "A cell raised an exception in a fresh top-to-bottom run."),
    "NB903": ("cell-timed-out", "A cell ran longer than the timeout."),
    "NB904": (
        "notebook-failed",
        "The notebook could not be run (unreadable, missing kernel, kernel died).",
    ),
}

_SYMBOLS = {"reproduced": "✓", "equivalent": "≈", "differs": "✗", "failed": "!", "timeout": "⏱"}
_COLOURS = {
    "reproduced": "green",
    "equivalent": "green",
    "differs": "red",
    "failed": "red",
    "timeout": "yellow",
}


def _summary_counts(verdict: NotebookVerdict) -> str:
    parts = []
    for kind in (
        "identical",
        "equivalent",
        "differs",
        "errored",
        "timeout",
        "not-executed-before",
        "skipped",
        "not-run",
    ):
        count = verdict.count(kind)
        if count:
            parts.append(f"{count} {kind}")
    if parts:
        return ", ".join(parts)
    return "not run" if verdict.verdict in ("failed", "timeout") else "no code cells"


def verdict_line(verdict: NotebookVerdict, *, color: bool = False) -> str:
    """``✓ reproduced  path  (12 identical, 1 equivalent) 3.2 s`` — one line per notebook."""
    import click

    label = f"{_SYMBOLS[verdict.verdict]} {verdict.verdict:<10}"
    if color:
        label = click.style(label, fg=_COLOURS[verdict.verdict], bold=True)
    line = f"{label} {verdict.path}  ({_summary_counts(verdict)}) {verdict.total_seconds:.1f} s"
    if verdict.message:
        line += f"\n    {verdict.message}"
    return line


def _render_text(verdicts: Sequence[NotebookVerdict], *, color: bool, show_diffs: bool) -> str:
    import click

    lines: list[str] = []
    for verdict in verdicts:
        lines.append(verdict_line(verdict, color=color))
        lines.extend(f"    note: {note}" for note in verdict.notes)
        for cell in verdict.cells:
            if cell.verdict == "equivalent" and cell.reasons:
                lines.append(f"    cell {cell.number}: equivalent ({'; '.join(cell.reasons)})")
            if cell.verdict == "differs":
                reasons = f" ({'; '.join(cell.reasons)})" if cell.reasons else ""
                lines.append(f"    cell {cell.number}: differs{reasons}")
                if show_diffs and cell.diff:
                    for diff_line in cell.diff.splitlines():
                        styled = diff_line
                        if color and diff_line.startswith("+") and not diff_line.startswith("+++"):
                            styled = click.style(diff_line, fg="green")
                        elif (
                            color and diff_line.startswith("-") and not diff_line.startswith("---")
                        ):
                            styled = click.style(diff_line, fg="red")
                        lines.append(f"      {styled}")
            elif (
                cell.verdict in ("errored", "timeout")
                and cell.message
                and cell.message != verdict.message
            ):
                lines.append(f"    cell {cell.number}: {cell.verdict}: {cell.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(verdicts: Sequence[NotebookVerdict]) -> str:
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    order = ("reproduced", "equivalent", "differs", "failed", "timeout")
    parts = [f"{counts[kind]} {kind}" for kind in order if counts.get(kind)]
    total = len(verdicts)
    return f"{total} notebook{'s' if total != 1 else ''}: {', '.join(parts) or 'none'}"


def repro_diagnostics(verdicts: Sequence[NotebookVerdict]) -> list[Diagnostic]:
    """Failing verdicts as NB9xx findings (cells that reproduce or are equivalent give none)."""
    found: list[Diagnostic] = []
    for verdict in verdicts:
        cell_findings = 0
        for cell in verdict.cells:
            span = CellSpan(cell.number, 1, 1, 1, 1, cell.cell_id)
            if cell.verdict == "differs":
                reasons = f" ({'; '.join(cell.reasons)})" if cell.reasons else ""
                message = f"outputs differ from the saved outputs{reasons}"
                if cell.diff:
                    message += "\n" + cell.diff
                code = "NB901"
            elif cell.verdict == "errored":
                code, message = "NB902", f"raised in a fresh run: {cell.message or 'error'}"
            elif cell.verdict == "timeout":
                code, message = "NB903", cell.message or "timed out"
            else:
                continue
            cell_findings += 1
            found.append(
                Diagnostic(verdict.path, code, REPRO_CODES[code][0], message, "error", span)
            )
        if verdict.verdict in ("failed", "timeout") and not cell_findings:
            found.append(
                Diagnostic(
                    verdict.path,
                    "NB904",
                    REPRO_CODES["NB904"][0],
                    verdict.message or verdict.verdict,
                    "error",
                    None,
                )
            )
    return found


def _render_junit(verdicts: Sequence[NotebookVerdict]) -> str:
    from xml.etree import ElementTree

    failures = sum(1 for verdict in verdicts if verdict.verdict == "differs")
    errors = sum(1 for verdict in verdicts if verdict.verdict in ("failed", "timeout"))
    total_time = f"{sum(verdict.total_seconds for verdict in verdicts):.3f}"
    attributes: dict[str, Any] = {
        "tests": str(len(verdicts)),
        "failures": str(failures),
        "errors": str(errors),
        "time": total_time,
    }
    suites = ElementTree.Element("testsuites", name="nb2prod repro", **attributes)
    suite = ElementTree.SubElement(
        suites, "testsuite", name="nb2prod repro", skipped="0", **attributes
    )
    for verdict in verdicts:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="nb2prod.repro",
            name=verdict.path,
            time=f"{verdict.total_seconds:.3f}",
        )
        details = _render_text([verdict], color=False, show_diffs=True)
        if verdict.verdict == "differs":
            element = ElementTree.SubElement(
                case, "failure", message=f"differs: {_summary_counts(verdict)}", type="differs"
            )
            element.text = details
        elif verdict.verdict in ("failed", "timeout"):
            element = ElementTree.SubElement(
                case,
                "error",
                message=f"{verdict.verdict}: {verdict.message or ''}",
                type=verdict.verdict,
            )
            element.text = details
        else:
            output = ElementTree.SubElement(case, "system-out")
            output.text = details
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )


def _render_json(verdicts: Sequence[NotebookVerdict]) -> str:
    document: dict[str, Any] = {
        "summary": {
            "notebooks": len(verdicts),
            "passed": sum(1 for verdict in verdicts if verdict.passed),
            "verdicts": {
                kind: sum(1 for verdict in verdicts if verdict.verdict == kind)
                for kind in ("reproduced", "equivalent", "differs", "failed", "timeout")
            },
        },
        "notebooks": [verdict.to_dict() for verdict in verdicts],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_repro(
    verdicts: Sequence[NotebookVerdict],
    output_format: str,
    *,
    color: bool = False,
    show_diffs: bool = True,
) -> str:
    """Render ``verdicts`` in ``output_format`` (text, json, junit, github, sarif)."""
    if output_format == "json":
        return _render_json(verdicts)
    if output_format == "junit":
        return _render_junit(verdicts)
    if output_format == "github":
        from nb2prod.report.github import render_github

        return render_github(repro_diagnostics(verdicts))
    if output_format == "sarif":
        from nb2prod.report.sarif import render_sarif

        return render_sarif(repro_diagnostics(verdicts))
    return _render_text(verdicts, color=color, show_diffs=show_diffs)

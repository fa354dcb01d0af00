"""JUnit XML: one test case per notebook, failed when it has findings."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

from nb2prod.diagnostics import Diagnostic
from nb2prod.report.text import format_location

__all__ = ["render_junit"]


def render_junit(
    diagnostics: Sequence[Diagnostic], paths: Sequence[str], *, suite_name: str = "nb2prod"
) -> str:
    by_path: dict[str, list[Diagnostic]] = {path: [] for path in paths}
    for diagnostic in diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    failures = sum(1 for found in by_path.values() if found)
    suites = ElementTree.Element(
        "testsuites", name=suite_name, tests=str(len(by_path)), failures=str(failures)
    )
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=suite_name,
        tests=str(len(by_path)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for path, found in by_path.items():
        case = ElementTree.SubElement(suite, "testcase", classname=suite_name, name=path)
        if found:
            codes = sorted({diagnostic.code for diagnostic in found})
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=f"{len(found)} finding{'s' if len(found) != 1 else ''}: {', '.join(codes)}",
                type="lint",
            )
            failure.text = "\n".join(f"{format_location(d)}: {d.code} {d.message}" for d in found)
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ElementTree.tostring(suites, encoding="unicode")
        + "\n"
    )

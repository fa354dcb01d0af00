"""SARIF 2.1.0 for code scanning; the cell goes into the location's logical location and message."""

from __future__ import annotations

import json
from collections.abc import Sequence

from nb2prod._version import __version__
from nb2prod.diagnostics import Diagnostic
from nb2prod.report.file_lines import file_line_of

__all__ = ["render_sarif"]

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_descriptor(diagnostic: Diagnostic) -> dict[str, object]:
    descriptor: dict[str, object] = {
        "id": diagnostic.code,
        "name": diagnostic.name,
        "defaultConfiguration": {"level": _LEVELS[diagnostic.severity]},
    }
    if diagnostic.source == "nb2prod":
        from nb2prod.rules.registry import RULES_BY_CODE

        rule = RULES_BY_CODE.get(diagnostic.code)
        if rule is not None:
            descriptor["shortDescription"] = {"text": rule.summary() or rule.name}
            descriptor["helpUri"] = f"https://pypi.org/project/nb2prod/#rule-{rule.code.lower()}"
    if diagnostic.url:
        descriptor["helpUri"] = diagnostic.url
    return descriptor


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    rules: dict[str, dict[str, object]] = {}
    results = []
    for diagnostic in diagnostics:
        if diagnostic.code not in rules:
            rules[diagnostic.code] = _rule_descriptor(diagnostic)
        span = diagnostic.span
        location: dict[str, object] = {
            "physicalLocation": {"artifactLocation": {"uri": diagnostic.path.replace("\\", "/")}},
        }
        text = diagnostic.message
        properties: dict[str, object] = {"source": diagnostic.source}
        if span is not None:
            # Code scanning shows a result only where `region.startLine` says: the line of the
            # .ipynb file that holds the cell's source line.
            file_line = file_line_of(diagnostic.path, span.cell, span.line)
            if file_line is not None:
                location["physicalLocation"]["region"] = {"startLine": file_line}  # type: ignore[index]
            location["logicalLocations"] = [{"name": f"cell {span.cell}", "kind": "module"}]
            properties.update(
                {
                    "cell": span.cell,
                    "cellId": span.cell_id,
                    "line": span.line,
                    "column": span.column,
                }
            )
            text = f"cell {span.cell}, line {span.line}: {diagnostic.message}"
        result: dict[str, object] = {
            "ruleId": diagnostic.code,
            "ruleIndex": list(rules).index(diagnostic.code),
            "level": _LEVELS[diagnostic.severity],
            "message": {"text": text},
            "locations": [location],
            "properties": properties,
        }
        if diagnostic.related:
            result["relatedLocations"] = [
                {
                    "id": index,
                    "physicalLocation": {
                        "artifactLocation": {"uri": diagnostic.path.replace("\\", "/")}
                    },
                    "logicalLocations": [{"name": f"cell {item.span.cell}", "kind": "module"}],
                    "message": {
                        "text": f"cell {item.span.cell}, line {item.span.line}: {item.message}"
                    },
                }
                for index, item in enumerate(diagnostic.related)
            ]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nb2prod",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/nb2prod/",
                        "rules": list(rules.values()),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

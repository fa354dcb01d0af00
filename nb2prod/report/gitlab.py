"""GitLab CI code quality report (a JSON array of CodeClimate-style issues), one issue per finding.

GitLab places an issue at ``location.path`` and ``location.lines.begin``: a line of the *file*. A
notebook is JSON, so the line given is the line of the ``.ipynb`` file that holds the cell's source
line (found by reading the file); the cell number and the line inside the cell are in the description.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from nb2prod.diagnostics import Diagnostic
from nb2prod.report.file_lines import file_line_of

__all__ = ["render_gitlab"]

# GitLab severities: info, minor, major, critical, blocker.
_SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def render_gitlab(
    diagnostics: Sequence[Diagnostic],
    *,
    file_line: Callable[[str, int, int], int | None] | None = None,
) -> str:
    """The report as GitLab's ``artifacts:reports:codequality`` expects it.

    ``file_line(path, cell, line)`` maps a cell position to a line of the file; by default the
    notebook file is read to find it. Fingerprints are stable across runs and unique per finding.
    """
    locate = file_line or file_line_of
    issues: list[dict[str, object]] = []
    used: set[str] = set()
    for diagnostic in diagnostics:
        span = diagnostic.span
        where = f"cell {span.cell}, line {span.line}: " if span is not None else ""
        begin = (locate(diagnostic.path, span.cell, span.line) if span is not None else None) or 1
        fingerprint = _fingerprint(diagnostic, used)
        issues.append(
            {
                "type": "issue",
                "check_name": f"{diagnostic.code} {diagnostic.name}",
                "description": f"{diagnostic.code} {where}{diagnostic.message}",
                "categories": ["Bug Risk"] if diagnostic.severity == "error" else ["Style"],
                "severity": _SEVERITIES[diagnostic.severity],
                "fingerprint": fingerprint,
                "location": {"path": diagnostic.path.replace("\\", "/"), "lines": {"begin": begin}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(diagnostic: Diagnostic, used: set[str]) -> str:
    # Positions inside the cell and the message identify a finding better than file lines, which
    # move whenever an earlier cell's outputs change.
    span = diagnostic.span
    parts = [diagnostic.path, diagnostic.code, diagnostic.message]
    if span is not None:
        parts += [span.cell_id or str(span.cell), str(span.line), str(span.column)]
    base = hashlib.md5("\0".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    fingerprint, counter = base, 1
    while fingerprint in used:  # GitLab drops issues whose fingerprints repeat
        counter += 1
        fingerprint = hashlib.md5(f"{base}:{counter}".encode(), usedforsecurity=False).hexdigest()
    used.add(fingerprint)
    return fingerprint

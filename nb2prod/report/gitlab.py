"""GitLab CI code quality report (a JSON array of CodeClimate-style issues), one issue per finding.

GitLab places an issue at ``location.path`` and ``location.lines.begin``: a line of the *file*. A
notebook is JSON, so the line given is the line of the ``.ipynb`` file that holds the cell's source
line (found by reading the file); the cell number and the line inside the cell are in the description.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import lru_cache

from nb2prod.diagnostics import Diagnostic

__all__ = ["file_line_of", "render_gitlab"]

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


def file_line_of(path: str, cell: int, line: int) -> int | None:
    """The 1-based line of the notebook file where ``line`` of cell ``cell`` is written, if findable."""
    table = _cell_source_lines(path)
    if table is None or not 0 < cell <= len(table):
        return None
    lines = table[cell - 1]
    if not lines:
        return None
    return lines[min(max(line, 1), len(lines)) - 1]


@lru_cache(maxsize=64)
def _cell_source_lines(path: str) -> tuple[tuple[int, ...], ...] | None:
    """For each cell, the file line of each of its source lines (``source`` written as a list)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    return _scan(text)


def _scan(text: str) -> tuple[tuple[int, ...], ...] | None:
    """Walk the JSON text once, recording where each cell's ``source`` strings start.

    A light scanner rather than a parser: it tracks string boundaries and nesting, which is enough
    to find ``"cells": [ {... "source": [ "...", ... ] ...}, ... ]`` in any indentation style.
    """
    cells: list[list[int]] = []
    line = 1
    depth = 0
    cells_depth: int | None = None  # depth of the "cells" array when inside it
    source_depth: int | None = None  # depth of a cell's "source" array/string when inside it
    last_key: str | None = None
    expecting_value = False
    position = 0
    length = len(text)
    while position < length:
        character = text[position]
        if character == "\n":
            line += 1
        elif character == '"':
            start_line = line
            end = position + 1
            buffer: list[str] = []
            while end < length and text[end] != '"':
                if text[end] == "\\":
                    buffer.append(text[end : end + 2])
                    end += 2
                    continue
                if text[end] == "\n":
                    line += 1
                buffer.append(text[end])
                end += 1
            value = "".join(buffer)
            position = end
            if expecting_value:
                expecting_value = False
                # "source": "one string": each of its lines is on the same file line.
                if (
                    cells
                    and source_depth is None
                    and last_key == "source"
                    and cells_depth is not None
                    and depth == cells_depth + 1
                ):
                    count = max(1, value.count("\\n") + (0 if value.endswith("\\n") else 1))
                    cells[-1].extend([start_line] * count)
            elif source_depth is not None and depth == source_depth and cells:
                cells[-1].append(start_line)
            else:
                last_key = value
        elif character == ":":
            expecting_value = True
        elif character in "[{":
            if expecting_value and last_key == "cells" and depth == 1 and character == "[":
                cells_depth = depth + 1
            elif (
                expecting_value
                and last_key == "source"
                and cells_depth is not None
                and depth == cells_depth + 1
                and character == "["
            ):
                source_depth = depth + 1
            elif character == "{" and cells_depth is not None and depth == cells_depth:
                cells.append([])
            expecting_value = False
            depth += 1
        elif character in "]}":
            depth -= 1
            if source_depth is not None and depth < source_depth:
                source_depth = None
            if cells_depth is not None and depth < cells_depth:
                cells_depth = None
        elif character == ",":
            expecting_value = False
        elif not character.isspace():
            expecting_value = False  # a number, true, false or null
        position += 1
    return tuple(tuple(lines) for lines in cells) if cells else None

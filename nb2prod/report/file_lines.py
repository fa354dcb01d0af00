"""Where a cell's source line sits in the ``.ipynb`` file, for reports that address file lines.

GitLab code quality and GitHub code scanning place a finding on a line of the *file*; a notebook is
JSON, so the line given is the one that holds the cell's source line (found by scanning the file).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["file_line_of"]


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


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}:,]|[^\s\[\]{}:,"]+')


def _scan(text: str) -> tuple[tuple[int, ...], ...] | None:
    """Walk the JSON text's tokens once, recording the file line where each cell's ``source`` strings start.

    JSON strings hold no raw newline, so a token's line is the count of newlines before it; strings
    (base64 images included) are single regex tokens, which keeps this fast on large notebooks.
    """
    cells: list[list[int]] = []
    depth = 0
    cells_depth: int | None = None  # depth of the "cells" array when inside it
    source_depth: int | None = None  # depth of a cell's "source" array when inside it
    last_key: str | None = None
    expecting_value = False
    line = 1
    counted_to = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            start = match.start()
            line += text.count("\n", counted_to, start)
            counted_to = start
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
                    value = token[1:-1]
                    count = max(1, value.count("\\n") + (0 if value.endswith("\\n") else 1))
                    cells[-1].extend([line] * count)
            elif source_depth is not None and depth == source_depth and cells:
                cells[-1].append(line)
            else:
                last_key = token[1:-1]
        elif first == ":":
            expecting_value = True
        elif first in "[{":
            if expecting_value and last_key == "cells" and depth == 1 and first == "[":
                cells_depth = depth + 1
            elif (
                expecting_value
                and last_key == "source"
                and cells_depth is not None
                and depth == cells_depth + 1
                and first == "["
            ):
                source_depth = depth + 1
            elif first == "{" and cells_depth is not None and depth == cells_depth:
                cells.append([])
            expecting_value = False
            depth += 1
        elif first in "]}":
            depth -= 1
            if source_depth is not None and depth < source_depth:
                source_depth = None
            if cells_depth is not None and depth < cells_depth:
                cells_depth = None
        else:
            expecting_value = False  # a comma, a number, true, false or null
    return tuple(tuple(lines) for lines in cells) if cells else None

"""Golden outputs in sidecar files, for teams whose notebooks are committed without outputs."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2prod.errors import Nb2prodError
from nb2prod.fs import atomic_write_text

__all__ = [
    "GOLDEN_FORMAT",
    "GoldenCell",
    "golden_path",
    "read_golden",
    "source_digest",
    "write_golden",
]

GOLDEN_FORMAT = "nb2prod-golden/1"


class GoldenError(Nb2prodError):
    """A golden file exists but cannot be used."""


@dataclass(frozen=True, slots=True)
class GoldenCell:
    index: int
    cell_id: str | None
    source_sha256: str
    outputs: tuple[Mapping[str, Any], ...]


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def golden_path(folder: Path, notebook: Path) -> Path:
    """``DIR/<notebook path relative to the current folder>.golden.json`` (absolute paths flattened)."""
    resolved = notebook.resolve()
    try:
        relative = resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        relative = Path(*[part.strip(os.sep) or "_" for part in resolved.parts[1:]])
    return folder / relative.parent / f"{relative.name}.golden.json"


def read_golden(path: Path) -> dict[int, GoldenCell] | None:
    """Golden cells by index, or ``None`` when there is no golden file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GoldenError(f"unreadable golden file: {error}", path) from None
    if not isinstance(document, dict) or document.get("format") != GOLDEN_FORMAT:
        raise GoldenError(f"not an nb2prod golden file (expected format {GOLDEN_FORMAT!r})", path)
    cells: dict[int, GoldenCell] = {}
    for entry in document.get("cells", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("index"), int):
            continue
        cells[entry["index"]] = GoldenCell(
            entry["index"],
            entry.get("id") if isinstance(entry.get("id"), str) else None,
            str(entry.get("source_sha256", "")),
            tuple(output for output in entry.get("outputs", []) if isinstance(output, dict)),
        )
    return cells


def write_golden(path: Path, notebook_path: Path, cells: Sequence[Mapping[str, Any]]) -> None:
    """Record the code cells' outputs of an executed notebook (``cells`` as in the .ipynb JSON)."""
    entries = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        outputs = [
            {key: value for key, value in output.items() if key != "execution_count"}
            for output in cell.get("outputs", [])
        ]
        entries.append(
            {
                "index": index,
                "id": cell.get("id"),
                "source_sha256": source_digest(source),
                "outputs": outputs,
            }
        )
    document = {"format": GOLDEN_FORMAT, "notebook": notebook_path.as_posix(), "cells": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        path, json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    )

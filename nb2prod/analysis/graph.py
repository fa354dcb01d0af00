"""The execution-order graph as plain data, for the JupyterLab panel and ``--format graph`` consumers."""

from __future__ import annotations

from typing import Any

from nb2prod.analysis.dataflow import Dataflow, analyse_notebook
from nb2prod.analysis.parse import parse_source
from nb2prod.notebook import Notebook

__all__ = ["graph_from_dataflow", "notebook_graph"]


def _label(source: str) -> str:
    for line in source.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            return text[:40]
    return source.strip()[:40]


def graph_from_dataflow(notebook: Notebook, flow: Dataflow) -> dict[str, Any]:
    """Cells and def->use edges; edges that explain a finding carry its kind."""
    cells = [
        {
            "number": cell.number,
            "cell_id": cell.cell_id,
            "kind": cell.kind,
            "execution_count": cell.execution_count,
            "label": _label(cell.source),
        }
        for cell in notebook.cells
    ]
    counts = {cell.number: cell.execution_count for cell in notebook.cells}
    edges: dict[tuple[int, int, str], set[str]] = {}

    def add(source: int, target: int, kind: str, name: str) -> None:
        edges.setdefault((source, target, kind), set()).add(name)

    for edge in flow.notebook_edges:
        source_count, target_count = counts.get(edge.source), counts.get(edge.target)
        kind = "flow"
        if source_count is not None and target_count is not None and source_count > target_count:
            kind = "out-of-order"
        add(edge.source, edge.target, kind, edge.name)
    for missing in flow.use_before_definition:
        add(missing.definers[0], missing.cell, "out-of-order", missing.read.name)
    for stale in flow.stale:
        add(stale.definer, stale.cell, "stale", stale.name)
    for lost in flow.lost:
        if lost.definers:
            add(lost.definers[-1], lost.cell, "lost", lost.read.name)
    return {
        "cells": cells,
        "edges": [
            {"source": source, "target": target, "kind": kind, "names": sorted(names)}
            for (source, target, kind), names in sorted(edges.items())
        ],
    }


def notebook_graph(notebook: Notebook) -> dict[str, Any]:
    """The graph of ``notebook`` (parses and analyses it)."""
    parsed = {cell.number: parse_source(cell.source) for cell in notebook.cells if cell.is_code}
    return graph_from_dataflow(notebook, analyse_notebook(notebook, parsed))

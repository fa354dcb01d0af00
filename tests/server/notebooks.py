"""Small notebooks for the server tests, built with nbformat."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output


def out_of_order_notebook() -> Any:
    """Cell 2 reads ``x`` that cell 3 defines; counts 2 then 1 (ran out of order)."""
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Out of order"),
            new_code_cell("print(x)", execution_count=2, outputs=[new_output("stream", name="stdout", text="1\n")]),
            new_code_cell("x = 1", execution_count=1),
            new_code_cell("y = x + 1\nprint(y)", execution_count=3, outputs=[new_output("stream", name="stdout", text="2\n")]),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index + 1}"
    return notebook


def as_json(notebook: Any) -> dict[str, Any]:
    return dict(nbformat.from_dict(notebook))

"""A small project of notebooks for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path: Path, cells: list[object]) -> Path:
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{path.stem[:10]}-{index}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """clean.ipynb (no findings), out_of_order.ipynb (NB101), broken.ipynb (NB001), syntax.ipynb (NB002)."""
    write_notebook(tmp_path / "clean.ipynb", [new_markdown_cell("# Clean"), new_code_cell("x = 1", execution_count=1), new_code_cell("print(x)", execution_count=2)])
    write_notebook(
        tmp_path / "out_of_order.ipynb",
        [new_markdown_cell("# Title"), new_code_cell("a = 1", execution_count=2), new_code_cell("b = 2", execution_count=1)],
    )
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    write_notebook(tmp_path / "syntax.ipynb", [new_code_cell("import os", execution_count=1), new_code_cell("y = 1\nif y >:\n    pass", execution_count=2)])
    return tmp_path


@pytest.fixture
def make_notebook() -> object:
    """``make_notebook(path, [(source, count), ...])`` writes a notebook of code cells."""

    def make(path: Path, cells: list[tuple[str, int | None]]) -> Path:
        return write_notebook(path, [new_code_cell(source, execution_count=count) for source, count in cells])

    return make

"""The notebook model: reading v4 and v3, cell numbering, ids, tags, languages, byte-faithful writes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from nb2prod import notebook as notebook_io
from nb2prod.errors import NotebookReadError
from nb2prod.notebook import WriteStyle, from_dict, write_style_of


def _notebook_text(cells: list[Any], metadata: dict[str, Any] | None = None) -> str:
    notebook = new_notebook(cells=cells)
    notebook.metadata = metadata or {}  # set after creation: new_notebook validates, this may not
    for index, cell in enumerate(notebook.cells):
        cell.id = f"id-{index}"
    return json.dumps(notebook, indent=1)


def test_reads_v4_cells_counting_markdown_and_raw() -> None:
    code = new_code_cell("x = 1\nx", execution_count=3, outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=3)])
    code.metadata["tags"] = ["parameters", "nb2prod:ignore=NB1"]
    text = _notebook_text([new_markdown_cell("# Title"), new_raw_cell("raw"), code, new_code_cell("")])
    notebook = notebook_io.reads(text)
    assert [cell.number for cell in notebook.cells] == [1, 2, 3, 4]
    assert [cell.index for cell in notebook.cells] == [0, 1, 2, 3]
    assert [cell.kind for cell in notebook.cells] == ["markdown", "raw", "code", "code"]
    third = notebook.cells[2]
    assert third.source == "x = 1\nx"
    assert third.cell_id == "id-2"
    assert third.execution_count == 3
    assert third.tags == ("parameters", "nb2prod:ignore=NB1")
    assert third.has_outputs and third.outputs[0]["output_type"] == "execute_result"
    assert notebook.cells[0].execution_count is None
    assert [cell.number for cell in notebook.code_cells] == [3, 4]
    assert notebook.has_execution_counts
    assert notebook.nbformat == 4


def test_source_given_as_list_of_lines_is_joined() -> None:
    document = {
        "cells": [{"cell_type": "code", "source": ["a = 1\n", "b = 2"], "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    notebook = from_dict(document)
    assert notebook.cells[0].source == "a = 1\nb = 2"
    assert notebook.cells[0].cell_id is None  # nbformat 4.4 has no ids
    assert not notebook.has_execution_counts


def test_read_keeps_path_and_display_path(tmp_path: Path) -> None:
    path = tmp_path / "analysis.ipynb"
    path.write_text(_notebook_text([new_code_cell("pass")]), encoding="utf-8")
    notebook = notebook_io.read(path)
    assert notebook.path == path
    assert notebook.display_path == str(path)
    assert notebook_io.reads(path.read_text()).display_path == "<notebook>"


def test_reads_accepts_bytes_with_a_byte_order_mark() -> None:
    text = _notebook_text([new_code_cell("name = 'José'")])
    notebook = notebook_io.reads(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert notebook.cells[0].source == "name = 'José'"


def test_v3_notebook_is_converted(fixtures_dir: Path) -> None:
    notebook = notebook_io.read(fixtures_dir / "invalid" / "valid_v3_notebook.ipynb")
    assert notebook.nbformat == 4
    assert [cell.kind for cell in notebook.cells] == ["markdown", "code", "code"]
    assert notebook.cells[0].source == "# Legacy"
    assert [cell.execution_count for cell in notebook.cells] == [None, 2, 1]
    assert notebook.cells[1].source == "x = 1\nx"
    # The file has no cell ids; the ones nbformat makes up differ on every read, so none is reported.
    assert [cell.cell_id for cell in notebook.cells] == [None, None, None]


@pytest.mark.parametrize(
    ("metadata", "language", "is_python"),
    [
        ({}, "python", True),
        ({"language_info": {"name": "python"}}, "python", True),
        ({"kernelspec": {"name": "python3", "display_name": "Python 3"}}, "python", True),
        ({"kernelspec": {"name": "conda-env-ml-py", "language": "python", "display_name": "ml"}}, "python", True),
        ({"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}, "r", False),
        ({"language_info": {"name": "julia"}, "kernelspec": {"name": "julia-1.9", "display_name": "Julia"}}, "julia", False),
        ({"kernelspec": {"name": "scala", "display_name": "Scala"}}, "scala", False),
        ({"language_info": {"name": "ipython3"}}, "ipython3", True),
        ({"language_info": "not a mapping"}, "python", True),
    ],
)
def test_language_detection(metadata: dict[str, Any], language: str, is_python: bool) -> None:
    notebook = notebook_io.reads(_notebook_text([new_code_cell("1")], metadata))
    assert notebook.language == language
    assert notebook.is_python is is_python


def _nbformat_document() -> dict[str, Any]:
    cells = [
        new_markdown_cell("# Résumé ☃\n\nSome *text*."),
        new_code_cell("values = [1, 2]\nprint(values)", execution_count=1, outputs=[new_output("stream", name="stdout", text="[1, 2]\n")]),
        new_code_cell("", execution_count=None),
    ]
    notebook = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return json.loads(nbformat.writes(notebook))


@pytest.mark.parametrize("indent", [1, 2])
@pytest.mark.parametrize("ensure_ascii", [False, True])
@pytest.mark.parametrize("trailing_newline", [True, False])
def test_write_style_round_trip_is_byte_identical(indent: int, ensure_ascii: bool, trailing_newline: bool) -> None:
    document = _nbformat_document()
    text = json.dumps(document, indent=indent, sort_keys=True, separators=(",", ": "), ensure_ascii=ensure_ascii)
    if trailing_newline:
        text += "\n"
    style = write_style_of(text)
    assert style == WriteStyle(indent=indent, ensure_ascii=ensure_ascii, trailing_newline=trailing_newline)
    assert style.dumps(json.loads(text)) == text


def test_write_style_round_trip_of_nbformat_write() -> None:
    document = _nbformat_document()
    buffer = io.StringIO()
    nbformat.write(nbformat.from_dict(document), buffer)
    text = buffer.getvalue()
    assert write_style_of(text).dumps(json.loads(text)) == text
    assert write_style_of(text).indent == 1


def test_write_style_of_compact_json() -> None:
    text = json.dumps(_nbformat_document(), separators=(",", ":"))
    style = write_style_of(text)
    assert style.indent is None
    assert style.dumps(json.loads(text)) == text


def test_reading_never_changes_the_file(fixtures_dir: Path) -> None:
    path = fixtures_dir / "rules" / "NB101_cell_rerun_after_later_cells.ipynb"
    before = path.read_bytes()
    notebook_io.read(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("   \n", "empty file"),
        ("{", "invalid JSON at line 1"),
        ("[]", "not a notebook: expected a JSON object, found an array"),
        ('"text"', "not a notebook: expected a JSON object, found a string"),
        ("{}", "not a notebook: no 'cells' list"),
        ('{"cells": {}}', "'cells' is not a list"),
        ('{"cells": [1]}', "cell 1 is not an object"),
        ('{"cells": [{"cell_type": "code", "source": 5}]}', "cell 1 has a source that is neither"),
        ('{"cells": [{"cell_type": "code", "source": "", "execution_count": true}]}', "cell 1 has an execution_count"),
        ('{"cells": [{"cell_type": "code", "source": "", "outputs": {}}]}', "cell 1 has outputs that are not a list"),
        ('{"cells": [], "metadata": []}', "'metadata' is not an object"),
    ],
)
def test_reads_rejects_with_a_precise_message(text: str, message: str) -> None:
    with pytest.raises(NotebookReadError) as caught:
        notebook_io.reads(text, Path("bad.ipynb"))
    assert message in caught.value.message
    assert str(caught.value).startswith("bad.ipynb: ")
    assert "\n" not in str(caught.value)


def test_read_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(NotebookReadError, match="no such file"):
        notebook_io.read(tmp_path / "absent.ipynb")
    (tmp_path / "folder.ipynb").mkdir()
    with pytest.raises(NotebookReadError, match="is a folder"):
        notebook_io.read(tmp_path / "folder.ipynb")

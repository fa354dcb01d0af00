"""The notebook model: reading v4 and v3, cell numbering, ids, tags, languages, byte-faithful writes."""

from __future__ import annotations

import dataclasses
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
        ('{"cells": [{"cell_type": "markdown", "source": ""}, {"cell_type": "code", "source": ["import os\\n", 5]}]}', "cell 2 has a source list with an item that is not text"),
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


# -- Writing: formats that json.dumps can reproduce ---------------------------------------------


def _dumped(**options: Any) -> str:
    return json.dumps(_nbformat_document(), ensure_ascii=False, **options)


def _without_original(text: str) -> WriteStyle:
    """The detected style alone, without the text it may patch: it must reproduce the file itself."""
    return dataclasses.replace(write_style_of(text), original_text=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(_dumped(indent=1).replace("\n", "\r\n") + "\r\n", WriteStyle(newline="\r\n"), id="crlf"),
        pytest.param(_dumped(indent=1).replace("\n", "\r\n"), WriteStyle(newline="\r\n", trailing_newline=False), id="crlf-no-final"),
        pytest.param(_dumped(indent="\t") + "\n", WriteStyle(indent=1, indent_character="\t"), id="tab"),
        pytest.param(_dumped(indent="\t\t") + "\n", WriteStyle(indent=2, indent_character="\t"), id="two-tabs"),
        pytest.param(_dumped(indent=0) + "\n", WriteStyle(indent=0), id="indent-0"),
        pytest.param(_dumped(), WriteStyle(indent=None, separators=(", ", ": "), trailing_newline=False), id="one-line-spaced"),
        pytest.param(_dumped(indent=1, separators=(", ", ": ")), WriteStyle(separators=(", ", ": "), trailing_newline=False), id="python2-indent"),
    ],
)
def test_write_style_detects_line_endings_tabs_and_separators(text: str, expected: WriteStyle) -> None:
    style = _without_original(text)
    assert style == expected
    assert style.dumps(json.loads(text)) == text


def test_a_changed_crlf_notebook_keeps_crlf_in_new_lines() -> None:
    text = _dumped(indent=1).replace("\n", "\r\n") + "\r\n"
    document = json.loads(text)
    document["cells"][1]["source"].append("\nprint(2)")
    after = write_style_of(text).dumps(document)
    assert json.loads(after) == document
    assert after.count("\n") == after.count("\r\n") == text.count("\r\n") + 1


# -- Writing: files that no json.dumps call reproduces are patched, not reformatted ------------

# The audit's repro: an inline list, an object split over two lines, a "\/" escape and the
# notebook metadata on one line (ipywidgets' documentation notebooks look like this).
_HAND_FORMATTED = """{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {
    "tags": ["remove-cell"]
   },
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\\n"]}],
   "source": [
    "import os\\n",
    "print(1)\\n"
   ]
  },
  {
   "cell_type": "markdown",
   "metadata": {
   },
   "source": ["text with a \\/ slash and \\u00e9"]
  }
 ],
 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
 "nbformat": 4,
 "nbformat_minor": 4
}
"""


def _hand_formatted_with(change: Any) -> tuple[str, dict[str, Any]]:
    document = json.loads(_HAND_FORMATTED)
    change(document)
    after = write_style_of(_HAND_FORMATTED).dumps(document)
    assert json.loads(after) == document
    return after, document


def test_hand_formatted_json_is_not_reproduced_by_its_style() -> None:
    # The premise of the tests below: a full re-serialisation would reformat the whole file.
    assert _without_original(_HAND_FORMATTED).dumps(json.loads(_HAND_FORMATTED)) != _HAND_FORMATTED


def test_unchanged_hand_formatted_notebook_is_written_back_byte_for_byte() -> None:
    assert write_style_of(_HAND_FORMATTED).dumps(json.loads(_HAND_FORMATTED)) == _HAND_FORMATTED


def test_hand_formatted_notebook_changes_only_the_edited_source() -> None:
    after, _ = _hand_formatted_with(lambda document: document["cells"][0]["source"].pop(0))
    assert after == _HAND_FORMATTED.replace('    "import os\\n",\n', "")


def test_hand_formatted_source_growing_is_indented_like_the_lines_around_it() -> None:
    after, _ = _hand_formatted_with(lambda document: document["cells"][0]["source"].append("x = 2"))
    assert after == _HAND_FORMATTED.replace('"print(1)\\n"\n', '"print(1)\\n",\n    "x = 2"\n')


def test_hand_formatted_one_line_values_stay_on_one_line() -> None:
    def change(document: dict[str, Any]) -> None:
        document["cells"][0]["metadata"]["tags"].append("parameters")
        document["cells"][1]["source"] = ["text\n", "more"]

    after, _ = _hand_formatted_with(change)
    expected = _HAND_FORMATTED.replace('["remove-cell"]', '["remove-cell", "parameters"]')
    expected = expected.replace('["text with a \\/ slash and \\u00e9"]', '["text\\n", "more"]')
    assert after == expected


def test_hand_formatted_outputs_cleared_in_place() -> None:
    def change(document: dict[str, Any]) -> None:
        document["cells"][0]["outputs"] = []
        document["cells"][0]["execution_count"] = None

    after, _ = _hand_formatted_with(change)
    expected = _HAND_FORMATTED.replace('"execution_count": 1', '"execution_count": null')
    assert after == expected.replace('[{"name": "stdout", "output_type": "stream", "text": ["1\\n"]}]', "[]")


def test_hand_formatted_cells_moved_keep_their_own_text() -> None:
    after, _ = _hand_formatted_with(lambda document: document["cells"].reverse())
    start, end = _HAND_FORMATTED.index("  {"), _HAND_FORMATTED.index("\n ],")
    first, second = _HAND_FORMATTED[start:end].split(",\n  {")
    assert after == _HAND_FORMATTED[:start] + "  {" + second + ",\n" + first + _HAND_FORMATTED[end:]


def test_hand_formatted_new_top_level_key_is_written_valid() -> None:
    after, _ = _hand_formatted_with(lambda document: document.update(extra=True))
    assert '"extra": true' in after


def _tab_indented(line: str) -> str:
    content = line.lstrip(" ")
    return "\t" * (len(line) - len(content)) + content


def test_hand_formatted_crlf_and_tabs_are_kept_in_rewritten_values() -> None:
    text = "\r\n".join(_tab_indented(line) for line in _HAND_FORMATTED.split("\n"))
    document = json.loads(text)
    document["cells"][0]["source"].append("x = 2")
    after = write_style_of(text).dumps(document)
    assert json.loads(after) == document
    assert after == text.replace('"print(1)\\n"\r\n', '"print(1)\\n",\r\n\t\t\t\t"x = 2"\r\n')


def test_a_key_repeated_in_the_text_is_rewritten_not_patched_member_by_member() -> None:
    text = '{"cells": [], "metadata": {"a": 1, "a": 2}, "nbformat": 4, "nbformat_minor": 5}\n'
    document = json.loads(text)
    document["metadata"]["a"] = 3
    after = write_style_of(text).dumps(document)
    assert after == '{"cells": [], "metadata": {"a": 3}, "nbformat": 4, "nbformat_minor": 5}\n'

"""The notebook model: typed, read-only views of ``.ipynb`` files, read through nbformat's conventions.

Cell numbers are 1-based and count every cell, markdown included, as JupyterLab's status bar does.
Reading takes the fast path (``json.loads`` plus a structural check that names the offending cell);
nbformat's validator stays off the hot path, and nbformat converts v3 files.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nb2prod.errors import NotebookReadError

__all__ = [
    "Cell",
    "CellKind",
    "Notebook",
    "WriteStyle",
    "from_dict",
    "read",
    "reads",
    "write_style_of",
]

CellKind = Literal["code", "markdown", "raw"]

# A notebook larger than this is refused rather than read into memory.
MAXIMUM_NOTEBOOK_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: ``number`` is 1-based over all cells, ``index`` 0-based."""

    index: int
    kind: CellKind
    source: str
    cell_id: str | None = None
    execution_count: int | None = None
    outputs: tuple[Mapping[str, Any], ...] = ()
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # Derived once: the rules read these hundreds of thousands of times per run.
    number: int = field(init=False, repr=False, compare=False)
    is_code: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "number", self.index + 1)
        object.__setattr__(self, "is_code", self.kind == "code")

    @property
    def has_outputs(self) -> bool:
        return bool(self.outputs)


@dataclass(frozen=True, slots=True)
class Notebook:
    """A parsed notebook; ``raw`` is the JSON document as read (v4 shape)."""

    path: Path | None
    cells: tuple[Cell, ...]
    metadata: Mapping[str, Any]
    nbformat: int = 4
    nbformat_minor: int = 5
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # The file is in an older format, converted on reading: fixes cannot be written back to it.
    converted: bool = False
    code_cells: tuple[Cell, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code_cells", tuple(cell for cell in self.cells if cell.is_code))

    @property
    def language(self) -> str:
        """The kernel's language, lower-case; ``python`` where the notebook does not say."""
        language_info = self.metadata.get("language_info")
        if isinstance(language_info, Mapping) and isinstance(language_info.get("name"), str):
            return str(language_info["name"]).lower()
        kernelspec = self.metadata.get("kernelspec")
        if isinstance(kernelspec, Mapping):
            if isinstance(kernelspec.get("language"), str):
                return str(kernelspec["language"]).lower()
            name = kernelspec.get("name")
            if isinstance(name, str) and name and "python" not in name.lower():
                return name.lower()
        return "python"

    @property
    def is_python(self) -> bool:
        return self.language in {"python", "python3", "python2", "ipython", "ipython3"}

    @property
    def has_execution_counts(self) -> bool:
        return any(cell.execution_count is not None for cell in self.cells)

    @property
    def display_path(self) -> str:
        return str(self.path) if self.path is not None else "<notebook>"


def _source_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # a malformed list with non-text items: keep the text
            return "".join(part for part in value if isinstance(part, str))
    return ""


def _json_type_name(value: object) -> str:
    names = {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _structural_problem(document: object) -> str | None:
    """Why ``document`` is not a v4 notebook, or ``None``; cheap, runs on every read."""
    if not isinstance(document, dict):
        return f"not a notebook: expected a JSON object, found {_json_type_name(document)}"
    if "cells" not in document:
        return "not a notebook: no 'cells' list"
    if not isinstance(document["cells"], list):
        return "invalid notebook: 'cells' is not a list"
    for position, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict):
            return f"invalid notebook: cell {position} is not an object"
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            return f"invalid notebook: cell {position} has an unknown cell_type {cell.get('cell_type')!r}"
        if not isinstance(cell.get("source", ""), (str, list)):
            return f"invalid notebook: cell {position} has a source that is neither text nor a list of lines"
        if cell.get("cell_type") == "code":
            count = cell.get("execution_count")
            if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
                return f"invalid notebook: cell {position} has an execution_count that is not an integer"
            if not isinstance(cell.get("outputs", []), list):
                return f"invalid notebook: cell {position} has outputs that are not a list"
    if not isinstance(document.get("metadata", {}), dict):
        return "invalid notebook: 'metadata' is not an object"
    return None


def _upgrade_v3(document: dict[str, Any], path: Path | None) -> dict[str, Any]:
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # nbformat's deprecation chatter must not reach the user
            node = nbformat.reads(json.dumps(document), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as error:  # nbformat raises many kinds; any one is a verdict on the file
        first_line = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise NotebookReadError(
            f"cannot convert nbformat v{document.get('nbformat')} notebook: {first_line}", path
        ) from None
    return json.loads(json.dumps(node))  # type: ignore[no-any-return]


def from_dict(document: object, path: Path | None = None) -> Notebook:
    """Build a :class:`Notebook` from a JSON document (v4, or v3 which is converted)."""
    is_old_format = isinstance(document, dict) and (
        (isinstance(document.get("nbformat"), int) and document["nbformat"] < 4)
        or ("worksheets" in document and "cells" not in document)
    )
    if is_old_format:
        document = _upgrade_v3(document, path)  # type: ignore[arg-type]
    problem = _structural_problem(document)
    if problem is not None:
        # The structural check names the cell; nbformat's schema errors are longer and name none.
        raise NotebookReadError(problem, path)
    assert isinstance(document, dict)
    cells = []
    for index, raw_cell in enumerate(document["cells"]):
        kind = raw_cell["cell_type"]
        metadata = raw_cell.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
        tags = metadata.get("tags")
        tag_tuple = (
            tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else ()
        )
        outputs = raw_cell.get("outputs") if kind == "code" else None
        cells.append(
            Cell(
                index=index,
                kind=kind,
                source=_source_text(raw_cell.get("source", "")),
                # A converted v3 file has no ids: nbformat's are random, new on every read.
                cell_id=raw_cell.get("id")
                if isinstance(raw_cell.get("id"), str) and not is_old_format
                else None,
                execution_count=raw_cell.get("execution_count") if kind == "code" else None,
                outputs=tuple(o for o in outputs if isinstance(o, dict)) if outputs else (),
                tags=tag_tuple,
                metadata=metadata,
            )
        )
    metadata = document.get("metadata")
    return Notebook(
        path=path,
        cells=tuple(cells),
        metadata=metadata if isinstance(metadata, dict) else {},
        nbformat=document.get("nbformat", 4) if isinstance(document.get("nbformat"), int) else 4,
        nbformat_minor=document.get("nbformat_minor", 0)
        if isinstance(document.get("nbformat_minor"), int)
        else 0,
        raw=document,
        converted=is_old_format,
    )


def reads(text: str | bytes, path: Path | None = None) -> Notebook:
    """Parse notebook JSON text."""
    if isinstance(text, bytes):
        if b"\x00" in text[:8192]:
            raise NotebookReadError("binary file, not a notebook", path)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise NotebookReadError(
                f"not UTF-8 text (byte 0x{text[error.start]:02x} at offset {error.start})", path
            ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if not text.strip():  # checked only on failure: it copies the whole text
            raise NotebookReadError("empty file, not a notebook", path) from None
        raise NotebookReadError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}", path
        ) from None
    except RecursionError:
        raise NotebookReadError("invalid JSON: nested too deeply", path) from None
    return from_dict(document, path)


def read(path: Path | str) -> Notebook:
    """Read a notebook file; every failure is a :class:`NotebookReadError` naming the file."""
    path = Path(path)
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise NotebookReadError("is a folder, not a notebook file", path)
        if not stat.S_ISREG(status.st_mode):
            # A FIFO or a device would block or never end; a linter must not wait on it.
            raise NotebookReadError("not a regular file", path)
        size = status.st_size
        if size > MAXIMUM_NOTEBOOK_BYTES:
            raise NotebookReadError(f"file is too large ({size // (1024 * 1024)} MiB)", path)
        data = path.read_bytes()
    except NotebookReadError:
        raise
    except FileNotFoundError:
        message = "broken symbolic link" if path.is_symlink() else "no such file"
        raise NotebookReadError(message, path) from None
    except PermissionError:
        raise NotebookReadError("permission denied", path) from None
    except OSError as error:
        raise NotebookReadError(f"cannot read file: {error.strerror or error}", path) from None
    return reads(data, path)


@dataclass(frozen=True, slots=True)
class WriteStyle:
    """How a notebook file was formatted, so that a rewrite changes only what it must."""

    indent: int | None = 1
    ensure_ascii: bool = False
    trailing_newline: bool = True

    def dumps(self, document: Mapping[str, Any]) -> str:
        separators = (",", ": ") if self.indent is not None else (",", ":")
        text = json.dumps(
            document, indent=self.indent, ensure_ascii=self.ensure_ascii, separators=separators
        )
        return text + "\n" if self.trailing_newline else text


def write_style_of(text: str) -> WriteStyle:
    """Detect indentation, ASCII escaping and the final newline of notebook JSON ``text``."""
    indent: int | None = None
    stripped = text.lstrip("\ufeff")
    if stripped.startswith("{\n") or stripped.startswith("{\r\n"):
        line = stripped.split("\n", 2)[1]
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            indent = None
    has_non_ascii = any(ord(character) > 127 for character in text)
    ensure_ascii = (not has_non_ascii) and "\\u" in text
    return WriteStyle(
        indent=indent, ensure_ascii=ensure_ascii, trailing_newline=text.endswith("\n")
    )


def source_lines(cell: Cell) -> Sequence[str]:
    """The cell's lines without line endings (an empty cell has none)."""
    return cell.source.splitlines()


def is_readable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.R_OK)

"""Code cells made into plain Python: nbdev directives read and stripped, IPython syntax removed, parse checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from nb2prod.analysis.parse import parse_source
from nb2prod.extract.dataflow_adapter import CellDataflow, cell_dataflow
from nb2prod.extract.ipython import MARK, remove_ipython
from nb2prod.extract.model import PreparedCell, Problem
from nb2prod.magics import mask
from nb2prod.notebook import Cell, Notebook

__all__ = ["PreparedNotebook", "prepare_cells", "rewriter_rejected_cells"]

_DIRECTIVE = re.compile(r"^[ \t]*#\|[ \t]*(?P<name>[\w-]+)(?P<rest>.*)$")
_OLD_EXPORT = re.compile(r"^#[ \t]*(export|exporti|exports)[ \t]*$")
STEP_TAG_PREFIX = "nb2prod:step="
PARAMETER_TAGS = frozenset({"parameters"})
_EXPORT_DIRECTIVES = frozenset({"export", "exporti", "exports", "exp"})


@dataclass(frozen=True, slots=True)
class PreparedNotebook:
    """Prepared code cells by number, plus what the notebook says about its own module."""

    cells: dict[int, PreparedCell]
    default_module: str | None
    problems: tuple[Problem, ...]


def _directives(source: str) -> tuple[str, set[str], str | None]:
    """Strip leading nbdev directives: (source without them, directive names, ``default_exp`` value)."""
    lines = source.split("\n")
    names: set[str] = set()
    default_module: str | None = None
    kept: list[str] = []
    in_header = True
    for line in lines:
        if in_header:
            directive = _DIRECTIVE.match(line)
            if directive:
                name = directive.group("name")
                names.add(name)
                if name == "default_exp":
                    default_module = directive.group("rest").strip() or None
                continue
            if _OLD_EXPORT.match(line.strip()):
                names.add("export")
                continue
            if line.strip():
                in_header = False
        kept.append(line)
    return "\n".join(kept), names, default_module


def _comment_out(source: str, header: str) -> str:
    lines = [f"# {MARK} {header}"]
    lines.extend(f"# {line}".rstrip() for line in source.split("\n"))
    return "\n".join(lines)


def rewriter_rejected_cells(notebook: Notebook) -> dict[int, str]:
    """The cells that ``ast`` parses and LibCST does not, with where LibCST fails."""
    rejected: dict[int, str] = {}
    for number, cell in prepare_cells(notebook).cells.items():
        if cell.parses:
            problem = _libcst_problem(cell.source)
            if problem is not None:
                rejected[number] = problem
    return rejected


def _libcst_problem(text: str) -> str | None:
    """Why LibCST cannot parse ``text`` that ``ast`` can (its grammar lags on rare forms such as a
    parenthesized annotated target, ``(x): int``), or ``None``."""
    import libcst

    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError as error:
        # The detailed message names the offending token ("error at 2:13"); the attributes, the
        # token after it.
        found = re.search(r"error at (\d+):(\d+)", error.message)
        line, column = (
            (int(found[1]), int(found[2])) if found else (error.raw_line, error.raw_column)
        )
        return f"line {line}, column {column + 1}"
    except (RecursionError, ValueError) as error:
        return f"{type(error).__name__}"
    return None


def _prepare(
    cell: Cell, problems: list[Problem], rejected: Mapping[int, str]
) -> tuple[PreparedCell, str | None]:
    source, directives, default_module = _directives(cell.source)
    masked = mask(source)
    removal = remove_ipython(source, masked)
    text = removal.source
    parsed = parse_source(text)
    if parsed.tree is None and masked.syntax and masked.is_python:
        removal = remove_ipython(source, masked, use_pass=True)
        text = removal.source
        parsed = parse_source(text)
    for dropped in removal.dropped:
        is_loss = removal.is_foreign or "None" in dropped
        problems.append(
            Problem(f"IPython syntax: {dropped}", cell.number, "warning" if is_loss else "info")
        )
    parses = parsed.tree is not None
    rewriter_problem = rejected.get(cell.number) if parses else None
    if rewriter_problem is not None:
        parses = False
        problems.append(
            Problem(
                f"valid Python that LibCST, the code rewriter, cannot parse ({rewriter_problem}); "
                "kept as a comment",
                cell.number,
                "warning",
            )
        )
        text = _comment_out(source, f"cell {cell.number} cannot be rewritten ({rewriter_problem}):")
        dataflow = CellDataflow()
    elif not parses:
        problem = parsed.problem
        where = f"line {problem.line}: {problem.message}" if problem else "invalid syntax"
        problems.append(
            Problem(f"does not parse ({where}); kept as a comment", cell.number, "warning")
        )
        text = _comment_out(source, f"cell {cell.number} does not parse ({where}):")
        dataflow = CellDataflow()
    else:
        dataflow = cell_dataflow(parsed)
    step_tags = [
        tag[len(STEP_TAG_PREFIX) :] for tag in cell.tags if tag.startswith(STEP_TAG_PREFIX)
    ]
    prepared = PreparedCell(
        number=cell.number,
        source=text,
        dataflow=dataflow,
        parses=parses,
        is_parameters=bool(PARAMETER_TAGS & set(cell.tags)),
        is_export=bool(directives & _EXPORT_DIRECTIVES),
        step_tag=step_tags[0] if step_tags else None,
        requirements=removal.requirements,
        needed_imports=removal.needed_imports,
    )
    return prepared, default_module


def prepare_cells(
    notebook: Notebook, rejected: Mapping[int, str] | None = None
) -> PreparedNotebook:
    """Prepare every code cell of ``notebook``; problems are collected, never raised.

    ``rejected`` maps cells that LibCST cannot parse to where it fails: they are kept as comments.
    """
    problems: list[Problem] = []
    cells: dict[int, PreparedCell] = {}
    default_module: str | None = None
    for cell in notebook.code_cells:
        prepared, module = _prepare(cell, problems, rejected or {})
        cells[cell.number] = prepared
        default_module = default_module or module
    return PreparedNotebook(cells, default_module, tuple(problems))

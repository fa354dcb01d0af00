"""Frozen data shared by the extract stages: options, prepared cells, the plan, problems and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nb2prod.extract.dataflow_adapter import CellDataflow

__all__ = [
    "ExtractOptions",
    "ExtractResult",
    "GeneratedFile",
    "Plan",
    "PreparedCell",
    "Problem",
    "Step",
    "StepBy",
]

StepBy = Literal["section", "cell", "tag"]
Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """What the user asked for; ``output`` is the folder that receives the package."""

    output: Path
    by: StepBy = "section"
    module_name: str | None = None
    trace: bool = False
    trace_timeout: float = 600.0


@dataclass(frozen=True, slots=True)
class Problem:
    """A hard case met while extracting: said once, in one line, with the cell it concerns."""

    message: str
    cell: int | None = None
    severity: Severity = "warning"

    def render(self) -> str:
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"{self.severity}: {where}{self.message}"


@dataclass(frozen=True, slots=True)
class PreparedCell:
    """A code cell made into plain Python: IPython syntax removed, directives stripped."""

    number: int
    source: str
    dataflow: CellDataflow
    parses: bool = True
    is_parameters: bool = False
    is_export: bool = False
    step_tag: str | None = None
    requirements: tuple[str, ...] = ()
    needed_imports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One function of the pipeline: a run of cells, what it reads from earlier steps, what it returns."""

    name: str
    title: str
    cells: tuple[int, ...]
    parameters: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()
    result: str | None = None

    @property
    def result_class(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_") if part) + "Result"


@dataclass(frozen=True, slots=True)
class Plan:
    """Where every name of the notebook lives in the module, and the steps in order."""

    steps: tuple[Step, ...]
    module_level: dict[str, str]
    function_needs: dict[str, tuple[str, ...]]
    parameters: tuple[str, ...]
    global_state: tuple[str, ...]
    undefined: dict[str, int]
    final_result: str | None
    problems: tuple[Problem, ...] = ()
    hoisted_statements: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    added_imports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """One file of the output package, relative to the output folder."""

    relative_path: str
    text: str


@dataclass(frozen=True, slots=True)
class ExtractResult:
    """What extraction produced; nothing is written until :mod:`nb2prod.extract.writer` is called."""

    notebook: Path
    module_name: str
    files: tuple[GeneratedFile, ...]
    plan: Plan
    problems: tuple[Problem, ...]
    test_count: int = 0
    needs_user_count: int = 0
    seconds: float = 0.0

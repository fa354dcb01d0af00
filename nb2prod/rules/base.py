"""The rule protocol and the context every rule's ``check`` receives."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from nb2prod.analysis.parse import ParsedCell, parse_source
from nb2prod.config import Settings
from nb2prod.diagnostics import CellSpan, Diagnostic, Fix, Related, Severity
from nb2prod.notebook import Cell, Notebook

if TYPE_CHECKING:
    from nb2prod.analysis.dataflow import Dataflow

__all__ = ["LintContext", "Rule", "RuleDoc", "parse_rule_doc"]

REQUIRED_DOC_SECTIONS = ("What it does", "Why is this bad?", "Example")
OPTIONAL_DOC_SECTIONS = ("Fix safety", "Options", "References")


@dataclass
class LintContext:
    """Everything a rule may read about one notebook; analyses are computed once, on first use."""

    notebook: Notebook
    settings: Settings = field(default_factory=Settings)
    # Results several rules share (the reordering plan, say), computed by the first that needs them.
    memo: dict[str, object] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.notebook.display_path

    @cached_property
    def parsed(self) -> dict[int, ParsedCell]:
        """Parsed code cells by cell number."""
        return {
            cell.number: parse_source(cell.source) for cell in self.notebook.cells if cell.is_code
        }

    @cached_property
    def dataflow(self) -> Dataflow:
        from nb2prod.analysis.dataflow import analyse_notebook

        return analyse_notebook(self.notebook, self.parsed)

    def cell(self, number: int) -> Cell:
        return self.notebook.cells[number - 1]

    def span(
        self,
        cell: Cell | int,
        line: int = 1,
        column: int = 1,
        end_line: int | None = None,
        end_column: int | None = None,
    ) -> CellSpan:
        """A span in ``cell``; without an end it covers the rest of the line (or the first line)."""
        target = self.cell(cell) if isinstance(cell, int) else cell
        if end_line is None or end_column is None:
            lines = target.source.splitlines() or [""]
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            end_line, end_column = line, max(column, len(text) + 1)
        return CellSpan(target.number, line, column, end_line, end_column, target.cell_id)


class Rule:
    """A lint rule. Subclasses set the class attributes and implement :meth:`check`.

    The class docstring is the rule's documentation, in the fixed sections of STYLE.md.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "warning"
    fix_title: ClassVar[str | None] = None
    # Rules that need execution counts do nothing on notebooks that carry none.
    needs_execution_counts: ClassVar[bool] = False
    # Opt-in rules run only when selected by their exact code or name, or by ALL.
    opt_in: ClassVar[bool] = False

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def diagnostic(
        self,
        context: LintContext,
        span: CellSpan | None,
        message: str,
        *,
        related: Sequence[Related] = (),
        fix: Fix | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            path=context.path,
            code=self.code,
            name=self.name,
            message=message,
            severity=severity or self.severity,
            span=span,
            fix=fix,
            related=tuple(related),
        )

    @classmethod
    def summary(cls) -> str:
        doc = parse_rule_doc(cls)
        return doc.sections.get("What it does", "").split("\n\n")[0].replace("\n", " ").strip()


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    sections: dict[str, str]

    def to_markdown(self) -> str:
        parts = [f"# {self.name} ({self.code})", ""]
        for title, body in self.sections.items():
            parts += [f"## {title}", body.strip(), ""]
        return "\n".join(parts).rstrip() + "\n"


_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)


def parse_rule_doc(rule: type[Rule]) -> RuleDoc:
    """Split a rule's docstring into its ``## `` sections, in order."""
    import inspect

    text = inspect.cleandoc(rule.__doc__ or "")
    sections: dict[str, str] = {}
    matches = list(_SECTION.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        sections[match.group(1).strip()] = text[match.end() : end].strip("\n")
    return RuleDoc(rule.code, rule.name, sections)

"""Suppressions: ``# noqa`` comments, file-level ``# nb2prod: noqa``, ``nb2prod:ignore`` cell tags, ``per-file-ignores``.

``# noqa`` comments on ruff's findings are ruff's to honour (it knows which line a multi-line
statement's comment belongs to); tags, file-level comments and ``per-file-ignores`` apply here
to both. A ruff code that nb2prod reports in its own words (``E402`` is NB401) suppresses that
NB rule too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from nb2prod.diagnostics import CellSpan, Diagnostic
from nb2prod.notebook import Notebook
from nb2prod.rules.registry import matches

__all__ = [
    "IGNORE_TAG",
    "SAME_FACT",
    "Suppression",
    "Suppressions",
    "apply_suppressions",
    "collect_suppressions",
    "parse_ignore_tag",
]

IGNORE_TAG = "nb2prod:ignore"
# ruff findings that state a fact an NB rule already reports with a richer message: ruff code ->
# the NB rules that replace it (lint keeps ours when all of them are selected).
SAME_FACT: dict[str, tuple[str, ...]] = {
    "F821": ("NB201", "NB206"),  # undefined name: use-before-definition + undefined-name
    "E402": ("NB401",),  # module-import-not-at-top-of-file: import-not-at-top
    "F403": ("NB402",),  # undefined-local-with-import-star: star-import
}
_CODE = r"[A-Z]+[0-9]+"
_CODES = rf"(?P<codes>{_CODE}(?:\s*,\s*{_CODE}|\s+{_CODE}(?![\w-]))*)"
# Line comments: bare noqa, noqa with codes (`NB201`, `E501,F401`); case-insensitive like flake8 and ruff.
_NOQA = re.compile(rf"#\s*noqa(?:\s*:\s*{_CODES})?", re.IGNORECASE)
# File-level comments (nb2prod, ruff or flake8 prefix, then noqa, optional codes) on a line of their own.
_FILE_NOQA = re.compile(
    rf"^\s*#\s*(?:nb2prod|ruff|flake8)\s*:\s*noqa(?:\s*:\s*{_CODES})?\s*$", re.IGNORECASE
)

SuppressionKind = Literal["noqa", "tag", "file"]


@dataclass
class Suppression:
    """One suppression: where it is written, which codes (``None``: all), and what it suppressed."""

    span: CellSpan
    codes: tuple[str, ...] | None
    kind: SuppressionKind
    used: set[str] = field(default_factory=set)

    def suppresses(self, code: str) -> bool:
        if self.codes is None or matches(code, self.codes):
            self.used.add(code)
            return True
        for written in self.codes:
            if code in SAME_FACT.get(written, ()):  # E402 written for ruff: NB401 too
                self.used.update((code, written))
                return True
        return False

    def unused_codes(self, *, complete: bool) -> list[str]:
        """The codes that suppressed nothing. Without ``complete`` (ruff did not run with the NB
        rules), only NB codes can be judged: a bare ``# noqa`` or ``F401`` may be for ruff."""
        if self.codes is None:
            return ["all"] if complete and not self.used else []
        return [
            code
            for code in self.codes
            if code != "NB004"
            and (complete or code.startswith("NB"))
            and not any(used.startswith(code) for used in self.used)
        ]


@dataclass
class Suppressions:
    by_line: dict[tuple[int, int], Suppression]
    by_cell: dict[int, Suppression]
    whole_file: list[Suppression]

    def all(self) -> list[Suppression]:
        return [*self.whole_file, *self.by_cell.values(), *self.by_line.values()]


def _split_codes(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    return tuple(code for code in re.split(r"[\s,]+", text.upper().strip()) if code)


def parse_ignore_tag(tag: str) -> tuple[bool, tuple[str, ...] | None]:
    """(is an ignore tag, codes) for ``nb2prod:ignore`` (all codes) and ``nb2prod:ignore=NB201,NB3``."""
    if tag == IGNORE_TAG:
        return True, None
    if tag.startswith(IGNORE_TAG + "="):
        codes = tuple(
            code.strip().upper() for code in tag.split("=", 1)[1].split(",") if code.strip()
        )
        return True, codes or None
    return False, None


def collect_suppressions(notebook: Notebook) -> Suppressions:
    """Find every ``# noqa`` comment, file-level ``# nb2prod: noqa`` and ``nb2prod:ignore`` tag."""
    by_line: dict[tuple[int, int], Suppression] = {}
    by_cell: dict[int, Suppression] = {}
    whole_file: list[Suppression] = []
    for cell in notebook.cells:
        tag_codes: list[str] = []
        tagged_all = False
        for tag in cell.tags:
            is_ignore, codes = parse_ignore_tag(tag)
            if not is_ignore:
                continue
            if codes is None:
                tagged_all = True
            else:
                tag_codes.extend(codes)
        if tagged_all or tag_codes:
            span = CellSpan(cell.number, 1, 1, 1, 1, cell.cell_id)
            by_cell[cell.number] = Suppression(
                span, None if tagged_all else tuple(tag_codes), "tag"
            )
        if not cell.is_code or "noqa" not in cell.source.lower():
            continue
        for line_number, line in enumerate(cell.source.splitlines(), start=1):
            file_match = _FILE_NOQA.match(line)
            if file_match is not None:
                span = CellSpan(
                    cell.number, line_number, 1, line_number, len(line) + 1, cell.cell_id
                )
                whole_file.append(
                    Suppression(span, _split_codes(file_match.group("codes")), "file")
                )
                continue
            match = _NOQA.search(line)
            if match is None:
                continue
            span = CellSpan(
                cell.number,
                line_number,
                match.start() + 1,
                line_number,
                match.end() + 1,
                cell.cell_id,
            )
            by_line[(cell.number, line_number)] = Suppression(
                span, _split_codes(match.group("codes")), "noqa"
            )
    return Suppressions(by_line, by_cell, whole_file)


def _is_suppressed(suppressions: Suppressions, diagnostic: Diagnostic) -> bool:
    code = diagnostic.code
    span = diagnostic.span
    if span is not None:
        line_rule = suppressions.by_line.get((span.cell, span.line))
        if line_rule is not None and line_rule.suppresses(code):
            return True
        cell_rule = suppressions.by_cell.get(span.cell)
        if cell_rule is not None and cell_rule.suppresses(code):
            return True
    return any(rule.suppresses(code) for rule in suppressions.whole_file)


def apply_suppressions(
    notebook: Notebook,
    diagnostics: Sequence[Diagnostic],
    per_file_ignores: Sequence[str] = (),
    *,
    report_unused: bool = False,
    complete: bool = False,
) -> list[Diagnostic]:
    """Drop suppressed diagnostics; with ``report_unused``, add NB004 for suppressions never used.

    ``complete`` says that ``diagnostics`` hold every source of findings (ruff's included), so a
    bare ``# noqa`` or a non-NB code that suppressed nothing can be reported too.
    """
    suppressions = collect_suppressions(notebook)
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if per_file_ignores and matches(diagnostic.code, per_file_ignores):
            continue
        if diagnostic.code == "NB004":
            kept.append(diagnostic)
            continue
        if _is_suppressed(suppressions, diagnostic):
            continue
        kept.append(diagnostic)
    if report_unused and not matches("NB004", per_file_ignores):
        kept.extend(_unused(notebook, suppressions, complete=complete))
    return kept


def _unused(notebook: Notebook, suppressions: Suppressions, *, complete: bool) -> list[Diagnostic]:
    from nb2prod.rules.notebook_errors import UnusedSuppression

    rule = UnusedSuppression()
    found: list[Diagnostic] = []
    for suppression in suppressions.all():
        unused = suppression.unused_codes(complete=complete)
        if not unused:
            continue
        if suppression.kind == "tag":
            where = f"tag `{IGNORE_TAG}{'=' + ','.join(suppression.codes) if suppression.codes else ''}` on cell {suppression.span.cell}"
        elif suppression.kind == "file":
            where = f"file-level `# noqa` in cell {suppression.span.cell}"
        else:
            where = f"`# noqa` in cell {suppression.span.cell}"
        what = "anything" if unused == ["all"] else ", ".join(unused)
        diagnostic = Diagnostic(
            path=notebook.display_path,
            code=rule.code,
            name=rule.name,
            message=f"{where} suppresses nothing ({what})"
            if unused != ["all"]
            else f"{where} suppresses nothing",
            severity=rule.severity,
            span=suppression.span,
        )
        # NB004 can itself be silenced by another suppression on the same line or cell.
        line_rule = suppressions.by_line.get((suppression.span.cell, suppression.span.line))
        cell_rule = suppressions.by_cell.get(suppression.span.cell)
        if any(
            other is not None and other is not suppression and other.suppresses(rule.code)
            for other in (line_rule, cell_rule)
        ):
            continue
        found.append(diagnostic)
    return found

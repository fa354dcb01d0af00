"""JSON output: a list of finding objects with a fixed set of keys (see the README)."""

from __future__ import annotations

from collections.abc import Sequence
from json.encoder import encode_basestring

from nb2prod.diagnostics import Diagnostic, Edit, Fix, MoveCells, Related, ReplaceText

__all__ = ["render_json"]

# One finding per line: still one JSON document, easy to grep and diff. Each line is the text
# json.dumps(diagnostic.to_dict(), ensure_ascii=False) gives, written directly: building the
# dicts and walking them in json's encoder took most of the time of a large report.
# ``encode_basestring`` is the string encoder json uses without ensure_ascii.
_NO_SPAN = '"cell": null, "cell_id": null, "line": null, "column": null, "end_line": null, "end_column": null'


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    if not diagnostics:
        return "[]\n"
    return "[\n" + ",\n".join("  " + _finding(d) for d in diagnostics) + "\n]\n"


def _finding(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    where = (
        _NO_SPAN
        if span is None
        else f'"cell": {span.cell}, "cell_id": {_optional_string(span.cell_id)}, '
        f'"line": {span.line}, "column": {span.column}, '
        f'"end_line": {span.end_line}, "end_column": {span.end_column}'
    )
    fix = "null" if diagnostic.fix is None else _fix(diagnostic.fix)
    related = ", ".join(_related(item) for item in diagnostic.related)
    return (
        f'{{"path": {encode_basestring(diagnostic.path)}, "code": {encode_basestring(diagnostic.code)}, '
        f'"name": {encode_basestring(diagnostic.name)}, "message": {encode_basestring(diagnostic.message)}, '
        f'"severity": {encode_basestring(diagnostic.severity)}, {where}, '
        f'"source": {encode_basestring(diagnostic.source)}, "fix": {fix}, "related": [{related}]}}'
    )


def _optional_string(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)


def _fix(fix: Fix) -> str:
    edits = ", ".join(_edit(edit) for edit in fix.edits)
    return (
        f'{{"title": {encode_basestring(fix.title)}, '
        f'"applicability": {encode_basestring(fix.applicability)}, "edits": [{edits}]}}'
    )


def _edit(edit: Edit) -> str:
    if isinstance(edit, ReplaceText):
        return (
            f'{{"kind": "replace_text", "cell": {edit.cell}, "line": {edit.line}, '
            f'"column": {edit.column}, "end_line": {edit.end_line}, '
            f'"end_column": {edit.end_column}, "content": {encode_basestring(edit.content)}}}'
        )
    if isinstance(edit, MoveCells):
        return f'{{"kind": "move_cells", "order": [{", ".join(map(str, edit.order))}]}}'
    indices = ", ".join(map(str, edit.output_indices))
    return f'{{"kind": "clear_outputs", "cell": {edit.cell}, "output_indices": [{indices}]}}'


def _related(item: Related) -> str:
    span = item.span
    return (
        f'{{"cell": {span.cell}, "line": {span.line}, "column": {span.column}, '
        f'"message": {encode_basestring(item.message)}}}'
    )

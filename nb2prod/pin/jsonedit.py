"""Surgical edits of notebook JSON text: set one member or insert one array item, and leave every other
byte of the file as it was (key order, indentation, escapes, number spellings, outputs).

Values are located with :mod:`nb2prod.jsontext` (``raw_decode`` reports where a value ends); new values
are serialised in the file's own :class:`~nb2prod.notebook.WriteStyle` and indented to their depth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nb2prod.jsontext import array_items, object_members, skip_whitespace
from nb2prod.notebook import WriteStyle

__all__ = ["JsonText", "Member"]


@dataclass(frozen=True, slots=True)
class Member:
    """One ``"key": value`` of an object: where the key starts and the value starts and ends."""

    key: str
    key_start: int
    value_start: int
    value_end: int


class JsonText:
    """A JSON document as text plus the style to write new values in."""

    def __init__(self, text: str, style: WriteStyle) -> None:
        self.text = text
        self.style = style

    # -- locating ---------------------------------------------------------------------------
    def root(self) -> int:
        """Offset of the top-level value (after a BOM and whitespace)."""
        return skip_whitespace(self.text, 1 if self.text.startswith("\ufeff") else 0)

    def members(self, start: int) -> list[Member]:
        """The members of the object whose ``{`` is at ``start``."""
        return [
            Member(member.key, member.key_start, member.value.start, member.value.end)
            for member in object_members(self.text, start)
        ]

    def member(self, start: int, key: str) -> Member | None:
        return next((member for member in self.members(start) if member.key == key), None)

    def items(self, start: int) -> list[tuple[int, int]]:
        """(start, end) of each item of the array whose ``[`` is at ``start``."""
        return [(item.start, item.end) for item in array_items(self.text, start)]

    # -- writing ----------------------------------------------------------------------------
    def dumps(self, value: Any, depth: int) -> str:
        """``value`` serialised in the file's style, for a place ``depth`` levels deep."""
        style = self.style
        text = json.dumps(
            value,
            indent=style.indent_text,
            ensure_ascii=style.ensure_ascii,
            separators=style.item_and_key_separators,
        )
        if style.indent_text is None:
            return text
        # JSON strings escape their line breaks: every "\n" here is layout, in the file's own.
        return text.replace("\n", style.newline + style.indent_text * depth)

    def _newline_pad(self, depth: int) -> str:
        if self.style.indent_text is None:
            return ""
        return self.style.newline + self.style.indent_text * depth

    def _splice(self, start: int, end: int, replacement: str) -> None:
        self.text = self.text[:start] + replacement + self.text[end:]

    def set_member(self, start: int, key: str, value: Any, depth: int) -> None:
        """Set ``key`` of the object at ``start`` (``depth`` is that object's depth) to ``value``.

        An existing value is replaced in place; a new key goes where a sorted object would have
        it (nbformat sorts keys), or at the end of an unsorted one.
        """
        members = self.members(start)
        separator = self.style.item_and_key_separators[1]
        serialised = self.dumps(value, depth + 1)
        for member in members:
            if member.key == key:
                self._splice(member.value_start, member.value_end, serialised)
                return
        entry = json.dumps(key, ensure_ascii=self.style.ensure_ascii) + separator + serialised
        if not members:
            close = self.text.index("}", start)
            self._splice(
                start,
                close + 1,
                "{" + self._newline_pad(depth + 1) + entry + self._newline_pad(depth) + "}",
            )
            return
        keys = [member.key for member in members]
        if keys == sorted(keys):
            for member in members:
                if member.key > key:
                    self._splice(
                        member.key_start,
                        member.key_start,
                        entry + "," + self._newline_pad(depth + 1),
                    )
                    return
        last = members[-1]
        self._splice(last.value_end, last.value_end, "," + self._newline_pad(depth + 1) + entry)

    def insert_item(self, start: int, index: int, value: Any, depth: int) -> None:
        """Insert ``value`` at ``index`` of the array at ``start`` (``depth`` is the array's depth)."""
        items = self.items(start)
        serialised = self.dumps(value, depth + 1)
        if not items:
            close = self.text.index("]", start)
            self._splice(
                start,
                close + 1,
                "[" + self._newline_pad(depth + 1) + serialised + self._newline_pad(depth) + "]",
            )
            return
        if index < len(items):
            at = items[index][0]
            self._splice(at, at, serialised + "," + self._newline_pad(depth + 1))
            return
        end = items[-1][1]
        self._splice(end, end, "," + self._newline_pad(depth + 1) + serialised)

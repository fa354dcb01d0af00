"""Where the values of a JSON text are: the members of an object and the items of an array.

``json.JSONDecoder.raw_decode`` reports where a value ends, so each value can be found in the
original text and replaced there, leaving every other byte as it was. Used to patch notebooks
(:mod:`nb2prod.notebook`) and to edit their metadata (:mod:`nb2prod.pin.jsonedit`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonItem", "JsonMember", "array_items", "object_members", "skip_whitespace"]

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class JsonItem:
    """A value as decoded, and where its text starts and ends."""

    value: Any
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class JsonMember:
    """One ``"key": value`` of an object: where the key starts, and the value."""

    key: str
    key_start: int
    value: JsonItem


def skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _expect(text: str, position: int, character: str) -> None:
    if position >= len(text) or text[position] != character:
        raise ValueError(f"expected {character!r} at offset {position}")


def _after_item(text: str, position: int, closer: str) -> int:
    """From the end of an item: the start of the next one (past a comma), or ``closer``'s offset."""
    position = skip_whitespace(text, position)
    if position < len(text) and text[position] == ",":
        return skip_whitespace(text, position + 1)
    if position >= len(text) or text[position] != closer:
        raise ValueError(f"expected ',' at offset {position}")
    return position


def object_members(text: str, start: int) -> list[JsonMember]:
    """Each member of the object whose ``{`` is at ``start``, in the text's order."""
    _expect(text, start, "{")
    members: list[JsonMember] = []
    position = skip_whitespace(text, start + 1)
    while position >= len(text) or text[position] != "}":
        key_start = position
        key, position = _DECODER.raw_decode(text, position)
        position = skip_whitespace(text, position)
        _expect(text, position, ":")
        value_start = skip_whitespace(text, position + 1)
        value, value_end = _DECODER.raw_decode(text, value_start)
        members.append(JsonMember(str(key), key_start, JsonItem(value, value_start, value_end)))
        position = _after_item(text, value_end, "}")
    return members


def array_items(text: str, start: int) -> list[JsonItem]:
    """Each item of the array whose ``[`` is at ``start``."""
    _expect(text, start, "[")
    items: list[JsonItem] = []
    position = skip_whitespace(text, start + 1)
    while position >= len(text) or text[position] != "]":
        value, end = _DECODER.raw_decode(text, position)
        items.append(JsonItem(value, position, end))
        position = _after_item(text, end, "]")
    return items

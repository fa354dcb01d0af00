"""Where pins go: a requirements file, a notebook's PEP 723 block, its ``metadata.nb2prod.environment``.

Every writer here returns the new text of a file and writes nothing; the caller computes all outputs
first and writes them afterwards (atomically), so a failure leaves no file half-updated.

* Requirements file: exact pins, each followed by pip-tools-style ``    # from: nb.ipynb`` lines.
  An existing file written by nb2prod is merged: pins recorded for other notebooks stay, pins of the
  notebooks being pinned are replaced, lines the user added without ``# from:`` are kept.
* PEP 723: juv's convention — the first code cell holding a ``# /// script`` block, or a new first
  code cell (source hidden, as juv makes it); ``uv run``, juv and marimo's sandbox read it.
  Dependencies already there are kept; those nb2prod pins get their exact version.
* Metadata: ``{"python", "implementation", "platform", "packages": {name: version}}``.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nb2prod._version import __version__
from nb2prod.analysis.environment import EnvironmentSnapshot, canonical_name
from nb2prod.analysis.pins import (
    GENERATED_HEADER,
    PEP723_BLOCK,
    Pin,
    PinFileError,
    PinSet,
    parse_requirements_text,
)
from nb2prod.errors import Nb2prodError
from nb2prod.notebook import write_style_of
from nb2prod.pin.jsonedit import JsonText
from nb2prod.pin.plan import PinEntry, relative_sources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "TransitivePin",
    "environment_metadata",
    "notebook_with_metadata",
    "notebook_with_pep723",
    "pep723_block",
    "render_requirements",
]


@dataclass(frozen=True)
class TransitivePin:
    """A pin that only other pins need (from ``--lock``): ``via`` names them."""

    name: str
    version: str
    via: tuple[str, ...]


def _python_line(snapshot: EnvironmentSnapshot | None) -> str:
    if snapshot is None:
        return ""
    return f"# Python {snapshot.python_version} ({snapshot.implementation}, {snapshot.platform_tag}).\n"


def render_requirements(
    entries: Sequence[PinEntry],
    destination: Path,
    *,
    existing: PinSet | None,
    pinned_notebooks: Sequence[str],
    snapshot: EnvironmentSnapshot | None,
    transitive: Sequence[TransitivePin] = (),
) -> str:
    """The requirements file for ``entries``, merged with ``existing`` (a file nb2prod wrote).

    ``pinned_notebooks`` are the notebooks this run pinned, as paths; their old ``# from:`` records
    are replaced by the new ones.
    """
    base = destination.parent
    current = set(relative_sources(PinEntry("", "", None, sources=tuple(pinned_notebooks)), base))
    lines: dict[
        str, tuple[str, list[str], list[str]]
    ] = {}  # name -> (requirement, sources, extra comments)
    for entry in entries:
        sources = list(relative_sources(entry, base))
        comments = (
            []
            if entry.version is not None or entry.specifier
            else ["not installed when pinned: no version"]
        )
        if entry.version is None and entry.specifier:
            comments = ["not installed when pinned: the install line's specifier"]
        lines[entry.name] = (entry.requirement, sources, comments)
    kept_via: dict[str, Pin] = {}
    if existing is not None:
        for pin in existing.pins:
            others = [source for source in pin.sources if source not in current]
            if pin.name in lines:
                requirement, sources, comments = lines[pin.name]
                lines[pin.name] = (requirement, sorted(set(sources) | set(others)), comments)
            elif others:
                lines[pin.name] = (pin.requirement, others, [])
            elif not pin.sources and pin.via:
                kept_via[pin.name] = pin
            elif not pin.sources:
                lines[pin.name] = (pin.requirement, [], ["added by hand: kept"])
    for item in transitive:
        if item.name not in lines:
            lines[item.name] = (f"{item.name}=={item.version}", [], [f"via: {', '.join(item.via)}"])
    if not transitive:
        # Without a new lock, transitive pins of an earlier lock stay as they were.
        for name, pin in kept_via.items():
            if name not in lines:
                lines[name] = (pin.requirement, [], [f"via: {', '.join(pin.via)}"])
    out = [GENERATED_HEADER + "\n", _python_line(snapshot)]
    out.append("# Update with `nb2prod pin`; compare the environment with `nb2prod pin --check`.\n")
    if existing is not None and existing.extra_lines:
        out.extend(line.rstrip("\n") + "\n" for line in existing.extra_lines)
    for name in sorted(lines):
        requirement, sources, notes = lines[name]
        out.append(requirement + "\n")
        if sources:
            out.append(f"    # from: {', '.join(sorted(sources))}\n")
        for note in notes:
            out.append(f"    # {note}\n")
    rendered = "".join(out)
    parse_requirements_text(rendered, destination)  # what we write must read back
    return rendered


def _exact_requirements(entries: Sequence[PinEntry]) -> list[str]:
    return [entry.requirement for entry in entries]


def _strip_key(content: str, key: str) -> str:
    """``content`` (TOML text) without the top-level ``key = value`` statement (arrays may span lines)."""
    match = re.search(rf"(?m)^{re.escape(key)}\s*=\s*", content)
    if match is None:
        return content
    position = match.end()
    if position < len(content) and content[position] == "[":
        depth = 0
        quote: str | None = None
        while position < len(content):
            character = content[position]
            if quote:
                if character == "\\":
                    position += 1
                elif character == quote:
                    quote = None
            elif character in "\"'":
                quote = character
            elif character == "[":
                depth += 1
            elif character == "]":
                depth -= 1
                if depth == 0:
                    position += 1
                    break
            elif character == "#":
                newline = content.find("\n", position)
                position = len(content) if newline < 0 else newline - 1
            position += 1
    end = content.find("\n", position)
    end = len(content) if end < 0 else end + 1
    return content[: match.start()] + content[end:]


def pep723_block(
    entries: Sequence[PinEntry], snapshot: EnvironmentSnapshot, existing: str | None = None
) -> str:
    """The ``# /// script`` block (without a final newline) for ``entries``.

    ``existing`` is the TOML content of the block already in the notebook: its other keys and
    tables are kept, its ``requires-python`` is kept, its dependencies are merged.
    """
    table: dict[str, Any] = {}
    rest = ""
    if existing is not None:
        table = tomllib.loads(existing)
        rest = _strip_key(_strip_key(existing, "dependencies"), "requires-python").strip("\n")
    wanted = {entry.name: entry.requirement for entry in entries}
    from packaging.requirements import InvalidRequirement, Requirement

    merged: dict[str, str] = {}
    for item in table.get("dependencies", []) or []:
        try:
            name = canonical_name(Requirement(item).name)
        except InvalidRequirement:
            name = item
        merged[name] = wanted.pop(name, item)
    merged.update(wanted)
    requires_python = table.get("requires-python")
    if not isinstance(requires_python, str):
        requires_python = ">=" + ".".join(snapshot.python_version.split(".")[:2])
    body = [f"requires-python = {json.dumps(requires_python)}", "dependencies = ["]
    body += [f"    {json.dumps(requirement)}," for _, requirement in sorted(merged.items())]
    body.append("]")
    if rest:
        body += ["", *rest.splitlines()]
    content = "\n".join(body) + "\n"
    parsed = tomllib.loads(content)  # the block must stay valid TOML
    assert sorted(parsed["dependencies"]) == sorted(merged.values())
    commented = [("# " + line) if line else "#" for line in content.splitlines()]
    return "\n".join(["# /// script", *commented, "# ///"])


def _load(text: str) -> JsonText:
    return JsonText(text, write_style_of(text))


def _check(path: Path | None, new_text: str, expected: Mapping[str, Any]) -> str:
    """Refuse to write text that does not decode to exactly the document intended."""
    if json.loads(new_text) != expected:
        raise Nb2prodError(
            "internal error: the edited notebook does not match the intended change; nothing written",
            path,
        )
    return new_text


def _source_value(source: str, as_list: bool) -> str | list[str]:
    return source.splitlines(keepends=True) if as_list else source


def notebook_with_pep723(
    text: str, path: Path | None, entries: Sequence[PinEntry], snapshot: EnvironmentSnapshot
) -> str:
    """The notebook ``text`` with its PEP 723 block written or updated; nothing else changes."""
    document = _load(text)
    expected = json.loads(text.lstrip("\ufeff"))
    root = document.root()
    cells_member = document.member(root, "cells")
    if cells_member is None:
        raise Nb2prodError("not a notebook: no 'cells' list", path)
    cells = expected["cells"]
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        raw_source = cell.get("source", "")
        source = "".join(raw_source) if isinstance(raw_source, list) else str(raw_source)
        padded = source if source.endswith("\n") else source + "\n"
        match = next(
            (m for m in PEP723_BLOCK.finditer(padded) if m.group("type") == "script"), None
        )
        if match is None:
            continue
        content = "".join(
            line[2:] if line.startswith("# ") else line[1:]
            for line in match.group("content").splitlines(keepends=True)
        )
        try:
            block = pep723_block(entries, snapshot, content)
        except tomllib.TOMLDecodeError as error:
            raise PinFileError(
                f"cell {index + 1}: invalid TOML in the '# /// script' block: {error}", path
            ) from None
        # The block's closing `# ///` ends before any padding newline, so offsets are the source's.
        new_source = source[: match.start()] + block + source[match.end() :]
        value = _source_value(new_source, isinstance(raw_source, list))
        cell["source"] = value
        cell_start = document.items(cells_member.value_start)[index][0]
        document.set_member(cell_start, "source", value, 2)
        return _check(path, document.text, expected)
    block = pep723_block(entries, snapshot)
    as_list = all(isinstance(cell.get("source", []), list) for cell in cells) if cells else True
    new_cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"jupyter": {"source_hidden": True}},
        "outputs": [],
        "source": _source_value(block, as_list),
    }
    if (expected.get("nbformat"), expected.get("nbformat_minor", 0)) >= (4, 5) or any(
        "id" in cell for cell in cells
    ):
        taken = {cell.get("id") for cell in cells}
        identifier = uuid.uuid4().hex[:8]
        while identifier in taken:
            identifier = uuid.uuid4().hex[:8]
        new_cell = {
            "cell_type": "code",
            "execution_count": None,
            "id": identifier,
            **{k: v for k, v in new_cell.items() if k not in ("cell_type", "execution_count")},
        }
    cells.insert(0, new_cell)
    document.insert_item(cells_member.value_start, 0, new_cell, 1)
    return _check(path, document.text, expected)


def environment_metadata(
    entries: Sequence[PinEntry], snapshot: EnvironmentSnapshot
) -> dict[str, Any]:
    """The ``metadata.nb2prod.environment`` record for ``entries``."""
    return {
        "python": snapshot.python_version,
        "implementation": snapshot.implementation,
        "platform": snapshot.platform_tag,
        "packages": {
            entry.name: entry.version for entry in sorted(entries, key=lambda item: item.name)
        },
        "generator": f"nb2prod {__version__}",
    }


def notebook_with_metadata(
    text: str, path: Path | None, entries: Sequence[PinEntry], snapshot: EnvironmentSnapshot
) -> str:
    """The notebook ``text`` with ``metadata.nb2prod.environment`` set; nothing else changes."""
    document = _load(text)
    expected = json.loads(text.lstrip("\ufeff"))
    record = environment_metadata(entries, snapshot)
    root = document.root()
    metadata_member = document.member(root, "metadata")
    if metadata_member is None or not isinstance(expected.get("metadata"), dict):
        expected["metadata"] = {"nb2prod": {"environment": record}}
        document.set_member(root, "metadata", expected["metadata"], 0)
        return _check(path, document.text, expected)
    metadata = expected["metadata"]
    section = metadata.get("nb2prod")
    section_member = document.member(metadata_member.value_start, "nb2prod")
    if (
        isinstance(section, dict)
        and section_member is not None
        and document.text[section_member.value_start] == "{"
    ):
        section["environment"] = record
        document.set_member(section_member.value_start, "environment", record, 2)
    else:
        metadata["nb2prod"] = {"environment": record}
        document.set_member(metadata_member.value_start, "nb2prod", metadata["nb2prod"], 1)
    return _check(path, document.text, copy.deepcopy(expected))

"""Transform: IPython syntax (magics, ``!shell``, help) removed, each with a comment saying what was dropped.

``%pip install`` / ``!pip install`` lines become requirements; ``%%writefile`` becomes a ``Path.write_text``
call; cells in another language (``%%bash``, ``%%html``...) are kept as comments.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from nb2prod.magics import IPythonSyntax, MaskedSource

__all__ = ["IPythonRemoval", "remove_ipython"]

MARK = "nb2prod:"
_TIME_PREFIX = re.compile(r"^(?P<indent>[ \t]*)if 1:[ \t]*")


@dataclass(frozen=True, slots=True)
class IPythonRemoval:
    """The cell as plain Python, what was dropped (one line each) and the packages it installed."""

    source: str
    dropped: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    needed_imports: tuple[str, ...] = ()
    is_foreign: bool = False


def _shown(item: IPythonSyntax) -> str:
    """The syntax as the user wrote it, for the comment."""
    if item.kind == "cell_magic":
        return f"%%{item.name} {item.arguments}".rstrip()
    if item.kind in ("line_magic", "assigned_magic"):
        return f"%{item.name} {item.arguments}".rstrip()
    if item.kind in ("shell", "assigned_shell"):
        return f"!{item.arguments}"
    return f"{item.arguments}?"


def install_requirements(item: IPythonSyntax) -> tuple[str, ...]:
    """The package specifiers of one install line (options and ``-r`` files left out)."""
    try:
        words = shlex.split(item.arguments)
    except ValueError:
        words = item.arguments.split()
    if "install" not in words:
        return ()
    words = words[words.index("install") + 1 :]
    found: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        if word in (
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-e",
            "--editable",
            "-c",
        ):
            skip_next = True
            continue
        if word.startswith("-") or "{" in word or "$" in word:
            continue
        found.append(word)
    return tuple(found)


def _comment_lines(text: str, header: str) -> str:
    lines = [f"# {MARK} {header}"]
    lines.extend(f"# {line}".rstrip() for line in text.split("\n"))
    return "\n".join(lines)


def _cell_magic(source: str, masked: MaskedSource) -> IPythonRemoval:
    """A whole cell in another language, or a file written by ``%%writefile``."""
    item = masked.syntax[0]
    lines = source.split("\n")
    body = "\n".join(lines[item.line :])
    if item.name in ("writefile", "file"):
        try:
            words = shlex.split(item.arguments)
        except ValueError:
            words = item.arguments.split()
        append = "-a" in words or "--append" in words
        names = [word for word in words if not word.startswith("-")]
        if names:
            target = repr(names[0])
            content = repr(body if body.endswith("\n") else body + "\n")
            comment = f"# {MARK} was `{_shown(item)}`"
            if append:
                code = (
                    f'{comment}\nwith open({target}, "a") as handle:\n    handle.write({content})'
                )
                return IPythonRemoval(code, (f"`{_shown(item)}` became a file append",))
            code = f"{comment}\nPath({target}).write_text({content})"
            return IPythonRemoval(
                code,
                (f"`{_shown(item)}` became Path.write_text",),
                needed_imports=("from pathlib import Path",),
            )
    text = _comment_lines(source, f"dropped a `%%{item.name}` cell (not Python):")
    return IPythonRemoval(
        text, (f"a `%%{item.name}` cell (not Python) was kept as a comment",), is_foreign=True
    )


def remove_ipython(source: str, masked: MaskedSource, *, use_pass: bool = False) -> IPythonRemoval:
    """Plain Python for one cell; ``use_pass`` keeps a ``pass`` where a comment alone would empty a block."""
    if not masked.syntax:
        return IPythonRemoval(source)
    if not masked.is_python:
        return _cell_magic(source, masked)
    original = source.split("\n")
    masked_lines = masked.text.split("\n")
    lines = list(original)
    dropped: list[str] = []
    requirements: list[str] = []
    for item in masked.syntax:
        index = item.line - 1
        if index >= len(lines):
            continue
        shown = _shown(item)
        indent = original[index][: len(original[index]) - len(original[index].lstrip(" \t"))]
        if item.is_install:
            requirements.extend(install_requirements(item))
        if item.kind == "cell_magic":
            lines[index] = f"{indent}# {MARK} dropped `{shown}`"
            dropped.append(f"`{shown}`")
            continue
        if item.kind in ("assigned_shell", "assigned_magic"):
            lines[index] = f"{masked_lines[index]}  # {MARK} was `{original[index].strip()}`"
            targets = ", ".join(item.targets) or "the name"
            dropped.append(f"`{shown}` ({targets} is now None)")
            continue
        statement = _TIME_PREFIX.match(masked_lines[index])
        if item.kind == "line_magic" and statement is not None:
            rest = masked_lines[index][statement.end() :]
            lines[index] = f"{indent}{rest}  # {MARK} dropped `%{item.name}`"
            dropped.append(f"`%{item.name}`")
            continue
        what = "installed" if item.is_install else "dropped"
        replacement = "pass  " if use_pass else ""
        lines[index] = f"{indent}{replacement}# {MARK} {what} `{shown}`"
        dropped.append(f"`{shown}`" + (" (now in requirements.txt)" if item.is_install else ""))
    return IPythonRemoval("\n".join(lines), tuple(dropped), tuple(dict.fromkeys(requirements)))

"""``nb2prod pin --lock``: a full transitive lock through ``uv pip compile``.

The direct pins go in as requirements; every distribution installed in the kernel's environment goes
in as a constraint, so the lock matches the environment wherever the index allows. Without uv the
command stops with a message saying how to get it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nb2prod.analysis.environment import EnvironmentSnapshot, canonical_name
from nb2prod.errors import Nb2prodError
from nb2prod.pin.plan import PinEntry
from nb2prod.pin.writers import TransitivePin

__all__ = ["LockError", "LockResult", "find_uv", "lock_requirements"]

LOCK_TIMEOUT_SECONDS = 300


class LockError(Nb2prodError):
    """``uv pip compile`` is missing or failed."""


@dataclass(frozen=True)
class LockResult:
    direct: tuple[PinEntry, ...]
    transitive: tuple[TransitivePin, ...]


def find_uv() -> str | None:
    """``uv`` on PATH, beside this interpreter, or from the ``uv`` Python package."""
    found = shutil.which("uv")
    if found:
        return found
    beside = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    if beside.is_file():
        return str(beside)
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return str(find_uv_bin())
    except (FileNotFoundError, OSError):
        return None


_LOCK_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)\s*(?:#\s*via\s+(?P<via>.*))?$"
)


def lock_requirements(
    entries: Sequence[PinEntry], snapshot: EnvironmentSnapshot, interpreter: str, destination: Path
) -> LockResult:
    """Resolve ``entries`` and everything they depend on to exact versions."""
    uv = find_uv()
    if uv is None:
        raise LockError(
            "--lock needs uv, which was not found (install it with `pip install uv`)", destination
        )
    requirements = "".join(entry.requirement + "\n" for entry in entries)
    constraints = "".join(
        f"{distribution.key}=={distribution.version}\n"
        for distribution in snapshot.distributions.values()
        if "+" not in distribution.version  # local versions are not on any index
    )
    with tempfile.TemporaryDirectory(prefix="nb2prod-lock-") as folder:
        constraint_file = Path(folder) / "constraints.txt"
        constraint_file.write_text(constraints, encoding="utf-8")
        command = [
            uv,
            "pip",
            "compile",
            "-",
            "--python",
            interpreter,
            "--no-header",
            "--annotation-style",
            "line",
            "--constraint",
            str(constraint_file),
            "--quiet",
        ]
        try:
            completed = subprocess.run(
                command,
                input=requirements,
                capture_output=True,
                text=True,
                timeout=LOCK_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise LockError(f"uv pip compile could not run: {error}", destination) from None
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        detail = " ".join(lines[-3:])[:400] if lines else f"exit code {completed.returncode}"
        raise LockError(f"uv pip compile failed: {detail}", destination)
    by_name = {entry.name: entry for entry in entries}
    direct: list[PinEntry] = []
    transitive: list[TransitivePin] = []
    for line in completed.stdout.splitlines():
        match = _LOCK_LINE.match(line.strip())
        if match is None:
            continue
        name = canonical_name(match.group("name"))
        version = match.group("version")
        if name in by_name:
            direct.append(
                PinEntry(name, by_name[name].display_name, version, sources=by_name[name].sources)
            )
        else:
            via = tuple(
                canonical_name(part.strip())
                for part in (match.group("via") or "").split(",")
                if part.strip() and not part.strip().startswith("-")
            )
            transitive.append(TransitivePin(name, version, via))
    return LockResult(tuple(direct), tuple(transitive))

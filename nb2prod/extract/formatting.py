"""Output formatted and linted with ruff: imports sorted, unused imports and dead locals removed, then ``ruff format``.

Findings that are faithful to the notebook but against style (``== None`` on a DataFrame column, an
``l`` variable, a star import) get a ``# noqa`` with their code; real errors such as an undefined name
are left for ``--check`` to report.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["LINE_LENGTH", "NOQA_CODES", "RUFF_SELECT", "format_sources", "ruff_command"]

LINE_LENGTH = 100
RUFF_SELECT = ("E", "F", "W", "I")
RUFF_IGNORE = ("E501",)
# Fixes that change code a notebook author wrote, but only in ways that keep what it computes.
_UNSAFE_FIXES_APPLIED = ("F401", "F841", "E731", "I001")
NOQA_CODES = (
    "E711",
    "E712",
    "E721",
    "E722",
    "E741",
    "E731",
    "E402",
    "F403",
    "F405",
    "F811",
    "F632",
    "W605",
    "E701",
    "E702",
    "W291",
    "W293",
)


def ruff_command() -> list[str]:
    """The ruff executable installed with nb2prod."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return [str(find_ruff_bin())]
    except (ImportError, FileNotFoundError):
        return ["ruff"]


def _ruff(arguments: Sequence[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ruff_command(), *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def format_sources(sources: Mapping[str, str]) -> dict[str, str]:
    """``sources`` (relative path -> Python text) after ruff's fixes and formatter; unparsable text is returned as is."""
    with tempfile.TemporaryDirectory(prefix="nb2prod-format-") as temporary:
        folder = Path(temporary)
        for relative, text in sources.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        files = list(sources)
        common = ["--isolated", "--line-length", str(LINE_LENGTH), "--no-cache"]
        safe = ", ".join(f'"{code}"' for code in _UNSAFE_FIXES_APPLIED)
        _ruff(
            [
                "check",
                *common,
                "--fix",
                "--exit-zero",
                "--select",
                ",".join(RUFF_SELECT),
                "--ignore",
                ",".join(RUFF_IGNORE),
                "--config",
                f"lint.extend-safe-fixes = [{safe}]",
                *files,
            ],
            folder,
        )
        _ruff(["format", *common, *files], folder)
        added = _ruff(
            ["check", *common, "--add-noqa", "--select", ",".join(NOQA_CODES), *files], folder
        )
        if re.search(r"Added [1-9]", added.stdout + added.stderr):
            _ruff(["format", *common, *files], folder)
        return {relative: (folder / relative).read_text(encoding="utf-8") for relative in sources}

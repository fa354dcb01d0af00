"""``--check``: ruff check, ruff format --check, mypy and the generated tests run in the output folder, and
what ``python -m <module>`` prints compared with the notebook's saved text outputs. One line per check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nb2prod.extract.formatting import ruff_command
from nb2prod.notebook import Notebook

__all__ = ["CheckResult", "expected_printed_output", "normalise_output", "run_checks"]

Verdict = Literal["passed", "failed", "skipped"]
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Cells whose saved output is IPython's own chatter, not what the code printed.
_SILENT_CELL_MAGICS = (
    "%%writefile",
    "%%file",
    "%%bash",
    "%%sh",
    "%%script",
    "%%capture",
    "%%html",
    "%%javascript",
    "%%latex",
)
_MAGIC_CHATTER = re.compile(r"^(CPU times:|Wall time:|Note: you may need to restart the kernel)")
_PYTEST_SUMMARY = re.compile(
    r"^=*\s*(?P<text>\d+ (?:passed|failed|skipped|errors?|deselected)[^=\n]*?) in [\d.]+s",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict and the one line that explains it; ``details`` is the tool's output."""

    name: str
    verdict: Verdict
    summary: str
    details: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict != "failed"

    def render(self) -> str:
        return f"{self.name:<15} {self.verdict:<8} {self.summary}"


def _run(command: list[str], folder: Path, timeout: float) -> tuple[int, str]:
    environment = dict(os.environ)
    environment.setdefault("MPLBACKEND", "Agg")
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        completed = subprocess.run(
            command,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=environment,
        )
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout:.0f} s"
    except OSError as error:
        return -2, f"cannot run {command[0]}: {error}"
    return completed.returncode, completed.stdout + completed.stderr


def _first_lines(text: str, count: int = 1) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[:count])[:160]


def normalise_output(text: str) -> list[str]:
    """Lines to compare: memory addresses removed, trailing spaces and blank lines dropped."""
    lines = _ADDRESS.sub(" at 0x…", text).splitlines()
    return [line.rstrip() for line in lines if line.strip() and not _MAGIC_CHATTER.match(line)]


def expected_printed_output(notebook: Notebook, cell_numbers: set[int] | None = None) -> str | None:
    """The notebook's saved stdout, in cell order; ``None`` when it has no saved outputs at all."""
    if not any(cell.outputs for cell in notebook.code_cells):
        return None
    parts: list[str] = []
    for cell in notebook.code_cells:
        if cell_numbers is not None and cell.number not in cell_numbers:
            continue
        if cell.source.lstrip().startswith(_SILENT_CELL_MAGICS):
            continue
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                parts.append("".join(text) if isinstance(text, list) else str(text))
    return "".join(parts)


def _compare_printed(
    folder: Path,
    module_name: str,
    notebook: Notebook,
    timeout: float,
    cell_numbers: set[int] | None,
) -> CheckResult:
    expected = expected_printed_output(notebook, cell_numbers)
    if expected is None:
        return CheckResult(
            "printed output", "skipped", "the notebook has no saved outputs to compare with"
        )
    code, _ = 0, ""
    try:
        environment = dict(os.environ)
        environment.setdefault("MPLBACKEND", "Agg")
        completed = subprocess.run(
            [sys.executable, "-m", module_name],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=environment,
        )
        code, printed, errors = completed.returncode, completed.stdout, completed.stderr
    except subprocess.TimeoutExpired:
        return CheckResult(
            "printed output", "failed", f"python -m {module_name} timed out after {timeout:.0f} s"
        )
    if code != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        return CheckResult(
            "printed output", "failed", f"python -m {module_name} failed: {last[:160]}", errors
        )
    expected_lines, printed_lines = normalise_output(expected), normalise_output(printed)
    if expected_lines == printed_lines:
        return CheckResult(
            "printed output", "passed", f"matches the notebook ({len(expected_lines)} lines)"
        )
    for index, (want, got) in enumerate(zip(expected_lines, printed_lines, strict=False), start=1):
        if want != got:
            return CheckResult(
                "printed output",
                "failed",
                f"line {index} differs: notebook {want[:60]!r}, module {got[:60]!r}",
                printed,
            )
    return CheckResult(
        "printed output",
        "failed",
        f"the notebook printed {len(expected_lines)} lines, the module {len(printed_lines)}",
        printed,
    )


def run_checks(
    folder: Path,
    module_name: str,
    notebook: Notebook,
    *,
    timeout: float = 300.0,
    cell_numbers: set[int] | None = None,
) -> list[CheckResult]:
    """Every check, in order; a check that cannot run is a failure with the reason, never an exception."""
    results: list[CheckResult] = []
    ruff = ruff_command()
    code, output = _run([*ruff, "check", "--no-cache", "."], folder, timeout)
    results.append(
        CheckResult(
            "ruff check",
            "passed" if code == 0 else "failed",
            "no findings" if code == 0 else _first_lines(output),
            output,
        )
    )
    code, output = _run([*ruff, "format", "--check", "--no-cache", "."], folder, timeout)
    results.append(
        CheckResult(
            "ruff format",
            "passed" if code == 0 else "failed",
            "formatted" if code == 0 else _first_lines(output),
            output,
        )
    )
    code, output = _run(
        [sys.executable, "-m", "mypy", "--no-incremental", f"{module_name}.py"], folder, timeout
    )
    results.append(
        CheckResult(
            "mypy",
            "passed" if code == 0 else "failed",
            _first_lines(output.strip().splitlines()[-1] if output.strip() else ""),
            output,
        )
    )
    code, output = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"], folder, timeout
    )
    matches = list(_PYTEST_SUMMARY.finditer(output))
    summary = matches[-1].group("text").strip() if matches else _first_lines(output)
    results.append(CheckResult("tests", "passed" if code == 0 else "failed", summary, output))
    results.append(_compare_printed(folder, module_name, notebook, timeout, cell_numbers))
    return results

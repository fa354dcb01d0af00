"""Compare nb2prod with its peers on the same notebooks, in one run: notebooks handled, failures, findings, time.

    python benchmarks/compare_peers.py FOLDER [--venv PATH] [--repeat N]

Runs, on every ``.ipynb`` under FOLDER (same discovery as nb2prod, so the same files):
  - nb2prod lint (ruff merged in, its default selection), and nb2prod with --no-ruff;
  - ruff alone on the notebooks (the same default selection: F, E4, E7, E9);
  - the parse floor: json.loads of every file + ast.parse of every code cell, in a fresh process;
  - nbqa pyflakes;
  - pynblint, through its API one notebook at a time (its CLI stops at the first bad notebook).
nbqa, pyflakes and pynblint are installed into a separate benchmark environment (default
/tmp/nb2prod-bench-venv) created with uv when missing; pynblint needs click<8.2.
Wall seconds are the best of --repeat runs (the machine may be shared). The check at the end:
nb2prod with ruff must stay within 1.5x of (ruff alone + parse floor).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_VENV = Path(tempfile.gettempdir()) / "nb2prod-bench-venv"
BENCH_PACKAGES = ("pynblint", "click<8.2", "nbqa", "pyflakes")
BUDGET = 1.5


@dataclass
class Outcome:
    tool: str
    handled: int
    failures: int
    findings: int
    seconds: float
    note: str = ""
    cpu: float = float("nan")


def discover(folder: Path) -> list[Path]:
    from nb2prod.fs import discover_notebooks

    return list(discover_notebooks([folder]))


def ensure_venv(venv: Path) -> Path:
    """The benchmark environment's python, created with uv (or venv + pip) when missing."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import pynblint, nbqa, pyflakes"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if Path(uv).exists():
        subprocess.run([uv, "venv", "-q", str(venv)], check=True)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(python), *BENCH_PACKAGES], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *BENCH_PACKAGES], check=True)
    return python


_LAST_CPU: list[float] = [float("nan")]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: Sequence[str], repeat: int, **kwargs: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Best wall seconds of ``repeat`` runs; the best CPU seconds (user + system) go to _LAST_CPU."""
    best = float("inf")
    best_cpu = float("inf")
    completed: subprocess.CompletedProcess[str] | None = None
    for _ in range(repeat):
        cpu = _children_cpu()
        start = time.perf_counter()
        completed = subprocess.run(list(command), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
    assert completed is not None
    _LAST_CPU[0] = best_cpu
    return best, completed


def compile_nb2prod() -> None:
    """Write nb2prod's bytecode, as installing its wheel does: an editable checkout under
    PYTHONDONTWRITEBYTECODE would otherwise recompile every module in every timed run."""
    import compileall

    import nb2prod

    compileall.compile_dir(str(Path(nb2prod.__file__).parent), quiet=1)


def run_nb2prod(files: list[Path], folder: Path, repeat: int, *, ruff: bool) -> Outcome:
    command = [sys.executable, "-m", "nb2prod", "lint", "--format", "json", "--exit-zero", str(folder.resolve())]
    if not ruff:
        command.insert(4, "--no-ruff")
    seconds, completed = timed(command, repeat, cwd=tempfile.gettempdir())
    findings = json.loads(completed.stdout or "[]")
    failed = {d["path"] for d in findings if d["code"] in ("NB001", "NB000")}
    broken_ruff = any(d["code"] == "NB005" for d in findings)
    real = [d for d in findings if d["code"] not in ("NB001", "NB000", "NB003", "NB005")]
    name = "nb2prod (with ruff)" if ruff else "nb2prod --no-ruff"
    return Outcome(name, len(files) - len(failed), len(failed), len(real), seconds, "ruff failed" if broken_ruff else "")


def run_ruff(files: list[Path], repeat: int) -> Outcome:
    from nb2prod.lint_ruff import DEFAULT_RUFF_SELECT, find_ruff

    binary = find_ruff()
    if binary is None:
        return Outcome("ruff alone", 0, len(files), 0, float("nan"), "ruff not installed")
    command = [binary, "check", "--isolated", "--select", ",".join(DEFAULT_RUFF_SELECT), "--output-format", "json", "--no-cache", "--exit-zero", *map(str, files)]
    seconds, completed = timed(command, repeat)
    findings = json.loads(completed.stdout or "[]")
    syntax = {f["filename"] for f in findings if f.get("code") in (None, "invalid-syntax") or f.get("name") == "invalid-syntax"}
    real = [f for f in findings if f["filename"] not in syntax or f.get("code") not in (None, "invalid-syntax")]
    return Outcome("ruff alone", len(files) - len(syntax), len(syntax), len(real), seconds, "failures = files with a syntax error ruff cannot lint past")


_FLOOR_SCRIPT = r"""
import ast, json, re, sys, warnings
warnings.simplefilter("ignore")
magic = re.compile(r"^[ \t]*[%!?]", re.M)
bad = 0
for path in sys.argv[1:]:
    try:
        document = json.loads(open(path, "rb").read())
        for cell in document.get("cells") or [c for w in document.get("worksheets", []) for c in w.get("cells", [])]:
            if cell.get("cell_type") == "code":
                source = cell.get("source") or cell.get("input") or ""
                source = "".join(source) if isinstance(source, list) else source
                try:
                    ast.parse(magic.sub("pass #", source))
                except (SyntaxError, ValueError):
                    pass
    except Exception:
        bad += 1
print(bad)
"""


def run_floor(files: list[Path], repeat: int) -> Outcome:
    seconds, completed = timed([sys.executable, "-c", _FLOOR_SCRIPT, *map(str, files)], repeat)
    bad = int((completed.stdout or "0").strip() or 0)
    return Outcome("parse floor (json + ast)", len(files) - bad, bad, 0, seconds, "lower bound for any linter in Python")


def run_nbqa(files: list[Path], python: Path, repeat: int) -> Outcome:
    nbqa = python.parent / "nbqa"
    seconds, completed = timed([str(nbqa), "pyflakes", *map(str, files)], repeat)
    lines = completed.stdout.splitlines()
    findings = [line for line in lines if ".ipynb:cell_" in line]
    failed = {name for name in map(str, files) if name in completed.stderr}
    return Outcome("nbqa pyflakes", len(files) - len(failed), len(failed), len(findings), seconds, "failures = notebooks named in nbqa's errors")


_PYNBLINT_SCRIPT = r"""
import json, sys
from pathlib import Path
from pynblint import loader
from pynblint.core_models import Notebook
from pynblint.nb_linter import NotebookLinter
loader.load_core_modules()
handled = failures = findings = 0
for name in sys.argv[1:]:
    try:
        linter = NotebookLinter(Notebook(Path(name)))
    except BaseException:
        failures += 1
        continue
    handled += 1
    for lint in linter.lints:
        result = lint.result
        findings += len(result) if isinstance(result, list) else int(bool(result))
print(json.dumps([handled, failures, findings]))
"""


def run_pynblint(files: list[Path], python: Path, repeat: int) -> Outcome:
    seconds, completed = timed([str(python), "-c", _PYNBLINT_SCRIPT, *map(str, files)], repeat)
    try:
        handled, failures, findings = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return Outcome("pynblint (API)", 0, len(files), 0, seconds, f"did not run: {completed.stderr.strip()[-200:]}")
    return Outcome("pynblint (API)", handled, failures, findings, seconds, "findings = affected cells + notebook-level lints")


def table(outcomes: list[Outcome], reference: float) -> str:
    header = f"| {'tool':<26} | {'handled':>7} | {'failures':>8} | {'findings':>8} | {'wall s':>7} | {'x nb2prod':>9} | {'CPU s':>6} | note"
    rows = [header, "|" + "|".join(["-" * 28, "-" * 9, "-" * 10, "-" * 10, "-" * 9, "-" * 11, "-" * 8, "-" * 6])]
    for outcome in outcomes:
        ratio = outcome.seconds / reference if reference else float("nan")
        rows.append(
            f"| {outcome.tool:<26} | {outcome.handled:>7} | {outcome.failures:>8} | {outcome.findings:>8} | "
            f"{outcome.seconds:>7.2f} | {ratio:>9.2f} | {outcome.cpu:>6.2f} | {outcome.note}"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="benchmark environment for nbqa/pyflakes/pynblint")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best is kept")
    parser.add_argument("--skip-peers", action="store_true", help="only nb2prod, ruff and the floor")
    arguments = parser.parse_args(argv)
    files = discover(arguments.folder)
    if not files:
        print(f"no notebooks under {arguments.folder}", file=sys.stderr)
        return 2
    print(f"{len(files)} notebooks under {arguments.folder}, best of {arguments.repeat} runs, {os.cpu_count()} CPUs\n")
    compile_nb2prod()
    steps: list[Callable[[], Outcome]] = [
        lambda: run_nb2prod(files, arguments.folder, arguments.repeat, ruff=True),
        lambda: run_nb2prod(files, arguments.folder, arguments.repeat, ruff=False),
        lambda: run_ruff(files, arguments.repeat),
        lambda: run_floor(files, arguments.repeat),
    ]
    if not arguments.skip_peers:
        python = ensure_venv(arguments.venv)
        steps += [lambda: run_nbqa(files, python, arguments.repeat), lambda: run_pynblint(files, python, arguments.repeat)]
    outcomes = []
    for step in steps:
        outcome = step()
        outcome.cpu = _LAST_CPU[0]
        print(f"  {outcome.tool}: {outcome.seconds:.2f} s", file=sys.stderr)
        outcomes.append(outcome)
    reference = outcomes[0].seconds
    print(table(outcomes, reference))
    ruff_alone, floor = outcomes[2].seconds, outcomes[3].seconds
    limit = BUDGET * (ruff_alone + floor)
    verdict = "within" if reference <= limit else "OVER"
    print(f"\nwall: nb2prod with ruff {reference:.2f} s; budget {BUDGET} x (ruff {ruff_alone:.2f} s + floor {floor:.2f} s) = {limit:.2f} s: {verdict}")
    cpu_reference, cpu_limit = outcomes[0].cpu, BUDGET * (outcomes[2].cpu + outcomes[3].cpu)
    cpu_verdict = "within" if cpu_reference <= cpu_limit else "OVER"
    print(f"CPU:  nb2prod with ruff {cpu_reference:.2f} s; budget {BUDGET} x (ruff {outcomes[2].cpu:.2f} s + floor {outcomes[3].cpu:.2f} s) = {cpu_limit:.2f} s: {cpu_verdict}")
    return 0 if reference <= limit else 1


if __name__ == "__main__":
    sys.exit(main())

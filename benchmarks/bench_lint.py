"""Lint speed against a parse floor measured in the same run: ``python benchmarks/bench_lint.py [FOLDER]``.

The floor is what any Python notebook linter must do at least: ``json.loads`` of every file and
``ast.parse`` of every code cell (IPython lines crudely blanked). nb2prod is measured through its
library API (NB rules, no ruff) in one process (``jobs=1``) and on all cores. Each timing is the
best of ``--repeat`` runs with nb2prod's caches emptied first; CPU time is printed beside wall time
because a busy machine inflates wall time. Peak memory comes from a separate ``tracemalloc`` pass.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = REPOSITORY.parent / "shared" / "corpus"


@dataclass
class Timing:
    wall: float
    cpu: float


def code_sources(document: object) -> list[str]:
    """The code cells' sources, from nbformat 4 (``cells``) or 3 (``worksheets``)."""
    if not isinstance(document, dict):
        return []
    cells = document.get("cells")
    if cells is None:
        cells = [cell for sheet in document.get("worksheets", []) for cell in sheet.get("cells", [])]
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def floor_one(path: Path) -> int:
    """json.loads + ast.parse of every code cell; returns the number of cells parsed."""
    document = json.loads(path.read_bytes())
    parsed = 0
    for source in code_sources(document):
        lines = source.split("\n")
        if source.lstrip().startswith("%%"):
            lines = []  # a cell magic: the body is not Python
        text = "\n".join("" if line.lstrip().startswith(("%", "!", "?")) else line for line in lines)
        try:  # noqa: SIM105 - a bare try is the cheapest guard, and this is the floor
            ast.parse(text)
        except (SyntaxError, ValueError):
            pass
        parsed += 1
    return parsed


def floor_all(paths: list[Path]) -> None:
    for path in paths:
        try:  # noqa: SIM105 - as above
            floor_one(path)
        except ValueError:
            pass


def clear_nb2prod_caches() -> None:
    """Empty every module-level ``lru_cache`` in nb2prod, so each run parses from scratch."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("nb2prod") or module is None:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def best_of(repeat: int, action: Callable[[], object], before: Callable[[], None] = lambda: None) -> Timing:
    timings = []
    for _ in range(repeat):
        before()
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        timings.append(Timing(time.perf_counter() - wall, time.process_time() - cpu))
    return min(timings, key=lambda timing: timing.wall)


def peak_memory(action: Callable[[], object], before: Callable[[], None] = lambda: None) -> int:
    before()
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--select", default="NB", help="NB rules to run (default: all NB rules)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--largest", type=int, default=20, help="notebooks in the latency sample")
    arguments = parser.parse_args()
    warnings.simplefilter("ignore")

    from nb2prod.config import Settings
    from nb2prod.fs import discover_notebooks
    from nb2prod.lint import default_jobs, lint_path, lint_paths, rules_for

    folder: Path = arguments.folder
    if not folder.is_dir():
        print(f"bench_lint: {folder} is not a folder", file=sys.stderr)
        return 2
    settings = Settings(ruff=False, respect_gitignore=False)
    rules = rules_for(settings, [code.strip() for code in arguments.select.split(",")])
    paths = list(discover_notebooks([folder], respect_gitignore=False))
    total_bytes = sum(path.stat().st_size for path in paths)
    cores = default_jobs()
    print(f"{len(paths)} notebooks, {total_bytes / 2**20:.1f} MiB, in {folder}")
    print(f"rules: {len(rules)} ({arguments.select}), no ruff; {cores} cores; best of {arguments.repeat}")

    for path in paths:  # warm the operating system's file cache for every contender alike
        path.read_bytes()

    def lint_one_process() -> None:
        lint_paths([folder], settings, rules, jobs=1)

    def lint_all_cores() -> None:
        lint_paths([folder], settings, rules, jobs=cores)

    floor = best_of(arguments.repeat, lambda: floor_all(paths))
    single = best_of(arguments.repeat, lint_one_process, clear_nb2prod_caches)
    parallel = best_of(arguments.repeat, lint_all_cores, clear_nb2prod_caches)
    floor_peak = peak_memory(lambda: floor_all(paths))
    lint_peak = peak_memory(lint_one_process, clear_nb2prod_caches)
    findings = sum(len(result.diagnostics) for result in lint_paths([folder], settings, rules, jobs=1).results)

    rows = [
        ("parse floor (json.loads + ast.parse)", floor),
        ("nb2prod lint --jobs 1", single),
        (f"nb2prod lint --jobs {cores}", parallel),
    ]
    print()
    print(f"{'':40} {'wall s':>8} {'cpu s':>8} {'nb/s':>8} {'x floor':>8} {'x floor cpu':>12}")
    for label, timing in rows:
        cpu = f"{timing.cpu:8.3f}" if label != rows[2][0] else "       -"
        ratio_cpu = f"{timing.cpu / floor.cpu:12.2f}" if label != rows[2][0] else "           -"
        print(
            f"{label:40} {timing.wall:8.3f} {cpu} {len(paths) / timing.wall:8.0f} "
            f"{timing.wall / floor.wall:8.2f} {ratio_cpu}"
        )
    print()
    print(f"peak traced memory: floor {floor_peak / 2**20:.1f} MiB, nb2prod lint --jobs 1 {lint_peak / 2**20:.1f} MiB")
    print(f"findings: {findings}")

    by_code_lines = sorted(paths, key=lambda path: -sum(source.count("\n") + 1 for source in code_sources(json.loads(path.read_bytes()))))
    largest = by_code_lines[: arguments.largest]
    floor_latency, lint_latency = [], []
    for path in largest:
        floor_latency.append(best_of(arguments.repeat, lambda path=path: floor_one(path)).wall * 1000)
        lint_latency.append(best_of(arguments.repeat, lambda path=path: lint_path(path, settings, rules), clear_nb2prod_caches).wall * 1000)
    print()
    print(f"per-notebook latency, {len(largest)} largest notebooks (by code lines), warm process:")
    print(f"  floor          p50 {percentile(floor_latency, 0.5):7.1f} ms   p95 {percentile(floor_latency, 0.95):7.1f} ms")
    print(f"  nb2prod lint   p50 {percentile(lint_latency, 0.5):7.1f} ms   p95 {percentile(lint_latency, 0.95):7.1f} ms")
    print(f"  ratio (median of per-notebook ratios): {statistics.median(lint / floor for lint, floor in zip(lint_latency, floor_latency, strict=True)):.2f}x")
    target = single.cpu / floor.cpu
    print()
    print(f"target: nb2prod lint --jobs 1 <= 2x the floor -> {target:.2f}x (cpu), {single.wall / floor.wall:.2f}x (wall)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

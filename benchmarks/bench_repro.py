"""Benchmark ``nb2prod repro`` against plain papermill on the same notebooks, in one run.

Prints, per notebook and in total: papermill's execution time, nb2prod's execution time and the
time nb2prod spends outside execution (reading, normalising, comparing) as a percentage of its
execution time (target < 10 %), and the wall-clock speed-up of ``-j 2`` over ``-j 1``.

Notebooks: up to N corpus notebooks that run offline (MANIFEST.tsv: light_deps=yes, py3_parses=yes,
net_hint=no, reads_files=no, has_outputs=yes) and that papermill runs to completion here, plus the
fixtures in fixtures/run that complete.

    .venv/bin/python benchmarks/bench_repro.py [--count 12] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = ["reproduces.ipynb", "equivalent_addresses_timestamps.ipynb", "float_noise.ipynb", "really_differs.ipynb", "image_output.ipynb", "parameterized.ipynb", "skip_tags.ipynb"]


def offline_candidates(corpus: Path) -> list[Path]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    wanted = {"light_deps": "yes", "py3_parses": "yes", "net_hint": "no", "reads_files": "no", "has_outputs": "yes"}
    by_repository: dict[str, list[Path]] = {}
    for row in rows:
        if all(row.get(key) == value for key, value in wanted.items()):
            by_repository.setdefault(row["repo"], []).append(corpus / row["corpus_file"])
    # Round-robin over repositories, so that one repository's style does not make the whole sample.
    queues = list(by_repository.values())
    ordered: list[Path] = []
    while any(queues):
        for queue in queues:
            if queue:
                ordered.append(queue.pop(0))
    return ordered


def papermill_seconds(path: Path) -> float | None:
    """Plain papermill, in process, on the installed python3 kernel; None when the notebook fails."""
    import papermill

    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(str(path), None, progress_bar=False, kernel_name="python3", cwd=str(path.parent), execution_timeout=120)
    except Exception:
        return None
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12, help="corpus notebooks to use")
    parser.add_argument("--corpus", type=Path, default=REPOSITORY.parent / "shared" / "corpus")
    arguments = parser.parse_args()

    from nb2prod.run.repro import ReproOptions, repro_notebook, repro_paths

    workspace = Path(tempfile.mkdtemp(prefix="bench-repro-"))
    try:
        candidates: list[Path] = []
        if arguments.corpus.is_dir():
            for source in offline_candidates(arguments.corpus):
                target = workspace / "corpus" / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
                candidates.append(target)
        else:
            print(f"corpus not found at {arguments.corpus}; fixtures only", file=sys.stderr)
        for name in FIXTURES:
            target = workspace / "fixtures" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPOSITORY / "fixtures" / "run" / name, target)
            candidates.append(target)

        options = ReproOptions(kernel_name="python3", timeout=120)
        rows = []
        corpus_used = 0
        print(f"{'notebook':<60} {'papermill':>9} {'repro':>7} {'exec':>7} {'outside':>8} {'verdict':<10}")
        for path in candidates:
            is_fixture = path.parent.name == "fixtures"
            if not is_fixture and corpus_used >= arguments.count:
                continue
            baseline = papermill_seconds(path)
            if baseline is None:
                continue
            verdict = repro_notebook(path, options)
            if verdict.verdict in ("failed", "timeout"):
                continue
            corpus_used += 0 if is_fixture else 1
            outside = verdict.total_seconds - verdict.execution_seconds
            rows.append((path, baseline, verdict.total_seconds, verdict.execution_seconds, outside, verdict.verdict))
            print(f"{path.name[:60]:<60} {baseline:>8.2f}s {verdict.total_seconds:>6.2f}s {verdict.execution_seconds:>6.2f}s {100 * outside / verdict.execution_seconds:>7.2f}% {verdict.verdict:<10}")

        papermill_total = sum(row[1] for row in rows)
        repro_total = sum(row[2] for row in rows)
        execution_total = sum(row[3] for row in rows)
        outside_total = sum(row[4] for row in rows)
        overhead = 100 * outside_total / execution_total
        print()
        print(f"notebooks: {len(rows)} ({corpus_used} corpus, {len(rows) - corpus_used} fixtures)")
        print(f"plain papermill total:         {papermill_total:8.2f} s")
        print(f"nb2prod repro total (-j 1):    {repro_total:8.2f} s  ({repro_total / papermill_total:.2f}x papermill)")
        print(f"comparison overhead:           {outside_total:8.3f} s  = {overhead:.2f} % of execution time (target < 10 %)")
        print(f"median per-notebook overhead:  {statistics.median(100 * row[4] / row[3] for row in rows):.2f} %")

        paths = [row[0] for row in rows]
        start = time.perf_counter()
        repro_paths(paths, options, jobs=1)
        serial = time.perf_counter() - start
        start = time.perf_counter()
        repro_paths(paths, options, jobs=2)
        parallel = time.perf_counter() - start
        print(f"wall clock -j 1: {serial:.2f} s, -j 2: {parallel:.2f} s -> speed-up {serial / parallel:.2f}x on {os.cpu_count()} cores")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"(1-minute load average at the end: {load:.1f})")
        return 0 if overhead < 10 else 1
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

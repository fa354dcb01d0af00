"""Proof on real notebooks: extract + --check over the offline-runnable notebooks of ../shared/corpus.

For each notebook with MANIFEST.tsv columns light_deps=yes, py3_parses=yes, net_hint=no, reads_files=no:
run it top to bottom in a fresh kernel (a copy, in a temporary folder); for those that run, extract it
(timed, without --trace) and run every check (ruff, ruff format, mypy, generated tests, printed output
compared with the fresh run's stdout). Prints the share passing each check and the median extract time.

Usage: .venv/bin/python benchmarks/extract_truth.py [-j 2] [--limit N] [--notebook-timeout 120] [--total-timeout 1800]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus"
CHECKS = ("ruff check", "ruff format", "mypy", "tests", "printed output")


def offline_notebooks() -> list[Path]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        CORPUS / row["corpus_file"]
        for row in rows
        if row["light_deps"] == "yes" and row["py3_parses"] == "yes" and row["net_hint"] == "no" and row["reads_files"] == "no"
    ]


def run_one(path: Path, timeout: float) -> dict[str, object]:
    import nbclient
    import nbformat

    from nb2prod.extract import ExtractOptions, extract_notebook
    from nb2prod.extract.verify import run_checks
    from nb2prod.extract.writer import write_files
    from nb2prod.notebook import read

    record: dict[str, object] = {"notebook": path.name}
    with tempfile.TemporaryDirectory(prefix="nb2prod-truth-") as temporary:
        folder = Path(temporary)
        copy = folder / "notebook.ipynb"
        shutil.copy(path, copy)
        document = nbformat.read(str(copy), as_version=4)
        client = nbclient.NotebookClient(document, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
        try:
            client.execute()
        except Exception as error:
            record["runs"] = False
            record["why"] = str(error).strip().splitlines()[-1][:120] if str(error).strip() else type(error).__name__
            return record
        record["runs"] = True
        executed = folder / "executed.ipynb"
        nbformat.write(document, str(executed))
        output = folder / "out"
        started = time.perf_counter()
        try:
            result = extract_notebook(copy, ExtractOptions(output=output))
        except Exception as error:
            record["extract_error"] = f"{type(error).__name__}: {error}"[:160]
            return record
        record["seconds"] = time.perf_counter() - started
        output.mkdir()
        write_files(output, result.files)
        cells = {number for step in result.plan.steps for number in step.cells}
        for check in run_checks(output, result.module_name, read(executed), timeout=timeout, cell_numbers=cells):
            record[check.name] = check.verdict
            if check.verdict == "failed":
                record.setdefault("failures", []).append(f"{check.name}: {check.summary}")  # type: ignore[union-attr]
    return record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--notebook-timeout", type=float, default=120.0)
    parser.add_argument("--total-timeout", type=float, default=1800.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each notebook's failures")
    arguments = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"the corpus is absent: {CORPUS}", file=sys.stderr)
        return 2
    notebooks = offline_notebooks()
    if arguments.limit:
        notebooks = notebooks[: arguments.limit]
    started = time.perf_counter()
    records: list[dict[str, object]] = []
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        futures = {pool.submit(run_one, path, arguments.notebook_timeout): path for path in notebooks}
        for future in as_completed(futures):
            if time.perf_counter() - started > arguments.total_timeout:
                for pending in futures:
                    pending.cancel()
            try:
                records.append(future.result())
            except Exception as error:
                records.append({"notebook": futures[future].name, "crash": f"{type(error).__name__}: {error}"[:160]})
    running = [record for record in records if record.get("runs")]
    extracted = [record for record in running if "seconds" in record]
    print(f"notebooks selected: {len(notebooks)}; finished: {len(records)}; run top to bottom: {len(running)}; extracted: {len(extracted)}")
    print(f"{'check':<16}{'passed':>8}{'skipped':>9}{'failed':>8}{'share':>9}")
    for check in CHECKS:
        passed = sum(1 for record in running if record.get(check) == "passed")
        skipped = sum(1 for record in running if record.get(check) == "skipped")
        failed = len(running) - passed - skipped
        share = (passed + skipped) / len(running) if running else 0.0
        print(f"{check:<16}{passed:>8}{skipped:>9}{failed:>8}{share:>8.1%}")
    all_ok = sum(1 for record in running if all(record.get(check) in ("passed", "skipped") for check in CHECKS))
    print(f"{'all checks':<16}{all_ok:>8}{'':>9}{len(running) - all_ok:>8}{(all_ok / len(running) if running else 0):>8.1%}   (target >= 90 %)")
    if extracted:
        times = sorted(float(record["seconds"]) for record in extracted)  # type: ignore[arg-type]
        print(f"extract time: median {statistics.median(times):.3f} s, max {times[-1]:.3f} s   (target median < 1 s)")
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    if arguments.verbose:
        for record in sorted(records, key=lambda item: str(item["notebook"])):
            problems = record.get("failures") or record.get("extract_error") or record.get("crash")
            if problems:
                print(f"- {record['notebook']}: {problems}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lint of a 200-cell notebook *model* through the server: ``python benchmarks/bench_server_lint.py``.

Starts a real ``jupyter server`` with nb2prod on a free local port and POSTs the model to
``/nb2prod/lint`` over one keep-alive connection, as the panel does on every (debounced) edit.
Target: p95 < 50 ms. In the same run it measures the peers a user would otherwise wait for: the
library call in-process (the floor the server adds HTTP and JSON to) and a fresh ``nb2prod lint
--format json`` process on the saved file; ratios are printed. CPU time is printed for the
in-process call because a busy machine inflates wall time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
TOKEN = "nb2prod-bench"
AUTH = {"Authorization": f"token {TOKEN}"}


def synthetic_notebook(cell_count: int, seed: int = 7) -> dict[str, Any]:
    """A realistic-looking analysis notebook: imports, data steps, functions, prints, markdown,
    with a few cells run out of order so that the rules have something to say."""
    rng = random.Random(seed)
    cells: list[dict[str, Any]] = []
    names: list[str] = []
    count = 0
    for index in range(cell_count):
        if index % 10 == 0:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": f"## Step {index // 10}\nSome prose about it."})
            continue
        lines: list[str] = []
        if index == 1:
            lines = ["import math", "import json", "import random", "from collections import Counter"]
        elif index % 7 == 0:
            lines = [f"def helper_{index}(value, scale={index}):", "    total = 0", "    for item in range(value):",
                     "        total += math.sqrt(item) * scale", "    return total"]
            names.append(f"helper_{index}")
        else:
            source = rng.choice(names) if names else "1"
            target = f"value_{index}"
            lines = [f"{target} = {source}(3) if callable({source}) else {source}",
                     f"counts_{index} = Counter(str({target}))",
                     f"print(json.dumps({{'step': {index}, 'n': len(counts_{index})}}))",
                     f"{target}"]
            names.append(target)
        count += 1
        execution_count = count + 3 if index % 37 == 0 else count
        outputs = [{"output_type": "stream", "name": "stdout", "text": f'{{"step": {index}, "n": 3}}\n'}]
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": execution_count,
                      "outputs": outputs, "source": "\n".join(lines), "id": f"cell-{index}"})
    for index, cell in enumerate(cells):
        cell.setdefault("id", f"cell-{index}")
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                         "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(root: Path, port: int) -> subprocess.Popen[bytes]:
    jupyter = Path(sys.executable).parent / "jupyter"
    process = subprocess.Popen(
        [str(jupyter), "server", "--allow-root", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
         "--ServerApp.jpserver_extensions=nb2prod=True", f"--ServerApp.root_dir={root}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/nb2prod/status", headers=AUTH)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start in 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cli-runs", type=int, default=10)
    arguments = parser.parse_args()

    document = synthetic_notebook(arguments.cells)
    with tempfile.TemporaryDirectory(prefix="nb2prod-bench-") as folder:
        root = Path(folder)
        (root / "big.ipynb").write_text(json.dumps(document))
        body = json.dumps({"path": "big.ipynb", "notebook": document}).encode()
        print(f"notebook: {len(document['cells'])} cells, model {len(body) / 1024:.0f} KiB")

        # the floor: the same library call, in process
        from nb2prod.server.lint_service import lint_document

        findings = 0
        in_process: list[float] = []
        in_process_cpu: list[float] = []
        for _ in range(max(20, arguments.requests // 4)):
            started, cpu = time.perf_counter(), time.process_time()
            reply = lint_document(json.loads(body)["notebook"], root / "big.ipynb", "big.ipynb")
            in_process.append((time.perf_counter() - started) * 1000)
            in_process_cpu.append((time.process_time() - cpu) * 1000)
            findings = len(reply["diagnostics"])

        port = free_port()
        process = start_server(root, port)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            through_server: list[float] = []
            for attempt in range(arguments.requests + 10):
                started = time.perf_counter()
                connection.request("POST", "/nb2prod/lint", body=body, headers={**AUTH, "Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status == 200, payload[:200]
                if attempt >= 10:  # the first requests import the rules
                    through_server.append(elapsed)
            server_findings = len(json.loads(payload)["diagnostics"])
        finally:
            process.terminate()
            process.wait(timeout=15)

        cli: list[float] = []
        nb2prod = Path(sys.executable).parent / "nb2prod"
        for _ in range(arguments.cli_runs):
            started = time.perf_counter()
            subprocess.run([str(nb2prod), "lint", "--format", "json", "--no-ruff", "big.ipynb"], cwd=root,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                           env={**os.environ, "NO_COLOR": "1"})
            cli.append((time.perf_counter() - started) * 1000)

    server_p50, server_p95 = statistics.median(through_server), percentile(through_server, 0.95)
    floor_p50, cli_p50 = statistics.median(in_process), statistics.median(cli)
    print(f"findings: {server_findings} through the server, {findings} in process")
    print(f"{'':34}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'server POST /nb2prod/lint':34}{server_p50:9.1f}{server_p95:9.1f}")
    print(f"{'library call in process (wall)':34}{floor_p50:9.1f}{percentile(in_process, 0.95):9.1f}")
    print(f"{'library call in process (CPU)':34}{statistics.median(in_process_cpu):9.1f}{percentile(in_process_cpu, 0.95):9.1f}")
    print(f"{'nb2prod lint process (CLI)':34}{cli_p50:9.1f}{percentile(cli, 0.95):9.1f}")
    print(f"server / in-process: {server_p50 / floor_p50:.2f}x   CLI process / server: {cli_p50 / server_p50:.1f}x")
    verdict = "PASS" if server_p95 < 50 else "FAIL"
    print(f"target p95 < 50 ms: {verdict} ({server_p95:.1f} ms)")


if __name__ == "__main__":
    main()

"""How long nb2prod's pre-commit hook takes to install and to run, next to a hand-written peer hook.

Usage:  .venv/bin/python benchmarks/bench_pre_commit.py [--notebooks 50] [--runs 3] [--no-install]

In one run, on the same notebooks from the shared corpus (../shared/corpus):
  1. cold install of the hook environment: `pre-commit install-hooks` from a git repository holding this
     working tree, with SKIP_JUPYTER_BUILDER=1 (no Node.js), in a fresh PRE_COMMIT_HOME;
  2. `pre-commit run nb2prod-lint --files ...` with the environment installed (median of --runs);
  3. `nb2prod lint` on the same files directly (the hook's own cost without pre-commit);
  4. the peer: the kind of hook projects hand-write (shap, pymc-examples, PySDM...) — a `repo: local`
     Python script that checks that execution counts increase — through pre-commit too.
Prints a table with ratios to the peer. Network speed to PyPI dominates step 1.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CORPUS = REPOSITORY.parent / "shared" / "corpus"

PEER_HOOK = textwrap.dedent(
    '''
    """A typical hand-written pre-commit hook: execution counts must increase from top to bottom."""
    import json
    import sys

    failed = False
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            notebook = json.load(handle)
        counts = [cell.get("execution_count") for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
        counts = [count for count in counts if count is not None]
        if counts != sorted(counts):
            print(f"{path}: cells were executed out of order")
            failed = True
    sys.exit(1 if failed else 0)
    '''
)

GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@nb2prod.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@nb2prod.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=folder, env={**os.environ, **GIT_ENVIRONMENT}, check=True, capture_output=True, text=True
    ).stdout


def hook_repository(destination: Path) -> str:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPOSITORY, check=True, capture_output=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPOSITORY / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git(destination, "init", "--quiet", "--initial-branch=main")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--no-verify", "-m", "hook repository")
    return git(destination, "rev-parse", "HEAD").strip()


def corpus_notebooks(count: int) -> list[Path]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle, delimiter="\t") if row["kernel_lang"] == "python" and row["py3_parses"] == "yes"]
    return [CORPUS / row["corpus_file"] for row in rows[:count]]


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{' '.join(command[:4])}... failed with exit status {completed.returncode}")
    return elapsed, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-install", action="store_true", help="reuse --pre-commit-home instead of a cold install")
    parser.add_argument("--pre-commit-home", type=Path, help="PRE_COMMIT_HOME to use (default: a new temporary one)")
    arguments = parser.parse_args()
    if not (CORPUS / "MANIFEST.tsv").is_file():
        raise SystemExit(f"the corpus is absent: {CORPUS}")

    work = Path(tempfile.mkdtemp(prefix="nb2prod-bench-pre-commit-"))
    hooks = work / "hooks"
    hooks.mkdir()
    revision = hook_repository(hooks)
    project = work / "project"
    project.mkdir()
    git(project, "init", "--quiet", "--initial-branch=main")
    files = []
    for index, source in enumerate(corpus_notebooks(arguments.notebooks)):
        target = project / f"nb{index:03d}.ipynb"
        shutil.copy2(source, target)
        files.append(target.name)
    (project / "check_counts.py").write_text(PEER_HOOK, encoding="utf-8")
    (project / ".pre-commit-config.yaml").write_text(
        textwrap.dedent(
            f"""
            repos:
              - repo: {hooks}
                rev: {revision}
                hooks:
                  - id: nb2prod-lint
              - repo: local
                hooks:
                  - id: counts-increase
                    name: hand-written execution-count check
                    entry: {sys.executable} check_counts.py
                    language: system
                    types: [jupyter]
            """
        ),
        encoding="utf-8",
    )
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--no-verify", "-m", "corpus notebooks")

    home = arguments.pre_commit_home or work / "pre-commit-home"
    env = {**os.environ, **GIT_ENVIRONMENT, "PRE_COMMIT_HOME": str(home), "SKIP_JUPYTER_BUILDER": "1", "NO_COLOR": "1"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    pre_commit = [sys.executable, "-m", "pre_commit"]
    rows: list[tuple[str, float]] = []
    if not arguments.no_install:
        elapsed, _ = timed([*pre_commit, "install-hooks"], project, env)
        rows.append(("cold install of the nb2prod hook environment", elapsed))

    def median(command: list[str]) -> float:
        return statistics.median(timed(command, project, env)[0] for _ in range(arguments.runs))

    rows.append((f"pre-commit run nb2prod-lint ({len(files)} notebooks)", median([*pre_commit, "run", "nb2prod-lint", "--files", *files])))
    rows.append((f"nb2prod lint directly ({len(files)} notebooks)", median([sys.executable, "-m", "nb2prod", "lint", "-q", *files])))
    peer = median([*pre_commit, "run", "counts-increase", "--files", *files])
    rows.append((f"peer: hand-written count hook via pre-commit ({len(files)} notebooks)", peer))
    rows.append(("pre-commit run nb2prod-lint (1 notebook)", median([*pre_commit, "run", "nb2prod-lint", "--files", files[0]])))

    width = max(len(label) for label, _ in rows)
    print(f"{'step':<{width}}  {'seconds':>8}  {'x peer':>7}")
    for label, seconds in rows:
        print(f"{label:<{width}}  {seconds:>8.2f}  {seconds / peer:>7.1f}")
    print(f"\nwork folder (remove when done): {work}")


if __name__ == "__main__":
    main()

"""The worker pool is forked before any other thread starts: a thread caught holding an import lock
at fork time left the workers deadlocked (seen with the ruff pass locating its binary while a worker
first imported nbformat to read an nbformat 3 notebook)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.lint import lint_paths, rules_for
from nb2prod.notebook import Notebook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# The threads alive in this process at each fork; only recorded while a test listens.
_threads_at_fork: list[set[threading.Thread]] | None = None


def _record_fork() -> None:
    if _threads_at_fork is not None:
        _threads_at_fork.append(set(threading.enumerate()))


if hasattr(os, "register_at_fork"):  # POSIX only, as is the forked pool
    os.register_at_fork(before=_record_fork)


class _SlowPass:
    """A whole-run pass whose collect thread is busy while the pool starts."""

    def collect(
        self, files: list[Path], settings: Settings, texts: Mapping[Path, str] | None = None
    ) -> object:
        time.sleep(0.3)
        return len(files)

    def finish(
        self, collected: object, notebooks: Mapping[str, Notebook | None], settings: Settings
    ) -> dict[str, list[Diagnostic]]:
        return {}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks only where fork exists")
def test_workers_are_forked_while_the_process_has_one_thread(tmp_path: Path) -> None:
    global _threads_at_fork
    source = FIXTURES / "rules" / "NB001_clean_valid_notebook.ipynb"
    for number in range(12):
        shutil.copy(source, tmp_path / f"nb{number}.ipynb")
    settings = Settings(ruff=False, respect_gitignore=False)
    before = set(threading.enumerate())  # other tests' servers may run threads of their own
    _threads_at_fork = []
    try:
        run = lint_paths([tmp_path], settings, rules_for(settings), jobs=2, extra=[_SlowPass()])
    finally:
        recorded, _threads_at_fork = _threads_at_fork, None
    assert len(run.results) == 12
    assert recorded, "the pool did not fork"
    started_by_lint = [sorted(thread.name for thread in alive - before) for alive in recorded]
    assert started_by_lint == [[] for _ in recorded], f"threads alive at fork: {started_by_lint}"

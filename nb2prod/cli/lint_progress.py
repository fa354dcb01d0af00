"""A progress bar for long lint runs, on a terminal only, and only once a run is large enough to wait on."""

from __future__ import annotations

from typing import Any

__all__ = ["LintProgress"]

# Below this many notebooks a run takes about a second: a bar would only flicker.
MINIMUM_FILES = 300


class LintProgress:
    """The ``progress(done, total)`` callback of :func:`nb2prod.lint.lint_paths`.

    rich is imported, and the bar drawn, only when the run turns out to be large; the bar is
    transient, so the report that follows is all that stays on the screen.
    """

    def __init__(self, console: Any = None, minimum_files: int = MINIMUM_FILES) -> None:
        self._console = console
        self._minimum = minimum_files
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < self._minimum:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("[bold]lint"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("notebooks"),
                console=self._console or Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

"""The lint progress bar: drawn only for large runs, and gone when the run ends."""

from __future__ import annotations

import io

from rich.console import Console

from nb2prod.cli.lint_progress import LintProgress


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=80), buffer


def test_small_runs_draw_nothing() -> None:
    console, buffer = _console()
    progress = LintProgress(console, minimum_files=300)
    for done in range(0, 41, 8):
        progress(done, 40)
    progress.close()
    assert buffer.getvalue() == ""


def test_large_runs_show_a_counting_bar_that_goes_away() -> None:
    console, buffer = _console()
    progress = LintProgress(console, minimum_files=300)
    progress(8, 1000)
    progress(500, 1000)
    progress.close()
    drawn = buffer.getvalue()
    assert "lint" in drawn and "notebooks" in drawn
    assert "/1000" in drawn
    progress.close()  # closing twice is harmless

"""``nb2prod repro``: the command-line adapter over :mod:`nb2prod.run.repro`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nb2prod.cli.options import (
    emit,
    format_option,
    kernel_environment_options,
    output_file_option,
    tolerance_options,
)

__all__ = ["repro"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@tolerance_options()
@click.option(
    "--image-threshold",
    type=click.FloatRange(min=0, max=1),
    default=0.01,
    show_default=True,
    help="Largest mean pixel distance (0-1) for images to count as equivalent.",
)
@click.option(
    "--ignore-stderr",
    is_flag=True,
    help="Do not compare what cells write to standard error (warnings, logs).",
)
@click.option(
    "-t",
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600,
    show_default=True,
    help="Seconds one cell may run before the notebook is stopped (timeout verdict).",
)
@click.option(
    "--startup-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60,
    show_default=True,
    help="Seconds to wait for a kernel to start.",
)
@click.option(
    "-k",
    "--kernel",
    "kernel_name",
    help="Kernel to run every notebook with (default: each notebook's own, or one of its language).",
)
@kernel_environment_options
@click.option(
    "--golden",
    "golden_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Compare with sidecar golden outputs in this folder instead of the outputs saved in the notebooks.",
)
@click.option(
    "--update",
    "update_golden",
    is_flag=True,
    help="Write the new outputs as golden files into --golden DIR.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Notebooks to run at once (one kernel each).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Run the notebooks on this Dask distributed scheduler (tcp://host:8786).",
)
@format_option(("text", "json", "junit", "github", "sarif"))
@output_file_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: when standard error is a terminal).",
)
@click.option(
    "--no-diff", is_flag=True, help="Text format: do not print the diffs of differing cells."
)
@click.option(
    "--exclude", multiple=True, help="Glob of notebooks to leave out when searching folders."
)
def repro(
    paths: tuple[Path, ...],
    rtol: float,
    atol: float,
    image_threshold: float,
    ignore_stderr: bool,
    timeout: float,
    startup_timeout: float,
    kernel_name: str | None,
    seed: int,
    no_seed: bool,
    mpl_backend: str | None,
    golden_dir: Path | None,
    update_golden: bool,
    jobs: int,
    dask_address: str | None,
    output_format: str,
    output_file: Path | None,
    progress: bool | None,
    no_diff: bool,
    exclude: tuple[str, ...],
) -> None:
    """Re-run notebooks top to bottom in a fresh kernel and compare each cell's outputs with the saved ones.

    PATHS are notebooks or folders (searched recursively; default: the current folder). Each runs
    as a copy (the notebook is never modified) with its folder as the working directory.

    Exit status: 0 every notebook reproduced or is equivalent, 1 a notebook differs, failed or
    timed out, 2 usage error.
    """
    from nb2prod.errors import UsageError
    from nb2prod.fs import discover_notebooks
    from nb2prod.run.compare import Tolerance
    from nb2prod.run.environment import INLINE_BACKEND
    from nb2prod.run.report import render_repro, summary_line
    from nb2prod.run.repro import NotebookVerdict, ReproOptions, repro_paths

    if update_golden and golden_dir is None:
        raise UsageError("--update writes golden files and needs --golden DIR")
    if dask_address is not None and jobs != 1:
        raise UsageError("use either -j/--jobs (local processes) or --dask (a cluster), not both")
    targets = list(discover_notebooks(list(paths) or [Path(".")], exclude=exclude))
    if not targets:
        raise UsageError(f"no notebooks found in {', '.join(str(path) for path in paths) or '.'}")
    options = ReproOptions(
        kernel_name=kernel_name,
        timeout=timeout,
        startup_timeout=startup_timeout,
        tolerance=Tolerance(
            rtol=rtol, atol=atol, image_threshold=image_threshold, compare_stderr=not ignore_stderr
        ),
        seed=None if no_seed else seed,
        matplotlib_backend=mpl_backend or INLINE_BACKEND,
        golden_dir=golden_dir,
        update_golden=update_golden,
    )
    streaming = output_format == "text" and output_file is None
    color = streaming and sys.stdout.isatty()
    show_progress = sys.stderr.isatty() if progress is None else progress

    def print_result(verdict: NotebookVerdict) -> None:
        if streaming:
            # Through sys.stdout, which a live progress bar on a terminal redirects above itself.
            sys.stdout.write(render_repro([verdict], "text", color=color, show_diffs=not no_diff))
            sys.stdout.flush()

    live = None
    if show_progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        live = Progress(
            TextColumn("[bold]repro"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True, force_terminal=progress is True or None),
            transient=True,
            redirect_stdout=sys.stdout.isatty(),
            redirect_stderr=False,
        )
    if live is None:
        verdicts = repro_paths(
            targets, options, jobs=jobs, dask_address=dask_address, on_result=print_result
        )
    else:
        with live:
            task = live.add_task("", total=len(targets))

            def advance(verdict: NotebookVerdict) -> None:
                print_result(verdict)
                live.update(
                    task, advance=1, description=f"{Path(verdict.path).name}: {verdict.verdict}"
                )

            verdicts = repro_paths(
                targets, options, jobs=jobs, dask_address=dask_address, on_result=advance
            )
    if streaming:
        click.echo(summary_line(verdicts), err=True)
    else:
        emit(
            render_repro(verdicts, output_format, color=False, show_diffs=not no_diff), output_file
        )
    sys.exit(0 if all(verdict.passed for verdict in verdicts) else 1)

"""``nb2prod run``: the command-line adapter over :mod:`nb2prod.run.runner` and :mod:`nb2prod.run.grid`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from nb2prod.cli.options import kernel_environment_options

__all__ = ["run"]


@click.command()
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output notebook (with --grid: output folder). Default: NOTEBOOK's name with '.out' before '.ipynb'.",
)
@click.option(
    "-p",
    "--parameter",
    "parameter_pairs",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="Set a parameter; VALUE is read as a Python/YAML literal unless the parameter is a str.",
)
@click.option(
    "-f",
    "--parameters-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML (or JSON) file of parameter values.",
)
@click.option(
    "--grid",
    "grid_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file of name -> list of values: run every combination (cartesian product).",
)
@click.option(
    "-k", "--kernel", "kernel_name", help="Kernel to run with (default: the notebook's own)."
)
@click.option(
    "-t",
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds one cell may run (default: no limit).",
)
@click.option(
    "--startup-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60,
    show_default=True,
    help="Seconds to wait for the kernel to start.",
)
@kernel_environment_options
@click.option(
    "--cwd",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Working directory of the kernel (default: the notebook's folder).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --grid: combinations to run at once.",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="With --grid: run the combinations on this Dask scheduler.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def run(
    notebook: Path,
    output: Path | None,
    parameter_pairs: tuple[tuple[str, str], ...],
    parameters_file: Path | None,
    grid_file: Path | None,
    kernel_name: str | None,
    timeout: float | None,
    startup_timeout: float,
    seed: int,
    no_seed: bool,
    mpl_backend: str | None,
    cwd: Path | None,
    jobs: int,
    dask_address: str | None,
    quiet: bool,
) -> None:
    """Run NOTEBOOK with parameters through papermill into a new notebook (the input is never modified).

    Parameters are checked against the cell tagged `parameters`: an unknown name or a value of the
    wrong type is an error that lists the known parameters. The kernel runs in the notebook's
    folder with PYTHONHASHSEED=0, TZ=UTC and seeded random generators; the output notebook records
    provenance in metadata.nb2prod.run.

    Exit status: 0 the notebook ran, 1 it raised, timed out or its kernel failed, 2 usage error.
    """
    from nb2prod import notebook as notebook_io
    from nb2prod.errors import UsageError
    from nb2prod.run.environment import INLINE_BACKEND
    from nb2prod.run.parameters import (
        declared_parameters,
        load_parameters_file,
        parse_command_line_value,
    )
    from nb2prod.run.runner import RunOptions, RunResult, run_notebook

    if (jobs != 1 or dask_address) and grid_file is None:
        raise UsageError("-j/--jobs and --dask apply to --grid sweeps")
    if jobs != 1 and dask_address:
        raise UsageError("use either -j/--jobs (local processes) or --dask (a cluster), not both")
    model = notebook_io.read(notebook)
    declared = declared_parameters(model)
    values: dict[str, Any] = {}
    if parameters_file is not None:
        values.update(load_parameters_file(parameters_file))
    for name, raw in parameter_pairs:
        values[name] = parse_command_line_value(raw, declared.get(name))
    options = RunOptions(
        kernel_name=kernel_name,
        timeout=timeout,
        startup_timeout=startup_timeout,
        seed=None if no_seed else seed,
        matplotlib_backend=mpl_backend or INLINE_BACKEND,
        cwd=cwd,
    )

    def report(result: RunResult) -> None:
        if result.kernel_note and not quiet:
            click.echo(f"note: {result.kernel_note}", err=True)
        if result.succeeded:
            if not quiet:
                click.echo(
                    f"✓ {result.input} -> {result.output} ({result.seconds:.1f} s)", err=True
                )
            return
        where = f" -> {result.output}" if result.output else ""
        click.echo(f"✗ {result.input}{where}: {result.status}: {result.message or ''}", err=True)

    if grid_file is not None:
        from nb2prod.run.grid import render_summary, run_grid

        folder = output or notebook.parent / f"{notebook.stem}-grid"
        if folder.exists() and not folder.is_dir():
            raise UsageError("with --grid, -o names a folder", folder)
        results = run_grid(
            notebook,
            folder,
            grid_file,
            values,
            options,
            jobs=jobs,
            dask_address=dask_address,
            on_result=report,
        )
        sys.stdout.write(render_summary(results))
        if not quiet:
            click.echo(f"summary written to {folder / 'summary.csv'}", err=True)
        sys.exit(0 if all(result.succeeded for result in results) else 1)
    target = output or notebook.with_name(f"{notebook.stem}.out.ipynb")
    result = run_notebook(notebook, target, values, options)
    report(result)
    sys.exit(0 if result.succeeded else 1)

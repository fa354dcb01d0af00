"""``nb2prod extract NOTEBOOK -o OUT/``: a notebook becomes a typed module with tests (and ``--check`` proves it)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["extract"]


@click.command("extract")
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder that receives the module, its tests and its configuration.",
)
@click.option(
    "--by",
    type=click.Choice(["section", "cell", "tag"]),
    default="section",
    show_default=True,
    help="What makes a step: a markdown section, a cell, or an `nb2prod:step=NAME` cell tag.",
)
@click.option(
    "--name",
    "module_name",
    help="Module name (default: from `#| default_exp`, else the notebook's file name).",
)
@click.option(
    "--trace",
    is_flag=True,
    help="Run the notebook once (nbclient, on a temporary copy) to record runtime types and values for the tests.",
)
@click.option(
    "--trace-timeout",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds allowed for the --trace run.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Then run ruff, ruff format --check, mypy, the generated tests and compare printed output.",
)
@click.option(
    "--check-timeout",
    type=float,
    default=300.0,
    show_default=True,
    help="Seconds allowed for each --check step.",
)
@click.option(
    "--force", is_flag=True, help="Overwrite files that already exist in the output folder."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the plan and the files that would be written; write nothing.",
)
@click.option(
    "--diff", is_flag=True, help="Show a unified diff against the files on disk; write nothing."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings, errors and check results.")
def extract(
    notebook: Path,
    output: Path,
    by: str,
    module_name: str | None,
    trace: bool,
    trace_timeout: float,
    check: bool,
    check_timeout: float,
    force: bool,
    dry_run: bool,
    diff: bool,
    quiet: bool,
) -> None:
    """Turn NOTEBOOK into a typed Python module with generated tests in OUT/.

    Exit codes: 0 done (and every --check passed), 1 a --check failed, 2 error.
    """
    from nb2prod.extract import ExtractOptions, extract_notebook
    from nb2prod.extract.writer import diff_files, write_files

    options = ExtractOptions(
        output=output,
        by=by,  # type: ignore[arg-type]  # click.Choice guarantees the literal
        module_name=module_name,
        trace=trace,
        trace_timeout=trace_timeout,
    )
    result = extract_notebook(notebook, options)
    echo = click.echo
    for problem in result.problems:
        if problem.severity != "info" or not quiet:
            echo(f"{notebook}: {problem.render()}", err=True)
    if diff:
        sys.stdout.write(diff_files(output, result.files))
        return
    steps = result.plan.steps
    if dry_run or not quiet:
        echo(
            f"{notebook} -> {output / (result.module_name + '.py')}: {len(steps)} steps, {len(result.plan.parameters)} parameters, {sum(1 for kind in result.plan.module_level.values() if kind in ('function', 'class'))} functions and classes ({result.seconds:.2f} s)"
        )
        for step in steps:
            arguments = ", ".join(step.parameters)
            returned = (
                ", ".join(
                    [
                        *step.returns,
                        *(
                            (step.result,)
                            if step.result and step.result not in step.returns
                            else ()
                        ),
                    ]
                )
                or "None"
            )
            echo(
                f"  {step.name}({arguments}) -> {returned}    # cells {', '.join(map(str, step.cells))}"
            )
    if dry_run:
        for generated in result.files:
            echo(f"would write {output / generated.relative_path}")
        return
    output.mkdir(parents=True, exist_ok=True)
    written = write_files(output, result.files, force=force, protected=[notebook])
    if not quiet:
        for path in written:
            echo(f"wrote {path}")
        needs = (
            f", {result.needs_user_count} need you (marked needs_user, skipped)"
            if result.needs_user_count
            else ""
        )
        echo(f"{result.test_count} tests generated{needs}")
    if not check:
        return
    from nb2prod.extract.verify import run_checks
    from nb2prod.notebook import read

    results = run_checks(
        output,
        result.module_name,
        read(notebook),
        timeout=check_timeout,
        cell_numbers=set(_cells(result)),
    )
    for item in results:
        echo(item.render())
    if not all(item.passed for item in results):
        raise click.exceptions.Exit(1)


def _cells(result: object) -> list[int]:
    plan = result.plan  # type: ignore[attr-defined]
    return [number for step in plan.steps for number in step.cells]

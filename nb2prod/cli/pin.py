"""``nb2prod pin``: the command-line adapter over :mod:`nb2prod.pin.api`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nb2prod.cli.options import emit

__all__ = ["pin"]


@click.command()
@click.argument("paths", nargs=-1, metavar="NOTEBOOK_OR_FOLDER...", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Requirements file to write or check (default: [tool.nb2prod] pin-file, else ./requirements.txt).",
)
@click.option(
    "--pep723",
    is_flag=True,
    help="Write (or check) PEP 723 '# /// script' metadata in each notebook, as juv does.",
)
@click.option(
    "--metadata",
    "in_metadata",
    is_flag=True,
    help="Write (or check) metadata.nb2prod.environment in each notebook.",
)
@click.option(
    "--python",
    "python",
    metavar="PATH",
    help="Interpreter whose environment to pin (default: the notebook's kernel's).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Compare imports, pins and the environment; write nothing. Exit 1 on findings.",
)
@click.option(
    "--lock", is_flag=True, help="Write a full transitive lock with `uv pip compile` (needs uv)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json", "sarif", "github", "junit")),
    default="text",
    show_default=True,
    help="Output format (sarif, github and junit only with --check).",
)
@click.option("--dry-run", is_flag=True, help="Show the changes as a diff; write nothing.")
@click.option(
    "--force", is_flag=True, help="Replace a requirements file that nb2prod did not write."
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read settings from this pyproject.toml.",
)
def pin(
    paths: tuple[Path, ...],
    output: Path | None,
    pep723: bool,
    in_metadata: bool,
    python: str | None,
    check: bool,
    lock: bool,
    output_format: str,
    dry_run: bool,
    force: bool,
    config: Path | None,
) -> None:
    """Record or check the environment NOTEBOOK_OR_FOLDER... needs (default: the current folder).

    Imports (and %pip install lines) are mapped to distributions and versions in the environment of
    each notebook's kernel. Pins go to a requirements file unless --pep723 or --metadata is given
    (with -o as well, to both).

    Exit status: 0 done / no findings, 1 some imports could not be pinned / findings (--check), 2 error.
    """
    from nb2prod.config import load_settings
    from nb2prod.errors import UsageError
    from nb2prod.pin.api import check_notebooks, default_pin_file, pin_notebooks

    targets = list(paths) or [Path(".")]
    settings = load_settings(targets, config)
    embedded = [kind for kind, chosen in (("pep723", pep723), ("metadata", in_metadata)) if chosen]
    requirements = (
        output
        if output is not None
        else (None if embedded else default_pin_file(targets, settings))
    )
    if check:
        if lock or dry_run or force:
            raise UsageError(
                "--check writes nothing: it cannot be combined with --lock, --dry-run or --force"
            )
        result = check_notebooks(
            targets,
            requirements=requirements,
            embedded=embedded,  # type: ignore[arg-type]
            python=python,
            settings=settings,
        )
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
        from nb2prod.report import render

        emit(
            render(
                list(result.diagnostics),
                list(result.paths),
                output_format,
                color=output_format == "text" and sys.stdout.isatty(),
            ),
            None,
        )
        if output_format == "text":
            count = len(result.diagnostics)
            checked = f"in {', '.join(result.interpreters)}"
            if count:
                click.echo(
                    f"Found {count} environment finding{'s' if count != 1 else ''} {checked}.",
                    err=True,
                )
            else:
                click.echo(
                    click.style(
                        f"Pins match the imports and the environment {checked}.", fg="green"
                    ),
                    err=True,
                )
        sys.exit(1 if result.diagnostics else 0)
    if output_format not in ("text", "json"):
        raise UsageError(f"--format {output_format} is for --check; pin writes text or json")
    outcome = pin_notebooks(
        targets,
        requirements=requirements,
        pep723=pep723,
        metadata=in_metadata,
        python=python,
        lock=lock,
        dry_run=dry_run,
        force=force,
        settings=settings,
    )
    from nb2prod.pin.summary import render_outcome_json, render_outcome_text

    if output_format == "json":
        emit(render_outcome_json(outcome), None)
    else:
        if dry_run:
            emit("".join(change.diff() for change in outcome.changes), None)
        click.echo(render_outcome_text(outcome), err=True, nl=False)
    sys.exit(1 if outcome.has_problems else 0)

"""``nb2prod lint``: the command-line adapter over :mod:`nb2prod.lint`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from nb2prod.cli.options import emit, format_option, output_file_option, split_codes

__all__ = ["lint"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (NB1, NB201, E, F...). Comma-separated or repeated.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Codes to enable on top of the configured selection.")
@format_option(("text", "json", "sarif", "github", "junit"))
@output_file_option
@click.option("--statistics", is_flag=True, help="Show a count per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the notebooks.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour (with --fix or --diff).")
@click.option("--diff", is_flag=True, help="Show the fixes as a diff; change no file.")
@click.option("--no-ruff", is_flag=True, help="Do not run ruff's Python rules.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes to use (default: all cores).")
@click.option("--config", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="Read settings from this pyproject.toml.")
@click.option("--no-respect-gitignore", is_flag=True, help="Lint notebooks that .gitignore ignores too.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
def lint(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    statistics: bool,
    exit_zero: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    no_ruff: bool,
    jobs: int | None,
    config: Path | None,
    no_respect_gitignore: bool,
    quiet: bool,
) -> None:
    """Lint notebooks (files or folders, searched recursively; default: the current folder).

    Exit status: 0 no findings, 1 findings, 2 error.
    """
    from nb2prod.config import load_settings
    from nb2prod.lint import lint_paths, rules_for

    targets = list(paths) or [Path(".")]
    settings = load_settings(targets, config)
    if no_respect_gitignore:
        settings = settings.with_overrides(respect_gitignore=False)
    if no_ruff:
        settings = settings.with_overrides(ruff=False)
    if extend_select:
        settings = settings.with_overrides(extend_select=(*settings.extend_select, *split_codes(extend_select)))
    selected = split_codes(select) or None
    ignored = split_codes(ignore)
    rules = rules_for(settings, selected, ignored)
    extra = []
    if settings.ruff:
        from nb2prod.lint_ruff import ruff_pass_for

        ruff_pass = ruff_pass_for(selected, ignored)
        if ruff_pass is not None:
            extra.append(ruff_pass)
    run = lint_paths(targets, settings, rules, jobs=jobs, extra=extra)
    diagnostics = run.diagnostics

    if fix or diff:
        from nb2prod.fix import apply_fixes_to_run

        outcome = apply_fixes_to_run(run, unsafe=unsafe_fixes, write=fix and not diff)
        if diff:
            sys.stdout.write(outcome.diff)
            sys.exit(0 if exit_zero or not outcome.fixed_count else 1)
        diagnostics = outcome.remaining
        if not quiet and output_format == "text":
            click.echo(f"Fixed {outcome.fixed_count} finding{'s' if outcome.fixed_count != 1 else ''}.", err=True)

    if statistics:
        counts = Counter((d.code, d.name) for d in diagnostics)
        lines = [f"{count:>6}  {code:<8} {name}" for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        emit("\n".join(lines) + ("\n" if lines else ""), output_file)
    else:
        from nb2prod.report import render

        color = output_format == "text" and output_file is None and sys.stdout.isatty()
        sources = _source_lookup() if output_format == "text" else None
        emit(render(diagnostics, run.paths, output_format, color=color, sources=sources), output_file)
    if output_format == "text" and not quiet and not statistics:
        _summary(len(run.results), diagnostics)
    sys.exit(0 if exit_zero or not diagnostics else 1)


def _source_lookup():  # type: ignore[no-untyped-def]
    """A cached (path, cell) -> source lookup for excerpts; re-reads only files with findings."""
    from functools import lru_cache

    from nb2prod import notebook as notebook_io
    from nb2prod.errors import NotebookReadError

    @lru_cache(maxsize=64)
    def load(path: str):  # type: ignore[no-untyped-def]
        try:
            return notebook_io.read(path)
        except NotebookReadError:
            return None

    def lookup(path: str, cell: int) -> str | None:
        notebook = load(path)
        if notebook is None or not 0 < cell <= len(notebook.cells):
            return None
        return notebook.cells[cell - 1].source

    return lookup


def _summary(file_count: int, diagnostics: list) -> None:  # type: ignore[type-arg]
    if not diagnostics:
        click.echo(click.style(f"All checks passed ({file_count} notebook{'s' if file_count != 1 else ''}).", fg="green"), err=True)
        return
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "unsafe")
    notebooks = len({d.path for d in diagnostics})
    message = f"Found {len(diagnostics)} finding{'s' if len(diagnostics) != 1 else ''} in {notebooks} of {file_count} notebook{'s' if file_count != 1 else ''}."
    if fixable:
        message += f"\n[*] {fixable} fixable with `--fix`."
    if unsafe:
        message += f"\n{unsafe} more fixable with `--fix --unsafe-fixes`."
    click.echo(message, err=True)

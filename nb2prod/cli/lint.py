"""``nb2prod lint``: the command-line adapter over :mod:`nb2prod.lint`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nb2prod.cli import allow_fast_exit
from nb2prod.cli.options import emit, format_option, output_file_option, split_codes
from nb2prod.errors import UsageError

if TYPE_CHECKING:
    from nb2prod.diagnostics import Diagnostic

__all__ = ["lint"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--select",
    multiple=True,
    help="Rule codes or prefixes to enable (NB1, NB201, E, F...). Comma-separated or repeated.",
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option(
    "--extend-select", multiple=True, help="Codes to enable on top of the configured selection."
)
@format_option(("text", "json", "sarif", "github", "junit", "gitlab"))
@output_file_option
@click.option("--statistics", is_flag=True, help="Show a count per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the notebooks.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also apply fixes that may change behaviour (with --fix or --diff).",
)
@click.option("--diff", is_flag=True, help="Show the fixes as a diff; change no file.")
@click.option("--no-ruff", is_flag=True, help="Do not run ruff's Python rules.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Processes to use (default: all cores)."
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read settings from this pyproject.toml.",
)
@click.option(
    "--isolated",
    is_flag=True,
    help="Ignore every configuration file; use the defaults and the flags.",
)
@click.option(
    "--no-respect-gitignore", is_flag=True, help="Lint notebooks that .gitignore ignores too."
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply `exclude` to notebooks named on the command line too (for pre-commit).",
)
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
    isolated: bool,
    no_respect_gitignore: bool,
    force_exclude: bool,
    quiet: bool,
) -> None:
    """Lint notebooks (files or folders, searched recursively; default: the current folder).

    Exit status: 0 no findings, 1 findings, 2 error.
    """
    from nb2prod.config import Settings, load_settings
    from nb2prod.lint import lint_paths, no_cyclic_gc, rules_for

    # Reporting too: a collection there would only re-scan the cached syntax trees.
    click.get_current_context().with_resource(no_cyclic_gc())
    allow_fast_exit()
    targets = list(paths) or [Path(".")]
    settings = Settings() if isolated else load_settings(targets, config)
    if no_respect_gitignore:
        settings = settings.with_overrides(respect_gitignore=False)
    if force_exclude:
        settings = settings.with_overrides(force_exclude=True)
    if no_ruff:
        settings = settings.with_overrides(ruff=False)
    if extend_select:
        settings = settings.with_overrides(
            extend_select=(*settings.extend_select, *split_codes(extend_select))
        )
    selected = split_codes(select) or None
    ignored = split_codes(ignore)
    rules = rules_for(settings, selected, ignored)
    extra = []
    if settings.ruff:
        from nb2prod.lint_ruff import ruff_pass_for

        ruff_pass = ruff_pass_for(
            selected, ignored, split_codes(extend_select), isolated=isolated, config=config
        )
        if ruff_pass is not None:
            extra.append(ruff_pass)
    progress = None
    if not quiet and sys.stderr.isatty():
        from nb2prod.cli.lint_progress import LintProgress

        progress = LintProgress()
    # Text output quotes the lines of findings: from the notebooks lint read, not read again
    # (unless fixes change the files).
    quotes_cells = output_format == "text" and not statistics and not (fix or diff)
    try:
        run = lint_paths(
            targets,
            settings,
            rules,
            jobs=jobs,
            extra=extra,
            progress=progress,
            keep_outlines=quotes_cells,
        )
    finally:
        if progress is not None:
            progress.close()
    diagnostics = sorted(run.diagnostics, key=lambda diagnostic: diagnostic.sort_key)
    for result in run.results:
        if result.unreadable:  # NB001 is not selected: still say so, on stderr, as ruff does
            click.echo(
                f"nb2prod: warning: {result.path}: not linted: {result.unreadable}", err=True
            )

    if fix or diff:
        try:
            from nb2prod.fix import apply_fixes_to_run  # type: ignore[import-not-found]
        except ImportError:
            raise UsageError("--fix and --diff are not available in this installation") from None

        outcome = apply_fixes_to_run(
            run,
            unsafe=unsafe_fixes,
            write=fix and not diff,
            relint=lambda changed, texts: lint_paths(
                changed, settings, rules, jobs=jobs, extra=extra, texts=texts
            ),
        )
        if diff:
            sys.stdout.write(outcome.diff)
            sys.exit(0 if exit_zero or not outcome.fixed_count else 1)
        diagnostics = sorted(outcome.remaining, key=lambda diagnostic: diagnostic.sort_key)
        if not quiet and output_format == "text" and outcome.fixed_count:
            click.echo(
                f"Fixed {outcome.fixed_count} finding{'s' if outcome.fixed_count != 1 else ''}.",
                err=True,
            )

    if statistics:
        emit(_statistics(diagnostics, output_format), output_file)
    else:
        from nb2prod.report import render
        from nb2prod.report.text import notebook_source_lookup

        color = output_format == "text" and output_file is None and _stdout_wants_color()
        sources = notebook_source_lookup(run.outlines) if output_format == "text" else None
        emit(
            render(diagnostics, run.paths, output_format, color=color, sources=sources), output_file
        )
    if output_format == "text" and not quiet:
        _summary(len(run.results), diagnostics)
    sys.exit(0 if exit_zero or not diagnostics else 1)


def _stdout_wants_color() -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _statistics(diagnostics: Sequence[Diagnostic], output_format: str) -> str:
    """A count per rule, most frequent first (``--statistics``), as text or, with ``--format json``, JSON."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    fixable = Counter(
        d.code for d in diagnostics if d.fix is not None and d.fix.applicability == "safe"
    )
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        document = [
            {"code": code, "name": name, "count": count, "fixable": fixable[code]}
            for (code, name), count in rows
        ]
        return json.dumps(document, indent=2) + "\n"
    lines = [
        f"{count:>6}  {code:<8} {'[*] ' if fixable[code] else '    '}{name}"
        for (code, name), count in rows
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(file_count: int, diagnostics: Sequence[Diagnostic]) -> None:
    """The closing line on standard error, so that standard output stays machine-readable."""
    if file_count == 0:
        click.echo(click.style("warning: no notebooks found", fg="yellow"), err=True)
        return
    if not diagnostics:
        click.echo(
            click.style(f"All checks passed ({_plural(file_count, 'notebook')}).", fg="green"),
            err=True,
        )
        return
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diagnostics if d.fix and d.fix.applicability == "unsafe")
    notebooks = len({d.path for d in diagnostics})
    message = f"Found {_plural(len(diagnostics), 'finding')} in {notebooks} of {_plural(file_count, 'notebook')}."
    if fixable:
        message += f"\n[*] {fixable} fixable with `--fix`."
    if unsafe:
        message += f"\n{_plural(unsafe, 'more finding')} fixable with `--fix --unsafe-fixes`."
    click.echo(message, err=True)

"""``nb2prod check``: the command-line adapter over :mod:`nb2prod.check`, the one command for CI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nb2prod.cli.options import (
    emit,
    format_option,
    output_file_option,
    split_codes,
    tolerance_options,
)

if TYPE_CHECKING:
    from nb2prod.check import CheckReport
    from nb2prod.diagnostics import Diagnostic

__all__ = ["check"]

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--since",
    metavar="REV",
    help="Check only the notebooks added, modified or renamed since this git revision "
    "(from its merge base with HEAD, e.g. origin/main); PATHS then limit where to look.",
)
@click.option(
    "--select",
    multiple=True,
    help="Codes or prefixes to report (NB1, NB201, F...). Comma-separated or repeated.",
)
@click.option("--ignore", multiple=True, help="Codes or prefixes not to report.")
@format_option(FORMATS)
@output_file_option
@click.option(
    "--report",
    "extra_reports",
    multiple=True,
    metavar="FORMAT=FILE",
    callback=lambda _ctx, _param, values: _parse_reports(values),
    help="Also write the report in FORMAT to FILE (repeatable), e.g. --report sarif=nb2prod.sarif "
    "--report junit=nb2prod.xml: one run, several reports.",
)
@click.option("--no-ruff", is_flag=True, help="Do not run ruff's Python rules.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--no-pins", is_flag=True, help="Skip the pin check (NB5).")
@click.option(
    "--python",
    metavar="PATH",
    help="Interpreter whose environment the pin check compares with (default: each notebook's kernel's).",
)
@click.option(
    "--repro",
    is_flag=True,
    help="Also re-run the notebooks in a fresh kernel and compare their outputs (NB9; slow: it executes them).",
)
@click.option(
    "--golden",
    "golden_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --repro: compare with the golden outputs in this folder (`nb2prod repro --golden DIR --update` writes them), for notebooks committed without outputs.",
)
@click.option(
    "-t",
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600,
    show_default=True,
    help="With --repro: seconds one cell may run.",
)
@click.option(
    "-k",
    "--kernel",
    "kernel_name",
    help="With --repro: kernel to run every notebook with (default: each notebook's own).",
)
@tolerance_options("With --repro: ")
@click.option(
    "--repro-jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --repro: notebooks to run at once (one kernel each).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes to use for lint (default: all cores).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read settings from this pyproject.toml.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
def check(
    paths: tuple[Path, ...],
    since: str | None,
    repro: bool,
    golden_dir: Path | None,
    timeout: float,
    kernel_name: str | None,
    rtol: float,
    atol: float,
    repro_jobs: int,
    no_pins: bool,
    python: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    extra_reports: tuple[tuple[str, Path], ...],
    no_ruff: bool,
    exit_zero: bool,
    jobs: int | None,
    config: Path | None,
    quiet: bool,
) -> None:
    """Check notebooks for CI: lint, pin check and, with --repro, reproducibility; one report.

    PATHS are notebooks or folders (default: the current folder). With --since, only the
    notebooks changed since that revision are checked; deleted ones are ignored.

    Exit status: 0 no findings, 1 findings, 2 error.
    """
    from nb2prod.check import ReproRequest, Since
    from nb2prod.check import check as run_check
    from nb2prod.errors import UsageError

    if golden_dir is not None and not repro:
        raise UsageError("--golden compares re-run outputs and needs --repro")

    target: list[Path] | Since = Since(since, tuple(paths)) if since else list(paths)
    report = run_check(
        target,
        select=split_codes(select) or None,
        ignore=split_codes(ignore),
        ruff=False if no_ruff else None,
        pins=not no_pins,
        python=python,
        repro=ReproRequest(golden_dir, timeout, kernel_name, rtol, atol, repro_jobs)
        if repro
        else False,
        config=config,
        jobs=jobs,
    )
    text = _render(
        report,
        output_format,
        color=output_format == "text" and output_file is None and sys.stdout.isatty(),
    )
    for extra_format, extra_file in extra_reports:
        _emit_to_file(_render(report, extra_format, color=False), extra_file)
    if output_file is not None:
        _emit_to_file(text, output_file)
    else:
        emit(text, None)
    if not quiet and (output_format == "text" or output_file is not None):
        _summary(report, since)
    sys.exit(0 if exit_zero or not report.diagnostics else 1)


def _emit_to_file(text: str, path: Path) -> None:
    # CI jobs name report files in folders that do not exist yet (reports/nb2prod.sarif).
    path.parent.mkdir(parents=True, exist_ok=True)
    emit(text, path)


def _parse_reports(values: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    reports = []
    for value in values:
        report_format, separator, file = value.partition("=")
        if not separator or not file or report_format not in FORMATS:
            raise click.BadParameter(
                f"{value!r}: expected FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}",
                param_hint="--report",
            )
        reports.append((report_format, Path(file)))
    return tuple(reports)


def _render(report: CheckReport, output_format: str, *, color: bool) -> str:
    diagnostics: list[Diagnostic] = list(report.diagnostics)
    if output_format == "gitlab":
        from nb2prod.report.gitlab import render_gitlab

        return render_gitlab(diagnostics)
    from nb2prod.report import render
    from nb2prod.report.text import notebook_source_lookup

    sources = notebook_source_lookup() if output_format == "text" else None
    return render(
        diagnostics,
        list(report.paths),
        output_format,
        color=color,
        sources=sources,
        tool_name="nb2prod check",
    )


def _summary(report: CheckReport, since: str | None) -> None:
    parts = []
    for step in report.steps:
        if step.skipped:
            parts.append(f"{step.name}: skipped ({step.skipped})")
        else:
            parts.append(f"{step.name}: {step.findings} finding{'s' if step.findings != 1 else ''}")
    if not report.paths:
        click.echo(
            f"No notebook changed since {since}: nothing to check."
            if since
            else "No notebooks found.",
            err=True,
        )
        return
    count = len(report.paths)
    noun = f"{count} notebook{'s' if count != 1 else ''}"
    line = f"Checked {noun}: {'; '.join(parts)}."
    click.echo(click.style(line, fg="red" if report.diagnostics else "green"), err=True)

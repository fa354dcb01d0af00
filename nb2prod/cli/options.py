"""Options shared by several subcommands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from nb2prod.errors import UsageError
from nb2prod.fs import atomic_write_text

__all__ = ["emit", "format_option", "output_file_option", "split_codes"]

F = TypeVar("F", bound=Callable[..., Any])


def split_codes(values: tuple[str, ...]) -> list[str]:
    """``--select NB1,NB2 --select E`` -> ``["NB1", "NB2", "E"]``."""
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def format_option(choices: tuple[str, ...], default: str = "text") -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def output_file_option(function: F) -> F:
    return click.option(
        "-o",
        "--output-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to this file (atomically) instead of standard output.",
    )(function)


def emit(text: str, output_file: Path | None) -> None:
    """Write ``text`` to ``output_file`` atomically, or to standard output."""
    if output_file is not None:
        try:
            atomic_write_text(output_file, text)
        except OSError as error:
            raise UsageError(
                f"cannot write the report: {error.strerror or error}", output_file
            ) from None
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _sentence(prefix: str, text: str) -> str:
    return f"{prefix}{text}" if prefix else text[:1].upper() + text[1:]


def tolerance_options(help_prefix: str = "") -> Callable[[F], F]:
    """``--rtol`` / ``--atol``: how far numbers in outputs may move and still count as equivalent."""

    def decorate(function: F) -> F:
        function = click.option(
            "--atol",
            type=click.FloatRange(min=0),
            default=1e-8,
            show_default=True,
            help=_sentence(help_prefix, "absolute tolerance for numbers in outputs."),
        )(function)
        return click.option(
            "--rtol",
            type=click.FloatRange(min=0),
            default=1e-5,
            show_default=True,
            help=_sentence(help_prefix, "relative tolerance for numbers in outputs."),
        )(function)

    return decorate


def kernel_environment_options(function: F) -> F:
    """``--seed`` / ``--no-seed`` / ``--mpl-backend``: the deterministic kernel environment."""
    function = click.option(
        "--mpl-backend",
        default=None,
        help="MPLBACKEND for the kernel (default: the inline backend, which renders with Agg).",
    )(function)
    function = click.option(
        "--no-seed", is_flag=True, help="Do not seed random number generators."
    )(function)
    return click.option(
        "--seed",
        type=int,
        default=0,
        show_default=True,
        help="Seed for random/numpy/torch/tensorflow, set before the first cell.",
    )(function)

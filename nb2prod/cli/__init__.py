"""The ``nb2prod`` command line: a thin click group whose subcommands load on first use."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from nb2prod._version import __version__
from nb2prod.errors import Nb2prodError

__all__ = ["cli", "main"]

# Subcommand name -> (module, attribute, one-line help). Modules import only when the command runs,
# so that `nb2prod lint` never pays for papermill, libcst or jupyter_server.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "lint": (
        "nb2prod.cli.lint",
        "lint",
        "Find hidden state, out-of-order runs and other hazards in notebooks.",
    ),
    "rules": ("nb2prod.cli.rules", "rules", "List every rule."),
    "rule": ("nb2prod.cli.rules", "rule", "Show the documentation of one rule."),
    "extract": (
        "nb2prod.cli.extract",
        "extract",
        "Turn a notebook into a typed Python module with tests.",
    ),
    "pin": ("nb2prod.cli.pin", "pin", "Record or check the environment a notebook needs."),
    "run": ("nb2prod.cli.run", "run", "Run a notebook with parameters through papermill."),
    "repro": ("nb2prod.cli.repro", "repro", "Check that notebooks reproduce their saved outputs."),
    "check": (
        "nb2prod.cli.check",
        "check",
        "Run the whole notebook check for CI (lint, pins, repro).",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name, (module, _, _) in COMMANDS.items()
            if importlib.util.find_spec(module) is not None
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                return None
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Errors nb2prod expects become one line and exit code 2, in every caller (CliRunner too)."""
        try:
            return super().invoke(ctx)
        except Nb2prodError as error:
            click.echo(f"nb2prod: error: {error}", err=True)
            ctx.exit(2)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="nb2prod")
def cli() -> None:
    """nb2prod: make Jupyter notebooks reproducible and ready for production."""


# Set by commands whose process holds nothing that needs cleaning up (see ``allow_fast_exit``).
_fast_exit_allowed = False


def allow_fast_exit() -> None:
    """Let the process end without freeing its objects, as mypy does (``hard_exit``).

    After a large lint the heap holds hundreds of thousands of cached syntax-tree nodes; freeing
    them one by one at interpreter shutdown took a quarter of the run. Only the console entry point
    acts on it (``main()`` without arguments), never a caller that embeds the CLI.
    """
    global _fast_exit_allowed
    _fast_exit_allowed = True


def _exit_now(code: object) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = 1 if code in (0, None) else code
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def main(argv: list[str] | None = None) -> Any:
    """Entry point: errors become one line on stderr and exit code 2, never a traceback."""
    try:
        return _main(argv)
    except SystemExit as exit_:
        if _fast_exit_allowed and argv is None:
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
            _exit_now(exit_.code)
        raise


def _main(argv: list[str] | None) -> Any:
    try:
        # Without standalone mode click *returns* the code of ctx.exit(); pass it on to the shell.
        result = cli.main(args=argv, prog_name="nb2prod", standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):
            sys.exit(result)
        return result
    except click.exceptions.Exit as exit_:
        sys.exit(exit_.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(2 if error.exit_code in (1, 2) else error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Nb2prodError as error:
        click.echo(f"nb2prod: error: {error}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as error:  # the last line of defence against tracebacks
        if os.environ.get("NB2PROD_DEBUG"):
            raise
        click.echo(
            f"nb2prod: internal error: {type(error).__name__}: {error} (set NB2PROD_DEBUG=1 for a traceback)",
            err=True,
        )
        sys.exit(2)

"""Error classes: every failure nb2prod reports to a user derives from :class:`Nb2prodError`."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "Nb2prodError",
    "NotebookReadError",
    "UsageError",
]


class Nb2prodError(Exception):
    """Root of nb2prod's errors; ``str(error)`` is the one line a surface shows."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        super().__init__(f"{path}: {message}" if path is not None else message)


class NotebookReadError(Nb2prodError):
    """A file could not be read as a notebook (not JSON, not a notebook, unreadable...)."""


class ConfigError(Nb2prodError):
    """The ``[tool.nb2prod]`` configuration is invalid."""


class UsageError(Nb2prodError):
    """The command line asked for something impossible (unknown rule code, bad option value)."""

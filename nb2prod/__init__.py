"""nb2prod: find hidden state in Jupyter notebooks and turn them into production code."""

from __future__ import annotations

from typing import Any

from nb2prod._version import __version__

__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "nb2prod"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "nb2prod.server"}]

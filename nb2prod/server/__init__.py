"""The jupyter_server extension: nb2prod's authenticated HTTP API for the JupyterLab panel."""

from __future__ import annotations

from typing import Any

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "nb2prod.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the routes on the running server (called by jupyter_server at start-up)."""
    from nb2prod.server.routes import register_routes

    register_routes(serverapp.web_app)
    serverapp.log.info("nb2prod server extension loaded")


# jupyter_server < 2 looked for the older name.
load_jupyter_server_extension = _load_jupyter_server_extension

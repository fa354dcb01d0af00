"""The URL table of nb2prod's server extension."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from nb2prod.server import handlers

__all__ = ["ROUTES", "register_routes"]

# Path (under <base_url>/nb2prod) -> handler.
ROUTES: tuple[tuple[str, type[handlers.Nb2prodHandler]], ...] = (
    ("status", handlers.StatusHandler),
    ("lint", handlers.LintHandler),
    ("rules", handlers.RulesHandler),
    (r"rules/(?P<code>[A-Za-z0-9_-]+)", handlers.RuleHandler),
    ("graph", handlers.GraphHandler),
    ("extract/preview", handlers.ExtractPreviewHandler),
    ("extract", handlers.ExtractHandler),
    ("pin", handlers.PinHandler),
    ("repro", handlers.ReproStartHandler),
    (r"repro/(?P<job_id>[0-9a-f]+)", handlers.ReproJobHandler),
)


def register_routes(web_app: Any) -> None:
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, "nb2prod", pattern) + "$", handler)
            for pattern, handler in ROUTES
        ],
    )

"""pytest-jupyter's server fixtures (jp_fetch, jp_serverapp...) with nb2prod's extension enabled."""

from __future__ import annotations

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - the plugin has no entry point: import its fixtures


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {"ServerApp": {"jpserver_extensions": {"nb2prod": True}}}

"""A real JupyterLab with nb2prod on a free local port, and Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent.parent / "fixtures" / "browser"
ARTIFACTS = HERE.parent / "artifacts"
CHROMIUM = os.environ.get("NB2PROD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The news toast covers part of the page; turn it off for the test server.
OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Lab:
    """A running JupyterLab: its URL, root folder and process."""

    def __init__(self, url: str, root: Path, process: subprocess.Popen[bytes]) -> None:
        self.url, self.root, self.process = url, root, process

    def copy_notebook(self, fixture: str, name: str) -> str:
        """Copy fixture notebook ``fixture`` into the root as ``name``; returns the API path."""
        shutil.copy(NOTEBOOKS / f"{fixture}.ipynb", self.root / name)
        return name


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    # NB2PROD_JUPYTER runs the tests against another installation (a wheel in a fresh venv, say).
    jupyter = Path(os.environ.get("NB2PROD_JUPYTER", Path(sys.executable).parent / "jupyter"))
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    settings = base / "app-settings"
    for folder in (root, settings, base / "user-settings", base / "workspaces", base / "runtime"):
        folder.mkdir()
    (settings / "overrides.json").write_text(json.dumps(OVERRIDES))
    # The build check re-reads every extension on each page load (seconds): nothing to build here.
    (settings / "page_config.json").write_text(json.dumps({"buildCheck": False, "buildAvailable": False}))
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "jupyterlab.log"
    environment = {**os.environ, "JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(jupyter),
                "lab",
                "--allow-root",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.app_settings_dir={settings}",
                f"--LabApp.user_settings_dir={base / 'user-settings'}",
                f"--LabApp.workspaces_dir={base / 'workspaces'}",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=root,
            env=environment,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"JupyterLab did not start in 60 s; see {log}")
        time.sleep(0.25)
    try:
        yield Lab(url, root, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object, lab: Lab, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        safe_name = request.node.name.replace("/", "_")
        try:
            page.screenshot(path=str(ARTIFACTS / f"{safe_name}-final.png"))
        finally:
            context.close()

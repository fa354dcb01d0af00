"""Fixtures for the pin tests: real throw-away virtual environments made with uv, and a kernelspec
that points a notebook's kernel at one of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
PIN_FIXTURES = REPOSITORY / "fixtures" / "pin"
TEST_KERNEL = "nb2prod-pin-test"
# Small pure-Python distributions, at versions older than the newest, so that drift is easy to make.
BASE_PACKAGES = ("six==1.16.0", "pyyaml==6.0.1", "beautifulsoup4==4.12.3")


def find_uv() -> str:
    for candidate in (shutil.which("uv"), str(Path(sys.executable).parent / "uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise RuntimeError("uv is needed by the pin tests (pip install uv)")


@dataclass(frozen=True)
class VirtualEnvironment:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def install(self, *requirements: str) -> None:
        subprocess.run(
            [find_uv(), "pip", "install", "--quiet", "--python", str(self.python), *requirements],
            check=True, capture_output=True, text=True, timeout=300,
        )


def make_environment(folder: Path, *requirements: str) -> VirtualEnvironment:
    uv = find_uv()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)], check=True, capture_output=True, timeout=300)
    environment = VirtualEnvironment(folder)
    if requirements:
        environment.install(*requirements)
    return environment


@pytest.fixture(scope="session")
def pin_venv(tmp_path_factory: pytest.TempPathFactory) -> VirtualEnvironment:
    """A virtual environment with six, PyYAML and beautifulsoup4 (uv's cache makes it cheap)."""
    return make_environment(tmp_path_factory.mktemp("pin-venv") / "venv", *BASE_PACKAGES)


@pytest.fixture
def fresh_venv(tmp_path: Path) -> VirtualEnvironment:
    """An environment of one test's own, for tests that change what is installed."""
    return make_environment(tmp_path / "own-venv", *BASE_PACKAGES)


def install_kernel(jupyter_path: Path, python: Path, name: str = TEST_KERNEL, language: str = "python") -> None:
    folder = jupyter_path / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Pin test ({name})",
        "language": language,
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


@pytest.fixture
def kernel_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[VirtualEnvironment], Path]:
    """Install the test kernelspec pointing at an environment; returns the JUPYTER_PATH folder."""
    jupyter_path = tmp_path / "jupyter"

    def install(environment: VirtualEnvironment) -> Path:
        install_kernel(jupyter_path, environment.python)
        monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
        return jupyter_path

    return install


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of fixtures/pin/project to write into."""
    target = tmp_path / "project"
    shutil.copytree(PIN_FIXTURES / "project", target)
    return target


@dataclass(frozen=True)
class Completed:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_nb2prod() -> Iterator[Callable[..., Completed]]:
    """Run the real command line in a subprocess (environment as the test set it)."""

    def run(*arguments: str, cwd: Path) -> Completed:
        completed = subprocess.run(
            [sys.executable, "-m", "nb2prod", *arguments],
            cwd=cwd, capture_output=True, text=True, timeout=300, env=dict(os.environ),
        )
        return Completed(completed.returncode, completed.stdout, completed.stderr)

    yield run

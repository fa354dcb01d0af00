"""Fixtures for the run/repro tests: a registered python3 kernel and the fixture notebooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "run"


@pytest.fixture(scope="session")
def python_kernel() -> str:
    """The ``python3`` kernel; registered into this environment's prefix when it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
            check=True,
            capture_output=True,
        )
    return "python3"


@pytest.fixture(scope="session")
def run_fixtures() -> Path:
    return FIXTURES

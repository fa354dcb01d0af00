"""Build hook: the JupyterLab extension's JavaScript build, skipped where nobody needs it.

pre-commit installs nb2prod from a git clone into a virtual environment inside that clone
(``<store>/repoXXXX/py_env-*``). The hooks only run the CLI, so building the JavaScript there would
cost a minute and a Node.js toolchain for nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hatch_jupyter_builder.plugin import JupyterBuildHook

_JS_BUILD_REQUIREMENTS = ["jupyterlab>=4.6,<5"]


def _is_pre_commit_environment(root: str) -> bool:
    prefix = Path(sys.prefix)
    return prefix.name.startswith("py_env-") and prefix.parent.resolve() == Path(root).resolve()


class Nb2prodBuildHook(JupyterBuildHook):
    """hatch-jupyter-builder's hook, minus the JavaScript build inside a pre-commit environment."""

    def _skips_javascript(self) -> bool:
        return bool(os.environ.get("SKIP_JUPYTER_BUILDER")) or _is_pre_commit_environment(self.root)

    def dependencies(self) -> list[str]:
        # jupyterlab provides jlpm; without the JS build it is a large download for nothing.
        return [] if self._skips_javascript() else list(_JS_BUILD_REQUIREMENTS)

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self._skips_javascript():
            self._skipped = True
            return
        super().initialize(version, build_data)


del JupyterBuildHook  # hatchling wants exactly one hook class in this file

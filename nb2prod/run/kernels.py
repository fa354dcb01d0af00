"""Finding the kernel to run a notebook with, and a kernel manager that starts it deterministically."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nb2prod.errors import Nb2prodError

__all__ = [
    "KernelChoice",
    "MissingKernelError",
    "choose_kernel",
    "kernel_manager_class",
    "stop_process_group",
]


class MissingKernelError(Nb2prodError):
    """No installed kernel can run the notebook."""


@dataclass(frozen=True, slots=True)
class KernelChoice:
    name: str
    language: str
    is_ipykernel: bool
    note: str | None = None


def _installed_specs() -> dict[str, dict[str, Any]]:
    from jupyter_client.kernelspec import KernelSpecManager

    specs: dict[str, dict[str, Any]] = KernelSpecManager().get_all_specs()
    return specs


def _is_ipykernel(spec: Mapping[str, Any]) -> bool:
    argv = spec.get("spec", {}).get("argv", [])
    return any("ipykernel" in str(part) for part in argv)


def choose_kernel(requested: str | None, metadata: Mapping[str, Any]) -> KernelChoice:
    """The kernel asked for, else the notebook's own, else an installed kernel of the same language.

    A notebook saved with a kernel that is not installed here (``conda-env-x-py``, ``python2``...) runs
    with an installed kernel of its language, and the choice is reported; an explicit request is never
    substituted.
    """
    specs = _installed_specs()
    installed = ", ".join(sorted(specs)) or "none"
    if requested:
        if requested not in specs:
            raise MissingKernelError(
                f"no kernel named {requested!r} is installed (installed: {installed})"
            )
        spec = specs[requested]
        return KernelChoice(
            requested, str(spec.get("spec", {}).get("language", "")).lower(), _is_ipykernel(spec)
        )
    kernelspec = (
        metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), Mapping) else {}
    )
    assert isinstance(kernelspec, Mapping)
    saved_name = kernelspec.get("name") if isinstance(kernelspec.get("name"), str) else None
    if saved_name and saved_name in specs:
        spec = specs[saved_name]
        return KernelChoice(
            saved_name, str(spec.get("spec", {}).get("language", "")).lower(), _is_ipykernel(spec)
        )
    language_info = (
        metadata.get("language_info") if isinstance(metadata.get("language_info"), Mapping) else {}
    )
    assert isinstance(language_info, Mapping)
    language = str(kernelspec.get("language") or language_info.get("name") or "python").lower()
    candidates = sorted(
        (
            name
            for name, spec in specs.items()
            if str(spec.get("spec", {}).get("language", "")).lower() == language
        ),
        key=lambda name: (name != "python3", name),
    )
    if not candidates:
        wanted = repr(saved_name) if saved_name else f"a {language} kernel"
        raise MissingKernelError(
            f"the notebook needs {wanted}, which is not installed (installed: {installed})"
        )
    chosen = candidates[0]
    note = (
        f"kernel {saved_name!r} is not installed; used {chosen!r} ({language})"
        if saved_name
        else None
    )
    return KernelChoice(chosen, language, _is_ipykernel(specs[chosen]), note)


@lru_cache(maxsize=1)
def kernel_manager_class() -> type:
    """An ``AsyncKernelManager`` that starts its kernel with our environment, folder and stderr file."""
    from jupyter_client.manager import AsyncKernelManager

    class DeterministicKernelManager(AsyncKernelManager):  # type: ignore[misc]
        launch_environment: dict[str, str] | None = None
        launch_folder: str | None = None
        launch_stderr: Any = None
        kernel_pid: int | None = None

        async def start_kernel(self, **keywords: Any) -> None:  # type: ignore[override]
            if self.launch_environment is not None:
                keywords["env"] = dict(self.launch_environment)
            if self.launch_folder is not None:
                keywords["cwd"] = self.launch_folder
            if self.launch_stderr is not None:
                keywords["stderr"] = self.launch_stderr
            await super().start_kernel(**keywords)
            process = getattr(self.provisioner, "process", None)
            self.kernel_pid = getattr(process, "pid", None)

    return DeterministicKernelManager


def stop_process_group(pid: int | None) -> None:
    """Kill what is left of a kernel (its process group, else the process): nothing stays running."""
    if pid is None or not hasattr(os, "killpg"):
        return
    try:
        group = os.getpgid(pid)
    except (ProcessLookupError, PermissionError, OSError):
        return
    try:
        # jupyter_client starts kernels in a session of their own; never signal our own group.
        if group != os.getpgid(0):
            os.killpg(group, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        return

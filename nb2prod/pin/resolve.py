"""The kernel's environment: which interpreter runs a notebook, and what it has installed.

The interpreter comes from ``--python``, else from the notebook's kernelspec (found where Jupyter
looks for kernels), else it is the interpreter running nb2prod. What it has installed is asked of it
in a subprocess running a small script (:data:`PROBE_SCRIPT`) that prints
``importlib.metadata``'s view as JSON, so the answer is the kernel's, never nb2prod's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nb2prod.analysis.environment import EnvironmentSnapshot
from nb2prod.analysis.imports import NotebookNeeds
from nb2prod.errors import Nb2prodError
from nb2prod.notebook import Notebook

__all__ = [
    "PROBE_SCRIPT",
    "Interpreter",
    "InterpreterError",
    "kernel_interpreter",
    "probe_environment",
]

PROBE_TIMEOUT_SECONDS = 120


class InterpreterError(Nb2prodError):
    """The interpreter to pin against does not exist or did not answer."""


@dataclass(frozen=True)
class Interpreter:
    """A Python executable, why it was chosen, and the extra environment its kernel sets."""

    path: str
    origin: str  # "--python", "kernel 'python3'", "current interpreter"
    env: Mapping[str, str] = field(default_factory=dict)
    warning: str | None = None

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What makes two interpreters the same environment: the executable and the kernel's env."""
        return (self.path, tuple(sorted(self.env.items())))


# Runs inside the target interpreter (Python 3.8+, standard library only): reads the modules to
# look up as JSON on stdin, prints the environment as JSON on stdout.
PROBE_SCRIPT = r"""
import json, os, platform, re, sys
request = json.load(sys.stdin)
here = os.path.realpath(os.getcwd())
sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]
import importlib.util
try:
    from importlib import metadata
except ImportError:
    metadata = None

def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def inferred_top_level(dist):
    names = set()
    for entry in dist.files or ():
        parts = entry.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".egg-info", ".data")):
            continue
        if len(parts) > 1:
            names.add(parts[0])
        elif parts[0].endswith((".py", ".so", ".pyd")):
            names.add(parts[0].split(".")[0])
    return names

distributions = []
top_level = {}
files_by_dist = {}
seen = set()
if metadata is not None:
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
        except Exception:
            name = None
        if not name or canonical(name) in seen:
            continue
        seen.add(canonical(name))
        requires = []
        for entry in dist.requires or ():
            requirement, _, marker = entry.partition(";")
            if "extra" in marker:
                continue
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
            if match:
                requires.append(match.group(1))
        distributions.append({"name": name, "version": dist.version, "requires": requires})
        declared = dist.read_text("top_level.txt")
        names = set(declared.split()) if declared else inferred_top_level(dist)
        for module in names:
            top_level.setdefault(module, [])
            if name not in top_level[module]:
                top_level[module].append(name)
        files_by_dist[name] = dist

submodules = {}
for dotted in request.get("dotted", []):
    parts = dotted.split(".")
    candidates = top_level.get(parts[0], [])
    if len(candidates) < 2:
        continue
    for depth in range(len(parts), 1, -1):
        prefix = "/".join(parts[:depth])
        found = []
        for name in candidates:
            for entry in files_by_dist[name].files or ():
                text = entry.as_posix()
                if text.startswith(prefix + "/") or text == prefix + ".py" or (
                    text.startswith(prefix + ".") and text.endswith((".so", ".pyd"))
                ):
                    found.append(name)
                    break
        if found:
            submodules[".".join(parts[:depth])] = found
            break

import sysconfig
stdlib_folders = set()
for key in ("stdlib", "platstdlib"):
    try:
        stdlib_folders.add(os.path.realpath(sysconfig.get_paths()[key]))
    except Exception:
        pass
importable = {}
stdlib_found = []
for module in request.get("modules", []):
    try:
        spec = importlib.util.find_spec(module)
    except Exception:
        spec = None
    importable[module] = spec is not None
    origin = getattr(spec, "origin", None) if spec is not None else None
    if origin in ("frozen", "built-in"):
        stdlib_found.append(module)
    elif origin and "site-packages" not in origin and "dist-packages" not in origin:
        real = os.path.realpath(origin)
        if any(real.startswith(folder + os.sep) for folder in stdlib_folders):
            stdlib_found.append(module)

json.dump({
    "executable": sys.executable,
    "python_version": platform.python_version(),
    "implementation": sys.implementation.name,
    "platform": sys.platform,
    "machine": platform.machine(),
    "stdlib": sorted(getattr(sys, "stdlib_module_names", ())),
    "builtins": sorted(sys.builtin_module_names),
    "distributions": distributions,
    "top_level": top_level,
    "submodules": submodules,
    "importable": importable,
    "stdlib_found": stdlib_found,
}, sys.stdout)
"""

_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")


def _resolve_executable(command: str) -> str | None:
    if os.sep in command or (os.altsep and os.altsep in command):
        return command
    return shutil.which(command)


def kernel_interpreter(notebook: Notebook, python: str | None = None) -> Interpreter:
    """The interpreter that runs ``notebook``: ``python`` if given, else its kernelspec's.

    A kernel that is not installed here, or whose command does not name a Python executable
    (``conda run ...``), falls back to the interpreter running nb2prod, with a warning to say so.
    """
    if python is not None:
        resolved = _resolve_executable(python)
        if resolved is None or not Path(resolved).exists():
            raise InterpreterError("no such interpreter", python)
        return Interpreter(resolved, "--python")
    kernelspec = notebook.metadata.get("kernelspec")
    name = kernelspec.get("name") if isinstance(kernelspec, Mapping) else None
    if not isinstance(name, str) or not name:
        return Interpreter(sys.executable, "current interpreter", warning=None)
    try:
        spec = find_kernel_spec(name)
    except (OSError, ValueError) as error:
        return Interpreter(
            sys.executable,
            "current interpreter",
            warning=f"kernel '{name}' cannot be read ({error}); using {sys.executable}",
        )
    if spec is None:
        if name.lower() in ("python3", "python"):
            # Jupyter's built-in kernel of that name runs in the interpreter that runs Jupyter.
            return Interpreter(sys.executable, f"kernel '{name}'")
        return Interpreter(
            sys.executable,
            "current interpreter",
            warning=f"kernel '{name}' is not installed here; using {sys.executable} (choose with --python)",
        )
    language = str(spec.get("language") or "").lower()
    if language and "python" not in language:
        raise InterpreterError(
            f"kernel '{name}' runs {spec.get('language')}, not Python: cannot pin", notebook.path
        )
    environment = spec.get("env")
    env = (
        {str(key): str(value) for key, value in environment.items()}
        if isinstance(environment, dict)
        else {}
    )
    argv = [str(argument) for argument in spec.get("argv") or [] if isinstance(argument, str)]
    for argument in argv[:3]:
        base = os.path.basename(argument)
        if _PYTHON_NAME.match(base):
            # jupyter_client starts a bare `python` as the interpreter that runs Jupyter itself.
            if base == argument and base in (
                "python",
                f"python{sys.version_info[0]}",
                f"python{sys.version_info[0]}.{sys.version_info[1]}",
            ):
                return Interpreter(sys.executable, f"kernel '{name}'", env)
            resolved = _resolve_executable(argument)
            if resolved is not None and Path(resolved).exists():
                return Interpreter(resolved, f"kernel '{name}'", env)
            raise InterpreterError(
                f"kernel '{name}' names an interpreter that does not exist: {argument}",
                notebook.path,
            )
    return Interpreter(
        sys.executable,
        "current interpreter",
        warning=f"kernel '{name}' starts with `{' '.join(argv[:2])}`, not a Python executable; using {sys.executable} (choose with --python)",
    )


def find_kernel_spec(name: str) -> dict[str, Any] | None:
    """The ``kernel.json`` of kernel ``name``, searched where Jupyter searches (``jupyter_path``).

    Read directly rather than through ``jupyter_client``, whose import alone costs seconds here;
    the search path and the case-insensitive name match are Jupyter's.
    """
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:  # pragma: no cover - jupyter_core comes with nbformat
        return None
    for folder in jupyter_path("kernels"):
        candidate = Path(folder) / name.lower() / "kernel.json"
        if not candidate.is_file():
            candidate = Path(folder) / name / "kernel.json"
            if not candidate.is_file():
                continue
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{candidate}: invalid JSON: {error.msg}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{candidate}: not a kernel spec")
        return data
    return None


_CACHE: dict[
    tuple[str, tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]], EnvironmentSnapshot
] = {}


def probe_environment(
    interpreter: Interpreter, modules: Iterable[str] = (), dotted: Iterable[str] = ()
) -> EnvironmentSnapshot:
    """Ask ``interpreter`` (in a subprocess) for its distributions and whether ``modules`` import."""
    module_list = tuple(sorted(set(modules)))
    dotted_list = tuple(sorted(set(dotted)))
    key = (interpreter.path, tuple(sorted(interpreter.env.items())), module_list, dotted_list)
    if key in _CACHE:
        return _CACHE[key]
    environment = {**os.environ, **interpreter.env, "PYTHONIOENCODING": "utf-8"}
    environment.pop("PYTHONSTARTUP", None)
    request = json.dumps({"modules": list(module_list), "dotted": list(dotted_list)})
    with tempfile.TemporaryDirectory(prefix="nb2prod-probe-") as neutral_folder:
        try:
            completed = subprocess.run(
                [interpreter.path, "-c", PROBE_SCRIPT],
                input=request,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=PROBE_TIMEOUT_SECONDS,
                env=environment,
                cwd=neutral_folder,
                check=False,
            )
        except FileNotFoundError:
            raise InterpreterError("no such interpreter", interpreter.path) from None
        except PermissionError:
            raise InterpreterError("interpreter is not executable", interpreter.path) from None
        except OSError as error:
            raise InterpreterError(
                f"cannot run interpreter: {error.strerror or error}", interpreter.path
            ) from None
        except subprocess.TimeoutExpired:
            raise InterpreterError(
                f"interpreter did not answer within {PROBE_TIMEOUT_SECONDS} s", interpreter.path
            ) from None
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no error output"])[-1]
        raise InterpreterError(
            f"interpreter failed ({last[:200]}); is it Python 3.8 or newer?", interpreter.path
        )
    try:
        data = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise InterpreterError(
            "interpreter did not answer with JSON; is it Python 3.8 or newer?", interpreter.path
        ) from None
    snapshot = EnvironmentSnapshot.from_probe(data)
    if not snapshot.stdlib - {"__future__", "__main__"} or not data.get("stdlib"):
        # Before 3.10 an interpreter cannot list its standard library; ours is the best stand-in.
        from dataclasses import replace

        snapshot = replace(
            snapshot, stdlib=snapshot.stdlib | frozenset(getattr(sys, "stdlib_module_names", ()))
        )
    _CACHE[key] = snapshot
    return snapshot


def probe_notebooks(
    notebooks: Sequence[tuple[Notebook, NotebookNeeds]], python: str | None = None
) -> list[tuple[Interpreter, EnvironmentSnapshot]]:
    """Each notebook's interpreter and environment, probing every interpreter once for all its notebooks."""
    interpreters = [kernel_interpreter(notebook, python) for notebook, _ in notebooks]
    modules: dict[tuple[str, tuple[tuple[str, str], ...]], set[str]] = {}
    dotted: dict[tuple[str, tuple[tuple[str, str], ...]], set[str]] = {}
    chosen: dict[tuple[str, tuple[tuple[str, str], ...]], Interpreter] = {}
    for interpreter, (_, needs) in zip(interpreters, notebooks, strict=True):
        key = interpreter.key
        chosen.setdefault(key, interpreter)
        modules.setdefault(key, set()).update(needs.modules)
        dotted.setdefault(key, set()).update(
            need.module for need in needs.imports if "." in need.module
        )
    snapshots = {key: probe_environment(chosen[key], modules[key], dotted[key]) for key in chosen}
    return [(interpreter, snapshots[interpreter.key]) for interpreter in interpreters]

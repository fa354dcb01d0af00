"""The deterministic environment a notebook runs in: environment variables and injected seeds."""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from nb2prod.magics import mask
from nb2prod.notebook import Notebook

__all__ = [
    "DEFAULT_SEED",
    "INLINE_BACKEND",
    "RunEnvironment",
    "deterministic_environment",
    "imported_top_level_modules",
    "seed_startup_code",
]

DEFAULT_SEED = 0

# ipykernel's own default backend, which renders figures with Agg into PNG outputs. Setting the plain
# ``Agg`` backend instead would drop every inline figure from the outputs (ipykernel only picks the
# inline backend when MPLBACKEND is unset), and repro compares those figures.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# Libraries that draw from numpy's global generator, so that seeding numpy matters when they are used.
_NUMPY_USERS = frozenset(
    {
        "numpy",
        "pandas",
        "scipy",
        "sklearn",
        "matplotlib",
        "seaborn",
        "statsmodels",
        "skimage",
        "xarray",
        "keras",
    }
)


@dataclass(frozen=True, slots=True)
class RunEnvironment:
    """Environment variables for the kernel and the seeds to set before the first cell."""

    variables: Mapping[str, str]
    seed: int | None
    seeded_modules: tuple[str, ...] = ()
    startup_code: str | None = None
    notes: tuple[str, ...] = field(default=())


def imported_top_level_modules(notebook: Notebook) -> frozenset[str]:
    """Top-level names of every module the notebook's code cells import (magics masked)."""
    found: set[str] = set()
    for cell in notebook.code_cells:
        try:
            tree = ast.parse(mask(cell.source).text)
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return frozenset(found)


def seed_startup_code(seed: int, modules: tuple[str, ...]) -> str:
    """IPython code that seeds ``modules`` just before the first cell runs, binding no user name.

    It runs as a one-shot ``pre_run_cell`` hook rather than at kernel start, because start-up code
    runs before ipykernel finishes initialising and the global generator gets reseeded after it.
    """
    statements = []
    if "random" in modules:
        statements.append(f"__import__('random').seed({seed})")
    if "numpy" in modules:
        statements.append(f"__import__('numpy').random.seed({seed})")
    if "torch" in modules:
        statements.append(f"__import__('torch').manual_seed({seed})")
    if "tensorflow" in modules:
        statements.append(f"__import__('tensorflow').random.set_seed({seed})")
    guarded = "\n".join(
        f"        try:\n            {statement}\n        except Exception:\n            pass"
        for statement in statements
    )
    return (
        "def _nb2prod_install_seed():\n"
        "    shell = get_ipython()\n"
        "    def seed(*_arguments):\n"
        "        shell.events.unregister('pre_run_cell', seed)\n"
        f"{guarded}\n"
        "    shell.events.register('pre_run_cell', seed)\n"
        "_nb2prod_install_seed()\n"
        "del _nb2prod_install_seed\n"
    )


def deterministic_environment(
    notebook: Notebook,
    *,
    seed: int | None = DEFAULT_SEED,
    matplotlib_backend: str = INLINE_BACKEND,
    extra_variables: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> RunEnvironment:
    """Variables that make runs repeatable (hash seed, UTC, headless plots) and the seeds to inject."""
    variables = dict(os.environ if base is None else base)
    variables.update(
        {
            "PYTHONHASHSEED": "0",
            "TZ": "UTC",
            "MPLBACKEND": matplotlib_backend,
        }
    )
    variables.update(extra_variables or {})
    if seed is None:
        return RunEnvironment(variables=variables, seed=None)
    imported = imported_top_level_modules(notebook)
    modules = ["random"]
    if imported & _NUMPY_USERS:
        modules.append("numpy")
    modules.extend(name for name in ("torch", "tensorflow") if name in imported)
    seeded = tuple(modules)
    return RunEnvironment(
        variables=variables,
        seed=seed,
        seeded_modules=seeded,
        startup_code=seed_startup_code(seed, seeded),
    )

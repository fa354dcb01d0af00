"""What an environment provides: distributions, versions, top-level modules, and how an import maps to one.

An :class:`EnvironmentSnapshot` describes one Python environment as data. ``nb2prod pin`` builds it in
the kernel's interpreter through a subprocess (``nb2prod.pin.resolve``); lint builds it in-process for
the interpreter that runs nb2prod (:func:`current_environment`), because lint never starts a process.
Everything else here is pure: :func:`resolve_module` names the distribution an import needs, using
the environment first and a table of well-known import/distribution mismatches only for modules that
the environment does not have.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "WELL_KNOWN_DISTRIBUTIONS",
    "Distribution",
    "EnvironmentSnapshot",
    "ModuleResolution",
    "canonical_name",
    "current_environment",
    "local_module_names",
    "project_root_of",
    "resolve_module",
]

# Import name -> distribution, for modules that are not installed in the environment being resolved
# (an installed module is looked up in that environment's own metadata, which is always right). Most
# entries are the classic mismatches; the identity entries name popular distributions, so that a
# missing `import numpy` is pinned as `numpy` on knowledge, not on a guess that names always match.
WELL_KNOWN_DISTRIBUTIONS: Mapping[str, str] = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jose": "python-jose",
    "jwt": "pyjwt",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyopenssl",
    "serial": "pyserial",
    "usb": "pyusb",
    "attr": "attrs",
    "google.protobuf": "protobuf",
    "azure.core": "azure-core",
    "azure.identity": "azure-identity",
    "azure.storage.blob": "azure-storage-blob",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "googleapiclient": "google-api-python-client",
    "grpc": "grpcio",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "pymysql": "pymysql",
    "sqlalchemy": "sqlalchemy",
    "fitz": "pymupdf",
    "Bio": "biopython",
    "ruamel.yaml": "ruamel.yaml",
    "lxml": "lxml",
    "win32api": "pywin32",
    "win32com": "pywin32",
    "wx": "wxpython",
    "gi": "pygobject",
    "cairo": "pycairo",
    "mpl_toolkits": "matplotlib",
    "pylab": "matplotlib",
    "tensorflow_hub": "tensorflow-hub",
    "tf_keras": "tf-keras",
    "torchvision": "torchvision",
    "sentence_transformers": "sentence-transformers",
    "Levenshtein": "levenshtein",
    "igraph": "igraph",
    "community": "python-louvain",
    "umap": "umap-learn",
    "hdbscan": "hdbscan",
    "faiss": "faiss-cpu",
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "statsmodels": "statsmodels",
    "plotly": "plotly",
    "dash": "dash",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "slugify": "python-slugify",
    "markdown": "markdown",
    "github": "pygithub",
    "git": "gitpython",
    "zmq": "pyzmq",
    "nacl": "pynacl",
    "kafka": "kafka-python",
    "ldap": "python-ldap",
    "snappy": "python-snappy",
    "sounddevice": "sounddevice",
    "speech_recognition": "speechrecognition",
    "pydub": "pydub",
    "osgeo": "gdal",
    "shapefile": "pyshp",
    "fiona": "fiona",
    "geopandas": "geopandas",
    "pyproj": "pyproj",
    "haversine": "haversine",
    "tqdm": "tqdm",
    "IPython": "ipython",
    "ipywidgets": "ipywidgets",
    "jupyter_client": "jupyter-client",
    "nbformat": "nbformat",
    "pkg_resources": "setuptools",
    "setuptools": "setuptools",
    "_pytest": "pytest",
    "typing_extensions": "typing-extensions",
    "websocket": "websocket-client",
    "socketio": "python-socketio",
    "multipart": "python-multipart",
    "keras": "keras",
    "tensorflow": "tensorflow",
    "torch": "torch",
    "jax": "jax",
    "transformers": "transformers",
    "datasets": "datasets",
    "nltk": "nltk",
    "spacy": "spacy",
    "gensim": "gensim",
    "networkx": "networkx",
    "seaborn": "seaborn",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
    "pandas": "pandas",
    "scipy": "scipy",
    "sympy": "sympy",
    "requests": "requests",
    "six": "six",
    "pandas_datareader": "pandas-datareader",
    "plotly_express": "plotly-express",
    "prophet": "prophet",
    "fbprophet": "fbprophet",
    "bokeh": "bokeh",
    "holoviews": "holoviews",
    "hvplot": "hvplot",
    "datashader": "datashader",
    "altair": "altair",
    "polars": "polars",
    "pyarrow": "pyarrow",
    "numba": "numba",
    "dask": "dask",
    "h5py": "h5py",
    "tables": "tables",
    "openpyxl": "openpyxl",
    "xlrd": "xlrd",
    "patsy": "patsy",
    "pymc": "pymc",
    "pymc3": "pymc3",
    "pytensor": "pytensor",
    "arviz": "arviz",
    "quandl": "quandl",
    "pytrends": "pytrends",
    "pydot": "pydot",
    "graphviz": "graphviz",
    "cufflinks": "cufflinks",
    "featuretools": "featuretools",
    "shap": "shap",
    "optuna": "optuna",
    "mlflow": "mlflow",
    "wandb": "wandb",
    "joblib": "joblib",
    "boto3": "boto3",
    "botocore": "botocore",
    "s3fs": "s3fs",
    "fsspec": "fsspec",
    "pymongo": "pymongo",
    "redis": "redis",
    "psycopg": "psycopg",
    "flask": "flask",
    "fastapi": "fastapi",
    "pydantic": "pydantic",
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "lxml.html": "lxml",
    "folium": "folium",
    "ipyleaflet": "ipyleaflet",
    "bqplot": "bqplot",
    "PyQt5": "pyqt5",
    "PyQt6": "pyqt6",
    "tensorboard": "tensorboard",
    "flax": "flax",
    "pytorch_lightning": "pytorch-lightning",
    "lightning": "lightning",
    "accelerate": "accelerate",
    "tiktoken": "tiktoken",
    "openai": "openai",
    "langchain": "langchain",
    "rich": "rich",
    "click": "click",
    "typer": "typer",
    "tabulate": "tabulate",
    "toml": "toml",
    "tomli": "tomli",
    "jinja2": "jinja2",
    "markupsafe": "markupsafe",
    "pytz": "pytz",
    "tzdata": "tzdata",
    "arrow": "arrow",
    "pendulum": "pendulum",
    "version_information": "version-information",
    "geocoder": "geocoder",
    "twitter": "python-twitter",
    "tweepy": "tweepy",
    "wordcloud": "wordcloud",
    "textblob": "textblob",
    "emoji": "emoji",
    "pyspark": "pyspark",
    "findspark": "findspark",
    "duckdb": "duckdb",
    "pyodbc": "pyodbc",
    "cx_Oracle": "cx-oracle",
    "snowflake.connector": "snowflake-connector-python",
    "scrapy": "scrapy",
    "selenium": "selenium",
    "pygame": "pygame",
    "gym": "gym",
    "gymnasium": "gymnasium",
}

# Namespace packages that many distributions share: importing the bare namespace names none of them.
NAMESPACE_PACKAGES: Mapping[str, tuple[str, ...]] = {
    "google": ("google-api-core", "google-auth", "google-cloud-storage", "protobuf"),
    "azure": ("azure-core", "azure-identity", "azure-storage-blob"),
    "zope": ("zope-event", "zope-interface"),
    "jaraco": ("jaraco-classes", "jaraco-context", "jaraco-functools"),
    "backports": ("backports-tarfile", "backports-zoneinfo"),
    "sphinxcontrib": (
        "sphinxcontrib-applehelp",
        "sphinxcontrib-htmlhelp",
        "sphinxcontrib-serializinghtml",
    ),
    "ruamel": ("ruamel-yaml", "ruamel-yaml-clib"),
}

_CANONICAL = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """A distribution name normalised as in PEP 503 (``PyYAML`` -> ``pyyaml``, ``a_b`` -> ``a-b``)."""
    return _CANONICAL.sub("-", name).lower()


@dataclass(frozen=True, slots=True)
class Distribution:
    """One installed distribution; ``requires`` are the canonical names it always depends on."""

    name: str
    version: str
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return canonical_name(self.name)


@dataclass(frozen=True)
class EnvironmentSnapshot:
    """The facts about one Python environment that pinning needs.

    ``top_level`` maps a top-level module to the canonical names of the distributions that provide
    it; ``submodules`` narrows namespace packages (``google.cloud.storage``) the same way;
    ``importable`` says, for each module asked about, whether the interpreter can find it.
    """

    interpreter: str
    python_version: str
    implementation: str = "cpython"
    platform: str = sys.platform
    machine: str = ""
    stdlib: frozenset[str] = frozenset()
    distributions: Mapping[str, Distribution] = field(default_factory=dict)
    top_level: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    submodules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    importable: Mapping[str, bool] = field(default_factory=dict)
    stdlib_found: frozenset[str] = (
        frozenset()
    )  # asked-about modules found in the standard library's folders

    @property
    def platform_tag(self) -> str:
        """``linux-x86_64`` and the like."""
        return f"{self.platform}-{self.machine}" if self.machine else self.platform

    def is_stdlib(self, top: str) -> bool:
        """In ``sys.stdlib_module_names``, built in, or found in the standard library's own folders
        (test modules such as ``_testcapi`` and frozen ones are not listed but are no distribution's)."""
        return top in self.stdlib or top in self.stdlib_found

    def is_importable(self, top: str) -> bool:
        """True when the module can be imported (asked of the interpreter, or known from metadata)."""
        if top in self.importable:
            return self.importable[top]
        return top in self.top_level

    def version_of(self, distribution: str) -> str | None:
        found = self.distributions.get(canonical_name(distribution))
        return found.version if found is not None else None

    def closure(self, roots: Iterable[str]) -> frozenset[str]:
        """``roots`` and every installed distribution they depend on, transitively."""
        seen: set[str] = set()
        pending = [canonical_name(root) for root in roots]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            found = self.distributions.get(current)
            if found is not None:
                pending.extend(found.requires)
        return frozenset(seen)

    @classmethod
    def from_probe(cls, data: Mapping[str, Any]) -> EnvironmentSnapshot:
        """Build a snapshot from the JSON the probe script prints (see ``nb2prod.pin.resolve``)."""
        distributions = {
            canonical_name(str(item["name"])): Distribution(
                str(item["name"]),
                str(item["version"]),
                tuple(canonical_name(str(r)) for r in item.get("requires", ())),
            )
            for item in data.get("distributions", ())
        }
        stdlib = frozenset(data.get("stdlib") or ()) | frozenset(data.get("builtins") or ())
        return cls(
            interpreter=str(data.get("executable", "")),
            python_version=str(data.get("python_version", "")),
            implementation=str(data.get("implementation", "cpython")),
            platform=str(data.get("platform", "")),
            machine=str(data.get("machine", "")),
            stdlib=stdlib | {"__future__", "__main__"},
            distributions=distributions,
            top_level={
                str(k): tuple(canonical_name(str(v)) for v in vs)
                for k, vs in data.get("top_level", {}).items()
            },
            submodules={
                str(k): tuple(canonical_name(str(v)) for v in vs)
                for k, vs in data.get("submodules", {}).items()
            },
            importable={str(k): bool(v) for k, v in data.get("importable", {}).items()},
            stdlib_found=frozenset(str(name) for name in data.get("stdlib_found", ())),
        )


ResolutionStatus = Literal[
    "stdlib", "local", "installed", "not-installed", "ambiguous", "unresolved"
]


@dataclass(frozen=True, slots=True)
class ModuleResolution:
    """Where an imported module comes from.

    ``status``: ``installed`` (one distribution, with its version), ``not-installed`` (not in the
    environment; ``distributions`` holds the well-known name if there is one), ``ambiguous``
    (several distributions provide it), ``unresolved`` (importable but no distribution provides it,
    or not installed and no distribution is known), ``stdlib`` or ``local``.
    """

    module: str
    status: ResolutionStatus
    distributions: tuple[str, ...] = ()
    version: str | None = None
    from_table: bool = False

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    @property
    def distribution(self) -> str | None:
        return self.distributions[0] if len(self.distributions) == 1 else None


def _well_known(module: str) -> str | None:
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        found = WELL_KNOWN_DISTRIBUTIONS.get(".".join(parts[:depth]))
        if found is not None:
            return found
    return None


def resolve_module(
    module: str, snapshot: EnvironmentSnapshot, local: frozenset[str] = frozenset()
) -> ModuleResolution:
    """The distribution that provides ``module`` (dotted) in ``snapshot``; never a guess."""
    top = module.split(".")[0]
    if top in local:
        return ModuleResolution(module, "local")
    if snapshot.is_stdlib(top):
        return ModuleResolution(module, "stdlib")
    candidates = snapshot.top_level.get(top, ())
    if len(candidates) > 1:
        parts = module.split(".")
        for depth in range(len(parts), 1, -1):
            narrowed = snapshot.submodules.get(".".join(parts[:depth]))
            if narrowed:
                candidates = narrowed
                break
    candidates = tuple(dict.fromkeys(candidates))
    if (
        not candidates
        and not snapshot.is_importable(top)
        and _well_known(module) is None
        and top in NAMESPACE_PACKAGES
    ):
        return ModuleResolution(module, "ambiguous", NAMESPACE_PACKAGES[top], from_table=True)
    if len(candidates) == 1:
        key = candidates[0]
        return ModuleResolution(module, "installed", candidates, snapshot.version_of(key))
    if len(candidates) > 1:
        return ModuleResolution(module, "ambiguous", tuple(sorted(candidates)))
    if snapshot.is_importable(top):
        return ModuleResolution(module, "unresolved")
    known = _well_known(module)
    if known is not None:
        return ModuleResolution(module, "not-installed", (canonical_name(known),), from_table=True)
    return ModuleResolution(module, "not-installed")


_PROJECT_MARKERS = ("pyproject.toml", ".git", "setup.py", "setup.cfg")


def project_root_of(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` with ``pyproject.toml`` or ``.git`` (or ``None``)."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
            return candidate
    return None


_EXTENSION_SUFFIXES = (".py", ".pyw", ".pyi", ".so", ".pyd")


def _python_names_in(folder: Path) -> set[str]:
    names: set[str] = set()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return names
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_file() and name.endswith(_EXTENSION_SUFFIXES):
            stem = name.split(".")[0]
            if stem.isidentifier():
                names.add(stem)
        elif entry.is_dir() and name.isidentifier() and _is_python_package(entry):
            names.add(name)
    return names


def _is_python_package(folder: Path) -> bool:
    """A folder with ``__init__.py``, or a namespace package: a folder holding Python files."""
    if (folder / "__init__.py").is_file():
        return True
    try:
        return any(child.suffix == ".py" for child in folder.iterdir() if child.is_file())
    except OSError:
        return False


@lru_cache(maxsize=256)
def _local_names_cached(folder: Path) -> frozenset[str]:
    root = project_root_of(folder)
    folders = [folder]
    if root is not None:
        current = folder
        while current != root and root in current.parents:
            current = current.parent
            folders.append(current)
        if root not in folders:
            folders.append(root)
        folders.append(root / "src")
    names: set[str] = set()
    for candidate in folders:
        if candidate.is_dir():
            names |= _python_names_in(candidate)
    return frozenset(names)


def local_module_names(notebook_path: Path | None) -> frozenset[str]:
    """Modules that are files or packages beside the notebook, in folders up to its project root,
    or in the project's ``src/`` folder: importing them needs no distribution."""
    if notebook_path is None:
        return frozenset()
    return _local_names_cached(Path(notebook_path).resolve().parent)


def _requirement_name(text: str) -> str | None:
    """The distribution a ``Requires-Dist`` entry always needs, or ``None`` for extras-only ones."""
    requirement, _, marker = text.partition(";")
    if "extra" in marker:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return canonical_name(match.group(1)) if match else None


@lru_cache(maxsize=1)
def _current_distributions() -> tuple[dict[str, Distribution], dict[str, tuple[str, ...]]]:
    import importlib.metadata as metadata

    distributions: dict[str, Distribution] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata is not None else None
        if not name:
            continue
        key = canonical_name(name)
        if key in distributions:
            continue  # the first one on sys.path is the one that imports
        requires = tuple(
            dict.fromkeys(
                required
                for entry in (dist.requires or ())
                if (required := _requirement_name(entry))
            )
        )
        distributions[key] = Distribution(name, dist.version, requires)
    top_level: dict[str, tuple[str, ...]] = {}
    for module, names in metadata.packages_distributions().items():
        top_level[module] = tuple(dict.fromkeys(canonical_name(name) for name in names))
    return distributions, top_level


def current_environment(modules: Iterable[str] = ()) -> EnvironmentSnapshot:
    """A snapshot of the interpreter running nb2prod, without starting a process.

    ``modules`` are top-level names whose importability is checked with ``importlib.util.find_spec``
    (which finds a module without importing it).
    """
    import importlib.util
    import platform

    distributions, top_level = _current_distributions()
    importable: dict[str, bool] = {}
    stdlib_found: set[str] = set()
    stdlib_folders = _stdlib_folders()
    for module in modules:
        if module in importable:
            continue
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        importable[module] = spec is not None
        if spec is not None and _is_stdlib_origin(spec.origin, stdlib_folders):
            stdlib_found.add(module)
    return EnvironmentSnapshot(
        interpreter=sys.executable,
        python_version=platform.python_version(),
        implementation=sys.implementation.name,
        platform=sys.platform,
        machine=platform.machine(),
        stdlib=frozenset(getattr(sys, "stdlib_module_names", ()))
        | frozenset(sys.builtin_module_names)
        | {"__future__", "__main__"},
        distributions=distributions,
        top_level=top_level,
        importable=importable,
        stdlib_found=frozenset(stdlib_found),
    )


def _stdlib_folders() -> tuple[str, ...]:
    import sysconfig

    paths = sysconfig.get_paths()
    return tuple(
        dict.fromkeys(
            str(Path(paths[key]).resolve()) for key in ("stdlib", "platstdlib") if key in paths
        )
    )


def _is_stdlib_origin(origin: str | None, folders: tuple[str, ...]) -> bool:
    """Frozen and built-in modules, and files under the standard library outside site-packages."""
    if origin in ("frozen", "built-in"):
        return True
    if not origin:
        return False
    resolved = str(Path(origin).resolve())
    if "site-packages" in resolved or "dist-packages" in resolved:
        return False
    return any(
        resolved.startswith(folder + "/") or resolved.startswith(folder + "\\")
        for folder in folders
    )

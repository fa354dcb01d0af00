"""What a notebook needs (imports, install lines) and how a module resolves to a distribution."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nb2prod.analysis.environment import (
    Distribution,
    EnvironmentSnapshot,
    canonical_name,
    current_environment,
    local_module_names,
    resolve_module,
)
from nb2prod.analysis.imports import notebook_needs
from nb2prod.notebook import reads


def needs_of(*sources: str):  # type: ignore[no-untyped-def]
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    return notebook_needs(reads(nbformat.writes(notebook)))


def test_every_import_is_collected_with_its_place() -> None:
    needs = needs_of(
        "import os, yaml as y\nfrom bs4 import BeautifulSoup",
        "def load():\n    import google.cloud.storage\n\nclass A:\n    def m(self):\n        from PIL import Image",
        "from . import sibling\nfrom .pkg import x",
    )
    assert [(need.module, need.cell, need.line, need.column) for need in needs.imports] == [
        ("os", 1, 1, 1), ("yaml", 1, 1, 1), ("bs4", 1, 2, 1), ("google.cloud.storage", 2, 2, 5), ("PIL", 2, 6, 9),
    ]
    assert needs.modules == ("os", "yaml", "bs4", "google", "PIL")


def test_imports_guarded_by_import_error_are_optional() -> None:
    needs = needs_of("try:\n    import ujson as json\nexcept (ImportError, ValueError):\n    import json\ntry:\n    import orjson\nexcept KeyError:\n    pass")
    assert {need.module: need.is_optional for need in needs.imports} == {"ujson": True, "json": False, "orjson": False}


@pytest.mark.parametrize(
    ("line", "requirements", "skipped"),
    [
        ('%pip install -q "pandas>=2,<3" seaborn', ["pandas<3,>=2", "seaborn"], []),
        ("!pip install --upgrade -i https://example.org/simple scikit-learn==1.4.2", ["scikit-learn==1.4.2"], []),
        ("!python -m pip install -r requirements.txt six", ["six"], ["requirements.txt"]),
        ("!uv pip install 'numpy~=1.26' git+https://example.org/x.git", ["numpy~=1.26"], ["git+https://example.org/x.git"]),
        ("%pip install $package ./local_dir", [], ["$package", "./local_dir"]),
        ("!conda install -y -c conda-forge numpy=1.26", [], ["conda install -y -c conda-forge numpy=1.26"]),
    ],
)
def test_install_lines_give_requirements_with_their_specifiers(line: str, requirements: list[str], skipped: list[str]) -> None:
    needs = needs_of(line)
    assert [install.requirement for install in needs.installs] == requirements
    assert [item.argument for item in needs.skipped] == skipped


def test_canonical_names() -> None:
    assert canonical_name("PyYAML") == "pyyaml"
    assert canonical_name("ruamel.yaml") == "ruamel-yaml"
    assert canonical_name("typing_extensions") == "typing-extensions"


SNAPSHOT = EnvironmentSnapshot(
    interpreter="/env/bin/python",
    python_version="3.11.7",
    stdlib=frozenset({"os", "json", "collections"}),
    distributions={
        "pyyaml": Distribution("PyYAML", "6.0.1"),
        "protobuf": Distribution("protobuf", "4.25.0"),
        "google-cloud-storage": Distribution("google-cloud-storage", "2.14.0", ("google-api-core",)),
        "google-api-core": Distribution("google-api-core", "2.15.0", ("protobuf",)),
    },
    top_level={"yaml": ("pyyaml",), "google": ("protobuf", "google-cloud-storage", "google-api-core")},
    submodules={"google.cloud.storage": ("google-cloud-storage",)},
    importable={"yaml": True, "google": True, "pathhack": True, "sklearn": False, "cv2": False, "mystery": False},
)


@pytest.mark.parametrize(
    ("module", "status", "distributions", "version"),
    [
        ("yaml", "installed", ("pyyaml",), "6.0.1"),
        ("os.path", "stdlib", (), None),
        ("google.cloud.storage", "installed", ("google-cloud-storage",), "2.14.0"),  # narrowed by files
        ("google", "ambiguous", ("google-api-core", "google-cloud-storage", "protobuf"), None),
        ("pathhack", "unresolved", (), None),  # importable, but no distribution provides it
        ("sklearn", "not-installed", ("scikit-learn",), None),  # the classic mismatches
        ("cv2", "not-installed", ("opencv-python",), None),
        ("mystery", "not-installed", (), None),  # unknown: reported, never guessed
        ("azure", "ambiguous", ("azure-core", "azure-identity", "azure-storage-blob"), None),
    ],
)
def test_resolve_module(module: str, status: str, distributions: tuple[str, ...], version: str | None) -> None:
    resolution = resolve_module(module, SNAPSHOT)
    assert (resolution.status, resolution.distributions, resolution.version) == (status, distributions, version)


def test_well_known_table_covers_the_classic_mismatches() -> None:
    bare = EnvironmentSnapshot(interpreter="", python_version="3.11.7")
    expected = {
        "sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
        "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil", "dotenv": "python-dotenv",
    }
    assert {module: resolve_module(module, bare).distribution for module in expected} == expected


def test_local_modules_are_beside_the_notebook_or_in_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n", encoding="utf-8")
    (tmp_path / "src" / "mylib").mkdir(parents=True)
    (tmp_path / "src" / "mylib" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "tools.py").write_text("", encoding="utf-8")
    (tmp_path / "data").mkdir()  # no Python inside: not a package
    (tmp_path / "notebooks" / "deep").mkdir(parents=True)
    (tmp_path / "notebooks" / "deep" / "helpers.py").write_text("", encoding="utf-8")
    (tmp_path / "notebooks" / "utils.py").write_text("", encoding="utf-8")
    names = local_module_names(tmp_path / "notebooks" / "deep" / "nb.ipynb")
    assert {"helpers", "utils", "mylib", "shared"} <= names
    assert "data" not in names and "tools" not in names
    assert resolve_module("helpers", SNAPSHOT, names).status == "local"


def test_current_environment_sees_installed_distributions_and_the_standard_library() -> None:
    snapshot = current_environment(["nbformat", "_testcapi", "surely_not_installed_xyz"])
    assert snapshot.version_of("nbformat") is not None
    assert resolve_module("nbformat", snapshot).status == "installed"
    assert resolve_module("json", snapshot).status == "stdlib"
    assert snapshot.is_importable("surely_not_installed_xyz") is False
    # Test modules of the standard library are not listed in sys.stdlib_module_names.
    assert resolve_module("_testcapi", snapshot).status == "stdlib"

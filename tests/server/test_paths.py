"""API paths resolve under the server root and never outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nb2prod.server.paths import PathOutsideRoot, resolve_under_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root" / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.ipynb").write_text("{}")
    (tmp_path / "root" / "sub" / "nb.ipynb").write_text("{}")
    (tmp_path / "root" / "out").symlink_to(tmp_path / "outside", target_is_directory=True)
    (tmp_path / "root" / "inner").symlink_to(tmp_path / "root" / "sub", target_is_directory=True)
    return tmp_path / "root"


@pytest.mark.parametrize(
    "api_path",
    ["sub/nb.ipynb", "./sub/nb.ipynb", "sub/../sub/nb.ipynb", "inner/nb.ipynb", "sub\\nb.ipynb", "new.ipynb"],
)
def test_paths_inside_resolve(root: Path, api_path: str) -> None:
    resolved = resolve_under_root(root, api_path)
    assert root.resolve() in resolved.parents


@pytest.mark.parametrize(
    "api_path",
    ["../outside/secret.ipynb", "sub/../../outside/secret.ipynb", "/etc/passwd", "C:/Windows/win.ini",
     "out/secret.ipynb", "..", "", "  ", "a\x00b"],
)
def test_paths_outside_are_refused(root: Path, api_path: str) -> None:
    with pytest.raises(PathOutsideRoot):
        resolve_under_root(root, api_path)

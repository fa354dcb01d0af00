"""File-system helpers: notebook discovery with its exclusions, and atomic writes."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from nb2prod.fs import atomic_write_bytes, atomic_write_text, discover_notebooks


def _touch(root: Path, *relative: str) -> None:
    for name in relative:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")


def _found(root: Path, **options: object) -> list[str]:
    return [path.relative_to(root).as_posix() for path in discover_notebooks([root], **options)]  # type: ignore[arg-type]


def test_discovery_is_recursive_sorted_and_skips_what_users_never_lint(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "b.ipynb",
        "a.ipynb",
        "notes.txt",
        "sub/deeper/c.ipynb",
        "sub/.ipynb_checkpoints/c-checkpoint.ipynb",
        ".hidden/secret.ipynb",
        "sub/.cache/x.ipynb",
        ".dotfile.ipynb",
        "node_modules/pkg/demo.ipynb",
        "myenv/lib/site.ipynb",
        "conda_env/share/x.ipynb",
        "__pycache__/x.ipynb",
    )
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (tmp_path / "conda_env" / "conda-meta").mkdir()
    assert _found(tmp_path) == ["a.ipynb", "b.ipynb", "sub/deeper/c.ipynb"]


def test_gitignore_is_respected_including_nested_files_and_negation(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("output/\n*.scratch.ipynb\n/top_only.ipynb\n", encoding="utf-8")
    _touch(
        tmp_path,
        "keep.ipynb",
        "top_only.ipynb",
        "sub/top_only.ipynb",
        "output/result.ipynb",
        "sub/output/result.ipynb",
        "draft.scratch.ipynb",
        "sub/inner/local.ipynb",
        "sub/inner/keep_me.ipynb",
        "sub/inner/generated/x.ipynb",
    )
    (tmp_path / "sub" / "inner" / ".gitignore").write_text("*.ipynb\n!keep_me.ipynb\ngenerated\n", encoding="utf-8")
    assert _found(tmp_path) == ["keep.ipynb", "sub/inner/keep_me.ipynb", "sub/top_only.ipynb"]
    assert len(_found(tmp_path, respect_gitignore=False)) == 9


def test_gitignore_above_the_linted_folder_applies(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build_nb/\nignored.ipynb\n", encoding="utf-8")
    _touch(tmp_path, "project/ignored.ipynb", "project/kept.ipynb", "project/build_nb/x.ipynb")
    assert _found(tmp_path / "project") == ["kept.ipynb"]


def test_explicit_paths_are_always_yielded(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.ipynb\n", encoding="utf-8")
    _touch(tmp_path, ".hidden/x.ipynb", "node_modules/y.ipynb", "ignored.ipynb")
    (tmp_path / "folder.ipynb").mkdir()
    given = [
        tmp_path / ".hidden" / "x.ipynb",
        tmp_path / "node_modules" / "y.ipynb",
        tmp_path / "ignored.ipynb",
        tmp_path / "missing.ipynb",
        tmp_path / "folder.ipynb",
        tmp_path / "ignored.ipynb",  # named twice, yielded once
    ]
    assert list(discover_notebooks(given, exclude=["*.ipynb"])) == given[:5]


def test_folder_named_like_a_notebook_inside_a_folder_is_yielded(tmp_path: Path) -> None:
    (tmp_path / "x.ipynb").mkdir()
    _touch(tmp_path, "x.ipynb/inner.ipynb")
    assert _found(tmp_path) == ["x.ipynb"]


def test_exclude_patterns_match_names_and_paths(tmp_path: Path) -> None:
    _touch(tmp_path, "keep.ipynb", "scratch/a.ipynb", "old_1.ipynb", "sub/old_2.ipynb")
    assert _found(tmp_path, exclude=["scratch", "old_*.ipynb"]) == ["keep.ipynb"]


def test_force_exclude_applies_exclude_to_files_named_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What pre-commit does: it names every staged file, relative to the repository top.
    _touch(tmp_path, "keep.ipynb", "scratch/a.ipynb", "nbs/old_1.ipynb", "archive/deep/b.ipynb")
    monkeypatch.chdir(tmp_path)
    named = [Path("keep.ipynb"), Path("scratch/a.ipynb"), Path("nbs/old_1.ipynb"), Path("archive/deep/b.ipynb")]
    patterns = ["scratch", "old_*.ipynb", "archive"]
    assert list(discover_notebooks(named, exclude=patterns)) == named  # named files win by default
    forced = discover_notebooks(named, exclude=patterns, force_exclude=True)
    assert [path.as_posix() for path in forced] == ["keep.ipynb"]
    absolute = [tmp_path / path for path in named]
    assert list(discover_notebooks(absolute, exclude=patterns, force_exclude=True)) == [tmp_path / "keep.ipynb"]


def test_force_exclude_ignores_the_folders_the_project_sits_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A project checked out under a folder named like an excluded one is not excluded as a whole.
    project = tmp_path / "build" / "project"
    _touch(project, "a.ipynb", "build/generated.ipynb")
    named = [project / "a.ipynb", project / "build" / "generated.ipynb"]
    kept = discover_notebooks(named, exclude=["build"], force_exclude=True, root=project)
    assert list(kept) == [project / "a.ipynb"]
    monkeypatch.chdir(project)  # without a configuration file, the working folder is the project
    assert list(discover_notebooks(named, exclude=["build"], force_exclude=True)) == [project / "a.ipynb"]
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # files outside the working folder: their names count
    assert list(discover_notebooks(named, exclude=["build"], force_exclude=True)) == named


def test_force_exclude_after_a_folder_and_through_a_symlinked_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    _touch(project, "nbs/a.ipynb", "build/gen.ipynb")
    gen = project / "build" / "gen.ipynb"
    # A folder named before the file must not change which root the file is matched below.
    kept = discover_notebooks([project / "nbs", gen], exclude=["build"], force_exclude=True, root=project)
    assert list(kept) == [project / "nbs" / "a.ipynb"]
    link = tmp_path / "link"
    link.symlink_to(project)
    monkeypatch.chdir(link)  # the working folder resolves to the project; the path names the link
    assert list(discover_notebooks([link / "build" / "gen.ipynb"], exclude=["build"], force_exclude=True)) == []


def test_discovery_with_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _touch(tmp_path, "nbs/one.ipynb", "nbs/two/two.ipynb")
    (tmp_path / ".gitignore").write_text("two/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert [path.as_posix() for path in discover_notebooks([Path("nbs")])] == ["nbs/one.ipynb"]


def test_atomic_write_replaces_content_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    atomic_write_text(target, "new\r\nline\n")
    assert target.read_bytes() == b"new\r\nline\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report.json"]


def test_atomic_write_gives_a_new_file_the_mode_open_would(tmp_path: Path) -> None:
    # mkstemp's 0600 made `-o report.json` and extracted modules unreadable to group and others.
    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.json", "{}")
        os.umask(0o027)
        atomic_write_text(tmp_path / "module.py", "x = 1\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "module.py").stat().st_mode) == 0o640


def test_atomic_write_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "nb.ipynb"
    target.write_bytes(b"original")

    def failing_replace(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"half-written")
    assert target.read_bytes() == b"original"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["nb.ipynb"]


def test_atomic_write_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "nb.ipynb"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "nb.ipynb"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"


def test_atomic_write_to_a_named_pipe_writes_into_it(tmp_path: Path) -> None:
    # `-o /dev/null` and `-o /dev/stdout` must not swap the device for a plain file.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    atomic_write_bytes(pipe, b"report")
    reader.join(timeout=10)
    assert received == [b"report"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pipe"]


"""``nb2prod check --since REV``: only the notebooks a branch changed, on a real temporary git history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nb2prod.check import Since, changed_notebooks, check
from nb2prod.errors import UsageError

from .conftest import (
    GOOD_CELLS,
    OUT_OF_ORDER_CELLS,
    commit_all,
    git,
    init_repository,
    run_nb2prod,
    write_notebook,
)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """main: five notebooks. Branch `feature`: one modified, one deleted, one renamed, one added.

    main then moves on (a notebook changed there after the branch point), which ``--since main``
    must not count: it measures what the branch changed, from the merge base.
    """
    repository = init_repository(tmp_path / "repository")
    write_notebook(repository / "modified.ipynb", GOOD_CELLS)
    write_notebook(repository / "deleted.ipynb", GOOD_CELLS)
    write_notebook(repository / "old_name.ipynb", GOOD_CELLS, title="Renamed")
    write_notebook(repository / "untouched.ipynb", OUT_OF_ORDER_CELLS)
    write_notebook(repository / "sub" / "changed_on_main.ipynb", GOOD_CELLS)
    (repository / "notes.txt").write_text("not a notebook\n", encoding="utf-8")
    (repository / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    commit_all(repository, "notebooks")

    git(repository, "checkout", "--quiet", "-b", "feature")
    write_notebook(repository / "modified.ipynb", OUT_OF_ORDER_CELLS)
    (repository / "deleted.ipynb").unlink()
    git(repository, "mv", "old_name.ipynb", "new_name.ipynb")
    write_notebook(repository / "sub" / "added.ipynb", GOOD_CELLS)
    (repository / "notes.txt").write_text("changed\n", encoding="utf-8")
    commit_all(repository, "feature work")

    git(repository, "checkout", "--quiet", "main")
    write_notebook(repository / "sub" / "changed_on_main.ipynb", OUT_OF_ORDER_CELLS)
    commit_all(repository, "main moves on")
    git(repository, "checkout", "--quiet", "feature")
    return repository


def test_changed_notebooks_follow_renames_and_skip_deletions(history: Path) -> None:
    changed = changed_notebooks("main", cwd=history)
    assert changed == [Path("modified.ipynb"), Path("new_name.ipynb"), Path("sub/added.ipynb")]


def test_uncommitted_and_untracked_notebooks_count_but_ignored_ones_do_not(history: Path) -> None:
    write_notebook(history / "untouched.ipynb", GOOD_CELLS)  # modified, not committed
    write_notebook(history / "scratch.ipynb", GOOD_CELLS)  # untracked
    write_notebook(history / "ignored" / "private.ipynb", GOOD_CELLS)  # .gitignore'd
    changed = changed_notebooks("main", cwd=history)
    assert Path("untouched.ipynb") in changed
    assert Path("scratch.ipynb") in changed
    assert not any("private" in str(path) for path in changed)


def test_paths_limit_the_changed_notebooks_and_come_back_relative_to_cwd(history: Path) -> None:
    assert changed_notebooks("main", within=[Path("sub")], cwd=history) == [Path("sub/added.ipynb")]
    assert changed_notebooks("main", cwd=history / "sub") == [
        Path("../modified.ipynb"),
        Path("../new_name.ipynb"),
        Path("added.ipynb"),
    ]


def test_check_since_lints_only_the_changed_notebooks(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(history)
    report = check(Since("main"), ruff=False, pins=False)
    assert report.paths == ("modified.ipynb", "new_name.ipynb", "sub/added.ipynb")
    # untouched.ipynb is out of order too, but this branch did not change it.
    assert {diagnostic.path for diagnostic in report.diagnostics} == {"modified.ipynb"}
    assert "NB101" in {diagnostic.code for diagnostic in report.diagnostics}


def test_cli_since_reports_in_json_and_exits_1(history: Path) -> None:
    result = run_nb2prod(["check", "--since", "main", "--no-ruff", "--no-pins", "--format", "json"], cwd=history)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert {finding["path"] for finding in findings} == {"modified.ipynb"}
    assert any(finding["code"] == "NB101" and finding["cell"] == 1 for finding in findings)


def test_cli_since_with_nothing_changed_exits_0(history: Path) -> None:
    result = run_nb2prod(["check", "--since", "HEAD", "--no-pins"], cwd=history)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "No notebook changed since HEAD" in result.stderr


def test_configured_excludes_apply_to_changed_notebooks(history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (history / "pyproject.toml").write_text('[tool.nb2prod]\nextend-exclude = ["modified.ipynb"]\n', encoding="utf-8")
    monkeypatch.chdir(history)
    report = check(Since("main"), ruff=False, pins=False)
    assert "modified.ipynb" not in report.paths
    assert report.diagnostics == ()


@pytest.mark.parametrize(
    ("revision", "message"),
    [("no-such-branch", "unknown git revision"), ("--output=/tmp/x", "unknown git revision")],
)
def test_bad_revision_is_a_one_line_usage_error(history: Path, revision: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        changed_notebooks(revision, cwd=history)
    result = run_nb2prod(["check", f"--since={revision}"], cwd=history)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    write_notebook(tmp_path / "a.ipynb", GOOD_CELLS)
    with pytest.raises(UsageError, match="not inside a git repository"):
        changed_notebooks("main", cwd=tmp_path)


def test_shallow_history_says_to_fetch_more(history: Path, tmp_path: Path) -> None:
    """actions/checkout fetches one commit by default: the merge base is missing."""
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", "--branch", "feature", f"file://{history}", str(clone))
    git(clone, "fetch", "--quiet", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    with pytest.raises(UsageError, match="fetch-depth: 0"):
        changed_notebooks("origin/main", cwd=clone)

"""The published pre-commit hooks, installed for real by pre-commit from a git repository of this tree.

pre-commit clones the hook repository and pip-installs it into its own virtual environment, so
these tests exercise what a user gets: packaging, the ``.pre-commit-hooks.yaml`` entries, exit
codes and messages. The hook repository is this working tree (committed files plus new ones that
git does not ignore) committed into a temporary repository, so the tests check what is on disk,
not what the last commit held. Built JavaScript (gitignored) is not copied: like a user's
checkout, the hook repository has none, and installing it must not need Node.js.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .conftest import (
    FIXABLE_CELLS,
    GIT_ENVIRONMENT,
    GOOD_CELLS,
    OUT_OF_ORDER_CELLS,
    REPOSITORY,
    commit_all,
    git,
    init_repository,
    write_notebook,
)

pytestmark = pytest.mark.slow

HOOKS_FILE = REPOSITORY / ".pre-commit-hooks.yaml"
NODE_TOOLS = ("node", "npm", "npx", "jlpm", "yarn")


def _hooks() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))}


def _copy_working_tree(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    for name in filter(None, listed.split("\0")):
        source = REPOSITORY / name
        if not source.is_file():  # deleted in the working tree, or a submodule
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repository = init_repository(tmp_path_factory.mktemp("hook-repository"))
    _copy_working_tree(repository)
    assert not (repository / "nb2prod" / "labextension" / "static").exists()
    commit_all(repository, "nb2prod as a pre-commit hook repository")
    return repository


@pytest.fixture(scope="module")
def hook_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment pre-commit runs in: Node.js tools replaced by tripwires that record any use."""
    folder = tmp_path_factory.mktemp("no-node")
    tripwire_log = folder / "node-was-called.log"
    bin_folder = folder / "bin"
    bin_folder.mkdir()
    for tool in NODE_TOOLS:
        script = bin_folder / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tripwire_log}"\nexit 1\n', encoding="utf-8")
        script.chmod(0o755)
    environment = {
        key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "SKIP_JUPYTER_BUILDER", "PRE_COMMIT_HOME")
    }
    environment["PATH"] = os.pathsep.join([str(bin_folder), str(Path(sys.executable).parent), environment.get("PATH", "")])
    environment["PRE_COMMIT_HOME"] = str(folder / "pre-commit-home")
    environment["NO_COLOR"] = "1"
    environment.update(GIT_ENVIRONMENT)
    if not (REPOSITORY / "hatch_build.py").is_file():
        # Without the build hook that recognises pre-commit's environment, the documented switch.
        environment["SKIP_JUPYTER_BUILDER"] = "1"
    yield environment
    assert not tripwire_log.exists(), f"installing the hook called Node.js tools: {tripwire_log.read_text()}"


def _pre_commit(arguments: list[str], cwd: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *arguments, "--color", "never"],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def pre_commit_config(tmp_path_factory: pytest.TempPathFactory, hook_repository: Path, hook_environment: dict[str, str]) -> str:
    """A .pre-commit-config.yaml that uses nb2prod's hooks; their environment is installed once here."""
    revision = git(hook_repository, "rev-parse", "HEAD").strip()
    config = {
        "repos": [
            {
                "repo": str(hook_repository),
                "rev": revision,
                "hooks": [{"id": "nb2prod-lint"}, {"id": "nb2prod-lint-fix", "stages": ["manual"]}],
            }
        ]
    }
    text = yaml.safe_dump(config, sort_keys=False)
    seed = init_repository(tmp_path_factory.mktemp("seed"))
    (seed / ".pre-commit-config.yaml").write_text(text, encoding="utf-8")
    installed = _pre_commit(["install-hooks"], seed, hook_environment)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return text


@pytest.fixture
def project(tmp_path: Path, pre_commit_config: str, hook_environment: dict[str, str]) -> Path:
    """A user's repository with nb2prod in its .pre-commit-config.yaml and the git hook installed."""
    folder = init_repository(tmp_path / "project")
    (folder / ".pre-commit-config.yaml").write_text(pre_commit_config, encoding="utf-8")
    commit_all(folder, "add pre-commit configuration")
    installed = _pre_commit(["install"], folder, hook_environment)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return folder


def test_hooks_file_declares_the_four_hooks() -> None:
    hooks = _hooks()
    assert set(hooks) == {"nb2prod-lint", "nb2prod-lint-fix", "nb2prod-pin-check", "nb2prod-repro"}
    assert all(hook["language"] == "python" for hook in hooks.values())
    assert hooks["nb2prod-lint"]["types"] == ["jupyter"]
    assert hooks["nb2prod-lint"]["entry"] == "nb2prod lint --force-exclude"  # as ruff's hook does
    assert hooks["nb2prod-lint-fix"]["entry"] == "nb2prod lint --force-exclude --fix"
    assert hooks["nb2prod-repro"]["stages"] == ["manual"], "repro executes notebooks: it must be opt-in"
    for hook in hooks.values():
        command = str(hook["entry"]).split()
        assert command[0] == "nb2prod"
        assert command[1] in {"lint", "pin", "repro"}


def test_try_repo_blocks_the_out_of_order_notebook_and_names_the_cell(
    tmp_path: Path, hook_repository: Path, hook_environment: dict[str, str]
) -> None:
    folder = init_repository(tmp_path / "work")
    write_notebook(folder / "analysis" / "out_of_order.ipynb", OUT_OF_ORDER_CELLS)
    write_notebook(folder / "analysis" / "clean.ipynb", GOOD_CELLS)
    git(folder, "add", "--all")

    result = _pre_commit(
        ["try-repo", str(hook_repository), "nb2prod-lint", "--files", "analysis/out_of_order.ipynb", "analysis/clean.ipynb"],
        folder,
        hook_environment,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "nb2prod lint" in output and "Failed" in output
    assert "analysis/out_of_order.ipynb:cell 1:1:1: NB101 cell 1 ran (In [2]) after cell 2 below it (In [1])" in output
    assert "analysis/clean.ipynb" not in output


def test_installed_hook_passes_a_clean_notebook(project: Path, hook_environment: dict[str, str]) -> None:
    write_notebook(project / "clean.ipynb", GOOD_CELLS, title="Clean")
    result = _pre_commit(["run", "nb2prod-lint", "--files", "clean.ipynb"], project, hook_environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nb2prod lint" in result.stdout and "Passed" in result.stdout


def test_commit_is_blocked_until_the_notebook_is_rerun_in_order(project: Path, hook_environment: dict[str, str]) -> None:
    """What a new user does: commit a notebook with out-of-order cells (blocked), fix it, commit."""
    notebook = write_notebook(project / "report.ipynb", OUT_OF_ORDER_CELLS)
    git(project, "add", "report.ipynb")
    blocked = subprocess.run(
        ["git", "commit", "-m", "add report"], cwd=project, env=hook_environment, capture_output=True, text=True, check=False
    )
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "report.ipynb:cell 1:1:1: NB101" in output
    assert "report.ipynb" not in git(project, "ls-tree", "-r", "--name-only", "HEAD")

    write_notebook(notebook, GOOD_CELLS)  # Restart & Run All, save
    git(project, "add", "report.ipynb")
    passed = subprocess.run(
        ["git", "commit", "-m", "add report"], cwd=project, env=hook_environment, capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "report.ipynb" in git(project, "ls-tree", "-r", "--name-only", "HEAD")


def test_fix_hook_rewrites_the_notebook(project: Path, hook_environment: dict[str, str]) -> None:
    notebook = write_notebook(project / "install.ipynb", FIXABLE_CELLS)
    before = json.loads(notebook.read_text(encoding="utf-8"))
    git(project, "add", "install.ipynb")  # staged, as at commit time: pre-commit sees the hook's change

    result = _pre_commit(["run", "--hook-stage", "manual", "nb2prod-lint-fix", "--files", "install.ipynb"], project, hook_environment)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in output
    after = json.loads(notebook.read_text(encoding="utf-8"))
    assert "".join(after["cells"][0]["source"]) == "%pip install requests"
    # Only the fixed line changed: the rest of the notebook is as it was.
    after["cells"][0]["source"] = before["cells"][0]["source"]
    assert after == before


STRIPPER = """
import json, sys
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(notebook, handle, indent=1, ensure_ascii=False)
        handle.write("\\n")
"""


@pytest.mark.parametrize("nb2prod_first", [True, False], ids=["nb2prod-before-stripper", "stripper-before-nb2prod"])
def test_nb2prod_must_run_before_output_strippers(
    tmp_path: Path, pre_commit_config: str, hook_environment: dict[str, str], nb2prod_first: bool
) -> None:
    """What docs/pre-commit.md explains: a stripper (like nbstripout) erases nb2prod's evidence."""
    folder = init_repository(tmp_path / "project")
    (folder / "strip_outputs.py").write_text(STRIPPER, encoding="utf-8")
    config = yaml.safe_load(pre_commit_config)
    config["repos"][0]["hooks"] = [{"id": "nb2prod-lint"}]
    stripper = {
        "repo": "local",
        "hooks": [
            {
                "id": "strip-outputs",
                "name": "strip outputs (as nbstripout does)",
                "entry": f"{sys.executable} strip_outputs.py",
                "language": "system",
                "types": ["jupyter"],
            }
        ],
    }
    config["repos"] = [config["repos"][0], stripper] if nb2prod_first else [stripper, config["repos"][0]]
    (folder / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    write_notebook(folder / "report.ipynb", OUT_OF_ORDER_CELLS)
    git(folder, "add", "--all")

    result = _pre_commit(["run", "--files", "report.ipynb"], folder, hook_environment)

    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # the stripper changed the file either way
    assert "strip outputs (as nbstripout does)" in output
    if nb2prod_first:
        assert "report.ipynb:cell 1:1:1: NB101" in output
    else:
        # The out-of-order notebook slips through: nb2prod only saw it stripped.
        assert "NB101" not in output
        assert re.search(r"nb2prod lint\.+Passed", output), output

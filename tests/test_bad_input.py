"""Bad input never crashes and never stops the run; lint never writes a file (issue 2, item 8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nb2prod.config import Settings
from nb2prod.lint import lint_path, lint_paths, rules_for
from nb2prod.rules.execution_order import OutOfOrderExecution

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invalid"
SETTINGS = Settings(ruff=False)

# fixture file -> fragment of the NB001 message
UNREADABLE = {
    "invalid_json.ipynb": "invalid JSON at line 1, column 12",
    "json_not_a_notebook.ipynb": "not a notebook: no 'cells' list",
    "json_list.ipynb": "not a notebook: expected a JSON object, found an array",
    "schema_invalid.ipynb": "invalid notebook: cell 1 has an execution_count that is not an integer",
    "unknown_cell_type.ipynb": "invalid notebook: cell 1 has an unknown cell_type 'widget'",
    "empty.ipynb": "empty file",
    "binary.ipynb": "binary file",
    "not_utf8.ipynb": "not UTF-8 text (byte 0xe9 at offset 41)",
    "folder_named_notebook.ipynb": "is a folder, not a notebook file",
}


def _by_path(run_results: list[object]) -> dict[str, list[tuple[str, int | None, int | None, str]]]:
    found: dict[str, list[tuple[str, int | None, int | None, str]]] = {}
    for result in run_results:
        for diagnostic in result.diagnostics:  # type: ignore[attr-defined]
            span = diagnostic.span
            found.setdefault(Path(diagnostic.path).name, []).append(
                (diagnostic.code, span.cell if span else None, span.line if span else None, diagnostic.message)
            )
    return found


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    state: dict[str, tuple[bytes, int]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            state[path.relative_to(folder).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
        else:
            state[path.relative_to(folder).as_posix()] = (b"", 0)
    return state


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    """Every committed bad input, plus a good notebook with a finding, copied to a fresh folder."""
    folder = tmp_path / "bad"
    shutil.copytree(FIXTURES, folder)
    good = new_notebook(cells=[new_code_cell("a = 1", execution_count=2), new_code_cell("b = 2", execution_count=1)])
    nbformat.write(good, folder / "zz_good_out_of_order.ipynb")
    return folder


def test_every_bad_file_yields_one_nb001_naming_it_and_the_rest_is_linted(bad_folder: Path) -> None:
    rules = rules_for(SETTINGS, ["NB0", "NB1"])
    run = lint_paths([bad_folder], SETTINGS, rules, jobs=1)
    found = _by_path(run.results)
    for name, fragment in UNREADABLE.items():
        assert len(found[name]) == 1, found.get(name)
        code, cell, line, message = found[name][0]
        assert (code, cell, line) == ("NB001", None, None)
        assert fragment in message, (name, message)
    syntax = found["syntax_error_cell.ipynb"]
    assert syntax == [("NB002", 3, 1, "cell 3 does not parse: invalid syntax")]
    assert [item[0] for item in found["zz_good_out_of_order.ipynb"]] == ["NB101"]
    assert [item[0] for item in found["valid_v3_notebook.ipynb"]] == ["NB101"]
    for result in run.results:
        for diagnostic in result.diagnostics:
            assert diagnostic.path == result.path
            assert diagnostic.code != "NB000"


def test_diagnostic_path_names_the_file(bad_folder: Path) -> None:
    result = lint_path(bad_folder / "empty.ipynb", SETTINGS, rules_for(SETTINGS, ["NB001"]))
    (diagnostic,) = result.diagnostics
    assert diagnostic.path == str(bad_folder / "empty.ipynb")


def test_unreadable_file_permission_denied(bad_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod 000 does not stop a read: simulate the operating system's refusal.
    locked = bad_folder / "zz_good_out_of_order.ipynb"
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    run = lint_paths([bad_folder], SETTINGS, rules_for(SETTINGS, ["NB0", "NB1"]), jobs=1)
    found = _by_path(run.results)
    assert found[locked.name] == [("NB001", None, None, "permission denied")]
    assert [item[0] for item in found["valid_v3_notebook.ipynb"]] == ["NB101"]


def test_other_os_errors_become_nb001(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text("{}", encoding="utf-8")

    def read_bytes(self: Path) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (diagnostic,) = lint_path(path, SETTINGS, rules_for(SETTINGS, ["NB001"])).diagnostics
    assert diagnostic.message == "cannot read file: Input/output error"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX-only")
def test_fifo_dangling_symlink_and_missing_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ipynb")  # reading it would block forever
    (tmp_path / "dangling.ipynb").symlink_to(tmp_path / "gone.ipynb")
    rules = rules_for(SETTINGS, ["NB001"])
    run = lint_paths([tmp_path, tmp_path / "missing.ipynb"], SETTINGS, rules, jobs=1)
    found = _by_path(run.results)
    assert found["pipe.ipynb"] == [("NB001", None, None, "not a regular file")]
    assert found["dangling.ipynb"] == [("NB001", None, None, "broken symbolic link")]
    assert found["missing.ipynb"] == [("NB001", None, None, "no such file")]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"cells": [{"cell_type": "code", "source": "x = 1\\u0000", "metadata": {}, "outputs": []}]}', "does not parse"),
        ('{"cells": [], "nbformat": 3, "worksheets": "nonsense"}', "cannot convert nbformat v3 notebook"),
    ],
)
def test_pathological_json(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "odd.ipynb"
    path.write_text(content, encoding="utf-8")
    result = lint_path(path, SETTINGS, rules_for(SETTINGS, ["NB0"]))
    assert len(result.diagnostics) == 1
    assert fragment in result.diagnostics[0].message
    assert result.diagnostics[0].code in ("NB001", "NB002")


def test_a_broken_rule_becomes_nb000_and_does_not_stop_the_run(bad_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: object, context: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(OutOfOrderExecution, "check", explode)
    run = lint_paths([bad_folder], SETTINGS, rules_for(SETTINGS, ["NB0", "NB1"]), jobs=1)
    found = _by_path(run.results)
    internal = found["zz_good_out_of_order.ipynb"]
    assert [item[0] for item in internal] == ["NB000"]
    assert "internal error in rule NB101: RuntimeError: boom" in internal[0][3]
    assert found["empty.ipynb"][0][0] == "NB001"


def test_cli_over_bad_input_no_traceback_exit_1_and_nothing_written(bad_folder: Path) -> None:
    # Converting v3 imports all of nbformat (seconds of jsonschema set-up); it is covered in-process.
    (bad_folder / "valid_v3_notebook.ipynb").unlink()
    if hasattr(os, "mkfifo"):
        os.mkfifo(bad_folder / "pipe.ipynb")
    (bad_folder / "dangling.ipynb").symlink_to(bad_folder / "gone.ipynb")
    before = _snapshot(bad_folder)
    for output_format in ("text", "json"):
        completed = subprocess.run(
            [sys.executable, "-m", "nb2prod", "lint", "--no-ruff", "--select", "NB0,NB1", "--format", output_format, str(bad_folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 1
        assert "Traceback" not in completed.stderr + completed.stdout
        if output_format == "json":
            paths = {Path(item["path"]).name for item in json.loads(completed.stdout)}
            assert set(UNREADABLE) | {"pipe.ipynb", "dangling.ipynb", "zz_good_out_of_order.ipynb"} <= paths
    assert _snapshot(bad_folder) == before


@pytest.mark.slow
def test_a_100_mb_notebook_lints_in_reasonable_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.ipynb"
    chunk = "x" * 1023 + "\n"
    output_text = chunk * 1024  # 1 MiB per output
    cells = [new_markdown_cell("# Huge")]
    for index in range(100):
        cells.append(
            new_code_cell(
                f"value_{index} = {index}\nprint(value_{index})",
                execution_count=index + 1 if index != 50 else 200,
                outputs=[new_output("stream", name="stdout", text=output_text)],
            )
        )
    notebook = new_notebook(cells=cells)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    size = path.stat().st_size
    assert size >= 100 * 1024 * 1024
    before = path.read_bytes()[:4096], path.stat().st_mtime_ns
    script = (
        "import json, resource, sys\n"
        "from nb2prod.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit_:\n    code = exit_.code\n"
        "print(json.dumps({'code': code, 'max_rss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), file=sys.stderr)\n"
    )
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", script, "lint", "--no-ruff", "--select", "NB0,NB1", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    report = json.loads(completed.stderr.strip().splitlines()[-1])
    findings = json.loads(completed.stdout)
    assert report["code"] == 1
    assert {item["code"] for item in findings} == {"NB101", "NB103"}
    assert elapsed < 60, f"linting a {size >> 20} MiB notebook took {elapsed:.1f} s"
    # The file is read once; outputs are kept as parsed JSON. Well under 10x the file size.
    assert report["max_rss_kib"] * 1024 < 6 * size, f"peak RSS {report['max_rss_kib'] >> 10} MiB"
    assert (path.read_bytes()[:4096], path.stat().st_mtime_ns) == before


def test_a_missing_file_is_never_silent_when_nb001_is_not_selected(tmp_path: Path) -> None:
    missing = tmp_path / "typo.ipynb"
    completed = subprocess.run(
        [sys.executable, "-m", "nb2prod", "lint", "--no-ruff", "--select", "NB310", str(missing)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0  # as ruff: nothing selected was found...
    assert f"nb2prod: warning: {missing}: not linted: no such file" in completed.stderr  # ...but it says so

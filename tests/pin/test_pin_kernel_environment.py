"""`nb2prod pin` end to end against a real throw-away virtual environment used as the notebook's kernel."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from nb2prod.analysis.pins import find_pep723_block, pins_from_pep723, read_requirements_file
from nb2prod.notebook import read

from .conftest import Completed, VirtualEnvironment


def test_pins_name_distributions_and_versions_from_the_kernel_environment(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    result = run_nb2prod("pin", "analysis.ipynb", cwd=project)
    # sklearn is not installed anywhere: pinned by name without a version, and reported (exit 1).
    assert result.code == 1, result.stderr
    pins = read_requirements_file(project / "requirements.txt")
    exact = {pin.name: pin.specifier for pin in pins.pins}
    assert exact == {
        "beautifulsoup4": "==4.12.3",  # bs4 -> beautifulsoup4, from the venv's metadata
        "pyyaml": "==6.0.1",  # yaml -> pyyaml
        "six": "==1.16.0",  # imported inside a function, and named by the %pip install line
        "scikit-learn": "",  # not installed: the well-known table names it
    }
    # The standard library, local modules (helpers.py, mypkg/), relative imports, optional imports
    # that are absent (ujson) and the venv's transitive soupsieve are not pinned.
    assert "soupsieve" not in exact and "ujson" not in exact
    assert all(pin.sources == ("analysis.ipynb",) for pin in pins.pins)
    assert "`sklearn` is not installed" in result.stderr
    assert "./vendored_wheel" in result.stderr  # the install argument that cannot be pinned
    assert str(pin_venv.python) in result.stderr


def test_python_option_overrides_the_kernelspec(
    pin_venv: VirtualEnvironment, project: Path, run_nb2prod: Callable[..., Completed]
) -> None:
    # No kernelspec installed: without --python the notebook's kernel is unknown here.
    result = run_nb2prod("pin", "notebooks/report.ipynb", "--python", str(pin_venv.python), "--format", "json", "--dry-run", cwd=project)
    assert result.code == 0, result.stderr
    record = json.loads(result.stdout)
    assert [(pin["name"], pin["version"]) for pin in record["pins"]] == [("pyyaml", "6.0.1")]
    notebook = record["notebooks"][0]
    assert notebook["interpreter"] == str(pin_venv.python) and notebook["interpreter_origin"] == "--python"
    statuses = {item["module"]: item["status"] for item in notebook["imports"]}
    assert statuses == {"yaml": "installed", "mypkg": "local", "collections.abc": "stdlib"}
    assert not (project / "requirements.txt").exists()  # --dry-run writes nothing


def test_check_passes_then_catches_a_version_changed_in_the_environment(
    fresh_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(fresh_venv)
    assert run_nb2prod("pin", "notebooks/report.ipynb", cwd=project).code == 0
    clean = run_nb2prod("pin", "--check", "notebooks/report.ipynb", cwd=project)
    assert clean.code == 0, clean.stdout + clean.stderr
    assert "Pins match" in clean.stderr

    fresh_venv.install("pyyaml==6.0.2")
    drift = run_nb2prod("pin", "--check", "notebooks/report.ipynb", "--format", "json", cwd=project)
    assert drift.code == 1
    findings = json.loads(drift.stdout)
    assert [(item["code"], item["cell"], item["line"]) for item in findings] == [("NB502", 1, 1)]
    assert "pyyaml==6.0.1" in findings[0]["message"] and "6.0.2 is installed" in findings[0]["message"]


def test_check_reports_unpinned_unused_and_missing(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    (project / "requirements.txt").write_text("six==1.16.0\nrequests==2.31.0\n", encoding="utf-8")
    result = run_nb2prod("pin", "--check", "analysis.ipynb", "--format", "json", cwd=project)
    assert result.code == 1
    found = {(item["code"], item["message"].split("`")[1] if "`" in item["message"] else item["message"].split(" ")[0]) for item in json.loads(result.stdout)}
    assert ("NB501", "yaml") in found and ("NB501", "bs4") in found
    assert ("NB503", "sklearn") in found
    assert ("NB504", "requests==2.31.0") in found  # a hand-written pin no import needs
    assert not any(code == "NB501" and module in ("six", "helpers", "mypkg", "os") for code, module in found)


def test_pep723_block_is_written_in_the_first_cell_and_checked(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    path = project / "notebooks" / "report.ipynb"
    before = path.read_text(encoding="utf-8")
    result = run_nb2prod("pin", "--pep723", str(path), cwd=project)
    assert result.code == 0, result.stderr
    notebook = read(path)
    block = find_pep723_block(notebook)
    assert block is not None and block.cell == 1
    assert notebook.cells[0].metadata == {"jupyter": {"source_hidden": True}}  # as juv makes it
    pins = pins_from_pep723(notebook)
    assert [pin.requirement for pin in pins.pins] == ["pyyaml==6.0.1"]
    assert pins.requires_python is not None and pins.requires_python.startswith(">=3.")
    assert not (project / "requirements.txt").exists()
    # Every original line is still there, in order: the edit only added lines.
    after_lines = path.read_text(encoding="utf-8").splitlines()
    iterator = iter(after_lines)
    assert all(any(line == candidate for candidate in iterator) for line in before.splitlines())
    assert run_nb2prod("pin", "--check", "--pep723", str(path), cwd=project).code == 0
    # Running again changes nothing.
    again = run_nb2prod("pin", "--pep723", str(path), cwd=project)
    assert again.code == 0 and "up to date" in again.stderr


def test_metadata_records_python_platform_and_packages(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    path = project / "notebooks" / "report.ipynb"
    assert run_nb2prod("pin", "--metadata", str(path), cwd=project).code == 0
    environment = read(path).metadata["nb2prod"]["environment"]
    assert environment["packages"] == {"pyyaml": "6.0.1"}
    assert environment["python"].count(".") == 2 and environment["platform"].startswith(("linux", "darwin", "win32"))
    fresh = run_nb2prod("pin", "--check", "--metadata", str(path), cwd=project)
    assert fresh.code == 0, fresh.stdout


def test_repinning_one_notebook_keeps_the_pins_of_the_others(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    run_nb2prod("pin", ".", cwd=project)  # both notebooks
    pins = read_requirements_file(project / "requirements.txt")
    assert pins.get("pyyaml") is not None and pins.get("pyyaml").sources == ("analysis.ipynb", "notebooks/report.ipynb")  # type: ignore[union-attr]
    # The report notebook stops importing yaml; re-pinning only it keeps analysis.ipynb's pin of yaml.
    path = project / "notebooks" / "report.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("import yaml\\n", ""), encoding="utf-8")
    run_nb2prod("pin", "notebooks/report.ipynb", cwd=project)
    pins = read_requirements_file(project / "requirements.txt")
    assert pins.get("pyyaml").sources == ("analysis.ipynb",)  # type: ignore[union-attr]
    assert pins.get("beautifulsoup4") is not None


def test_lock_writes_transitive_pins_through_uv(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    kernel_for(pin_venv)
    notebook = project / "notebooks" / "report.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("import yaml", "import bs4"), encoding="utf-8")
    result = run_nb2prod("pin", "--lock", "-o", "locked.txt", str(notebook), cwd=project)
    assert result.code == 0, result.stderr
    pins = read_requirements_file(project / "locked.txt")
    assert pins.get("beautifulsoup4").specifier == "==4.12.3"  # type: ignore[union-attr]
    soupsieve = pins.get("soupsieve")
    assert soupsieve is not None and soupsieve.exact_version is not None and soupsieve.via == ("beautifulsoup4",)
    # The installed soupsieve was a constraint: the lock matches the environment.
    check = run_nb2prod("pin", "--check", "-o", "locked.txt", str(notebook), cwd=project)
    assert check.code == 0, check.stdout


def test_check_pins_for_nb2prod_check_uses_the_configured_file_and_embedded_pins(
    pin_venv: VirtualEnvironment, kernel_for: Callable[[VirtualEnvironment], Path], project: Path,
    run_nb2prod: Callable[..., Completed],
) -> None:
    from nb2prod.config import Settings
    from nb2prod.pin import check_pins

    kernel_for(pin_venv)
    report = project / "notebooks" / "report.ipynb"
    assert run_nb2prod("pin", "--pep723", str(report), cwd=project).code == 0
    (project / "broken.ipynb").write_text("{", encoding="utf-8")  # lint reports it; the pin step skips it
    (project / "pins.txt").write_text("six==1.16.0\n", encoding="utf-8")
    settings = Settings(pin_file="pins.txt", origin=project / "pyproject.toml")
    findings = check_pins([report, project / "broken.ipynb"], settings=settings)
    # Against pins.txt yaml is unpinned; against the notebook's own PEP 723 block all is well.
    assert [(finding.code, finding.path) for finding in findings] == [("NB501", str(report)), ("NB504", str(project / "pins.txt"))]
    assert check_pins([report], settings=Settings()) == []

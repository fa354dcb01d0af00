"""``nb2prod lint`` stays light: no rich, libcst, papermill or Jupyter server in its process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HEAVY = ["rich", "libcst", "papermill", "jupyter_server", "tornado", "nbclient", "jupyter_client", "pandas", "nbconvert"]

SCRIPT = """
import json, sys
from nb2prod.cli import main
code = None
try:
    main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code
heavy = {heavy!r}
loaded = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({{"loaded": loaded, "code": code}}), file=sys.stderr)
"""


def _modules_after(*arguments: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(completed.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_lint_imports_no_heavy_module() -> None:
    report = _modules_after("lint", "--no-ruff", "--jobs", "1", "--format", "json", str(FIXTURES / "demo"), str(FIXTURES / "invalid"))
    assert report["code"] == 1
    assert report["loaded"] == []


def test_lint_text_sarif_and_rules_import_no_heavy_module() -> None:
    for arguments in (
        ["lint", "--no-ruff", "--jobs", "1", str(FIXTURES / "demo")],
        ["lint", "--jobs", "1", str(FIXTURES / "demo")],  # with the ruff pass
        ["lint", "--no-ruff", "--jobs", "1", "--format", "sarif", str(FIXTURES / "demo")],
        ["rules"],
        ["rule", "NB101"],
    ):
        assert _modules_after(*arguments)["loaded"] == [], arguments

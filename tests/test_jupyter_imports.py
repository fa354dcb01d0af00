"""nbformat is imported without jsonschema's unused IRI grammars (1.5-2 s in every process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nb2prod.jupyter_imports import without_unused_format_checkers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_reading_a_v3_notebook_skips_the_iri_grammars_and_still_converts_it() -> None:
    script = (
        "import sys\n"
        "from nb2prod import notebook\n"
        f"nb = notebook.read({str(FIXTURES / 'invalid' / 'valid_v3_notebook.ipynb')!r})\n"
        "print(nb.converted, len(nb.cells) > 0)\n"
        "print('jsonschema' in sys.modules, 'rfc3987_syntax' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True", "True", "False"]


def test_a_process_that_already_holds_jsonschema_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", object())
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    with without_unused_format_checkers():
        assert "rfc3987_syntax" not in sys.modules


def test_the_block_is_lifted_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "jsonschema", raising=False)
    monkeypatch.delitem(sys.modules, "rfc3987_syntax", raising=False)
    with without_unused_format_checkers():
        assert sys.modules["rfc3987_syntax"] is None
    assert "rfc3987_syntax" not in sys.modules

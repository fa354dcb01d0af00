"""docs/rules/*.md are generated from the rule docstrings: fail when they are stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from nb2prod.cli import cli
from nb2prod.rules.base import parse_rule_doc
from nb2prod.rules.registry import ALL_RULES

GENERATOR = Path(__file__).resolve().parents[2] / "docs" / "generate_rule_docs.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_rule_docs", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_rule_docs", module)
    spec.loader.exec_module(module)
    return module


def test_generated_rule_docs_are_current() -> None:
    stale = _generator().stale_files()
    assert stale == [], (
        "docs/rules is out of date with the rule docstrings; run `python docs/generate_rule_docs.py`: "
        + ", ".join(path.name for path in stale)
    )


def test_check_mode_reports_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setattr(generator, "RULES_DIR", tmp_path)
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    page = tmp_path / f"{ALL_RULES[0].code}.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert generator.main(["--check"]) == 1
    (tmp_path / "NB999.md").write_text("a rule that no longer exists\n", encoding="utf-8")
    assert tmp_path / "NB999.md" in generator.stale_files()


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_page_holds_what_nb2prod_rule_prints(rule: type) -> None:
    """The page is `nb2prod rule CODE`'s text plus a header and a list of facts, nothing else."""
    generator = _generator()
    page = generator.rule_page(rule)
    printed = CliRunner().invoke(cli, ["rule", rule.code]).output
    assert printed == parse_rule_doc(rule).to_markdown()
    assert page.startswith(generator.HEADER)
    lines = page[len(generator.HEADER) :].splitlines(keepends=True)
    facts = [line for line in lines if line.startswith(("- Code:", "- Name:", "- Default severity:", "- Fix:"))]
    assert f"- Code: `{rule.code}`\n" in facts
    body = [line for line in lines if line not in facts]
    assert body[1] == "\n", "a blank line separates the title from the facts"
    assert "".join(body[:1] + body[2:]) == printed


def test_index_links_every_rule() -> None:
    index = _generator().index_page()
    for rule in ALL_RULES:
        assert f"[{rule.code}]({rule.code}.md)" in index

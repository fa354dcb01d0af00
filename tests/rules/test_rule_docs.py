"""Meta-test: every registered rule has docs in the fixed format, a good name, a unique code, fixtures."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from nb2prod.rules.base import OPTIONAL_DOC_SECTIONS, REQUIRED_DOC_SECTIONS, Rule, parse_rule_doc
from nb2prod.rules.registry import ALL_RULES, FAMILIES, RULES_BY_CODE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
KEBAB_CASE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")


def test_codes_and_names_are_unique() -> None:
    code_counts = Counter(rule.code for rule in ALL_RULES)
    name_counts = Counter(rule.name for rule in ALL_RULES)
    assert [code for code, count in code_counts.items() if count > 1] == []
    assert [name for name, count in name_counts.items() if count > 1] == []
    assert len(RULES_BY_CODE) == len(ALL_RULES)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_code_name_and_severity(rule: type[Rule]) -> None:
    assert re.fullmatch(r"NB\d{3}", rule.code), rule.code
    assert rule.code[:3] in FAMILIES, f"{rule.code} is in no family of the registry"
    assert KEBAB_CASE.match(rule.name), f"{rule.code}: name {rule.name!r} is not kebab-case"
    assert not rule.name.startswith(("enforce-", "require-", "check-", "no-")), (
        f"{rule.code}: a name reads as 'allow <name>' (out-of-order-execution, not enforce-order)"
    )
    assert rule.severity in ("error", "warning", "info")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_docs_have_the_fixed_sections(rule: type[Rule]) -> None:
    doc = parse_rule_doc(rule)
    titles = list(doc.sections)
    assert titles[: len(REQUIRED_DOC_SECTIONS)] == list(REQUIRED_DOC_SECTIONS), (
        f"{rule.code}: the docstring must start with ## What it does, ## Why is this bad?, ## Example; got {titles}"
    )
    extra = titles[len(REQUIRED_DOC_SECTIONS) :]
    assert all(title in OPTIONAL_DOC_SECTIONS for title in extra), f"{rule.code}: unknown sections {extra}"
    assert extra == sorted(extra, key=OPTIONAL_DOC_SECTIONS.index), f"{rule.code}: optional sections out of order"
    for title in titles:
        assert doc.sections[title].strip(), f"{rule.code}: section {title!r} is empty"
    assert "Use instead:" in doc.sections["Example"], f"{rule.code}: the Example must contain 'Use instead:'"
    assert rule.summary(), f"{rule.code}: 'What it does' yields no summary"
    if rule.fix_title is not None:
        assert "Fix safety" in doc.sections, f"{rule.code} has a fix, so its docs need ## Fix safety"
    markdown = doc.to_markdown()
    assert markdown.startswith(f"# {rule.name} ({rule.code})\n")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_has_a_firing_and_a_clean_fixture(rule: type[Rule]) -> None:
    fixtures = sorted(path.stem for path in FIXTURES.glob(f"{rule.code}_*.ipynb"))
    clean = [stem for stem in fixtures if stem.startswith(f"{rule.code}_clean_")]
    firing = [stem for stem in fixtures if stem not in clean]
    assert firing, f"{rule.code} needs a firing fixture fixtures/rules/{rule.code}_<what_it_shows>.ipynb"
    assert clean, f"{rule.code} needs a clean fixture fixtures/rules/{rule.code}_clean_<what>.ipynb"

"""``nb2prod rules`` and ``nb2prod rule CODE``; the group's help and version."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nb2prod._version import __version__
from nb2prod.cli import cli
from nb2prod.rules.base import parse_rule_doc
from nb2prod.rules.execution_order import OutOfOrderExecution
from nb2prod.rules.registry import ALL_RULES


def test_rules_table_lists_every_rule_by_family() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    for rule in ALL_RULES:
        assert f"{rule.code}  {rule.name}" in result.stdout
    assert "NB1  execution order" in result.stdout
    assert "[fix]" in result.stdout.split("NB106", 1)[1].splitlines()[0]


def test_rules_as_json() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    rows = json.loads(result.stdout)
    assert [row["code"] for row in rows] == [rule.code for rule in ALL_RULES]
    nb101 = next(row for row in rows if row["code"] == "NB101")
    assert nb101 == {
        "code": "NB101",
        "name": "out-of-order-execution",
        "family": "execution order",
        "severity": "warning",
        "fix": None,
        "summary": OutOfOrderExecution.summary(),
    }
    assert nb101["summary"].startswith("Reports a code cell whose last run came after")


def test_rule_prints_its_documentation_by_code_or_name() -> None:
    by_code = CliRunner().invoke(cli, ["rule", "NB101"])
    assert by_code.exit_code == 0
    assert by_code.stdout == parse_rule_doc(OutOfOrderExecution).to_markdown()
    assert by_code.stdout.startswith("# out-of-order-execution (NB101)\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in by_code.stdout
    assert CliRunner().invoke(cli, ["rule", "out-of-order-execution"]).stdout == by_code.stdout
    assert CliRunner().invoke(cli, ["rule", "nb101"]).stdout == by_code.stdout


def test_unknown_rule_is_exit_2_with_one_line() -> None:
    result = CliRunner().invoke(cli, ["rule", "NB999"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "nb2prod: error: unknown rule 'NB999' (see `nb2prod rules`)"


def test_help_and_version() -> None:
    help_text = CliRunner().invoke(cli, ["--help"]).stdout
    for command in ("lint", "rules", "rule"):
        assert command in help_text
    lint_help = CliRunner().invoke(cli, ["lint", "--help"]).stdout
    for option in ("--select", "--ignore", "--format", "--output-file", "--statistics", "--exit-zero", "--jobs", "--isolated"):
        assert option in lint_help
    assert __version__ in CliRunner().invoke(cli, ["--version"]).stdout

"""``nb2prod rules`` and ``nb2prod rule CODE``."""

from __future__ import annotations

import json

import click

from nb2prod.cli.options import format_option

__all__ = ["rule", "rules"]


@click.command()
@format_option(("text", "json"))
def rules(output_format: str) -> None:
    """List every rule by family: code, name, default severity, [fix] when it has one.

    `--format json` gives a list of {code, name, family, severity, fix, summary}.
    """
    from nb2prod.rules.registry import ALL_RULES, FAMILIES

    if output_format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "family": FAMILIES.get(r.code[:3], ""),
                "severity": r.severity,
                "fix": r.fix_title,
                "summary": r.summary(),
            }
            for r in ALL_RULES
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    family = None
    for r in ALL_RULES:
        if r.code[:3] != family:
            family = r.code[:3]
            click.echo(click.style(f"\n{family}  {FAMILIES.get(family, '')}", bold=True))
        fix = " [fix]" if r.fix_title else ""
        click.echo(f"  {r.code}  {r.name:<32} {r.severity:<8}{fix}")


@click.command()
@click.argument("code")
def rule(code: str) -> None:
    """Show the documentation of rule CODE (a code like NB101, or a name)."""
    from nb2prod.rules.base import parse_rule_doc
    from nb2prod.rules.registry import get_rule

    click.echo(parse_rule_doc(get_rule(code)).to_markdown(), nl=False)

"""Rendering of findings: one module per output format, and :func:`render` to pick one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nb2prod.diagnostics import Diagnostic

__all__ = ["FORMATS", "render"]

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


def render(
    diagnostics: Sequence[Diagnostic],
    paths: Sequence[str],
    output_format: str,
    *,
    color: bool = False,
    sources: Callable[[str, int], str | None] | None = None,
    tool_name: str = "nb2prod",
) -> str:
    """Render ``diagnostics`` (already ordered) for the files ``paths`` in ``output_format``."""
    if output_format == "json":
        from nb2prod.report.json_format import render_json

        return render_json(diagnostics)
    if output_format == "sarif":
        from nb2prod.report.sarif import render_sarif

        return render_sarif(diagnostics)
    if output_format == "github":
        from nb2prod.report.github import render_github

        return render_github(diagnostics)
    if output_format == "junit":
        from nb2prod.report.junit import render_junit

        return render_junit(diagnostics, paths, suite_name=tool_name)
    if output_format == "gitlab":
        from nb2prod.report.gitlab import render_gitlab

        return render_gitlab(diagnostics)
    from nb2prod.report.text import render_text

    return render_text(diagnostics, color=color, sources=sources)

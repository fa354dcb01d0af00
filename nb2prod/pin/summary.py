"""What ``nb2prod pin`` tells its user: a text summary or the JSON record of a pin run."""

from __future__ import annotations

import json
from typing import Any

from nb2prod.pin.api import PinOutcome

__all__ = ["outcome_to_dict", "render_outcome_text"]


def outcome_to_dict(outcome: PinOutcome) -> dict[str, Any]:
    """The stable JSON shape of a pin run (documented in docs/pin.md)."""
    plan = outcome.plan
    return {
        "dry_run": outcome.dry_run,
        "pins": [
            {
                "name": entry.name,
                "version": entry.version,
                "requirement": entry.requirement,
                "notebooks": list(entry.sources),
            }
            for entry in plan.entries.values()
        ],
        "transitive": [
            {"name": item.name, "version": item.version, "via": list(item.via)}
            for item in outcome.transitive
        ],
        "notebooks": [
            {
                "path": notebook_plan.path,
                "interpreter": notebook_plan.interpreter.path,
                "interpreter_origin": notebook_plan.interpreter.origin,
                "python": notebook_plan.snapshot.python_version,
                "platform": notebook_plan.snapshot.platform_tag,
                "imports": [
                    {
                        "module": item.module,
                        "cell": item.cell,
                        "line": item.line,
                        "status": item.status,
                        "distribution": item.distribution,
                        "version": item.version,
                    }
                    for item in notebook_plan.outcomes
                ],
            }
            for notebook_plan in plan.notebooks
        ],
        "problems": [problem.to_dict() for problem in plan.problems],
        "notes": list(plan.notes),
        "files": [
            {
                "path": str(change.path),
                "kind": change.what,
                "changed": change.changed,
                "written": change.path in outcome.written,
            }
            for change in outcome.changes
        ],
    }


def render_outcome_json(outcome: PinOutcome) -> str:
    return json.dumps(outcome_to_dict(outcome), indent=2) + "\n"


def render_outcome_text(outcome: PinOutcome) -> str:
    """Problems first (one line each, with the place), then one line per file and a summary."""
    plan = outcome.plan
    lines = [f"note: {note}" for note in plan.notes]
    lines += [f"warning: {problem.render()}" for problem in plan.problems]
    verb = "would write" if outcome.dry_run else "wrote"
    for change in outcome.changes:
        if not change.changed:
            lines.append(f"{change.path}: up to date")
        else:
            lines.append(f"{change.path}: {verb} {change.what.replace('+', ' and ')} pins")
    interpreters = sorted(
        {(item.interpreter.path, item.snapshot.python_version) for item in plan.notebooks}
    )
    where = "; ".join(f"{path} (Python {version})" for path, version in interpreters)
    count = len(plan.entries)
    notebooks = len(plan.notebooks)
    lines.append(
        f"Pinned {count} distribution{'s' if count != 1 else ''} from {notebooks} notebook{'s' if notebooks != 1 else ''}"
        f" in {where}."
    )
    if plan.problems:
        lines.append(
            f"{len(plan.problems)} import{'s' if len(plan.problems) != 1 else ''} or install line{'s' if len(plan.problems) != 1 else ''} need attention (above)."
        )
    return "\n".join(lines) + "\n"

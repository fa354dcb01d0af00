"""The ladder of normalisers: each rewrites output text so that run-to-run noise compares equal.

Each rung is applied to both sides in order, and comparison stops at the first rung after which
they agree; the names of the rungs that were needed explain why two outputs are "equivalent".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LADDER", "Normaliser", "apply_ladder", "normalise_fully"]


@dataclass(frozen=True, slots=True)
class Normaliser:
    name: str
    description: str
    rewrite: Callable[[str], str]


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _terminal(text: str) -> str:
    """Render what a terminal shows: colours dropped, a carriage return overwrites its line."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    if "\r" not in text and "\b" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        while "\b" in line:
            line = (
                re.sub(r"[^\b]\b", "", line, count=1)
                if re.search(r"[^\b]\b", line)
                else line.replace("\b", "")
            )
        if "\r" in line:
            parts = [part for part in line.split("\r") if part]
            line = parts[-1] if parts else ""
        lines.append(line)
    return "\n".join(lines)


def _whitespace(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    collapsed: list[str] = []
    for line in lines:
        if not line and collapsed and not collapsed[-1]:
            continue
        collapsed.append(line)
    return "\n".join(collapsed).strip("\n")


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{4,16}\b")
_BARE_ADDRESS = re.compile(r"(?<= at )[0-9a-f]{8,16}(?=[>,\s])")


def _addresses(text: str) -> str:
    return _BARE_ADDRESS.sub("<address>", _ADDRESS.sub("0x<address>", text))


_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_TIMESTAMPS = (
    re.compile(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?(?![\d:])"
    ),
    re.compile(
        rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? (?:{_MONTHS}) +\d{{1,2}} \d{{2}}:\d{{2}}:\d{{2}} \d{{4}}\b"
    ),
    re.compile(rf"\b\d{{1,2}} (?:{_MONTHS}) \d{{4}} \d{{2}}:\d{{2}}:\d{{2}}\b"),
    re.compile(
        r"datetime\.datetime\(\d{4}, \d{1,2}, \d{1,2}, \d{1,2}, \d{1,2}(?:, \d{1,2})?(?:, \d+)?(?:, tzinfo=[^)]*\))?\)"
    ),
    re.compile(r"(?<![\d:.])\d{1,2}:\d{2}:\d{2}(?:\.\d+)?(?![\d:])"),
    re.compile(r"(?<![\d.])1[4-9]\d{8}\.\d+(?![\d.])"),
)


def _timestamps(text: str) -> str:
    for pattern in _TIMESTAMPS:
        text = pattern.sub("<timestamp>", text)
    return text


_UNIT = r"(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)"
_DURATIONS = (
    (re.compile(r"CPU times: .*"), "CPU times: <duration>"),
    (re.compile(r"Wall time: .*"), "Wall time: <duration>"),
    (re.compile(r".*(?:±|\+-).* per loop \(mean ± std\. dev\. of .*\)"), "<timeit>"),
    (
        re.compile(
            r"(?:\d+ loops?, best of \d+|slowest run took .*?times longer than the fastest).*"
        ),
        "<timeit>",
    ),
    (re.compile(r"\d+(?:\.\d+)?\s?(?:ms|µs|us|s)/(?:step|epoch|it|sample)"), "<duration>/step"),
    (
        re.compile(
            r"(?i)\b(took|elapsed|in|after|duration|time|runtime|ETA)(:?\s*=?\s*)-?\d+(?:\.\d+)?(?:e-?\d+)?\s?"
            + _UNIT
            + r"\b"
        ),
        r"\1\2<duration>",
    ),
    (re.compile(r"(?i)ETA: \d+(?::\d+)*s?"), "ETA: <duration>"),
    (re.compile(r"(?<=- )\d+m?s(?= )"), "<duration>"),
)


def _durations(text: str) -> str:
    for pattern, replacement in _DURATIONS:
        text = pattern.sub(replacement, text)
    return text


_PROGRESS_BAR = re.compile(
    r"^.*?(?:\d+%\s*)?\|[^|\n]*\|\s*[\d.]+[kMG]?(?:/[\d.]+[kMG]?)?\s*\[[^\]\n]*\].*$|"
    r"^.*?\d+(?:\.\d+)?[kMG]?it \[[\d:]+(?:, [^\]]*)?\].*$",
    re.MULTILINE,
)
_KERAS_BAR = re.compile(r"^(\s*\d+/\d+) \[[=>.]+\]", re.MULTILINE)


def _progress_bars(text: str) -> str:
    text = _PROGRESS_BAR.sub("<progress bar>", text)
    text = _KERAS_BAR.sub(r"\1 [<progress bar>]", text)
    # Repeated bars (one per update when the terminal did not overwrite) count as one.
    return re.sub(r"(?:<progress bar>\n)+<progress bar>", "<progress bar>", text)


_WARNING_PATH = re.compile(
    r"^(?:[^\n:]*[/\\])?([^/\\\n:]+\.py):\d+: (\w*(?:Warning|Error)\b)", re.MULTILINE
)
_KERNEL_FILE = re.compile(r"(?:/[^\s:'\"]*)?/ipykernel_\d+/\d+\.py|<ipython-input-\d+-[0-9a-f]+>")
_CELL_PROMPT = re.compile(r"\b(Cell|Input) In ?\[\d*\]")
_SITE_PACKAGES = re.compile(r"(?:[A-Za-z]:)?[^\s'\"():]*[/\\](?:site|dist)-packages[/\\]")


def _paths(text: str) -> str:
    text = _WARNING_PATH.sub(r"<path>/\1:<line>: \2", text)
    text = _KERNEL_FILE.sub("<cell>", text)
    text = _CELL_PROMPT.sub(r"\1 In[<n>]", text)
    return _SITE_PACKAGES.sub("<site-packages>/", text)


_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_HEX_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{32}\b")


def _identifiers(text: str) -> str:
    return _HEX_ID.sub("<id>", _UUID.sub("<uuid>", text))


_BRACED = re.compile(r"(?:frozenset\(|set\(|dict_keys\(|dict_values\()?\{[^{}\n]{0,20000}\}\)?")


def _canonical_collection(match: re.Match[str]) -> str:
    """Sort a set literal's elements and a dict literal's items, so iteration order does not count."""
    segment = match.group(0)
    body = segment
    prefix = suffix = ""
    if not body.startswith("{"):
        prefix, body = body[: body.index("{")], body[body.index("{") :]
        if body.endswith(")"):
            body, suffix = body[:-1], ")"
    try:
        value = ast.literal_eval(body)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return segment
    if isinstance(value, set):
        items = sorted(repr(item) for item in value)
        return prefix + "{" + ", ".join(items) + "}" + suffix
    if isinstance(value, dict):
        pairs = sorted(f"{key!r}: {item!r}" for key, item in value.items())
        return prefix + "{" + ", ".join(pairs) + "}" + suffix
    return segment


def _collection_order(text: str) -> str:
    if len(text) > 1_000_000 or "{" not in text:
        return text
    return _BRACED.sub(_canonical_collection, text)


LADDER: tuple[Normaliser, ...] = (
    Normaliser(
        "terminal",
        "colour codes, carriage returns and backspaces rendered as a terminal shows them",
        _terminal,
    ),
    Normaliser(
        "whitespace",
        "trailing spaces, blank-line runs and leading/trailing blank lines",
        _whitespace,
    ),
    Normaliser("memory-addresses", "0x7f... addresses in reprs", _addresses),
    Normaliser("timestamps", "dates with times, clock times, epoch seconds", _timestamps),
    Normaliser("durations", "%time/%timeit reports, 'took 3.2 s', per-step timings", _durations),
    Normaliser("progress-bars", "tqdm and Keras progress bars", _progress_bars),
    Normaliser(
        "paths", "file paths in warnings and tracebacks, kernel cell files, prompt numbers", _paths
    ),
    Normaliser("identifiers", "UUIDs and random hexadecimal ids (widgets, plotly)", _identifiers),
    Normaliser(
        "collection-order", "set elements and dict items in a different order", _collection_order
    ),
)


def _normalise_with(text: str, names: frozenset[str]) -> str:
    for normaliser in LADDER:
        if normaliser.name in names:
            text = normaliser.rewrite(text)
    return text


def apply_ladder(saved: str, new: str) -> tuple[str, str, tuple[str, ...], bool]:
    """Normalise both texts rung by rung; stop as soon as they agree.

    Returns the two texts as far as they were normalised, the names of the rungs that were needed
    for them to agree (all rungs that changed anything when they still disagree), and whether they
    agree.
    """
    original_saved, original_new = saved, new
    used: list[str] = []
    for normaliser in LADDER:
        saved_next, new_next = normaliser.rewrite(saved), normaliser.rewrite(new)
        if saved_next != saved or new_next != new:
            used.append(normaliser.name)
        saved, new = saved_next, new_next
        if saved == new:
            return saved, new, _needed(original_saved, original_new, used), True
    return saved, new, tuple(used), False


def _needed(saved: str, new: str, used: list[str]) -> tuple[str, ...]:
    """Drop rungs without which the texts still agree, so the reason names only real noise."""
    needed = list(used)
    for name in used:
        without = frozenset(needed) - {name}
        if _normalise_with(saved, without) == _normalise_with(new, without):
            needed.remove(name)
    return tuple(needed)


def normalise_fully(text: str) -> str:
    for normaliser in LADDER:
        text = normaliser.rewrite(text)
    return text

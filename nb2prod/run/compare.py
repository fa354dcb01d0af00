"""Compare one cell's saved outputs with its new ones: identical, equivalent (and why), or differs."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal

from nb2prod.run.normalise import apply_ladder, normalise_fully

__all__ = ["Comparison", "Tolerance", "compare_outputs", "render_outputs"]

Outcome = Literal["identical", "equivalent", "differs"]
_RANK = {"identical": 0, "equivalent": 1, "differs": 2}

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# Mime types that carry no user-visible result of their own, only a handle to a live widget.
_WIDGET_TYPE = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How close numbers and images must be to count as equivalent."""

    rtol: float = 1e-5
    atol: float = 1e-8
    image_threshold: float = 0.01
    compare_stderr: bool = True


@dataclass(frozen=True, slots=True)
class Comparison:
    outcome: Outcome
    reasons: tuple[str, ...] = ()
    diff: str | None = None


@dataclass(frozen=True, slots=True)
class _Item:
    """One comparable unit: a merged stream, a display bundle, or an error."""

    kind: str
    text: str = ""
    data: Mapping[str, Any] | None = None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _items(outputs: Sequence[Mapping[str, Any]], tolerance: Tolerance) -> list[_Item]:
    """Outputs as comparable items; a stream's chunks are merged, since flushing differs run to run."""
    items: list[_Item] = []
    stream_position: dict[str, int] = {}
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = str(output.get("name", "stdout"))
            if name == "stderr" and not tolerance.compare_stderr:
                continue
            text = _text(output.get("text", ""))
            if name in stream_position:
                position = stream_position[name]
                items[position] = _Item(f"stream:{name}", items[position].text + text)
            else:
                stream_position[name] = len(items)
                items.append(_Item(f"stream:{name}", text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if isinstance(data, Mapping) and data:
                items.append(_Item("display", data=data))
        elif kind == "error":
            items.append(_Item("error", f"{output.get('ename', '')}: {output.get('evalue', '')}"))
    # Empty stream text (an empty print flushed) is not a visible output.
    return [item for item in items if item.kind != "stream:stdout" or item.text != ""]


_NUMBER = re.compile(
    r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|(?i:\b[-+]?(?:nan|inf|infinity)\b)"
)


def _numbers_close(saved: str, new: str, tolerance: Tolerance) -> bool:
    """Same text between the numbers (whitespace-insensitive), numbers within rtol/atol."""
    saved_numbers, new_numbers = _NUMBER.findall(saved), _NUMBER.findall(new)
    if len(saved_numbers) != len(new_numbers) or not saved_numbers:
        return False
    saved_rest = [" ".join(part.split()) for part in _NUMBER.split(saved)]
    new_rest = [" ".join(part.split()) for part in _NUMBER.split(new)]
    if saved_rest != new_rest:
        return False
    for left, right in zip(saved_numbers, new_numbers, strict=False):
        if left == right:
            continue
        try:
            a, b = float(left), float(right)
        except ValueError:
            return False
        if math.isnan(a) and math.isnan(b):
            continue
        if not math.isclose(a, b, rel_tol=tolerance.rtol, abs_tol=tolerance.atol):
            return False
    return True


def _compare_text(saved: str, new: str, tolerance: Tolerance) -> Comparison:
    if saved == new:
        return Comparison("identical")
    saved_normal, new_normal, used, agree = apply_ladder(saved, new)
    if agree:
        return Comparison("equivalent", used)
    if _numbers_close(saved_normal, new_normal, tolerance):
        return Comparison(
            "equivalent",
            (*used, f"numbers within rtol={tolerance.rtol:g}, atol={tolerance.atol:g}"),
        )
    return Comparison("differs")


class _TableText(HTMLParser):
    """HTML reduced to its tags and text, style and script bodies dropped: DataFrames compare by cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        self.parts.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def _html_text(html: str) -> str:
    parser = _TableText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # malformed HTML compares as text
        return html
    return "\n".join(parser.parts)


def _compare_html(saved: str, new: str, tolerance: Tolerance) -> Comparison:
    if saved == new:
        return Comparison("identical")
    direct = _compare_text(saved, new, tolerance)
    if direct.outcome != "differs":
        return direct
    table = _compare_text(_html_text(saved), _html_text(new), tolerance)
    if table.outcome == "differs":
        return table
    return Comparison("equivalent", ("html attributes and layout", *table.reasons))


def _decode_image(value: Any) -> Any:
    import base64
    import io

    from PIL import Image

    raw = base64.b64decode(_text(value).replace("\n", ""))
    image = Image.open(io.BytesIO(raw))
    image.load()
    return image


def image_distance(saved: Any, new: Any) -> tuple[float | None, str]:
    """Mean absolute per-channel difference in [0, 1]; ``None`` when sizes differ."""
    from PIL import ImageChops, ImageStat

    left, right = _decode_image(saved).convert("RGBA"), _decode_image(new).convert("RGBA")
    if left.size != right.size:
        return None, f"image size {left.size[0]}x{left.size[1]} -> {right.size[0]}x{right.size[1]}"
    difference = ImageChops.difference(left, right)
    means = ImageStat.Stat(difference).mean
    distance = sum(means) / (len(means) * 255.0)
    return distance, f"mean pixel distance {distance:.4f}"


def _compare_image(saved: Any, new: Any, tolerance: Tolerance) -> Comparison:
    if _text(saved).strip() == _text(new).strip():
        return Comparison("identical")
    try:
        distance, description = image_distance(saved, new)
    except Exception as error:  # an undecodable image differs, it does not crash the run
        return Comparison("differs", (f"image cannot be decoded: {error}",))
    if distance is None or distance > tolerance.image_threshold:
        return Comparison("differs", (f"{description} (threshold {tolerance.image_threshold:g})",))
    return Comparison("equivalent", (f"image within threshold ({description})",))


def _compare_display(
    saved: Mapping[str, Any], new: Mapping[str, Any], tolerance: Tolerance
) -> Comparison:
    saved_types = {key for key in saved if key != _WIDGET_TYPE}
    new_types = {key for key in new if key != _WIDGET_TYPE}
    saved_images, new_images = saved_types & set(IMAGE_TYPES), new_types & set(IMAGE_TYPES)
    if bool(saved_images) != bool(new_images):
        return Comparison("differs", ("an image appeared or disappeared",))
    common = saved_types & new_types
    if not common:
        if _WIDGET_TYPE in saved and _WIDGET_TYPE in new:
            return Comparison("equivalent", ("widget",))
        return Comparison(
            "differs", (f"output types {sorted(saved_types)} -> {sorted(new_types)}",)
        )
    results: list[Comparison] = []
    for mime in sorted(common):
        if mime in IMAGE_TYPES:
            results.append(_compare_image(saved[mime], new[mime], tolerance))
        elif mime == "text/html":
            results.append(_compare_html(_text(saved[mime]), _text(new[mime]), tolerance))
        else:
            results.append(_compare_text(_text(saved[mime]), _text(new[mime]), tolerance))
    if saved_images and not (saved_images & new_images):
        results.append(
            Comparison("differs", (f"image format {sorted(saved_images)} -> {sorted(new_images)}",))
        )
    return _worst(results)


def _worst(results: Sequence[Comparison]) -> Comparison:
    if not results:
        return Comparison("identical")
    worst = max(results, key=lambda result: _RANK[result.outcome])
    if worst.outcome == "equivalent":
        reasons: list[str] = []
        for result in results:
            reasons.extend(reason for reason in result.reasons if reason not in reasons)
        return Comparison("equivalent", tuple(reasons))
    return worst


def _describe(item: _Item) -> str:
    if item.kind.startswith("stream:"):
        return f"[{item.kind[7:]}]\n{item.text}"
    if item.kind == "error":
        return f"[error] {item.text}"
    data = item.data or {}
    lines = []
    for mime in sorted(data):
        if mime in IMAGE_TYPES:
            try:
                image = _decode_image(data[mime])
                lines.append(f"[{mime} {image.size[0]}x{image.size[1]}]")
            except Exception:
                lines.append(f"[{mime}]")
        elif mime == "text/plain" or ("text/plain" not in data and mime.startswith("text/")):
            lines.append(_text(data[mime]))
    return "\n".join(lines) or f"[{', '.join(sorted(data))}]"


def render_outputs(outputs: Sequence[Mapping[str, Any]], tolerance: Tolerance | None = None) -> str:
    """Outputs as the text a diff shows (normalised, so the diff shows only real differences)."""
    items = _items(outputs, tolerance or Tolerance())
    return "\n".join(normalise_fully(_describe(item)) for item in items)


def _unified_diff(saved: str, new: str, maximum_lines: int = 40) -> str:
    lines = list(
        difflib.unified_diff(saved.splitlines(), new.splitlines(), "saved", "new", lineterm="", n=2)
    )
    if len(lines) > maximum_lines:
        lines = [*lines[:maximum_lines], f"... ({len(lines) - maximum_lines} more diff lines)"]
    return "\n".join(lines)


def compare_outputs(
    saved: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], tolerance: Tolerance
) -> Comparison:
    """Compare a cell's outputs item by item through the normaliser ladder and the tolerances."""
    saved_items, new_items = _items(saved, tolerance), _items(new, tolerance)
    results: list[Comparison] = []
    if len(saved_items) != len(new_items) or any(
        a.kind != b.kind for a, b in zip(saved_items, new_items, strict=False)
    ):
        results.append(Comparison("differs", ("different outputs",)))
    else:
        for saved_item, new_item in zip(saved_items, new_items, strict=False):
            if saved_item.kind == "display":
                results.append(
                    _compare_display(saved_item.data or {}, new_item.data or {}, tolerance)
                )
            else:
                results.append(_compare_text(saved_item.text, new_item.text, tolerance))
    result = _worst(results)
    if result.outcome != "differs":
        return result
    diff = _unified_diff(render_outputs(saved, tolerance), render_outputs(new, tolerance))
    if not diff:
        diff = "\n".join(f"  {reason}" for reason in result.reasons)
    return Comparison("differs", result.reasons, diff)

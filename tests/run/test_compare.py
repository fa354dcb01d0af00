"""Cell output comparison: streams, numbers within tolerance, DataFrame tables, images, errors."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from nb2prod.run.compare import Tolerance, compare_outputs

TOLERANCE = Tolerance()


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"output_type": "stream", "name": name, "text": text}


def result(data: dict[str, Any]) -> dict[str, Any]:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": data}


def png(size: tuple[int, int] = (20, 10), changed_pixels: int = 0, colour: str = "navy") -> str:
    picture = Image.new("RGB", size, "white")
    for x in range(size[0] // 2):
        for y in range(size[1]):
            picture.putpixel((x, y), (0, 0, 128) if colour == "navy" else (200, 0, 0))
    for index in range(changed_pixels):
        picture.putpixel((size[0] - 1 - index % size[0], 0), (240, 240, 240))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def test_identical_outputs() -> None:
    assert compare_outputs([stream("a\n")], [stream("a\n")], TOLERANCE).outcome == "identical"


def test_stream_chunks_are_merged_before_comparison() -> None:
    saved = [stream("one\ntwo\n")]
    new = [stream("one\n"), stream("two\n")]
    assert compare_outputs(saved, new, TOLERANCE).outcome == "identical"


def test_float_noise_within_tolerance_is_equivalent() -> None:
    comparison = compare_outputs([stream("0.30000000000000004\n")], [stream("0.3\n")], TOLERANCE)
    assert comparison.outcome == "equivalent"
    assert any("rtol" in reason for reason in comparison.reasons)


def test_numbers_outside_tolerance_differ_with_a_diff() -> None:
    comparison = compare_outputs([stream("loss 0.25\n")], [stream("loss 0.26\n")], TOLERANCE)
    assert comparison.outcome == "differs"
    assert comparison.diff is not None
    assert "-loss 0.25" in comparison.diff and "+loss 0.26" in comparison.diff


def test_tolerances_are_configurable() -> None:
    loose = Tolerance(rtol=0.1)
    assert compare_outputs([stream("loss 0.25\n")], [stream("loss 0.26\n")], loose).outcome == "equivalent"


def test_dataframe_plain_text_realigns_when_digits_change_width() -> None:
    saved = result({"text/plain": "      x\n0  0.333333\n1 -0.000001"})
    new = result({"text/plain": "      x\n0  0.333334\n1  0.000000"})
    assert compare_outputs([saved], [new], Tolerance(rtol=1e-5, atol=1e-5)).outcome == "equivalent"


def test_dataframe_html_compares_cell_by_cell() -> None:
    table = '<div><style scoped>.x {{}}</style><table border="1" class="dataframe"><tr><td id="{id}">{value}</td></tr></table></div>'
    saved = result({"text/html": table.format(id="T_1a2b", value="0.333333"), "text/plain": "0.333333"})
    new = result({"text/html": table.format(id="T_9f8e", value="0.333334"), "text/plain": "0.333334"})
    assert compare_outputs([saved], [new], TOLERANCE).outcome == "equivalent"
    different = result({"text/html": table.format(id="T_1a2b", value="0.5"), "text/plain": "0.5"})
    assert compare_outputs([saved], [different], TOLERANCE).outcome == "differs"


def test_image_within_threshold_is_equivalent() -> None:
    comparison = compare_outputs([result({"image/png": png()})], [result({"image/png": png(changed_pixels=2)})], TOLERANCE)
    assert comparison.outcome == "equivalent"
    assert "pixel distance" in comparison.reasons[0]


def test_image_beyond_threshold_differs() -> None:
    comparison = compare_outputs([result({"image/png": png()})], [result({"image/png": png(colour="red")})], TOLERANCE)
    assert comparison.outcome == "differs"
    assert "threshold" in comparison.reasons[0]


def test_image_of_another_size_differs() -> None:
    comparison = compare_outputs([result({"image/png": png()})], [result({"image/png": png(size=(21, 10))})], TOLERANCE)
    assert comparison.outcome == "differs"
    assert "20x10 -> 21x10" in comparison.reasons[0]


def test_a_missing_output_differs() -> None:
    comparison = compare_outputs([stream("a\n"), result({"text/plain": "1"})], [stream("a\n")], TOLERANCE)
    assert comparison.outcome == "differs"
    assert comparison.diff and "-1" in comparison.diff


def test_stderr_can_be_ignored() -> None:
    saved = [stream("x\n")]
    new = [stream("x\n"), stream("DeprecationWarning: soon\n", "stderr")]
    assert compare_outputs(saved, new, TOLERANCE).outcome == "differs"
    assert compare_outputs(saved, new, Tolerance(compare_stderr=False)).outcome == "identical"


def test_errors_compare_by_name_and_value() -> None:
    error = {"output_type": "error", "ename": "ValueError", "evalue": "bad 0x7f00aa11bb22", "traceback": ["a"]}
    other = {"output_type": "error", "ename": "ValueError", "evalue": "bad 0x7f00cc33dd44", "traceback": ["b"]}
    assert compare_outputs([error], [other], TOLERANCE).outcome == "equivalent"


@pytest.mark.parametrize("widget_only", [True, False])
def test_widget_model_ids_do_not_count(widget_only: bool) -> None:
    def widget(model_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"application/vnd.jupyter.widget-view+json": {"model_id": model_id, "version_major": 2}}
        if not widget_only:
            data["text/plain"] = "HBox(children=(FloatProgress(value=0.0),))"
        return {"output_type": "display_data", "metadata": {}, "data": data}

    comparison = compare_outputs([widget("a" * 32)], [widget("b" * 32)], TOLERANCE)
    assert comparison.outcome in ("identical", "equivalent")

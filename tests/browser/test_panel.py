"""The nb2prod panel in a real JupyterLab and a real Chromium: findings, jumps, live updates, graph."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import ARTIFACTS, Lab

pytestmark = pytest.mark.browser

PANEL = "#nb2prod-panel"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def cell(index: int) -> str:
    """Selector of the notebook's cell at 1-based position ``index``."""
    return f"{NOTEBOOK} .jp-Cell:nth-child({index})"


def diagnostic(code: str) -> str:
    return f'{PANEL} .nb2prod-diagnostic[data-code="{code}"]'


def open_notebook(page: Any, lab: Lab, path: str) -> None:
    # a workspace per notebook, so earlier tests' tabs are not restored
    page.goto(f"{lab.url}/lab/workspaces/{path.replace('.', '-')}/tree/{path}")
    page.wait_for_selector(f"{NOTEBOOK} .jp-Cell")
    tab = page.locator('.jp-SideBar .lm-TabBar-tab[data-id="nb2prod-panel"]')
    tab.wait_for()
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.wait_for_selector(f"{PANEL} .nb2prod-diagnostics")


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def replace_cell_source(page: Any, index: int, text: str) -> None:
    editor = page.locator(f"{cell(index)} .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def run_cell(page: Any, index: int, expected_count: int) -> None:
    page.locator(f"{cell(index)} .cm-content").click()
    page.keyboard.press("Control+Enter")
    prompt = page.locator(f"{cell(index)} .jp-InputArea-prompt")
    prompt.filter(has_text=f"[{expected_count}]").wait_for(timeout=30_000)


def test_panel_lists_findings_and_marks_cells(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("out_of_order_use_before_definition", "findings.ipynb")
    open_notebook(page, lab, path)
    page.wait_for_selector(diagnostic("NB201"))
    page.wait_for_selector(diagnostic("NB101"))
    group = page.locator(f'{PANEL} .nb2prod-group[data-cell="2"]')
    assert group.locator(".nb2prod-diagnostic").count() == 2
    assert "`x` is used in cell 2 but first defined in cell 3" in page.locator(diagnostic("NB201")).inner_text()
    # the marker on the cell in the notebook itself
    marked = page.locator(f"{NOTEBOOK} .jp-Cell.nb2prod-has-findings")
    assert marked.count() == 1
    assert "print(x)" in marked.first.inner_text()
    assert "nb2prod-cell-" in (page.locator(cell(2)).get_attribute("class") or "")
    assert "nb2prod-has-findings" not in (page.locator(cell(3)).get_attribute("class") or "")
    shot(page, "panel-findings")
    # the rule code links to the rule's documentation
    page.locator(f"{diagnostic('NB201')} .nb2prod-code").click()
    doc = page.locator(".nb2prod-rule-doc")
    doc.get_by_text("What it does").wait_for()
    assert "use-before-definition" in page.locator(".lm-TabBar-tab", has_text="NB201").first.inner_text()
    shot(page, "rule-doc")


def test_clicking_a_finding_activates_its_cell_and_line(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("out_of_order_use_before_definition", "jump.ipynb")
    open_notebook(page, lab, path)
    page.locator(cell(4)).click()  # start somewhere else
    page.locator(f"{diagnostic('NB201')} .nb2prod-message").click()
    page.wait_for_selector(f"{cell(2)}.jp-mod-active")
    assert page.locator(f"{NOTEBOOK} .jp-Cell.jp-mod-active").count() == 1
    # the cursor is in the cell's editor, on line 2 column 7, where `x` is read
    page.locator(".jp-StatusBar-Widget", has_text="Ln 2, Col 7").wait_for()
    assert "Mode: Edit" in page.locator(".jp-StatusBar-Widget").inner_text()
    assert page.evaluate("document.activeElement.closest('.jp-Cell.jp-mod-active') !== null")
    shot(page, "jump-to-cell")


def test_editing_a_cell_to_fix_the_problem_clears_the_finding(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("out_of_order_use_before_definition", "edit.ipynb")
    open_notebook(page, lab, path)
    page.wait_for_selector(diagnostic("NB201"))
    lint_requests: list[str] = []
    page.on("request", lambda request: lint_requests.append(request.url) if "/nb2prod/lint" in request.url else None)
    replace_cell_source(page, 2, "x = 1\nprint(x)")
    page.wait_for_selector(diagnostic("NB201"), state="detached")
    # debounced: one burst of 15 key presses costs one or two requests, not one per key
    assert 1 <= len(lint_requests) <= 2, lint_requests
    # the out-of-order finding stays: the saved counts still say so
    assert page.locator(diagnostic("NB101")).count() == 1
    shot(page, "edit-clears-finding")


def test_running_cells_out_of_order_in_the_kernel_adds_a_finding(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("clean_never_run", "live.ipynb")
    open_notebook(page, lab, path)
    page.wait_for_selector(f"{PANEL} .nb2prod-counts:has-text('No findings')")
    assert page.locator(diagnostic("NB101")).count() == 0
    # a key press before the kernel is ready would be lost
    page.locator(".jp-StatusBar-Widget", has_text="Idle").wait_for(timeout=60_000)
    run_cell(page, 1, 1)
    run_cell(page, 2, 2)
    assert page.locator(diagnostic("NB101")).count() == 0
    run_cell(page, 1, 3)  # cell 1 now ran after cell 2, below it
    page.wait_for_selector(diagnostic("NB101"))
    text = page.locator(diagnostic("NB101")).inner_text()
    assert re.search(r"cell 1 ran \(In \[3\]\) after cell 2 below it \(In \[2\]\)", text), text
    shot(page, "live-out-of-order")


def test_execution_order_picture(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("out_of_order_use_before_definition", "graph.ipynb")
    open_notebook(page, lab, path)
    svg = page.locator(f"{PANEL} svg.nb2prod-graph-svg")
    svg.wait_for()
    nodes = svg.locator(".nb2prod-node")
    assert nodes.count() == 4
    prompts = [(text or "").strip() for text in svg.locator(".nb2prod-node-prompt").all_text_contents()]
    assert prompts == ["¶", "[2]", "[1]", "[3]"]
    assert svg.locator('.nb2prod-edge[data-kind="out-of-order"]').count() >= 1
    assert svg.locator('.nb2prod-edge[data-kind="flow"]').count() >= 1
    # clicking a node jumps to its cell, and the re-run query answers for it
    svg.locator('.nb2prod-node[data-cell="2"]').click()
    page.wait_for_selector(f"{cell(2)}.jp-mod-active")
    page.wait_for_selector(f"{PANEL} .nb2prod-rerun-before:has-text('cell 3')")
    shot(page, "execution-order")
    svg.screenshot(path=str(ARTIFACTS / "execution-order-svg.png"))


def test_reorder_fix_moves_the_cells(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("out_of_order_use_before_definition", "reorder.ipynb")
    open_notebook(page, lab, path)
    page.wait_for_selector(diagnostic("NB201"))
    button = page.locator(f'{PANEL} .nb2prod-action[data-action="reorder"] button')
    button.wait_for()
    assert button.is_enabled()
    button.click()
    page.wait_for_selector(diagnostic("NB201"), state="detached")
    sources = page.locator(f"{NOTEBOOK} .jp-Cell .jp-InputArea").all_inner_texts()
    definer = next(i for i, text in enumerate(sources) if "x = 1" in text)
    reader = next(i for i, text in enumerate(sources) if "print(x)" in text)
    assert definer < reader, sources
    shot(page, "reorder-fix")


def test_actions_extract_preview_then_write_and_pin(page: Any, lab: Lab) -> None:
    path = lab.copy_notebook("clean_never_run", "actions.ipynb")
    open_notebook(page, lab, path)
    extract = page.locator(f'{PANEL} .nb2prod-action[data-action="extract"]')
    write = extract.get_by_role("button", name="Write module")
    assert write.is_disabled()  # preview first
    extract.get_by_role("button", name="Preview").click()
    extract.locator('.nb2prod-result[data-stage="preview"]').get_by_text("def run(").first.wait_for(timeout=60_000)
    assert not (lab.root / "actions_extracted").exists()
    write.click()
    extract.locator('.nb2prod-result[data-stage="written"]').get_by_text("actions_extracted/actions.py").wait_for(timeout=60_000)
    assert (lab.root / "actions_extracted" / "actions.py").is_file()
    pin = page.locator(f'{PANEL} .nb2prod-action[data-action="pin"]')
    pin.get_by_role("button", name="Show pins").click()
    pin.locator('.nb2prod-result[data-stage="preview"]').get_by_text("requirements.txt", exact=True).wait_for(timeout=60_000)
    pin.scroll_into_view_if_needed()
    shot(page, "actions")

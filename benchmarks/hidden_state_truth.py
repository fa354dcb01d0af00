"""Check the NB2 hidden-state rules against what a fresh kernel really does, on real notebooks.

Runs each offline-runnable notebook of the shared corpus top to bottom in a fresh kernel and
compares the first error with what ``nb2prod`` predicted from the saved file alone:

* recall on real fresh-run ``NameError``s (an NB201/NB202/NB206 finding for that name at that cell
  or above it);
* false alarms: notebooks that ran clean yet got NB201 use-before-definition or NB206 undefined-name;
* the mutation study ("Measuring it honestly" in DESIGN.md): variants of clean-running notebooks
  made as people make them after running cells (delete a defining cell, move a reader above its
  definer, rename a definition) that keep every saved execution count and output, re-run fresh.

This executes notebook code, so it is a script, not a test. See docs/hidden_state_truth.md.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPOSITORY.parent / "shared" / "corpus"
PREDICTING_CODES = frozenset({"NB201", "NB202", "NB206"})
ACCUSING_CODES = frozenset({"NB201", "NB206"})
MUTATION_KINDS = ("delete", "move", "rename")
OFFLINE_FILTER = {"light_deps": "yes", "py3_parses": "yes", "net_hint": "no", "reads_files": "no"}
KERNEL_NAME_FOR_PYTHON = "nb2prod-truth"
NAME_ERROR_PATTERN = re.compile(r"name '(?P<name>[^']+)' is not defined")
BUILTIN_NAMES = frozenset(dir(builtins)) | {"get_ipython", "display", "In", "Out", "exit", "quit"}
SOURCE_EXCERPT_CHARS = 400


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Options:
    """How to run: timeouts are seconds; ``kernel_name`` is a Jupyter kernelspec name."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 180.0
    kernel_name: str = "python3"


@dataclass(frozen=True)
class Task:
    """One fresh-kernel run of one notebook document (an original or a variant)."""

    label: str
    path: str
    notebook_json: str
    options: Options
    kind: str = "original"
    mutation: str = ""


@dataclass
class Outcome:
    """What the fresh run did and what lint said about the same document."""

    label: str
    path: str
    kind: str
    mutation: str
    status: str  # clean | error | timeout | dead | failed
    seconds: float
    error_cell: int | None = None
    error_name: str | None = None  # ename, e.g. NameError
    error_value: str = ""
    missing_name: str | None = None  # the name of a NameError
    findings: list[dict[str, Any]] = field(default_factory=list)
    lint_problem: str = ""

    @property
    def is_name_error(self) -> bool:
        return (
            self.status == "error"
            and self.error_name == "NameError"
            and self.missing_name is not None
        )


# --------------------------------------------------------------------------- corpus


def offline_notebooks(corpus: Path) -> list[Path]:
    """The corpus notebooks that can run offline, in MANIFEST order."""
    manifest = corpus / "MANIFEST.tsv"
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    chosen = []
    for row in rows:
        if all(row.get(column) == wanted for column, wanted in OFFLINE_FILTER.items()):
            chosen.append(corpus / row["corpus_file"])
    return chosen


# --------------------------------------------------------------------------- running


def _first_error(outputs: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    for output in outputs:
        if output.get("output_type") == "error":
            return output
    return None


def execute_fresh(notebook_json: str, options: Options) -> tuple[str, int | None, str | None, str]:
    """Run a notebook top to bottom in a fresh kernel, stopping at the first error.

    Returns (status, 1-based cell number of the error, ename, evalue). The run happens on a copy
    in a temporary folder, which is also the kernel's working directory.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.reads(notebook_json, as_version=4)
    with tempfile.TemporaryDirectory(prefix="nb2prod-truth-") as folder:
        (Path(folder) / "notebook.ipynb").write_text(notebook_json, encoding="utf-8")
        client = NotebookClient(
            notebook,
            timeout=int(options.cell_timeout),
            kernel_name=options.kernel_name,
            allow_errors=True,
            record_timing=False,
            shutdown_kernel="immediate",  # the kernel is thrown away: no need to wait for a clean exit
            resources={"metadata": {"path": folder}},
        )
        deadline = time.monotonic() + options.notebook_timeout
        try:
            # The kernel's own start-up warnings would drown the progress lines.
            with client.setup_kernel(stderr=subprocess.DEVNULL):
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return "timeout", index + 1, None, "notebook time limit"
                    client.timeout = max(1, int(min(options.cell_timeout, remaining)))
                    client.execute_cell(cell, index)
                    error = _first_error(cell.outputs)
                    if error is not None:
                        return (
                            "error",
                            index + 1,
                            str(error.get("ename", "")),
                            str(error.get("evalue", "")),
                        )
        except CellTimeoutError:
            return "timeout", None, None, "cell time limit"
        except DeadKernelError as problem:
            return "dead", None, None, str(problem)[:200]
    return "clean", None, None, ""


def lint_findings(notebook_json: str) -> list[dict[str, Any]]:
    """The NB2 findings for a notebook document, as plain dicts (code, cell, name, message)."""
    from nb2prod.config import Settings
    from nb2prod.lint import lint_notebook, rules_for
    from nb2prod.notebook import from_dict

    settings = Settings()
    notebook = from_dict(json.loads(notebook_json))
    findings = []
    for diagnostic in lint_notebook(notebook, settings, rules_for(settings, ["NB2"])):
        quoted = re.search(r"`([^`]+)`", diagnostic.message)
        findings.append(
            {
                "code": diagnostic.code,
                "cell": diagnostic.span.cell if diagnostic.span is not None else None,
                "name": quoted.group(1) if quoted else None,
                "message": diagnostic.message,
            }
        )
    return findings


def run_task(task: Task) -> Outcome:
    """Execute one document fresh and lint it (this runs inside a pool worker)."""
    started = time.monotonic()
    try:
        status, cell, ename, evalue = execute_fresh(task.notebook_json, task.options)
    except Exception as problem:
        status, cell, ename, evalue = (
            "failed",
            None,
            None,
            f"{type(problem).__name__}: {str(problem)[:200]}",
        )
    outcome = Outcome(
        task.label,
        task.path,
        task.kind,
        task.mutation,
        status,
        time.monotonic() - started,
        cell,
        ename,
        evalue,
    )
    if ename == "NameError":
        match = NAME_ERROR_PATTERN.search(evalue)
        outcome.missing_name = match.group("name") if match else None
    try:
        outcome.findings = lint_findings(task.notebook_json)
    except Exception as problem:
        outcome.lint_problem = f"{type(problem).__name__}: {str(problem)[:200]}"
    return outcome


def prediction(outcome: Outcome) -> dict[str, Any] | None:
    """The NB2 finding that predicted this run's NameError (that name, at its cell or above)."""
    assert outcome.error_cell is not None
    for finding in outcome.findings:
        if (
            finding["code"] in PREDICTING_CODES
            and finding["name"] == outcome.missing_name
            and finding["cell"] is not None
            and finding["cell"] <= outcome.error_cell
        ):
            return finding
    return None


def accusations(outcome: Outcome) -> list[dict[str, Any]]:
    return [finding for finding in outcome.findings if finding["code"] in ACCUSING_CODES]


# --------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class CellNames:
    """Names a cell binds at module level and names it reads without binding them first."""

    defines: frozenset[str]
    reads: frozenset[str]


class _ModuleScope(ast.NodeVisitor):
    """Collect module-level bindings; reads anywhere (function bodies included: they run later)."""

    def __init__(self) -> None:
        self.defines: set[str] = set()
        self.loads: set[str] = set()
        self.depth = 0

    def _bind(self, name: str) -> None:
        if self.depth == 0:
            self.defines.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.loads.add(node.id)
        else:
            self._bind(node.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self._bind(alias.asname or alias.name)

    def _scope(self, node: ast.AST, name: str | None) -> None:
        if name is not None:
            self._bind(name)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scope(node, node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._scope(node, node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._scope(node, None)


def _parse(source: str) -> ast.Module | None:
    from nb2prod.magics import mask

    masked = mask(source)
    if not masked.is_python:
        return None
    try:
        return ast.parse(masked.text)
    except (SyntaxError, ValueError):
        return None


def cell_names(source: str) -> CellNames:
    tree = _parse(source)
    if tree is None:
        return CellNames(frozenset(), frozenset())
    scope = _ModuleScope()
    scope.visit(tree)
    return CellNames(
        frozenset(scope.defines), frozenset(scope.loads - scope.defines - BUILTIN_NAMES)
    )


@dataclass(frozen=True)
class Candidate:
    """``name`` is bound by cell index ``definer`` and read by the later cell index ``reader``."""

    name: str
    definer: int
    reader: int


def candidates(cells: Sequence[dict[str, Any]]) -> list[Candidate]:
    """(name, definer, first reader) where the definer is the only cell binding it before the reader."""
    names = [
        cell_names(str(cell["source"])) if cell["cell_type"] == "code" else None for cell in cells
    ]
    found = []
    for definer, facts in enumerate(names):
        if facts is None:
            continue
        for name in sorted(facts.defines - BUILTIN_NAMES):
            others_before = False
            for reader in range(definer + 1, len(cells)):
                later = names[reader]
                if later is None:
                    continue
                if name in later.reads:
                    if not others_before and not any(
                        other is not None and name in other.defines for other in names[:definer]
                    ):
                        found.append(Candidate(name, definer, reader))
                    break
                if name in later.defines:
                    others_before = True
                    break
    return found


def _locally_bound(node: ast.AST, name: str) -> bool:
    """True when ``name`` is a parameter or local of this function/lambda/comprehension."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [
            argument for argument in (arguments.vararg, arguments.kwarg) if argument is not None
        ]
        if any(argument.arg == name for argument in every):
            return True
        body = node.body if isinstance(node.body, list) else [node.body]
        declared_global = any(
            isinstance(inner, (ast.Global, ast.Nonlocal)) and name in inner.names
            for statement in body
            for inner in ast.walk(statement)
        )
        stored = any(
            isinstance(inner, ast.Name) and inner.id == name and not isinstance(inner.ctx, ast.Load)
            for statement in body
            for inner in ast.walk(statement)
        )
        return stored and not declared_global
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return any(
            isinstance(inner, ast.Name) and inner.id == name
            for generator in node.generators
            for inner in ast.walk(generator.target)
        )
    return False


def _rename_edits(
    tree: ast.Module, lines: list[bytes], name: str, new: str
) -> list[tuple[int, int, int, bytes]]:
    """(0-based line, start byte, end byte, replacement) for every occurrence meaning the global ``name``."""
    edits: list[tuple[int, int, int, bytes]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name) and node.id == name:
            edits.append(
                (
                    node.lineno - 1,
                    node.col_offset,
                    node.end_col_offset or node.col_offset,
                    new.encode(),
                )
            )
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == name
        ):
            line = lines[node.lineno - 1]
            match = re.search(
                rb"\b(?:def|class)\s+(" + re.escape(name.encode()) + rb")\b",
                line[node.col_offset :],
            )
            if match:
                start = node.col_offset + match.start(1)
                edits.append((node.lineno - 1, start, start + len(name.encode()), new.encode()))
        elif (
            isinstance(node, ast.alias)
            and (node.asname or node.name) == name
            and node.lineno is not None
        ):
            start, end = node.col_offset, node.end_col_offset or node.col_offset
            if node.asname:
                edits.append((node.lineno - 1, end - len(name.encode()), end, new.encode()))
            else:
                edits.append((node.lineno - 1, start, end, f"{name} as {new}".encode()))
        if _locally_bound(node, name):
            # The decorators and defaults of a function still run in the enclosing scope.
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for outer in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                    if outer is not None:
                        visit(outer)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return edits


def rename_in_source(source: str, name: str, new: str) -> str | None:
    """``source`` with the global ``name`` renamed to ``new`` everywhere it means that global."""
    tree = _parse(source)
    if tree is None:
        return None
    lines = [line.encode() for line in source.split("\n")]
    edits = _rename_edits(tree, lines, name, new)
    if not edits:
        return None
    for line, start, end, replacement in sorted(set(edits), reverse=True):
        lines[line] = lines[line][:start] + replacement + lines[line][end:]
    return "\n".join(line.decode() for line in lines)


@dataclass(frozen=True)
class Variant:
    kind: str
    description: str
    document: dict[str, Any]


def _fresh_name(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    new = f"{name}_renamed"
    while new in used:
        new += "_"
    return new


def _all_words(cells: Sequence[dict[str, Any]]) -> set[str]:
    words: set[str] = set()
    for cell in cells:
        try:
            for token in tokenize.generate_tokens(io.StringIO(str(cell["source"])).readline):
                if token.type == tokenize.NAME:
                    words.add(token.string)
        except (tokenize.TokenError, SyntaxError, IndentationError):
            words.update(re.findall(r"\w+", str(cell["source"])))
    return words


def make_variants(document: dict[str, Any], rng: random.Random, per_kind: int) -> list[Variant]:
    """Up to ``per_kind`` variants of each kind; saved counts and outputs are kept untouched."""
    cells: list[dict[str, Any]] = document["cells"]
    found = candidates(cells)
    variants: list[Variant] = []

    def with_cells(new_cells: list[dict[str, Any]]) -> dict[str, Any]:
        variant = copy.deepcopy({key: value for key, value in document.items() if key != "cells"})
        variant["cells"] = copy.deepcopy(new_cells)
        return variant

    by_definer = {candidate.definer: candidate for candidate in rng.sample(found, len(found))}
    for candidate in list(by_definer.values())[:per_kind]:
        kept = [cell for index, cell in enumerate(cells) if index != candidate.definer]
        variants.append(
            Variant(
                "delete",
                f"deleted cell {candidate.definer + 1}, which defines `{candidate.name}` read by cell {candidate.reader + 1}",
                with_cells(kept),
            )
        )
    moves = {
        (candidate.reader, candidate.definer): candidate
        for candidate in rng.sample(found, len(found))
    }
    for candidate in list(moves.values())[:per_kind]:
        order = list(range(len(cells)))
        order.remove(candidate.reader)
        order.insert(candidate.definer, candidate.reader)
        variants.append(
            Variant(
                "move",
                f"moved cell {candidate.reader + 1} (reads `{candidate.name}`) above cell {candidate.definer + 1}, which defines it",
                with_cells([cells[index] for index in order]),
            )
        )
    words = _all_words(cells)
    renamed = 0
    for candidate in rng.sample(found, len(found)):
        if renamed >= per_kind:
            break
        new = _fresh_name(candidate.name, words)
        source = rename_in_source(str(cells[candidate.definer]["source"]), candidate.name, new)
        if source is None:
            continue
        new_cells = copy.deepcopy(cells)
        new_cells[candidate.definer]["source"] = source
        variants.append(
            Variant(
                "rename",
                f"renamed `{candidate.name}` to `{new}` in cell {candidate.definer + 1}; cell {candidate.reader + 1} still reads it",
                with_cells(new_cells),
            )
        )
        renamed += 1
    return variants


# --------------------------------------------------------------------------- study


@dataclass
class Study:
    """All outcomes of one measurement, originals and variants."""

    originals: list[Outcome] = field(default_factory=list)
    variants: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _seed_for(seed: int, path: str) -> random.Random:
    return random.Random(f"{seed}:{path}")


def _read_document(path: Path) -> tuple[dict[str, Any], str]:
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    text = nbformat.writes(notebook)
    document: dict[str, Any] = json.loads(text)
    for cell in document["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return document, text


def _cell_source(document: dict[str, Any], cell: int | None) -> str:
    if cell is None or not 1 <= cell <= len(document["cells"]):
        return ""
    return str(document["cells"][cell - 1]["source"])[:SOURCE_EXCERPT_CHARS]


def run_study(
    paths: Sequence[Path],
    options: Options,
    *,
    jobs: int = 2,
    variants_per_kind: int = 3,
    seed: int = 0,
    time_budget: float | None = None,
    progress: bool = False,
) -> tuple[Study, dict[str, dict[str, Any]]]:
    """Run every original, then the variants of those that ran clean; returns outcomes and documents."""
    started = time.monotonic()
    study = Study()
    documents: dict[str, dict[str, Any]] = {}
    tasks: list[Task] = []
    for path in paths:
        try:
            document, text = _read_document(path)
        except Exception as problem:
            study.skipped.append(f"{path}: {type(problem).__name__}: {problem}")
            continue
        documents[str(path)] = document
        tasks.append(Task(str(path), str(path), text, options))

    def follow_ups(outcome: Outcome) -> list[Task]:
        if outcome.kind != "original" or outcome.status != "clean" or variants_per_kind <= 0:
            return []
        document = documents[outcome.path]
        made = []
        for number, variant in enumerate(
            make_variants(document, _seed_for(seed, outcome.path), variants_per_kind)
        ):
            label = f"{outcome.path}#{variant.kind}{number}"
            documents[label] = variant.document
            made.append(
                Task(
                    label,
                    outcome.path,
                    json.dumps(variant.document),
                    options,
                    variant.kind,
                    variant.description,
                )
            )
        return made

    def record(outcome: Outcome) -> None:
        (study.originals if outcome.kind == "original" else study.variants).append(outcome)
        if progress:
            what = (
                outcome.status
                if outcome.status != "error"
                else f"{outcome.error_name} in cell {outcome.error_cell}"
            )
            print(
                f"[{time.monotonic() - started:6.0f}s] {outcome.label}: {what} ({outcome.seconds:.1f}s)",
                file=sys.stderr,
                flush=True,
            )

    def over_budget() -> bool:
        return time_budget is not None and time.monotonic() - started > time_budget

    if jobs <= 1:
        queue = list(tasks)
        while queue:
            task = queue.pop(0)
            if over_budget():
                study.skipped.append(f"{task.label}: time budget spent")
                continue
            outcome = run_task(task)
            record(outcome)
            queue.extend(follow_ups(outcome))
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            pending: dict[Future[Outcome], Task] = {}
            waiting = list(tasks)

            def top_up() -> None:
                # Keep only a few tasks queued so that variants of finished notebooks start early.
                while waiting and len(pending) < jobs * 2:
                    task = waiting.pop(0)
                    if over_budget():
                        study.skipped.append(f"{task.label}: time budget spent")
                        continue
                    pending[pool.submit(run_task, task)] = task

            top_up()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as problem:
                        outcome = Outcome(
                            task.label,
                            task.path,
                            task.kind,
                            task.mutation,
                            "failed",
                            0.0,
                            error_value=str(problem)[:200],
                        )
                    record(outcome)
                    waiting[:0] = follow_ups(outcome)
                top_up()
    study.seconds = time.monotonic() - started
    return study, documents


def relint(previous: dict[str, Any]) -> tuple[Study, dict[str, dict[str, Any]]]:
    """Re-score the recorded runs of an earlier summary with the current lint, without running anything.

    The variants are rebuilt from the same seed; a variant whose description changed (the corpus
    or the variant maker changed) is reported as skipped rather than scored against the wrong run.
    """
    started = time.monotonic()
    settings = previous["options"]
    study = Study()
    documents: dict[str, dict[str, Any]] = {}
    descriptions: dict[str, str] = {}
    for run in previous["runs"]:
        if run["kind"] != "original":
            continue
        document, _ = _read_document(Path(run["path"]))
        documents[run["label"]] = document
        if run["status"] == "clean":
            rng = _seed_for(settings["seed"], run["path"])
            for number, variant in enumerate(
                make_variants(document, rng, settings["variants_per_kind"])
            ):
                label = f"{run['path']}#{variant.kind}{number}"
                documents[label] = variant.document
                descriptions[label] = variant.description
    for run in previous["runs"]:
        label = run["label"]
        if label not in documents or (
            run["kind"] != "original" and descriptions.get(label) != run["mutation"]
        ):
            study.skipped.append(f"{label}: cannot rebuild the document that ran")
            continue
        outcome = Outcome(**run)
        try:
            outcome.findings = lint_findings(json.dumps(documents[label]))
        except Exception as problem:
            outcome.lint_problem = f"{type(problem).__name__}: {str(problem)[:200]}"
        (study.originals if outcome.kind == "original" else study.variants).append(outcome)
    study.seconds = time.monotonic() - started
    return study, documents


# --------------------------------------------------------------------------- summary


def _binding_cells(document: dict[str, Any], name: str) -> list[int]:
    """Cell numbers whose module level binds ``name`` (the script's own ``ast`` walk)."""
    return [
        number
        for number, cell in enumerate(document["cells"], start=1)
        if cell["cell_type"] == "code" and name in cell_names(str(cell["source"])).defines
    ]


def _read_before_own_binding(source: str, name: str) -> bool:
    """True when the cell's module level reads ``name`` on a line before it first binds it."""
    tree = _parse(source)
    if tree is None:
        return False
    reads = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    stores = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load)
    ]
    return bool(reads and stores and min(reads) <= min(stores))


def _read_only_in_functions(source: str, name: str) -> bool:
    """True when every read of ``name`` in the cell sits inside a function or lambda body."""
    tree = _parse(source)
    if tree is None:
        return False
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(inner) for inner in ast.walk(node))
    reads = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    return bool(reads) and all(id(node) in inside for node in reads)


def _explain_miss(outcome: Outcome, document: dict[str, Any]) -> str:
    """A first-guess reason for a miss: where the name is bound, and what lint did say about it."""
    if outcome.lint_problem:
        return f"lint failed: {outcome.lint_problem}"
    name = str(outcome.missing_name)
    cell = outcome.error_cell or 0
    binders = _binding_cells(document, name)
    source = _cell_source(document, cell)
    if (
        cell in binders
        and not [number for number in binders if number < cell]
        and _read_before_own_binding(source, name)
    ):
        why = f"cell {cell} reads `{name}` before binding it itself (like `x = f(x)`) and no cell above binds it"
    elif not binders:
        why = f"no cell binds `{name}` at module level"
    elif all(number > cell for number in binders):
        why = f"only cells below ({', '.join(map(str, binders[:4]))}) bind `{name}`"
    else:
        above = [number for number in binders if number < cell]
        why = f"cell(s) {', '.join(map(str, above[:4]))} above bind `{name}` only conditionally or in a way the run skipped"
    about = [finding for finding in outcome.findings if finding["name"] == name]
    if about:
        said = ", ".join(f"{finding['code']} at cell {finding['cell']}" for finding in about[:4])
        return f"{why}; lint mentions `{name}` only as {said}"
    return f"{why}; no NB2 finding mentions `{name}`"


def _explain_alarm(finding: dict[str, Any], document: dict[str, Any]) -> str:
    """A first-guess reason why a clean run contradicts an NB201/NB206 finding."""
    name = str(finding["name"])
    source = str(document["cells"][finding["cell"] - 1]["source"]) if finding["cell"] else ""
    if _read_only_in_functions(source, name):
        return (
            f"`{name}` is read only inside a function body in cell {finding['cell']}; the run never called it "
            "(a latent NameError, but not one a fresh run shows)"
        )
    return f"`{name}` is read at module level and the run succeeded: something binds it that lint does not see"


def _pattern(explanation: str) -> str:
    """An explanation with names and cell numbers blanked, to count misses by kind."""
    first = explanation.split(";")[0]
    return re.sub(r"\d+", "N", re.sub(r"`[^`]*`", "`NAME`", first))


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def summarise(
    study: Study, documents: dict[str, dict[str, Any]], corpus: Path | None = None
) -> dict[str, Any]:
    """The JSON summary: counts, rates, and every miss and false alarm with its cell source."""

    def shown(path: str) -> str:
        if corpus is not None:
            try:
                return str(Path(path).relative_to(corpus))
            except ValueError:
                return path
        return path

    def miss_record(outcome: Outcome) -> dict[str, Any]:
        return {
            "path": shown(outcome.path),
            "variant": outcome.mutation or None,
            "kind": outcome.kind,
            "cell": outcome.error_cell,
            "name": outcome.missing_name,
            "explanation": _explain_miss(outcome, documents[outcome.label]),
            "cell_source": _cell_source(documents[outcome.label], outcome.error_cell),
            "nb2_findings": [
                f"{finding['code']} cell {finding['cell']}: {finding['message']}"
                for finding in outcome.findings
            ][:12],
        }

    statuses = Counter(outcome.status for outcome in study.originals)
    first_errors = Counter(
        outcome.error_name for outcome in study.originals if outcome.status == "error"
    )
    fresh = [outcome for outcome in study.originals if outcome.is_name_error]
    fresh_hits = [outcome for outcome in fresh if prediction(outcome) is not None]
    clean = [outcome for outcome in study.originals if outcome.status == "clean"]
    accused = [outcome for outcome in clean if accusations(outcome)]
    false_alarms = [
        {
            "path": shown(outcome.path),
            "code": finding["code"],
            "cell": finding["cell"],
            "name": finding["name"],
            "message": finding["message"],
            "explanation": _explain_alarm(finding, documents[outcome.label]),
            "cell_source": _cell_source(documents[outcome.label], finding["cell"]),
        }
        for outcome in accused
        for finding in accusations(outcome)
    ]
    # Findings in cells that did run before a notebook stopped on some other error are accusations too.
    prefix_alarms = [
        {
            "path": shown(outcome.path),
            "code": finding["code"],
            "cell": finding["cell"],
            "name": finding["name"],
            "message": finding["message"],
            "stopped_at": outcome.error_cell,
            "stopped_by": outcome.error_name,
        }
        for outcome in study.originals
        if outcome.status == "error"
        and not outcome.is_name_error
        and outcome.error_cell is not None
        for finding in accusations(outcome)
        if finding["cell"] is not None and finding["cell"] < outcome.error_cell
    ]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in MUTATION_KINDS:
        mine = [outcome for outcome in study.variants if outcome.kind == kind]
        name_errors = [outcome for outcome in mine if outcome.is_name_error]
        hits = [outcome for outcome in name_errors if prediction(outcome) is not None]
        by_kind[kind] = {
            "variants": len(mine),
            "name_errors": len(name_errors),
            "predicted": len(hits),
            "recall_percent": _percent(len(hits), len(name_errors)),
            "predicted_by": dict(
                Counter(str((prediction(outcome) or {}).get("code")) for outcome in hits)
            ),
            "ran_clean": sum(outcome.status == "clean" for outcome in mine),
            "other_errors": sum(
                outcome.status == "error" and not outcome.is_name_error for outcome in mine
            ),
            "timeouts_or_dead": sum(
                outcome.status in {"timeout", "dead", "failed"} for outcome in mine
            ),
        }
    variant_errors = [outcome for outcome in study.variants if outcome.is_name_error]
    variant_hits = [outcome for outcome in variant_errors if prediction(outcome) is not None]
    exact_cell = [
        outcome
        for outcome in variant_hits
        if (found := prediction(outcome)) is not None and found["cell"] == outcome.error_cell
    ]
    clean_variants = [outcome for outcome in study.variants if outcome.status == "clean"]
    variant_alarms = [
        {
            "path": shown(outcome.path),
            "variant": outcome.mutation,
            "code": finding["code"],
            "cell": finding["cell"],
            "name": finding["name"],
            "message": finding["message"],
        }
        for outcome in clean_variants
        for finding in accusations(outcome)
    ]
    every_miss = [
        miss_record(outcome) for outcome in [*fresh, *variant_errors] if prediction(outcome) is None
    ]
    patterns = Counter(_pattern(str(item["explanation"])) for item in [*every_miss, *false_alarms])
    code_counts: Counter[str] = Counter(
        finding["code"] for outcome in clean for finding in outcome.findings
    )
    return {
        "seconds": round(study.seconds, 1),
        "notebooks": len(study.originals),
        "skipped": study.skipped,
        "fresh_runs": {
            "status": dict(statuses),
            "first_error_types": dict(first_errors.most_common()),
            "name_errors": len(fresh),
            "predicted": len(fresh_hits),
            "recall_percent": _percent(len(fresh_hits), len(fresh)),
            "misses": [miss_record(outcome) for outcome in fresh if prediction(outcome) is None],
            "hits": [
                {
                    "path": shown(outcome.path),
                    "cell": outcome.error_cell,
                    "name": outcome.missing_name,
                    "by": prediction(outcome),
                }
                for outcome in fresh_hits
            ],
        },
        "false_alarms": {
            "clean_notebooks": len(clean),
            "accused_notebooks": len(accused),
            "rate_percent": _percent(len(accused), len(clean)),
            "items": false_alarms,
            "in_cells_that_ran_before_another_error": prefix_alarms,
            "nb2_findings_on_clean_notebooks": dict(code_counts.most_common()),
        },
        "mutations": {
            "variants": len(study.variants),
            "name_errors": len(variant_errors),
            "predicted": len(variant_hits),
            "predicted_at_the_error_cell": len(exact_cell),
            "recall_percent": _percent(len(variant_hits), len(variant_errors)),
            "by_kind": by_kind,
            "misses": [
                miss_record(outcome) for outcome in variant_errors if prediction(outcome) is None
            ],
            "accusations_on_variants_that_ran_clean": variant_alarms,
        },
        "patterns": dict(patterns.most_common()),
        "runs": [
            {
                key: value
                for key, value in asdict(outcome).items()
                if key not in {"findings", "lint_problem"}
            }
            for outcome in [*study.originals, *study.variants]
        ],
        "originals": [
            {
                key: value
                for key, value in asdict(outcome).items()
                if key not in {"findings", "label", "kind", "mutation"}
            }
            | {
                "path": shown(outcome.path),
                "nb2_codes": sorted({finding["code"] for finding in outcome.findings}),
            }
            for outcome in study.originals
        ],
    }


def _row(label: str, part: int, whole: int, target: str) -> str:
    rate = _percent(part, whole)
    shown = "n/a" if rate is None else f"{rate:5.1f} %"
    return f"{label:<44} {part:>5} / {whole:<5} {shown:>8}   {target}"


def table(summary: dict[str, Any]) -> str:
    """The human-readable result."""
    fresh = summary["fresh_runs"]
    alarms = summary["false_alarms"]
    mutations = summary["mutations"]
    lines = [
        f"hidden-state truth: {summary['notebooks']} notebooks, {mutations['variants']} variants, {summary['seconds']:.0f} s",
        "fresh runs: "
        + ", ".join(f"{status} {count}" for status, count in sorted(fresh["status"].items())),
        "first errors: "
        + (
            ", ".join(f"{name} {count}" for name, count in fresh["first_error_types"].items())
            or "none"
        ),
        "",
        f"{'measure':<44} {'part':>5} / {'whole':<5} {'rate':>8}   target",
        _row(
            "recall, real fresh-run NameErrors", fresh["predicted"], fresh["name_errors"], ">= 95 %"
        ),
        _row(
            "false alarms (clean notebooks accused)",
            alarms["accused_notebooks"],
            alarms["clean_notebooks"],
            "<= 2 %",
        ),
        _row(
            "recall, mutation NameErrors (all kinds)",
            mutations["predicted"],
            mutations["name_errors"],
            ">= 95 %",
        ),
    ]
    for kind, numbers in mutations["by_kind"].items():
        lines.append(
            _row(
                f"  {kind} ({numbers['variants']} variants)",
                numbers["predicted"],
                numbers["name_errors"],
                "",
            )
        )
    lines.append(
        _row(
            "  predicted at the very cell that failed",
            mutations["predicted_at_the_error_cell"],
            mutations["predicted"],
            "",
        )
    )
    lines.append(
        f"accusations on variants that ran clean: {len(mutations['accusations_on_variants_that_ran_clean'])}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def install_kernel(python: Path, folder: Path) -> str:
    """Write a kernelspec for ``python`` under ``folder`` and put it on JUPYTER_PATH."""
    spec = folder / "kernels" / KERNEL_NAME_FOR_PYTHON
    spec.mkdir(parents=True, exist_ok=True)
    kernel = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"nb2prod truth ({python})",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(folder), os.environ.get("JUPYTER_PATH")])
    )
    return KERNEL_NAME_FOR_PYTHON


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder holding MANIFEST.tsv (default: ../shared/corpus)",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="run these notebooks instead of the corpus selection",
    )
    parser.add_argument(
        "--max-notebooks", type=int, default=None, help="take only the first N selected notebooks"
    )
    parser.add_argument(
        "--variants",
        type=int,
        default=3,
        help="variants of each kind per clean notebook (0: no mutation study)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per cell (default 60)")
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        default=180.0,
        help="seconds per notebook run (default 180)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="stop starting new runs after this many seconds",
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=2, help="notebooks run in parallel (default 2)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for choosing variants (default 0)"
    )
    parser.add_argument("--kernel", default="python3", help="kernelspec name (default python3)")
    parser.add_argument(
        "--kernel-python",
        type=Path,
        default=None,
        help="run kernels with this Python (needs ipykernel there)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the JSON summary here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--relint",
        type=Path,
        default=None,
        help="re-score the runs recorded in this earlier --json summary with the current lint (runs nothing)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.relint is not None:
        previous = json.loads(arguments.relint.read_text(encoding="utf-8"))
        study, documents = relint(previous)
        summary = summarise(study, documents, Path(previous["options"]["corpus"]))
        summary["options"] = previous["options"] | {"relinted_from": str(arguments.relint)}
        return _finish(summary, arguments.json)
    paths = list(arguments.notebooks) or offline_notebooks(arguments.corpus)
    if arguments.max_notebooks is not None:
        paths = paths[: arguments.max_notebooks]
    with tempfile.TemporaryDirectory(prefix="nb2prod-truth-kernel-") as kernel_folder:
        kernel = arguments.kernel
        if arguments.kernel_python is not None:
            kernel = install_kernel(arguments.kernel_python, Path(kernel_folder))
        options = Options(arguments.timeout, arguments.notebook_timeout, kernel)
        study, documents = run_study(
            paths,
            options,
            jobs=arguments.jobs,
            variants_per_kind=arguments.variants,
            seed=arguments.seed,
            time_budget=arguments.time_budget,
            progress=not arguments.quiet,
        )
    summary = summarise(study, documents, None if arguments.notebooks else arguments.corpus)
    summary["options"] = {
        "corpus": str(arguments.corpus),
        "selection": OFFLINE_FILTER,
        "max_notebooks": arguments.max_notebooks,
        "variants_per_kind": arguments.variants,
        "cell_timeout": arguments.timeout,
        "notebook_timeout": arguments.notebook_timeout,
        "jobs": arguments.jobs,
        "seed": arguments.seed,
        "kernel": str(arguments.kernel_python or arguments.kernel),
    }
    return _finish(summary, arguments.json)


def _finish(summary: dict[str, Any], json_path: Path | None) -> int:
    print(table(summary))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"summary written to {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

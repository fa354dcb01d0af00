"""The lint engine: read notebooks, run the selected rules, apply suppressions, order the findings.

Lint never runs notebook code and never writes a file.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING, Protocol

from nb2prod import notebook as notebook_io
from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.errors import Nb2prodError, NotebookReadError
from nb2prod.fs import discover_notebooks
from nb2prod.notebook import Cell, CellKind, Notebook
from nb2prod.rules.base import LintContext, Rule
from nb2prod.rules.notebook_errors import NonPythonNotebook, UnreadableNotebook
from nb2prod.rules.registry import matches, select_rules
from nb2prod.suppress import apply_suppressions

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
    from multiprocessing.context import BaseContext

__all__ = [
    "LintResult",
    "LintRun",
    "WholeRunPass",
    "lint_notebook",
    "lint_path",
    "lint_paths",
    "no_cyclic_gc",
    "outline_of",
    "rules_for",
]

INTERNAL_ERROR_CODE = "NB000"


@dataclass(frozen=True)
class LintResult:
    """The findings for one file.

    ``outline`` is the notebook without its outputs, kept only until ``lint_paths`` ends: whole-run
    passes map their findings onto its cells, and a report may quote them (``LintRun.outlines``),
    without reading the file again.
    """

    path: str
    diagnostics: tuple[Diagnostic, ...]
    cell_count: int = 0
    outline: Notebook | None = field(default=None, repr=False, compare=False)
    # Why the file could not be read, kept when NB001 is not selected (the CLI warns, as ruff does).
    unreadable: str | None = None

    def __reduce__(self) -> tuple[Callable[..., LintResult], tuple[object, ...]]:
        # Worker processes send results back by pickle: the outline goes as plain values, which
        # pickle in C, not as cells, whose dataclass state takes Python code per field.
        outline = _outline_values(self.outline) if self.outline is not None else None
        return _unpickled_result, (
            self.path,
            self.diagnostics,
            self.cell_count,
            outline,
            self.unreadable,
        )


def _unpickled_result(
    path: str,
    diagnostics: tuple[Diagnostic, ...],
    cell_count: int,
    outline: _OutlineValues | None,
    unreadable: str | None,
) -> LintResult:
    notebook = _outline_from_values(outline) if outline is not None else None
    return LintResult(path, diagnostics, cell_count, notebook, unreadable)


class WholeRunPass(Protocol):
    """A pass over every file at once (ruff), in two steps.

    ``collect`` runs in a thread beside the per-file lint (it waits on a subprocess); ``finish``
    turns what it collected into findings by path, given the notebooks the per-file lint read
    (``None`` where a file could not be read).
    """

    def collect(
        self, files: list[Path], settings: Settings, texts: Mapping[Path, str] | None = None
    ) -> object: ...

    def finish(
        self, collected: object, notebooks: Mapping[str, Notebook | None], settings: Settings
    ) -> dict[str, list[Diagnostic]]: ...


@dataclass
class LintRun:
    """The findings for a whole invocation, in the order the files were given.

    ``outlines``: the notebooks read, by path, as :func:`outline_of` gives them, when the caller
    asked to keep them (a report that quotes the cells need not read the files again).
    """

    results: list[LintResult] = field(default_factory=list)
    outlines: dict[str, Notebook] = field(default_factory=dict)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [diagnostic for result in self.results for diagnostic in result.diagnostics]

    @property
    def paths(self) -> list[str]:
        return [result.path for result in self.results]


def rules_for(
    settings: Settings, select: Sequence[str] | None = None, ignore: Sequence[str] = ()
) -> list[type[Rule]]:
    """The NB rules selected by ``settings`` and the command line (flags win)."""
    chosen = list(select) if select else list(settings.select)
    return select_rules(chosen, [*settings.ignore, *ignore], settings.extend_select)


def _internal_error(
    path: str, rule: type[Rule] | None, error: BaseException, *, where: str = "lint"
) -> Diagnostic:
    where = f"rule {rule.code}" if rule else where
    return Diagnostic(
        path=path,
        code=INTERNAL_ERROR_CODE,
        name="internal-error",
        message=f"internal error in {where}: {type(error).__name__}: {str(error)[:200]} (please report it)",
        severity="error",
        span=None,
    )


def lint_notebook(
    notebook: Notebook, settings: Settings, rules: Sequence[type[Rule]]
) -> list[Diagnostic]:
    """Run ``rules`` over one notebook and return its findings, suppressions applied, sorted."""
    path = notebook.display_path
    if not notebook.is_python:
        if any(rule is NonPythonNotebook for rule in rules):
            return [
                NonPythonNotebook().diagnostic(
                    LintContext(notebook, settings),
                    None,
                    f"skipped: the kernel language is {notebook.language!r}, not Python",
                )
            ]
        return []
    context = LintContext(notebook, settings)
    has_counts = notebook.has_execution_counts
    found: list[Diagnostic] = []
    for rule in rules:
        if rule.needs_execution_counts and not has_counts:
            continue
        try:
            found.extend(rule().check(context))
        except Exception as error:  # one broken rule must not stop the run
            found.append(_internal_error(path, rule, error))
    ignored = settings.ignored_for(notebook.path) if notebook.path is not None else ()
    report_unused = any(rule.code == "NB004" for rule in rules)
    kept = apply_suppressions(notebook, found, ignored, report_unused=report_unused)
    if notebook.converted:  # an nbformat 3 file: nb2prod does not rewrite it, so offer no fix
        kept = [replace(d, fix=None) if d.fix is not None else d for d in kept]
    return sorted(kept, key=lambda diagnostic: diagnostic.sort_key)


def outline_of(notebook: Notebook) -> Notebook:
    """``notebook`` without outputs, metadata or markdown text: what mapping findings onto cells
    and honouring suppressions need, at a fraction of the size to send between processes."""
    return _outline_from_values(_outline_values(notebook))


# An outline as plain values: (path, converted, (kind, source, cell id, tags) per cell).
_OutlineValues = tuple[
    str | None, bool, tuple[tuple[CellKind, str, str | None, tuple[str, ...]], ...]
]


def _outline_values(notebook: Notebook) -> _OutlineValues:
    path = str(notebook.path) if notebook.path is not None else None
    cells = tuple(
        (cell.kind, cell.source if cell.is_code else "", cell.cell_id, cell.tags)
        for cell in notebook.cells
    )
    return path, notebook.converted, cells


def _outline_from_values(values: _OutlineValues) -> Notebook:
    path, converted, cell_values = values
    cells = tuple(
        Cell(index, kind, source, cell_id, tags=tags)
        for index, (kind, source, cell_id, tags) in enumerate(cell_values)
    )
    return Notebook(Path(path) if path is not None else None, cells, {}, converted=converted)


def lint_path(
    path: Path,
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    outline: bool = False,
    text: str | None = None,
) -> LintResult:
    """Lint one file; unreadable files become an NB001 finding, never an exception.

    With ``outline``, the result keeps :func:`outline_of` the notebook for whole-run passes.
    ``text``: the file's content as it would be, linted in place of what is on disk.
    """
    display = str(path)
    try:
        notebook = notebook_io.read(path) if text is None else notebook_io.reads(text, path)
    except NotebookReadError as error:
        if any(rule is UnreadableNotebook for rule in rules):
            diagnostic = UnreadableNotebook().diagnostic(
                LintContext(Notebook(path, (), {}), settings), None, error.message
            )
            return LintResult(display, (diagnostic,))
        return LintResult(display, (), unreadable=error.message)
    except Exception as error:  # a reader bug becomes NB000 for this file, never a crash
        return LintResult(display, (_internal_error(display, None, error),))
    try:
        diagnostics = lint_notebook(notebook, settings, rules)
    except Exception as error:  # as above, for the engine itself
        diagnostics = [_internal_error(display, None, error)]
    return LintResult(
        display,
        tuple(diagnostics),
        len(notebook.cells),
        outline_of(notebook) if outline else None,
    )


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection while linting a batch of files.

    Parsed cells stay cached (``parse_source``), so the heap fills with long-lived ``ast`` nodes
    that every collection re-scans: on a large folder that tripled the cost of parsing. Lint makes
    almost no reference cycles (trees and findings are acyclic), so reference counting frees what
    it drops; collection resumes when the batch ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lint_chunk(
    arguments: tuple[list[Path], Settings, list[type[Rule]], bool],
) -> list[LintResult]:
    paths, settings, rules, outline = arguments
    with no_cyclic_gc():
        return [lint_path(path, settings, rules, outline=outline) for path in paths]


def _worker_context() -> BaseContext | None:
    """fork on Linux: the workers start at once, with nb2prod already imported (Python 3.14 made
    forkserver the default there). Elsewhere the platform's default."""
    if not sys.platform.startswith("linux"):
        return None
    import multiprocessing

    return multiprocessing.get_context("fork")


def default_jobs() -> int:
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


def lint_paths(
    paths: Sequence[Path],
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    extra: Iterable[WholeRunPass] = (),
    texts: Mapping[Path, str] | None = None,
    keep_outlines: bool = False,
) -> LintRun:
    """Lint every notebook under ``paths``; results come back in discovery order.

    ``extra`` are whole-run passes (ruff, say) whose findings are merged in; each maps its own
    findings onto the notebooks the per-file lint read, and applies their suppressions.
    ``texts`` lints these files with this content instead of what is on disk (``--diff`` after
    a round of fixes); ``paths`` are then those files, not searched. ``keep_outlines`` keeps the
    notebooks' outlines in the run.
    """
    if texts is not None:
        files = list(texts)
        jobs = 1
    else:
        files = list(
            discover_notebooks(
                paths,
                exclude=[*settings.exclude, *settings.extend_exclude],
                respect_gitignore=settings.respect_gitignore,
                force_exclude=settings.force_exclude,
                root=settings.project_root,
            )
        )
    jobs = jobs or default_jobs()
    rule_list = list(rules)
    passes = list(extra)
    outline = bool(passes) or keep_outlines
    pool: ProcessPoolExecutor | None = None
    pooled_results: Iterator[list[LintResult]] | None = None
    if jobs > 1 and len(files) >= 8:
        # Small chunks: notebooks differ a hundredfold in size, and the last chunk sets the end.
        chunk_size = max(1, min(8, len(files) // (jobs * 4) or 1))
        chunks = [files[i : i + chunk_size] for i in range(0, len(files), chunk_size)]
        # The workers are forked here, at the first task, before any thread of ours starts: a
        # thread caught holding a lock at fork time (an import's, say) leaves it held forever in
        # the worker, which then hangs on its first import of that module.
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(
            max_workers=jobs, initializer=gc.disable, mp_context=_worker_context()
        )
        pooled_results = pool.map(
            _lint_chunk, [(chunk, settings, rule_list, outline) for chunk in chunks]
        )
    results: list[LintResult] = []
    extra_pool: ThreadPoolExecutor | None = None
    pool_exit: Thread | None = None
    try:
        # Whole-run passes (ruff) wait on a subprocess: started now, they overlap the per-file lint.
        from concurrent.futures import ThreadPoolExecutor

        extra_pool = ThreadPoolExecutor(max_workers=len(passes)) if passes else None
        collecting = (
            [extra_pool.submit(item.collect, files, settings, texts) for item in passes]
            if extra_pool is not None
            else []
        )
        if pool is None or pooled_results is None:
            with no_cyclic_gc():
                for index, path in enumerate(files, start=1):
                    text = texts.get(path) if texts is not None else None
                    results.append(lint_path(path, settings, rule_list, outline=outline, text=text))
                    if progress:
                        progress(index, len(files))
        else:
            try:
                for chunk_results in pooled_results:
                    results.extend(chunk_results)
                    if progress:
                        progress(len(results), len(files))
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
            # The workers take a while to exit (10-15 ms, freeing their memory): they do while the
            # whole-run passes finish, and lint_paths waits for them only at its end.
            pool_exit = Thread(target=pool.shutdown)
            pool_exit.start()
        notebooks = {result.path: result.outline for result in results}
        if outline:  # outlines are kept apart from the results from here on
            results = [replace(result, outline=None) for result in results]
        if passes:
            for item, future in zip(passes, collecting, strict=True):
                try:
                    merged = item.finish(future.result(), notebooks, settings)
                except Nb2prodError:
                    raise  # a usage error (an unknown rule code typed by the user) ends the run
                except Exception as error:  # a bug in a pass costs its findings, not the run
                    first = results[0].path if results else ""
                    where = getattr(item, "description", type(item).__name__)
                    merged = {first: [_internal_error(first, None, error, where=where)]}
                if merged:
                    results = [_merge(result, merged.get(result.path, [])) for result in results]
    finally:
        if pool_exit is not None:
            pool_exit.join()
        elif pool is not None:  # a pass failed to start: do not leave the workers behind
            pool.shutdown(cancel_futures=True)
        if extra_pool is not None:  # after an error or Ctrl-C, do not wait for ruff
            extra_pool.shutdown(wait=False, cancel_futures=True)
    if not keep_outlines:
        return LintRun(results)
    return LintRun(results, {path: nb for path, nb in notebooks.items() if nb is not None})


def _merge(result: LintResult, more: list[Diagnostic]) -> LintResult:
    if not more:
        return result
    return replace(
        result, diagnostics=tuple(sorted([*result.diagnostics, *more], key=lambda d: d.sort_key))
    )


def filter_codes(
    diagnostics: Iterable[Diagnostic], select: Sequence[str], ignore: Sequence[str]
) -> list[Diagnostic]:
    return [d for d in diagnostics if matches(d.code, select) and not matches(d.code, ignore)]

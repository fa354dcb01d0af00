"""The notebooks to pin and what each needs: paths discovered, notebooks read, imports collected.

The analysis itself (every import, in functions and ``try`` blocks too, and ``%pip install``
requirements) is :func:`nb2prod.analysis.imports.notebook_needs`; this module adds what a command
needs around it: folders searched, unreadable notebooks as errors, non-Python notebooks refused when
named and skipped (with a note) when found in a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nb2prod import notebook as notebook_io
from nb2prod.analysis.imports import NotebookNeeds, notebook_needs
from nb2prod.errors import NotebookReadError, UsageError
from nb2prod.fs import discover_notebooks
from nb2prod.notebook import Notebook

__all__ = ["LoadedNotebooks", "NotebookNeeds", "load_notebooks", "notebook_needs"]


@dataclass(frozen=True)
class LoadedNotebooks:
    notebooks: tuple[tuple[Notebook, NotebookNeeds], ...]
    notes: tuple[str, ...] = ()


def load_notebooks(
    paths: Sequence[Path],
    *,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    lenient: bool = False,
) -> LoadedNotebooks:
    """Read every notebook named by ``paths`` (folders searched); raise on the first bad one.

    ``lenient`` (for ``nb2prod check``, whose lint step reports bad files) skips unreadable and
    non-Python notebooks with a note instead.
    """
    named = {
        Path(path) for path in paths if not Path(path).is_dir() or Path(path).suffix == ".ipynb"
    }
    found: list[tuple[Notebook, NotebookNeeds]] = []
    notes: list[str] = []
    for path in discover_notebooks(paths, exclude=exclude, respect_gitignore=respect_gitignore):
        try:
            notebook = notebook_io.read(path)
        except NotebookReadError as error:
            if not lenient:
                raise
            notes.append(f"{error}: skipped")
            continue
        if not notebook.is_python:
            if path in named and not lenient:
                raise NotebookReadError(
                    f"the kernel language is {notebook.language!r}, not Python: cannot pin", path
                )
            notes.append(
                f"{path}: skipped: the kernel language is {notebook.language!r}, not Python"
            )
            continue
        found.append((notebook, notebook_needs(notebook)))
    if not found and not lenient:
        where = ", ".join(str(path) for path in paths)
        raise UsageError(f"no Python notebooks found in {where}")
    return LoadedNotebooks(tuple(found), tuple(notes))

"""ruff merged into lint: one ruff process per invocation, its JSON mapped to cells, same-fact findings merged.

ruff reads notebooks itself; its JSON gives, for ``.ipynb`` files, ``cell`` (1-based over *all*
cells, as nb2prod counts them; checked against ruff 0.17) and ``row``/``column`` within that cell.
The project's own ruff configuration is honoured (ruff discovers it); without one, an explicit
default selection is passed so that results do not change with ruff's defaults.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from nb2prod import notebook as notebook_io
from nb2prod.config import Settings
from nb2prod.diagnostics import CellSpan, Diagnostic, Fix, ReplaceText
from nb2prod.errors import NotebookReadError, UsageError
from nb2prod.notebook import Cell, Notebook
from nb2prod.suppress import SAME_FACT

__all__ = [
    "DEFAULT_RUFF_SELECT",
    "RUFF_FAILED_CODE",
    "RuffInvocation",
    "RuffPass",
    "find_ruff",
    "has_ruff_config",
    "map_ruff_findings",
    "ruff_invocation",
    "ruff_pass_for",
    "run_ruff",
]

# pyflakes, and the pycodestyle errors ruff enables by default: what a project without config gets.
DEFAULT_RUFF_SELECT: tuple[str, ...] = ("F", "E4", "E7", "E9")
RUFF_FAILED_CODE = "NB005"
_RUFF_FAILED_NAME = "ruff-failed"
# ruff's NumPy 2 table is merged into removed-api (NB310) when that rule is selected.
NUMPY2_CODE = "NPY201"
REMOVED_API_CODE = "NB310"
# ruff findings that are certain failures at run time; the rest are warnings.
_ERROR_CODES = ("F821", "F822", "F823", "E9", "F63", "F7")
_SYNTAX_ERROR_NAMES = frozenset({"invalid-syntax", "syntax-error"})
_RUFF_CONFIG_FILES = ("ruff.toml", ".ruff.toml")
_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class RuffInvocation:
    """What to ask ruff for: selection flags, and which nb2prod rules take over which findings.

    ``arguments`` serve every file when the selection is explicit; otherwise they serve the files
    ruff finds a project configuration for, and ``unconfigured_arguments`` (ruff's default
    selection, spelled out) the others, as ``ruff check`` itself would treat each file.
    """

    arguments: tuple[str, ...]
    replaced_codes: frozenset[str]
    merge_numpy2: bool
    unconfigured_arguments: tuple[str, ...] | None = None


def find_ruff() -> str | None:
    """The ruff binary from the ``ruff`` package, else one on ``PATH``."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        pass
    import shutil

    return shutil.which("ruff")


def has_ruff_config(start: Path) -> bool:
    """True when ruff would find a project configuration at or above ``start``."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    return _configured_folder(folder)


@lru_cache(maxsize=4096)
def _configured_folder(folder: Path) -> bool:
    candidates = (folder / name for name in (*_RUFF_CONFIG_FILES, "pyproject.toml"))
    if any(path.is_file() and is_ruff_config_file(path) for path in candidates):
        return True
    return folder.parent != folder and _configured_folder(folder.parent)


def is_ruff_config_file(path: Path) -> bool:
    """A file ruff can take with ``--config``: ruff.toml, or a pyproject.toml with [tool.ruff]."""
    if path.name in _RUFF_CONFIG_FILES:
        return True
    try:
        return path.name == "pyproject.toml" and "[tool.ruff" in path.read_text(
            encoding="utf-8", errors="replace"
        )
    except OSError:
        return False


def _non_nb(codes: Iterable[str]) -> list[str]:
    return [code for code in codes if code and not code.upper().startswith("NB")]


def _selected_nb_codes(
    settings: Settings, select: Sequence[str] | None, ignore: Sequence[str]
) -> set[str]:
    from nb2prod.errors import Nb2prodError
    from nb2prod.rules.registry import select_rules

    chosen = list(select) if select else list(settings.select)
    try:
        rules = select_rules(chosen, [*settings.ignore, *ignore], settings.extend_select)
    except Nb2prodError:  # the NB selection was validated already; be lenient here
        return set()
    return {rule.code for rule in rules}


def ruff_invocation(
    settings: Settings,
    select: Sequence[str] | None,
    ignore: Sequence[str],
    *,
    isolated: bool = False,
    config: Path | None = None,
) -> RuffInvocation | None:
    """The ruff arguments for this run, or ``None`` when no ruff rule is selected.

    ``isolated``: ignore every ruff configuration; ``config``: the one to use instead of the
    ones ruff would find (``--config``).
    """
    nb_codes = _selected_nb_codes(settings, select, ignore)
    # NB codes in noqa comments are nb2prod's: ruff must neither report nor remove them (RUF100).
    arguments: list[str] = ["--config", 'lint.external = ["NB"]']
    if isolated:
        arguments.append("--isolated")
    elif config is not None:
        arguments += ["--config", str(config)]
    explicit = _non_nb(select) if select else _non_nb(settings.select)
    if select and not explicit:
        return None
    if explicit:
        arguments += ["--select", ",".join(explicit)]
    extend = _non_nb(settings.extend_select)
    merge_numpy2 = REMOVED_API_CODE in nb_codes
    if merge_numpy2:
        extend.append(NUMPY2_CODE)
    if extend:
        arguments += ["--extend-select", ",".join(extend)]
    ruff_ignore = _non_nb([*settings.ignore, *ignore])
    if ruff_ignore:
        arguments += ["--ignore", ",".join(ruff_ignore)]
    unconfigured: tuple[str, ...] | None = None
    if not explicit:
        # Without a configuration ruff selects these itself; spelled out, they do not change
        # with ruff's version or a user-level configuration.
        default = ["--select", ",".join(DEFAULT_RUFF_SELECT)]
        if isolated:
            arguments += default
        elif config is None:
            unconfigured = (*arguments, "--isolated", *default)
    replaced = frozenset(
        code for code, owners in SAME_FACT.items() if all(owner in nb_codes for owner in owners)
    )
    return RuffInvocation(tuple(arguments), replaced, merge_numpy2, unconfigured)


def split_by_configuration(files: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(files ruff finds a project configuration for, the others). Like ruff, a file outside
    every project takes the configuration found from the working folder."""
    _configured_folder.cache_clear()  # a long-lived server must see configurations added later
    if has_ruff_config(Path.cwd()):
        return list(files), []
    configured: list[Path] = []
    unconfigured: list[Path] = []
    by_folder: dict[Path, bool] = {}  # resolving a path costs a system call per part of it
    for path in files:
        # A plain file (not a link, not a folder) has its folder's configuration.
        where = path.parent if _is_plain_file(path) else path
        if where not in by_folder:
            by_folder[where] = has_ruff_config(where)
        (configured if by_folder[where] else unconfigured).append(path)
    return configured, unconfigured


def _is_plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _real_path(path: str, real_folders: dict[str, str]) -> str:
    """``os.path.realpath(path)``, resolving each folder once (``real_folders`` keeps them): a
    run holds hundreds of files in a few folders, and realpath checks every part of a path."""
    folder, name = os.path.split(path)
    if name in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    if folder not in real_folders:
        real_folders[folder] = os.path.realpath(folder)
    return os.path.join(real_folders[folder], name)


def _failure(files: Sequence[Path], message: str) -> dict[str, list[Diagnostic]]:
    path = str(files[0])
    diagnostic = Diagnostic(
        path=path,
        code=RUFF_FAILED_CODE,
        name=_RUFF_FAILED_NAME,
        message=f"ruff could not run, so its Python rules were skipped: {message} (use --no-ruff to skip ruff)",
        severity="warning",
        span=None,
    )
    return {path: [diagnostic]}


def run_ruff(
    files: Sequence[Path], arguments: Sequence[str], *, stdin: str | None = None
) -> tuple[list[dict[str, Any]] | None, str]:
    """Run ruff once over ``files``; (findings, "") or (None, why it failed).

    With ``stdin``, ruff checks that text as if it were the one file named.
    """
    binary = find_ruff()
    if binary is None:
        return None, "the `ruff` package is not installed"
    if stdin is None:
        targets = ["--", *(str(path) for path in files)]
    else:
        targets = ["--stdin-filename", str(files[0]), "-"]
    command = [
        binary,
        "check",
        "--output-format",
        "json",
        "--no-cache",
        "--exit-zero",
        "--force-exclude",
        *arguments,
        *targets,
    ]
    environment = {**os.environ, "NO_COLOR": "1"}
    try:
        completed = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            env=environment,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"{type(error).__name__}: {error}"
    if completed.returncode not in (0, 1):
        return None, _failure_reason(completed.stderr) or f"exit status {completed.returncode}"
    try:
        findings = json.loads(completed.stdout or "[]")
    except json.JSONDecodeError:
        return None, "ruff printed output that is not JSON"
    if not isinstance(findings, list):
        return None, "ruff printed JSON that is not a list of findings"
    return findings, ""


_SNIPPET_LINE = re.compile(r"^(?:\d+\s*)?\|")


def _failure_reason(stderr: str) -> str:
    """ruff's causes in one line, and the message under a source snippet (`unknown field ...`),
    without the snippet itself."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line for line in lines if line != "ruff failed" and not _SNIPPET_LINE.match(line)]
    return ": ".join(line.removeprefix("Cause:").strip() for line in lines)[:400]


def _position(location: object) -> tuple[int, int]:
    if isinstance(location, Mapping):
        row, column = location.get("row"), location.get("column")
        if isinstance(row, int) and isinstance(column, int):
            return row, column
    return 1, 1


# An edit that adds or rewrites an import: ruff puts it where the notebook's imports are, and its
# JSON does not say in which cell.
_IMPORT_EDIT = re.compile(r"(?:^|[\n;])[ \t]*(?:import|from)[ \t]+[\w.]")


def _ruff_fix(
    raw: object, cell: Cell, finding: tuple[int, int, int, int], cells: _CellTexts
) -> Fix | None:
    """ruff's fix as nb2prod edits, when every edit is known to lie in the finding's cell.

    ruff's JSON gives each edit's row within *a* cell, not which cell: a rename edits every cell
    that uses the name, an added import goes wherever the notebook's imports are. So a fix is
    taken only when every edit fits the finding's cell (no column past a line's end), each edit
    overlaps the finding's own range or lies inside the cell's top-level statement that holds the
    finding and adds no import, no two edits overlap (they would come from different cells), and
    it is not a rename (the same new text at several places, not all on the finding). The rest
    are left to ``ruff check --fix``.
    """
    if not isinstance(raw, Mapping):
        return None
    applicability = raw.get("applicability")
    if applicability not in ("safe", "unsafe", "display-only"):
        return None
    lines = cells.lines(cell)
    edits: list[ReplaceText] = []
    for edit in raw.get("edits") or ():
        if not isinstance(edit, Mapping):
            return None
        line, column = _position(edit.get("location"))
        end_line, end_column = _position(edit.get("end_location"))
        if not (_fits(lines, line, column) and _fits(lines, end_line, end_column)):
            return None
        content = str(edit.get("content") or "")
        edits.append(ReplaceText(cell.number, line, column, end_line, end_column, content))
    if not edits:
        return None
    ranges = [_range_of(edit) for edit in edits]
    if any(_overlap(first, second) for i, first in enumerate(ranges) for second in ranges[i + 1 :]):
        return None
    elsewhere = [edit for edit in edits if not _on(_range_of(edit), finding)]
    if elsewhere:
        contents = [edit.content for edit in edits if edit.content]
        if len(contents) != len(set(contents)):
            return None  # a rename: its other occurrences may be in any cell
        if any(_IMPORT_EDIT.search(edit.content) for edit in elsewhere):
            return None
        statement = _statement_range(lines, cell.source, finding)
        if statement is None or not all(
            _within(_range_of(edit), statement)
            and _at_token_edge(lines, edit.line, edit.column)
            and _at_token_edge(lines, edit.end_line, edit.end_column)
            for edit in elsewhere
        ):
            return None
    title = str(raw.get("message") or "Apply ruff's fix")
    return Fix(title, applicability, tuple(edits))  # type: ignore[arg-type]


# Lines as ``ast`` and ruff count them (``str.splitlines`` also breaks at form feeds and more).
_LINES = re.compile(r"\r\n|\r|\n")


def _at_token_edge(lines: list[str], line: int, column: int) -> bool:
    """Whether (line, column) does not cut a name or number in two: an edit meant for another
    cell rarely lands on token edges at both ends."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    before = text[column - 2] if 1 < column <= len(text) + 1 else " "
    after = text[column - 1] if 0 < column <= len(text) else " "
    return not ((before.isalnum() or before == "_") and (after.isalnum() or after == "_"))


def _fits(lines: list[str], line: int, column: int) -> bool:
    """Whether (line, column) is a position in a cell of ``lines``; one past the end is too."""
    if 0 < line <= len(lines):
        return 0 < column <= len(lines[line - 1]) + 1
    return line == len(lines) + 1 and column == 1


_Range = tuple[int, int, int, int]


def _range_of(edit: ReplaceText) -> _Range:
    return (edit.line, edit.column, edit.end_line, edit.end_column)


def _overlap(first: _Range, second: _Range) -> bool:
    if first == second:
        return True
    return (first[0], first[1]) < (second[2], second[3]) and (second[0], second[1]) < (
        first[2],
        first[3],
    )


def _within(inner: _Range, outer: _Range) -> bool:
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )


def _statement_range(lines: list[str], source: str, finding: _Range) -> _Range | None:
    """The range (1-based, character columns) of the cell's top-level statement that holds the
    finding's start; a whole-line deletion of its last line may end at the next line's start."""
    from nb2prod.analysis.parse import parse_source

    tree = parse_source(source).tree
    if tree is None:
        return None

    def column(line: int, byte_offset: int) -> int:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1

    for statement in tree.body:
        end_line = statement.end_lineno or statement.lineno
        start = (statement.lineno, column(statement.lineno, statement.col_offset))
        end = (end_line, column(end_line, statement.end_col_offset or 0))
        if start <= (finding[0], finding[1]) <= end:
            last_line = lines[end_line - 1] if end_line <= len(lines) else ""
            if end[1] > len(last_line):  # the statement ends its line: include the line break
                end = (end_line + 1, 1)
            return (*start, *end)
    return None


def _on(edit: tuple[int, int, int, int], finding: tuple[int, int, int, int]) -> bool:
    """Whether a non-empty edit overlaps the finding's range (meeting at an end is not enough:
    a rename's edit in another cell can start where the finding ends)."""
    start, end = (edit[0], edit[1]), (edit[2], edit[3])
    return start < end and start < (finding[2], finding[3]) and (finding[0], finding[1]) < end


def _numpy2_name(message: str) -> str | None:
    """``np.float_`` from ruff's "`np.float_` will be removed in NumPy 2.0..." message."""
    if message.startswith("`") and "`" in message[1:]:
        return message[1 : message.index("`", 1)].rsplit(".", 1)[-1]
    return None


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHELL_EXPANSION = re.compile(r"\{([^{}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _names_in_ipython_syntax(source: str) -> frozenset[str]:
    """Names a cell reads inside IPython syntax, which ruff does not parse: the statement of
    ``%time``/``%timeit``, a magic's arguments, ``os.path.join?``, a shell command's
    ``{expression}``/``$name``."""
    from nb2prod.magics import mask

    if "%" not in source and "!" not in source and "?" not in source:
        return frozenset()  # no IPython syntax; masking, not parsing: this runs in the main process
    names: set[str] = set()
    for item in mask(source).syntax:
        if item.kind in ("line_magic", "assigned_magic", "help"):
            names.update(_IDENTIFIER.findall(item.arguments))
        elif item.kind in ("shell", "assigned_shell"):
            for expression, variable in _SHELL_EXPANSION.findall(item.arguments):
                names.update(_IDENTIFIER.findall(expression) if expression else (variable,))
    return frozenset(names)


class _CellTexts:
    """What mapping findings reads from a cell's text, worked out once per cell: findings come
    many to a cell, hundreds on a long one. Cells are known by identity, as the notebooks that
    hold them outlive a mapping."""

    def __init__(self) -> None:
        self._lines: dict[int, list[str]] = {}
        self._hidden_names: dict[int, frozenset[str]] = {}

    def lines(self, cell: Cell) -> list[str]:
        lines = self._lines.get(id(cell))
        if lines is None:
            lines = self._lines[id(cell)] = _LINES.split(cell.source)
        return lines

    def is_read_in_ipython_syntax(self, name: str, notebook: Notebook) -> bool:
        """Whether some cell reads ``name`` where ruff cannot see it. Such a name is part of its
        cell's text, so only the cells that contain it are masked."""
        for cell in notebook.code_cells:
            if name not in cell.source:
                continue
            names = self._hidden_names.get(id(cell))
            if names is None:
                names = self._hidden_names[id(cell)] = _names_in_ipython_syntax(cell.source)
            if name in names:
                return True
        return False


def _bound_name(cell: Cell, line: int, column: int, end_line: int, end_column: int) -> str:
    """The name a finding is about, from its range: the name an unused import binds (``np``,
    ``os.path``), an undefined name."""
    lines = cell.source.splitlines()
    if line != end_line or not 0 < line <= len(lines):
        return ""
    text = lines[line - 1][column - 1 : end_column - 1]
    return text.split(" as ")[-1].split(".")[0].strip()


def map_ruff_findings(
    findings: Iterable[Mapping[str, Any]],
    notebooks: Mapping[str, Notebook | None],
    invocation: RuffInvocation,
) -> dict[str, list[Diagnostic]]:
    """Turn ruff's JSON findings into nb2prod diagnostics keyed by the path as nb2prod names it.

    ``notebooks`` maps ruff's absolute file names to the notebooks read (``None`` if unreadable).
    """
    from nb2prod.rules._removed_api import NUMPY_ATTRIBUTE_NAMES

    mapped: dict[str, list[Diagnostic]] = {}
    cells = _CellTexts()
    for finding in findings:
        filename = str(finding.get("filename", ""))
        notebook = notebooks.get(filename)
        if notebook is None or notebook.path is None:
            continue
        code = finding.get("code")
        name = str(finding.get("name") or "")
        if not isinstance(code, str) or not code or name in _SYNTAX_ERROR_NAMES:
            continue  # syntax errors are NB002's, unreadable files NB001's
        if code in invocation.replaced_codes:
            continue
        message = str(finding.get("message", ""))
        rule_name = name or code
        url = finding.get("url") if isinstance(finding.get("url"), str) else None
        source = "ruff"
        if code == NUMPY2_CODE and invocation.merge_numpy2:
            removed_name = _numpy2_name(message)
            if removed_name in NUMPY_ATTRIBUTE_NAMES:
                continue  # removed-api reports it already
            code, rule_name, source = REMOVED_API_CODE, "removed-api", "nb2prod"
        cell_number = finding.get("cell")
        if not isinstance(cell_number, int) or not 0 < cell_number <= len(notebook.cells):
            cell_number = 1
        line, column = _position(finding.get("location"))
        end_line, end_column = _position(finding.get("end_location"))
        cell = notebook.cells[cell_number - 1] if notebook.cells else None
        if code in ("F401", "F821") and cell is not None:
            # `import numpy as np` used only in `%time x = np.ones(3)`: ruff cannot see the use,
            # and its fix would delete an import the notebook needs. F821: `x` bound there.
            bound = _bound_name(cell, line, column, end_line, end_column)
            if bound and cells.is_read_in_ipython_syntax(bound, notebook):
                continue
        span = (
            CellSpan(cell.number, line, column, end_line, end_column, cell.cell_id)
            if cell is not None
            else None  # a file-level finding (CPY001, say) on a notebook without cells
        )
        display = str(notebook.path)
        mapped.setdefault(display, []).append(
            Diagnostic(
                path=display,
                code=code,
                name=rule_name,
                message=message,
                severity="error" if code.startswith(_ERROR_CODES) else "warning",
                span=span,
                source=source,
                fix=None
                if notebook.converted or cell is None
                else _ruff_fix(
                    finding.get("fix"), cell, (line, column, end_line, end_column), cells
                ),
                url=url,
            )
        )
    return mapped


def _apply_suppressions(
    mapped: dict[str, list[Diagnostic]],
    notebooks: Mapping[str, Notebook | None],
    settings: Settings,
) -> dict[str, list[Diagnostic]]:
    from nb2prod.suppress import apply_suppressions

    by_display = {
        str(nb.path): nb for nb in notebooks.values() if nb is not None and nb.path is not None
    }
    kept: dict[str, list[Diagnostic]] = {}
    for display, diagnostics in mapped.items():
        notebook = by_display.get(display)
        if notebook is None:
            continue
        ignored = settings.ignored_for(display)
        remaining = apply_suppressions(notebook, diagnostics, ignored, report_unused=False)
        if remaining:
            kept[display] = remaining
    return kept


# How ruff names a selector it does not know, when nb2prod passed it on from the command line.
_UNKNOWN_SELECTOR = re.compile(
    r"Unknown rule selector `(?P<selector>[^`]+)` in `(?P<option>[a-z-]+)` from the CLI"
)


def _raise_for_unknown_selector(problem: str, typed: frozenset[str]) -> None:
    """A code typed on the command line that is neither nb2prod's nor ruff's is a usage error
    (exit 2), as in ruff itself. One from the configuration stays an NB005 finding."""
    match = _UNKNOWN_SELECTOR.search(problem)
    if match is not None and match["selector"] in typed:
        raise UsageError(
            f"unknown rule selector '{match['selector']}': neither nb2prod nor ruff has such a rule"
            " (see `nb2prod rules` and `ruff rule --all`)"
        )


def _as_current_format(notebook: Notebook) -> str:
    """The cells of a notebook read by conversion (nbformat 3), as the JSON ruff can read."""
    cells: list[dict[str, Any]] = []
    for cell in notebook.cells:
        cells.append({"cell_type": cell.kind, "metadata": {}, "source": cell.source})
        if cell.is_code:
            cells[-1].update(outputs=[], execution_count=None)
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    return json.dumps(document)


def _findings_on_converted(
    notebooks: Mapping[str, Notebook | None], invocation: RuffInvocation
) -> list[Mapping[str, Any]]:
    """ruff reads only nbformat 4: an older notebook is checked in the form nb2prod read it in."""
    findings: list[Mapping[str, Any]] = []
    for ruff_name, notebook in notebooks.items():
        if notebook is None or not notebook.converted:
            continue
        arguments = invocation.arguments
        if invocation.unconfigured_arguments is not None and not has_ruff_config(Path(ruff_name)):
            arguments = invocation.unconfigured_arguments
        found, _ = run_ruff([Path(ruff_name)], arguments, stdin=_as_current_format(notebook))
        findings += [
            {**finding, "filename": ruff_name}
            for finding in found or ()
            if isinstance(finding, Mapping)
        ]
    return findings


@dataclass(frozen=True)
class _Collected:
    invocation: RuffInvocation | None
    findings: list[Mapping[str, Any]] | None
    problem: str = ""


@dataclass(frozen=True)
class RuffPass:
    """ruff as a whole-run pass of the lint engine: one ruff process over every file, started
    beside the per-file lint, its findings then mapped onto the notebooks that lint read."""

    select: Sequence[str] | None
    ignore: Sequence[str]
    # The codes the user typed (--select, --ignore, --extend-select), as opposed to configured ones.
    typed: frozenset[str] = frozenset()
    isolated: bool = False
    config: Path | None = None  # a ruff configuration named with --config
    description: ClassVar[str] = "the ruff pass"

    def collect(
        self, files: list[Path], settings: Settings, texts: Mapping[Path, str] | None = None
    ) -> _Collected:
        if not files:
            return _Collected(None, [])
        invocation = ruff_invocation(
            settings, self.select, self.ignore, isolated=self.isolated, config=self.config
        )
        if invocation is None:
            return _Collected(None, [])
        groups = [(files, invocation.arguments)]
        if invocation.unconfigured_arguments is not None:
            configured, unconfigured = split_by_configuration(files)
            groups = [
                (group, arguments)
                for group, arguments in (
                    (configured, invocation.arguments),
                    (unconfigured, invocation.unconfigured_arguments),
                )
                if group
            ]
        collected: list[Mapping[str, Any]] = []
        for group, arguments in groups:
            # Unsaved content goes to ruff one file at a time, on its standard input.
            runs = (
                [([path], texts[path]) for path in group] if texts is not None else [(group, None)]
            )
            for paths, text in runs:
                findings, problem = run_ruff(paths, arguments, stdin=text)
                if findings is None:
                    return _Collected(invocation, None, problem)
                collected += [finding for finding in findings if isinstance(finding, Mapping)]
        return _Collected(invocation, collected)

    def finish(
        self,
        collected: object,
        notebooks: Mapping[str, Notebook | None],
        settings: Settings,
        files: Sequence[Path] = (),
    ) -> dict[str, list[Diagnostic]]:
        """Findings by path; ``notebooks`` maps nb2prod's path names to the notebooks read."""
        assert isinstance(collected, _Collected)
        if collected.invocation is None:
            return {}
        if collected.findings is None:
            _raise_for_unknown_selector(collected.problem, self.typed)
            first = next(iter(notebooks), None) or (str(files[0]) if files else "")
            return _failure([Path(first)], collected.problem)
        wanted = {str(finding.get("filename", "")) for finding in collected.findings}
        by_ruff_name: dict[str, Notebook | None] = {}
        real_folders: dict[str, str] = {}
        for display, notebook in notebooks.items():
            for name in {os.path.abspath(display), _real_path(display, real_folders)} & wanted:
                by_ruff_name[name] = notebook
        findings = [
            *collected.findings,
            *_findings_on_converted(by_ruff_name, collected.invocation),
        ]
        mapped = map_ruff_findings(findings, by_ruff_name, collected.invocation)
        return _apply_suppressions(mapped, by_ruff_name, settings)

    def __call__(self, files: list[Path], settings: Settings) -> dict[str, list[Diagnostic]]:
        """Both steps at once, reading the notebooks that have findings (for callers outside
        the engine, such as the server's check of an unsaved notebook)."""
        collected = self.collect(files, settings)
        wanted = {str(finding.get("filename", "")) for finding in (collected.findings or [])}
        notebooks: dict[str, Notebook | None] = {}
        for path in files:
            if not {os.path.abspath(path), os.path.realpath(path)} & wanted:
                continue
            try:
                notebooks[str(path)] = notebook_io.read(path)
            except NotebookReadError:
                notebooks[str(path)] = None
        return self.finish(collected, notebooks, settings, files)


def lint_with_ruff(
    files: Sequence[Path], settings: Settings, select: Sequence[str] | None, ignore: Sequence[str]
) -> dict[str, list[Diagnostic]]:
    """The whole-run ruff pass: findings by path, suppressions applied, or one NB005 on failure."""
    return RuffPass(select, ignore)(list(files), settings)


def ruff_pass_for(
    select: Sequence[str] | None,
    ignore: Sequence[str],
    extend_select: Sequence[str] = (),
    *,
    isolated: bool = False,
    config: Path | None = None,
) -> RuffPass | None:
    """The whole-run pass ``lint_paths`` runs beside the per-file rules (``None``: no ruff rule
    selected). The arguments are the codes given on the command line; ``config`` is passed to
    ruff only when it holds ruff settings."""
    if select and not _non_nb(select):
        return None
    return RuffPass(
        select,
        ignore,
        frozenset([*(select or ()), *ignore, *extend_select]),
        isolated=isolated,
        config=config if config is not None and is_ruff_config_file(config) else None,
    )


if (
    __name__ == "__main__"
):  # pragma: no cover - a debugging aid: python -m nb2prod.lint_ruff FILE...
    paths = [Path(argument) for argument in sys.argv[1:]]
    for path, diagnostics in lint_with_ruff(paths, Settings(), None, ()).items():
        for diagnostic in diagnostics:
            print(path, diagnostic.span, diagnostic.code, diagnostic.message)

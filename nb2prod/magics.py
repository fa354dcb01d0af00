"""Masking of IPython syntax (magics, shell escapes, help) so that cells parse as Python.

Masking keeps every line and the column of all remaining code, so an ``ast`` position in the masked
text is a position in the original cell. What was masked is returned as data
(:class:`IPythonSyntax`), which the rules read (``%pip install``, ``%cd``, ``!cmd``) and the dataflow
uses for names that magics bind (``x = !ls``, ``%store -r x``, ``%%capture out``).
"""

from __future__ import annotations

import keyword
import re
import shlex
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PYLAB_MODULES",
    "PYTHON_BODY_CELL_MAGICS",
    "IPythonSyntax",
    "MaskedSource",
    "mask",
    "shell_installs",
]

SyntaxKind = Literal[
    "line_magic", "cell_magic", "shell", "help", "assigned_shell", "assigned_magic"
]

# Cell magics whose body IPython runs as ordinary code in the user namespace.
PYTHON_BODY_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "memit", "snakeviz"}
)
# Line magics whose argument is a Python statement run in the user namespace.
_STATEMENT_LINE_MAGICS = frozenset({"time", "timeit", "prun", "debug", "memit"})
# Automagics and default shell aliases people type without '%' (``pip install x``, ``ls data``,
# ``timeit f()``): ``name argument`` is never valid Python, so masking them cannot hide real code.
_AUTOMAGICS = frozenset(
    {
        "pip",
        "conda",
        "mamba",
        "cd",
        "matplotlib",
        "load_ext",
        "reload_ext",
        "autoreload",
        "pylab",
        "env",
        "time",
        "timeit",
        "prun",
        "who",
        "whos",
        "pwd",
        "history",
        "run",
        "load",
        "store",
        "reset",
        "alias",
        "unalias",
        "xmode",
        "precision",
        "config",
        "pdb",
        "pinfo",
        "psearch",
        "bookmark",
        "dhist",
        "sx",
        "system",
        "ls",
        "cat",
        "cp",
        "mv",
        "rm",
        "mkdir",
        "rmdir",
        "less",
        "more",
        "man",
        "clear",
        "ll",
        "lf",
        "lk",
        "lx",
        "ldir",
    }
)

# What can start IPython syntax at the start of a line. The candidates are searched from a line
# break, a literal the regex engine skips to, which is several times faster than `^` in MULTILINE.
_LINE_START = r"[ \t]*(?:[%!?]|(?:" + "|".join(sorted(_AUTOMAGICS)) + r")[ \t]+\S)"
_FIRST_LINE_CANDIDATE = re.compile(_LINE_START)
_LATER_LINE_CANDIDATE = re.compile("\n" + _LINE_START)
_HELP_CANDIDATE = re.compile(r"\?[ \t]*$", re.MULTILINE)
_ASSIGNED_CANDIDATE = re.compile(r"=[ \t]*[%!]")


def _may_hold_ipython_syntax(text: str) -> bool:
    """False for most plain Python, cheaply: nothing in ``text`` can start IPython syntax."""
    return (
        _FIRST_LINE_CANDIDATE.match(text) is not None
        or _LATER_LINE_CANDIDATE.search(text) is not None
        or ("?" in text and _HELP_CANDIDATE.search(text) is not None)
        or (("%" in text or "!" in text) and _ASSIGNED_CANDIDATE.search(text) is not None)
    )


_TOKEN = re.compile(
    r"(?P<comment>\#[^\n]*)"
    r"|(?P<string>(?<![\w])[rRbBuUfFtT]{0,2}(?:'''|\"\"\"|'|\"))"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<continuation>\\\r?\n)"
    r"|(?P<newline>\n)"
)
_STRING_END = {
    "'''": re.compile(r"(?:[^\\]|\\.)*?'''", re.DOTALL),
    '"""': re.compile(r'(?:[^\\]|\\.)*?"""', re.DOTALL),
    # A backslash before the line break continues a one-quote string on the next line.
    "'": re.compile(r"(?:[^\\'\n]|\\(?:\r\n|[\s\S]))*(?:'|(?=\n)|$)"),
    '"': re.compile(r'(?:[^\\"\n]|\\(?:\r\n|[\s\S]))*(?:"|(?=\n)|$)'),
}
_ASSIGNED = re.compile(
    r"^(?P<indent>[ \t]*)(?P<target>[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)[ \t]*=[ \t]*"
    r"(?P<sigil>!|%{1,2})(?P<rest>.*)$"
)
# ``% matplotlib inline`` (a space after the sign) is what older IPython accepted; keep reading it.
_LINE_MAGIC = re.compile(r"^(?P<indent>[ \t]*)%[ \t]*(?P<name>[A-Za-z_][\w.]*)(?P<rest>.*)$")
_AUTOMAGIC = re.compile(
    r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z_]\w*)[ \t]+(?P<rest>(?![=(\[.,:+*/%<>&|^@-]=?[ \t])\S.*)$"
)
_SHELL = re.compile(r"^(?P<indent>[ \t]*)!(?P<rest>.*)$")
_HELP_START = re.compile(r"^(?P<indent>[ \t]*)\?{1,2}")
# The options of the magics that run a statement, as IPython parses them: single letters that
# may be bundled (``-qo``), and the ones that take a value, attached (``-r3``) or not (``-r 3``).
_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "timeit": frozenset("nrp"),
    "prun": frozenset("lsTD"),
    "memit": frozenset("rt"),
    "debug": frozenset("b"),
    "time": frozenset(),
}
_LONG_VALUE_OPTIONS = frozenset({"--breakpoint"})
_OPTION_WORD = re.compile(r"[ \t]*(\S+)")
_OPTION_START = re.compile(r"-{1,2}[A-Za-z]")


def _statement_offset(name: str, rest: str) -> int:
    """Where the statement starts in ``rest``, the text after a statement magic's name."""
    takes_value = _VALUE_OPTIONS.get(name, frozenset())
    position = 0
    while True:
        token = _OPTION_WORD.match(rest, position)
        if token is None or not _OPTION_START.match(token.group(1)):
            return position
        text, position = token.group(1), token.end()
        needs_value = text in _LONG_VALUE_OPTIONS
        if not text.startswith("--"):
            for index, letter in enumerate(text[1:], start=1):
                if letter in takes_value:
                    needs_value = index == len(text) - 1  # else the value is attached: -r3
                    break
        if needs_value:
            value = _OPTION_WORD.match(rest, position)
            if value is None:
                return position
            position = value.end()


@dataclass(frozen=True, slots=True)
class IPythonSyntax:
    """One piece of IPython syntax found in a cell; ``line``/``column`` are 1-based."""

    kind: SyntaxKind
    name: str
    arguments: str
    line: int
    column: int
    end_column: int
    targets: tuple[str, ...] = ()

    @property
    def is_install(self) -> bool:
        """``%pip install``, ``!pip install``, ``!conda install``, ``!python -m pip install``..."""
        if self.kind in ("line_magic", "assigned_magic") and self.name in ("pip", "conda", "mamba"):
            return self.arguments.split()[:1] == ["install"]
        if self.kind in ("shell", "assigned_shell"):
            return shell_installs(self.arguments)
        return False


# `cd shap && pip install -e .`, `pip install x; python run.py`: each command counts.
_SHELL_SEPARATORS = re.compile(r"&&|\|\||;|\n")
# The interpreter, however it is named: python3.11, /usr/bin/python, {sys.executable}, $PYTHON.
_PYTHON = re.compile(r"(?:.*/)?python[\d.]*|py|\{sys\.executable\}|\$\{?PYTHON\}?|\{python\}", re.I)


def shell_installs(command: str) -> bool:
    """Whether a shell command line installs Python packages (pip, conda, mamba, uv)."""
    for part in _SHELL_SEPARATORS.split(command):
        words = part.split()
        while words and ("=" in words[0] or words[0] in ("sudo", "time", "exec")):
            words = words[1:]
        if len(words) > 2 and _PYTHON.fullmatch(words[0]) and words[1] == "-m":
            words = words[2:]
        if words and words[0] in ("pip", "pip3", "conda", "mamba", "micromamba", "uv"):
            rest = words[1:]
            if rest[:1] == ["pip"]:
                rest = rest[1:]
            if rest[:1] == ["install"]:
                return True
    return False


# ``%%script`` options that take a value (IPython's script magic); the first other word is the
# program that gets the cell body on its standard input.
_SCRIPT_VALUE_OPTIONS = frozenset({"--out", "--err", "--proc"})
# Programs that ignore their input: ``%%script false`` is how people switch a cell off.
_NO_OP_PROGRAMS = frozenset({"false", "true"})


def _script_program(arguments: str) -> str | None:
    """The program a ``%%script`` header runs: ``--bg --out log python3`` -> ``python3``."""
    words = iter(arguments.split())
    for word in words:
        if word in _SCRIPT_VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


@dataclass(frozen=True, slots=True)
class MaskedSource:
    """A cell's source with IPython syntax replaced by neutral Python of the same layout."""

    text: str
    syntax: tuple[IPythonSyntax, ...] = ()
    cell_magic: str | None = None

    @property
    def is_python(self) -> bool:
        """False when a cell magic runs the body as something other than Python (``%%bash``)."""
        return self.cell_magic is None or self.cell_magic in PYTHON_BODY_CELL_MAGICS

    @property
    def runs_nothing(self) -> bool:
        """True for ``%%script false`` (any options): the body goes to a program that ignores it."""
        if self.cell_magic != "script":
            return False
        header = next(item for item in self.syntax if item.kind == "cell_magic")
        program = _script_program(header.arguments)
        return program is not None and program.rsplit("/", 1)[-1] in _NO_OP_PROGRAMS

    def names_bound_by_magics(self) -> tuple[tuple[str, int, int], ...]:
        """(name, line, column) for names that magics define: ``x = !ls``, ``%store -r x``..."""
        bound: list[tuple[str, int, int]] = []
        for item in self.syntax:
            for target in item.targets:
                bound.append((target, item.line, item.column))
        return tuple(bound)


@dataclass(slots=True)
class _LineLayout:
    """What the string and bracket tracking learns about each line of a cell, by line index."""

    starts: list[bool]  # the line starts a new statement
    comments: list[int]  # the column where its comment starts, or -1
    ends_in_string: list[bool]  # its end is inside a string that goes on to the next line

    def add_line(self, *, starts: bool) -> None:
        self.starts.append(starts)
        self.comments.append(-1)
        self.ends_in_string.append(False)


def _statement_lines(source: str) -> _LineLayout:
    """Where statements start, where comments start and which lines end inside a string."""
    layout = _LineLayout([], [], [])
    layout.add_line(starts=True)
    depth = 0
    line_start_offset = 0
    position = 0
    length = len(source)
    while position < length:
        match = _TOKEN.search(source, position)
        if match is None:
            break
        kind = match.lastgroup
        if kind == "comment":
            if layout.comments[-1] == -1:
                layout.comments[-1] = match.start() - line_start_offset
            position = match.end()
        elif kind == "string":
            quote = match.group().lstrip("rRbBuUfFtT")
            end = _STRING_END[quote].match(source, match.end())
            position = end.end() if end else length
            # A string that spans lines: the lines inside it start nothing.
            newlines = source.count("\n", match.end(), position)
            for _ in range(newlines):
                layout.ends_in_string[-1] = True
                layout.add_line(starts=False)
            if newlines:
                line_start_offset = source.rfind("\n", 0, position) + 1
        elif kind == "open":
            depth += 1
            position = match.end()
        elif kind == "close":
            depth = max(0, depth - 1)
            position = match.end()
        elif kind == "continuation":
            layout.add_line(starts=False)
            line_start_offset = position = match.end()
        else:
            layout.add_line(starts=depth == 0)
            line_start_offset = position = match.end()
    return layout


def _parse_targets(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip().isidentifier())


# What `%pylab` imports by name (IPython's pylab_import), besides its star imports.
PYLAB_MODULES: dict[str, str] = {
    "np": "numpy",
    "numpy": "numpy",
    "plt": "matplotlib.pyplot",
    "pyplot": "matplotlib.pyplot",
    "matplotlib": "matplotlib",
    "mlab": "matplotlib.mlab",
    "pylab": "pylab",
}


def _magic_targets(name: str, arguments: str) -> tuple[str, ...]:
    """Names a line magic binds in the user namespace."""
    if name == "pylab":
        return tuple(PYLAB_MODULES)
    if name == "store":
        try:
            words = shlex.split(arguments)
        except ValueError:
            words = arguments.split()
        if words[:1] == ["-r"]:
            return tuple(word for word in words[1:] if word.isidentifier())
    return ()


def mask(source: str) -> MaskedSource:
    """Mask IPython syntax in one cell's source; plain Python comes back unchanged and fast."""
    stripped = source.lstrip("\r\n \t")
    cell_magic: str | None = None
    syntax: list[IPythonSyntax] = []
    lines = source.split("\n")
    if stripped.startswith("%%"):
        first = len(source[: len(source) - len(stripped)].split("\n")) - 1
        header = lines[first]
        match = re.match(r"[ \t]*%%(?P<name>[\w.]+)(?P<rest>.*)", header)
        cell_magic = match.group("name") if match else ""
        arguments = match.group("rest").strip() if match else ""
        targets: tuple[str, ...] = ()
        if cell_magic == "capture":
            words = [word for word in arguments.split() if not word.startswith("-")]
            targets = tuple(word for word in words[:1] if word.isidentifier())
        syntax.append(
            IPythonSyntax(
                "cell_magic", cell_magic, arguments, first + 1, 1, len(header) + 1, targets
            )
        )
        if cell_magic not in PYTHON_BODY_CELL_MAGICS:
            return MaskedSource("\n" * (len(lines) - 1), tuple(syntax), cell_magic)
        lines[first] = ""
        if match and cell_magic in _STATEMENT_LINE_MAGICS:
            # `%%timeit -r3 x = make()`: the set-up statement on the header line runs first.
            statement = _mask_statement_magic(
                header, 0, cell_magic, match.end("name"), match.group("rest")
            )
            lines[first] = statement if statement is not None and not header[:1].isspace() else ""
        body = "\n".join(lines)
    else:
        body = source
    if not _may_hold_ipython_syntax(body):
        if not syntax:
            return MaskedSource(source)
        return MaskedSource(body, tuple(syntax), cell_magic)
    layout = _statement_lines(body)
    for number, line in enumerate(lines):
        if number >= len(layout.starts) or not layout.starts[number] or not line.strip():
            continue
        # `s = """Why?` opens a string: its `?` is text, not a help request.
        help_allowed = not layout.ends_in_string[number]
        replaced = _mask_line(line, number + 1, layout.comments[number], help_allowed, syntax)
        if replaced is not None:
            lines[number] = replaced
    return MaskedSource("\n".join(lines), tuple(syntax), cell_magic)


def _mask_line(
    line: str, number: int, comment_at: int, help_allowed: bool, syntax: list[IPythonSyntax]
) -> str | None:
    """The masked form of one statement-start line, or ``None`` when it is plain Python.

    ``help_allowed`` is false when the line ends inside a string, where a final ``?`` is text.
    """
    code = line if comment_at < 0 else line[:comment_at]
    lead = len(line) - len(line.lstrip(" \t"))
    first = line[lead : lead + 1]
    if first == "%" and not line[lead:].startswith("%%"):
        match = _LINE_MAGIC.match(line)
        if match:
            name, rest = match.group("name"), match.group("rest")
            if help_allowed and rest.rstrip().endswith("?") and not rest.strip().startswith("-"):
                syntax.append(
                    IPythonSyntax(
                        "help",
                        name,
                        rest.strip().rstrip("?").strip(),
                        number,
                        lead + 1,
                        len(line) + 1,
                    )
                )
                return match.group("indent") + "pass"
            syntax.append(
                IPythonSyntax(
                    "line_magic",
                    name,
                    rest.strip(),
                    number,
                    lead + 1,
                    len(line) + 1,
                    _magic_targets(name, rest),
                )
            )
            if name in _STATEMENT_LINE_MAGICS:
                masked = _mask_statement_magic(line, lead, name, match.end("name"), rest)
                if masked is not None:
                    return masked
            return line[:lead] + "pass"
        return None
    if first == "!":
        match = _SHELL.match(line)
        assert match is not None
        syntax.append(
            IPythonSyntax("shell", "", match.group("rest").strip(), number, lead + 1, len(line) + 1)
        )
        return line[:lead] + "pass"
    if first == "?":
        syntax.append(
            IPythonSyntax("help", "", line.strip("? \t"), number, lead + 1, len(line) + 1)
        )
        return line[:lead] + "pass"
    assigned = _ASSIGNED.match(code)
    if assigned:
        sigil = assigned.group("sigil")
        rest = assigned.group("rest") + (line[comment_at:] if comment_at >= 0 else "")
        column = assigned.start("sigil")
        targets = _parse_targets(assigned.group("target"))
        if sigil == "!":
            syntax.append(
                IPythonSyntax(
                    "assigned_shell", "", rest.strip(), number, column + 1, len(line) + 1, targets
                )
            )
        else:
            name, _, arguments = rest.strip().partition(" ")
            syntax.append(
                IPythonSyntax(
                    "assigned_magic",
                    name,
                    arguments.strip(),
                    number,
                    column + 1,
                    len(line) + 1,
                    targets,
                )
            )
        return line[:column] + "None"
    if help_allowed and code.rstrip().endswith("?"):
        syntax.append(
            IPythonSyntax("help", "", code.strip().rstrip("?"), number, lead + 1, len(line) + 1)
        )
        return line[:lead] + "pass"
    automagic = _AUTOMAGIC.match(code)
    if automagic and automagic.group("name") in _AUTOMAGICS:
        name, rest = automagic.group("name"), automagic.group("rest")
        if keyword.iskeyword(rest.split(None, 1)[0]):
            return None  # ``ls in folders``, ``time if x else y``: Python, not a magic
        syntax.append(
            IPythonSyntax(
                "line_magic",
                name,
                rest.strip(),
                number,
                lead + 1,
                len(line) + 1,
                _magic_targets(name, rest),
            )
        )
        if name in _STATEMENT_LINE_MAGICS:
            masked = _mask_statement_magic(line, lead, name, automagic.end("name"), " " + rest)
            if masked is not None:
                return masked
        return line[:lead] + "pass"
    return None


def _mask_statement_magic(line: str, lead: int, name: str, name_end: int, rest: str) -> str | None:
    """``%timeit -n 3 f(x)`` -> ``if 1:      f(x)``: the statement stays visible at its column."""
    prefix_end = name_end + _statement_offset(name, rest)
    statement = line[prefix_end:]
    if not statement.strip():
        return None
    return line[:lead] + "if 1:".ljust(prefix_end - lead) + statement

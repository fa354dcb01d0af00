"""Masking of IPython syntax: a table of cases, and the promise that positions never move."""

from __future__ import annotations

import ast
import io
import tokenize

import pytest

from nb2prod.magics import mask

# (source, masked text, [(kind, name, arguments, line, column, targets)])
CASES: list[tuple[str, str, list[tuple[str, str, str, int, int, tuple[str, ...]]]]] = [
    ("x = 1\nprint(x)", "x = 1\nprint(x)", []),
    ("%matplotlib inline", "pass", [("line_magic", "matplotlib", "inline", 1, 1, ())]),
    ("% matplotlib inline", "pass", [("line_magic", "matplotlib", "inline", 1, 1, ())]),
    ("import os\n%load_ext autoreload", "import os\npass", [("line_magic", "load_ext", "autoreload", 2, 1, ())]),
    ("!pip install numpy", "pass", [("shell", "", "pip install numpy", 1, 1, ())]),
    ("for i in range(3):\n    !echo {i}", "for i in range(3):\n    pass", [("shell", "", "echo {i}", 2, 5, ())]),
    ("files = !ls *.csv", "files = None", [("assigned_shell", "", "ls *.csv", 1, 9, ("files",))]),
    ("a, b = %sx ls", "a, b = None", [("assigned_magic", "sx", "ls", 1, 8, ("a", "b"))]),
    ("home = %env HOME  # where", "home = None", [("assigned_magic", "env", "HOME  # where", 1, 8, ("home",))]),
    ("%store -r data model", "pass", [("line_magic", "store", "-r data model", 1, 1, ("data", "model"))]),
    ("len?", "pass", [("help", "", "len", 1, 1, ())]),
    ("??len", "pass", [("help", "", "len", 1, 1, ())]),
    ("?len", "pass", [("help", "", "len", 1, 1, ())]),
    ("os.path.join??", "pass", [("help", "", "os.path.join", 1, 1, ())]),
    ("%timeit?", "pass", [("help", "timeit", "", 1, 1, ())]),
    ("%timeit -n 3 sorted(data)", "if 1:        sorted(data)", [("line_magic", "timeit", "-n 3 sorted(data)", 1, 1, ())]),
    ("  %time  y = f()", "  if 1:  y = f()", [("line_magic", "time", "y = f()", 1, 3, ())]),
    ("timeit sorted(data)", "if 1:  sorted(data)", [("line_magic", "timeit", "sorted(data)", 1, 1, ())]),
    ("pip install pandas", "pass", [("line_magic", "pip", "install pandas", 1, 1, ())]),
    ("cd /tmp/data", "pass", [("line_magic", "cd", "/tmp/data", 1, 1, ())]),
    ("ls data/*.csv", "pass", [("line_magic", "ls", "data/*.csv", 1, 1, ())]),
    # Plain Python that merely looks like IPython stays exactly as it is.
    ("ls in folders", "ls in folders", []),
    ("time = 3\ncd = time - 1", "time = 3\ncd = time - 1", []),
    ("x = 10 % 3", "x = 10 % 3", []),
    ("# %matplotlib inline\n# !pip install x", "# %matplotlib inline\n# !pip install x", []),
    ('s = """\n%not a magic\n!not shell\nwhat?\n"""', 's = """\n%not a magic\n!not shell\nwhat?\n"""', []),
    ("s = '''%d\n!x'''", "s = '''%d\n!x'''", []),
    ("x = (10\n% 3)", "x = (10\n% 3)", []),
    ("y = 10 \\\n% 3", "y = 10 \\\n% 3", []),
    ("ok = (a\n!= b)", "ok = (a\n!= b)", []),
    ("ok = [a,\n   !b]", "ok = [a,\n   !b]", []),
    ("text = 'why?'", "text = 'why?'", []),
    # A `?` that ends a line inside a string is text: only a `?` after code asks for help.
    ('def f():\n    """Is this a question?\n    More text.\n    """\n    return 1', 'def f():\n    """Is this a question?\n    More text.\n    """\n    return 1', []),
    ('s = """Why?\nBecause."""', 's = """Why?\nBecause."""', []),
    ("x = '''a?\n'''", "x = '''a?\n'''", []),
    ('%time s = """why?\n"""', 'if 1: s = """why?\n"""', [("line_magic", "time", 's = """why?', 1, 1, ())]),
    ('s = """a\n"""\nlen?', 's = """a\n"""\npass', [("help", "", "len", 3, 1, ())]),
    # A backslash continues a one-quote string: the line after the string starts a statement.
    ("x = 'a\\\nb'\n%matplotlib inline", "x = 'a\\\nb'\npass", [("line_magic", "matplotlib", "inline", 3, 1, ())]),
    ('f"{value!r}"', 'f"{value!r}"', []),
]


@pytest.mark.parametrize(("source", "masked", "syntax"), CASES, ids=[case[0][:30] for case in CASES])
def test_mask_table(source: str, masked: str, syntax: list[tuple[str, str, str, int, int, tuple[str, ...]]]) -> None:
    result = mask(source)
    assert result.text == masked
    found = [(item.kind, item.name, item.arguments, item.line, item.column, item.targets) for item in result.syntax]
    assert found == syntax
    assert result.cell_magic is None
    assert result.is_python


def test_plain_python_comes_back_as_the_same_text() -> None:
    source = "import numpy as np\nvalues = np.arange(10)\n"
    assert mask(source).text is source


@pytest.mark.parametrize(
    ("source", "name", "is_python", "targets"),
    [
        ("%%bash\necho $HOME\nls -la", "bash", False, ()),
        ("%%html\n<b>bold</b>", "html", False, ()),
        ("%%writefile script.py\nimport os\nprint(os.sep)", "writefile", False, ()),
        ("\n\n%%sql\nSELECT 1", "sql", False, ()),
        ("%%time\nx = sum(range(10))\n%timeit f()", "time", True, ()),
        ("%%capture output --no-stderr\nprint(1)", "capture", True, ("output",)),
    ],
)
def test_cell_magics(source: str, name: str, is_python: bool, targets: tuple[str, ...]) -> None:
    result = mask(source)
    assert result.cell_magic == name
    assert result.is_python is is_python
    assert result.text.count("\n") == source.count("\n")
    header = result.syntax[0]
    assert (header.kind, header.name, header.targets) == ("cell_magic", name, targets)
    assert header.line == source.split("\n").index(next(line for line in source.split("\n") if line.startswith("%%"))) + 1
    if is_python:
        ast.parse(result.text)
        assert result.text.split("\n")[1] == source.split("\n")[1]
        assert result.names_bound_by_magics() == tuple((target, header.line, 1) for target in targets)
    else:
        assert result.text.strip() == ""


@pytest.mark.parametrize(
    ("source", "runs_nothing"),
    [
        ("%%script false\nrm -rf data", True),
        ("%%script --no-raise-error false\nrm -rf data", True),
        ("%%script /usr/bin/true\nrm -rf data", True),
        ("%%script --out false python3\nprint(1)", False),  # `false` names the output variable
        ("%%script python3\nprint(1)", False),
        ("%%bash\nfalse", False),
        ("false", False),
    ],
)
def test_script_cells_that_run_nothing(source: str, runs_nothing: bool) -> None:
    assert mask(source).runs_nothing is runs_nothing


@pytest.mark.parametrize(
    ("source", "is_install"),
    [
        ("!pip install numpy", True),
        ("%pip install -q numpy", True),
        ("!conda install -y scipy", True),
        ("!python -m pip install x", True),
        ("!/usr/bin/python3 -m pip install x", True),
        ("!sudo pip3 install x", True),
        ("!uv pip install x", True),
        ("pip install pandas", True),
        ("!pip list", False),
        ("%pip freeze", False),
        ("!ls", False),
    ],
)
def test_is_install(source: str, is_install: bool) -> None:
    (item,) = mask(source).syntax
    assert item.is_install is is_install


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    kinds = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING, tokenize.OP}
    return [token for token in tokenize.generate_tokens(io.StringIO(text).readline) if token.type in kinds]


# Cells that mix IPython syntax with Python on other lines, some lines inside brackets and strings.
ROUND_TRIP_SOURCES = [
    "%matplotlib inline\nimport pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf.describe()",
    "!pip install -q seaborn\nimport seaborn as sns\nsns.set_theme()",
    "files = !ls data\nfor name in files:\n    !wc -l {name}\n    print(name, len(name))",
    "def f(x):\n    return x % 2\n\n%timeit f(3)\nresult = (f(1)\n          % 5)\nok = (result\n      != 2)",
    'query = """\nSELECT *\n%s\n!x\n"""\n%time rows = run(query)\nrows?\nprint(rows)',
    "value = compute()  # why?\n??compute\nnumbers = [1,\n    2, 3]\n  ",
    "%%time\nimport time\ntime.sleep(0)\n%env A=1\nx = !echo hi\nx",
]


@pytest.mark.parametrize("source", ROUND_TRIP_SOURCES)
def test_positions_round_trip(source: str) -> None:
    result = mask(source)
    original_lines = source.split("\n")
    masked_lines = result.text.split("\n")
    assert len(masked_lines) == len(original_lines)
    ast.parse(result.text)
    masked_line_numbers = {item.line for item in result.syntax}
    for number, (before, after) in enumerate(zip(original_lines, masked_lines, strict=True), start=1):
        if number not in masked_line_numbers:
            assert after == before, f"line {number} changed although nothing on it was masked"
    placeholders = {"pass", "None", "if", "1", ":"}
    for token in _tokens(result.text):
        line, column = token.start
        first_line = token.string.split("\n")[0]
        original = original_lines[line - 1][column : column + len(first_line)]
        if original != first_line:
            assert token.string in placeholders and line in masked_line_numbers, (token, original)
    # Every Python token on a masked line of `%time`/`%timeit` keeps its column too.
    for item in result.syntax:
        if item.name in ("time", "timeit") and item.kind == "line_magic":
            statement = original_lines[item.line - 1].split(item.name, 1)[1].lstrip()
            start = original_lines[item.line - 1].rindex(statement)
            assert masked_lines[item.line - 1][start:] == statement


def test_masked_syntax_positions_point_at_the_original() -> None:
    source = "import os\n  !echo hi\nout = !ls\n%cd /tmp"
    lines = source.split("\n")
    for item in mask(source).syntax:
        text = lines[item.line - 1]
        assert text[item.column - 1] in "!%"
        assert item.end_column == len(text) + 1


@pytest.mark.parametrize(
    ("source", "statement"),
    [
        ("%timeit -r3 save(a, z)", "save(a, z)"),
        ("%timeit -n3 -r5 b = a", "b = a"),
        ("%timeit -n 3 -r 5 f(x, y)", "f(x, y)"),
        ("%timeit -qo f(a, b)", "f(a, b)"),
        ("%prun -l 5 -s cumulative f(x, y)", "f(x, y)"),
        ("%debug --breakpoint lib.py:3 f()", "f()"),
        ("timeit -r3 f(a, b)", "f(a, b)"),
        ("%%timeit -r3 x = make(a, b)\nf(x)", "x = make(a, b)"),
    ],
)
def test_statement_magics_keep_the_statement_after_their_options(
    source: str, statement: str
) -> None:
    masked = mask(source).text
    ast.parse(masked)
    first = masked.split("\n")[0]
    assert first.startswith("if 1:") and first.endswith(statement)
    assert len(first) == len(source.split("\n")[0])  # columns stay where they were

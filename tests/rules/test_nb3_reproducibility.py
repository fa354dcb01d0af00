"""NB3 reproducibility hazards: tables of cells -> expected findings (code, cell, line, message fragment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nb2prod.config import Settings
from nb2prod.diagnostics import Diagnostic
from nb2prod.lint import lint_notebook, rules_for
from nb2prod.notebook import from_dict
from nb2prod.report import render


def notebook_of(*cells: str | dict[str, Any]) -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    for position, cell in enumerate(cells, start=1):
        if isinstance(cell, str):
            node = nbformat.v4.new_code_cell(cell)
        elif cell.get("cell_type") == "markdown":
            node = nbformat.v4.new_markdown_cell(cell["source"])
        else:
            node = nbformat.v4.new_code_cell(cell["source"])
            node.outputs = [nbformat.from_dict(output) for output in cell.get("outputs", [])]
            node.execution_count = cell.get("execution_count")
            node.metadata = cell.get("metadata", {})
        node.id = f"c{position}"
        notebook.cells.append(node)
    return json.loads(json.dumps(notebook))


def lint(code: str, *cells: str | dict[str, Any]) -> list[Diagnostic]:
    notebook = from_dict(notebook_of(*cells), Path("nb.ipynb"))
    return lint_notebook(notebook, Settings(), rules_for(Settings(), [code]))


def where(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.span.cell, d.span.line) for d in diagnostics if d.span is not None]


# (cells, expected (cell, line) findings)
UNSEEDED = [
    (["import random\nx = random.random()"], [(1, 2)]),
    (["%pylab inline", "x = np.random.rand(3)"], [(2, 1)]),  # %pylab imports numpy as np
    # A draw inside a function happens where the function runs.
    # torch layers start with random weights; a shuffling DataLoader draws each epoch's order.
    (["import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 8), nn.ReLU())"], [(1, 2)]),
    (["import torch\nfrom torch import nn\ntorch.manual_seed(0)\nfc = nn.Linear(4, 2)\nnn.init.xavier_uniform_(fc.weight)"], []),
    (["import torch\nnn = torch.nn\nfc = torch.nn.Linear(4, 2)\ntorch.nn.init.zeros_(fc.bias)"], [(1, 3)]),
    (["from torch.utils.data import DataLoader\nloader = DataLoader(ds, batch_size=32, shuffle=True)"], [(1, 2)]),
    (["from torch.utils.data import DataLoader\nval = DataLoader(ds, batch_size=32)\ng = DataLoader(ds, shuffle=True, generator=gen)"], []),
    (["from tensorflow.keras import layers\nm = keras.Sequential([layers.Dense(8), layers.Dense(1)])"], [(1, 2)]),
    (["import tensorflow as tf\ntf.random.set_seed(1)\nd = tf.keras.layers.Dense(4)\nn = tf.keras.layers.BatchNormalization()"], []),
    (["import keras\nkeras.utils.set_random_seed(7)\nfrom keras import layers\nc = layers.Conv2D(8, 3)"], []),
    # A draw in a class's methods happens where the class is used.
    (["import torch\nfrom torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 2)", "torch.manual_seed(0)\nmodel = Net()"], []),
    (["import torch\nfrom torch import nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 2)", "model = Net()", "torch.manual_seed(0)"], [(1, 6)]),
    (["import numpy as np\nclass Noise:\n    scale = np.random.rand()"], [(1, 3)]),  # the class body runs now
    (["import torch\ndef noise(x):\n    return x + torch.randn(3)", "torch.manual_seed(0)\ny = noise(1)"], []),
    (["import torch\ndef noise(x):\n    return x + torch.randn(3)", "y = noise(1)", "torch.manual_seed(0)"], [(1, 3)]),
    (["import torch\ndef noise(x):\n    return x + torch.randn(3)"], [(1, 3)]),  # never called: as written
    (["import torch\nsim = lambda t: t + torch.randn_like(t)", "torch.manual_seed(0)\nz = sim(x)"], []),
    (["import numpy as np\ndef jitter(v):\n    return v + np.random.rand()", "np.random.seed(1)\nout = df.apply(jitter)"], []),
    (["import torch\ntorch.cuda.manual_seed_all(0)\nx = torch.randn(3)"], [(1, 3)]),  # GPUs only
    (["import torch, pyro\npyro.set_rng_seed(0)\nx = torch.randn(3)"], []),
    (["import torch\ng = torch.Generator().manual_seed(0)\nx = torch.randn(3, generator=g)"], []),
    (["from torch.utils.data import random_split\nparts = random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(42))"], []),
    (["from sklearn.model_selection import train_test_split\na, b = train_test_split(X, shuffle=False)"], []),
    (["import random\nrandom.seed(1)\nx = random.random()"], []),
    (["import random\nrandom.seed()\nx = random.random()"], [(1, 3)]),  # seed() without a value is the clock
    (["import numpy as np", "np.random.seed(0)", "x = np.random.rand(3)"], []),
    (["import numpy as np", "x = np.random.rand(3)", "np.random.seed(0)"], [(2, 1)]),  # seed after use
    (["import numpy as np\nnp.random.seed(0)\nrng = np.random.default_rng()"], [(1, 3)]),  # not seeded by np.random.seed
    (["import numpy as np\nrng = np.random.default_rng(7)\nx = rng.normal()"], []),
    (["from numpy.random import default_rng\nrng = default_rng()"], [(1, 2)]),
    (["import numpy.random as npr\nx = npr.choice(5)"], [(1, 2)]),
    (["import torch\nw = torch.rand(2)"], [(1, 2)]),
    (["import torch\ntorch.manual_seed(3)\nw = torch.rand(2)"], [(1, 3)][:0]),
    (["import tensorflow as tf\nx = tf.random.normal([2])"], [(1, 2)]),
    (["import tensorflow as tf\ntf.random.set_seed(1)\nx = tf.random.normal([2])"], []),
    (["from sklearn.cluster import KMeans\nm = KMeans(3)"], [(1, 2)]),
    (["from sklearn.cluster import KMeans\nm = KMeans(3, random_state=0)"], []),
    (["from sklearn.cluster import KMeans\nm = KMeans(3, random_state=None)"], [(1, 2)]),
    (["from sklearn.model_selection import KFold\nk = KFold(5)"], []),  # no shuffle: deterministic
    (["from sklearn.model_selection import KFold\nk = KFold(5, shuffle=True)"], [(1, 2)]),
    (["import numpy as np\nfrom sklearn.cluster import KMeans\nnp.random.seed(0)\nm = KMeans(3)"], []),
    (["import lightning as L\nL.seed_everything(42)\nimport numpy as np\nx = np.random.rand()"], []),
    (["def seed_all(s):\n    pass\nseed_all(1)\nimport random\nx = random.random()"], []),
    (["import random as r\nx = r.randint(1, 6)"], [(1, 2)]),
    (["x = random.random()"], []),  # not imported: not the random module
    (["df = load()\nsample = df.sample(frac=0.5)"], [(1, 2)]),
    (["df = load()\nsample = df.sample(frac=0.5, random_state=1)"], []),
    (["import pandas as pd\nsales = pd.read_csv('a')\nfew = sales.sample(5)\ncol = sales['a'].sample(n=3)"], [(1, 3), (1, 4)]),
    (["import pymc3 as pm\ntrace = approx.sample(1000)\nposterior = trace.sample(n=10)"], []),  # not pandas' sample
    (["from sklearn.utils import shuffle, resample\nX2, y2 = shuffle(X, y)\nb = resample(X, random_state=0)"], [(1, 2)]),
]


@pytest.mark.parametrize(("cells", "expected"), UNSEEDED)
def test_unseeded_randomness(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB301", *cells)) == expected


def test_unseeded_reports_first_use_per_generator_with_the_rest_related() -> None:
    found = lint("NB301", "import numpy as np\na = np.random.rand()\nb = np.random.rand()", "c = np.random.randn()")
    assert len(found) == 1
    assert "2 more unseeded uses follow" in found[0].message
    assert [r.span.cell for r in found[0].related] == [1, 2]


ABSOLUTE = [
    (["p = '/home/alice/data.csv'"], [(1, 1)]),
    (["p = '/Users/bob/Desktop/x.xlsx'"], [(1, 1)]),
    (["p = r'C:\\Users\\bob\\x.csv'"], [(1, 1)]),
    (["p = 'D:/data/train.csv'"], [(1, 1)]),
    (["p = '~/data/train.csv'"], [(1, 1)]),
    (["p = '~/.cache/torch'"], []),  # per-user cache folders exist everywhere
    (["p = '/content/drive/MyDrive/x.csv'"], [(1, 1)]),
    (["p = '/var/lib/app/data/train.csv'"], [(1, 1)]),  # any absolute path to a file
    (["p = '/dev/null'\nq = '/tmp/out.csv'\nr = '/etc/hosts'"], []),
    (["u = 'https://example.com/home/alice/x.csv'"], []),
    (["p = 'data/train.csv'\nq = './x.csv'"], []),
    (["p = root + '/data/train.csv'"], []),
    (["p = f'{root}/home/x.csv'"], []),
    (["p = f'/home/{user}/data/train.csv'"], [(1, 1)]),  # the fields stand in for names
    (["p = f'/Users/bob/{name}.csv'\nq = f'/api/{version}/users'"], [(1, 1)]),
    (["p = os.path.join(root, '/data/x.csv')"], []),
    (["def f():\n    '''Reads /home/alice/data.csv.'''\n    return 1"], []),  # docstrings are prose
    (["endpoint = '/api/v1/users'\nsep = '/'"], []),
]


@pytest.mark.parametrize(("cells", "expected"), ABSOLUTE)
def test_absolute_path(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB302", *cells)) == expected


def test_inline_install_kinds_and_fixes() -> None:
    found = lint(
        "NB303",
        "!pip install pandas\n%pip install numpy\n!conda install -y scipy\n!python -m pip install -U x",
        "pip install requests\nimport subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'y'])",
        "!pip list\n!pip freeze > req.txt",
    )
    assert where(found) == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 3)]
    fixes = {(d.span.cell, d.span.line): d.fix for d in found if d.span is not None}
    assert fixes[(1, 2)] is None  # already %pip
    assert fixes[(2, 3)] is None  # subprocess: no mechanical fix
    first = fixes[(1, 1)]
    assert first is not None and first.applicability == "safe"
    assert first.edits[0].content == "%pip install"  # type: ignore[union-attr]
    assert fixes[(1, 3)].edits[0].content == "%conda install"  # type: ignore[union-attr]
    assert fixes[(2, 1)].edits[0].content == "%pip install"  # type: ignore[union-attr]


def test_inline_install_in_compound_commands_and_bash_cells() -> None:
    found = lint(
        "NB303",
        "import sys\n!{sys.executable} -m pip install lightgbm\n!cd shap && pip install -e .\n!python3.10 -m pip install x; echo done",
        "%%bash\nset -e\nconda install -y numpy\necho ok",
        "!pip download x && echo pip install\n!echo 'pip install y'",
    )
    assert where(found) == [(1, 2), (1, 3), (1, 4), (2, 3)]
    fixes = {(d.span.cell, d.span.line): d.fix for d in found if d.span is not None}
    assert fixes[(1, 2)].edits[0].content == "%pip install"  # type: ignore[union-attr]
    assert fixes[(1, 3)] is None and fixes[(2, 3)] is None  # no single-magic equivalent
    assert fixes[(1, 4)] is None  # `%pip install x; echo done` would give pip `x;`, `echo`, `done`


def test_inline_install_in_a_switched_off_cell_is_not_reported() -> None:
    found = lint("NB303", "%%script false --no-raise-error\npip install pandas", "%%script bash\npip install numpy")
    assert where(found) == [(2, 2)]


def test_working_directory_change() -> None:
    found = lint("NB304", "%cd data\nimport os\nos.chdir('/x')\nfrom os import chdir\nchdir('y')", "print(os.getcwd())")
    assert where(found) == [(1, 1), (1, 3), (1, 5)]


WALL_CLOCK = [
    (["import datetime\nd = datetime.datetime.now()"], [(1, 2)]),
    (["from datetime import date\nd = date.today()"], [(1, 2)]),
    (["import time\nt = time.time()\nx = f(t)"], [(1, 2)]),
    (["import time\nt0 = time.time()", "elapsed = time.time() - t0"], []),
    (["from datetime import datetime, timedelta\ncut = datetime.now() - timedelta(days=3)"], [(1, 2)]),
    (["import pandas as pd\nd = pd.to_datetime('today')\ne = pd.to_datetime('2020-01-01')"], [(1, 2)]),
    (["import time\ns = time.strftime('%Y', time.localtime(0))"], []),
]


@pytest.mark.parametrize(("cells", "expected"), WALL_CLOCK)
def test_wall_clock(cells: list[str], expected: list[tuple[int, int]]) -> None:
    found = lint("NB305", *cells)
    assert where(found) == expected
    assert all(d.severity == "info" for d in found)


NETWORK = [
    (["import pandas as pd\ndf = pd.read_csv('https://x.org/a.csv')"], [(1, 2)]),
    (["import pandas as pd\ndf = pd.read_parquet(path='s3://bucket/a.parquet')"], [(1, 2)]),
    (["import pandas as pd\ndf = pd.read_csv('data/a.csv')"], []),
    (["import requests\nr = requests.get(url)"], [(1, 2)]),
    (["from urllib.request import urlretrieve\nurlretrieve(u, 'f')"], [(1, 2)]),
    (["from sklearn.datasets import fetch_openml\nX = fetch_openml('mnist_784')"], [(1, 2)]),
    (["from torchvision import datasets\nd = datasets.MNIST('data', download=True)\ne = datasets.MNIST('data')"], [(1, 2)]),
    (["!wget https://x.org/a.zip\n!git clone https://x.org/r.git\n!git status"], [(1, 1), (1, 2)]),
    (["import pandas_datareader.data as web\nd = web.DataReader('GOOG', 'stooq')"], [(1, 2)]),
    (["import statsmodels.api as sm\nd = sm.datasets.get_rdataset('Duncan', 'carData')"], [(1, 2)]),
    (["import geodatasets\np = geodatasets.get_path('nybb')"], [(1, 2)]),
    (["import xarray as xr\nds = xr.tutorial.load_dataset('air_temperature')"], [(1, 2)]),
    (["from tensorflow.keras.datasets import mnist\n(x, y), _ = mnist.load_data()"], [(1, 2)]),
]


@pytest.mark.parametrize(("cells", "expected"), NETWORK)
def test_network_data_fetch(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB306", *cells)) == expected


SHELL = [
    (["!rm -rf build"], [(1, 1)]),
    (["!ls -la\n!nvidia-smi\n!cat x | head\n!pip show numpy\n!git log -1\n!python --version"], []),
    (["!pip install x\n!wget https://x.org/f"], []),  # NB303 and NB306 report those
    (["!echo hi > f.txt"], [(1, 1)]),
    (["!echo 'a > b'"], []),  # the > is inside quotes
    (["out = !python train.py"], [(1, 1)]),
    (["%%bash\nls\npwd"], []),
    (["%%bash\nls\nmkdir out"], [(1, 1)]),
    (["!find . -name '*.pyc' -delete"], [(1, 1)]),
    # `%%script false` switches a cell off: its body goes to a program that ignores it.
    (["%%script false --no-raise-error\nrm -rf build\nmkdir out"], []),
    (["%%script --bg --out log false\nrm -rf build"], []),
    (["%%script /bin/false\nrm -rf build"], []),
    (["%%script bash --no-raise-error\nrm -rf build"], [(1, 1)]),
]


@pytest.mark.parametrize(("cells", "expected"), SHELL)
def test_shell_command(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB307", *cells)) == expected


def test_cells_meant_to_fail_keep_their_error_output() -> None:
    def error() -> Any:
        return nbformat.v4.new_output("error", ename="RuntimeError", evalue="on purpose", traceback=[])

    found = lint(
        "NB308",
        {"source": "raise RuntimeError('on purpose')", "outputs": [error()], "execution_count": 1, "metadata": {"tags": ["raises-exception"]}},
        {"source": "# NBVAL_RAISES_EXCEPTION\nraise RuntimeError('on purpose')", "outputs": [error()], "execution_count": 2},
        {"source": "raise RuntimeError('on purpose')", "outputs": [error()], "execution_count": 3, "metadata": {"tags": ["nbval-raises-exception"]}},
        {"source": "raise RuntimeError('by accident')", "outputs": [error()], "execution_count": 4},
    )
    assert where(found) == [(4, 1)]


def test_error_output_committed_and_its_fix() -> None:
    error = nbformat.v4.new_output("error", ename="KeyError", evalue="'col'", traceback=["KeyError: 'col'"])
    stderr = nbformat.v4.new_output("stream", name="stderr", text="Traceback (most recent call last):\n  ...\nValueError: no\n")
    warning = nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning: soon\n")
    found = lint(
        "NB308",
        {"source": "df['col']", "outputs": [nbformat.v4.new_output("stream", name="stdout", text="a\n"), error], "execution_count": 1},
        {"source": "f()", "outputs": [stderr], "execution_count": 2},
        {"source": "g()", "outputs": [warning], "execution_count": 3},
    )
    assert where(found) == [(1, 1), (2, 1)]
    assert "KeyError: 'col'" in found[0].message
    assert "ValueError: no" in found[1].message
    fix = found[0].fix
    assert fix is not None and fix.applicability == "unsafe"
    assert fix.edits[0].output_indices == (1,)  # type: ignore[union-attr]


def test_interactive_input() -> None:
    found = lint(
        "NB309",
        "name = input('who? ')",
        "from getpass import getpass\npw = getpass('pw')",
        "import getpass\npw2 = getpass.getpass()",
        "import click\nn = click.prompt('n')",
    )
    assert where(found) == [(1, 1), (2, 2), (3, 2), (4, 2)]
    assert lint("NB309", "def input(prompt):\n    return 'x'\nname = input('who? ')") == []


REMOVED = [
    (["import numpy as np\nx = np.float(1)"], [(1, 2)]),
    (["import numpy as np\nx = np.bool_(1)\ny = np.float64(2)\nz = np.nan"], []),
    (["import numpy\nx = numpy.product([1])"], [(1, 2)]),
    (["from numpy import NaN"], [(1, 1)]),
    (["import pandas as pd\ndf = pd.DataFrame()\ndf = df.append(row)"], [(1, 3)]),
    (["items = []\nitems.append(1)\ndf = []\ndf.append(2)"], []),  # lists keep .append
    (["import pandas as pd\nframe = pd.read_csv('a')\nframe2 = frame.append(frame)"], [(1, 3)]),
    (["x = d.iteritems()"], [(1, 1)]),
    (["v = df.ix[0]"], [(1, 1)]),
    (["m = df.as_matrix()"], [(1, 1)]),
    (["import matplotlib.pyplot as plt\nplt.style.use('seaborn')\nplt.style.use('seaborn-v0_8')\nplt.style.use('ggplot')"], [(1, 2)]),
    (["import matplotlib.pyplot as plt\nwith plt.style.context(['seaborn-darkgrid']):\n    pass"], [(1, 2)]),
    (["from sklearn.cross_validation import train_test_split\na = train_test_split(x)"], [(1, 1)]),
    (["from sklearn.datasets import load_boston\nb = load_boston()"], [(1, 1)]),
    (["from sklearn.ensemble import GradientBoostingClassifier as G\ng = G(loss='deviance')\nh = G(loss='log_loss')"], [(1, 2)]),
    (["import pandas as pd\nd = pd.read_csv('a', error_bad_lines=False)"], [(1, 2)]),
    (["df.to_csv('a', line_terminator='\\n')"], [(1, 1)]),
    (["import matplotlib.pyplot as plt\nplt.hist(x, normed=True)"], [(1, 2)]),
    (["import hvplot.pandas\ndf.hvplot.hist(normed=True)\ndf.plot.hist(normed=True)"], [(1, 3)]),  # hvplot's own keyword
    (["import holoviews as hv\nimport matplotlib.pyplot as plt\npoints.hist(normed=False)\nplt.hist(x, normed=True)"], [(1, 4)]),
    (["from pandas.tools.plotting import scatter_matrix"], [(1, 1)]),
    (["import pandas as pd\ndf = pd.read_csv('a')\ns = df['a'].append(df['b'])\nm = df.mad()\nv = df.lookup(r, c)"], [(1, 3), (1, 4), (1, 5)]),
    (["results = {'a': []}\nresults['a'].append(1)\nimport codecs\ncodecs.lookup('utf-8')"], []),
    (["import numpy as np\nh = np.histogram(x, normed=True)"], [(1, 2)]),
    (["from scipy.misc import imread\nimg = imread('a.png')"], [(1, 1)]),
    (["import matplotlib.pyplot as plt\nplt.style.use(['seaborn-white', 'seaborn-paper'])"], [(1, 2), (1, 2)]),
    (["import seaborn as sns\nsns.factorplot(x='a', data=d)"], [(1, 2)]),
    (["import pandas as pd\nd = pd.datetime.today()"], [(1, 2)]),
    # pyplot and pylab re-export matplotlib.cm, whose get_cmap is gone; pyplot's own get_cmap stays.
    (["import matplotlib.pyplot as plt\na = plt.cm.get_cmap('viridis')\nb = plt.get_cmap('viridis')\nc = plt.cm.viridis"], [(1, 2)]),
    (["from matplotlib.pyplot import cm\na = cm.get_cmap('viridis')"], [(1, 2)]),
    (["import pylab\na = pylab.cm.get_cmap('viridis')"], [(1, 2)]),
]


@pytest.mark.parametrize(("cells", "expected"), REMOVED)
def test_removed_api(cells: list[str], expected: list[tuple[int, int]]) -> None:
    assert where(lint("NB310", *cells)) == expected


def test_removed_api_names_the_replacement() -> None:
    (finding,) = lint("NB310", "import numpy as np\nx = np.NaN")
    assert finding.message == "`np.NaN` was removed in numpy 2.0; use `numpy.nan`"
    (style,) = lint("NB310", "import matplotlib.pyplot as plt\nplt.style.use('seaborn-whitegrid')")
    assert "seaborn-v0_8-whitegrid" in style.message


# Fabricated secrets in the shape of real ones.
AWS = "AKIA" + "Q7ZK2M4XWB9PLR3T"
GITHUB = "ghp_" + "Zx8Kx2LmQ9vR4tY7wZ1bN5cD3fG6hJ0kP2sT"
OPENAI = "sk-" + "Qw3rTy7uIo9pAs2dFg4hJk6lZx8cVb1nM5qW2eR4tY"
SLACK = "xoxb-" + "2451987634-8812345678901-Zx8Kx2LmQ9vR4tY7wZ1bN5cD"
SLACK_LEGACY = "xoxp-" + "2451987634-8812345678-2451987634-" + "a8f5f167f44f4964e6c998dee827110c"
PASSWORD = "Tr0ub4dor&3-prod"
GENERIC = "9f8A7b6C5d4E3f2G1h0IjKlMn"
HEX_KEY = "a8f5f167f44f4964e6c998dee827110c"
QUERY_KEY = "Q7XK2M9PLR4T8VZB"

SECRETS = [
    ([f"key = '{AWS}'"], AWS),
    ([f"import os\nos.environ['GITHUB_TOKEN'] = '{GITHUB}'"], GITHUB),
    ([f"client = OpenAI(api_key='{OPENAI}')"], OPENAI),
    ([f"slack = '{SLACK}'"], SLACK),
    ([f"slack = '{SLACK_LEGACY}'"], SLACK_LEGACY),  # legacy shape: lower-case hex, no upper case
    ([f"db_password = '{PASSWORD}'"], PASSWORD),
    ([f"API_KEY = '{GENERIC}'"], GENERIC),
    ([f"conf = {{'secret_key': '{GENERIC}'}}"], GENERIC),
    ([f"%env OPENAI_API_KEY={OPENAI}"], OPENAI),
    ([f"engine = create_engine('postgresql://admin:{PASSWORD}@db.example.com/prod')"], PASSWORD),
    ([{"cell_type": "markdown", "source": f"Use the token {GITHUB}."}], GITHUB),
    ([{"source": "print(cfg)", "outputs": [nbformat.v4.new_output("stream", name="stdout", text=f"token={GITHUB}\n")]}], GITHUB),
    ([{"source": "cfg", "outputs": [nbformat.v4.new_output("execute_result", data={"text/plain": f"'{AWS}'"}, execution_count=1)]}], AWS),
    (["key = '-----BEGIN RSA PRIVATE KEY-----\\nMIIEow...'"], "MIIEow"),
    ([f"key = '\\x41{AWS[1:]}'"], AWS[4:]),  # an escape spells the marker: the source lacks "AKIA"
    ([f"key = ('{AWS[:8]}'\n       '{AWS[8:]}')"], AWS),  # implicit concatenation
    ([f"r = requests.get('https://api.example.org/data?q=London&appid={HEX_KEY}')"], HEX_KEY),
    ([f"url = 'https://www.example.com/query?symbol=IBM&apikey={QUERY_KEY}'"], QUERY_KEY),
    ([f"!curl 'https://example.com/v1/items?access_token={GENERIC}'"], GENERIC),
    ([f"headers = {{'Authorization': 'Bearer {HEX_KEY}'}}"], HEX_KEY),
    ([f"r = requests.get(url, auth=('admin', '{PASSWORD}'))"], PASSWORD),
    ([f"from requests.auth import HTTPBasicAuth\nr = requests.get(url, auth=HTTPBasicAuth('me', '{PASSWORD}'))"], PASSWORD),
    ([f"session.auth = ('admin', '{PASSWORD}')"], PASSWORD),
    ([f"server = smtplib.SMTP('smtp.example.com', 587)\nserver.login('me@example.com', '{PASSWORD}')"], PASSWORD),
]


@pytest.mark.parametrize(("cells", "secret"), SECRETS)
def test_hardcoded_secret_found_and_masked_in_every_format(cells: list[Any], secret: str) -> None:
    found = lint("NB311", *cells)
    assert len(found) == 1, [d.message for d in found]
    assert found[0].severity == "error"
    for output_format in ("text", "json", "sarif", "github", "junit"):
        rendered = render(found, ["nb.ipynb"], output_format)
        assert secret not in rendered, f"{output_format} shows the whole secret"


NOT_SECRETS = [
    "import os\napi_key = os.environ['API_KEY']\npassword = os.getenv('PW')",
    "api_key = 'YOUR_API_KEY'\npassword = '<password>'\ntoken = ''\nsecret = 'changeme'",
    "token_file = 'secrets/token.txt'\nmax_tokens = '4096'\ntokenizer = 'bert-base-uncased-whole-word-masking'",
    "KEY = 'name'\nsort_key = 'created_at_timestamp_2020'",
    "style = '#sk-container-id-1 div.sk-toggleable__content'",
    "url = 'postgresql://user@localhost/db'\nurl2 = 'https://user:${PASSWORD}@host/x'",
    "sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
    # Query parameters that are not credentials, or whose value is filled in later.
    "u = 'https://docs.google.com/spreadsheets/d/x/export?key=1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms'",
    "u = 'https://example.com/api?apikey=YOUR_API_KEY&token=%s'\nv = f'https://example.com/api?apikey={API_KEY}'",
    "u = 'https://example.com/search?page=2&sort=created_at_2020_desc'",
    "h = {'Authorization': 'Bearer ' + token}\nnote = 'Bearer tokens expire after an hour'",
    "slack = 'xoxp-" + "1-2-3-" + "0" * 32 + "'\nlabel = 'xoxb-" + "1-2-3-deadbeef'",  # placeholders
    # Passwords read from elsewhere, or placeholders, in the places credentials are passed.
    "r = requests.get(url, auth=(user, os.environ['PW']))\ns.auth = ('user', '<password>')",
    "server.login(EMAIL, getpass.getpass())\nftp.login('anonymous', 'your_password')\nlogin(a, b)",
]


@pytest.mark.parametrize("source", NOT_SECRETS)
def test_hardcoded_secret_ignores_lookups_placeholders_and_lookalikes(source: str) -> None:
    assert lint("NB311", source) == []


@pytest.mark.parametrize("token", [AWS, GITHUB, OPENAI, SLACK])
def test_hardcoded_secret_needs_a_word_boundary_before_the_marker(token: str) -> None:
    # The patterns start with the marker (fast to search) and check the boundary after it.
    from nb2prod.rules._secrets import find_token_secrets

    assert [match.value for match in find_token_secrets(token)] == [token]  # at the very start
    assert [match.value for match in find_token_secrets(f"x = ({token})")] == [token]
    assert find_token_secrets(f"x{token}") == ()
    assert find_token_secrets(f"_{token}") == ()


def test_password_in_a_url_needs_a_scheme_right_before_the_separator() -> None:
    from nb2prod.rules._secrets import find_token_secrets

    url = f"postgresql://admin:{PASSWORD}@db.example.com"
    assert [match.value for match in find_token_secrets(url)] == [PASSWORD]
    assert [match.value for match in find_token_secrets(f"(db+{url})")] == [PASSWORD]
    assert find_token_secrets(f"://admin:{PASSWORD}@db.example.com") == ()  # no scheme
    assert find_token_secrets(f"p://admin:{PASSWORD}@db.example.com") == ()  # one letter is none
    assert find_token_secrets(f"{'a' * 30}://admin:{PASSWORD}@db.example.com") == ()  # too long
    # A host that runs into the next URL's scheme: that scheme still counts.
    two = f"a://u:{PASSWORD}@ftp://admin:{HEX_KEY}@db.example.com"
    assert [match.value for match in find_token_secrets(two)] == [HEX_KEY]


def test_error_output_without_name_or_value_still_says_what_it_is() -> None:
    nameless = nbformat.v4.new_output("error", ename="", evalue="", traceback=[])
    only_value = nbformat.v4.new_output("error", ename="", evalue="Kernel died", traceback=[])
    found = lint(
        "NB308",
        {"source": "train()", "outputs": [nameless], "execution_count": 1},
        {"source": "train()", "outputs": [only_value], "execution_count": 2},
    )
    assert "``" not in found[0].message and "kernel may have died" in found[0].message
    assert found[1].message.endswith("`Kernel died`")

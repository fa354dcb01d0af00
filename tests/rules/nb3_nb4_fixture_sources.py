"""Sources of the NB3/NB4 rule fixtures; run this file to (re)write fixtures/rules/NB3*.ipynb and NB4*.ipynb."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"

# Secrets below are fabricated, with the shape of real ones, to exercise the detector.
FAKE_AWS_KEY = "AKIA" + "Z7QK2M4XWB9PLR3T"
FAKE_GITHUB_TOKEN = "ghp_" + "a8Kx2LmQ9vR4tY7wZ1bN5cD3fG6hJ0kP2sT4"
FAKE_OPENAI_KEY = "sk-proj-" + "Qw3rTy7uIo9pAs2dFg4hJk6lZx8cVb1nM5"


def code(source: str, count: int | None = None, outputs: list[dict[str, Any]] | None = None, tags: list[str] | None = None) -> dict[str, Any]:
    return {"kind": "code", "source": source, "count": count, "outputs": outputs or [], "tags": tags or []}


def markdown(source: str) -> dict[str, Any]:
    return {"kind": "markdown", "source": source}


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return nbformat.v4.new_output("stream", name=name, text=text)


def error(ename: str, evalue: str) -> dict[str, Any]:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def display(data: dict[str, Any]) -> dict[str, Any]:
    return nbformat.v4.new_output("display_data", data=data)


FIXTURE_CELLS: dict[str, list[dict[str, Any]]] = {
    # NB301 unseeded-randomness
    "NB301_unseeded_numpy_and_sklearn": [
        code("import numpy as np\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.ensemble import RandomForestClassifier"),
        code("noise = np.random.normal(size=100)\nmore = np.random.rand(3)"),
        code("rng = np.random.default_rng()\nX_train, X_test = train_test_split(noise)\nmodel = RandomForestClassifier(n_estimators=10)"),
    ],
    "NB301_unseeded_aliases_torch_random": [
        code("import random\nfrom numpy import random as npr\nimport torch as th"),
        code("pick = random.choice([1, 2, 3])\nsample = npr.randn(4)\nweights = th.randn(3, 3)"),
    ],
    "NB301_clean_seeded_before_use": [
        code("import random\nimport numpy as np\nimport torch\nfrom sklearn.model_selection import KFold, train_test_split\nrandom.seed(0)\nnp.random.seed(0)\ntorch.manual_seed(0)"),
        code("pick = random.choice([1, 2, 3])\nnoise = np.random.normal(size=10)\nrng = np.random.default_rng(42)\nweights = torch.randn(2)"),
        code("parts = train_test_split(noise, random_state=1)\nfolds = KFold(n_splits=3)\nshuffled = KFold(n_splits=3, shuffle=True, random_state=0)"),
    ],
    # NB302 absolute-path
    "NB302_home_and_drive_paths": [
        code("import pandas as pd\ndf = pd.read_csv('/home/alice/projects/churn/train.csv')"),
        code("model_path = \"C:\\\\Users\\\\bob\\\\models\\\\m.pkl\"\ncache = '~/cache/features.parquet'\ndrive = '/content/drive/MyDrive/data.csv'"),
    ],
    "NB302_clean_relative_urls_system": [
        code("import pandas as pd\nfrom pathlib import Path\nroot = Path('data')\ndf = pd.read_csv(root / 'train.csv')"),
        code("url = 'https://example.com/home/data.csv'\nnull = open('/dev/null', 'w')\nscratch = '/tmp/scratch.txt'\nname = f\"{root}/data/out.csv\"\nendpoint = '/api/v1/users'"),
    ],
    # NB303 inline-package-install
    "NB303_pip_and_conda_installs": [
        code("!pip install pandas==2.2.3 scikit-learn"),
        code("%pip install seaborn\n!conda install -y numpy\n!python -m pip install requests"),
    ],
    "NB303_clean_no_installs": [
        code("!pip list\n%pip --version"),
        code("import pandas as pd"),
    ],
    # NB304 working-directory-change
    "NB304_cd_and_chdir": [
        code("%cd data"),
        code("import os\nos.chdir('..')"),
    ],
    "NB304_clean_paths_only": [
        code("import os\nprint(os.getcwd())\nfiles = os.listdir('.')"),
    ],
    # NB305 wall-clock-dependence
    "NB305_now_and_today": [
        code("from datetime import datetime, date, timedelta\nimport pandas as pd\ncutoff = datetime.now() - timedelta(days=30)"),
        code("stamp = pd.Timestamp.today()\nday = date.today()\nwhen = pd.to_datetime('now')"),
    ],
    "NB305_clean_durations_only": [
        code("import time\nstart = time.time()\ntotal = sum(range(10))\nelapsed = time.time() - start"),
        code("from datetime import datetime\nt0 = datetime.now()\nduration = datetime.now() - t0"),
    ],
    # NB306 network-data-fetch
    "NB306_urls_and_downloads": [
        code("import pandas as pd\nimport requests\ndf = pd.read_csv('https://example.com/sales.csv')"),
        code("page = requests.get('https://example.com/api')\n!wget https://example.com/data.zip"),
    ],
    "NB306_clean_local_files": [
        code("import pandas as pd\ndf = pd.read_csv('data/sales.csv')\njs = pd.read_json('data/meta.json')"),
    ],
    # NB307 shell-command
    "NB307_side_effect_shells": [
        code("!mkdir -p output && cp results.csv output/\n!rm -rf tmp/"),
        code("!echo done > status.txt\nfiles = !python prepare.py"),
        code("%%bash\nmv a.txt b.txt"),
    ],
    "NB307_clean_read_only_shells": [
        code("!ls -la\n!nvidia-smi\n!pip list\n!cat README.md | head -5\n!python --version"),
    ],
    # NB308 error-output-committed
    "NB308_saved_traceback": [
        code("x = 1", 1, [stream("ok\n")]),
        code("print(y)", 2, [error("NameError", "name 'y' is not defined")]),
        code(
            "import subprocess",
            3,
            [stream("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad\n", "stderr")],
        ),
    ],
    "NB308_clean_warnings_only": [
        code("import warnings\nwarnings.warn('careful')", 1, [stream("UserWarning: careful\n", "stderr")]),
    ],
    # NB309 interactive-input
    "NB309_input_and_getpass": [
        code("n = int(input('How many clusters? '))"),
        code("from getpass import getpass\npassword = getpass()"),
    ],
    "NB309_clean_parameters": [
        code("n = 5\nimport os\npassword = os.environ.get('DB_PASSWORD')"),
    ],
    # NB310 removed-api
    "NB310_numpy_pandas_matplotlib_sklearn": [
        code("import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\nfrom sklearn.preprocessing import OneHotEncoder\nfrom sklearn.cross_validation import train_test_split"),
        code("x = np.zeros(3, dtype=np.float)\ny = np.NaN\ndf = pd.read_csv('data.csv', error_bad_lines=False)"),
        code("df = df.append({'a': 1}, ignore_index=True)\nfor key, value in df.iteritems():\n    print(key)\nfirst = df.ix[0]"),
        code("plt.style.use('seaborn-whitegrid')\nencoder = OneHotEncoder(sparse=False)"),
    ],
    "NB310_clean_current_apis": [
        code("import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\nfrom sklearn.preprocessing import OneHotEncoder"),
        code("x = np.zeros(3, dtype=np.float64)\ny = np.nan\nrows = []\nrows.append(1)\ndf = pd.concat([pd.DataFrame({'a': [1]})])"),
        code("for key, value in df.items():\n    print(key)\nplt.style.use('seaborn-v0_8-whitegrid')\nencoder = OneHotEncoder(sparse_output=False)"),
    ],
    # NB311 hardcoded-secret
    "NB311_keys_in_source_and_output": [
        code(f"import openai\nopenai.api_key = '{FAKE_OPENAI_KEY}'\naws_key = '{FAKE_AWS_KEY}'"),
        code("db_password = 'hunter2-prod'\nconfig = {'token': 'x9F2kL8qW3zR7vN1bM4c'}"),
        code("print(token)", 3, [stream(f"using {FAKE_GITHUB_TOKEN}\n")]),
        markdown("Connect with `postgresql://admin:S3cretPassw0rd@db.example.com/prod`."),
    ],
    "NB311_clean_environment_lookups": [
        code("import os\nopenai_key = os.environ['OPENAI_API_KEY']\npassword = os.getenv('DB_PASSWORD')\ntoken_file = 'secrets/token.txt'"),
        code("api_key = '<your-api-key>'\nmax_tokens = 'abc123def456ghi789'\nurl = 'postgresql://user@localhost/db'"),
    ],
    # NB401 import-not-at-top
    "NB401_imports_in_later_cells": [
        code("import pandas as pd\n\ndf = pd.DataFrame({'a': [1, 2]})"),
        code("import numpy as np\nfrom pathlib import Path\ntotal = np.sum(df.a)"),
        code("def helper():\n    import json\n    return json.dumps({})"),
    ],
    "NB401_clean_all_imports_first": [
        code("x = 1", tags=["parameters"]),
        code("import numpy as np\nimport pandas as pd"),
        code("df = pd.DataFrame({'a': np.arange(x)})"),
    ],
    # NB402 star-import
    "NB402_star_imports": [
        code("from pylab import *\nfrom math import *"),
        code("plot(x, sin(x))"),
    ],
    "NB402_clean_explicit_imports": [
        code("import matplotlib.pyplot as plt\nfrom math import sin"),
    ],
    # NB403 missing-parameters-cell
    "NB403_injected_without_parameters_cell": [
        code("alpha = 0.5"),
        code("# Parameters\nalpha = 0.1\n", tags=["injected-parameters"]),
        code("print(alpha)"),
    ],
    "NB403_clean_tagged_parameters": [
        code("alpha = 0.5", tags=["parameters"]),
        code("# Parameters\nalpha = 0.1\n", tags=["injected-parameters"]),
        code("print(alpha)"),
    ],
    # NB404 parameter-used-before-parameters-cell
    "NB404_parameter_read_above": [
        code("import pandas as pd\ndf = pd.read_csv(f'data/{year}.csv')"),
        code("year = 2023", tags=["parameters"]),
    ],
    "NB404_clean_parameters_first": [
        code("year = 2023", tags=["parameters"]),
        code("import pandas as pd\ndf = pd.read_csv(f'data/{year}.csv')"),
    ],
    # NB405 parameter-reassigned
    "NB405_parameter_overwritten": [
        code("threshold = 0.5\nepochs = 10", tags=["parameters"]),
        code("threshold = 0.7\nprint(epochs)"),
    ],
    "NB405_clean_derived_name": [
        code("threshold = 0.5", tags=["parameters"]),
        code("strict_threshold = threshold + 0.2"),
    ],
    # NB406 parameter-without-literal-default
    "NB406_computed_defaults": [
        code("import os\ndata_dir = os.path.join('root', 'data')\nn: int = len('abc')\nrate = 0.1", tags=["parameters"]),
    ],
    "NB406_clean_literal_defaults": [
        code('"""Defaults for papermill."""\ndata_dir = "data"\nn: int = 3\nrates = [0.1, -0.2]\nopts = {"a": None}', tags=["parameters"]),
    ],
    # NB407 cell-too-long
    "NB407_long_cell": [
        code("\n".join(f"value_{i} = {i}" for i in range(105))),
    ],
    "NB407_clean_short_cells": [
        code("\n".join(f"value_{i} = {i}" for i in range(50)) + "\n\n\n" + "\n".join(f"other_{i} = {i}" for i in range(50))),
    ],
    # NB408 large-output
    "NB408_big_image_output": [
        code("plot()", 1, [display({"image/png": "iVBORw0KGgo" + "A" * 600_000, "text/plain": "<Figure>"})]),
    ],
    "NB408_clean_small_outputs": [
        code("print('ok')", 1, [stream("ok\n")]),
    ],
    # NB409 global-used-in-function
    "NB409_function_reads_notebook_variable": [
        code("import pandas as pd\nTHRESHOLD = 3\ndf = pd.DataFrame({'price': [1, 5]})"),
        code("def expensive():\n    return df[df.price > THRESHOLD]\n\nresult = expensive()"),
    ],
    "NB409_clean_parameters_passed": [
        code("import pandas as pd\nTHRESHOLD = 3\ndf = pd.DataFrame({'price': [1, 5]})"),
        code("def expensive(frame):\n    return frame[frame.price > THRESHOLD]\n\nresult = expensive(df)\nresult"),
    ],
    # NB410 unused-definition
    "NB410_dead_definitions": [
        code("raw = [3, 1, 2]\nclean = sorted(raw)\nbackup = list(clean)"),
        code("def unused_helper():\n    return 1\n\nclass Unused:\n    pass\n\nprint(clean)"),
    ],
    "NB410_clean_everything_read": [
        code("raw = [3, 1, 2]\nclean = sorted(raw)\nfig, ax = (1, 2)\n_scratch = 3"),
        code("def helper():\n    return clean\n\nprint(helper(), ax)"),
    ],
}


def build(cells: list[dict[str, Any]]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for position, spec in enumerate(cells, start=1):
        if spec["kind"] == "markdown":
            cell = nbformat.v4.new_markdown_cell(spec["source"])
        else:
            cell = nbformat.v4.new_code_cell(spec["source"])
            cell.execution_count = spec["count"]
            cell.outputs = [nbformat.from_dict(output) for output in spec["outputs"]]
            if spec["tags"]:
                cell.metadata["tags"] = spec["tags"]
        cell.id = f"cell-{position}"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def write_all() -> list[Path]:
    written = []
    for stem, cells in FIXTURE_CELLS.items():
        path = FIXTURES / f"{stem}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build(cells), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(FIXTURES.parent.parent))

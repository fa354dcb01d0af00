"""NB3 reproducibility hazards: randomness, paths, installs, secrets and other things a fresh run will not repeat."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nb2prod.analysis.parse import source_segment, walk_nodes
from nb2prod.diagnostics import ClearOutputs, Diagnostic, Fix, Related, ReplaceText
from nb2prod.magics import IPythonSyntax, shell_installs
from nb2prod.notebook import Cell
from nb2prod.rules import _removed_api as removed
from nb2prod.rules._names import CellIndex, cell_indexes, literal_string, node_span
from nb2prod.rules._secrets import (
    find_token_secrets,
    is_secret_name,
    looks_like_secret_value,
    mask_secret,
    may_hold_token_secret,
)
from nb2prod.rules.base import LintContext, Rule

__all__ = [
    "RULES",
    "AbsolutePath",
    "ErrorOutputCommitted",
    "HardcodedSecret",
    "InlinePackageInstall",
    "InteractiveInput",
    "NetworkDataFetch",
    "RemovedApi",
    "ShellCommand",
    "UnseededRandomness",
    "WallClockDependence",
    "WorkingDirectoryChange",
]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _source_of(cell: Cell, node: ast.AST) -> str:
    segment = source_segment(cell.source, node) if hasattr(node, "lineno") else None
    return _short(segment or "")


def _keyword_value(call: ast.Call, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return None


def _syntax_span(context: LintContext, cell: Cell, item: IPythonSyntax) -> Any:
    return context.span(cell, item.line, item.column, item.line, item.end_column)


# --------------------------------------------------------------------------------------------------
# unseeded-randomness

_PYTHON_RANDOM_FUNCTIONS = frozenset(
    {
        "random",
        "randint",
        "randrange",
        "choice",
        "choices",
        "shuffle",
        "sample",
        "uniform",
        "gauss",
        "normalvariate",
        "lognormvariate",
        "expovariate",
        "vonmisesvariate",
        "gammavariate",
        "betavariate",
        "paretovariate",
        "weibullvariate",
        "triangular",
        "getrandbits",
        "randbytes",
        "binomialvariate",
    }
)
_NUMPY_NOT_RANDOM = frozenset(
    {
        "seed",
        "default_rng",
        "RandomState",
        "Generator",
        "SeedSequence",
        "get_state",
        "set_state",
        "PCG64",
        "PCG64DXSM",
        "MT19937",
        "Philox",
        "SFC64",
        "BitGenerator",
        "bit_generator",
    }
)
_TORCH_RANDOM_FUNCTIONS = frozenset(
    {
        "rand",
        "randn",
        "randint",
        "randperm",
        "rand_like",
        "randn_like",
        "randint_like",
        "normal",
        "bernoulli",
        "multinomial",
        "poisson",
    }
)
# torch.nn layers whose weights are drawn from torch's global generator when they are built.
_TORCH_RANDOM_LAYERS = frozenset(
    {
        "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
        "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
        "Embedding", "EmbeddingBag", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
        "MultiheadAttention", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer",
    }
)  # fmt: skip
# torch.nn.init functions that draw (constant_, ones_, zeros_, eye_ and dirac_ do not).
_TORCH_RANDOM_INIT = frozenset(
    {
        "uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
        "kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_",
    }
)  # fmt: skip
# Keras layers whose weights start random (initialised from TensorFlow's or Keras' global seed).
_KERAS_RANDOM_LAYERS = frozenset(
    {
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
        "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
        "DepthwiseConv2D", "LSTM", "GRU", "SimpleRNN", "Embedding", "MultiHeadAttention",
    }
)  # fmt: skip
_KERAS_LAYER_MODULES = (["keras", "layers"], ["tensorflow", "keras", "layers"])
_TENSORFLOW_NOT_RANDOM = frozenset(
    {"set_seed", "Generator", "get_global_generator", "set_global_generator", "experimental"}
)
_ALL_LIBRARIES = frozenset({"random", "numpy", "torch", "tensorflow"})
# Exact seeding calls and which generators they seed. scikit-learn and pandas draw from numpy's
# global generator when given no random_state, so numpy's seed covers them.
_SEEDERS: dict[str, frozenset[str]] = {
    "random.seed": frozenset({"random"}),
    "numpy.random.seed": frozenset({"numpy"}),
    "torch.manual_seed": frozenset({"torch"}),
    # torch.cuda.manual_seed(_all) seed the GPUs only: CPU draws stay unseeded.
    "torch.random.manual_seed": frozenset({"torch"}),
    "pyro.set_rng_seed": frozenset({"random", "numpy", "torch"}),
    "tensorflow.random.set_seed": frozenset({"tensorflow"}),
    "tensorflow.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.compat.v1.set_random_seed": frozenset({"tensorflow"}),
    "tensorflow.keras.utils.set_random_seed": _ALL_LIBRARIES - {"torch"},
    "keras.utils.set_random_seed": _ALL_LIBRARIES - {"torch"},
}
# Helpers (from libraries or written in the notebook) whose name says they seed everything.
_SEED_ALL_NAMES = frozenset(
    {
        "seed_everything",
        "set_seed",
        "set_seeds",
        "seed_all",
        "set_random_seed",
        "fix_seed",
        "set_all_seeds",
        "seed_everything_",
    }
)

# scikit-learn callables that draw random numbers unless given random_state.
_SKLEARN_RANDOM = frozenset(
    {
        "train_test_split",
        "ShuffleSplit",
        "StratifiedShuffleSplit",
        "GroupShuffleSplit",
        "RepeatedKFold",
        "RepeatedStratifiedKFold",
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
        "GradientBoostingClassifier",
        "GradientBoostingRegressor",
        "HistGradientBoostingClassifier",
        "HistGradientBoostingRegressor",
        "BaggingClassifier",
        "BaggingRegressor",
        "AdaBoostClassifier",
        "AdaBoostRegressor",
        "IsolationForest",
        "RandomTreesEmbedding",
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "KMeans",
        "MiniBatchKMeans",
        "BisectingKMeans",
        "SpectralClustering",
        "GaussianMixture",
        "BayesianGaussianMixture",
        "TSNE",
        "SGDClassifier",
        "SGDRegressor",
        "MLPClassifier",
        "MLPRegressor",
        "RandomizedSearchCV",
        "Perceptron",
        "PassiveAggressiveClassifier",
        "shuffle",
        "resample",
        "make_classification",
        "make_regression",
        "make_blobs",
        "make_moons",
        "make_circles",
        "permutation_importance",
        "RandomUnderSampler",
        "RandomOverSampler",
        "SMOTE",
    }
)
_SKLEARN_SHUFFLE_SPLITTERS = frozenset({"KFold", "StratifiedKFold", "StratifiedGroupKFold"})
_RANDOM_STATE_PACKAGES = ("sklearn.", "imblearn.", "umap.")


def _seeding(name: str | None, call: ast.Call) -> frozenset[str]:
    if name is None or not (call.args or call.keywords):
        return frozenset()
    if (
        len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value is None
    ):
        return frozenset()
    if name in _SEEDERS:
        return _SEEDERS[name]
    if name.rsplit(".", 1)[-1] in _SEED_ALL_NAMES:
        return _ALL_LIBRARIES
    return frozenset()


def _random_library(name: str) -> str | None:
    """The global generator a call draws from, if it is one of the known random functions."""
    parts = name.split(".")
    if parts[0] == "random" and len(parts) == 2 and parts[1] in _PYTHON_RANDOM_FUNCTIONS:
        return "random"
    if parts[:2] == ["numpy", "random"] and len(parts) == 3 and parts[2] not in _NUMPY_NOT_RANDOM:
        return "numpy"
    if parts[0] == "torch" and len(parts) == 2 and parts[1] in _TORCH_RANDOM_FUNCTIONS:
        return "torch"
    if name == "torch.utils.data.random_split":
        return "torch"
    if parts[:2] == ["torch", "nn"] and (
        (len(parts) == 3 and parts[2] in _TORCH_RANDOM_LAYERS)
        or (len(parts) == 4 and parts[2] == "init" and parts[3] in _TORCH_RANDOM_INIT)
    ):
        return "torch"
    if (
        parts[:2] == ["tensorflow", "random"]
        and len(parts) == 3
        and parts[2] not in _TENSORFLOW_NOT_RANDOM
        and not parts[2].startswith("stateless")
    ):
        return "tensorflow"
    if parts[:-1] in _KERAS_LAYER_MODULES and parts[-1] in _KERAS_RANDOM_LAYERS:
        return "tensorflow"
    if name in (
        "tensorflow.random_normal",
        "tensorflow.random_uniform",
        "tensorflow.random_shuffle",
    ):
        return "tensorflow"
    return None


_SEED_HINT = {
    "random": "`random.seed(...)`",
    "numpy": "`np.random.seed(...)` (or use `np.random.default_rng(seed)`)",
    "torch": "`torch.manual_seed(...)`",
    "tensorflow": "`tf.random.set_seed(...)`",
}


def _frame_sample(call: ast.Call, pandas_names: set[str], list_names: set[str]) -> bool:
    """Whether a `.sample(...)` is pandas': `frac=` is pandas' own; `n` or a bare count is
    also pymc's and others', so the receiver must look like a DataFrame or Series."""
    if any(item.arg == "frac" for item in call.keywords):
        return True
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return _pandas_receiver(receiver, pandas_names, list_names)


def _shuffling_loader(name: str, call: ast.Call) -> str | None:
    """ "torch" for `DataLoader(..., shuffle=True)`: each epoch's order comes from torch's generator."""
    if name != "torch.utils.data.DataLoader":
        return None
    shuffle = _keyword_value(call, "shuffle")
    return "torch" if isinstance(shuffle, ast.Constant) and shuffle.value is True else None


@dataclass
class _DeferredDraw:
    """A draw from a global generator inside a module-level function, judged where it runs."""

    library: str
    index: CellIndex
    call: ast.Call
    seeded_at_definition: bool
    counted: bool = False
    reached: bool = False


def _function_owners(index: CellIndex) -> dict[int, str]:
    """id(call) -> the module-level function (``def f`` or ``f = lambda``) or class (for calls in
    its methods) whose body holds it."""
    owners: dict[int, str] = {}
    if index.tree is None or not index.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        return owners
    for statement in index.tree.body:
        body: ast.AST | None = None
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name, body = statement.name, statement
        elif (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Lambda)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            name, body = statement.targets[0].id, statement.value
        if body is not None:
            for node in walk_nodes(body):
                if isinstance(node, ast.Call):
                    owners[id(node)] = name
        elif isinstance(statement, ast.ClassDef):
            # Methods run when the class is used (`Net()`); the class body itself runs now.
            for method in statement.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for node in walk_nodes(method):
                        if isinstance(node, ast.Call):
                            owners[id(node)] = statement.name
    return owners


class _Owners:
    """:func:`_function_owners` of one cell, worked out when first asked: most cells draw nothing."""

    def __init__(self, index: CellIndex) -> None:
        self._index = index
        self._owners: dict[int, str] | None = None

    def get(self, call: ast.Call) -> str | None:
        if self._owners is None:
            self._owners = _function_owners(self._index)
        return self._owners.get(id(call))


def _functions_run_by(
    call: ast.Call, deferred: dict[str, list[_DeferredDraw]], owners: _Owners
) -> list[str]:
    """Functions with deferred draws that ``call`` runs: it calls one, or hands one on
    (`df.apply(f)`, `map(f, xs)`), outside that function's own body."""
    if not deferred:
        return []
    candidates = [call.func, *call.args, *(keyword.value for keyword in call.keywords)]
    return [
        node.id
        for node in candidates
        if isinstance(node, ast.Name) and node.id in deferred and owners.get(call) != node.id
    ]


class UnseededRandomness(Rule):
    """## What it does
    Reports random numbers drawn without a seed: Python's `random`, `numpy.random` (the legacy
    functions, and `default_rng()` / `RandomState()` without a seed), `torch`, `tensorflow`, and
    scikit-learn estimators, splitters and helpers (`shuffle`, `resample`) that take `random_state`
    but were not given one, pandas' `.sample()` without `random_state`, torch layers whose weights
    start random (`nn.Linear`, `nn.Conv2d`, `nn.LSTM`, ...), `nn.init` functions that draw,
    `DataLoader(..., shuffle=True)` without a `generator`, and Keras layers (`layers.Dense`,
    `layers.Conv2D`, ...), unless a
    seeding call (`random.seed`, `np.random.seed`, `torch.manual_seed`, `tf.random.set_seed`,
    `seed_everything`, ...) comes before them in notebook order. Import aliases are followed
    (`import numpy as np`, `from numpy import random as npr`). A draw inside a function defined
    at the top of a cell (`def train(): ...`, `noise = lambda x: ...`) counts where the function is
    first called or handed on (`df.apply(noise)`), so a seed set just before that call is enough;
    a draw in a class's methods (`self.fc = nn.Linear(...)` in `__init__`) counts where the class
    is first used (`model = Net()`).

    For each global generator the first unseeded use is reported, with the others as related
    locations; each scikit-learn call without `random_state` is reported on its own.

    ## Why is this bad?
    Every run draws different numbers, so splits, initial weights, samples and scores change from
    run to run, and the saved outputs cannot be reproduced.

    ## Example
    ```python
    import numpy as np
    from sklearn.model_selection import train_test_split

    noise = np.random.normal(size=100)
    X_train, X_test = train_test_split(X)
    ```

    Use instead:
    ```python
    import numpy as np
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(42)
    noise = rng.normal(size=100)
    X_train, X_test = train_test_split(X, random_state=42)
    ```

    ## References
    - [NumPy: random sampling and seeding](https://numpy.org/doc/stable/reference/random/index.html)
    - [scikit-learn: controlling randomness](https://scikit-learn.org/stable/common_pitfalls.html#controlling-randomness)
    """

    code = "NB301"
    name = "unseeded-randomness"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        seeded: set[str] = set()
        pandas_names: set[str] | None = None
        list_names: set[str] = set()
        uses: dict[str, list[tuple[CellIndex, ast.Call]]] = {}
        # Draws inside a module-level function happen when it is called (or handed on), which
        # may be after a seed: `def train(): ... torch.randn(...)`, then `torch.manual_seed(0)`.
        deferred: dict[str, list[_DeferredDraw]] = {}
        for index in cell_indexes(context):
            owners = _Owners(index)
            for call, name in index.calls:
                seeds = _seeding(name, call)
                if seeds:
                    seeded |= seeds
                    continue
                for function in _functions_run_by(call, deferred, owners):
                    for draw in deferred[function]:
                        if not draw.counted and draw.library not in seeded:
                            draw.counted = True
                            uses.setdefault(draw.library, []).append((draw.index, draw.call))
                        draw.reached = True
                if name is None:
                    if self._is_unseeded_sample(call) and "numpy" not in seeded:
                        if pandas_names is None:
                            pandas_names, list_names = _pandas_names(cell_indexes(context))
                        if _frame_sample(call, pandas_names, list_names):
                            yield self._sample_diagnostic(context, index, call)
                    continue
                yield from self._explicit_generator(context, index, call, name)
                library = _random_library(name) or _shuffling_loader(name, call)
                # `torch.randn(3, generator=g)`, `random_split(..., generator=...)`: its own generator.
                if library is not None and _keyword_value(call, "generator") is None:
                    owner = owners.get(call)
                    if owner is not None:
                        draw = _DeferredDraw(library, index, call, library in seeded)
                        deferred.setdefault(owner, []).append(draw)
                    elif library not in seeded:
                        uses.setdefault(library, []).append((index, call))
                    continue
                if name.startswith(_RANDOM_STATE_PACKAGES) and "numpy" not in seeded:
                    diagnostic = self._random_state(context, index, call, name)
                    if diagnostic is not None:
                        yield diagnostic
        # A function never called in the notebook: judged where it is defined, as before.
        for draws in deferred.values():
            for draw in draws:
                if not draw.reached and not draw.seeded_at_definition and not draw.counted:
                    uses.setdefault(draw.library, []).append((draw.index, draw.call))
        first_use: dict[str, tuple[CellIndex, ast.Call]] = {}
        later_uses: dict[str, list[tuple[CellIndex, ast.Call]]] = {}
        for library, found in uses.items():
            found.sort(key=lambda item: (item[0].cell.number, _source_position(item[1])))
            first_use[library] = found[0]
            later_uses[library] = found[1:]
        for library, (index, call) in first_use.items():
            others = later_uses.get(library, [])
            related = [
                Related(
                    node_span(context, other.cell, other_call),
                    f"also unseeded: `{_source_of(other.cell, other_call)}`",
                )
                for other, other_call in others[:5]
            ]
            cells = sorted({other.cell.number for other, _ in others})
            more = (
                f" ({len(others)} more unseeded "
                f"{'uses follow' if len(others) != 1 else 'use follows'}, in"
                f" cell{'s' if len(cells) != 1 else ''} {', '.join(map(str, cells))})"
                if others
                else ""
            )
            yield self.diagnostic(
                context,
                node_span(context, index.cell, call),
                f"`{_source_of(index.cell, call)}` draws from the unseeded {library} generator{more}; "
                f"call {_SEED_HINT[library]} before it",
                related=related,
            )

    def _explicit_generator(
        self, context: LintContext, index: CellIndex, call: ast.Call, name: str
    ) -> Iterator[Diagnostic]:
        if name in (
            "numpy.random.default_rng",
            "numpy.random.RandomState",
            "random.Random",
            "numpy.random.Generator",
        ) and not (call.args or call.keywords):
            if name == "numpy.random.Generator":
                return
            hint = "`np.random.seed` does not seed it; " if name.startswith("numpy") else ""
            yield self.diagnostic(
                context,
                node_span(context, index.cell, call),
                f"`{_source_of(index.cell, call)}` creates a generator without a seed; {hint}pass one, e.g. `{name.rsplit('.', 1)[-1]}(42)`",
            )

    def _random_state(
        self, context: LintContext, index: CellIndex, call: ast.Call, name: str
    ) -> Diagnostic | None:
        short = name.rsplit(".", 1)[-1]
        if short in _SKLEARN_SHUFFLE_SPLITTERS:
            shuffle = _keyword_value(call, "shuffle")
            if not (isinstance(shuffle, ast.Constant) and shuffle.value is True):
                return None
        elif short not in _SKLEARN_RANDOM and not (name.startswith("umap.") and short == "UMAP"):
            return None
        elif short == "train_test_split":
            shuffle = _keyword_value(call, "shuffle")
            if isinstance(shuffle, ast.Constant) and shuffle.value is False:
                return None  # no shuffling: random_state is ignored
        if any(item.arg is None for item in call.keywords):
            return None
        value = _keyword_value(call, "random_state")
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            return None
        return self.diagnostic(
            context,
            node_span(context, index.cell, call),
            f"`{short}(...)` is called without `random_state`, so each run differs; pass `random_state=42` (or any fixed number)",
        )

    @staticmethod
    def _is_unseeded_sample(call: ast.Call) -> bool:
        """``df.sample(frac=1)`` draws from numpy's global generator unless given random_state."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "sample"):
            return False
        keywords = {item.arg for item in call.keywords}
        if "random_state" in keywords or None in keywords:
            return False
        return bool(keywords & {"frac", "n"}) or (
            len(call.args) == 1
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, int)
        )

    def _sample_diagnostic(
        self, context: LintContext, index: CellIndex, call: ast.Call
    ) -> Diagnostic:
        return self.diagnostic(
            context,
            node_span(context, index.cell, call),
            f"`{_source_of(index.cell, call)}` samples without `random_state`; pass `random_state=42` (or any fixed number)",
        )


# --------------------------------------------------------------------------------------------------
# absolute-path

_USER_ROOTS = re.compile(
    r"^/(?:home|Users|root|mnt|media|content|Volumes|kaggle|gpfs|scratch|workspace|Workspace|dbfs|"
    r"datasets|data|nfs|net|storage|srv|opt|shared|projects|lustre|work|cluster|groups)/[^/]",
)
_SYSTEM_ROOTS = re.compile(
    r"^/(?:dev|proc|sys|etc|usr|bin|sbin|lib|lib64|tmp|var/tmp|run|private/tmp)(?:/|$)"
)
_GENERIC_FILE = re.compile(r"^/[\w.-]+(?:/[\w .-]+)+\.[A-Za-z0-9]{1,6}$")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/][^\\/]")
_UNC_PATH = re.compile(r"^\\\\[\w.-]+\\[^\\]")
# ``~/.cache/...``-style folders are per-user caches that every machine has; not reported.
_HOME_PATH = re.compile(r"^~[\w.-]*[\\/][^\\/.]")


def _absolute_path_kind(value: str) -> str | None:
    if not value or len(value) > 500 or "\n" in value or "://" in value:
        return None
    if _HOME_PATH.match(value):
        return "home"
    if _WINDOWS_PATH.match(value) or _UNC_PATH.match(value):
        return "windows"
    if value.startswith("/"):
        if _SYSTEM_ROOTS.match(value):
            return None
        if _USER_ROOTS.match(value) or _GENERIC_FILE.match(value):
            return "absolute"
    return None


def _string_continuations(index: CellIndex) -> set[int]:
    """Strings that are the tail of a larger path (``root + "/data"``, ``f"{root}/data"``)."""
    tails: set[int] = set()
    for node in index.of(ast.JoinedStr, ast.BinOp, ast.Call):
        if isinstance(node, ast.JoinedStr):
            tails.update(id(value) for value in node.values[1:])
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            tails.add(id(node.right))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("join", "joinpath"):
                tails.update(id(arg) for arg in node.args[1:])
    return tails


class AbsolutePath(Rule):
    """## What it does
    Reports string literals that are absolute or home-directory paths: `/home/...`, `/Users/...`,
    `C:\\...`, `~/...`, `/content/drive/...`, `/mnt/...`, and other absolute paths to files. URLs and
    system paths such as `/dev/null` or `/tmp` are not reported, nor the tail of a joined path.
    An f-string that starts with such a path (`f"/home/{user}/data.csv"`) is reported too.

    ## Why is this bad?
    The path exists on one machine. On a colleague's laptop, in CI or in a container the notebook
    fails with `FileNotFoundError`, the third most common reason why public notebooks do not run.

    ## Example
    ```python
    df = pd.read_csv("/home/alice/projects/churn/data/train.csv")
    ```

    Use instead:
    ```python
    DATA = Path("data")  # relative to the notebook, or a papermill parameter
    df = pd.read_csv(DATA / "train.csv")
    ```

    ## References
    - Pimentel et al., *A Large-scale Study about Quality and Reproducibility of Jupyter Notebooks*, MSR 2019.
    """

    code = "NB302"
    name = "absolute-path"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            source = index.cell.source
            # Every path reported holds a slash or a backslash (an escape in the source spells one).
            if not index.strings or ("/" not in source and "\\" not in source):
                continue
            tails = _string_continuations(index)
            candidates: list[tuple[ast.expr, str, str]] = []
            for joined in index.of(ast.JoinedStr):
                # f"/home/{user}/data.csv": the literal parts with a stand-in for each field.
                if id(joined) in tails or not joined.values:  # type: ignore[attr-defined]
                    continue
                head = joined.values[0]  # type: ignore[attr-defined]
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    text = "".join(
                        str(part.value) if isinstance(part, ast.Constant) else "x"
                        for part in joined.values  # type: ignore[attr-defined]
                    )
                    shown = "".join(
                        str(part.value) if isinstance(part, ast.Constant) else "{…}"
                        for part in joined.values  # type: ignore[attr-defined]
                    )
                    tails.add(id(head))
                    candidates.append((joined, text, shown))  # type: ignore[arg-type]
            candidates += [
                (node, str(node.value), str(node.value))
                for node in index.strings
                if id(node) not in index.docstrings and id(node) not in tails
            ]
            for node, path_text, value in sorted(
                candidates, key=lambda item: _source_position(item[0])
            ):
                kind = _absolute_path_kind(path_text)
                if kind is None:
                    continue
                where = {"home": "a home-directory path", "windows": "a Windows absolute path"}.get(
                    kind, "an absolute path"
                )
                yield self.diagnostic(
                    context,
                    node_span(context, index.cell, node),
                    f"`{_short(value)}` is {where} that exists only on one machine; use a path relative to the notebook or a parameter",
                )


# --------------------------------------------------------------------------------------------------
# inline-package-install

_SHELL_INSTALL = re.compile(
    r"!\s*(?:sudo\s+)?(?:(?:python[\d.]*|\S*/python[\d.]*|\{sys\.executable\})\s+-m\s+)?"
    r"(?P<tool>pip3?|conda|mamba)\s+install\b"
)
_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script"})
_SHELL_OPERATOR = re.compile(r"&&|\|\||[;|<>`]|\$\(")
_AUTOMAGIC_INSTALL = re.compile(r"(?P<tool>pip|conda|mamba)\s+install\b")
_SUBPROCESS_NAMES = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "os.system",
    }
)


def _install_fix(cell: Cell, line_text: str, item: IPythonSyntax) -> Fix | None:
    start = item.column - 1
    if item.kind == "shell":
        match = _SHELL_INSTALL.match(line_text, start)
    elif item.kind == "line_magic" and not line_text[start:].startswith("%"):
        match = _AUTOMAGIC_INSTALL.match(line_text, start)
    else:
        return None
    if match is None or _SHELL_OPERATOR.search(line_text, match.end()):
        return None  # `%pip` would pass `; echo done` or `| tee log` to pip as arguments
    tool = match.group("tool")
    magic = "%pip" if tool.startswith("pip") else f"%{tool}"
    edit = ReplaceText(
        cell.number, item.line, match.start() + 1, item.line, match.end() + 1, f"{magic} install"
    )
    return Fix(f"Use `{magic} install`", "safe", (edit,))


def _installs_by_subprocess(call: ast.Call) -> bool:
    words: list[str] = []
    for arg in call.args[:1]:
        if isinstance(arg, (ast.List, ast.Tuple)):
            words = [literal_string(element) or "" for element in arg.elts]
        elif literal_string(arg) is not None:
            words = (literal_string(arg) or "").split()
    return any(word in ("pip", "pip3", "conda", "mamba") for word in words) and "install" in words


class InlinePackageInstall(Rule):
    """## What it does
    Reports packages installed from inside the notebook: `!pip install`, `%pip install`,
    `!conda install`, `%conda install`, `!python -m pip install`, and `pip` run through `subprocess`.

    ## Why is this bad?
    The notebook's environment is not declared anywhere a tool can read. Each run installs whatever
    version is newest that day, the install step needs the network, and it can change packages that
    other notebooks share. Missing modules are the most common reason why public notebooks fail.

    ## Example
    ```python
    !pip install pandas scikit-learn
    ```

    Use instead: declare the dependencies (`nb2prod pin notebook.ipynb` writes them), or, where an
    install cell must stay, use `%pip`, which installs into the running kernel's environment:
    ```python
    %pip install pandas==2.2.3 scikit-learn==1.5.2
    ```

    ## Fix safety
    The fix turns `!pip install` (and `!conda install`) into `%pip install` (`%conda install`). It is
    safe: `%pip` installs into the environment of the kernel that runs the notebook, which is what
    `!pip` was meant to do but does not always do. The finding stays, since the install itself
    remains.
    """

    code = "NB303"
    name = "inline-package-install"
    severity = "warning"
    fix_title = "Use `%pip install` instead of `!pip install`"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            lines = index.lines()
            for item in index.parsed.masked.syntax:
                if not item.is_install:
                    continue
                line_text = lines[item.line - 1] if item.line <= len(lines) else ""
                fix = _install_fix(index.cell, line_text, item)
                text = line_text[item.column - 1 :].strip()
                yield self.diagnostic(
                    context,
                    _syntax_span(context, index.cell, item),
                    f"`{_short(text)}` installs packages at run time; declare the environment instead (`nb2prod pin`)",
                    fix=fix,
                )
            masked = index.parsed.masked
            if masked.cell_magic in _SHELL_CELL_MAGICS and not masked.runs_nothing:
                for number, line_text in enumerate(lines[1:], start=2):
                    if shell_installs(line_text):
                        yield self.diagnostic(
                            context,
                            context.span(index.cell, number, 1, number, len(line_text) + 1),
                            f"`{_short(line_text.strip())}` installs packages at run time; declare the environment instead (`nb2prod pin`)",
                        )
            for call, name in index.calls:
                if name in _SUBPROCESS_NAMES and _installs_by_subprocess(call):
                    yield self.diagnostic(
                        context,
                        node_span(context, index.cell, call),
                        f"`{_source_of(index.cell, call)}` installs packages at run time; declare the environment instead (`nb2prod pin`)",
                    )


# --------------------------------------------------------------------------------------------------
# working-directory-change

_DIRECTORY_MAGICS = frozenset({"cd", "pushd", "popd"})


class WorkingDirectoryChange(Rule):
    """## What it does
    Reports changes of the working directory: `%cd`, `%pushd`, `%popd` and `os.chdir(...)`.

    ## Why is this bad?
    Every relative path in later cells now depends on which cells ran, and how often: running a
    `%cd data` cell twice moves into `data/data`. The notebook only works when started from one
    folder, and tools that run it (papermill, `nb2prod run`, CI) start it from the notebook's folder.

    ## Example
    ```python
    %cd /home/alice/project/data
    df = pd.read_csv("train.csv")
    ```

    Use instead:
    ```python
    DATA = Path("data")
    df = pd.read_csv(DATA / "train.csv")
    ```
    """

    code = "NB304"
    name = "working-directory-change"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            for item in index.parsed.masked.syntax:
                if item.kind == "line_magic" and item.name in _DIRECTORY_MAGICS:
                    target = f" {_short(item.arguments, 40)}" if item.arguments else ""
                    yield self.diagnostic(
                        context,
                        _syntax_span(context, index.cell, item),
                        f"`%{item.name}{target}` changes the working directory; later relative paths depend on which cells ran",
                    )
            for call, name in index.calls:
                if name == "os.chdir":
                    yield self.diagnostic(
                        context,
                        node_span(context, index.cell, call),
                        f"`{_source_of(index.cell, call)}` changes the working directory; later relative paths depend on which cells ran",
                    )


# --------------------------------------------------------------------------------------------------
# wall-clock-dependence

_CLOCK_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.today",
        "datetime.datetime.utcnow",
        "datetime.date.today",
        "pandas.Timestamp.now",
        "pandas.Timestamp.today",
        "pandas.Timestamp.utcnow",
        "time.time",
        "time.time_ns",
        "time.ctime",
        "time.localtime",
        "time.gmtime",
        "time.asctime",
        "arrow.now",
        "arrow.utcnow",
        "pendulum.now",
        "pendulum.today",
    }
)
_CLOCK_NEEDS_NO_ARGUMENTS = frozenset(
    {"time.ctime", "time.localtime", "time.gmtime", "time.asctime"}
)
_CLOCK_STRINGS = frozenset({"now", "today"})


def _clock_target(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _duration_clock_calls(indexes: list[CellIndex], clock_calls: set[int]) -> set[int]:
    """Clock readings that only measure a duration: ``time.time() - start`` where ``start`` is a reading too."""
    clock_names: dict[str, list[int]] = {}
    for index in indexes:
        for node in index.of(ast.Assign, ast.AnnAssign):
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and node.value is not None
                and id(node.value) in clock_calls
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _clock_target(target)
                    if name is not None:
                        clock_names.setdefault(name, []).append(id(node.value))

    def is_clock(side: ast.AST) -> bool:
        name = _clock_target(side)
        return id(side) in clock_calls or (name is not None and name in clock_names)

    durations: set[int] = set()
    for index in indexes:
        for node in index.of(ast.BinOp):
            if (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Sub)
                and is_clock(node.left)
                and is_clock(node.right)
            ):
                for side in (node.left, node.right):
                    if id(side) in clock_calls:
                        durations.add(id(side))
                    name = _clock_target(side)
                    if name in clock_names:
                        durations.update(clock_names[name])
    return durations


class WallClockDependence(Rule):
    """## What it does
    Notes values taken from the clock: `datetime.now()`, `date.today()`, `time.time()`,
    `pd.Timestamp.now()`, `pd.to_datetime("today")`, `np.datetime64("now")`. Durations
    (`time.time() - start`) are not reported.

    ## Why is this bad?
    Results that depend on the date (filters such as "the last 30 days", file names, ages, printed
    timestamps) differ on every run, so the saved outputs cannot be reproduced and a comparison
    with `nb2prod repro` reports differences that are not regressions.

    ## Example
    ```python
    cutoff = datetime.now() - timedelta(days=30)
    recent = df[df.date > cutoff]
    ```

    Use instead:
    ```python
    AS_OF = datetime(2024, 6, 30)  # a parameter: papermill can pass today's date explicitly
    recent = df[df.date > AS_OF - timedelta(days=30)]
    ```
    """

    code = "NB305"
    name = "wall-clock-dependence"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        indexes = cell_indexes(context)
        readings = [
            (index, call)
            for index in indexes
            for call, name in index.calls
            if name is not None and self._reads_clock(call, name)
        ]
        if not readings:
            return
        durations = _duration_clock_calls(indexes, {id(call) for _, call in readings})
        for index, call in readings:
            if id(call) in durations:
                continue
            yield self.diagnostic(
                context,
                node_span(context, index.cell, call),
                f"`{_source_of(index.cell, call)}` reads the clock: results that depend on it change on every run; pass the date as a parameter",
            )

    @staticmethod
    def _reads_clock(call: ast.Call, name: str) -> bool:
        if name in _CLOCK_CALLS:
            return not (name in _CLOCK_NEEDS_NO_ARGUMENTS and call.args)
        if name in ("pandas.to_datetime", "pandas.Timestamp", "numpy.datetime64") and call.args:
            return (literal_string(call.args[0]) or "").lower() in _CLOCK_STRINGS
        return False


# --------------------------------------------------------------------------------------------------
# network-data-fetch

_REMOTE_PREFIXES = (
    "http://",
    "https://",
    "ftp://",
    "s3://",
    "gs://",
    "gcs://",
    "az://",
    "abfs://",
    "abfss://",
    "hf://",
)
_PATH_KEYWORDS = (
    "filepath_or_buffer",
    "io",
    "path",
    "path_or_buf",
    "path_or_buffer",
    "url",
    "fname",
    "file",
)
_FETCH_CALLS = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.request",
        "requests.head",
        "httpx.get",
        "httpx.post",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.urlretrieve",
        "urllib.urlopen",
        "urllib2.urlopen",
        "wget.download",
        "gdown.download",
        "gdown.download_folder",
        "tensorflow.keras.utils.get_file",
        "keras.utils.get_file",
        "torch.hub.load",
        "torch.hub.load_state_dict_from_url",
        "torch.hub.download_url_to_file",
        "datasets.load_dataset",
        "kagglehub.dataset_download",
        "kagglehub.model_download",
        "seaborn.load_dataset",
        "yfinance.download",
        "nltk.download",
        "openml.datasets.get_dataset",
        "tensorflow_datasets.load",
        "huggingface_hub.hf_hub_download",
        "huggingface_hub.snapshot_download",
        "pandas_datareader.DataReader",
        "pandas_datareader.data.DataReader",
        "pandas_datareader.get_data_yahoo",
        "pandas_datareader.data.get_data_yahoo",
        "statsmodels.api.datasets.get_rdataset",
        "statsmodels.datasets.get_rdataset",
        "geodatasets.get_path",
        "geodatasets.fetch",
        "xarray.tutorial.load_dataset",
        "xarray.tutorial.open_dataset",
        "imblearn.datasets.fetch_datasets",
        "pooch.retrieve",
        "quandl.get",
        "gensim.downloader.load",
    }
)
# `mnist.load_data()` downloads on first use.
_DOWNLOADING_DATASET_MODULES = ("keras.datasets.", "tensorflow.keras.datasets.")
_NETWORK_SHELL = frozenset(
    {
        "wget",
        "curl",
        "gdown",
        "kaggle",
        "aria2c",
        "gsutil",
        "aws",
        "az",
        "rclone",
        "scp",
        "rsync",
        "huggingface-cli",
    }
)


def _shell_words(arguments: str) -> list[str]:
    words = arguments.split()
    while words and ("=" in words[0] or words[0] in ("sudo", "time", "nohup")):
        words = words[1:]
    return words


def _is_network_shell(words: list[str]) -> bool:
    if not words:
        return False
    if words[0] in _NETWORK_SHELL:
        return True
    return words[0] == "git" and words[1:2] in (["clone"], ["pull"], ["fetch"])


class NetworkDataFetch(Rule):
    """## What it does
    Notes data read from the network: `pd.read_csv("https://...")` and the other pandas readers
    given a URL (`s3://`, `gs://` too), `requests.get`, `urllib.request.urlretrieve`, `wget`,
    `torch.hub.load`, `datasets.load_dataset`, `sklearn.datasets.fetch_*`, torchvision datasets with
    `download=True`, keras' `mnist.load_data()`, pandas-datareader, statsmodels' `get_rdataset`,
    geodatasets, xarray's tutorial data, and `!wget`, `!curl`, `!git clone`, `!kaggle` shell
    commands.

    ## Why is this bad?
    A fresh run depends on the server being up and on the data not having changed. The notebook
    cannot run offline or in a locked-down CI, and what it computed may not be reproducible.

    ## Example
    ```python
    df = pd.read_csv("https://example.com/latest/sales.csv")
    ```

    Use instead: download once to a versioned, checksummed file and read that, or make the URL a
    parameter and record the data's version:
    ```python
    df = pd.read_csv("data/sales-2024-06-30.csv")
    ```
    """

    code = "NB306"
    name = "network-data-fetch"
    severity = "info"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            for item in index.parsed.masked.syntax:
                if item.kind in ("shell", "assigned_shell") and _is_network_shell(
                    _shell_words(item.arguments)
                ):
                    yield self.diagnostic(
                        context,
                        _syntax_span(context, index.cell, item),
                        f"`!{_short(item.arguments, 50)}` downloads data at run time; a fresh run depends on the server and may see different data",
                    )
            for call, name in index.calls:
                if name is None or not self._fetches(call, name):
                    continue
                yield self.diagnostic(
                    context,
                    node_span(context, index.cell, call),
                    f"`{_source_of(index.cell, call)}` reads data from the network; a fresh run depends on the server and may see different data",
                )

    @staticmethod
    def _fetches(call: ast.Call, name: str) -> bool:
        if name in _FETCH_CALLS:
            return True
        last = name.rsplit(".", 1)[-1]
        if name.startswith("pandas.") and last.startswith("read_"):
            candidates = [
                *call.args[:1],
                *(item.value for item in call.keywords if item.arg in _PATH_KEYWORDS),
            ]
            return any(
                (literal_string(value) or "").startswith(_REMOTE_PREFIXES) for value in candidates
            )
        if name.startswith("sklearn.datasets.") and last.startswith("fetch_"):
            return True
        if name.startswith(_DOWNLOADING_DATASET_MODULES) and last == "load_data":
            return True
        if name.startswith(
            ("torchvision.datasets.", "torchtext.datasets.", "torchaudio.datasets.")
        ):
            value = _keyword_value(call, "download")
            return isinstance(value, ast.Constant) and value.value is True
        return False


# --------------------------------------------------------------------------------------------------
# shell-command

_READ_ONLY_COMMANDS = frozenset(
    {
        "ls",
        "ll",
        "dir",
        "pwd",
        "cat",
        "head",
        "tail",
        "less",
        "more",
        "wc",
        "du",
        "df",
        "free",
        "which",
        "where",
        "whoami",
        "hostname",
        "uname",
        "lscpu",
        "lsb_release",
        "date",
        "env",
        "printenv",
        "echo",
        "file",
        "tree",
        "grep",
        "egrep",
        "fgrep",
        "nvidia-smi",
        "nvcc",
        "nproc",
        "ps",
        "top",
        "md5sum",
        "sha256sum",
        "sha1sum",
        "diff",
        "stat",
        "type",
        "jupyter",
        "ipython",
        "java",
        "conda",
        "pip",
        "pip3",
        "python",
        "python3",
        "nvidia-debugdump",
        "cat/proc/cpuinfo",
        "sort",
        "uniq",
        "cut",
        "awk",
        "column",
        "find",
        "locate",
        "id",
        "groups",
        "uptime",
        "vmstat",
        "history",
        "gcc",
        "g++",
        "node",
        "npm",
        "R",
        "julia",
        "man",
        "time",
        "sleep",
        "git",
    }
)
# Subcommands that change things even though the command itself is usually read-only.
_WRITING_SUBCOMMANDS = {
    "pip": {"install", "uninstall", "download", "wheel"},
    "pip3": {"install", "uninstall", "download", "wheel"},
    "conda": {"install", "create", "remove", "uninstall", "update", "env", "activate"},
    "python": None,
    "python3": None,
    "jupyter": {"nbconvert", "labextension", "nbextension", "serverextension", "kernelspec"},
    "npm": {"install", "i", "ci", "run"},
    "R": None,
    "julia": None,
    "java": None,
    "node": None,
    "gcc": None,
    "g++": None,
}
_READ_ONLY_GIT = frozenset(
    {
        "status",
        "log",
        "show",
        "diff",
        "rev-parse",
        "describe",
        "ls-files",
        "blame",
        "--version",
        "shortlog",
        "reflog",
    }
)
_READ_ONLY_INTERPRETER_FLAGS = {"--version", "-V", "-c"}


def _redirects(arguments: str) -> bool:
    without_quotes = re.sub(r"'[^']*'|\"[^\"]*\"", "", arguments)
    return bool(re.search(r"(?<![0-9&])>|\btee\b|\|\s*sh\b|\|\s*bash\b", without_quotes))


def _has_side_effects(arguments: str) -> bool:
    words = _shell_words(arguments)
    if not words:
        return False
    if _redirects(arguments):
        return True
    for command in re.split(r"&&|\|\||;", arguments):
        parts = _shell_words(command.replace("|", " | ").split(" | ")[0])
        if not parts:
            continue
        head = parts[0].rsplit("/", 1)[-1]
        if head not in _READ_ONLY_COMMANDS:
            return True
        if head == "git" and (parts[1:2] and parts[1] not in _READ_ONLY_GIT):
            return True
        if head in _WRITING_SUBCOMMANDS:
            writing = _WRITING_SUBCOMMANDS[head]
            if writing is None:
                if not (set(parts[1:2]) & _READ_ONLY_INTERPRETER_FLAGS):
                    return True
            elif set(parts[1:2]) & writing:
                return True
        if head == "find" and any(word in ("-delete", "-exec", "-execdir") for word in parts):
            return True
    return False


_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "zsh"})


class ShellCommand(Rule):
    """## What it does
    Reports shell commands that change something outside Python: `!rm`, `!mv`, `!cp`, `!mkdir`,
    `!unzip`, `!python train.py`, output redirected with `>`, `%%bash` cells, and the like.
    Commands that only read (`!ls`, `!nvidia-smi`, `!pip list`, `!cat`), package installs (see
    inline-package-install) and downloads (see network-data-fetch) are not reported here, nor are
    cells switched off with `%%script false`, which run nothing.

    ## Why is this bad?
    The notebook's effect on the file system is hidden in shell lines that no analysis (and no
    extraction to a module) follows. Re-running them can fail (`mkdir` of an existing folder) or
    destroy data (`rm -rf`), they need a POSIX shell, and their results are not in the outputs.

    ## Example
    ```python
    !mkdir -p output && cp results.csv output/
    ```

    Use instead:
    ```python
    Path("output").mkdir(exist_ok=True)
    shutil.copy("results.csv", "output/")
    ```
    """

    code = "NB307"
    name = "shell-command"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for index in cell_indexes(context):
            for item in index.parsed.masked.syntax:
                if item.kind == "cell_magic" and item.name in _SHELL_CELL_MAGICS:
                    if index.parsed.masked.runs_nothing:
                        continue  # `%%script false`: a switched-off cell runs no command
                    body = index.cell.source.splitlines()[item.line :]
                    if any(
                        _has_side_effects(line)
                        for line in body
                        if line.strip() and not line.lstrip().startswith("#")
                    ):
                        yield self.diagnostic(
                            context,
                            _syntax_span(context, index.cell, item),
                            f"`%%{item.name}` cell {index.cell.number} runs shell commands that change files outside Python",
                        )
                    continue
                if item.kind in ("shell", "assigned_shell") or (
                    item.kind == "line_magic" and item.name in ("system", "sx")
                ):
                    if item.is_install or _is_network_shell(_shell_words(item.arguments)):
                        continue
                    if not _has_side_effects(item.arguments):
                        continue
                    yield self.diagnostic(
                        context,
                        _syntax_span(context, index.cell, item),
                        f"`!{_short(item.arguments, 50)}` runs a shell command with side effects outside Python; use Python (`pathlib`, `shutil`, `subprocess`) or a script the notebook documents",
                    )


# --------------------------------------------------------------------------------------------------
# error-output-committed

_TRACEBACK_MARK = "Traceback (most recent call last)"


def _output_text(output: Mapping[str, Any]) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)


_RAISES_TAGS = frozenset({"raises-exception", "nbval-raises-exception"})


def _expected_to_raise(cell: Cell) -> bool:
    """A cell marked as meant to fail, by tag or by nbval's comment."""
    return bool(_RAISES_TAGS.intersection(cell.tags)) or "NBVAL_RAISES_EXCEPTION" in cell.source


class ErrorOutputCommitted(Rule):
    """## What it does
    Reports a code cell whose saved output is an error: a traceback from an exception, or a
    traceback printed to standard error.

    ## Why is this bad?
    The notebook as saved did not run to completion: either the error is real and the cells below
    did not run (their outputs come from an earlier session), or it was fixed and the saved error
    misleads readers. Tracebacks also leak local paths and, at times, secrets.

    ## Example
    A cell whose output is `NameError: name 'df' is not defined`.

    Use instead: fix the error and re-run the notebook top to bottom, or clear the output.

    A cell that is meant to fail is not reported: one tagged `raises-exception` (the tag papermill,
    nbval, nbsphinx and Jupyter Book share) or `nbval-raises-exception`, or marked with a
    `# NBVAL_RAISES_EXCEPTION` comment.

    ## Fix safety
    The fix clears the error output. It is unsafe: it hides the evidence that the notebook did not
    run cleanly, without fixing the cause.
    """

    code = "NB308"
    name = "error-output-committed"
    severity = "warning"
    fix_title = "Clear the error output"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        for cell in context.notebook.code_cells:
            if not cell.outputs or _expected_to_raise(cell):
                continue
            for position, output in enumerate(cell.outputs):
                kind = output.get("output_type")
                if kind == "error":
                    name = str(output.get("ename") or "").strip()
                    value = _short(str(output.get("evalue") or "").strip(), 80)
                    if name and value:
                        what = f"`{name}: {value}`"
                    elif name or value:
                        what = f"`{name or value}`"
                    else:
                        what = "(an error without a name: the kernel may have died)"
                elif (
                    kind == "stream"
                    and output.get("name") == "stderr"
                    and _TRACEBACK_MARK in _output_text(output)
                ):
                    lines = [line for line in _output_text(output).splitlines() if line.strip()]
                    what = f"`{_short(lines[-1], 80)}`" if lines else "a traceback"
                else:
                    continue
                fix = Fix(
                    "Clear the error output", "unsafe", (ClearOutputs(cell.number, (position,)),)
                )
                yield self.diagnostic(
                    context,
                    context.span(cell),
                    f"cell {cell.number} was saved with an error output {what}",
                    fix=fix,
                )


# --------------------------------------------------------------------------------------------------
# interactive-input

_INPUT_CALLS = frozenset(
    {
        "input",
        "raw_input",
        "getpass.getpass",
        "click.prompt",
        "click.confirm",
        "matplotlib.pyplot.ginput",
        "pwinput.pwinput",
        "questionary.text",
        "inquirer.prompt",
    }
)


def _defines_input(indexes: list[CellIndex]) -> bool:
    for index in indexes:
        for node in index.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.Name):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in (
                "input",
                "raw_input",
            ):
                return True
            if (
                isinstance(node, ast.Name)
                and node.id in ("input", "raw_input")
                and isinstance(node.ctx, ast.Store)
            ):
                return True
    return False


class InteractiveInput(Rule):
    """## What it does
    Reports calls that wait for a person to type: `input()`, `getpass()`, `click.prompt()`,
    `plt.ginput()`.

    ## Why is this bad?
    The notebook cannot run unattended: under papermill, `nb2prod run`, `nbconvert --execute` or in
    CI there is no one to answer, so the run hangs or fails with `StdinNotImplementedError`. In a
    sample of public notebooks, this stopped 20 of 86 failed fresh runs.

    ## Example
    ```python
    n_clusters = int(input("How many clusters? "))
    ```

    Use instead: a parameter in the papermill `parameters` cell (or an environment variable for
    secrets):
    ```python
    n_clusters = 5  # parameters cell
    ```
    """

    code = "NB309"
    name = "interactive-input"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        indexes = cell_indexes(context)
        shadowed: bool | None = None
        for index in indexes:
            for call, name in index.calls:
                if name not in _INPUT_CALLS:
                    continue
                if name in ("input", "raw_input"):
                    if shadowed is None:
                        shadowed = _defines_input(indexes)
                    if shadowed:
                        continue
                yield self.diagnostic(
                    context,
                    node_span(context, index.cell, call),
                    f"`{_source_of(index.cell, call)}` waits for someone to type; the notebook cannot run unattended (papermill, CI); use a parameter",
                )


# --------------------------------------------------------------------------------------------------
# removed-api

_ATTRIBUTES_EXACT: dict[str, removed.RemovedApi] = {
    entry.pattern: entry for entry in removed.ATTRIBUTES if ".." not in entry.pattern
}
# Method-name entries (`.hist(normed=...)`) are matplotlib's and pandas'; these libraries have
# methods of the same names with their own, current keywords.
_OTHER_LIBRARIES = ("numpy.", "torch.", "hvplot.", "holoviews.", "polars.")
_OTHER_ACCESSORS = frozenset({"hvplot"})  # `df.hvplot.hist(normed=True)` is hvplot's
_OTHER_PLOTTING_MODULES = ("holoviews", "hvplot", "geoviews")
_MATPLOTLIB_OR_PANDAS = ("matplotlib.", "pandas.")


def _matplotlib_call(call: ast.Call, name: str | None) -> bool:
    """`plt.hist(...)`, or pandas' matplotlib plotting: `df.plot.hist(...)`."""
    func = call.func
    return (name or "").startswith(_MATPLOTLIB_OR_PANDAS) or (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "plot"
    )


def _through_other_accessor(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr in _OTHER_ACCESSORS
    )


def _pandas_receiver(
    receiver: ast.expr | None, pandas_names: set[str], list_names: set[str]
) -> bool:
    """Whether a method's receiver looks like a pandas object: a name bound to one (or named like
    one, `df_train`), or a column of a known DataFrame (`df["price"]`)."""
    if isinstance(receiver, ast.Name):
        name = receiver.id
        return name not in list_names and (name in pandas_names or bool(_PANDAS_NAME.match(name)))
    return (
        isinstance(receiver, ast.Subscript)
        and isinstance(receiver.value, ast.Name)
        and receiver.value.id in pandas_names
        and literal_string(receiver.slice) is not None
    )


_KEYWORDS_BY_NAME: dict[str, list[tuple[str, str, removed.RemovedApi]]] = {}
for (_pattern, _keyword), _entry in removed.KEYWORDS.items():
    _KEYWORDS_BY_NAME.setdefault(_pattern.rsplit(".", 1)[-1], []).append(
        (_pattern, _keyword, _entry)
    )
_VALUES_BY_NAME: dict[str, list[tuple[str, str, str, removed.RemovedApi]]] = {}
for (_pattern, _keyword, _value), _entry in removed.KEYWORD_VALUES.items():
    _VALUES_BY_NAME.setdefault(_pattern.rsplit(".", 1)[-1], []).append(
        (_pattern, _keyword, _value, _entry)
    )
_PANDAS_NAME = re.compile(r"^df\w*$|^\w+_df$")
# Last components of every removed name (`float`, `NaN`, `cross_validation`...): a cheap first filter.
_REMOVED_LAST_NAMES = frozenset(
    {entry.pattern.rsplit(".", 1)[-1] for entry in removed.ATTRIBUTES}
    | set(removed.REMOVED_PANDAS_ATTRIBUTES)
)


def _removed_attribute(resolved: str) -> removed.RemovedApi | None:
    """The entry for ``resolved`` or for the module it lives in."""
    parts = removed.canonical_name(resolved).split(".")
    for end in range(len(parts), 1, -1):
        entry = _ATTRIBUTES_EXACT.get(".".join(parts[:end]))
        if entry is not None:
            return entry
    return None


def _pandas_names(indexes: list[CellIndex]) -> tuple[set[str], set[str]]:
    """Names bound to pandas objects, and names bound to lists (``.append`` is fine on those)."""
    pandas_names: set[str] = set()
    list_names: set[str] = set()
    for index in indexes:
        for node in index.of(ast.Assign):
            if not isinstance(node, ast.Assign):
                continue
            targets = [target.id for target in node.targets if isinstance(target, ast.Name)]
            value = node.value
            if isinstance(value, (ast.List, ast.ListComp)) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "list"
            ):
                list_names.update(targets)
                continue
            root: ast.AST = value
            while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
                root = root.func if isinstance(root, ast.Call) else root.value
            resolved = index.scope.resolve(value.func) if isinstance(value, ast.Call) else None
            if (resolved or "").startswith("pandas.") or (
                isinstance(root, ast.Name) and root.id in pandas_names
            ):
                pandas_names.update(targets)
    return pandas_names, list_names


def _source_position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


class RemovedApi(Rule):
    """## What it does
    Reports calls to APIs that current releases removed or renamed: numpy's type aliases and the
    NumPy 2.0 removals (`np.float`, `np.NaN`, `np.product`...; ruff's NPY201 findings are merged
    into this rule when ruff runs), pandas (`DataFrame.append`, `iteritems`, `.ix`, `as_matrix`,
    `read_csv(error_bad_lines=...)`), matplotlib (`seaborn-*` style names, `hist(normed=...)`),
    seaborn (`factorplot`, `tsplot`) and scikit-learn (removed modules and functions such as
    `sklearn.cross_validation` and `load_boston`, and removed parameters such as
    `OneHotEncoder(sparse=...)` or `loss="deviance"`).

    ## Why is this bad?
    The notebook ran with the versions installed when it was written; with current versions it
    fails with `AttributeError`, `ImportError` or `TypeError`. In a sample of public notebooks this
    was the largest single cause of failed fresh runs (25 of 86).

    ## Example
    ```python
    df = df.append(row, ignore_index=True)
    x = np.zeros(3, dtype=np.float)
    plt.style.use("seaborn-whitegrid")
    ```

    Use instead:
    ```python
    df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
    x = np.zeros(3, dtype=np.float64)
    plt.style.use("seaborn-v0_8-whitegrid")
    ```

    ## Options
    The table of removed APIs lives in `nb2prod/rules/_removed_api.py`; one row per API.

    ## References
    - [NumPy 2.0 migration guide](https://numpy.org/devdocs/numpy_2_0_migration_guide.html)
    - [pandas 2.0 release notes: removal of prior deprecations](https://pandas.pydata.org/docs/whatsnew/v2.0.0.html)
    - [ruff NPY201](https://docs.astral.sh/ruff/rules/numpy2-deprecation/)
    """

    code = "NB310"
    name = "removed-api"
    severity = "warning"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        indexes = cell_indexes(context)
        pandas_names: set[str] | None = None
        list_names: set[str] = set()
        # holoviews objects have `.hist(normed=...)` of their own; with them about, an unresolved
        # `.hist` is not known to be matplotlib's.
        other_plotting = any(
            dotted.startswith(_OTHER_PLOTTING_MODULES)
            for index in indexes
            for node in index.of(ast.Import, ast.ImportFrom)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for dotted in self._imported(node)
        )
        for index in indexes:
            found: dict[tuple[int, int], Diagnostic] = {}
            imported: set[str] = set()
            for node in index.of(ast.Import, ast.ImportFrom):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for dotted in self._imported(node):
                        entry = _removed_attribute(dotted)
                        if entry is not None:
                            imported.add(entry.pattern)
                            found.setdefault(
                                (node.lineno, node.col_offset),
                                self._report(context, index.cell, node, f"`{dotted}`", entry),
                            )
            # Attribute and Name nodes only; most cells name nothing removed.
            mentions_removed = not index.identifiers.isdisjoint(_REMOVED_LAST_NAMES)
            for node in index.references if mentions_removed else ():
                last = node.attr if isinstance(node, ast.Attribute) else node.id
                if last not in _REMOVED_LAST_NAMES or type(node.ctx) is not ast.Load:
                    continue
                resolved = index.scope.resolve(node)
                if resolved is None:
                    if (
                        isinstance(node, ast.Attribute)
                        and node.attr in removed.REMOVED_PANDAS_ATTRIBUTES
                    ):
                        entry = removed.REMOVED_PANDAS_ATTRIBUTES[node.attr]
                        found.setdefault(
                            (node.lineno, node.col_offset),
                            self._report(context, index.cell, node, f"`.{node.attr}`", entry),
                        )
                    continue
                entry = _removed_attribute(resolved)
                if entry is None or (isinstance(node, ast.Name) and entry.pattern in imported):
                    continue
                # ast.walk visits `pd.datetime.today` before `pd.datetime`: the inner, removed name wins.
                found[(node.lineno, node.col_offset)] = self._report(
                    context, index.cell, node, f"`{_source_of(index.cell, node)}`", entry
                )
            for call, name in index.calls:
                func = call.func
                method = func.attr if isinstance(func, ast.Attribute) else None
                if method in removed.METHODS and (
                    name is None or not name.startswith(("numpy.", "random."))
                ):
                    entry, needs_pandas = removed.METHODS[method]
                    if needs_pandas:
                        if pandas_names is None:
                            pandas_names, list_names = _pandas_names(indexes)
                        receiver = func.value if isinstance(func, ast.Attribute) else None
                        if not _pandas_receiver(receiver, pandas_names, list_names):
                            continue
                    found.setdefault(
                        (call.lineno, call.col_offset),
                        self._report(context, index.cell, call, f"`.{method}()`", entry),
                    )
                for keyword_entry in self._removed_keywords(call, name, method, other_plotting):
                    found.setdefault(
                        (call.lineno, call.col_offset),
                        self._report(
                            context, index.cell, call, f"`{keyword_entry.pattern}`", keyword_entry
                        ),
                    )
                for node, value in self._removed_style(call, name, method):
                    replacement = removed.SEABORN_STYLE_REPLACEMENT + value[len("seaborn") :]
                    found.setdefault(
                        (node.lineno, node.col_offset),
                        self.diagnostic(
                            context,
                            node_span(context, index.cell, node),
                            f"matplotlib style `{value}` was removed in matplotlib 3.8; use `{replacement}`",
                        ),
                    )
            for key in sorted(found):
                yield found[key]

    @staticmethod
    def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if node.level or not node.module:
            return []
        return [
            node.module,
            *(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"),
        ]

    def _report(
        self, context: LintContext, cell: Cell, node: ast.AST, what: str, entry: removed.RemovedApi
    ) -> Diagnostic:
        return self.diagnostic(
            context,
            node_span(context, cell, node),
            f"{what} was removed in {entry.removed_in}; use {entry.replacement}",
        )

    @staticmethod
    def _removed_keywords(
        call: ast.Call, name: str | None, method: str | None, other_plotting: bool = False
    ) -> Iterator[removed.RemovedApi]:
        if not call.keywords:
            return
        last = (name or "").rsplit(".", 1)[-1] if name else method
        if last is None or (last not in _KEYWORDS_BY_NAME and last not in _VALUES_BY_NAME):
            return
        keywords = {item.arg: item.value for item in call.keywords if item.arg}
        for pattern, keyword, entry in _KEYWORDS_BY_NAME.get(last, ()):
            if keyword not in keywords:
                continue
            if pattern.startswith("."):
                if (
                    method == pattern[1:]
                    and not (name or "").startswith(_OTHER_LIBRARIES)
                    and not _through_other_accessor(call)
                    and not (other_plotting and not _matplotlib_call(call, name))
                ):
                    yield entry
            elif name is not None and removed.pattern_matches(name, pattern):
                yield entry
        for pattern, keyword, value, entry in _VALUES_BY_NAME.get(last, ()):
            if (
                name is not None
                and removed.pattern_matches(name, pattern)
                and literal_string(keywords.get(keyword)) == value
            ):
                yield entry

    @staticmethod
    def _removed_style(
        call: ast.Call, name: str | None, method: str | None
    ) -> list[tuple[ast.expr, str]]:
        """Every removed `seaborn-*` style name a `style.use(...)` / `style.context(...)` names."""
        if method not in ("use", "context") or not call.args:
            return []
        func = call.func
        owner = func.value if isinstance(func, ast.Attribute) else None
        if not (isinstance(owner, ast.Attribute) and owner.attr == "style") and not (
            name or ""
        ).startswith("matplotlib.style."):
            return []
        first = call.args[0]
        values = first.elts if isinstance(first, (ast.List, ast.Tuple)) else [first]
        found = []
        for value in values:
            text = literal_string(value)
            if (
                text
                and text.startswith("seaborn")
                and not text.startswith(removed.SEABORN_STYLE_REPLACEMENT)
            ):
                found.append((value, text))
        return found


# --------------------------------------------------------------------------------------------------
# hardcoded-secret

# A cell whose source has none of these cannot assign a secret-named variable.
# Words one of which every secret-like name contains; tested on the lower-cased source, which is
# ten times faster than a case-insensitive regular expression.
_SECRET_NAME_HINTS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "bearer")
_OUTPUT_TEXT_TYPES = (
    "text/plain",
    "text/html",
    "text/markdown",
    "text/latex",
    "application/json",
    "application/javascript",
)
_MAXIMUM_SCANNED_OUTPUT = 2_000_000


def _joined(parts: list[Any]) -> str:
    try:
        return "".join(parts)
    except TypeError:  # a malformed output with non-text parts
        return "".join(map(str, parts))


def _output_texts(output: Mapping[str, Any]) -> Iterator[str]:
    kind = output.get("output_type")
    if kind == "stream":
        yield _output_text(output)
    elif kind == "error":
        yield str(output.get("evalue", ""))
        traceback = output.get("traceback")
        if isinstance(traceback, list):
            yield "\n".join(str(line) for line in traceback)
    elif kind in ("execute_result", "display_data"):
        data = output.get("data")
        if isinstance(data, Mapping):
            for mime in _OUTPUT_TEXT_TYPES:
                value = data.get(mime)
                if isinstance(value, list):
                    yield _joined(value)
                elif isinstance(value, str):
                    yield value
                elif value is not None and mime == "application/json":
                    yield str(value)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _describe(kind: str, value: str) -> str:
    if kind == "private key":
        return "a private key block"
    return f"{'an' if kind[0] in 'AEIOU' else 'a'} {kind} `{mask_secret(value)}`"


def _target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        return literal_string(target.slice)
    return None


# requests' and aiohttp's credential objects, built from a user name and a password.
_AUTH_CLASSES = frozenset({"HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "BasicAuth"})


class HardcodedSecret(Rule):
    """## What it does
    Reports credentials written into the notebook, in cell sources **and in saved outputs**: AWS
    access keys, GitHub, Slack, OpenAI, Anthropic, Stripe, Google and Hugging Face tokens, private
    key blocks, passwords in URLs (`postgresql://user:secret@host`), credentials in URL queries
    (`?apikey=...`, `&access_token=...`, `&appid=...`), `Bearer` tokens, passwords passed to
    `auth=(user, password)`, `HTTPBasicAuth(user, password)` or `server.login(user, password)`,
    and string literals assigned to names such as `api_key`, `*_token`, `password` or `SECRET`
    that look like real values. The message shows the secret masked, never in full.

    ## Why is this bad?
    A notebook is shared, committed and rendered on the web with its outputs. Anyone who can read it
    can use the credential, and deleting the line later does not remove it from the repository's
    history: the secret must be revoked.

    ## Example
    ```python
    openai.api_key = "sk-proj-..."
    ```

    Use instead:
    ```python
    openai.api_key = os.environ["OPENAI_API_KEY"]
    ```

    ## References
    - [GitHub: secret scanning patterns](https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns)
    """

    code = "NB311"
    name = "hardcoded-secret"
    severity = "error"

    def check(self, context: LintContext) -> Iterator[Diagnostic]:
        indexes = {index.cell.number: index for index in cell_indexes(context)}
        for cell in context.notebook.cells:
            index = indexes.get(cell.number)
            if index is not None and index.tree is not None:
                yield from self._in_code(context, index)
            elif "-" in cell.source or "_" in cell.source or "://" in cell.source:
                for match in find_token_secrets(cell.source):
                    line, column = _position(cell.source, match.start)
                    end_line, end_column = _position(cell.source, match.end)
                    yield self.diagnostic(
                        context,
                        context.span(cell, line, column, end_line, end_column),
                        f"{_describe(match.kind, match.value)} is written in cell {cell.number}; revoke it and load it from the environment",
                    )
            yield from self._in_outputs(context, cell)

    def _in_code(self, context: LintContext, index: CellIndex) -> Iterator[Diagnostic]:
        cell = index.cell
        reported: set[tuple[int, int]] = set()
        # Strings and magic arguments are parts of the source: one scan of it rules most cells out,
        # unless an escape sequence could spell a token's marker (``"\\x41KIA..."``).
        tokens_possible = may_hold_token_secret(cell.source) or "\\" in cell.source
        for node in index.strings if tokens_possible else ():
            for match in find_token_secrets(str(node.value)):
                reported.add((node.lineno, node.col_offset))
                yield self.diagnostic(
                    context,
                    self._secret_span(context, cell, node, match.value),
                    f"{_describe(match.kind, match.value)} is written in cell {cell.number}; revoke it and load it from the environment",
                )
                break
        for item in index.parsed.masked.syntax:
            for match in find_token_secrets(item.arguments) if tokens_possible else ():
                yield self.diagnostic(
                    context,
                    context.span(cell, item.line, item.column, item.line, item.end_column),
                    f"{_describe(match.kind, match.value)} is written in cell {cell.number}; revoke it and load it from the environment",
                )
                break
            if item.kind == "line_magic" and item.name in ("env", "set_env"):
                variable, _, assigned = item.arguments.replace("=", " ", 1).partition(" ")
                assigned = assigned.strip().strip("'\"")
                if (
                    is_secret_name(variable)
                    and looks_like_secret_value(variable, assigned)
                    and not find_token_secrets(item.arguments)
                ):
                    yield self._named(
                        context,
                        cell,
                        context.span(cell, item.line, item.column, item.line, item.end_column),
                        variable,
                        assigned,
                    )
        lowered = cell.source.lower()
        for where, value_node in (
            self._auth_passwords(index) if "auth" in lowered or "login" in lowered else ()
        ):
            value = literal_string(value_node)
            position = (value_node.lineno, value_node.col_offset)
            if (
                value is None
                or position in reported
                or not looks_like_secret_value("password", value)
            ):
                continue
            reported.add(position)
            yield self.diagnostic(
                context,
                node_span(context, cell, value_node),
                f"a literal password `{mask_secret(value)}` is passed to `{where}` in cell {cell.number}; load it from the environment (`os.environ[...]`) or a secrets manager",
            )
        if not any(hint in lowered for hint in _SECRET_NAME_HINTS):
            return
        for name, value_node in self._assignments(index):
            value = literal_string(value_node)
            if value is None or (value_node.lineno, value_node.col_offset) in reported:
                continue
            if is_secret_name(name) and looks_like_secret_value(name, value):
                reported.add((value_node.lineno, value_node.col_offset))
                yield self._named(context, cell, node_span(context, cell, value_node), name, value)

    def _named(
        self, context: LintContext, cell: Cell, span: Any, name: str, value: str
    ) -> Diagnostic:
        return self.diagnostic(
            context,
            span,
            f"`{name}` is set to a literal secret `{mask_secret(value)}` in cell {cell.number}; load it from the environment (`os.environ[...]`) or a secrets manager",
        )

    @staticmethod
    def _auth_passwords(index: CellIndex) -> Iterator[tuple[str, ast.expr]]:
        """The password of `auth=(user, password)`, `HTTPBasicAuth(user, password)` and
        `server.login(user, password)` (smtplib, ftplib, imaplib), with where it is passed."""
        pairs: list[tuple[str, ast.expr]] = [
            ("auth=(…)", node.value) for node in index.of(ast.keyword) if node.arg == "auth"
        ]
        pairs += [  # `session.auth = (user, password)`
            ("auth = (…)", node.value)
            for node in index.of(ast.Assign)
            if any(_target_name(target) == "auth" for target in node.targets)
        ]
        for where, value in pairs:
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == 2:
                yield where, value.elts[1]
        for call, _ in index.calls:
            function = call.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", None)
            )
            if len(call.args) != 2 or any(
                isinstance(argument, ast.Starred) for argument in call.args
            ):
                continue
            if name in _AUTH_CLASSES or (name == "login" and isinstance(function, ast.Attribute)):
                yield f"{name}(…)", call.args[1]

    @staticmethod
    def _assignments(index: CellIndex) -> Iterator[tuple[str, ast.expr]]:
        for node in sorted(
            index.of(ast.Assign, ast.AnnAssign, ast.keyword, ast.Dict, ast.Call),
            key=_source_position,
        ):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    name = _target_name(target)
                    if name is not None:
                        yield name, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                name = _target_name(node.target)
                if name is not None:
                    yield name, node.value
            elif isinstance(node, ast.keyword) and node.arg is not None:
                yield node.arg, node.value
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    key_text = literal_string(key)
                    if key_text is not None:
                        yield key_text, value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("setdefault", "putenv")
                and len(node.args) == 2
            ):
                key_text = literal_string(node.args[0])
                if key_text is not None:
                    yield key_text, node.args[1]

    @staticmethod
    def _secret_span(context: LintContext, cell: Cell, node: ast.Constant, secret: str) -> Any:
        lines = cell.source.splitlines()
        for line_number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            text = lines[line_number - 1] if line_number <= len(lines) else ""
            column = text.find(secret[:40])
            if column >= 0:
                length = min(len(secret), len(text) - column)
                return context.span(cell, line_number, column + 1, line_number, column + 1 + length)
        return node_span(context, cell, node)

    def _in_outputs(self, context: LintContext, cell: Cell) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        for position, output in enumerate(cell.outputs, start=1):
            for text in _output_texts(output):
                if not text:
                    continue
                for match in find_token_secrets(text[:_MAXIMUM_SCANNED_OUTPUT]):
                    if match.value in seen:
                        continue
                    seen.add(match.value)
                    yield self.diagnostic(
                        context,
                        context.span(cell),
                        f"{_describe(match.kind, match.value)} appears in saved output {position} of cell {cell.number}; revoke it and clear the output",
                    )


RULES: tuple[type[Rule], ...] = (
    UnseededRandomness,
    AbsolutePath,
    InlinePackageInstall,
    WorkingDirectoryChange,
    WallClockDependence,
    NetworkDataFetch,
    ShellCommand,
    ErrorOutputCommitted,
    InteractiveInput,
    RemovedApi,
    HardcodedSecret,
)

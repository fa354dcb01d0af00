"""The table behind removed-api: APIs removed or renamed in current numpy, pandas, matplotlib, seaborn, scikit-learn.

To add an entry, append one row to the matching table; the rule reads nothing else. Patterns name a
dotted path as imported (``numpy.float``); ``pkg..Name`` matches ``Name`` anywhere under ``pkg``
(scikit-learn exposes classes from several modules).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ATTRIBUTES",
    "KEYWORDS",
    "KEYWORD_VALUES",
    "METHODS",
    "MODULE_ALIASES",
    "NUMPY_ATTRIBUTE_NAMES",
    "REMOVED_PANDAS_ATTRIBUTES",
    "SEABORN_STYLE_REPLACEMENT",
    "RemovedApi",
    "canonical_name",
    "pattern_matches",
]


@dataclass(frozen=True, slots=True)
class RemovedApi:
    """One removed API: where it was removed and what to use instead."""

    pattern: str
    removed_in: str
    replacement: str


def _rows(removed_in: str, rows: dict[str, str]) -> tuple[RemovedApi, ...]:
    return tuple(
        RemovedApi(pattern, removed_in, replacement) for pattern, replacement in rows.items()
    )


# Names (modules, functions, classes, constants) that no longer exist.
ATTRIBUTES: tuple[RemovedApi, ...] = (
    *_rows(
        "numpy 1.24",
        {
            "numpy.float": "`float` or `numpy.float64`",
            "numpy.int": "`int` or `numpy.int64`",
            "numpy.object": "`object`",
            "numpy.str": "`str`",
            "numpy.complex": "`complex` or `numpy.complex128`",
            "numpy.unicode": "`str`",
        },
    ),
    *_rows("numpy 1.23", {"numpy.asscalar": "`a.item()`", "numpy.alen": "`len(a)`"}),
    *_rows("numpy 1.18", {"numpy.rank": "`numpy.ndim`"}),
    *_rows(
        "numpy 2.0",
        {
            "numpy.float_": "`numpy.float64`",
            "numpy.complex_": "`numpy.complex128`",
            "numpy.string_": "`numpy.bytes_`",
            "numpy.unicode_": "`numpy.str_`",
            "numpy.NaN": "`numpy.nan`",
            "numpy.NAN": "`numpy.nan`",
            "numpy.Inf": "`numpy.inf`",
            "numpy.Infinity": "`numpy.inf`",
            "numpy.infty": "`numpy.inf`",
            "numpy.PINF": "`numpy.inf`",
            "numpy.NINF": "`-numpy.inf`",
            "numpy.PZERO": "`0.0`",
            "numpy.NZERO": "`-0.0`",
            "numpy.cfloat": "`numpy.complex128`",
            "numpy.longfloat": "`numpy.longdouble`",
            "numpy.singlecomplex": "`numpy.complex64`",
            "numpy.longcomplex": "`numpy.clongdouble`",
            "numpy.clongfloat": "`numpy.clongdouble`",
            "numpy.int0": "`numpy.intp`",
            "numpy.uint0": "`numpy.uintp`",
            "numpy.bool8": "`numpy.bool_`",
            "numpy.object0": "`numpy.object_`",
            "numpy.str0": "`numpy.str_`",
            "numpy.bytes0": "`numpy.bytes_`",
            "numpy.void0": "`numpy.void`",
            "numpy.product": "`numpy.prod`",
            "numpy.cumproduct": "`numpy.cumprod`",
            "numpy.sometrue": "`numpy.any`",
            "numpy.alltrue": "`numpy.all`",
            "numpy.round_": "`numpy.round`",
            "numpy.asfarray": "`numpy.asarray(a, dtype=float)`",
            "numpy.msort": "`numpy.sort(a, axis=0)`",
            "numpy.find_common_type": "`numpy.result_type`",
            "numpy.cast": "`numpy.asarray(a).astype(dtype)`",
            "numpy.mat": "`numpy.asmatrix`",
            "numpy.issubclass_": "`issubclass`",
            "numpy.issctype": "`issubclass(rep, numpy.generic)`",
            "numpy.maximum_sctype": "a specific dtype such as `numpy.float64`",
            "numpy.obj2sctype": "`numpy.dtype(obj).type`",
            "numpy.sctype2char": "`numpy.dtype(sctype).char`",
            "numpy.sctypes": "the concrete scalar types",
            "numpy.set_string_function": "`numpy.set_printoptions(formatter=...)`",
            "numpy.safe_eval": "`ast.literal_eval`",
            "numpy.who": "an IDE variable explorer or `locals()`",
            "numpy.source": "`inspect.getsource`",
            "numpy.deprecate": "`warnings.warn(..., DeprecationWarning)`",
            "numpy.disp": "`print`",
            "numpy.recfromcsv": "`numpy.genfromtxt(..., delimiter=',', names=True, dtype=None)`",
            "numpy.recfromtxt": "`numpy.genfromtxt`",
            "numpy.byte_bounds": "`numpy.lib.array_utils.byte_bounds`",
            "numpy.compat": "the Python 3 builtins",
            "numpy.DataSource": "`numpy.lib.npyio.DataSource`",
            "numpy.geterrobj": "`numpy.errstate`",
            "numpy.seterrobj": "`numpy.errstate`",
            "numpy.nbytes": "`numpy.dtype(t).itemsize`",
        },
    ),
    *_rows(
        "pandas 1.0",
        {
            "pandas.Panel": "a DataFrame with a MultiIndex, or xarray",
            "pandas.TimeGrouper": "`pandas.Grouper(freq=...)`",
        },
    ),
    *_rows(
        "pandas 0.23",
        {
            "pandas.rolling_mean": "`s.rolling(window).mean()`",
            "pandas.rolling_std": "`s.rolling(window).std()`",
            "pandas.rolling_sum": "`s.rolling(window).sum()`",
            "pandas.rolling_window": "`s.rolling(window, win_type=...)`",
            "pandas.ewma": "`s.ewm(...).mean()`",
            "pandas.expanding_mean": "`s.expanding().mean()`",
            "pandas.scatter_matrix": "`pandas.plotting.scatter_matrix`",
        },
    ),
    *_rows(
        "pandas 2.0",
        {
            "pandas.datetime": "`import datetime`",
            "pandas.np": "`import numpy as np`",
            "pandas.Int64Index": "`pandas.Index(..., dtype='int64')`",
            "pandas.UInt64Index": "`pandas.Index(..., dtype='uint64')`",
            "pandas.Float64Index": "`pandas.Index(..., dtype='float64')`",
            "pandas.util.testing": "`pandas.testing`",
        },
    ),
    *_rows(
        "pandas 0.23",
        {"pandas.tools": "`pandas.plotting` (scatter_matrix...) or `pandas.merge`/`pandas.concat`"},
    ),
    *_rows("pandas 1.0", {"pandas.DataFrame.from_items": "`pandas.DataFrame.from_dict`"}),
    *_rows(
        "scipy 1.2",
        {"scipy.misc.imread": "`imageio.v3.imread`", "scipy.misc.imsave": "`imageio.v3.imwrite`"},
    ),
    *_rows(
        "scipy 1.3", {"scipy.misc.imresize": "`PIL.Image.resize` or `skimage.transform.resize`"}
    ),
    *_rows(
        "matplotlib 3.9",
        {"matplotlib.cm.get_cmap": "`matplotlib.colormaps[name]` or `matplotlib.pyplot.get_cmap`"},
    ),
    *_rows(
        "seaborn 0.12",
        {"seaborn.factorplot": "`seaborn.catplot`", "seaborn.lvplot": "`seaborn.boxenplot`"},
    ),
    *_rows("seaborn 0.10", {"seaborn.tsplot": "`seaborn.lineplot`"}),
    *_rows(
        "scikit-learn 0.20",
        {
            "sklearn.cross_validation": "`sklearn.model_selection`",
            "sklearn.grid_search": "`sklearn.model_selection`",
            "sklearn.learning_curve": "`sklearn.model_selection`",
        },
    ),
    *_rows(
        "scikit-learn 0.22", {"sklearn.preprocessing.Imputer": "`sklearn.impute.SimpleImputer`"}
    ),
    *_rows(
        "scikit-learn 0.23",
        {
            "sklearn.externals.joblib": "`import joblib`",
            "sklearn.externals.six": "Python 3 builtins",
            "sklearn.metrics.jaccard_similarity_score": "`sklearn.metrics.jaccard_score`",
        },
    ),
    *_rows(
        "scikit-learn 1.2",
        {
            "sklearn.datasets.load_boston": "`sklearn.datasets.fetch_california_housing`",
            "sklearn.metrics.plot_confusion_matrix": "`ConfusionMatrixDisplay.from_estimator`",
            "sklearn.metrics.plot_roc_curve": "`RocCurveDisplay.from_estimator`",
            "sklearn.metrics.plot_precision_recall_curve": "`PrecisionRecallDisplay.from_estimator`",
            "sklearn.utils.testing": "`sklearn.utils._testing` (private) or plain pytest",
        },
    ),
)

# The numpy names above, for telling ruff's NPY201 findings that nb2prod already reports.
NUMPY_ATTRIBUTE_NAMES: frozenset[str] = frozenset(
    entry.pattern.split(".", 1)[1] for entry in ATTRIBUTES if entry.pattern.startswith("numpy.")
)

# Methods removed from pandas objects. ``True`` means the name is also a list/dict method, so the
# receiver must look like a pandas object.
METHODS: dict[str, tuple[RemovedApi, bool]] = {
    "append": (RemovedApi(".append", "pandas 2.0", "`pandas.concat([df, other])`"), True),
    "iteritems": (RemovedApi(".iteritems", "pandas 2.0 (and Python 3 dicts)", "`.items()`"), False),
    "as_matrix": (RemovedApi(".as_matrix", "pandas 1.0", "`.to_numpy()`"), False),
    "get_value": (RemovedApi(".get_value", "pandas 1.0", "`.at[row, column]`"), True),
    "set_value": (RemovedApi(".set_value", "pandas 1.0", "`.at[row, column] = value`"), True),
    "sortlevel": (RemovedApi(".sortlevel", "pandas 0.20", "`.sort_index(level=...)`"), False),
    "mad": (RemovedApi(".mad", "pandas 2.0", "`(df - df.mean()).abs().mean()`"), True),
    "lookup": (
        RemovedApi(".lookup", "pandas 2.0", "`.melt` then `.loc`, or `.to_numpy()[rows, cols]`"),
        True,
    ),
    "get_feature_names": (
        RemovedApi(".get_feature_names", "scikit-learn 1.2", "`.get_feature_names_out()`"),
        False,
    ),
    "set_axis_bgcolor": (
        RemovedApi(".set_axis_bgcolor", "matplotlib 2.2", "`.set_facecolor`"),
        False,
    ),
}
# Attribute access (not a call) removed from pandas objects.
REMOVED_PANDAS_ATTRIBUTES: dict[str, RemovedApi] = {
    "ix": RemovedApi(".ix", "pandas 1.0", "`.loc` (labels) or `.iloc` (positions)"),
    "is_monotonic": RemovedApi(".is_monotonic", "pandas 2.0", "`.is_monotonic_increasing`"),
}

# Keyword arguments removed from a callable (pattern) or from any method of that name (``.name``).
KEYWORDS: dict[tuple[str, str], RemovedApi] = {
    ("pandas.read_csv", "error_bad_lines"): RemovedApi(
        "error_bad_lines=", "pandas 2.0", "`on_bad_lines='error'|'skip'`"
    ),
    ("pandas.read_csv", "warn_bad_lines"): RemovedApi(
        "warn_bad_lines=", "pandas 2.0", "`on_bad_lines='warn'`"
    ),
    ("pandas.read_csv", "squeeze"): RemovedApi(
        "squeeze=", "pandas 2.0", "`.squeeze('columns')` on the result"
    ),
    ("pandas.read_table", "error_bad_lines"): RemovedApi(
        "error_bad_lines=", "pandas 2.0", "`on_bad_lines=`"
    ),
    ("pandas.concat", "join_axes"): RemovedApi(
        "join_axes=", "pandas 1.0", "`.reindex(...)` on the result"
    ),
    (".to_csv", "line_terminator"): RemovedApi(
        "line_terminator=", "pandas 2.0", "`lineterminator=`"
    ),
    (".hist", "normed"): RemovedApi("normed=", "matplotlib 3.1", "`density=`"),
    ("numpy.histogram", "normed"): RemovedApi("normed=", "numpy 1.24", "`density=`"),
    ("numpy.histogram2d", "normed"): RemovedApi("normed=", "numpy 1.24", "`density=`"),
    ("numpy.histogramdd", "normed"): RemovedApi("normed=", "numpy 1.24", "`density=`"),
    ("sklearn..OneHotEncoder", "sparse"): RemovedApi(
        "sparse=", "scikit-learn 1.4", "`sparse_output=`"
    ),
    ("sklearn..OneHotEncoder", "categorical_features"): RemovedApi(
        "categorical_features=", "scikit-learn 0.22", "`ColumnTransformer`"
    ),
    ("sklearn..KMeans", "n_jobs"): RemovedApi(
        "n_jobs=", "scikit-learn 1.0", "nothing (threads follow OMP_NUM_THREADS)"
    ),
    ("sklearn..KMeans", "precompute_distances"): RemovedApi(
        "precompute_distances=", "scikit-learn 1.0", "nothing"
    ),
    ("sklearn..mean_squared_error", "squared"): RemovedApi(
        "squared=", "scikit-learn 1.6", "`root_mean_squared_error`"
    ),
    ("sklearn..AgglomerativeClustering", "affinity"): RemovedApi(
        "affinity=", "scikit-learn 1.4", "`metric=`"
    ),
    ("sklearn..BaggingClassifier", "base_estimator"): RemovedApi(
        "base_estimator=", "scikit-learn 1.4", "`estimator=`"
    ),
    ("sklearn..BaggingRegressor", "base_estimator"): RemovedApi(
        "base_estimator=", "scikit-learn 1.4", "`estimator=`"
    ),
    ("sklearn..AdaBoostClassifier", "base_estimator"): RemovedApi(
        "base_estimator=", "scikit-learn 1.4", "`estimator=`"
    ),
    ("sklearn..AdaBoostRegressor", "base_estimator"): RemovedApi(
        "base_estimator=", "scikit-learn 1.4", "`estimator=`"
    ),
    ("sklearn..LinearRegression", "normalize"): RemovedApi(
        "normalize=", "scikit-learn 1.2", "a `StandardScaler` in a pipeline"
    ),
    ("sklearn..Ridge", "normalize"): RemovedApi(
        "normalize=", "scikit-learn 1.2", "a `StandardScaler` in a pipeline"
    ),
    ("sklearn..Lasso", "normalize"): RemovedApi(
        "normalize=", "scikit-learn 1.2", "a `StandardScaler` in a pipeline"
    ),
    ("sklearn..TSNE", "n_iter"): RemovedApi("n_iter=", "scikit-learn 1.7", "`max_iter=`"),
}

# Keyword values that are no longer accepted.
KEYWORD_VALUES: dict[tuple[str, str, str], RemovedApi] = {
    ("sklearn..GradientBoostingClassifier", "loss", "deviance"): RemovedApi(
        "loss='deviance'", "scikit-learn 1.3", "`loss='log_loss'`"
    ),
    ("sklearn..SGDClassifier", "loss", "log"): RemovedApi(
        "loss='log'", "scikit-learn 1.3", "`loss='log_loss'`"
    ),
    ("sklearn..RandomForestRegressor", "criterion", "mse"): RemovedApi(
        "criterion='mse'", "scikit-learn 1.2", "`criterion='squared_error'`"
    ),
    ("sklearn..RandomForestRegressor", "criterion", "mae"): RemovedApi(
        "criterion='mae'", "scikit-learn 1.2", "`criterion='absolute_error'`"
    ),
    ("sklearn..DecisionTreeRegressor", "criterion", "mse"): RemovedApi(
        "criterion='mse'", "scikit-learn 1.2", "`criterion='squared_error'`"
    ),
    ("sklearn..GradientBoostingRegressor", "loss", "ls"): RemovedApi(
        "loss='ls'", "scikit-learn 1.2", "`loss='squared_error'`"
    ),
    ("sklearn..RandomForestClassifier", "max_features", "auto"): RemovedApi(
        "max_features='auto'", "scikit-learn 1.3", "`max_features='sqrt'`"
    ),
    ("sklearn..RandomForestRegressor", "max_features", "auto"): RemovedApi(
        "max_features='auto'", "scikit-learn 1.3", "`max_features=1.0`"
    ),
}

# matplotlib 3.8 removed the "seaborn-*" style names; they live on as "seaborn-v0_8-*".
SEABORN_STYLE_REPLACEMENT = "seaborn-v0_8"


# Modules that others re-export under another name: pyplot (and pylab) hand out `matplotlib.cm`.
MODULE_ALIASES: dict[str, str] = {
    "matplotlib.pyplot.cm": "matplotlib.cm",
    "matplotlib.pylab.cm": "matplotlib.cm",
    "pylab.cm": "matplotlib.cm",
}


def canonical_name(resolved: str) -> str:
    """The name the tables use: ``matplotlib.pyplot.cm.get_cmap`` -> ``matplotlib.cm.get_cmap``."""
    for alias, module in MODULE_ALIASES.items():
        if resolved == alias or resolved.startswith(alias + "."):
            return module + resolved[len(alias) :]
    return resolved


def pattern_matches(resolved: str, pattern: str) -> bool:
    """``pandas.read_csv`` matches itself; ``sklearn..KMeans`` matches ``sklearn.cluster.KMeans``."""
    if ".." in pattern:
        package, name = pattern.split("..", 1)
        return resolved.startswith(package + ".") and resolved.rsplit(".", 1)[-1] == name
    return resolved == pattern or resolved.startswith(pattern + ".")

"""Tabular data -> the float32 matrix a network takes, and the network's outputs -> labels again.

:class:`TabularPreprocessor` is what ``glassnet train`` fits on a CSV file and stores beside the
model (``preprocessing.json``), so that ``glassnet predict`` / ``evaluate`` apply exactly the same
steps to new rows. It is fitted on the training rows only (never on validation or test rows).

Features (every column except the target and the dropped ones):

* numeric columns (integers, floats, booleans) are **standardized**: ``x' = (x - mean) / std`` with
  the training mean and (population) standard deviation; a constant column gets ``std = 1``.
  Standardization is the default because it does not depend on the two extreme rows and leaves
  new values outside the training range unclipped; ``scaling='minmax'`` gives
  ``x' = (x - min) / (max - min)`` in [0, 1] on the training rows instead (what the Keras course
  does with scikit-learn's ``MinMaxScaler``). A missing value is replaced by the training
  **median** before scaling. Numeric columns stay numeric even with few distinct values
  (``bedrooms``, ``grade``): their order carries information; list them in ``categorical=`` to
  one-hot encode codes such as ``zipcode``.
* text (and pandas categorical) columns with at most ``max_categories`` distinct values are
  **one-hot encoded**: one 0/1 input per category seen in training (values are compared as
  stripped text). Missing values are a category of their own (``<missing>``) when the training rows
  had any; a category never seen in training (or a missing value when training had none) gives
  all-zero dummies. Text columns with more distinct values (free text, identifiers, dates) are
  refused with :class:`TooManyCategoriesError`, which names them: drop them (``drop=[...]``).

Targets (``target``: one column, or several 0/1 columns for a multilabel task):

* ``regression``: standardized (``(y - mean) / std``) so that one learning rate suits every
  scale of target; :meth:`inverse_transform_target` returns the original units.
* ``binary``: the two classes sorted; the second is the positive class (output 1, sigmoid).
* ``multiclass``: the classes sorted, encoded as indices 0..k-1 (softmax, sparse labels).
* ``multilabel``: each column 0/1 (sigmoid per column).

:func:`infer_task` chooses the task from the target values (see its docstring).
pandas is imported only when a method needs it.
"""
from __future__ import annotations

import json
import math
import numbers

import numpy as np

from ._validation import printable
from ._optional import import_pandas

__all__ = ["TabularPreprocessor", "infer_task", "resolve_task", "TooManyCategoriesError", "TASKS",
           "MAX_INTEGER_CLASSES", "MAX_TEXT_CLASSES", "MISSING"]

TASKS = ("regression", "binary", "multiclass", "multilabel")
#: An integer-valued numeric target with at most this many distinct values is a class label.
MAX_INTEGER_CLASSES = 20
#: A text target with more distinct values than this is refused by :func:`infer_task` (free text).
MAX_TEXT_CLASSES = 100
#: The name of the category that stands for a missing value.
MISSING = "<missing>"
FORMAT = "glassnet.TabularPreprocessor"
VERSION = 1


class TooManyCategoriesError(ValueError):
    """Text columns with too many distinct values to one-hot encode.

    ``columns`` maps each column name to its number of distinct values; ``limit`` is
    ``max_categories``.
    """

    def __init__(self, columns: dict, limit: int):
        self.columns = dict(columns)
        self.limit = limit
        listed = ", ".join(f"{name!r} ({n} distinct values)" for name, n in self.columns.items())
        super().__init__(
            f"cannot one-hot encode text column{'s' if len(columns) > 1 else ''} with more than {limit} "
            f"distinct values (free text, identifiers or dates): {listed}; drop "
            f"{'them' if len(columns) > 1 else 'it'} (drop={list(self.columns)!r}) or raise max_categories")


# ------------------------------------------------------------------------------------- helpers
def _pandas():
    return import_pandas("glassnet.preprocessing")


def _as_frame(frame, where: str):
    pd = _pandas()
    if isinstance(frame, pd.DataFrame):
        return frame
    if isinstance(frame, pd.Series):
        return frame.to_frame()
    try:
        return pd.DataFrame(frame)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{where}: expected a pandas DataFrame (or what pandas.DataFrame accepts), "
                        f"got {type(frame).__name__}: {exc}") from None


def _names(items, limit: int = 40) -> str:
    items = [str(i) for i in items]
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _as_list(value, name: str, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{where}: {name} must be a column name or a list of them, got {value!r}") from None
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{where}: {name} must hold column names (str), got {item!r}")
    return items


def _is_bool(series) -> bool:
    return _pandas().api.types.is_bool_dtype(series.dtype)


def _is_numeric(series) -> bool:
    """Numbers or booleans (pandas' numeric dtypes); text, dates and categoricals are not."""
    pd = _pandas()
    return pd.api.types.is_numeric_dtype(series.dtype) and not isinstance(series.dtype, pd.CategoricalDtype)


def _python(value):
    """A NumPy / pandas scalar as the plain Python value JSON can hold."""
    return value.item() if isinstance(value, np.generic) else value


def _key(value) -> str:
    """The text a value is compared by (labels and categories): 3, 3.0 and '3' all give '3'."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)
    return str(value).strip()


def _key_codes(series):
    """``(codes, keys)``: ``keys[codes[i]]`` is the comparison text of row i; ``codes[i] = -1`` if missing.

    Each distinct value is formatted once (``pandas.factorize``), so the cost per row is vectorised.
    """
    pd = _pandas()
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    keys = np.array([_key(v) for v in np.asarray(uniques, dtype=object)], dtype=object)
    return np.asarray(codes, dtype=np.int64), keys


def _rows(mask, index=None, limit: int = 5) -> str:
    """'3, 17, 20': where ``mask`` is True, as 1-based data rows (the row after the header is 1).

    ``index``: the frame's index; with integer labels (a CSV read by pandas, or a subset of its
    rows) the rows are counted from the labels, so a training subset still names file rows.
    """
    idx = np.flatnonzero(mask)
    if index is not None and len(index) == len(mask) and np.asarray(index).dtype.kind in "iu":
        labels = [str(int(v) + 1) for v in np.asarray(index)[idx[:limit]]]
    else:
        labels = [str(i + 1) for i in idx[:limit]]
    return ", ".join(labels) + (", ..." if idx.size > limit else "")


def _distinct(series) -> list:
    """Distinct non-missing values, sorted (numbers numerically, anything else as text)."""
    values = series.dropna().unique()
    values = [_python(v) for v in values]
    if all(isinstance(v, numbers.Real) for v in values):
        return sorted(values)
    return sorted(values, key=_key)


def _check_target_values(frame, targets: list[str], where: str) -> None:
    n = len(frame)
    if n == 0:
        raise ValueError(f"{where}: the data has no rows")
    for name in targets:
        col = frame[name]
        missing = col.isna().to_numpy()
        if missing.all():
            raise ValueError(f"{where}: target column {name!r} is empty (all {n} values are missing)")
        if missing.any():
            raise ValueError(f"{where}: target column {name!r} has {int(missing.sum())} missing value"
                             f"{'s' if missing.sum() > 1 else ''} (data rows {_rows(missing, col.index)}); "
                             f"drop or fill those rows first")
        if _is_numeric(col) and not _is_bool(col):
            values = col.to_numpy(dtype=np.float64)
            if not np.isfinite(values).all():
                raise ValueError(f"{where}: target column {name!r} holds infinite values "
                                 f"(data rows {_rows(~np.isfinite(values), col.index)})")


# ---------------------------------------------------------------------------------- the task
def infer_task(target, max_integer_classes: int = MAX_INTEGER_CLASSES,
               max_text_classes: int = MAX_TEXT_CLASSES, where: str = "infer_task") -> str:
    """The learning task a target column (or columns) asks for.

    * several columns: ``'multilabel'`` when every column holds only 0/1 (or booleans);
    * booleans, or exactly two distinct values (numbers or text): ``'binary'``;
    * integer-valued numbers (``3`` or ``3.0``) that look like class codes: at most
      ``max_integer_classes`` (20) distinct values, packed closely (``max - min + 1`` at most twice
      their number: 0..4, 1..10, not 100, 200, 300); or text with at most ``max_text_classes`` (100)
      distinct values: ``'multiclass'``;
    * any other numbers (floats with fractions, many or spread-out integers): ``'regression'``.

    Missing values are ignored. Raises ``ValueError`` for a target with a single distinct value
    (nothing to learn), for text with more than ``max_text_classes`` distinct values, and for
    several columns that are not all 0/1.
    """
    pd = _pandas()
    if isinstance(target, pd.DataFrame):
        if target.shape[1] == 1:
            return infer_task(target.iloc[:, 0], max_integer_classes, max_text_classes, where)
        bad = [name for name in target.columns if not _is_binary01(target[name])]
        if bad:
            raise ValueError(f"{where}: several target columns make a multilabel task, and each must hold only "
                             f"0/1 values; {_names(bad)} hold{'s' if len(bad) == 1 else ''} other values "
                             f"(for several numeric targets choose the regression task)")
        return "multilabel"
    series = target if isinstance(target, pd.Series) else pd.Series(np.asarray(target))
    name = series.name if series.name is not None else "target"
    values = series.dropna()
    if len(values) == 0:
        raise ValueError(f"{where}: target column {name!r} has no values")
    distinct = values.unique()
    if len(distinct) == 1:
        raise ValueError(f"{where}: target column {name!r} holds a single class ({_key(distinct[0])!r}) in all "
                         f"{len(values)} rows: there is nothing to learn")
    if _is_bool(series) or len(distinct) == 2:
        return "binary"
    if _is_numeric(series):
        numbers_ = values.to_numpy(dtype=np.float64)
        integral = bool(np.all(np.isfinite(numbers_) & (numbers_ == np.round(numbers_))))
        span = float(numbers_.max() - numbers_.min()) + 1
        if integral and len(distinct) <= max_integer_classes and span <= 2 * len(distinct):
            return "multiclass"
        return "regression"
    if len(distinct) <= max_text_classes:
        return "multiclass"
    raise ValueError(f"{where}: target column {name!r} holds {len(distinct)} distinct text values, too many for "
                     f"class labels (limit {max_text_classes}); choose the multiclass task explicitly to use "
                     f"them anyway")


def _is_binary01(series) -> bool:
    if _is_bool(series):
        return True
    if not _is_numeric(series):
        return False
    values = series.dropna().to_numpy(dtype=np.float64)
    return bool(np.isin(values, (0.0, 1.0)).all())


def resolve_task(target, task: str = "auto", where: str = "resolve_task") -> str:
    """``task`` checked against the target (``'auto'``: :func:`infer_task`); a clear ``ValueError``
    if it does not fit (a binary task on three classes, a regression on text, ...)."""
    pd = _pandas()
    if task not in ("auto",) + TASKS:
        raise ValueError(f"{where}: task must be one of auto, {', '.join(TASKS)}; got {task!r}")
    frame = target if isinstance(target, pd.DataFrame) else _as_frame(target, where)
    if task == "auto":
        return infer_task(frame, where=where)
    if task == "multilabel":
        bad = [name for name in frame.columns if not _is_binary01(frame[name])]
        if bad:
            raise ValueError(f"{where}: a multilabel target must hold only 0/1 values; {_names(bad)} "
                             f"hold{'s' if len(bad) == 1 else ''} other values")
        return task
    if task == "regression":
        bad = [name for name in frame.columns if not _is_numeric(frame[name])]
        if bad:
            example = frame[bad[0]].dropna()
            example = _key(example.iloc[0]) if len(example) else ""
            raise ValueError(f"{where}: regression needs a numeric target; {_names(bad)} hold"
                             f"{'s' if len(bad) == 1 else ''} text (e.g. {example!r})")
        for name in frame.columns:
            if frame[name].nunique() < 2:
                raise ValueError(f"{where}: target column {name!r} holds a single value in all rows: "
                                 f"there is nothing to learn")
        return task
    if frame.shape[1] != 1:
        raise ValueError(f"{where}: the {task} task takes one target column, got {frame.shape[1]} "
                         f"({_names(frame.columns)}); several 0/1 columns make a multilabel task")
    series = frame.iloc[:, 0]
    n = series.nunique()
    if n < 2:
        infer_task(series, where=where)  # raises the single-class message
    if task == "binary" and n != 2:
        raise ValueError(f"{where}: the binary task needs exactly two classes; target column {series.name!r} "
                         f"has {n} ({_names([_key(v) for v in _distinct(series)], 10)}): use the multiclass task")
    return task


# -------------------------------------------------------------------------- the preprocessor
class TabularPreprocessor:
    """Fit on a DataFrame; ``transform`` -> float32 inputs, ``transform_target`` -> encoded targets.

    Args:
        target: the target column, or a list of columns (a multilabel or multi-output
            regression task). ``None``: features only (``transform_target`` is unavailable).
        task: ``'auto'`` (:func:`infer_task`), ``'regression'``, ``'binary'``, ``'multiclass'`` or
            ``'multilabel'``.
        scaling: ``'standard'`` (default, ``(x - mean) / std``) or ``'minmax'``
            (``(x - min) / (max - min)``) for the numeric features.
        max_categories: the most distinct values a text column may have to be one-hot encoded (50).
        drop: columns to ignore.
        categorical: numeric columns to one-hot encode anyway (codes such as zip codes).

    Fitted attributes: ``task_``, ``columns_`` (one dict per used column, in file order),
    ``feature_names_`` (the names of the output columns: ``'age'``, ``'grade=B'``, ...),
    ``classes_`` (classification: the labels, in output order), ``target_mean_`` /
    ``target_std_`` (regression).
    """

    def __init__(self, target=None, task: str = "auto", scaling: str = "standard", max_categories: int = 50,
                 drop=None, categorical=None):
        where = "TabularPreprocessor"
        if task not in ("auto",) + TASKS:
            raise ValueError(f"{where}: task must be one of auto, {', '.join(TASKS)}; got {task!r}")
        if scaling not in ("standard", "minmax"):
            raise ValueError(f"{where}: scaling must be 'standard' or 'minmax', got {scaling!r}")
        if isinstance(max_categories, bool) or not isinstance(max_categories, numbers.Integral) \
                or max_categories < 1:
            raise ValueError(f"{where}: max_categories must be a positive integer, got {max_categories!r}")
        self.target = _as_list(target, "target", where)
        self.task = task
        self.scaling = scaling
        self.max_categories = int(max_categories)
        self.drop = _as_list(drop, "drop", where)
        self.categorical = _as_list(categorical, "categorical", where)
        overlap = sorted(set(self.target) & (set(self.drop) | set(self.categorical)))
        if overlap:
            raise ValueError(f"{where}: {_names(overlap)} cannot be both the target and a dropped or "
                             f"categorical feature")
        self.fitted = False

    # ------------------------------------------------------------------------------ fit
    def fit(self, frame) -> "TabularPreprocessor":
        """Learn the column kinds, statistics, categories and target encoding from ``frame``."""
        where = "TabularPreprocessor.fit"
        frame = _as_frame(frame, where)
        if frame.shape[1] == 0:
            raise ValueError(f"{where}: the data has no columns")
        self._check_columns(frame, self.target + self.drop + self.categorical, where, what="the data")
        if len(frame) == 0:
            raise ValueError(f"{where}: the data has no rows (only a header)")
        if self.target:
            _check_target_values(frame, self.target, where)
            self.task_ = resolve_task(frame[self.target], self.task, where=where)
            self._fit_target(frame)
        else:
            self.task_ = None
        skip = set(self.target) | set(self.drop)
        features = [c for c in frame.columns if c not in skip]
        if not features:
            raise ValueError(f"{where}: no feature columns left after removing the target and the dropped columns "
                             f"(the data has {_names(frame.columns)})")
        columns, too_many = [], {}
        forced = set(self.categorical)
        for name in features:
            col = frame[name]
            if _is_numeric(col) and name not in forced:
                columns.append(self._fit_numeric(name, col))
                continue
            codes, keys = _key_codes(col)
            categories = sorted(set(keys.tolist()), key=_category_order(col))
            if len(categories) > self.max_categories and name not in forced:
                too_many[name] = len(categories)
                continue
            columns.append({"name": str(name), "kind": "categorical", "categories": categories,
                            "missing": bool((codes < 0).any())})
        if too_many:
            raise TooManyCategoriesError(too_many, self.max_categories)
        self.columns_ = columns
        self.feature_names_ = self._feature_names()
        self.n_rows_ = int(len(frame))
        self.fitted = True
        return self

    def _fit_numeric(self, name, col) -> dict:
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = values[np.isfinite(values)]
        if np.isinf(values).any():
            raise ValueError(f"TabularPreprocessor.fit: column {name!r} holds infinite values "
                             f"(data rows {_rows(np.isinf(values), col.index)})")
        median = float(np.median(finite)) if finite.size else 0.0
        filled = np.where(np.isnan(values), median, values)
        if self.scaling == "standard":
            center, scale = float(filled.mean()), float(filled.std())
        else:
            center, scale = float(filled.min()), float(filled.max() - filled.min())
        if not scale > 0 or not math.isfinite(scale):
            scale = 1.0
        return {"name": str(name), "kind": "numeric", "median": median, "center": center, "scale": scale,
                "missing": int(np.isnan(values).sum())}

    def _fit_target(self, frame) -> None:
        self.classes_ = None
        self.target_mean_ = self.target_std_ = None
        if self.task_ in ("binary", "multiclass"):
            classes = {}
            for value in _distinct(frame[self.target[0]]):   # ' A' and 'A' are one class (compared stripped)
                classes.setdefault(_key(value), value)
            self.classes_ = list(classes.values())
        elif self.task_ == "regression":
            y = frame[self.target].to_numpy(dtype=np.float64)
            std = y.std(axis=0)
            self.target_mean_ = [float(v) for v in y.mean(axis=0)]
            self.target_std_ = [float(s) if s > 0 else 1.0 for s in std]

    def _feature_names(self) -> list[str]:
        names = []
        for col in self.columns_:
            if col["kind"] == "numeric":
                names.append(col["name"])
            else:
                names += [f"{col['name']}={c}" for c in col["categories"]]
                if col["missing"]:
                    names.append(f"{col['name']}={MISSING}")
        return names

    # ------------------------------------------------------------------------ transform
    def _require_fitted(self, where: str) -> None:
        if not self.fitted:
            raise RuntimeError(f"{where}: the preprocessor is not fitted; call fit(frame) first")

    @staticmethod
    def _check_columns(frame, needed, where: str, what: str = "the data") -> None:
        missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
        if missing:
            raise ValueError(f"{where}: {what} has no column{'s' if len(missing) > 1 else ''} {_names(missing)}; "
                             f"its columns are {_names(frame.columns)}")

    @property
    def n_features(self) -> int:
        """The width of :meth:`transform`'s output (the model's input size)."""
        self._require_fitted("TabularPreprocessor.n_features")
        return len(self.feature_names_)

    @property
    def feature_columns(self) -> list[str]:
        """The data columns the preprocessor reads, in order."""
        self._require_fitted("TabularPreprocessor.feature_columns")
        return [c["name"] for c in self.columns_]

    def transform(self, frame) -> np.ndarray:
        """The float32 input matrix ``(rows, n_features)`` for ``frame`` (extra columns are ignored)."""
        where = "TabularPreprocessor.transform"
        self._require_fitted(where)
        frame = _as_frame(frame, where)
        self._check_columns(frame, self.feature_columns, where, what="the data")
        n = len(frame)
        out = np.zeros((n, len(self.feature_names_)), dtype=np.float32)
        j = 0
        for col in self.columns_:
            series = frame[col["name"]]
            if col["kind"] == "numeric":
                values = self._numeric_values(series, col["name"], where)
                values = np.where(np.isnan(values), col["median"], values)
                out[:, j] = (values - col["center"]) / col["scale"]
                j += 1
                continue
            codes, keys = _key_codes(series)
            index = {c: i for i, c in enumerate(col["categories"])}
            width = len(col["categories"]) + bool(col["missing"])
            # position of each distinct value, then of each row; the last slot stands for "missing"
            lookup = np.array([index.get(k, -1) for k in keys] + [width - 1 if col["missing"] else -1],
                              dtype=np.int64)
            pos = lookup[codes]                       # codes == -1 (missing) picks the last slot
            rows = np.flatnonzero(pos >= 0)
            out[rows, j + pos[rows]] = 1.0           # unseen categories: all-zero dummies
            j += width
        return out

    @staticmethod
    def _numeric_values(series, name, where) -> np.ndarray:
        pd = _pandas()
        if _is_numeric(series):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isnan(values) & ~series.isna().to_numpy()
            if bad.any():
                first = series.to_numpy(dtype=object)[np.flatnonzero(bad)[0]]
                raise ValueError(f"{where}: column {name!r} was numeric in training but holds text such as "
                                 f"{str(first)!r} (data rows {_rows(bad, series.index)})")
        if np.isinf(values).any():
            raise ValueError(f"{where}: column {name!r} holds infinite values "
                             f"(data rows {_rows(np.isinf(values), series.index)})")
        return values

    def fit_transform(self, frame) -> np.ndarray:
        return self.fit(frame).transform(frame)

    # --------------------------------------------------------------------------- target
    @property
    def output_units(self) -> int:
        """How many outputs the network needs: 1 (binary, one regression target), k classes, or m labels."""
        self._require_fitted("TabularPreprocessor.output_units")
        if self.task_ == "multiclass":
            return len(self.classes_)
        if self.task_ == "binary":
            return 1
        return len(self.target)

    def transform_target(self, frame) -> np.ndarray:
        """The encoded target: regression ``(n, m)`` standardized; binary ``(n, 1)`` 0/1;
        multiclass ``(n,)`` class indices; multilabel ``(n, m)`` 0/1 (all float32)."""
        where = "TabularPreprocessor.transform_target"
        self._require_fitted(where)
        if not self.target:
            raise RuntimeError(f"{where}: the preprocessor was fitted without a target")
        frame = _as_frame(frame, where)
        self._check_columns(frame, self.target, where, what="the data")
        _check_target_values(frame, self.target, where)
        if self.task_ == "regression":
            bad = [c for c in self.target if not _is_numeric(frame[c])]
            if bad:
                raise ValueError(f"{where}: the regression target {_names(bad)} holds text")
            y = frame[self.target].to_numpy(dtype=np.float64)
            return ((y - np.asarray(self.target_mean_)) / np.asarray(self.target_std_)).astype(np.float32)
        if self.task_ == "multilabel":
            bad = [c for c in self.target if not _is_binary01(frame[c])]
            if bad:
                raise ValueError(f"{where}: the multilabel target {_names(bad)} holds values other than 0/1")
            return frame[self.target].to_numpy(dtype=np.float32)
        series = frame[self.target[0]]
        codes, keys = _key_codes(series)           # no missing values here: checked above
        index = {_key(c): i for i, c in enumerate(self.classes_)}
        pos = np.array([index.get(k, -1) for k in keys], dtype=np.int64)[codes]
        if (pos < 0).any():
            unknown = sorted(set(keys[np.unique(codes[pos < 0])].tolist()))
            raise ValueError(f"{where}: target column {self.target[0]!r} holds label{'s' if len(unknown) > 1 else ''} "
                             f"the model was not trained on: {_names(unknown, 10)} "
                             f"(data rows {_rows(pos < 0, series.index)}); "
                             f"the classes are {_names([_key(c) for c in self.classes_], 20)}")
        y = pos.astype(np.float32)
        return y.reshape(-1, 1) if self.task_ == "binary" else y

    def inverse_transform_target(self, outputs, threshold: float = 0.5):
        """Network outputs -> targets in the data's terms.

        regression: original units, ``(n,)`` for one target else ``(n, m)`` (float64);
        binary: the label of each row (positive when its probability > ``threshold``, as Keras's
        ``BinaryAccuracy`` decides);
        multiclass: the label of the most probable class; multilabel: ``(n, m)`` 0/1 integers.
        Labels come back as a NumPy array of the training labels' values.
        """
        where = "TabularPreprocessor.inverse_transform_target"
        self._require_fitted(where)
        outputs = np.asarray(outputs, dtype=np.float64)
        if outputs.ndim == 1:
            outputs = outputs.reshape(-1, 1)
        if outputs.shape[1] != self.output_units:
            raise ValueError(f"{where}: expected {self.output_units} output column(s), got {outputs.shape[1]}")
        if self.task_ == "regression":
            y = outputs * np.asarray(self.target_std_) + np.asarray(self.target_mean_)
            return y[:, 0] if y.shape[1] == 1 else y
        if self.task_ == "multilabel":
            return (outputs > threshold).astype(np.int64)
        index = (outputs[:, 0] > threshold).astype(np.int64) if self.task_ == "binary" else outputs.argmax(axis=1)
        return self.labels_array()[index]

    def labels_array(self) -> np.ndarray:
        """``classes_`` as a NumPy array (numbers keep a numeric dtype, text is an object array)."""
        classes = self.classes_
        if all(isinstance(c, bool) for c in classes):
            return np.asarray(classes, dtype=bool)
        if all(isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in classes):
            return np.asarray(classes, dtype=np.int64)
        if all(isinstance(c, numbers.Real) for c in classes):
            return np.asarray(classes, dtype=np.float64)
        return np.asarray(classes, dtype=object)

    def class_indices(self, outputs, threshold: float = 0.5) -> np.ndarray:
        """Predicted class index per row (binary / multiclass), or the 0/1 matrix (multilabel)."""
        outputs = np.asarray(outputs, dtype=np.float64)
        if outputs.ndim == 1:
            outputs = outputs.reshape(-1, 1)
        if self.task_ == "binary":
            return (outputs[:, 0] > threshold).astype(np.int64)
        if self.task_ == "multiclass":
            return outputs.argmax(axis=1)
        if self.task_ == "multilabel":
            return (outputs > threshold).astype(np.int64)
        raise ValueError(f"class_indices: the {self.task_} task has no classes")

    def predictions_frame(self, outputs, threshold: float = 0.5):
        """A DataFrame of predictions in the data's terms, one row per input row.

        regression: ``predicted_<target>``; binary / multiclass: ``predicted_<target>`` (the label) and
        ``proba_<class>`` for every class; multilabel: ``predicted_<column>`` (0/1) and
        ``proba_<column>`` for each label column.
        """
        pd = _pandas()
        outputs = np.asarray(outputs, dtype=np.float64)
        if outputs.ndim == 1:
            outputs = outputs.reshape(-1, 1)
        decoded = self.inverse_transform_target(outputs, threshold)
        columns = {}
        if self.task_ == "regression":
            decoded = decoded.reshape(len(outputs), -1)
            for j, name in enumerate(self.target):
                columns[f"predicted_{name}"] = decoded[:, j]
        elif self.task_ == "multilabel":
            for j, name in enumerate(self.target):
                columns[f"predicted_{name}"] = decoded[:, j]
            for j, name in enumerate(self.target):
                columns[f"proba_{name}"] = outputs[:, j]
        else:
            columns[f"predicted_{self.target[0]}"] = decoded
            proba = np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]]) if self.task_ == "binary" else outputs
            for j, label in enumerate(self.classes_):
                columns[f"proba_{_key(label)}"] = proba[:, j]
        return pd.DataFrame(columns)

    # ----------------------------------------------------------------------- persistence
    def to_dict(self) -> dict:
        """Everything the preprocessor learned, as plain JSON-able values."""
        self._require_fitted("TabularPreprocessor.to_dict")
        return {
            "format": FORMAT, "version": VERSION,
            "target": list(self.target), "task": self.task_, "scaling": self.scaling,
            "max_categories": self.max_categories, "drop": list(self.drop),
            "categorical": list(self.categorical), "n_rows": self.n_rows_,
            "columns": json.loads(json.dumps(self.columns_)),
            "feature_names": list(self.feature_names_),
            "classes": None if self.classes_ is None else [_python(c) for c in self.classes_],
            "target_mean": self.target_mean_, "target_std": self.target_std_,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "TabularPreprocessor":
        """Rebuild a fitted preprocessor from :meth:`to_dict`'s dict."""
        where = "TabularPreprocessor.from_dict"
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{where}: not a glassnet preprocessing description (expected format {FORMAT!r})")
        if data.get("version") != VERSION:
            raise ValueError(f"{where}: unsupported version {data.get('version')!r} (this glassnet reads {VERSION})")
        try:
            prep = cls(target=data["target"] or None, task=data["task"] or "auto", scaling=data["scaling"],
                       max_categories=data["max_categories"], drop=data.get("drop"),
                       categorical=data.get("categorical"))
            prep.task_ = data["task"]
            prep.columns_ = [dict(c) for c in data["columns"]]
            for col in prep.columns_:
                if col["kind"] not in ("numeric", "categorical"):
                    raise ValueError(f"unknown column kind {col['kind']!r}")
            prep.feature_names_ = prep._feature_names()
            prep.classes_ = data.get("classes")
            prep.target_mean_ = data.get("target_mean")
            prep.target_std_ = data.get("target_std")
            prep.n_rows_ = data.get("n_rows")
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{where}: incomplete preprocessing description ({type(exc).__name__}: {exc})") from None
        if data.get("feature_names") is not None and data["feature_names"] != prep.feature_names_:
            raise ValueError(f"{where}: the feature names do not match the columns (the file was edited?)")
        prep.fitted = True
        return prep

    def save(self, path) -> None:
        """Write :meth:`to_dict` as JSON to ``path`` (atomically)."""
        from ._io import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path) -> "TabularPreprocessor":
        """Read a file written by :meth:`save`."""
        with open(path, encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{str(path)!r} is not valid JSON ({exc})") from None
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise ValueError(f"{str(path)!r}: {exc}") from None

    # ------------------------------------------------------------------------- reports
    def describe(self) -> str:
        """A few lines saying what the preprocessor does (``glassnet summary`` prints them)."""
        self._require_fitted("TabularPreprocessor.describe")
        lines = []
        if self.target:
            target = ", ".join(repr(t) for t in self.target)
            if self.task_ in ("binary", "multiclass"):
                classes = ", ".join(f"{_key(c)!r} -> {i}" for i, c in enumerate(self.classes_[:20]))
                more = f", ... ({len(self.classes_)} classes)" if len(self.classes_) > 20 else ""
                detail = f"classes {classes}{more}"
                if self.task_ == "binary":
                    detail += f"; positive class {_key(self.classes_[1])!r}"
            elif self.task_ == "regression":
                detail = "standardized: " + ", ".join(
                    f"(y - {m:.6g}) / {s:.6g}" for m, s in zip(self.target_mean_, self.target_std_))
            else:
                detail = "0/1 per column"
            lines.append(f"Task: {self.task_}, target {target} ({detail})")
        numeric = [c for c in self.columns_ if c["kind"] == "numeric"]
        categorical = [c for c in self.columns_ if c["kind"] == "categorical"]
        lines.append(f"Inputs: {self.n_features} from {len(self.columns_)} columns"
                     + (f" (fitted on {self.n_rows_} rows)" if self.n_rows_ else ""))
        if numeric:
            how = "(x - mean) / std" if self.scaling == "standard" else "(x - min) / (max - min)"
            lines.append(f"Numeric ({len(numeric)}, scaled {how}, missing -> training median): "
                         + ", ".join(printable(c["name"]) for c in numeric))
        if categorical:
            lines.append(f"Categorical ({len(categorical)}, one-hot, unseen -> all zeros): "
                         + ", ".join(f"{printable(c['name'])} ({len(c['categories']) + bool(c['missing'])})"
                                     for c in categorical))
        if self.drop:
            lines.append("Dropped: " + ", ".join(printable(d) for d in self.drop))
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = f"task={self.task_!r}, {self.n_features} features" if self.fitted else "not fitted"
        return f"<TabularPreprocessor target={self.target!r}, {state}>"


def _category_order(series):
    """Sort key for categories: numerically for a numeric column forced categorical, else as text."""
    if _is_numeric(series) and not _is_bool(series):
        return lambda k: (0, float(k), k)
    return lambda k: (0, k)

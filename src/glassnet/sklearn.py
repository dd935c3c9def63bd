"""scikit-learn estimators around glassnet networks: ``GlassClassifier`` and ``GlassRegressor``.

They follow scikit-learn's estimator contract (``fit`` / ``predict`` / ``score`` /
``get_params`` / ``set_params``, ``clone``, pickling), so a glassnet network drops into a
``Pipeline``, ``GridSearchCV`` or ``cross_val_score``::

    from sklearn.model_selection import GridSearchCV
    from glassnet.sklearn import GlassClassifier

    search = GridSearchCV(GlassClassifier(epochs=30, random_state=0),
                          {"hidden_layer_sizes": [(16,), (32, 16)], "learning_rate": [1e-3, 1e-2]})
    search.fit(X, y)

The network is either a multi-layer perceptron described by ``hidden_layer_sizes`` /
``activation`` / ``dropout``, or whatever ``model(n_features_in, n_outputs)`` returns (a
``Sequential``, compiled or not; an uncompiled one is compiled with ``optimizer``,
``learning_rate``, ``loss`` and ``metrics``).  The output layer and the loss follow the task:

=====================  ==========================  =================================
targets                output layer                default loss
=====================  ==========================  =================================
binary labels          Dense(1, 'sigmoid')         binary cross-entropy
multiclass labels      Dense(k, 'softmax')         sparse categorical cross-entropy
multilabel indicator   Dense(k, 'sigmoid')         binary cross-entropy
regression (k targets) Dense(k) (linear)           mean squared error
=====================  ==========================  =================================

Labels may be of any sortable type (strings, ints, ...); ``classes_`` holds them in sorted
order and ``predict`` returns them.  ``random_state`` makes fits repeatable: the network is
built (weights, dropout masks, shuffling order all drawn) under that seed, and glassnet's
global random stream is left as it was.

Needs scikit-learn (``pip install 'glassnet[sklearn]'``); ``import glassnet`` does not.
"""
from __future__ import annotations

import contextlib
import copy
import numbers
import threading
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import DataConversionWarning
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, check_random_state
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "glassnet.sklearn needs scikit-learn; install it with pip install 'glassnet[sklearn]'"
    ) from exc

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

from . import activations as _activations
from . import config as _config
from . import optimizers as _optimizers
from . import random as _gn_random
from ._validation import as_tuple

__all__ = ["GlassClassifier", "GlassRegressor"]

_PICKLE_FORMAT = 1
_SEED_LOCK = threading.RLock()


# ============================================================================ helpers
def _validate_data(estimator, X, y="no_validation", reset=True, **kwargs):
    """scikit-learn's ``validate_data`` (or the older ``estimator._validate_data``)."""
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, y, reset=reset, **kwargs)
    return estimator._validate_data(X, y, reset=reset, **kwargs)  # pragma: no cover


@contextlib.contextmanager
def _seeded(seed):
    """Run the block with glassnet's global seed set to ``seed``, then put the global stream back.

    Everything random in a glassnet model (initial weights, dropout masks, the shuffling order
    of ``fit``) is drawn when the model is built, so building it in here makes the whole fit
    repeatable without disturbing the caller's own seeding.  ``seed=None`` leaves the global
    stream alone (fits are then not repeatable).
    """
    if seed is None:
        yield
        return
    with _SEED_LOCK, _gn_random.seed_scope(seed):
        yield


def _seed_from(random_state, where):
    """An int seed (or None) from scikit-learn's ``random_state`` (None, int or RandomState)."""
    if random_state is None:
        return None
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(f"{where}: random_state must be None, an int or a numpy RandomState, got {random_state!r}")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"{where}: random_state must be >= 0, got {random_state}")
        return int(random_state)
    try:
        rs = check_random_state(random_state)
    except ValueError:
        raise TypeError(f"{where}: random_state must be None, an int or a numpy RandomState, got "
                        f"{type(random_state).__name__} {random_state!r}") from None
    return int(rs.randint(np.iinfo(np.int32).max))


def _is_sparse_loss(loss) -> bool:
    """Does ``loss`` take integer class labels (sparse categorical cross-entropy and kin)?"""
    from . import losses

    if isinstance(loss, str):
        if loss.lower() in ("crossentropy", "ce"):
            return True         # glassnet picks the sparse form from the targets' shape
        name = loss
    else:
        name = getattr(loss, "name", None) or getattr(loss, "__name__", "")
        fn = getattr(loss, "fn", None)
        if fn is not None and getattr(fn, "__name__", "").startswith("sparse_"):
            return True
        if isinstance(loss, getattr(losses, "SparseCategoricalCrossentropy", ())):
            return True
    return "sparse" in str(name).lower()


def _check_sample_weight(sample_weight, n, where):
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"{where}: sample_weight must have shape ({n},), one weight per sample, got {sw.shape}")
    if not np.all(np.isfinite(sw)):
        raise ValueError(f"{where}: sample_weight must be finite")
    if np.any(sw < 0):
        raise ValueError(f"{where}: sample_weight must be >= 0")
    if n and not np.any(sw > 0):
        raise ValueError(f"{where}: sample_weight is zero for every sample, so there is nothing to fit")
    return sw.astype(_config.floatx())


# ============================================================================ the base class
class _GlassEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, building, training, pickling."""

    _task_kind = None     # 'classifier' / 'regressor'

    def __init__(self, model=None, hidden_layer_sizes=(64,), activation="relu", dropout=0.0,
                 optimizer="adam", learning_rate=1e-3, loss=None, metrics=None, epochs=50,
                 batch_size=32, validation_split=0.0, callbacks=None, verbose=0, random_state=None):
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ parameter checks
    @property
    def _where(self):
        return type(self).__name__

    def _check_params(self):
        """Validate the hyper-parameters (at fit time, as scikit-learn wants); errors name them."""
        w = self._where
        if self.model is not None and not callable(self.model):
            raise TypeError(f"{w}: model must be None or a function (n_features_in, n_outputs) -> "
                            f"Sequential, got {type(self.model).__name__} {self.model!r}")
        if self.model is None:
            self._hidden_sizes()
            try:
                _activations.get(self.activation)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{w}: activation: {exc}") from None
            d = self.dropout
            if isinstance(d, bool) or not isinstance(d, numbers.Real) or not 0.0 <= d < 1.0:
                raise ValueError(f"{w}: dropout must be a float in [0, 1), got {d!r}")
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"{w}: learning_rate must be a positive float, got {lr!r}")
        for name, low in (("epochs", 1), ("batch_size", 1)):
            value = getattr(self, name)
            if name == "batch_size" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{w}: {name} must be an integer >= {low}, got {value!r}")
        vs = self.validation_split
        if isinstance(vs, bool) or not isinstance(vs, numbers.Real) or not 0.0 <= vs < 1.0:
            raise ValueError(f"{w}: validation_split must be a float in [0, 1), got {vs!r}")
        if self.verbose not in (0, 1, 2) or isinstance(self.verbose, bool):
            raise ValueError(f"{w}: verbose must be 0, 1 or 2, got {self.verbose!r}")
        if self.metrics is not None and (isinstance(self.metrics, (str, dict))
                                         or not isinstance(self.metrics, (list, tuple))):
            raise TypeError(f"{w}: metrics must be None or a list such as ['accuracy'], got {self.metrics!r}")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(f"{w}: callbacks must be None or a list of callbacks, got "
                            f"{type(self.callbacks).__name__}")
        _seed_from(self.random_state, w)

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        sizes = as_tuple(sizes, "hidden_layer_sizes", self._where,
                         "a tuple of positive integers such as (64,) or (64, 32)")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
                raise ValueError(f"{self._where}: hidden_layer_sizes must hold positive integers, got "
                                 f"{self.hidden_layer_sizes!r}")
        return tuple(int(s) for s in sizes)

    def _make_optimizer(self):
        """A fresh optimizer from the ``optimizer`` / ``learning_rate`` parameters.

        A name (``'adam'``) or class gets ``learning_rate``; an optimizer instance is copied
        from its config (keeping its own learning rate), so fits never share optimizer state.
        """
        opt = self.optimizer
        try:
            if isinstance(opt, _optimizers.Optimizer):
                return type(opt).from_config(opt.get_config())
            if isinstance(opt, dict):
                return _optimizers.deserialize(copy.deepcopy(opt))
            return _optimizers.get(opt, learning_rate=float(self.learning_rate))
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{self._where}: optimizer {opt!r} cannot be used: {exc}") from None

    # ------------------------------------------------------------------ building
    def _network(self, n_features, n_outputs, output_activation):
        from .layers import Dense, Dropout, Input
        from .models import Sequential

        layers = [Input((n_features,), name="input")]
        for i, units in enumerate(self._hidden_sizes(), start=1):
            layers.append(Dense(units, activation=self.activation, name=f"hidden_{i}"))
            if self.dropout > 0:
                layers.append(Dropout(float(self.dropout), name=f"dropout_{i}"))
        layers.append(Dense(n_outputs, activation=output_activation, name="output"))
        return Sequential(layers, name=self._where.lower())

    def _build(self, n_features, n_outputs, output_activation, default_loss):
        """Build (and compile) ``model_`` under ``random_state``; returns it."""
        from .models import Sequential

        seed = _seed_from(self.random_state, self._where)
        with _seeded(seed):
            if self.model is None:
                model = self._network(n_features, n_outputs, output_activation)
            else:
                model = self.model(n_features, n_outputs)
                if not isinstance(model, Sequential):
                    raise TypeError(f"{self._where}: model must return a glassnet Sequential, got "
                                    f"{type(model).__name__} {model!r}")
                if not model.built:
                    model.build((None, n_features))
                elif tuple(model.input_shape[1:]) != (n_features,):
                    raise ValueError(f"{self._where}: the model built by model() takes inputs of shape "
                                     f"{model.input_shape}, but X has {n_features} features")
            if not model.compiled:
                model.compile(optimizer=self._make_optimizer(),
                              loss=self.loss if self.loss is not None else default_loss,
                              metrics=list(self.metrics) if self.metrics is not None else None)
        return model

    # ------------------------------------------------------------------ training
    def _checked_data(self, X, y, sample_weight, where, first):
        """``(X, y, sample_weight)`` validated; on a first fit (``first``) the parameters are checked
        too and X's features are recorded (``reset``)."""
        if first:
            self._check_params()
        X, y = self._validate_xy(X, y, reset=first)
        return X, y, _check_sample_weight(sample_weight, X.shape[0], where)

    def _train(self, X, y, epochs, sample_weight):
        callbacks = list(self.callbacks) if self.callbacks else None
        try:
            history = self.model_.fit(
                X, y, batch_size=self.batch_size, epochs=int(epochs), verbose=self.verbose,
                validation_split=float(self.validation_split), callbacks=callbacks,
                sample_weight=sample_weight, shuffle=True)
        finally:
            # the user's callbacks must not keep the network alive (clone / pickle copy them)
            for cb in callbacks or ():
                if getattr(cb, "model", None) is self.model_ and hasattr(cb, "set_model"):
                    cb.set_model(None)
        for key, values in (getattr(history, "history", None) or {}).items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self

    def _outputs(self, X):
        """The network's outputs for validated ``X`` (float32)."""
        X = _validate_data(self, X, reset=False, dtype=np.dtype(_config.floatx()))
        n = X.shape[0]
        return self.model_.predict(X, batch_size=max(1, min(n, 8192)), verbose=0)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        """Pickle the parameters and, for a fitted estimator, the network as config + weights.

        The network is stored as its Keras JSON config (architecture and compile arguments),
        its weights and its optimizer state: never as pickled glassnet objects.  Only the
        parameters (including a user's ``model`` function, pickled by reference) are pickled
        as they are.
        """
        state = dict(super().__getstate__())    # a copy: object.__getstate__ may hand out __dict__
        model = state.pop("model_", None)
        if model is not None:
            optimizer_state = None
            opt = getattr(model, "optimizer", None)
            if opt is not None and getattr(opt, "built", False):
                optimizer_state = [v.numpy() for v in opt.variables]
            try:
                config = model.to_json()
            except (TypeError, ValueError):
                config = None      # unregistered custom objects: rebuilt with model() instead
            state["_glassnet_model"] = {
                "format": _PICKLE_FORMAT,
                "json": config,
                "weights": model.get_weights(),
                "optimizer_state": optimizer_state,
            }
        return state

    def __setstate__(self, state):
        saved = state.pop("_glassnet_model", None)
        super().__setstate__(state)
        if saved is not None:
            self.model_ = self._restore_model(saved)

    def _restore_model(self, saved):
        from .models import model_from_json

        if saved.get("format") != _PICKLE_FORMAT:
            raise ValueError(f"{self._where}: this pickle holds a network in format {saved.get('format')!r}; "
                             f"this glassnet reads format {_PICKLE_FORMAT}")
        model = None
        error = None
        if saved.get("json") is not None:
            try:
                model = model_from_json(saved["json"])
            except (TypeError, ValueError, KeyError) as exc:
                error = exc
        if model is None:
            if self.model is None:
                raise ValueError(f"{self._where}: cannot rebuild the pickled network: {error}")
            model = self._build(self.n_features_in_, self.n_outputs_, None, self._default_loss())
        elif not model.compiled:
            model.compile(optimizer=self._make_optimizer(), loss=self._default_loss())
        model.set_weights(list(saved["weights"]))
        state = saved.get("optimizer_state")
        opt = model.optimizer
        if state is not None and opt is not None:
            if not getattr(opt, "built", False):
                opt.build(model.trainable_segments_variables())
            if len(opt.variables) == len(state):
                opt.set_weights(state)
        return model

    def _default_loss(self):
        return "mean_squared_error"

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True, "non_deterministic": self.random_state is None}


# ============================================================================ classifier
class GlassClassifier(ClassifierMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn classifier (binary, multiclass or multilabel).

    Parameters:
        model: None (build an MLP from the parameters below) or a function
            ``model(n_features_in, n_outputs) -> Sequential``; an uncompiled model is compiled
            with ``optimizer``, ``learning_rate``, ``loss`` and ``metrics``.  ``n_outputs`` is 1
            for binary labels (sigmoid output), the number of classes for multiclass labels
            (softmax) and the number of labels for a multilabel indicator matrix (sigmoid).
        hidden_layer_sizes: units of each hidden ``Dense`` layer, e.g. ``(64,)`` or ``(64, 32)``.
        activation: activation of the hidden layers (any glassnet activation name or object).
        dropout: rate of a ``Dropout`` layer after each hidden layer (0 for none).
        optimizer: optimizer name (``'adam'``), class or instance (copied for every fit).
        learning_rate: the optimizer's learning rate when it is given by name or class.
        loss: None chooses binary / sparse categorical cross-entropy from the targets; with
            ``'categorical_crossentropy'`` (or any non-sparse loss) multiclass targets are one-hot.
        metrics: Keras metrics to log in ``history_`` (e.g. ``['accuracy']``).
        epochs, batch_size, validation_split, callbacks, verbose: as in ``Sequential.fit``.
        random_state: None, an int or a ``RandomState``: the seed the network is built and
            trained under, so that fits are repeatable.

    Attributes (after ``fit``): ``classes_``, ``n_features_in_`` (``feature_names_in_`` for
    DataFrames), ``n_outputs_`` (network outputs), ``model_`` (the trained ``Sequential``),
    ``history_`` (the per-epoch logs, a dict of lists).
    """

    _task_kind = "classifier"

    # ------------------------------------------------------------------ targets
    def _validate_xy(self, X, y, reset):
        X, y = _validate_data(self, X, y, reset=reset, multi_output=True, dtype=np.dtype(_config.floatx()))
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected. Please change the "
                          "shape of y to (n_samples,), for example using ravel().",
                          DataConversionWarning, stacklevel=3)
            y = y[:, 0]
        check_classification_targets(y)
        return X, y

    def _target_type(self, y, where):
        kind = type_of_target(y)
        if kind == "multiclass-multioutput":
            raise ValueError(f"{where}: y holds several multiclass outputs, which {self._where} does not "
                             f"support; give one label per sample or a 0/1 multilabel indicator matrix")
        return "multilabel" if kind == "multilabel-indicator" else "labels"

    def _set_classes(self, classes, y, where):
        kind = self._target_type(y, where)
        if kind == "multilabel":
            if classes is not None and len(np.unique(classes)) != y.shape[1]:
                raise ValueError(f"{where}: classes has {len(np.unique(classes))} entries but the multilabel "
                                 f"y has {y.shape[1]} columns")
            self.classes_ = np.arange(y.shape[1])
            self._task = "multilabel"
            self._label_dtype = y.dtype
            return
        labels = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        if labels.shape[0] < 2:
            raise ValueError(f"{where}: y has only one class ({labels.tolist()!r}); a classifier needs at "
                             f"least 2 classes")
        self.classes_ = labels
        self._task = "binary" if labels.shape[0] == 2 else "multiclass"

    def _output_spec(self):
        """(n_outputs, output activation, default loss) for the task and the ``loss`` parameter."""
        k = len(self.classes_)
        if self._task == "multilabel":
            return k, "sigmoid", "binary_crossentropy"
        if self._task == "binary" and (self.loss is None or not self._categorical_loss(self.loss)):
            return 1, "sigmoid", "binary_crossentropy"
        return k, "softmax", "sparse_categorical_crossentropy"

    @staticmethod
    def _categorical_loss(loss):
        """Is ``loss`` a categorical (softmax-style) cross-entropy?"""
        if _is_sparse_loss(loss):
            return True
        name = loss if isinstance(loss, str) else (getattr(loss, "name", None) or getattr(loss, "__name__", ""))
        return "categorical" in str(name).lower()

    def _default_loss(self):
        return self._output_spec()[2]

    def _initialize(self, n_features):
        n_outputs, activation, default_loss = self._output_spec()
        self.model_ = self._build(n_features, n_outputs, activation, default_loss)
        width = self.model_.output_shape[-1]
        k = len(self.classes_)
        ok = width == k or (width == 1 and self._task == "binary")
        if not ok or len(self.model_.output_shape) != 2:
            raise ValueError(f"{self._where}: the network gives outputs of shape {self.model_.output_shape}, "
                             f"but {k} {'labels' if self._task == 'multilabel' else 'classes'} need "
                             f"(None, {n_outputs})")
        self.n_outputs_ = int(width)
        self.history_ = {}

    def _encode(self, y, where):
        """Targets in the network's form: 0/1 column, class indices, one-hot rows or the indicator."""
        if self._task == "multilabel":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(f"{where}: y must be a multilabel indicator with {len(self.classes_)} columns, "
                                 f"got shape {y.shape}")
            return y.astype(_config.floatx())
        if y.ndim != 1:
            raise ValueError(f"{where}: the classifier was fitted on class labels; y must be 1-D, got shape {y.shape}")
        try:
            idx = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
            unknown = self.classes_[idx] != y
        except TypeError:   # labels of another type than classes_ (e.g. str vs int)
            raise ValueError(f"{where}: y contains labels of another type than classes_ "
                             f"{self.classes_.tolist()!r}") from None
        if np.any(unknown):
            raise ValueError(f"{where}: y contains labels not in classes_ {self.classes_.tolist()!r}: "
                             f"{np.unique(y[unknown]).tolist()!r}")
        if self.n_outputs_ == 1:
            return idx.astype(_config.floatx()).reshape(-1, 1)
        loss = getattr(self.model_, "loss", None)
        if loss is not None and not _is_sparse_loss(loss):
            return np.eye(self.n_outputs_, dtype=_config.floatx())[idx]
        return idx.astype(_config.floatx())

    # ------------------------------------------------------------------ API
    def fit(self, X, y, sample_weight=None):
        """Build a new network and train it for ``epochs`` epochs on ``(X, y)``; returns self.

        ``y``: class labels (any sortable type) or a 0/1 multilabel indicator matrix.
        ``sample_weight``: optional per-sample weights for the loss.
        """
        where = f"{self._where}.fit"
        X, y, sample_weight = self._checked_data(X, y, sample_weight, where, first=True)
        self._set_classes(None, y, where)
        self._initialize(X.shape[1])
        return self._train(X, self._encode(y, where), self.epochs, sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, building the network on the first call.

        ``classes`` (all the labels that will ever appear) is required on the first call, as in
        scikit-learn, except for a multilabel indicator ``y``; later calls may repeat it.
        """
        where = f"{self._where}.partial_fit"
        first = not hasattr(self, "model_")
        X, y, sample_weight = self._checked_data(X, y, sample_weight, where, first)
        if first:
            if classes is None and type_of_target(y) != "multilabel-indicator":
                raise ValueError(f"{where}: classes must be given on the first call (every label that "
                                 f"will appear), e.g. classes=np.unique(y_all)")
            self._set_classes(classes, y, where)
            self._initialize(X.shape[1])
        elif classes is not None and self._task != "multilabel" and not np.array_equal(
                np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"{where}: classes={np.unique(classes).tolist()!r} differs from classes_ "
                             f"{self.classes_.tolist()!r} of the first call")
        return self._train(X, self._encode(y, where), 1, sample_weight)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes) (float64, rows summing to 1).

        For a multilabel problem, the probability of each label, shape (n_samples, n_labels).
        """
        check_is_fitted(self)
        p = self._outputs(X).astype(np.float64)
        if self._task == "multilabel":
            return p
        if p.shape[1] == 1:
            p = np.clip(p[:, 0], 0.0, 1.0)
            return np.stack([1.0 - p, p], axis=1)
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1.0 / p.shape[1]), where=total > 0)

    def predict(self, X):
        """The most probable class of each sample (a 0/1 indicator row for multilabel problems)."""
        proba = self.predict_proba(X)
        if self._task == "multilabel":
            return (proba > 0.5).astype(self._label_dtype)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {**super()._more_tags(), "multilabel": True}


# ============================================================================ regressor
class GlassRegressor(RegressorMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn regressor (one or several targets).

    Parameters are those of :class:`GlassClassifier`; the output layer is ``Dense(n_targets)``
    with a linear activation and the default loss is the mean squared error.  ``predict``
    returns shape ``(n_samples,)`` when ``fit`` was given a 1-D ``y``, else
    ``(n_samples, n_targets)``.  ``score`` is R^2 (scikit-learn's ``r2_score``).
    """

    _task_kind = "regressor"

    def _validate_xy(self, X, y, reset):
        X, y = _validate_data(self, X, y, reset=reset, multi_output=True, y_numeric=True,
                              dtype=np.dtype(_config.floatx()))
        return X, np.asarray(y)

    def _initialize(self, n_features, y):
        self._y_1d = y.ndim == 1
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        self.model_ = self._build(n_features, n_targets, None, "mean_squared_error")
        if tuple(self.model_.output_shape) != (None, n_targets):
            raise ValueError(f"{self._where}: the network gives outputs of shape {self.model_.output_shape}, "
                             f"but y has {n_targets} target(s)")
        self.n_outputs_ = int(n_targets)
        self.history_ = {}

    def _encode(self, y, where):
        y2 = y.reshape(-1, 1) if y.ndim == 1 else y
        if y2.ndim != 2 or y2.shape[1] != self.n_outputs_:
            raise ValueError(f"{where}: y must have {self.n_outputs_} target column(s), got shape {y.shape}")
        return y2.astype(_config.floatx())

    def fit(self, X, y, sample_weight=None):
        """Build a new network and train it for ``epochs`` epochs on ``(X, y)``; returns self."""
        where = f"{self._where}.fit"
        X, y, sample_weight = self._checked_data(X, y, sample_weight, where, first=True)
        self._initialize(X.shape[1], y)
        return self._train(X, self._encode(y, where), self.epochs, sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, building the network on the first call."""
        where = f"{self._where}.partial_fit"
        first = not hasattr(self, "model_")
        X, y, sample_weight = self._checked_data(X, y, sample_weight, where, first)
        if first:
            self._initialize(X.shape[1], y)
        return self._train(X, self._encode(y, where), 1, sample_weight)

    def predict(self, X):
        """Predicted targets (float64): shape (n_samples,) for a 1-D ``y`` at fit time."""
        check_is_fitted(self)
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self._y_1d else out

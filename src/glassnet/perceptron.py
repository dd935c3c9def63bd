"""Rosenblatt's perceptron (1958): one neuron, a step activation, an error-driven rule.

Notation (the course's): an input row ``x = (x_1, ..., x_n)``, weights ``w``, a bias
``b``, the net input ``z = w·x + b = sum_i x_i w_i + b`` and the activation
``f(z) = step(z)``, so the perceptron outputs

    y = step(w·x + b),      step(z) = 1 if z >= 0 else 0.

``step(0) = 1``: a point exactly on the boundary ``w·x + b = 0`` is put in class 1.
With zero initial weights the very first prediction is therefore 1.

Learning (Rosenblatt's rule), with desired output ``d`` in {0, 1} and learning rate
``eta > 0``, applied to one sample at a time:

    w <- w + eta (d - y) x
    b <- b + eta (d - y)

``d - y`` is 0 when the sample is classified correctly (no change), +1 when the
perceptron said 0 but should have said 1 (``w`` moves towards ``x``) and -1 in the
opposite case (``w`` moves away from ``x``).  One *epoch* is one pass over all samples.

Convergence theorem (Rosenblatt 1962, Novikoff 1962): if some ``(w*, b*)`` separates
the two classes with margin ``gamma > 0`` in the augmented space ``x' = (x, 1)``
(``gamma = min_i s_i (w*, b*)·x'_i / ||(w*, b*)||`` with ``s_i = 2 d_i - 1``) and
``R = max_i ||x'_i||``, then starting from zero weights the rule makes at most
``(R / gamma)**2`` updates, whatever ``eta`` and the order of the samples: some epoch then
makes no error and training stops (``converged_`` is True).  If the classes are *not*
linearly separable (XOR: Minsky & Papert 1969) every epoch makes at least one error and
the weights never settle; a hidden layer (a multi-layer perceptron) is needed.

Targets are the step function's own outputs, **0 and 1** (booleans are accepted as
0/1).  Labels coded -1/1 are rejected with a message that shows the conversion
``(y + 1) // 2``: one coding keeps ``d - y`` meaning the same thing everywhere.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import config
from ._validation import check_float, check_one_of, check_positive_int, to_array
from .random import make_generator

__all__ = ["Perceptron", "step", "logic_gate", "LOGIC_GATES"]

_W_INITS = ("zeros", "random")
_RANDOM_LIMIT = 0.05  # w_init='random': w_j ~ U(-0.05, 0.05), Keras's RandomUniform default

# Truth tables in the row order of ``_GATE_X``: (0,0), (0,1), (1,0), (1,1).
LOGIC_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}
_GATE_X = ((0, 0), (0, 1), (1, 0), (1, 1))


def step(z):
    """Heaviside step activation: ``step(z) = 1 if z >= 0 else 0``, elementwise.

    ``step(0) = 1`` (the boundary belongs to class 1).  A floating ``z`` keeps its dtype
    (float32 in, float32 out); anything else comes back as ``config.floatx()``.
    """
    z = np.asarray(z)
    dtype = z.dtype if z.dtype.kind == "f" else config.dtype()
    return (z >= 0).astype(dtype)


def logic_gate(name: str):
    """The truth table of a two-input logic gate as ``(X, y)``.

    ``X`` is the float array ``[[0, 0], [0, 1], [1, 0], [1, 1]]`` (``config.floatx()``),
    ``y`` the int64 outputs, e.g. ``'and'`` -> ``[0, 0, 0, 1]`` (``y = x_1 AND x_2``),
    ``'or'`` -> ``[0, 1, 1, 1]``, ``'nand'`` -> ``[1, 1, 1, 0]``, ``'nor'`` -> ``[1, 0, 0, 0]``,
    ``'xor'`` -> ``[0, 1, 1, 0]`` (``y = x_1 + x_2 mod 2``), ``'xnor'`` -> ``[1, 0, 0, 1]``.
    AND, OR, NAND and NOR are linearly separable; XOR and XNOR are not.
    ``name`` is case-insensitive.
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a string, got {type(name).__name__} {name!r}")
    key = check_one_of(name.lower(), "name", tuple(LOGIC_GATES), where="logic_gate")
    X = np.array(_GATE_X, dtype=config.floatx())
    y = np.array(LOGIC_GATES[key], dtype=np.int64)
    return X, y


def _check_seed(seed):
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"Perceptron: seed must be None, a non-negative integer or a numpy Generator, got {seed!r}"
        )
    return int(seed)


def _check_X(X, where: str) -> np.ndarray:
    X = to_array(X, "X", where, min_ndim=1)
    if X.ndim != 2:
        hint = "; for a single feature use X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise ValueError(f"{where}: X must be 2-D (n_samples, n_features), got shape {X.shape}{hint}")
    return X


def _check_targets(y, n_samples: int, where: str) -> np.ndarray:
    """Validate ``y`` as 0/1 targets of length ``n_samples``; return them as int64."""
    d = to_array(y, "y", where, dtype=np.float64, min_ndim=1)
    if d.ndim == 2 and d.shape[1] == 1:
        d = d[:, 0]
    if d.ndim != 1:
        raise ValueError(f"{where}: y must be 1-D (n_samples,) of 0/1 targets, got shape {d.shape}")
    if d.shape[0] != n_samples:
        raise ValueError(
            f"{where}: X and y must have the same number of samples, "
            f"got X with {n_samples} rows and y with {d.shape[0]}"
        )
    bad = (d != 0) & (d != 1)
    if bad.any():
        row = int(np.argmax(bad))
        present = np.unique(d)
        shown = ", ".join(f"{v:g}" for v in present[:6]) + (", ..." if present.size > 6 else "")
        msg = (
            f"{where}: y must contain only the targets 0 and 1 (the step function's outputs), "
            f"got {d[row]:g} at row {row} (values present: {shown})"
        )
        if set(present.tolist()) <= {-1.0, 1.0}:
            msg += "; for labels coded -1/1 pass (y + 1) // 2"
        raise ValueError(msg)
    return d.astype(np.int64)


class Perceptron:
    """Rosenblatt's single-neuron classifier ``y = step(w·x + b)`` trained by his online rule.

    Per sample, in epoch order: ``y = step(w·x + b)``; ``w <- w + eta (d - y) x``;
    ``b <- b + eta (d - y)``, with ``step(z) = 1 if z >= 0 else 0`` and targets ``d`` in
    {0, 1}.  Training stops after the first epoch with no error (``converged_``) or after
    ``max_epochs`` epochs.

    Args:
        learning_rate: ``eta > 0``.  From zero weights it only scales ``w`` and ``b``
            (every trajectory is ``eta`` times the ``eta = 1`` one), so it changes the
            decisions only when the initial weights are random.
        max_epochs: positive integer, the most passes over the data ``fit`` makes.
        shuffle: visit the samples in a fresh random order each epoch (else row order).
        seed: None, a non-negative int or a ``numpy.random.Generator`` for ``shuffle`` and
            ``w_init='random'`` (None: the next child of ``glassnet.random``'s global seed).
        w_init: ``'zeros'`` (``w = 0, b = 0``, the classical start) or ``'random'``
            (``w_j ~ U(-0.05, 0.05)``, ``b = 0``).

    Attributes after ``fit``:
        weights_ (n_features,), bias_ (float), coef_ ((1, n_features), scikit-learn's
        shape, a view of ``weights_``), intercept_ ((1,)), errors_ (list: number of
        misclassified samples, i.e. updates, in each epoch), n_epochs_ (epochs run),
        converged_ (the last epoch made no error), n_features_in_.
    """

    def __init__(self, learning_rate=1.0, max_epochs=100, shuffle=False, seed=None, w_init="zeros"):
        where = "Perceptron"
        self.learning_rate = check_float(learning_rate, "learning_rate", where, low=0.0,
                                         low_inclusive=False)
        self.max_epochs = check_positive_int(max_epochs, "max_epochs", where)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"Perceptron: shuffle must be True or False, got {type(shuffle).__name__} {shuffle!r}")
        self.shuffle = bool(shuffle)
        self.seed = _check_seed(seed)
        if not isinstance(w_init, str):
            raise TypeError(f"Perceptron: w_init must be a string, got {type(w_init).__name__} {w_init!r}")
        self.w_init = check_one_of(w_init, "w_init", _W_INITS, where)
        self._theta = None  # (w_1, ..., w_n, b): the bias is the weight of a constant input 1
        self._rng = None

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The constructor arguments, so that ``Perceptron(**p.get_config())`` rebuilds ``p``."""
        return {
            "learning_rate": self.learning_rate,
            "max_epochs": self.max_epochs,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "w_init": self.w_init,
        }

    @classmethod
    def from_config(cls, config: dict) -> "Perceptron":
        """``cls(**config)``."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"Perceptron({args})"

    # ------------------------------------------------------------- training
    def _generator(self) -> np.random.Generator:
        if self._rng is None:
            self._rng = make_generator(self.seed)
        return self._rng

    def _init_weights(self, n_features: int) -> None:
        dtype = config.dtype()
        theta = np.zeros(n_features + 1, dtype=dtype)
        if self.w_init == "random":
            theta[:-1] = self._generator().uniform(-_RANDOM_LIMIT, _RANDOM_LIMIT, n_features)
        self._theta = theta
        self.n_features_in_ = n_features
        self.errors_ = []
        self.n_epochs_ = 0
        self.converged_ = False
        self._publish()

    def _publish(self) -> None:
        self.weights_ = self._theta[:-1]
        self.bias_ = float(self._theta[-1])

    def _epoch(self, Xa: np.ndarray, d: list) -> int:
        """One pass of Rosenblatt's rule over the augmented rows ``Xa = [X, 1]``; the error count."""
        theta = self._theta
        eta = self.learning_rate
        n = Xa.shape[0]
        order = self._generator().permutation(n).tolist() if self.shuffle else range(n)
        errors = 0
        # Rosenblatt's online rule: each update changes the weights that classify the next
        # sample, so this loop over samples IS the algorithm and cannot be vectorised away.
        # Everything else (net input, prediction, scoring) is vectorised.
        for i in order:
            x = Xa[i]
            y = 1 if x @ theta >= 0 else 0          # y = step(w·x + b)
            e = d[i] - y                             # d - y in {-1, 0, 1}
            if e:
                theta += (eta * e) * x               # (w, b) <- (w, b) + eta (d - y) (x, 1)
                errors += 1
        return errors

    def _prepare(self, X, y, where):
        X = _check_X(X, where)
        d = _check_targets(y, X.shape[0], where)
        Xa = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
        Xa[:, :-1] = X
        Xa[:, -1] = 1
        return Xa, d.tolist()

    def _run(self, Xa, d, n_epochs: int, where: str) -> None:
        try:
            with np.errstate(over="raise", invalid="raise"):
                for _ in range(n_epochs):
                    errors = self._epoch(Xa, d)
                    self.errors_.append(errors)
                    self.n_epochs_ += 1
                    self.converged_ = errors == 0
                    if self.converged_:
                        break
        except FloatingPointError as exc:
            raise ValueError(
                f"{where}: the weights overflowed {np.dtype(Xa.dtype).name} after "
                f"{self.n_epochs_} epoch(s) (learning_rate={self.learning_rate!r}); "
                f"lower learning_rate or scale X"
            ) from exc
        finally:
            self._publish()

    def fit(self, X, y) -> "Perceptron":
        """Train from fresh weights for at most ``max_epochs`` epochs; return ``self``.

        Each epoch applies ``w <- w + eta (d - y) x``, ``b <- b + eta (d - y)`` with
        ``y = step(w·x + b)`` to every sample in turn, and records in ``errors_`` how many
        samples it misclassified (= how many updates it made).  Stops after the first
        epoch with no error (``converged_ = True``).

        Args:
            X: array-like (n_samples, n_features), finite numbers.
            y: array-like (n_samples,) (or (n_samples, 1)) of 0/1 targets ``d``.
        """
        where = "Perceptron.fit"
        Xa, d = self._prepare(X, y, where)
        self._rng = None  # a new fit with the same seed repeats itself
        self._init_weights(Xa.shape[1] - 1)
        self._run(Xa, d, self.max_epochs, where)
        return self

    def partial_fit(self, X, y) -> "Perceptron":
        """One epoch of the rule over ``X, y``, continuing from the current weights.

        Initialises the weights (``w_init``) on the first call.  Appends one entry to
        ``errors_``, adds one to ``n_epochs_``, and sets ``converged_`` to whether this
        epoch made no error.  ``partial_fit`` on a single row applies one step of the
        rule, which is how a training run can be traced sample by sample.
        """
        where = "Perceptron.partial_fit"
        Xa, d = self._prepare(X, y, where)
        if self._theta is None:
            self._init_weights(Xa.shape[1] - 1)
        elif Xa.shape[1] - 1 != self.n_features_in_:
            raise ValueError(
                f"{where}: X has {Xa.shape[1] - 1} features, but this Perceptron was fitted "
                f"with {self.n_features_in_}"
            )
        self._run(Xa, d, 1, where)
        return self

    # ------------------------------------------------------------ inference
    def _fitted_X(self, X, where: str) -> np.ndarray:
        if self._theta is None:
            raise ValueError(f"{where}: this Perceptron is not fitted yet; call fit(X, y) first")
        X = _check_X(X, where)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{where}: X has {X.shape[1]} features, but this Perceptron was fitted "
                f"with {self.n_features_in_}"
            )
        return X

    @property
    def coef_(self) -> np.ndarray:
        """The weights with scikit-learn's shape ``(1, n_features)`` (a view of ``weights_``)."""
        if self._theta is None:
            raise AttributeError("Perceptron: coef_ exists only after fit")
        return self._theta[None, :-1]

    @property
    def intercept_(self) -> np.ndarray:
        """The bias with scikit-learn's shape ``(1,)``: ``[b]``."""
        if self._theta is None:
            raise AttributeError("Perceptron: intercept_ exists only after fit")
        return self._theta[-1:].copy()

    def net_input(self, X) -> np.ndarray:
        """The net input ``z = X w + b``, shape (n_samples,), in X's float dtype."""
        X = self._fitted_X(X, "Perceptron.net_input")
        return X @ self._theta[:-1] + self._theta[-1]

    def decision_function(self, X) -> np.ndarray:
        """scikit-learn's name for the net input: ``z = X w + b`` (``predict`` is ``z >= 0``)."""
        X = self._fitted_X(X, "Perceptron.decision_function")
        return X @ self._theta[:-1] + self._theta[-1]

    def predict(self, X) -> np.ndarray:
        """Class labels ``y = step(X w + b)``: int64 array of 0/1 (1 where ``z >= 0``)."""
        X = self._fitted_X(X, "Perceptron.predict")
        return (X @ self._theta[:-1] + self._theta[-1] >= 0).astype(np.int64)

    def score(self, X, y) -> float:
        """Accuracy ``(1/n) sum_i [y_i == d_i]``, the fraction of samples classified right."""
        X = self._fitted_X(X, "Perceptron.score")
        d = _check_targets(y, X.shape[0], "Perceptron.score")
        y_pred = (X @ self._theta[:-1] + self._theta[-1] >= 0)
        return float(np.mean(y_pred == d.astype(bool)))

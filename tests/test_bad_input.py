"""Bad input never crashes obscurely: every mistake gets the library's own error, naming the argument.

Each case asserts the exception *type* and a message that names the argument (or the file, the
layer, the column) and what was wrong with it, in glassnet's style ``where: name must be ...,
got ...``.  test_sequential.py holds the first few ``fit`` cases; these extend them to
``evaluate`` / ``predict`` / validation data / hyper-parameters / names / model state / files.

Decision on a single class (all targets 0, or all one label): glassnet trains, silently, as Keras
does.  One class in a batch or a data set is legitimate (fine-tuning, a skewed split, a sanity
check on one class) and the loss is well defined, so a warning would mostly be noise;
``test_a_single_class_trains_as_in_keras`` pins that choice.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import optimizers
from glassnet.datasets import DatasetError, mnist
from glassnet.layers import Dense, Dropout, Flatten, Input
from glassnet.models import Sequential, load_model
from glassnet.saving import ModelFileError

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 4)).astype(np.float32)
LABELS = np.arange(10) % 3                      # sparse labels for 3 classes


def classifier(units=3, compile=True, inp=True, metrics=None):
    layers = ([Input((4,))] if inp else []) + [Dense(8, activation="relu", name="hidden"), Dropout(0.2),
                                              Dense(units, activation="softmax", name="out")]
    m = Sequential(layers)
    if compile:
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    return m


def binary():
    m = Sequential([Input((4,)), Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m


def regressor(units=2, inp=True):
    m = Sequential(([Input((4,))] if inp else []) + [Dense(units)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def with_value(a, index, value, dtype=np.float64):
    a = np.array(a, dtype=dtype, copy=True)
    a[index] = value
    return a


def fit(model, x=X, y=LABELS, **kwargs):
    return lambda: model().fit(x, y, verbose=0, **kwargs)


# ============================================================== arrays: values, shapes, types
ARRAY_CASES = [
    # NaN / inf: the message names the argument and the first bad row (and column)
    ("inf in x (fit)", fit(classifier, x=with_value(X, (6, 3), -np.inf)), ValueError,
     r"^fit: x contains inf at row 6, column 3$"),
    ("NaN in y (fit)", fit(regressor, y=with_value(np.zeros((10, 2)), (4, 1), np.nan)), ValueError,
     r"^fit: y contains NaN at row 4, column 1$"),
    ("NaN in sample_weight", fit(classifier, sample_weight=with_value(np.ones(10), 8, np.nan)), ValueError,
     r"^fit: sample_weight contains NaN at row 8$"),
    ("inf in sample_weight", fit(classifier, sample_weight=with_value(np.ones(10), 0, np.inf)), ValueError,
     r"^fit: sample_weight contains inf at row 0$"),
    ("NaN in validation x", fit(classifier, validation_data=(with_value(X, (2, 0), np.nan), LABELS)),
     ValueError, r"^fit \(validation_data\): x contains NaN at row 2, column 0$"),
    ("inf in validation y", fit(regressor, y=np.zeros((10, 2)),
                                validation_data=(X, with_value(np.zeros((10, 2)), (9, 0), np.inf))),
     ValueError, r"^fit \(validation_data\): y contains inf at row 9, column 0$"),
    ("NaN in validation sample_weight",
     fit(classifier, validation_data=(X, LABELS, with_value(np.ones(10), 5, np.nan))), ValueError,
     r"^fit \(validation_data\): sample_weight contains NaN at row 5$"),
    ("NaN in x (evaluate)", lambda: classifier().evaluate(with_value(X, (1, 1), np.nan), LABELS, verbose=0),
     ValueError, r"^evaluate: x contains NaN at row 1, column 1$"),
    ("inf in x (predict)", lambda: classifier().predict(with_value(X, (7, 2), np.inf), verbose=0), ValueError,
     r"^predict: x contains inf at row 7, column 2$"),
    ("None in an object x", fit(classifier, x=with_value(X, (3, 1), None, dtype=object)), ValueError,
     r"^fit: x contains NaN at row 3, column 1$"),
    ("NaN in a float16 x", lambda: classifier().predict(with_value(X, (0, 0), np.nan, np.float16), verbose=0),
     ValueError, r"^predict: x contains NaN at row 0, column 0$"),
    ("NaN in a DataFrame names the column", lambda: classifier().predict(_frame(price=[1.0, np.nan]), verbose=0),
     ValueError, r"^predict: x contains NaN at row 1, column 3 \('price'\)$"),
    ("NaN class_weight", fit(classifier, class_weight={0: float("nan")}), ValueError,
     r"^fit: class_weight\[0\] must be a finite number >= 0.0, got nan$"),
    # ragged lists
    ("ragged x (predict)", lambda: classifier().predict([[1, 2, 3, 4], [1, 2]], verbose=0), ValueError,
     r"^predict: x must be a rectangular array of numbers; it looks ragged"),
    ("ragged y", fit(regressor, y=[[0, 1]] * 9 + [[0]]), ValueError,
     r"^fit: y must be a rectangular array of numbers; it looks ragged"),
    ("ragged validation x", fit(classifier, validation_data=([[1, 2, 3, 4], [1]], [0, 1])), ValueError,
     r"^fit \(validation_data\): x must be a rectangular array of numbers; it looks ragged"),
    # strings, objects, dates, complex numbers
    ("strings in x (predict)", lambda: classifier().predict(np.full((2, 4), "a"), verbose=0), TypeError,
     r"^predict: x must contain only numbers, got dtype <U1 \(strings, dates or objects: encode them first\)$"),
    ("numeric strings in x are not parsed", fit(classifier, x=X.astype(str)), TypeError,
     r"^fit: x must contain only numbers, got dtype <U"),
    ("strings inside an object x", fit(classifier, x=with_value(X, (4, 2), "1.5", dtype=object)), TypeError,
     r"^fit: x must contain only numbers, got dtype object"),
    ("arbitrary objects in x", fit(classifier, x=with_value(X, (0, 0), object(), dtype=object)), TypeError,
     r"^fit: x must contain only numbers, got dtype object"),
    ("a dict as x", fit(classifier, x={"a": 1}), TypeError, r"^fit: x must contain only numbers, got dtype object"),
    ("dates in x", fit(classifier, x=np.arange(40).astype("datetime64[D]").reshape(10, 4)), TypeError,
     r"^fit: x must contain only numbers, got dtype datetime64\[D\] \(strings, dates"),
    ("a text column in a DataFrame", lambda: classifier().predict(_frame(city=["Oslo", "Rome"]), verbose=0),
     TypeError, r"^predict: x column 'city' must contain only numbers, got dtype (str|object) \(strings, dates"),
    ("a date column in a DataFrame", lambda: classifier().predict(_frame(day=["2024-01-01", "2024-01-02"],
                                                                         dates=True), verbose=0),
     TypeError, r"^predict: x column 'day' must contain only numbers, got dtype datetime64"),
    ("complex x", lambda: classifier().evaluate(X + 1j, LABELS, verbose=0), TypeError,
     r"^evaluate: x must be real, got complex dtype complex"),
    ("string labels", fit(classifier, y=np.array(["cat", "dog"] * 5)), TypeError,
     r"^fit: y must contain only numbers, got dtype <U3"),
    ("string sample_weight", fit(classifier, sample_weight=["1"] * 10), TypeError,
     r"^fit: sample_weight must contain only numbers"),
    # zero samples, zero features, rank
    ("0 samples (evaluate)", lambda: classifier().evaluate(np.zeros((0, 4)), np.zeros(0), verbose=0), ValueError,
     r"^evaluate: x is empty \(shape \(0, 4\)\); need at least one sample$"),
    ("0 samples (predict)", lambda: classifier().predict(np.zeros((0, 4)), verbose=0), ValueError,
     r"^predict: x is empty \(shape \(0, 4\)\); need at least one sample$"),
    ("0 features", fit(lambda: classifier(inp=False), x=np.zeros((10, 0))), ValueError,
     r"^fit: x is empty \(shape \(10, 0\)\): its samples have no values; need at least one feature per sample$"),
    ("0 targets", fit(classifier, y=np.zeros((10, 0))), ValueError,
     r"^fit: y is empty \(shape \(10, 0\)\)"),
    ("3-D x into a built Dense stack (predict)", lambda: classifier().predict(np.zeros((5, 2, 4)), verbose=0),
     ValueError, r"^predict: x has sample shape \(2, 4\) but the model expects \(4,\) \(add a Flatten layer first"),
    ("3-D x into an unbuilt Dense stack (fit)", fit(lambda: classifier(inp=False), x=np.zeros((10, 5, 4))),
     ValueError, r"^fit: sparse_categorical_crossentropy expects .*The model's output has shape \(None, 5, 3\) "
                 r"because x has sample shape \(5, 4\): add a Flatten layer first"),
    ("1-D x", lambda: classifier(inp=False).predict(np.zeros(4), verbose=0), ValueError,
     r"^predict: x must be 2-D \(samples, features\), got a 1-D array of shape \(4,\); use x.reshape"),
    ("a scalar x", lambda: classifier(inp=False).predict(3.0, verbose=0), ValueError,
     r"^predict: x must have at least 1 dimension\(s\), got shape \(\)$"),
    ("a scalar y", fit(classifier, y=1), ValueError, r"^fit: y must have at least 1 dimension\(s\), got shape \(\)$"),
    # lengths and widths
    ("x/y length mismatch (evaluate)", lambda: classifier().evaluate(X, LABELS[:7], verbose=0), ValueError,
     r"^evaluate: x and y must have the same number of samples, got 10 and 7$"),
    ("validation x/y length mismatch", fit(classifier, validation_data=(X, LABELS[:3])), ValueError,
     r"^fit \(validation_data\): x and y must have the same number of samples, got 10 and 3$"),
    ("sample_weight length", lambda: classifier().evaluate(X, LABELS, sample_weight=np.ones(11), verbose=0),
     ValueError, r"^evaluate: sample_weight must have shape \(10,\), one weight per sample, got \(11,\)$"),
    ("2-D sample_weight", fit(classifier, sample_weight=np.ones((10, 2))), ValueError,
     r"^fit: sample_weight must have shape \(10,\), one weight per sample, got \(10, 2\)$"),
    ("negative sample_weight", fit(classifier, sample_weight=with_value(np.ones(10), 6, -0.5)), ValueError,
     r"^fit: sample_weight must be >= 0, got -0.5 at row 6$"),
    ("one-hot y too wide for the output", lambda: _categorical().fit(X, np.eye(5)[LABELS], verbose=0), ValueError,
     r"^fit: categorical_crossentropy expects one-hot targets of shape \(n, 3\) \(one column per output unit\), "
     r"got shape \(10, 5\)$"),
    ("regression y too wide", fit(regressor, y=np.zeros((10, 3))), ValueError,
     r"^fit: mean_squared_error expects targets of shape \(n, 2\) to match the 2 output unit\(s\), "
     r"got shape \(10, 3\)"),
    ("one-hot rows for sparse CE", fit(classifier, y=np.eye(3)[LABELS]), ValueError,
     r"^fit: sparse_categorical_crossentropy expects integer class labels of shape \(n,\) or \(n, 1\), got shape "
     r"\(10, 3\); use categorical_crossentropy"),
    # label values
    ("sparse label beyond the output units", fit(classifier, y=with_value(LABELS, 4, 3, np.int64)), ValueError,
     r"^fit: sparse_categorical_crossentropy got class label 3 at row 4, but the model has 3 output unit\(s\), "
     r"so labels must be in 0..2$"),
    ("negative sparse label", lambda: classifier().evaluate(X, with_value(LABELS, 2, -1, np.int64), verbose=0),
     ValueError, r"^evaluate: sparse_categorical_crossentropy got the negative class label -1 at row 2"),
    ("fractional sparse label", fit(classifier, y=with_value(LABELS, 5, 1.5)), ValueError,
     r"^fit: sparse_categorical_crossentropy expects integer class labels, got 1.5 at row 5$"),
    ("non-binary targets for binary CE", fit(binary, y=with_value(np.zeros(10), 3, 2.0)), ValueError,
     r"^fit: binary_crossentropy expects targets in \[0, 1\] \(0/1 labels or probabilities\), got 2.0 at row 3$"),
    ("negative targets for binary CE", fit(binary, y=with_value(np.zeros(10), 7, -1.0)), ValueError,
     r"^fit: binary_crossentropy expects targets in \[0, 1\] .*got -1.0 at row 7$"),
]


def _frame(dates=False, **last_column):
    """A 2-row DataFrame: three numeric columns, then ``last_column``."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [0.5, 1.0], "b": [1, 2], "c": [0.0, -1.0]})
    for label, values in last_column.items():
        frame[label] = pd.to_datetime(values) if dates else values
    return frame


def _categorical():
    m = classifier(compile=False)
    m.compile(optimizer="adam", loss="categorical_crossentropy")
    return m


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in ARRAY_CASES])
def test_bad_arrays(call, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert type(info.value) is exc           # the library's error, not a NumPy subclass


# ============================================================== hyper-parameters
HYPER_CASES = [
    ("units 0", lambda: Dense(0), ValueError, r"^Dense: units must be a positive integer, got 0$"),
    ("units negative", lambda: Dense(-4), ValueError, r"^Dense: units must be a positive integer, got -4$"),
    ("units a float", lambda: Dense(2.5), ValueError, r"^Dense: units must be a positive integer, got 2.5$"),
    ("units a string", lambda: Dense("8"), ValueError, r"^Dense: units must be a positive integer, got '8'$"),
    ("units a bool", lambda: Dense(True), ValueError, r"^Dense: units must be a positive integer, got True$"),
    ("input_dim 0", lambda: Dense(2, input_dim=0), ValueError, r"^Dense: input_dim must be a positive integer, got 0$"),
    ("Input shape with 0", lambda: Input((0,)), ValueError,
     r"^Input: every dimension of shape must be a positive integer, got 0$"),
    ("batch_size 0 (predict)", lambda: classifier().predict(X, batch_size=0, verbose=0), ValueError,
     r"^predict: batch_size must be a positive integer, got 0$"),
    ("batch_size negative (evaluate)", lambda: classifier().evaluate(X, LABELS, batch_size=-8, verbose=0),
     ValueError, r"^evaluate: batch_size must be a positive integer, got -8$"),
    ("batch_size a float", fit(classifier, batch_size=16.0), ValueError,
     r"^fit: batch_size must be a positive integer, got 16.0$"),
    ("epochs a float", fit(classifier, epochs=2.5), ValueError,
     r"^fit: epochs must be a non-negative integer, got 2.5$"),
    ("epochs a string", fit(classifier, epochs="10"), ValueError,
     r"^fit: epochs must be a non-negative integer, got '10'$"),
    ("initial_epoch negative", fit(classifier, initial_epoch=-1), ValueError,
     r"^fit: initial_epoch must be a non-negative integer, got -1$"),
    ("validation_freq 0", fit(classifier, validation_split=0.2, validation_freq=0), ValueError,
     r"^fit: validation_freq must be a positive integer, got 0$"),
    ("verbose 5", lambda: classifier().fit(X, LABELS, verbose=5), ValueError,
     r"^fit: verbose must be 'auto', 0, 1 or 2, got 5$"),
    ("dropout rate 1", lambda: Dropout(1.0), ValueError,
     r"^Dropout: rate must be a finite number in \[0.0, 1.0\), got 1.0$"),
    ("dropout rate negative", lambda: Dropout(-0.1), ValueError,
     r"^Dropout: rate must be a finite number in \[0.0, 1.0\), got -0.1$"),
    ("dropout rate NaN", lambda: Dropout(float("nan")), ValueError,
     r"^Dropout: rate must be a finite number in \[0.0, 1.0\), got nan$"),
    ("dropout rate a string", lambda: Dropout("0.5"), TypeError, r"^Dropout: rate must be a number, got str '0.5'$"),
    ("learning_rate 0", lambda: optimizers.Adam(learning_rate=0.0), ValueError,
     r"^Adam: learning_rate must be a finite number > 0.0, got 0.0$"),
    ("learning_rate negative", lambda: optimizers.SGD(learning_rate=-0.01), ValueError,
     r"^SGD: learning_rate must be a finite number > 0.0, got -0.01$"),
    ("learning_rate NaN", lambda: optimizers.RMSprop(learning_rate=float("nan")), ValueError,
     r"^RMSprop: learning_rate must be a finite number > 0.0, got nan$"),
    ("learning_rate inf", lambda: optimizers.Adagrad(learning_rate=float("inf")), ValueError,
     r"^Adagrad: learning_rate must be a finite number > 0.0, got inf$"),
    ("learning_rate a string", lambda: optimizers.Adam(learning_rate="0.1"), TypeError,
     r"^Adam: learning_rate must be a positive float, a LearningRateSchedule or a zero-argument callable, "
     r"got str '0.1'$"),
    ("learning_rate set to 0 later", lambda: setattr(optimizers.Adam(), "learning_rate", 0), ValueError,
     r"learning_rate must be a finite number > 0.0, got 0"),
    # validation_split
    ("validation_split NaN", fit(classifier, validation_split=float("nan")), ValueError,
     r"^fit: validation_split must be a finite number in \[0.0, 1.0\), got nan$"),
    ("validation_split a string", fit(classifier, validation_split="0.2"), TypeError,
     r"^fit: validation_split must be a number, got str '0.2'$"),
    ("validation_split leaving no training rows", fit(classifier, x=X[:1], y=LABELS[:1], validation_split=0.5),
     ValueError,
     r"^fit: validation_split=0.5 leaves 0 training and 1 validation samples out of 1; both need at least one$"),
    ("validation_split leaving no validation rows", fit(classifier, validation_split=1e-17), ValueError,
     r"^fit: validation_split=1e-17 leaves 10 training and 0 validation samples out of 10"),
    ("validation_data of the wrong form", fit(classifier, validation_data=(X,)), ValueError,
     r"^fit: validation_data must be a tuple \(x_val, y_val\) or \(x_val, y_val, sample_weight_val\), "
     r"got tuple of length 1$"),
    # class_weight
    ("class_weight for an unknown class", fit(classifier, class_weight={0: 1.0, 7: 2.0}), ValueError,
     r"^fit: class_weight has key 7, but the classes are 0..2 \(the model has 3 output unit\(s\)\)$"),
    ("class_weight keyed by name", fit(binary, y=np.zeros(10), class_weight={"yes": 2.0}), ValueError,
     r"^fit: class_weight has key 'yes', but the classes are 0..1"),
    ("class_weight negative", fit(classifier, class_weight={1: -2.0}), ValueError,
     r"^fit: class_weight\[1\] must be a finite number >= 0.0, got -2.0$"),
    ("class_weight a list", fit(classifier, class_weight=[1.0, 2.0, 3.0]), TypeError,
     r"^fit: class_weight must be a dict \{class index: weight\}, got list$"),
]


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in HYPER_CASES])
def test_bad_hyper_parameters(call, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert type(info.value) is exc


# ============================================================== unknown names list the valid ones
NAME_CASES = [
    ("loss", lambda: Sequential([Dense(1)]).compile(optimizer="sgd", loss="mean_squared_eror"),
     r"unknown loss 'mean_squared_eror'; expected one of .*binary_crossentropy.*mean_squared_error"),
    ("optimizer", lambda: Sequential([Dense(1)]).compile(optimizer="adamw2", loss="mse"),
     r"unknown optimizer 'adamw2'; expected one of adadelta, adagrad, adam, .*sgd"),
    ("metric", lambda: Sequential([Dense(1)]).compile(optimizer="sgd", loss="mse", metrics=["mae", "acuracy"]),
     r"^compile: metrics: unknown metric 'acuracy'; expected one of .*accuracy.*mean_absolute_error"),
    ("weighted metric", lambda: Sequential([Dense(1)]).compile(loss="mse", weighted_metrics=["precission"]),
     r"^compile: weighted_metrics: unknown metric 'precission'; expected one of .*precision"),
    ("activation", lambda: Dense(4, activation="rellu"),
     r"unknown activation 'rellu'; expected one of .*relu.*sigmoid.*softmax"),
    ("kernel_initializer", lambda: Dense(4, kernel_initializer="glorot"),
     r"unknown initializer 'glorot'; expected one of .*glorot_normal, glorot_uniform"),
    ("bias_initializer", lambda: Dense(4, bias_initializer="zero_"),
     r"unknown initializer 'zero_'; expected one of .*zeros"),
    ("regularizer", lambda: Dense(4, kernel_regularizer="l3"), r"unknown regularizer 'l3'; expected one of l1, .*l2"),
    ("loss object of the wrong type", lambda: Sequential([Dense(1)]).compile(loss=3),
     r"Could not interpret loss identifier: 3"),
]


@pytest.mark.parametrize("call, pattern", [pytest.param(*c[1:], id=c[0]) for c in NAME_CASES])
def test_unknown_names_list_the_valid_ones(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_unknown_metric_fails_at_compile_not_hours_later():
    m = classifier(compile=False)
    with pytest.raises(ValueError, match="acuracy"):
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acuracy"])
    assert not m.compiled
    # the names compile resolves from the data's shapes are still accepted, in any case
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["ACC", "accuracy", "ce"])
    h = m.fit(X, LABELS, verbose=0)
    assert {"ACC", "accuracy", "ce", "loss"} == set(h.history)


# ============================================================== model state
STATE_CASES = [
    ("predict with no layers", lambda: Sequential().predict(X, verbose=0), ValueError,
     r"^predict: the model has no layers; add some with model.add\(\.\.\.\)$"),
    ("fit with no layers", lambda: _compiled_empty().fit(X, LABELS, verbose=0), ValueError,
     r"^fit: the model has no layers"),
    ("evaluate before compile", lambda: classifier(compile=False).evaluate(X, LABELS, verbose=0), RuntimeError,
     r"^evaluate: you must call model.compile\(optimizer, loss\) before evaluate$"),
    ("train_on_batch before compile", lambda: classifier(compile=False).train_on_batch(X, LABELS), RuntimeError,
     r"^train_on_batch: you must call model.compile"),
    ("fit after compile without a loss", lambda: _no_loss().fit(X, LABELS, verbose=0), ValueError,
     r"^fit: the model was compiled without a loss; pass loss=\.\.\. to compile\(\)$"),
    ("set_weights before build", lambda: classifier(inp=False).set_weights([]), ValueError,
     r"^set_weights: the model is not built yet"),
    ("count_params before build", lambda: classifier(inp=False).count_params(), ValueError,
     r"^count_params: the model is not built yet"),
    ("set_weights with too few arrays", lambda: classifier().set_weights([np.zeros((4, 8))]), ValueError,
     r"^set_weights: the model has 4 weight arrays \(hidden/kernel, hidden/bias, out/kernel, out/bias\), got 1$"),
    ("set_weights with a wrong shape", lambda: classifier().set_weights(
        [np.zeros((4, 8)), np.zeros(8), np.zeros((8, 2)), np.zeros(3)]), ValueError,
     r"^set_weights: layer 'out' kernel must have shape \(8, 3\), got \(8, 2\)$"),
    ("set_weights with strings", lambda: classifier().set_weights(
        [np.zeros((4, 8)), np.full(8, "0"), np.zeros((8, 3)), np.zeros(3)]), TypeError,
     r"^set_weights: layer 'hidden' bias \(weights\[1\]\) must be an array of real numbers, got dtype <U1$"),
    ("set_weights with a ragged list", lambda: classifier().set_weights(
        [[[0] * 8] * 3 + [[0]], np.zeros(8), np.zeros((8, 3)), np.zeros(3)]), TypeError,
     r"^set_weights: layer 'hidden' kernel \(weights\[0\]\) must be an array of real numbers, got a ragged list$"),
    ("set_weights with an array", lambda: classifier().set_weights(np.zeros(4)), TypeError,
     r"^set_weights: weights must be a list of arrays, got ndarray$"),
    ("set_rng_state with a corrupt state", lambda: _corrupt_rng_state(), ValueError,
     r"^set_rng_state: state\['layer/dropout_rng'\] is not a valid PCG64 state"),
]


def _compiled_empty():
    m = Sequential()
    m.compile(optimizer="sgd", loss="mse")
    return m


def _no_loss():
    m = classifier(compile=False)
    m.compile(optimizer="adam")
    return m


def _corrupt_rng_state():
    m = Sequential([Input((4,)), Dense(8), Dropout(0.5, name="dropout_rng"), Dense(1)])
    state = m.get_rng_state()
    before = json.dumps(state)
    state["layer/dropout_rng"]["state"]["state"] = -1
    try:
        m.set_rng_state(state)
    finally:
        assert json.dumps(m.get_rng_state()) == before      # all or nothing: the model kept its state


@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*c[1:], id=c[0]) for c in STATE_CASES])
def test_bad_model_state(call, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert type(info.value) is exc


def test_set_weights_checks_everything_before_writing_anything():
    m = classifier()
    before = m.get_weights()
    bad = [w + 1 for w in before]
    bad[3] = np.zeros(5)                          # the last array is wrong
    with pytest.raises(ValueError, match="layer 'out' bias"):
        m.set_weights(bad)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_a_single_class_trains_as_in_keras():
    """Keras trains on one class without a word; so does glassnet (see the module docstring)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = binary().fit(X, np.ones(10), epochs=3, verbose=0)
        assert h.history["accuracy"][-1] >= 0.0 and np.isfinite(h.history["loss"]).all()
        m = classifier(metrics=["accuracy"])
        h = m.fit(X, np.zeros(10), epochs=2, verbose=0)
        assert np.isfinite(h.history["loss"]).all()
        assert m.predict(X, verbose=0).shape == (10, 3)


def test_accepted_inputs_that_look_odd():
    """Control cases: what is fine must stay fine (bool, int, float16 and object-of-number inputs)."""
    m = classifier()
    for x in (X > 0, (X * 10).astype(np.int8), X.astype(np.float16), X.astype(object)):
        assert m.predict(x, verbose=0).dtype == np.float32
    m.fit(X.tolist(), LABELS.tolist(), verbose=0)
    m.fit(X, LABELS, epochs=1, initial_epoch=3, verbose=0)     # initial_epoch >= epochs: nothing to do, as Keras
    assert m.evaluate(X, LABELS.reshape(-1, 1), verbose=0) > 0


# ============================================================== files
def small_model():
    glassnet.set_random_seed(0)
    m = Sequential([Input((4,)), Dense(5, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, LABELS, epochs=1, verbose=0)
    return m


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Valid files of every format glassnet reads, made once."""
    d = tmp_path_factory.mktemp("valid")
    m = small_model()
    m.save(d / "m.keras")
    m.save(d / "m.h5")
    m.save_weights(d / "m.weights.h5")
    imgs = np.random.default_rng(1).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    labels = np.array([7, 2, 1], np.uint8)
    (d / "img.idx").write_bytes(idx_bytes(imgs))
    (d / "img.idx.gz").write_bytes(gzip.compress(idx_bytes(imgs)))
    (d / "train.csv").write_text(csv_text(imgs, labels))
    np.savez(d / "mnist.npz", x_train=imgs, y_train=labels, x_test=imgs, y_test=labels)
    return d


def idx_bytes(arr):
    return b"\x00\x00\x08" + bytes([arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape) + arr.tobytes()


def csv_text(imgs, labels):
    return "".join(",".join([str(int(lab))] + [str(int(v)) for v in img.ravel()]) + "\n"
                   for img, lab in zip(imgs, labels))


def fresh_model():
    m = Sequential([Input((4,)), Dense(5, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return m


def zip_of(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def keras_members(corpus):
    with zipfile.ZipFile(corpus / "m.keras") as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def load_weights_into_fresh(path):
    fresh_model().load_weights(path)


def _read_idx(path):
    from glassnet.datasets import _files

    return mnist.parse_idx(_files.read_bytes(path), str(path))


def _read_csv(path):
    return mnist.load_csv(path, path)


def _flip(path, offset):
    data = bytearray(Path(path).read_bytes())
    data[offset] ^= 0xFF
    return bytes(data)


def _drop_last_value_of_first_row(path):
    first, rest = Path(path).read_bytes().split(b"\n", 1)
    return first.rsplit(b",", 1)[0] + b"\n" + rest


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _with_member(d, name, data):
    members = keras_members(d)
    members[name] = data
    return zip_of(members.items())


def _duplicate_member(d):
    members = keras_members(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")               # zipfile warns about the duplicate name
        return zip_of(list(members.items()) + [("config.json", members["config.json"])])


def _flip_in_member(d, name):
    data = (d / "m.keras").read_bytes()
    with zipfile.ZipFile(d / "m.keras") as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return _flip_bytes(data, start + info.compress_size // 2)


def _flip_bytes(data, offset):
    data = bytearray(data)
    data[offset] ^= 0xFF
    return bytes(data)


def _edit_config(d, edit):
    members = keras_members(d)
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    return zip_of(members.items())


def _h5_attr(d, name, value):
    buf = io.BytesIO((d / "m.h5").read_bytes())
    with h5py.File(buf, "a") as f:
        f.attrs[name] = value
    return buf.getvalue()


def _weights_with(d, key, array):
    buf = io.BytesIO((d / "m.weights.h5").read_bytes())
    with h5py.File(buf, "a") as f:
        del f[key]
        f[key] = array
    return buf.getvalue()


# Each case: (file name, bytes from the corpus dir -> bytes, reader(path), exception, message pattern).
# The pattern is matched after the file's path was checked to appear in the message.
FILE_CASES = {
    ".keras: truncated to its first bytes": ("m.keras", lambda d: (d / "m.keras").read_bytes()[:100], load_model,
                                             ModelFileError, r"truncated or corrupt"),
    ".keras: central directory cut off": ("m.keras", lambda d: (d / "m.keras").read_bytes()[:-30], load_model,
                                          ModelFileError, r"truncated or corrupt"),
    ".keras: a weights member with a flipped byte": (
        "m.keras", lambda d: _flip_in_member(d, "model.weights.h5"), load_model, ModelFileError, r"corrupt|CRC"),
    ".keras: empty, via load_weights": ("m.keras", lambda d: b"", load_weights_into_fresh, ModelFileError,
                                        r"the file is empty \(0 bytes\)"),
    ".keras: a JSON file under a .keras name": ("m.keras", lambda d: b'{"class_name": "Sequential"}', load_model,
                                                ModelFileError,
                                                r"not a \.keras archive: it looks like a JSON text file"),
    ".keras: a member listed twice": ("m.keras", lambda d: _duplicate_member(d), load_model, ModelFileError,
                                      r"member 'config.json' appears twice"),
    ".keras: a bad random state": ("m.keras", lambda d: _with_member(d, "glassnet_state.json",
                                                                     b'{"rng_state": {"shuffle": {"state": 5}}}'),
                                   load_model, ModelFileError, r"glassnet_state.json holds an unusable random state"),
    ".keras: a layer config that is not an object": (
        "m.keras", lambda d: _edit_config(d, lambda c: c["config"]["layers"][1].__setitem__("config", [1])),
        load_model, ModelFileError, r"layer #1 \(Dense\) has a config that is not an object"),
    ".keras: a layer dtype that is not a policy": (
        "m.keras", lambda d: _edit_config(d, lambda c: c["config"]["layers"][1]["config"].__setitem__(
            "dtype", {"config": 3.5})), load_model, ModelFileError, r"cannot build layer #1 \(Dense .*dtype must be"),
    ".keras: negative units": (
        "m.keras", lambda d: _edit_config(d, lambda c: c["config"]["layers"][1]["config"].__setitem__("units", -5)),
        load_model, ModelFileError, r"cannot build layer #1 \(Dense .*units must be a positive integer, got -5"),
    ".h5: empty": ("m.h5", lambda d: b"", load_model, ModelFileError, r"not an HDF5 file: the file is empty"),
    ".h5: a zip under an .h5 name": ("m.h5", lambda d: (d / "m.keras").read_bytes(), load_model, ModelFileError,
                                     r"not an HDF5 file: it is a zip archive"),
    ".h5: truncated, via load_weights": ("m.h5", lambda d: (d / "m.h5").read_bytes()[:2048], load_weights_into_fresh,
                                         ModelFileError, r"HDF5|truncated|corrupt"),
    ".h5: model_config not JSON": ("m.h5", lambda d: _h5_attr(d, "model_config", b"{nope"), load_model,
                                   ModelFileError, r"the model_config attribute is not valid JSON"),
    ".weights.h5: empty": ("m.weights.h5", lambda d: b"", load_weights_into_fresh, ModelFileError,
                           r"not a \.weights\.h5 file: the file is empty \(0 bytes\)"),
    ".weights.h5: truncated": ("m.weights.h5", lambda d: (d / "m.weights.h5").read_bytes()[:1500],
                               load_weights_into_fresh, ModelFileError, r"not a readable HDF5 file|corrupt|truncated"),
    ".weights.h5: a kernel of the wrong shape": (
        "m.weights.h5", lambda d: _weights_with(d, "layers/dense/vars/0", np.zeros((4, 6), np.float32)),
        load_weights_into_fresh, ModelFileError,
        r"layer 'dense\w*' \(dense\) variable #0 \(kernel\) has shape \(4, 6\) in the file, but the model expects \(4, 5\)"),
    ".weights.h5: a kernel of strings": (
        "m.weights.h5", lambda d: _weights_with(d, "layers/dense/vars/0", np.full((4, 5), b"x")),
        load_weights_into_fresh, ModelFileError, r"non-numeric HDF5 type"),
    ".npz: empty": ("mnist.npz", lambda d: b"", mnist.load_data, DatasetError,
                    r"not a Keras-style MNIST \.npz \(x_train, y_train, x_test, y_test\)"),
    ".npz: truncated": ("mnist.npz", lambda d: (d / "mnist.npz").read_bytes()[:1000], mnist.load_data, DatasetError,
                        r"not a Keras-style MNIST \.npz"),
    ".npz: a corrupt member": ("mnist.npz", lambda d: _flip(d / "mnist.npz", 1200), mnist.load_data, DatasetError,
                               r"not a Keras-style MNIST \.npz"),
    ".npz: foreign (other keys)": ("mnist.npz", lambda d: _npz(a=np.zeros(3)), mnist.load_data, DatasetError,
                                   r"not a Keras-style MNIST \.npz .*x_train"),
    ".npz: pickled objects are never loaded": ("mnist.npz", lambda d: _npz(
        x_train=np.array([{"evil": 1}], dtype=object), y_train=np.zeros(1), x_test=np.zeros(1), y_test=np.zeros(1)),
        mnist.load_data, DatasetError, r"pickle"),
    ".npz: scalars instead of arrays": ("mnist.npz", lambda d: _npz(x_train=np.uint8(1), y_train=np.uint8(1),
                                                                    x_test=np.uint8(1), y_test=np.uint8(1)),
                                        mnist.load_data, DatasetError, r"images and labels must be arrays"),
    ".npz: the full MNIST hash is checked": ("mnist.npz", lambda d: (d / "mnist.npz").read_bytes(), mnist.load_data,
                                             DatasetError, r"x_train does not match MNIST's pinned SHA-256"),
    "IDX: bad magic": ("img.idx", lambda d: b"\x01\x02\x08\x03" + (d / "img.idx").read_bytes()[4:], _read_idx,
                       DatasetError, r"not an IDX file \(bad magic number"),
    "IDX: float type code": ("img.idx", lambda d: b"\x00\x00\x0d" + (d / "img.idx").read_bytes()[3:], _read_idx,
                             DatasetError, r"IDX type code 0xd is not supported"),
    "IDX: header cut short": ("img.idx", lambda d: (d / "img.idx").read_bytes()[:9], _read_idx, DatasetError,
                              r"IDX header is truncated"),
    "IDX: data cut short": ("img.idx", lambda d: (d / "img.idx").read_bytes()[:-1], _read_idx, DatasetError,
                            r"IDX data holds 2351 bytes, but its header \(3, 28, 28\) promises 2352"),
    "IDX: a header promising 2**64 bytes": ("img.idx", lambda d: b"\x00\x00\x08\x02" + b"\xff" * 8 + b"\x00" * 16,
                                            _read_idx, DatasetError, r"promises 18446744065119617025"),
    "IDX .gz: truncated": ("img.idx.gz", lambda d: (d / "img.idx.gz").read_bytes()[:-20], _read_idx, DatasetError,
                           r"not a complete gzip file"),
    "IDX .gz: corrupt deflate stream": ("img.idx.gz", lambda d: _flip(d / "img.idx.gz", 40), _read_idx, DatasetError,
                                        r"not a complete gzip file"),
    "CSV: a pixel out of range": ("train.csv", lambda d: b"3," + b"0," * 100 + b"256," + b"0," * 682 + b"0\n",
                                  _read_csv, DatasetError, r"values out of range \(labels 0..9, pixels 0..255\)"),
    "CSV: label 10": ("train.csv", lambda d: b"10," + b"0," * 783 + b"0\n", _read_csv, DatasetError,
                      r"values out of range"),
    "CSV: a short row": ("train.csv", lambda d: _drop_last_value_of_first_row(d / "train.csv"),
                         _read_csv, DatasetError, r"not an MNIST CSV: expected 3 lines of 785 numbers"),
    "CSV: text in a row": ("train.csv", lambda d: (d / "train.csv").read_bytes().replace(b",", b",abc,", 1),
                           _read_csv, DatasetError, r"not an MNIST CSV"),
    "CSV: binary garbage": ("train.csv", lambda d: bytes(range(256)) * 4, _read_csv, DatasetError,
                            r"not an MNIST CSV"),
    "CSV: empty": ("train.csv", lambda d: b"", _read_csv, DatasetError, r"not an MNIST CSV: expected 0 lines"),
    "tabular CSV: empty": ("fake_reg.csv", lambda d: b"", lambda p: glassnet.datasets.fake_reg(p), DatasetError,
                           r"cannot be read as CSV \(No columns to parse from file\)"),
    "tabular CSV: header only": ("fake_reg.csv", lambda d: b"price,feature1,feature2\n",
                                 lambda p: glassnet.datasets.fake_reg(p), DatasetError, r"has a header but no rows"),
    "tabular CSV: missing column": ("kc.csv", lambda d: b"price,date\n1,20141013T000000\n",
                                    lambda p: glassnet.datasets.kc_house(p), DatasetError,
                                    r"missing column\(s\) bedrooms, sqft_living, zipcode; it has price, date"),
    "tabular CSV: unparsable dates": ("kc.csv", lambda d: b"price,date,bedrooms,sqft_living,zipcode\n1,soon,2,3,4\n",
                                      lambda p: glassnet.datasets.kc_house(p), DatasetError,
                                      r"the date column could not be parsed"),
    "tabular CSV: a bad date names the column and row": (
        "loans.csv", lambda d: b"loan_status,loan_amnt,term,int_rate,grade,issue_d,earliest_cr_line\n"
                               b"Paid,1,36,1.0,A,Jan-2015,Jun-1990\nPaid,1,36,1.0,A,Feb-2015,1990/06\n",
        lambda p: glassnet.datasets.lending_club(p), DatasetError,
        r"column earliest_cr_line: date '1990/06' at row 1 is neither Mon-YYYY nor Mon-YY"),
    "tabular CSV: binary garbage": ("fake_reg.csv", lambda d: b"\xff\xfe\x00\x81" * 50,
                                    lambda p: glassnet.datasets.fake_reg(p), DatasetError,
                                    r"cannot be read as CSV|missing column"),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_bad_files_raise_clear_errors_naming_the_file(corpus, tmp_path, case):
    name, make, read, exc, pattern = FILE_CASES[case]
    path = tmp_path / name
    path.write_bytes(make(corpus))
    with pytest.raises(exc) as info:
        read(path)
    assert isinstance(info.value, ValueError)          # ModelFileError and DatasetError are ValueErrors
    message = str(info.value)
    assert str(path) in message, message
    assert re.search(pattern, message), message


def test_missing_files_are_named(tmp_path):
    missing = tmp_path / "nope"
    for call in (lambda: load_model(missing.with_suffix(".keras")), lambda: load_model(missing.with_suffix(".h5")),
                 lambda: load_weights_into_fresh(missing.with_suffix(".weights.h5")),
                 lambda: mnist.load_data(missing.with_suffix(".npz")), lambda: _read_idx(missing),
                 lambda: glassnet.datasets.fake_reg(missing.with_suffix(".csv"))):
        with pytest.raises(ValueError, match=r"no such file") as info:
            call()
        assert str(missing) in str(info.value)


# ============================================================== hostile .keras files
def tree_snapshot(folder: Path) -> dict:
    """Every path under ``folder`` with its size, mtime and content hash."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
        out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, digest)
    return out


@pytest.mark.parametrize("evil_name", ["../evil.txt", "../../evil.txt", "sub/../../evil.txt", "..\\evil.txt",
                                       "/tmp/evil_abs.txt", "C:/evil.txt", "./a/./../../evil.txt"])
@pytest.mark.parametrize("reader", ["load_model", "load_weights"])
def test_keras_zip_with_path_traversal_is_refused(corpus, tmp_path, evil_name, reader):
    parent = tmp_path / "parent"
    target = parent / "models"
    target.mkdir(parents=True)
    (parent / "keep.txt").write_text("unchanged")
    members = keras_members(corpus)
    path = target / "evil.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(zip_of([(evil_name, b"pwned")] + list(members.items())))
    before = tree_snapshot(tmp_path)
    abs_before = os.path.exists("/tmp/evil_abs.txt")
    with pytest.raises(ModelFileError) as info:
        load_model(path) if reader == "load_model" else fresh_model().load_weights(path)
    message = str(info.value)
    assert str(path) in message and "outside the archive" in message and "nothing was extracted" in message
    assert tree_snapshot(tmp_path) == before                 # nothing written, nothing touched
    assert os.path.exists("/tmp/evil_abs.txt") == abs_before


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("layer", [
    {"class_name": "Lambda", "module": "keras.layers",
     "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": "ZXZpbA=="}}}},
    {"class_name": "system", "module": "os", "config": {"command": "touch {marker}"}},
    {"class_name": "Popen", "module": "subprocess", "config": {"args": ["touch", "{marker}"]}},
    {"class_name": "Evil", "module": "keras.layers", "registered_name": "evil_pkg>Evil", "config": {"name": "evil"}},
    {"class_name": "LSTM", "module": "keras.layers", "config": {"name": "lstm", "units": 2}},
])
def test_unknown_layer_classes_are_refused_and_nothing_runs(corpus, tmp_path, ext, layer):
    import sys

    marker = tmp_path / "executed.txt"
    layer = json.loads(json.dumps(layer).replace("{marker}", str(marker)))
    modules_before = set(sys.modules)
    parent = tmp_path / "box"
    parent.mkdir()
    path = parent / f"m{ext}"
    if ext == ".keras":
        def edit(config):
            config["config"]["layers"].insert(2, layer)
        path.write_bytes(_edit_config(corpus, edit))
    else:
        data = io.BytesIO((corpus / "m.h5").read_bytes())
        with h5py.File(data, "a") as f:
            config = json.loads(f.attrs["model_config"])
            config["config"]["layers"].insert(2, {"class_name": layer["class_name"], "config": layer["config"]})
            f.attrs["model_config"] = json.dumps(config).encode()
        path.write_bytes(data.getvalue())
    before = tree_snapshot(tmp_path)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message
    assert layer["class_name"] in message or "refusing" in message
    assert not marker.exists()
    assert tree_snapshot(tmp_path) == before
    assert not {"subprocess", "evil_pkg"} & (set(sys.modules) - modules_before)


def test_zip_bomb_and_encrypted_members_are_refused(corpus, tmp_path):
    members = keras_members(corpus)
    bomb = tmp_path / "bomb.keras"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", members["config.json"])
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * (20 << 20))   # 20 MB of zeros
    bomb.write_bytes(buf.getvalue())
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ModelFileError, match=r"refusing a possible zip bomb") as info:
        load_model(bomb)
    assert str(bomb) in str(info.value)
    data = bytearray(zip_of(members.items()))
    # set the "encrypted" flag bit in every local and central header
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + off] |= 1
            start = i + 4
    enc = tmp_path / "enc.keras"
    enc.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"is encrypted") as info:
        load_model(enc)
    assert str(enc) in str(info.value)


def test_flatten_is_the_fix_the_messages_suggest():
    """The hint in the 3-D messages is right: with Flatten the same data trains."""
    x = RNG.normal(size=(10, 5, 4)).astype(np.float32)
    m = Sequential([Flatten(), Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    m.fit(x, LABELS, verbose=0)
    assert m.predict(x, verbose=0).shape == (10, 3)


def zeroed_global_heap(data: bytes) -> bytes:
    """Zero the entry after the first object of the file's first global heap (a run of zero bytes)."""
    start = data.find(b"GCOL")
    assert start > 0, "no global heap in the file"
    first = start + 16                               # 'GCOL', version, 3 reserved bytes, 8-byte size
    size = int.from_bytes(data[first + 8:first + 16], "little")
    second = first + 16 + ((size + 7) & ~7)
    return data[:second] + bytes(16) + data[second + 16:]


HEAP_SCRIPT = """
import sys
sys.path.insert(0, {src!r})
from glassnet.layers import Dense, Dropout, Input
from glassnet.models import Sequential, load_model
from glassnet.saving import ModelFileError
for path in sys.argv[1:]:
    try:
        if path.endswith(".weights.h5"):
            m = Sequential([Input((4,)), Dense(5, activation="relu"), Dropout(0.2), Dense(3, activation="softmax")])
            m.load_weights(path)
        else:
            load_model(path)
    except ModelFileError as exc:
        print(exc)
    else:
        print("loaded", path)
"""


def test_a_damaged_hdf5_global_heap_is_refused_not_an_endless_loop(corpus, tmp_path):
    """libhdf5 spins forever on a global heap entry of index 0 and size 0 (found by test_fuzz.py);
    glassnet walks the heaps first.  Run in a child process with a timeout, so a regression fails
    instead of hanging the suite."""
    import subprocess
    import sys

    paths = []
    for name in ("m.h5", "m.weights.h5"):
        path = tmp_path / name
        path.write_bytes(zeroed_global_heap((corpus / name).read_bytes()))
        paths.append(path)
    members = keras_members(corpus)
    members["model.weights.h5"] = zeroed_global_heap(members["model.weights.h5"])
    paths.append(tmp_path / "m.keras")
    paths[-1].write_bytes(zip_of(members.items()))
    script = tmp_path / "heap.py"
    script.write_text(HEAP_SCRIPT.format(src=str(Path(__file__).resolve().parents[1] / "src")))
    proc = subprocess.run([sys.executable, str(script), *map(str, paths)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    for path, line in zip(paths, lines):
        assert str(path) in line and "the HDF5 file is corrupt: the global heap at byte" in line, line
        assert "would loop forever" in line


def test_finite_check_fast_path_and_overflowing_sums():
    """Huge finite values overflow the quick sum; the exact scan must still find no NaN/inf."""
    from glassnet._validation import first_non_finite

    big = np.full((4, 3), 1e308)
    assert first_non_finite(big) is None
    big[2, 1] = -np.inf
    assert first_non_finite(big) == (2, 1)
    small = np.ones((5, 2), np.float32)
    small[4, 0] = np.nan
    assert first_non_finite(small) == (4, 0)

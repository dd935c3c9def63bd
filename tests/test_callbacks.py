"""Tests of glassnet.callbacks with scripted logs and a tiny fake model (no training).

Expected values are worked out by hand from Keras 3's documented rules (each
test says how); the progress-bar strings follow Keras 3's format, with a fake
clock so that times are exact.
"""
from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from glassnet import callbacks as C
from glassnet.callbacks import progbar as progbar_module
from glassnet.callbacks.callback import print_msg, pythonify_logs

BAR = "\u2501" * 20  # a full Keras bar: 20 x '━'


# --------------------------------------------------------------------- fakes
class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeMetric:
    def __init__(self, name, direction=None):
        self.name = name
        if direction is not None:
            self._direction = direction


class FakeModel:
    """What callbacks may touch: stop_training, get/set_weights, optimizer.learning_rate, history."""

    def __init__(self, learning_rate=1.0, metrics=()):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.array([-1.0])]
        self.history = None
        self.metrics = list(metrics)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def run_fit(callbacks, epoch_logs, model=None, steps=2, verbose=0):
    """Drive the hooks as fit does; after epoch e the weights are [e]. Returns (model, epochs run)."""
    model = model or FakeModel()
    cbs = C.CallbackList(callbacks, add_history=True, model=model,
                         epochs=len(epoch_logs), steps=steps, verbose=verbose)
    model.stop_training = False
    cbs.on_train_begin()
    ran = 0
    for epoch, logs in enumerate(epoch_logs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, {"loss": 1.0})
        model.weights = [np.array([float(epoch)])]
        cbs.on_epoch_end(epoch, dict(logs))
        ran += 1
        if model.stop_training:
            break
    cbs.on_train_end()
    return model, ran


def losses(*values, key="val_loss"):
    return [{key: v} for v in values]


class FakeClock:
    """Replaces progbar._now: each call advances the time by ``step`` seconds."""

    def __init__(self, step, start=1000.0):
        self.t = start
        self.step = step

    def __call__(self):
        self.t += self.step
        return self.t


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    def install(step):
        fake = FakeClock(step)
        monkeypatch.setattr(progbar_module, "_now", fake)
        return fake
    return install


# -------------------------------------------------------------- Callback / list
def test_callback_base_hooks_exist_and_do_nothing():
    cb = C.Callback()
    assert cb.model is None and cb.params is None
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        assert getattr(cb, hook)(logs={}) is None
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                 "on_predict_batch_end", "on_batch_begin", "on_batch_end"):
        assert getattr(cb, hook)(0, logs={}) is None
    model = FakeModel()
    cb.set_model(model)
    cb.set_params({"epochs": 3, "steps": 5, "verbose": 0})
    assert cb.model is model and cb.params == {"epochs": 3, "steps": 5, "verbose": 0}


def test_train_batch_hooks_fall_back_to_the_batch_aliases():
    seen = []

    class Old(C.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))

    cbs = C.CallbackList([Old()])
    cbs.on_train_batch_begin(4)
    cbs.on_train_batch_end(4, {"loss": np.float32(0.5)})
    assert seen == [("begin", 4), ("end", 4, {"loss": 0.5})]


def test_callback_list_adds_history_and_progbar_once_and_sets_model_and_params():
    model = FakeModel()
    user = C.Callback()
    cbs = C.CallbackList([user], add_history=True, add_progbar=True, model=model,
                         epochs=2, steps=3, verbose=0)
    kinds = [type(cb) for cb in cbs.callbacks]
    assert kinds == [C.Callback, C.History, C.ProgbarLogger]  # user callbacks come first
    assert model.history is cbs.callbacks[1]
    assert all(cb.model is model for cb in cbs.callbacks)
    assert all(cb.params == {"epochs": 2, "steps": 3, "verbose": 0} for cb in cbs.callbacks)
    # a History / ProgbarLogger already in the list is not duplicated
    history, bar = C.History(), C.ProgbarLogger()
    cbs = C.CallbackList([history, [bar]], add_history=True, add_progbar=True)
    assert cbs.callbacks == [history, bar]


def test_callback_list_pythonifies_logs_and_shares_one_dict():
    received = []

    class Adder(C.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0

    class Reader(C.Callback):
        def on_epoch_end(self, epoch, logs=None):
            received.append(logs)

    original = {"z": np.float32(0.25), "a": np.array([2.0]), "nested": {"m": np.int64(3)}}
    C.CallbackList([Adder(), Reader()]).on_epoch_end(0, original)
    (logs,) = received
    assert list(logs) == ["a", "m", "z", "extra"]  # sorted, nested dict flattened
    assert logs == {"a": 2.0, "m": 3.0, "z": 0.25, "extra": 1.0}
    assert all(type(v) is float for v in logs.values())
    assert "extra" not in original  # the caller's dict is not modified


def test_pythonify_logs_keeps_what_float_cannot_convert():
    vec = np.array([1.0, 2.0])
    out = pythonify_logs({"b": "text", "a": vec})
    assert list(out) == ["a", "b"] and out["a"] is vec and out["b"] == "text"
    assert pythonify_logs(None) == {}


def test_callback_list_rejects_non_callbacks_and_unbalanced_end():
    with pytest.raises(TypeError, match="callbacks must be Callback instances, got str"):
        C.CallbackList(["early"])
    with pytest.raises(TypeError, match="callbacks must be a Callback or a list"):
        C.CallbackList(42)
    with pytest.raises(ValueError, match="without a matching on_xxx_begin"):
        C.CallbackList([]).on_train_end()


def test_callback_list_append_gives_model_and_params():
    model = FakeModel()
    cbs = C.CallbackList([], model=model, epochs=1, steps=1, verbose=0)
    extra = C.Callback()
    cbs.append(extra)
    assert extra.model is model and extra.params["epochs"] == 1


# ---------------------------------------------------------------------- History
def test_history_records_epochs_and_sets_model_history():
    model, ran = run_fit([], [{"loss": 0.5, "val_loss": 0.75}, {"loss": 0.25, "val_loss": 0.5}])
    history = model.history
    assert isinstance(history, C.History)
    assert history.history == {"loss": [0.5, 0.25], "val_loss": [0.75, 0.5]}
    assert history.epoch == [0, 1]


def test_history_keeps_growing_across_fits_but_epoch_restarts():
    history = C.History()
    model = FakeModel()
    run_fit([history], losses(3.0), model=model)
    run_fit([history], losses(2.0, 1.0), model=model)
    assert history.history == {"val_loss": [3.0, 2.0, 1.0]}
    assert history.epoch == [0, 1]
    assert model.history is history


# ---------------------------------------------------------------- EarlyStopping
def test_early_stopping_stops_after_patience_epochs_without_improvement():
    # best 0.8 at epoch 1; epochs 2 and 3 do not improve -> wait reaches 2 at epoch 3
    es = C.EarlyStopping(patience=2)
    model, ran = run_fit([es], losses(1.0, 0.8, 0.9, 0.85, 0.7, 0.6))
    assert ran == 4 and es.stopped_epoch == 3 and es.best == 0.8 and es.best_epoch == 1
    assert model.weights[0][0] == 3.0  # restore_best_weights is off: last weights kept


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    es = C.EarlyStopping(patience=0)
    _, ran = run_fit([es], losses(1.0, 0.5, 1.5, 0.1))
    assert ran == 3 and es.stopped_epoch == 2


def test_early_stopping_never_stops_during_epoch_zero():
    # a loop that reports epoch 0 twice (e.g. a custom loop) is never stopped at epoch 0
    model = FakeModel()
    es = C.EarlyStopping(patience=0)
    es.set_model(model)
    es.on_train_begin()
    es.on_epoch_end(0, {"val_loss": 1.0})
    es.on_epoch_end(0, {"val_loss": 2.0})
    assert model.stop_training is False and es.wait == 1
    es.on_epoch_end(1, {"val_loss": 2.0})
    assert model.stop_training is True and es.stopped_epoch == 1


def test_early_stopping_restores_best_weights_and_reports(capsys):
    es = C.EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    model, ran = run_fit([es], losses(1.0, 0.5, 0.7, 0.4))
    assert ran == 3 and model.weights[0][0] == 1.0  # weights of epoch index 1 are back
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n"
    )


def test_early_stopping_restores_best_weights_even_without_stopping(capsys):
    # Keras 3 restores at on_train_end whenever a best was recorded
    es = C.EarlyStopping(patience=5, restore_best_weights=True, verbose=1)
    model, ran = run_fit([es], losses(1.0, 0.5, 0.7))
    assert ran == 3 and es.stopped_epoch == 0 and model.weights[0][0] == 1.0
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 2.\n"


def test_early_stopping_baseline_keeps_wait_running_until_beaten():
    # without a baseline: epoch 0 best (wait 0), epochs 1, 2 worse -> stop at epoch 2
    es = C.EarlyStopping(patience=2)
    assert run_fit([es], losses(0.9, 0.95, 0.97, 0.99))[1] == 3
    # baseline 0.5 never beaten: wait is never reset, so it is 2 at epoch 1 already
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert run_fit([es], losses(0.9, 0.95, 0.97, 0.99))[1] == 2 and es.stopped_epoch == 1
    # beating the baseline resets wait as usual
    es = C.EarlyStopping(patience=2, baseline=0.5)
    assert run_fit([es], losses(0.4, 0.45, 0.47, 0.49))[1] == 3


def test_early_stopping_min_delta_needs_a_large_enough_change():
    # 0.95 is better than 1.0 by 0.05 < 0.1: no improvement -> stops at epoch 1
    es = C.EarlyStopping(monitor="loss", patience=1, min_delta=0.1)
    assert run_fit([es], losses(1.0, 0.95, 0.9, 0.85, key="loss"))[1] == 2
    es = C.EarlyStopping(monitor="loss", patience=1, min_delta=-0.1)  # sign is ignored
    assert es.min_delta == 0.1
    es = C.EarlyStopping(monitor="loss", patience=1)
    assert run_fit([es], losses(1.0, 0.95, 0.9, 0.85, key="loss"))[1] == 4


def test_early_stopping_compares_in_float32_like_keras():
    # 0.8 - 0.2 = 0.6000000000000001 in float64, but equals 0.6 in float32: not an improvement
    es = C.EarlyStopping(monitor="acc", mode="max", min_delta=0.2, patience=0)
    assert run_fit([es], losses(0.6, 0.8, 0.9, key="acc"))[1] == 2


def test_early_stopping_start_from_epoch_ignores_warm_up_epochs():
    es = C.EarlyStopping(patience=0, start_from_epoch=2)
    _, ran = run_fit([es], losses(1.0, 2.0, 3.0, 3.5, 2.0))
    assert ran == 4 and es.stopped_epoch == 3 and es.best == 3.0
    # without the warm-up, epoch 1 (2.0 > 1.0) stops it
    assert run_fit([C.EarlyStopping(patience=0)], losses(1.0, 2.0, 3.0))[1] == 2
    # monitoring never started: nothing to restore
    es = C.EarlyStopping(restore_best_weights=True, start_from_epoch=9)
    model, _ = run_fit([es], losses(1.0, 2.0))
    assert es.best_weights is None and model.weights[0][0] == 1.0


def test_early_stopping_mode_auto_rule():
    def op_for(monitor, metrics=()):
        es = C.EarlyStopping(monitor=monitor, patience=3)
        run_fit([es], losses(1.0, key=monitor), model=FakeModel(metrics=metrics))
        return es.monitor_op

    assert op_for("val_loss") is np.less and op_for("loss") is np.less
    assert op_for("val_accuracy", [FakeMetric("accuracy", "up")]) is np.greater
    assert op_for("val_mse", [FakeMetric("mse", "down")]) is np.less

    class Container:  # a Keras-like group of compiled metrics
        metrics = [FakeMetric("auc", "up")]

    assert op_for("auc", [Container()]) is np.greater
    # a compiled metric without _direction: Keras's built-in direction for its name
    assert op_for("val_mae", [FakeMetric("mae")]) is np.less
    assert op_for("val_accuracy", [FakeMetric("accuracy")]) is np.greater
    with pytest.raises(ValueError, match="monitor='val_accuracy'.*mode='min' or mode='max'"):
        op_for("val_accuracy")  # the model has no such metric: Keras cannot tell either
    # explicit modes win over names
    es = C.EarlyStopping(monitor="val_loss", mode="max", patience=0)
    assert run_fit([es], losses(1.0, 2.0, 1.5))[1] == 3 and es.monitor_op is np.greater


def test_early_stopping_warns_when_monitor_is_missing():
    es = C.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match=r"Early stopping conditioned on metric `val_loss` "
                                         r"which is not available. Available metrics are: acc,loss"):
        _, ran = run_fit([es], [{"loss": 1.0, "acc": 0.5}, {"loss": 2.0, "acc": 0.1}])
    assert ran == 2


def test_early_stopping_instance_can_be_reused():
    es = C.EarlyStopping(patience=0, restore_best_weights=True)
    run_fit([es], losses(1.0, 2.0))
    assert es.stopped_epoch == 1
    model, ran = run_fit([es], losses(5.0, 4.0, 3.0))
    assert ran == 3 and es.stopped_epoch == 0 and es.best == 3.0 and model.weights[0][0] == 2.0


@pytest.mark.parametrize("kwargs, exc, text", [
    ({"patience": -1}, ValueError, "EarlyStopping: patience must be a non-negative integer, got -1"),
    ({"patience": 1.5}, ValueError, "patience must be a non-negative integer, got 1.5"),
    ({"mode": "minimum"}, ValueError, "mode must be one of 'auto', 'min', 'max', got 'minimum'"),
    ({"min_delta": "0.1"}, TypeError, "min_delta must be a number, got str"),
    ({"baseline": float("nan")}, ValueError, "baseline must be a finite number"),
    ({"start_from_epoch": -2}, ValueError, "start_from_epoch must be a non-negative integer"),
    ({"monitor": 3}, TypeError, "monitor must be a metric name"),
])
def test_early_stopping_validates_arguments(kwargs, exc, text):
    with pytest.raises(exc, match=text.replace("(", r"\(").replace(")", r"\)")):
        C.EarlyStopping(**kwargs)


def test_early_stopping_defaults_match_keras():
    es = C.EarlyStopping()
    assert (es.monitor, es.min_delta, es.patience, es.verbose, es.mode, es.baseline,
            es.restore_best_weights, es.start_from_epoch) == (
        "val_loss", 0, 0, 0, "auto", None, False, 0)


# ------------------------------------------------------------ ReduceLROnPlateau
def lr_trace(callback, values, learning_rate=1.0, key="val_loss"):
    """Learning rate after each epoch end (the optimizer starts at ``learning_rate``)."""
    model = FakeModel(learning_rate=learning_rate)
    trace = []
    probe = C.LambdaCallback(
        on_epoch_end=lambda epoch, logs: trace.append(model.optimizer.learning_rate))
    run_fit([callback, probe], losses(*values, key=key), model=model)
    return trace


def test_reduce_lr_on_plateau_schedule_with_min_lr_floor():
    # no improvement after epoch 0; patience 1 -> halve every epoch, floored at 0.2,
    # then no change once lr == min_lr
    rl = C.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.2)
    assert lr_trace(rl, [1.0] * 6) == [1.0, 0.5, 0.25, 0.2, 0.2, 0.2]


def test_reduce_lr_on_plateau_cooldown():
    # reduce at epoch 1, cooldown epochs 2-3 (counter 2 -> 1 -> 0), wait 1 at epoch 3 -> reduce
    rl = C.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    assert lr_trace(rl, [1.0] * 6) == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_reduce_lr_on_plateau_improvements_reset_wait_and_respect_min_delta():
    rl = C.ReduceLROnPlateau(factor=0.5, patience=2)
    assert lr_trace(rl, [1.0, 0.9, 0.8, 0.85, 0.7, 0.75, 0.76]) == [1.0] * 6 + [0.5]
    # default min_delta 1e-4: a gain of 5e-5 is not an improvement
    rl = C.ReduceLROnPlateau(factor=0.5, patience=1)
    assert lr_trace(rl, [1.0, 1.0 - 5e-5]) == [1.0, 0.5]
    rl = C.ReduceLROnPlateau(monitor="acc", mode="max", factor=0.5, patience=1)
    assert lr_trace(rl, [0.1, 0.2, 0.2], key="acc") == [1.0, 1.0, 0.5]


def test_reduce_lr_on_plateau_logs_learning_rate_and_prints(capsys):
    rl = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, verbose=1)
    model, _ = run_fit([rl], losses(1.0, 2.0, key="loss"))
    # the rate in force during the epoch is logged before any reduction
    assert model.history.history["learning_rate"] == [1.0, 1.0]
    assert model.optimizer.learning_rate == 0.5
    assert capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"


def test_reduce_lr_on_plateau_warns_on_missing_monitor():
    rl = C.ReduceLROnPlateau(monitor="val_loss")
    with pytest.warns(UserWarning, match=r"Learning rate reduction is conditioned on metric "
                                         r"`val_loss` which is not available. Available metrics "
                                         r"are: loss,learning_rate\."):
        lr_trace(rl, [1.0], key="loss")


@pytest.mark.parametrize("kwargs, text", [
    ({"factor": 1.0}, r"ReduceLROnPlateau: factor must be a finite number in \[0.0, 1.0\), got 1.0"),
    ({"factor": -0.5}, r"factor must be a finite number in \[0.0, 1.0\), got -0.5"),
    ({"patience": -1}, "patience must be a non-negative integer, got -1"),
    ({"cooldown": 0.5}, "cooldown must be a non-negative integer, got 0.5"),
    ({"min_lr": -1e-3}, "min_lr must be a finite number >= 0.0, got -0.001"),
    ({"mode": "up"}, "mode must be one of 'auto', 'min', 'max', got 'up'"),
])
def test_reduce_lr_on_plateau_validates_arguments(kwargs, text):
    with pytest.raises(ValueError, match=text):
        C.ReduceLROnPlateau(**kwargs)


def test_reduce_lr_on_plateau_defaults_match_keras():
    rl = C.ReduceLROnPlateau()
    assert (rl.monitor, rl.factor, rl.patience, rl.verbose, rl.mode, rl.min_delta, rl.cooldown,
            rl.min_lr) == ("val_loss", 0.1, 10, 0, "auto", 1e-4, 0, 0.0)


# -------------------------------------------------------- LearningRateScheduler
def test_learning_rate_scheduler_applies_schedule_at_epoch_begin():
    model = FakeModel(learning_rate=1.0)
    seen = []
    sched = C.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    probe = C.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(model.optimizer.learning_rate))
    run_fit([sched, probe], losses(0, 0, 0, 0, 0), model=model)
    assert seen == [1.0, 1.0, 0.5, 0.25, 0.125]
    assert model.history.history["learning_rate"] == [1.0, 1.0, 0.5, 0.25, 0.125]


def test_learning_rate_scheduler_accepts_epoch_only_schedule_and_prints(capsys):
    model = FakeModel(learning_rate=1.0)
    run_fit([C.LearningRateScheduler(lambda epoch: 0.25 * (epoch + 1), verbose=1)],
            losses(0, 0), model=model)
    assert model.optimizer.learning_rate == 0.5
    assert capsys.readouterr().out == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.25.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.5.\n"
    )


def test_learning_rate_scheduler_rejects_bad_schedules():
    with pytest.raises(TypeError, match="schedule must be a function"):
        C.LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="schedule must return a float, got int 1"):
        run_fit([C.LearningRateScheduler(lambda epoch, lr: 1)], losses(0))
    with pytest.raises(ValueError, match="verbose must be a non-negative integer"):
        C.LearningRateScheduler(lambda e, lr: lr, verbose=-1)


# --------------------------------------------------------------- TerminateOnNaN
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -np.inf, np.float32("nan")])
def test_terminate_on_nan_stops_on_invalid_loss(bad, capsys):
    model = FakeModel()
    cbs = C.CallbackList([C.TerminateOnNaN()], model=model)
    cbs.on_train_batch_end(0, {"loss": 0.5})
    assert model.stop_training is False
    cbs.on_train_batch_end(3, {"loss": bad})
    assert model.stop_training is True
    assert capsys.readouterr().out == "Batch 3: Invalid loss, terminating training\n"


def test_terminate_on_nan_can_raise_and_ignores_missing_loss():
    cbs = C.CallbackList([C.TerminateOnNaN(raise_error=True)], model=FakeModel())
    cbs.on_train_batch_end(0, {"accuracy": 0.5})
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 7"):
        cbs.on_train_batch_end(7, {"loss": float("nan")})
    with pytest.raises(TypeError, match="raise_error must be a bool"):
        C.TerminateOnNaN(raise_error="yes")


# --------------------------------------------------------------- LambdaCallback
def test_lambda_callback_calls_given_functions_only():
    calls = []
    cb = C.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["val_loss"])),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_test_end=lambda logs: calls.append("test_end"),
    )
    run_fit([cb], losses(0.5), steps=2)
    cb.on_test_end({})
    assert calls == ["train_begin", ("batch_end", 0), ("batch_end", 1),
                     ("epoch_end", 0, 0.5), "test_end"]
    assert C.LambdaCallback().on_epoch_end(0, {}) is None


def test_lambda_callback_validates_arguments():
    with pytest.raises(TypeError, match="unknown hook name\\(s\\) on_epoch_ends"):
        C.LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="on_epoch_end must be a function, got int"):
        C.LambdaCallback(on_epoch_end=3)


# -------------------------------------------------------------------- CSVLogger
EPOCHS = [
    {"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75, "val_accuracy": 0.125},
    {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.5, "val_accuracy": 0.375},
]


def test_csv_logger_writes_sorted_header_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    run_fit([C.CSVLogger(path)], EPOCHS)
    assert path.read_bytes() == (
        b"epoch,accuracy,loss,val_accuracy,val_loss\r\n"
        b"0,0.25,0.5,0.125,0.75\r\n"
        b"1,0.5,0.25,0.375,0.5\r\n"
    )


def test_csv_logger_adds_val_columns_when_absent_and_custom_separator(tmp_path):
    path = tmp_path / "log.csv"
    run_fit([C.CSVLogger(str(path), separator=";")], [{"loss": 0.5}, {"loss": 0.25}])
    assert path.read_bytes().decode() == "epoch;loss;val_loss\r\n0;0.5;NA\r\n1;0.25;NA\r\n"


def test_csv_logger_flushes_each_row_before_training_ends(tmp_path):
    path = tmp_path / "log.csv"
    logger = C.CSVLogger(path)
    cbs = C.CallbackList([logger], model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_end(0, {"loss": 0.5, "val_loss": 1.0})
    assert path.read_bytes().decode() == "epoch,loss,val_loss\r\n0,0.5,1.0\r\n"
    cbs.on_train_end()
    assert logger.csv_file.closed


def test_csv_logger_append(tmp_path):
    path = tmp_path / "log.csv"
    run_fit([C.CSVLogger(path, append=True)], EPOCHS[:1])  # new file: header written
    run_fit([C.CSVLogger(path, append=True)], EPOCHS[1:])  # existing file: no second header
    assert path.read_bytes().decode().splitlines() == [
        "epoch,accuracy,loss,val_accuracy,val_loss",
        "0,0.25,0.5,0.125,0.75",
        "0,0.5,0.25,0.375,0.5",
    ]
    run_fit([C.CSVLogger(path)], EPOCHS[1:])  # append=False truncates
    assert path.read_bytes().decode().splitlines() == [
        "epoch,accuracy,loss,val_accuracy,val_loss", "0,0.5,0.25,0.375,0.5"]


def test_csv_logger_array_values_and_arguments(tmp_path):
    path = tmp_path / "log.csv"
    run_fit([C.CSVLogger(path)], [{"per_class": np.array([1, 2]), "val_x": 0.5}])
    # the cell is the text "[1, 2]" in double quotes, which csv then escapes
    assert path.read_bytes().decode().splitlines()[1] == '0,"""[1, 2]""",0.5'
    with pytest.raises(ValueError, match="separator must be a one-character string, got ';;'"):
        C.CSVLogger(path, separator=";;")
    with pytest.raises(TypeError, match="filename must be a path"):
        C.CSVLogger(3)
    with pytest.raises(TypeError, match="append must be a bool"):
        C.CSVLogger(path, append="yes")


# ------------------------------------------------------------- progress output
def drive_fit(verbose, epochs, steps, batch_logs, epoch_logs, params_steps="same"):
    model = FakeModel()
    cbs = C.CallbackList([], add_history=True, add_progbar=True, model=model, epochs=epochs,
                         steps=steps if params_steps == "same" else params_steps, verbose=verbose)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, batch_logs)
        # a validation pass inside fit prints nothing
        cbs.on_test_begin()
        cbs.on_test_batch_end(0, {"loss": 9.0})
        cbs.on_test_end({"loss": 9.0})
        cbs.on_epoch_end(epoch, epoch_logs)
    cbs.on_train_end()


# With the fake clock each _now() call adds 5 ms: the bar is created at t0, update k at
# t0 + 5k ms.  Steps after the first take 5 ms each; the final update (one more call)
# comes 20 ms after step 1 for 3 more steps: 20/3 = 6.7 -> "7ms/step", elapsed 25 ms -> "0s".
EXPECTED_LINE = (f"4/4 {BAR} 0s 7ms/step - accuracy: 0.5000 - loss: 0.2500 - "
                 f"val_accuracy: -0.5000 - val_loss: 5.0000e-04")
EPOCH_LOGS = {"val_loss": 0.0005, "loss": 0.25, "val_accuracy": -0.5, "accuracy": 0.5}


def test_progbar_logger_non_tty_prints_one_plain_line_per_epoch(capsys, clock):
    clock(0.005)
    drive_fit(1, 3, 4, {"loss": 0.75, "accuracy": 0.1}, EPOCH_LOGS)
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out and "\b" not in out
    assert out.splitlines() == [line for e in (1, 2, 3) for line in (f"Epoch {e}/3", EXPECTED_LINE)]


def test_progbar_logger_tty_draws_the_bar_in_place(monkeypatch, clock):
    clock(0.005)  # 5 ms per step < 50 ms: only the first step and the final update are drawn
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stdout", tty)
    drive_fit(1, 1, 4, {"loss": 0.75, "accuracy": 0.1}, EPOCH_LOGS)
    out = tty.getvalue()
    assert "Epoch" not in out  # a single epoch gets no "Epoch 1/1" header
    frames = out.split("\r")[1:]
    assert len(frames) == 2 and out.endswith("\n") and out.count("\n") == 1
    first = ("\x1b[1m1/4\x1b[0m \x1b[32m" + "\u2501" * 5 + "\x1b[0m\x1b[37m" + "\u2501" * 15
             + "\x1b[0m \x1b[1m0s\x1b[0m 5ms/step - accuracy: 0.1000 - loss: 0.7500")
    # the ETA is 3 steps x 5 ms = 0s; backspaces over the previous frame precede each '\r'
    assert frames[0] == first + "\b" * len("1/4 " + "\u2501" * 20 + " 0s 5ms/step - accuracy: "
                                           "0.1000 - loss: 0.7500")
    last = frames[1]
    assert last.startswith("\x1b[1m4/4\x1b[0m \x1b[32m" + BAR + "\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m")
    plain = last.replace("\x1b[1m", "").replace("\x1b[32m", "").replace("\x1b[37m", "")
    assert plain.replace("\x1b[0m", "") == EXPECTED_LINE + "\n"


def test_progbar_logger_tty_redraws_every_update_when_slow(monkeypatch, clock):
    clock(0.1)  # 100 ms per step > 50 ms interval: every step is drawn, then the final one
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stdout", tty)
    drive_fit(1, 2, 4, {"loss": 0.75}, {"loss": 0.5})
    out = tty.getvalue()
    assert out.count("\r") == 2 * (4 + 1)
    assert out.startswith("Epoch 1/2\n\r") and "\nEpoch 2/2\n\r" in out
    # step 2: 100 ms per step after the first, 2 steps left -> ETA "0s"; step 1 was 100 ms too
    assert "\x1b[1m2/4\x1b[0m" in out and " 100ms/step - loss: 0.7500" in out


def test_progbar_logger_verbose_2_prints_keras_summary_line(capsys, clock):
    clock(0.005)
    drive_fit(2, 2, 4, {"loss": 0.75}, EPOCH_LOGS)
    out = capsys.readouterr().out
    # verbose=2 updates the bar only at the end: 4 steps in 5 ms -> 1.25 ms -> "1ms/step".
    # It keeps Keras's signed test: -0.5 is not > 1e-3, so it is shown as -5.0000e-01
    line = ("4/4 - 0s - 1ms/step - accuracy: 0.5000 - loss: 0.2500 - "
            "val_accuracy: -5.0000e-01 - val_loss: 5.0000e-04")
    assert out == f"Epoch 1/2\n{line}\nEpoch 2/2\n{line}\n"


def test_progbar_logger_verbose_0_is_silent(capsys, clock):
    clock(0.005)
    drive_fit(0, 2, 3, {"loss": 0.75}, {"loss": 0.5})
    assert capsys.readouterr().out == ""


def test_progbar_logger_accepts_zero_epochs(capsys):
    cbs = C.CallbackList([], add_history=True, add_progbar=True, model=FakeModel(), epochs=0,
                         steps=3, verbose=1)
    cbs.on_train_begin()
    cbs.on_train_end()
    assert capsys.readouterr().out == ""


def test_progbar_logger_unknown_steps_uses_steps_seen(capsys, clock):
    clock(0.5)
    drive_fit(1, 1, 3, {"loss": 0.75}, {"loss": 0.5}, params_steps=None)
    # updates at +0.5, 1.0, 1.5 s, final at +2.0 s: 1.5 s after step 1 for 2 more steps
    # = 750 ms per step; elapsed 2.0 s
    assert capsys.readouterr().out == f"3/3 {BAR} 2s 750ms/step - loss: 0.5000\n"


def test_progbar_logger_evaluate_and_predict(capsys, clock):
    clock(0.005)
    cbs = C.CallbackList([], add_progbar=True, model=FakeModel(), epochs=1, steps=2, verbose=1)
    cbs.on_test_begin()
    for batch in range(2):
        cbs.on_test_batch_end(batch, {"loss": 1.0, "mse": 2.0})
    cbs.on_test_end({"mse": 0.5, "loss": 0.25})
    cbs.on_predict_begin()
    for batch in range(2):
        cbs.on_predict_batch_end(batch, {"outputs": np.zeros(3)})
    cbs.on_predict_end()
    # final update 10 ms after step 1, for 1 more step -> 10ms/step
    assert capsys.readouterr().out == (f"2/2 {BAR} 0s 10ms/step - loss: 0.2500 - mse: 0.5000\n"
                                       f"2/2 {BAR} 0s 10ms/step\n")


def test_progbar_averages_stateless_metrics(monkeypatch, clock):
    clock(1.0)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stdout", tty)
    bar = C.Progbar(target=4, interval=0.0)
    bar.update(1, [("loss", 1.0)])
    bar.update(3, [("loss", 4.0)])  # covers 2 steps: (1*1 + 4*2) / 3 = 3.0
    assert tty.getvalue().endswith("loss: 3.0000")
    bar.add(1, [("loss", 8.0)])  # reaches the target: finalize shows the value given
    assert tty.getvalue().endswith("loss: 8.0000\n")
    stateful = C.Progbar(target=4, stateful_metrics=["acc"], verbose=0)
    stateful.update(1, [("acc", 0.5)])
    stateful.update(2, [("acc", 0.25)])
    assert stateful._values["acc"] == [0.25, 1]


def test_progbar_formats_times_and_small_values():
    fmt = C.Progbar._format_time
    assert [fmt(t, "step") for t in (0, 2.4, 0.004, 0.00012)] == [
        " 0s/step", " 2s/step", " 4ms/step", " 120us/step"]
    assert [progbar_module._format_eta(t) for t in (45.7, 187, 3723)] == ["45s", "3:07", "1:02:03"]
    bar = C.Progbar(target=3, verbose=0)
    bar.update(1, [("a", 0.0005), ("b", -0.5), ("c", -0.0005), ("d", 0.0)])
    assert bar._metrics_text(signed=False) == (
        " - a: 5.0000e-04 - b: -0.5000 - c: -5.0000e-04 - d: 0.0000e+00")


def test_progbar_validates_arguments():
    with pytest.raises(ValueError, match="target must be a non-negative integer or None, got -1"):
        C.Progbar(target=-1)
    with pytest.raises(ValueError, match="verbose must be one of 0, 1, 2, got 3"):
        C.Progbar(target=3, verbose=3)
    with pytest.raises(ValueError, match="not both"):
        C.Progbar(target=3, stateful_metrics=["a"], stateless_metrics=["b"])
    with pytest.raises(ValueError, match="ProgbarLogger: verbose must be one of"):
        C.ProgbarLogger().set_params({"verbose": 5, "epochs": 1, "steps": 1})


def test_print_msg_falls_back_when_stream_cannot_encode_the_bar(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    print_msg(f"1/1 {BAR[:3]} done")
    assert raw.getvalue() == b"1/1 === done\n"

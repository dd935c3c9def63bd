"""One playground session: a data set, a glassnet model, and a background thread that trains it.

A browser tab owns one :class:`Session`.  Everything that touches the model
(training, inspection, export) holds ``session.lock``; what the page is sent
(the session description, the loss history and the latest *frame*) is
published under ``session.cond`` so that any number of event streams can read
it without ever waiting for training.  The controls answer at once while the
session trains: play, pause and a speed change never take ``session.lock`` (they
republish the latest frame), and a change that rebuilds the network (or reset,
or close) stops the epoch in progress after its current mini-batch; only step,
explain and the exports wait for the epoch in progress to end.

The run is the one the exported script reproduces
--------------------------------------------------
The model is built from the parameters with glassnet's global seed set to the
session's seed (exactly as the exported script's ``utils.set_random_seed(SEED)``
does; the previous global seed is restored afterwards), and trained with
``model.fit(..., epochs=k)`` chunks: ``fit`` draws its shuffling from the
model's own generator, so k chunks of one epoch give the same weights as one
``fit(epochs=k)``.  Any change of a parameter (except the speed) rebuilds the
network from epoch 0, so the page always shows one uninterrupted run, and the
exported script run for the same number of epochs ends on the same weights.

Units: *step* = one epoch (one pass over the training points, in mini-batches
of ``batch_size``); *play* trains ``epochs_per_update`` epochs per view update,
at most ``max_fps`` updates per second.
"""
from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import secrets
import sys
import tempfile
import threading
import time
import traceback

import numpy as np

from ..callbacks import Callback
from . import codegen, health
from .encoding import b64 as _b64, jsonable as _jsonable, num as _num, quantize as _quantize
from .params import DATASETS, FEATURES, LOCAL_DATASETS, LIVE_PARAMS, ParamError, make_features, n_train, validate

OUT_RES = 80      # the decision boundary / regression surface: OUT_RES x OUT_RES values
THUMB_RES = 24    # each neuron's output over the input plane: THUMB_RES x THUMB_RES values
HISTORY_MAX = 4000  # loss history points kept (halved when reached)
CHUNK_BUDGET = 0.25  # seconds of training at most between two view updates
MAX_STEP_EPOCHS = 2000  # one "step" request trains at most this many epochs (a shared URL's epoch count)
DEAD_BELOW = 1e-3   # with L1 on, a weight this close to 0 is drawn as a dead link

_BUILD_LOCK = threading.Lock()
# Sessions that train at the same moment (process-wide).  The models are small, so training is bound by
# Python (the GIL), not by the cores: more threads at once add no speed, but each one delays every
# request the server answers (a thread waiting for the GIL waits for all of them in turn).  With at most
# this many training, play/pause/settings answer within ~100 ms even with 16 sessions playing.
TRAINING_SLOTS = max(1, min(2, os.cpu_count() or 1))


class _FairSlots:
    """A semaphore that serves its waiters in arrival order (every playing session gets its turn)."""

    def __init__(self, n: int):
        self._cond = threading.Condition()
        self._free = n
        self._queue = collections.deque()

    def acquire(self, give_up) -> bool:
        """Wait for a slot, first come first served; False (no slot taken) as soon as ``give_up()``."""
        me = object()
        with self._cond:
            self._queue.append(me)
            try:
                while not (self._free > 0 and self._queue[0] is me):
                    if give_up():
                        return False
                    self._cond.wait(timeout=0.1)
                self._free -= 1
                return True
            finally:
                self._queue.remove(me)
                self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._free += 1
            self._cond.notify_all()


_TRAINING = _FairSlots(TRAINING_SLOTS)


class _RequestGate:
    """Requests being answered: training steps aside (at mini-batch boundaries) while there are any.

    Python runs one thread at a time; a request competing with training threads for it waits for
    them in turn at every step.  The server wraps each request (not the event streams) in
    :meth:`request`; training waits in :meth:`wait_clear` after each mini-batch, at most
    ``MAX_YIELD`` seconds, so that a flood of requests slows training but cannot stop it.
    """

    MAX_YIELD = 0.1

    def __init__(self):
        self._cond = threading.Condition()
        self._active = 0

    @contextlib.contextmanager
    def request(self):
        with self._cond:
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()

    def wait_clear(self, stop) -> None:
        if not self._active:              # the usual case: no lock taken
            return
        end = time.monotonic() + self.MAX_YIELD
        with self._cond:
            while self._active and not stop():
                left = end - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(min(left, 0.005))


REQUESTS = _RequestGate()


@contextlib.contextmanager
def _global_seed(seed):
    """Run the block with glassnet's global seed set to ``seed``; restore the previous state after.

    Every model the playground builds goes through this lock, so sessions built at the
    same time do not draw from each other's seed sequence.
    """
    from .. import random as gn_random

    with _BUILD_LOCK, gn_random.seed_scope(seed):
        yield


def _plane(extent, res):
    """Grid points of [-extent, extent]^2, row-major from the top-left corner (x2 = +extent)."""
    h = 2.0 * extent / res
    c = np.linspace(-extent + h / 2, extent - h / 2, res)
    x1, x2 = np.meshgrid(c, c[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1).astype(np.float32)


def make_data(params):
    """``(x2d_train, y_train, x2d_test, y_test)``: the points (2-D) and targets (float32, (n, 1))."""
    from .. import datasets
    from . import data as local_data

    name = DATASETS[params["dataset"]][0]
    fn = getattr(local_data if name in LOCAL_DATASETS else datasets, name)
    x2d, y = fn(n_samples=params["n_samples"], noise=params["noise"], seed=params["seed"])
    y = y.astype(np.float32).reshape(-1, 1)
    order = np.random.default_rng(params["seed"]).permutation(len(x2d))
    k = n_train(params)
    return x2d[order[:k]], y[order[:k]], x2d[order[k:]], y[order[k:]]


def problem_of(params) -> str:
    return DATASETS[params["dataset"]][2]


def build_model(params, n_inputs):
    """The network of ``params``, built and compiled exactly as the exported script builds it."""
    from .. import optimizers, regularizers
    from ..layers import Dense, Dropout, Input
    from ..models import Sequential

    def regularizer():
        rate = params["regularization_rate"]
        if params["regularization"] == "l1" and rate > 0:
            return regularizers.L1(rate)
        if params["regularization"] == "l2" and rate > 0:
            return regularizers.L2(rate)
        return None

    classification = problem_of(params) == "classification"
    with _global_seed(params["seed"]):
        layers = [Input(shape=(n_inputs,))]
        for i, units in enumerate(params["hidden"], start=1):
            layers.append(Dense(units, activation=params["activation"], kernel_regularizer=regularizer(),
                                name=f"hidden_{i}"))
            if params["dropout"] > 0:
                layers.append(Dropout(params["dropout"], name=f"dropout_{i}"))
        layers.append(Dense(1, activation="sigmoid" if classification else None,
                            kernel_regularizer=regularizer(), name="output"))
        model = Sequential(layers, name="playground")
    opt_class = getattr(optimizers, codegen.optimizer_class(params))
    opt_kwargs = {"learning_rate": params["learning_rate"]}
    if params["optimizer"] == "sgd" and params["momentum"] > 0:
        opt_kwargs["momentum"] = params["momentum"]
    model.compile(optimizer=opt_class(**opt_kwargs),
                  loss="binary_crossentropy" if classification else "mean_squared_error")
    return model


def _addr(a) -> int:
    return a.__array_interface__["data"][0]


class _LastStep(Callback):
    """Keeps a copy of the flat weights before each mini-batch step, for the 'last update' shown in the page.

    After each mini-batch it also stops ``fit`` when ``interrupted()`` says so (a request that replaces
    the model is waiting: it should not wait for the rest of the epoch).
    """

    def __init__(self, model, interrupted=None, background=None):
        super().__init__()
        self.params_vector = model.params
        self.before = model.params.copy()
        self.interrupted = interrupted
        self.background = background      # True when called from the session's own training thread

    def on_train_batch_begin(self, batch, logs=None):
        np.copyto(self.before, self.params_vector)

    def on_train_batch_end(self, batch, logs=None):
        if self.interrupted is None:
            return
        if self.background is not None and self.background():   # (a request's own step does not wait)
            REQUESTS.wait_clear(self.interrupted)      # a request is being answered: let it run first
        if self.interrupted():
            self.model.stop_training = True


class Session:
    """A data set, a model and its training thread, for one browser tab.

    Args:
        params: a (possibly partial) parameter dict; validated (``ParamError`` if bad).
        max_fps: at most this many view updates per second while playing.
    """

    def __init__(self, params=None, *, max_fps=30.0):
        self.id = secrets.token_urlsafe(9)
        self.max_fps = float(max_fps)
        self.lock = threading.RLock()            # the model and everything it trains on
        self.cond = threading.Condition()        # what is published to the event streams
        self._ctl = threading.Condition()        # running / closed flags for the worker
        self._running = False
        self.closed = False
        self._interrupts = 0                     # requests waiting to replace the model (under _ctl)
        self._config_lock = threading.Lock()     # one configure at a time
        self.training = False                    # the worker is inside a training chunk
        # published state (read by the streams under self.cond)
        self.info_seq = 0
        self.info_json = None
        self.frame_seq = 0
        self.frame_json = None
        self.history: list = []
        self.history_version = 0
        # liveness, maintained by the server
        self.clients = 0
        self.ever_streamed = False
        self.last_seen = time.monotonic()
        self.created = time.monotonic()
        self._frame_times = collections.deque(maxlen=64)
        self.frames_trained = 0
        self.notice = None
        self.params = None
        with self.lock:
            self._rebuild(validate(params or {}))
        self._thread = threading.Thread(target=self._worker, name=f"playground-session-{self.id}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ building
    def _rebuild(self, params) -> None:
        """(Re)create data and model from ``params``; epoch 0; publish the new description. Holds lock."""
        x2d_tr, y_tr, x2d_te, y_te = make_data(params)
        keys = params["features"]
        model = build_model(params, len(keys))
        # The page reports a diverged run itself (a notice, training paused): no warning on stderr too.
        model.silence_divergence_warning()
        self.params = params
        self.problem = problem_of(params)
        self.x2d_train, self.y_train, self.x2d_test, self.y_test = x2d_tr, y_tr, x2d_te, y_te
        self.x_train = make_features(x2d_tr, keys)
        self.x_test = make_features(x2d_te, keys)
        self.model = model
        self.dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
        self.epoch = 0
        self.notice = None
        self.edited = []                          # weights set by hand since the build: (what, old, new)
        self._recorder = _LastStep(model, interrupted=lambda: self._interrupts > 0 or self.closed,
                                   background=lambda: threading.current_thread() is self._thread)
        self._has_last = False
        self._last_grads = None
        self._last_update = None
        self._explain_rng = np.random.default_rng(params["seed"] + 1)
        base = _addr(model.params)
        item = model.params.itemsize
        self._offsets = []
        for layer in self.dense:
            entry = []
            for var in (layer.kernel, layer.bias):
                start = (_addr(var.value) - base) // item
                entry.append((start, var.value.size, var.value.shape))
            self._offsets.append(entry)
        all_x = np.concatenate([x2d_tr, x2d_te])
        self.extent = float(max(1.0, math.ceil(float(np.abs(all_x).max()) * 1.1 * 10) / 10))
        if self.problem == "classification":
            self.out_range = (0.0, 1.0)
        else:
            r = float(np.abs(np.concatenate([y_tr, y_te])).max())
            r = max(0.1, math.ceil(r * 10) / 10)
            self.out_range = (-r, r)
        self._grid_out = make_features(_plane(self.extent, OUT_RES), keys)
        self._grid_thumb = make_features(_plane(self.extent, THUMB_RES), keys)
        info = self._info()
        with self.cond:
            self.info_seq += 1
            info["build"] = self.info_seq
            self.info_json = json.dumps(info, separators=(",", ":"), allow_nan=False)
            self.history = []
            self.history_version += 1
        self._publish(self._make_frame(), record=True)

    def _info(self) -> dict:
        """The static description of the session the page draws with (points, sizes, names)."""
        keys = self.params["features"]
        input_maps = []
        for j in range(len(keys)):
            col = self._grid_thumb[:, j]
            m = float(np.abs(col).max()) or 1.0
            lo = 0.0 if col.min() >= 0 else -m
            input_maps.append({"data": _quantize(col, lo, m), "lo": lo, "hi": m})

        def pts(x2d, y):
            return np.round(np.concatenate([x2d, y], axis=1).astype(np.float64), 4).tolist()

        return {
            "id": self.id,
            "params": self.params,
            "problem": self.problem,
            "features": [{"key": k, "label": FEATURES[k][0], "expression": FEATURES[k][1]} for k in keys],
            "sizes": [len(keys)] + [layer.units for layer in self.dense],
            "layer_names": [layer.name for layer in self.dense],
            "activations": [layer.activation.name for layer in self.dense],
            "extent": self.extent,
            "out_range": list(self.out_range),
            "out_res": OUT_RES,
            "thumb_res": THUMB_RES,
            "input_maps": input_maps,
            "n_train": int(len(self.x_train)),
            "dead_below": DEAD_BELOW if self.params["regularization"] == "l1" and
            self.params["regularization_rate"] > 0 else None,
            "n_test": int(len(self.x_test)),
            "points": {"train": pts(self.x2d_train, self.y_train), "test": pts(self.x2d_test, self.y_test)},
        }

    # ------------------------------------------------------------------ frames
    def _losses(self):
        m = self.model
        tr = m.evaluate(self.x_train, self.y_train, batch_size=len(self.x_train), verbose=0)
        te = m.evaluate(self.x_test, self.y_test, batch_size=len(self.x_test), verbose=0)
        return float(tr), float(te)

    def _make_frame(self) -> dict:
        """Everything the page redraws: losses, the output over the plane, each neuron's output, weights."""
        m = self.model
        with np.errstate(all="ignore"):
            train_loss, test_loss = self._losses()
            frame = {"epoch": self.epoch, "running": self._running, "build": self.info_seq,
                     "train_loss": _num(train_loss), "test_loss": _num(test_loss), "notice": self.notice}
            if self.problem == "classification":
                p_tr = m.predict(self.x_train, batch_size=len(self.x_train), verbose=0)
                p_te = m.predict(self.x_test, batch_size=len(self.x_test), verbose=0)
                frame["train_accuracy"] = _num(np.mean((p_tr > 0.5) == (self.y_train > 0.5)))
                frame["test_accuracy"] = _num(np.mean((p_te > 0.5) == (self.y_test > 0.5)))
            out = m.predict(self._grid_out, batch_size=len(self._grid_out), verbose=0)
            lo, hi = self.out_range
            frame["out"] = _quantize(out[:, 0], lo, hi)
            maps = []
            a = self._grid_thumb
            for layer in m.layers:
                a = layer.forward(a, training=False)
                if type(layer).__name__ == "Dense":
                    if layer.name == "output":
                        maps.append(_quantize(a.T, lo, hi))
                    else:
                        maps.append(_quantize(a.T, -1.0, 1.0))
            frame["maps"] = maps
            layers = []
            for layer, ((k0, kn, _), (b0, bn, _)) in zip(self.dense, self._offsets):
                entry = {"W": _b64(layer.kernel.value, "<f4"), "b": _b64(layer.bias.value, "<f4")}
                if self._has_last:
                    entry["dW"] = _b64(self._last_grads[k0:k0 + kn], "<f4")
                    entry["db"] = _b64(self._last_grads[b0:b0 + bn], "<f4")
                    entry["uW"] = _b64(self._last_update[k0:k0 + kn], "<f4")
                    entry["ub"] = _b64(self._last_update[b0:b0 + bn], "<f4")
                layers.append(entry)
            frame["layers"] = layers
            frame["doctor"] = self._doctor()
            frame["edited"] = len(self.edited)
            if self.params["regularization"] == "l1" and self.params["regularization_rate"] > 0:
                frame["dead_links"] = int(sum(np.sum(np.abs(layer.kernel.value) < DEAD_BELOW)
                                              for layer in self.dense))
        return frame

    def _doctor(self) -> dict:
        """The per-layer health numbers on (up to 256) training rows, and the training doctor's findings
        (``glassnet.doctor.diagnose``) from them and the loss history (see :mod:`.health`)."""
        grads = updates = None
        if self._has_last:
            grads = [self._last_grads[k0:k0 + kn] for (k0, kn, _), _b in self._offsets]
            updates = [self._last_update[k0:k0 + kn] for (k0, kn, _), _b in self._offsets]
        records = health.layer_records(self.model, self.x_train, grads, updates)
        with self.cond:                  # the loss history so far (test loss as the validation loss)
            points = [p for p in self.history if p[1] is not None and p[2] is not None and p[0] > 0]
        # a point is the loss after p[0] epochs: the doctor's (0-based) epoch p[0] - 1
        history = {"epoch": [p[0] - 1 for p in points], "loss": [p[1] for p in points],
                   "val_loss": [p[2] for p in points]}
        found = health.findings(records, history, epoch=max(self.epoch - 1, 0), model=self.model)
        return {"epoch": self.epoch, "probe_rows": int(min(len(self.x_train), health.PROBE)),
                "layers": records, "findings": found}

    def _publish(self, frame, record=False) -> None:
        """Make ``frame`` the latest one (and add a point to the loss history when ``record``)."""
        now = time.monotonic()
        if record:
            self._frame_times.append(now)
        times = [t for t in self._frame_times if now - t <= 1.0]
        frame["ups"] = len(times) if len(times) > 1 else 0
        with self.cond:
            # the flag as it is now: a pause that came while this frame was being made has already
            # republished the previous frame as paused, and this one must not undo that
            frame["running"] = self._running
            self.frame_seq += 1
            frame["seq"] = self.frame_seq
            self.frame_json = json.dumps(frame, separators=(",", ":"), allow_nan=False)
            if record and (not self.history or self.history[-1][0] < self.epoch):
                self.history.append([self.epoch, frame["train_loss"], frame["test_loss"]])
                if len(self.history) > HISTORY_MAX:
                    self.history = self.history[::2] + ([self.history[-1]] if len(self.history) % 2 == 0 else [])
                    self.history_version += 1
            self.cond.notify_all()

    # ------------------------------------------------------------------ training
    def _fit(self, epochs: int) -> bool:
        """Train ``epochs`` epochs (holds lock); note the last mini-batch's gradient and update.

        Returns False when a request that replaces the model (new parameters, reset, close)
        interrupted the epoch: the partial epoch is not counted (the model is about to be rebuilt).
        """
        m = self.model
        p = self.params
        with np.errstate(all="ignore"):
            hist = m.fit(self.x_train, self.y_train, batch_size=p["batch_size"], epochs=epochs, verbose=0,
                         callbacks=[self._recorder])
        if m.stop_training:
            return False
        self.epoch += epochs
        self._last_grads = m.grads.copy()
        self._last_update = m.params - self._recorder.before
        self._has_last = True
        losses = hist.history.get("loss", [])
        if losses and not math.isfinite(losses[-1]):
            self._set_running(False)
            self.notice = (f"Training diverged at epoch {self.epoch} (the loss is not a number): "
                           f"lower the learning rate and press reset.")
        return True

    def _train_chunk(self) -> bool:
        t0 = time.monotonic()
        for _ in range(self.params["epochs_per_update"]):
            if not self._fit(1):
                return False
            if not self._running or time.monotonic() - t0 > CHUNK_BUDGET:
                break
        return True

    @contextlib.contextmanager
    def _replacing(self):
        """Hold the lock to replace the model: the epoch in progress stops after its current mini-batch."""
        with self._ctl:
            self._interrupts += 1
        try:
            self.lock.acquire()
        finally:
            with self._ctl:
                self._interrupts -= 1
                self._ctl.notify_all()
        try:
            yield
        finally:
            self.lock.release()

    def _set_running(self, value: bool) -> None:
        with self._ctl:
            self._running = bool(value) and not self.closed
            self._ctl.notify_all()

    def _worker(self) -> None:
        period = 1.0 / self.max_fps
        next_start = 0.0
        while True:
            with self._ctl:
                while not (self._running or self.closed):
                    self._ctl.wait()
                if self.closed:
                    return
                # a request is replacing the model: let it have the lock first
                self._ctl.wait_for(lambda: self._interrupts == 0 or self.closed, timeout=1.0)
                delay = next_start - time.monotonic()
                if delay > 0:      # pace the updates; pause/close wake us at once
                    self._ctl.wait_for(lambda: not self._running or self.closed, timeout=delay)
                    if not self._running or self.closed:
                        continue
            next_start = time.monotonic() + period
            if not _TRAINING.acquire(give_up=lambda: not self._running or self.closed):
                continue                                # paused or closed while waiting for its turn
            try:
                with self.lock:
                    if not self._running or self.closed:
                        continue
                    self.training = True
                    try:
                        completed = self._train_chunk()
                        if completed:
                            self.frames_trained += 1
                            frame = self._make_frame()
                    finally:
                        self.training = False
                if completed:
                    self._publish(frame, record=True)
            except Exception as exc:  # keep the server alive; tell the page
                traceback.print_exc(file=sys.stderr)
                self._set_running(False)
                with self.lock:
                    self.notice = f"Training stopped: {type(exc).__name__}: {exc}"
                    self._publish(self._make_frame())
            finally:
                _TRAINING.release()
            time.sleep(0.001)   # let request handlers waiting for the lock in

    # ------------------------------------------------------------------ controls
    @property
    def running(self) -> bool:
        return self._running

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    def _republish(self) -> None:
        """Publish the latest frame again with the current ``running`` flag (no model access, no lock)."""
        with self.cond:
            frame = json.loads(self.frame_json)
            frame["running"] = self._running
            frame["notice"] = self.notice
            self.frame_seq += 1
            frame["seq"] = self.frame_seq
            self.frame_json = json.dumps(frame, separators=(",", ":"), allow_nan=False)
            self.cond.notify_all()

    def configure(self, raw) -> dict:
        """Apply new parameters (partial dict).  Rebuilds from epoch 0 unless only the speed changed.

        Answers at once while the session trains: a speed change needs no lock, and a rebuild stops
        the epoch in progress after its current mini-batch (that partial epoch is discarded anyway).
        """
        with self._config_lock:
            params = validate(raw, base=self.params)      # merged onto the params in force now
            changed = {k for k in params if params[k] != self.params[k]}
            if changed and changed <= LIVE_PARAMS:
                self.params = params
                with self.cond:
                    info = json.loads(self.info_json)
                    info["params"] = params
                    self.info_json = json.dumps(info, separators=(",", ":"), allow_nan=False)
                self._republish()
            elif changed:
                with self._replacing():
                    self._rebuild(params)
            return self.params

    def play(self) -> None:
        if self.notice and self.notice.startswith("Training diverged"):
            raise ParamError([self.notice])
        self._set_running(True)
        self._republish()

    def pause(self) -> None:
        """Stop training: answers at once; the epoch in progress (if any) still completes, then no more.

        ``wait_idle()`` returns once that epoch is over.
        """
        self._set_running(False)
        self._republish()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """After ``pause``: wait until the epoch in progress is over (True), or ``timeout`` seconds (False)."""
        if self.lock.acquire(timeout=timeout):
            self.lock.release()
            return True
        return False

    def step(self, epochs: int = 1) -> int:
        """Pause, then train exactly ``epochs`` epochs (default 1); returns the epoch count."""
        self._set_running(False)
        with self.lock:
            if self.notice and self.notice.startswith("Training diverged"):
                raise ParamError([self.notice])
            if self._fit(epochs):
                self._publish(self._make_frame(), record=True)
            return self.epoch

    def set_weight(self, raw) -> dict:
        """Set one weight or bias by hand (pauses training): ``{"layer": l, "from": i, "to": j, "value": v}``
        sets W^l[i, j] (l = 1 is the first Dense layer), ``{"layer": l, "to": j, "value": v}`` sets b^l[j].

        Returns the losses before and after.  The edit stays until the next rebuild or reset.
        """
        if not isinstance(raw, dict):
            raise ParamError(["the weight must be a JSON object such as {\"layer\": 1, \"from\": 0, \"to\": 0, "
                              "\"value\": 0.5}"])
        unknown = sorted(set(raw) - {"layer", "from", "to", "value"})
        if unknown:
            raise ParamError([f"unknown key(s) {', '.join(map(repr, unknown))} (known: layer, from, to, value)"])
        from .params import Checker
        c = Checker()
        layer_no = c.integer(raw.get("layer"), "layer (1 = the first Dense layer)", 1, len(self.dense))
        if c.problems:
            raise ParamError(c.problems)
        layer = self.dense[layer_no - 1]
        n_in, n_out = layer.kernel.value.shape
        to = c.integer(raw.get("to"), f"to (a unit of layer {layer_no})", 0, n_out - 1)
        frm = None if raw.get("from") is None else c.integer(raw.get("from"), f"from (an input of layer "
                                                                                  f"{layer_no})", 0, n_in - 1)
        value = c.number(raw.get("value"), "value", -1e3, 1e3)
        if c.problems:
            raise ParamError(c.problems)
        self._set_running(False)
        with self.lock:
            before = self._losses()
            if frm is None:
                old = float(layer.bias.value[to])
                layer.bias.value[to] = value
                what = f"b{layer_no}[{to}]"
            else:
                old = float(layer.kernel.value[frm, to])
                layer.kernel.value[frm, to] = value
                what = f"W{layer_no}[{frm}, {to}]"
            self.edited.append((what, old, float(value)))
            frame = self._make_frame()
            self._publish(frame)
            return {"set": what, "old": _num(old), "value": float(value),
                    "train_loss_before": _num(before[0]), "test_loss_before": _num(before[1]),
                    "train_loss": frame["train_loss"], "test_loss": frame["test_loss"], "epoch": self.epoch}

    def reset(self) -> None:
        """Back to epoch 0: the same data and the same initial weights (same seed)."""
        with self._replacing():
            self._rebuild(self.params)

    def close(self) -> None:
        self.closed = True
        self._set_running(False)
        with self.cond:
            self.cond.notify_all()

    def state(self) -> dict:
        with self.cond:
            frame = json.loads(self.frame_json)
        return {"id": self.id, "params": self.params, "epoch": frame["epoch"], "running": self._running,
                "train_loss": frame["train_loss"], "test_loss": frame["test_loss"],
                "train_accuracy": frame.get("train_accuracy"), "test_accuracy": frame.get("test_accuracy"),
                "frames": self.frame_seq, "clients": self.clients, "notice": self.notice}

    def updates_per_second(self) -> float:
        """View updates produced per second by training, over the last (up to 64) updates."""
        times = list(self._frame_times)
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    # ------------------------------------------------------------------ inspection and export
    def _clone(self):
        """A copy of the model with the same weights and optimizer state (to trace a step on)."""
        from .. import optimizers
        from ..models import Sequential

        m = self.model
        with _global_seed(None):
            clone = Sequential.from_config(m.get_config())
        clone.set_weights(m.get_weights())
        opt = optimizers.deserialize(optimizers.serialize(m.optimizer))
        clone.compile(optimizer=opt, loss=m.loss)
        if m.optimizer.built and opt.built:
            opt.set_weights([v.numpy() for v in m.optimizer.variables])
        return clone

    def explain(self, max_rows: int = 8) -> dict:
        """Pause, and trace one mini-batch step on a copy of the network (the run itself is unchanged).

        Returns the notes' quantities per layer (z, a, delta, dC/dW, dC/db, update), the
        batch's first ``max_rows`` rows only for the per-sample matrices.
        """
        from ..inspect import trace_step

        self.pause()
        with self.lock:            # waits for the epoch in progress
            n = len(self.x_train)
            size = min(self.params["batch_size"], n)
            idx = np.sort(self._explain_rng.choice(n, size=size, replace=False))
            clone = self._clone()
            with np.errstate(all="ignore"):
                trace = trace_step(clone, self.x_train[idx], self.y_train[idx])
            rows = min(max_rows, size)
            layers = []
            for rec in trace.layers:
                out = {}
                for key, value in rec.items():
                    if key in ("a_prev", "z", "a", "delta") and value is not None:
                        value = value[:rows]
                    out[key] = value
                layers.append(out)
            return _jsonable({
                "epoch": self.epoch,
                "loss": trace.loss,
                "loss_name": "binary cross-entropy" if self.problem == "classification" else "mean squared error",
                "fused": self.problem == "classification",
                "optimizer": trace.optimizer,
                "learning_rate": trace.learning_rate,
                "batch_size": size,
                "rows_shown": rows,
                "sample_index": idx[:rows],
                "inputs": [FEATURES[k][0] for k in self.params["features"]],
                "targets": self.y_train[idx][:rows, 0],
                "layers": layers,
            })

    def export_keras(self) -> bytes:
        """The model as a Keras 3 ``.keras`` file (architecture, weights, optimizer state)."""
        with self.lock, tempfile.TemporaryDirectory(prefix="glassnet-playground-") as tmp:
            path = os.path.join(tmp, "playground.keras")
            self.model.save(path)
            with open(path, "rb") as fh:
                return fh.read()

    def export_code(self) -> str:
        """A Python script that rebuilds this data set and network and trains it for as many epochs."""
        with self.lock:
            return codegen.script(self.params, epochs=self.epoch)

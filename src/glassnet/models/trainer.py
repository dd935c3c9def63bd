"""The training engine every model shares: compile, the training step, fit, evaluate and predict.

One training step on a batch (the notes' backpropagation, node by node through the graph)::

    forward:   y_hat = model.forward(x, training=True)   each layer keeps z, a (and its masks)
    cost:      C = sum_i w_i * loss_i(y_i, y_hat_i) + the regularization penalties
    output:    dC/dy_hat_i   or, fused for softmax/sigmoid + cross-entropy,
               delta_L = (a_L - y) / n   (what Keras's TensorFlow backend computes too)
    backward:  every node, in reverse order, writes dC/dW and dC/db and hands dC/d(input) on
    update:    the optimizer updates the one flat vector of trainable parameters in place,
               then applies the weights' constraints

:meth:`Trainer.compute_loss_and_gradients` is the forward / cost / backward part and
:meth:`Trainer.train_step` adds the update and the metrics: ``fit``, ``train_on_batch``,
``glassnet.inspect``, the scikit-learn wrappers, the playground and the CLI all go through them.
"""
from __future__ import annotations

import math

import numpy as np

from .. import optimizers as optimizers_module
from . import batches, compiled as compiled_module, data as data_utils


class TrainingDivergedWarning(UserWarning):
    """The training loss became NaN or inf."""


#: predict() runs large batches through the layers this many rows at a time: the bias add and the
#: activation then work on data still in cache (measured in-process, best of 3: predict at batch 10000
#: went from 0.94x to 1.01x the speed of the bare matrix products at 10000 rows).
INFERENCE_CHUNK = 1024


class Trainer:
    """compile / fit / evaluate / predict and the batch methods, on top of a model's forward and
    backward passes (``Model`` mixes this in; see ``models/model.py``)."""

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Choose the optimizer, the loss(es) and the metrics, by name or object (Keras's defaults).

        Which weights train is fixed here: a change of ``trainable`` takes effect at the next
        ``compile``, as in Keras.
        """
        self.optimizer = optimizers_module.get(optimizer)
        names = self.output_names
        self.loss = loss                      # what was given, as Keras keeps it
        self._compiled_loss = compiled_module.CompiledLoss(loss, loss_weights, names)
        self.loss_weights = loss_weights
        self._compiled_metrics = compiled_module.CompiledMetrics(metrics, weighted_metrics, names)
        self.compiled = True
        from .. import losses as losses_module

        self._compile_config = {
            "loss": _serialize_loss_spec(loss, losses_module),
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        self._freeze_trainable()
        if self.built:
            self._build_optimizer()

    @property
    def compiled_loss(self):
        """The Loss object of a single-output model (a list, one per output, for several outputs)."""
        cl = getattr(self, "_compiled_loss", None)
        if cl is None or cl.losses is None:
            return None
        return cl.losses if cl.multi else cl.losses[0]

    def _build_optimizer(self) -> None:
        """(Re)build the optimizer's state for the packed trainable variables."""
        self.optimizer.build(self.trainable_segments_variables())
        self._optimizer_built_for = self._pack_signature

    def _optimizer_ready(self) -> None:
        self._ensure_packed()
        if getattr(self, "_optimizer_built_for", None) is not self._pack_signature:
            self._build_optimizer()

    def _require_compiled(self, where: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"{where}: you must call model.compile(optimizer, loss) before {where}")
        if self._compiled_loss.losses is None:
            raise ValueError(f"{where}: the model was compiled without a loss; pass loss=... to compile()")

    # ---------------------------------------------------------------- metrics
    @property
    def metrics_names(self):
        names = ["loss"]
        cl = getattr(self, "_compiled_loss", None)
        if cl is not None:
            names += [t.name for t in cl.trackers]
        cm = getattr(self, "_compiled_metrics", None)
        if cm is not None and cm.resolved:
            metric_names = [name for name, _, _, _ in cm.entries]
            # Keras lists one output's metrics in compile order, several outputs' by name
            names += sorted(metric_names) if cl is not None and cl.multi else metric_names
        return names

    @property
    def metrics(self):
        out = [self._loss_tracker]
        cl = getattr(self, "_compiled_loss", None)
        if cl is not None:
            out += cl.trackers
        cm = getattr(self, "_compiled_metrics", None)
        if cm is not None:
            out += cm.metric_objects()
        return out

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _logs(self) -> dict:
        """Loss and metric results, keys sorted by name as Keras's TensorFlow backend hands them out."""
        logs = {"loss": float(self._loss_tracker.result())}
        cl = getattr(self, "_compiled_loss", None)
        if cl is not None:
            for t in cl.trackers:
                logs[t.name] = t.result()
        cm = getattr(self, "_compiled_metrics", None)
        if cm is not None:
            logs.update(cm.results())
        return dict(sorted(logs.items()))

    def _ordered_results(self, logs: dict):
        """``[loss, metric1, ...]`` in ``metrics_names`` order, or the loss alone."""
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------ the step
    def _fused_steps(self) -> list:
        """For each output: the graph step whose activation is fused with that output's loss
        (softmax/sigmoid + cross-entropy, computed from the logits z as Keras's TensorFlow backend
        does, even with ``from_logits=True``), else None."""
        cl = self._compiled_loss
        cache = cl.fused_cache
        if cache is not None and cache[0] is self._graph:
            return cache[1]
        fused = []
        for i, loss in enumerate(self._compiled_loss.losses or []):
            k = self._graph.output_step(i) if loss is not None else None
            if k is not None:
                layer = self._graph.steps[k].layer
                act = getattr(layer, "activation", None)
                want = getattr(loss, "fused_activation", None)
                if not (want is not None and getattr(act, "name", None) == want
                        and hasattr(layer, "forward_with_logits")
                        and getattr(layer, "activity_regularizer", None) is None
                        and not self._graph.steps[k].shared):
                    k = None
            fused.append(k)
        cl.fused_cache = (self._graph, fused)
        return fused

    def compute_loss_and_gradients(self, x, y, sample_weight=None):
        """Forward in training mode, the cost, and backward: fills every trained weight's ``grad``.

        ``x``, ``y``: prepared batches (arrays, or lists for several inputs / outputs).
        Returns ``(C, y_pred, per-output losses)``; C includes the regularization penalties.
        """
        step = self._dense_stack_step()
        result = step(x, y, sample_weight) if step is not None else None
        if result is not None:               # a small Dense stack: the same step, compiled in one call
            value, y_pred = result
            parts = [value]
        else:
            value, y_pred, parts = self._layer_by_layer(x, y, sample_weight)
        value += self._regularization_penalty()
        # Regularization: C += penalty(W); dC/dW += penalty'(W)
        for var in self._regularized:
            var.grad += var.regularizer.gradient(var.value)
        for layer in self._activity_regularized:
            value += layer.activity_penalty()
        return float(value), y_pred, parts

    def _dense_stack_step(self):
        """The compiled step of ``models/dense_stack_step.py`` when this model qualifies, else None
        (planned once per compile, weight layout and kernel choice)."""
        from ..kernels import K

        key = (self._compiled_loss, self._pack_signature, self._trainable_params, K.name)
        cached = getattr(self, "_dense_stack_cache", None)
        if cached is None or any(a is not b for a, b in zip(cached[0], key)):
            from . import dense_stack_step

            cached = self._dense_stack_cache = (key, dense_stack_step.plan(self))
        return cached[1]

    def _layer_by_layer(self, x, y, sample_weight):
        """Forward, the losses and backward through the graph, node by node."""
        cl = self._compiled_loss
        outputs, _ = self._graph.forward(self._input_list(x), training=True)
        ys = y if cl.multi else [y]
        fused = self._fused_steps()
        grads, deltas, parts = [], set(), []
        value = 0.0
        for i, loss in enumerate(cl.losses):
            if loss is None:
                grads.append(None)
                parts.append(None)
                continue
            k = fused[i]
            if k is not None:
                v, g = loss.fused_value_and_gradient(ys[i], self._graph.steps[k].layer.z, outputs[i],
                                                     sample_weight)
                deltas.add(k)
            else:
                v, g = loss.value_and_gradient(ys[i], outputs[i], sample_weight)
            parts.append(v)
            w = cl.weights[i]
            if w is not None and w != 1.0:
                v, g = v * w, g * w
            value += v
            grads.append(g)
        self._graph.backward(grads, deltas)
        return value, (outputs if cl.multi else outputs[0]), parts

    def cost(self, x, y, sample_weight=None) -> float:
        """The cost that :meth:`compute_loss_and_gradients` differentiates, without the backward pass:
        forward in training mode, the (weighted) losses (from the logits where fused) and the penalties.
        Central differences of this are what ``glassnet.inspect.gradient_check`` compares with backprop."""
        cl = self._compiled_loss
        outputs, _ = self._graph.forward(self._input_list(x), training=True)
        ys = y if cl.multi else [y]
        fused = self._fused_steps()
        value = 0.0
        for i, loss in enumerate(cl.losses):
            if loss is None:
                continue
            if fused[i] is not None:
                v = loss.fused_value(ys[i], self._graph.steps[fused[i]].layer.z, sample_weight)
            else:
                v = loss(ys[i], outputs[i], sample_weight)
            w = cl.weights[i]
            value += v * w if w is not None else v
        value += self._regularization_penalty()
        for layer in self._activity_regularized:
            value += layer.activity_penalty()
        return float(value)

    def prepare_batch(self, x, y, sample_weight=None, where="prepare_batch"):
        """Check and convert data as ``fit`` does (arrays in floatx, targets checked against the loss):
        what :meth:`compute_loss_and_gradients` and :meth:`train_step` take."""
        self._require_compiled(where)
        return self._prepare(x, y, sample_weight, where)

    def _regularization_penalty(self) -> float:
        """Sum of the weight regularizers' penalties (Keras adds them to the loss)."""
        return float(sum(v.regularizer(v.value) for v in self._regularized))

    def apply_gradients(self) -> None:
        """The update: the optimizer's step over the flat vector of trainable parameters."""
        self._optimizer_ready()
        self.optimizer.step_flat(self._trainable_params, self._trainable_grads, self._train_segments)

    def train_step(self, x, y, sample_weight=None) -> float:
        """One gradient step on a prepared batch: forward, cost, backward, update, metrics.
        Returns the batch's cost."""
        self._optimizer_ready()
        value, y_pred, parts = self.compute_loss_and_gradients(x, y, sample_weight)
        n = _rows(x)
        self._loss_tracker.update_state(value, n)
        self.optimizer.step_flat(self._trainable_params, self._trainable_grads, self._train_segments)
        self._update_metrics(y, y_pred, parts, n, sample_weight)
        return value

    def _update_metrics(self, y, y_pred, parts, n, sample_weight) -> None:
        cl = self._compiled_loss
        if cl.multi:
            for tracker, part in zip(cl.trackers, parts):
                if part is not None:
                    tracker.update_state(part, n)
            self._compiled_metrics.update(y, y_pred, sample_weight)
        else:
            self._compiled_metrics.update([y], [y_pred], sample_weight)

    def test_step(self, x, y, sample_weight=None) -> None:
        """The cost and metrics of a prepared batch in inference mode (nothing is kept or updated)."""
        cl = self._compiled_loss
        fused = self._fused_steps()
        logits_steps = {k for k in fused if k is not None}
        need_values = bool(self._activity_regularized)
        result = self._graph.forward(self._input_list(x), training=False, logits_steps=logits_steps,
                                     keep_values=need_values)
        outputs, logits = result[0], result[1]
        ys = y if cl.multi else [y]
        value, parts = 0.0, []
        for i, loss in enumerate(cl.losses):
            if loss is None:
                parts.append(None)
                continue
            if fused[i] is not None:
                v = loss.fused_value(ys[i], logits[fused[i]], sample_weight)
            else:
                v = loss(ys[i], outputs[i], sample_weight)
            parts.append(v)
            w = cl.weights[i]
            value += v * w if w is not None else v
        value += self._regularization_penalty()
        if need_values:
            values = result[2]
            for layer in self._activity_regularized:
                for st in self._graph.steps:
                    if st.layer is layer:
                        a = values[st.outputs[0]]
                        value += layer.activity_regularizer(a) / a.shape[0]
        n = _rows(x)
        self._loss_tracker.update_state(float(value), n)
        self._update_metrics(y, outputs if cl.multi else outputs[0], parts, n, sample_weight)

    # -------------------------------------------------------------------- data
    def _prepare(self, x, y, sample_weight, where, class_weight=None):
        """Check and convert one call's data (or one batch of a generator) once."""
        x = self._prepare_inputs(x, where)
        cl = self._compiled_loss
        n = _rows(x)
        ys = self._targets_list(y, where)
        sample_weight = data_utils.as_sample_weight(sample_weight, n, "sample_weight", where)
        for i, yi in enumerate(ys):
            name = "y" if len(ys) == 1 else f"y[{self.output_names[i]!r}]"
            data_utils.check_same_length(where, **{"x": x if not isinstance(x, list) else x[0], name: yi})
        out_shapes = [(None, *s) for s in self._output_sample_shapes()]
        y_shapes = [yi.shape for yi in ys]
        cl.resolve(y_shapes, out_shapes)
        self._compiled_metrics.resolve(cl.specs if cl.multi else [self.loss], y_shapes, out_shapes)
        checked = []
        for i, (loss, yi) in enumerate(zip(cl.losses, ys)):
            if loss is None:
                checked.append(yi)
                continue
            try:
                checked.append(loss.check_targets(yi, out_shapes[i], where))
            except ValueError as exc:
                if not isinstance(x, list) and x.ndim > 2 and len(out_shapes[i]) > 2:
                    raise ValueError(f"{exc}. The model's output has shape {out_shapes[i]} because x has "
                                     f"sample shape {x.shape[1:]}: add a Flatten layer first for images") from None
                raise
        if class_weight is not None:
            if cl.multi:
                raise ValueError(f"{where}: class_weight is only supported for models with a single output; "
                                 f"use sample_weight")
            cw = data_utils.class_weight_to_sample_weight(class_weight, checked[0], out_shapes[0][-1], where)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        y = checked if cl.multi else checked[0]
        return x, y, sample_weight

    def _targets_list(self, y, where):
        names = self.output_names
        if len(names) == 1:
            if isinstance(y, dict):
                y = _from_dict(y, names, "y", where)[0]
            elif isinstance(y, (list, tuple)) and len(y) == 1 and not np.isscalar(y[0]) and np.ndim(y[0]) > 0:
                y = y[0]
            return [data_utils.as_targets(y, "y", where)]
        if isinstance(y, dict):
            ys = _from_dict(y, names, "y", where)
        elif isinstance(y, (list, tuple)) and len(y) == len(names):
            ys = list(y)
        else:
            raise ValueError(f"{where}: the model has {len(names)} outputs {names}; y must be a list of "
                             f"{len(names)} arrays or a dict keyed by output name, got {type(y).__name__}")
        return [data_utils.as_targets(yi, f"y[{names[i]!r}]", where) for i, yi in enumerate(ys)]

    # --------------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over the data in mini-batches; returns a ``History``.

        Keras's semantics: ``validation_split`` takes the last fraction of the data before
        shuffling; the epoch ``loss`` is the batch-size-weighted mean of the batch losses
        (regularization penalties included); metrics are computed on the training batches.
        """
        from ..callbacks import CallbackList

        where = "fit"
        self._require_compiled(where)
        batch_size = data_utils.batch_size_or_default(batch_size, where)
        epochs = data_utils.check_non_negative_epochs(epochs, where)
        initial_epoch = data_utils.check_non_negative_epochs(initial_epoch, where, "initial_epoch")
        validation_freq = data_utils.check_validation_freq(validation_freq, where)
        verbose = _verbose(verbose, where)
        if batches.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(f"{where}: y and sample_weight must be None when x is a generator or dataset "
                                 f"(it yields (x, y) or (x, y, sample_weight) batches)")
            if validation_split:
                raise ValueError(f"{where}: validation_split needs arrays; with a generator or dataset give "
                                 f"validation_data instead")
            train = batches.SourceBatches(
                x, lambda xb, yb, swb: self._prepare(xb, yb, swb, where, class_weight), where,
                steps=steps_per_epoch, shuffle=shuffle, generator=self._generator)
            validation = None
        else:
            if steps_per_epoch is not None:
                raise ValueError(f"{where}: steps_per_epoch is for generators and datasets; with arrays an "
                                 f"epoch is every sample once (choose batch_size instead)")
            x, y, sample_weight = self._prepare(x, y, sample_weight, where, class_weight)
            validation = None
            if validation_data is None and validation_split:
                (x, y, sample_weight), validation = data_utils.split_validation(
                    (x, y, sample_weight), validation_split, where)
            else:
                data_utils.split_validation_check(validation_split, where)
            train = batches.ArrayBatches(x, y, sample_weight, batch_size, shuffle, self._generator)
        val_where = "fit (validation_data)"
        val_batch_size = validation_batch_size or batch_size
        if validation_data is not None and batches.is_batch_source(validation_data):
            validation = batches.SourceBatches(
                validation_data, lambda xb, yb, swb: self._prepare(xb, yb, swb, val_where), val_where,
                steps=validation_steps)
        elif validation_data is not None:
            validation = self._prepare(*data_utils.unpack_validation_data(validation_data, where), val_where)
        if isinstance(validation, tuple):
            validation = batches.ArrayBatches(*validation, val_batch_size)
        if self.built:
            self._optimizer_ready()

        steps = train.steps
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
                                     epochs=epochs, steps=steps, model=self)
        self.stop_training = False
        callbacks.on_train_begin()
        training_logs = None
        epoch = initial_epoch
        # NumPy's overflow warnings would flood the output once training diverges; glassnet
        # checks every batch loss instead and says once what went wrong (_warn_divergence).
        batch_hooks = callbacks.has_batch_hooks("train")
        with _StopOnCtrlC() as ctrl_c, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                ran = 0
                for step, (xb, yb, swb) in enumerate(train):
                    if batch_hooks:
                        callbacks.on_train_batch_begin(step)
                    value = self.train_step(xb, yb, swb)
                    ran += 1
                    if not math.isfinite(value):
                        self._warn_divergence(value, epoch, step)
                    if batch_hooks:
                        callbacks.on_train_batch_end(step, self._logs())
                    if self.stop_training or ctrl_c.pressed:
                        break
                if ran == 0:                # a generator that has run dry: training is over
                    break
                if ctrl_c.pressed:          # the epoch did not finish: it is not recorded
                    break
                epoch_logs = self._logs()
                if validation is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_batches(validation, callbacks=callbacks)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            if hasattr(self.optimizer, "finalize_variable_values") and epochs > 0:
                self.optimizer.finalize_variable_values(self.trainable_segments_variables())
            callbacks.on_train_end(training_logs)
        if ctrl_c.pressed:
            raise KeyboardInterrupt(
                f"fit: interrupted by Ctrl-C in epoch {epoch + 1}; training stopped after a whole batch, "
                f"callbacks finished (on_train_end ran) and model.history keeps the {len(self.history.epoch)} "
                f"completed epoch(s)"
            )
        return self.history

    def _warn_divergence(self, value, epoch, step) -> None:
        if getattr(self, "_warned_divergence", False):
            return
        self._warned_divergence = True
        import warnings

        warnings.warn(
            f"fit: the loss became {value} in epoch {epoch + 1}, batch {step + 1}; training has diverged. "
            f"Likely causes: a learning rate too large for this problem (try 10x smaller) or unscaled inputs "
            f"(scale features to [0, 1] or to mean 0 and variance 1). TerminateOnNaN stops training; "
            f"EarlyStopping(restore_best_weights=True) brings back the best finite weights.",
            TrainingDivergedWarning, stacklevel=3,
        )

    def silence_divergence_warning(self) -> None:
        """Do not warn when the loss becomes NaN/inf (for tools that report divergence themselves)."""
        self._warned_divergence = True

    # ---------------------------------------------------------------- evaluate
    def _evaluate_batches(self, source, callbacks=None) -> dict:
        self.reset_metrics()
        if callbacks is not None:
            callbacks.on_test_begin()
        for step, (xb, yb, swb) in enumerate(source):
            if callbacks is not None:
                callbacks.on_test_batch_begin(step)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self.test_step(xb, yb, swb)
            if callbacks is not None:
                callbacks.on_test_batch_end(step, self._logs())
        logs = self._logs()
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (and metrics) on the data, in inference mode.

        Returns the loss alone when there are no metrics, else ``[loss, metric1, ...]``,
        or a dict with ``return_dict=True`` (as Keras).
        """
        from ..callbacks import CallbackList

        where = "evaluate"
        self._require_compiled(where)
        batch_size = data_utils.batch_size_or_default(batch_size, where)
        verbose = _verbose(verbose, where)
        if batches.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(f"{where}: y and sample_weight must be None when x is a generator or dataset")
            source = batches.SourceBatches(x, lambda xb, yb, swb: self._prepare(xb, yb, swb, where), where,
                                           steps=steps)
        else:
            if steps is not None:
                raise ValueError(f"{where}: steps is for generators and datasets; with arrays every sample "
                                 f"is evaluated once")
            source = batches.ArrayBatches(*self._prepare(x, y, sample_weight, where), batch_size)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                     steps=source.steps, model=self)
        logs = self._evaluate_batches(source, callbacks=callbacks)
        if return_dict:
            return logs
        return self._ordered_results(logs)

    # ----------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` in inference mode (dropout off), computed in batches."""
        from ..callbacks import CallbackList

        where = "predict"
        batch_size = data_utils.batch_size_or_default(batch_size, where)
        verbose = _verbose(verbose, where)
        if batches.is_batch_source(x):
            def inputs_only(xb, yb, swb):
                return self._prepare_inputs(xb, where), None, None

            source = batches.SourceBatches(x, inputs_only, where, steps=steps, needs_targets=False)
        else:
            if steps is not None:
                raise ValueError(f"{where}: steps is for generators and datasets; with arrays every sample "
                                 f"is predicted once")
            source = batches.ArrayBatches(self._prepare_inputs(x, where), None, None, batch_size)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                     steps=source.steps, model=self)
        callbacks.on_predict_begin()
        outputs = []
        for step, (xb, _, _) in enumerate(source):
            callbacks.on_predict_batch_begin(step)
            n = _rows(xb)
            if n <= INFERENCE_CHUNK:
                yb = self._infer(xb)
            else:   # rows are independent: chunks keep each layer's elementwise passes in cache
                parts = [self._infer(data_utils.take(xb, slice(i, i + INFERENCE_CHUNK)))
                         for i in range(0, n, INFERENCE_CHUNK)]
                yb = data_utils.concat(parts)
            outputs.append(yb)
            callbacks.on_predict_batch_end(step, {"outputs": yb})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError(f"{where}: the data source gave no batches")
        return outputs[0] if len(outputs) == 1 else data_utils.concat(outputs)

    def _infer(self, x):
        outputs, _ = self._graph.forward(self._input_list(x), training=False)
        return outputs if len(outputs) > 1 else outputs[0]

    # ---------------------------------------------------------- batch methods
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the logs (loss and metrics) after it."""
        where = "train_on_batch"
        self._require_compiled(where)
        x, y, sample_weight = self._prepare(x, y, sample_weight, where, class_weight)
        self.reset_metrics()
        self.train_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        where = "test_on_batch"
        self._require_compiled(where)
        x, y, sample_weight = self._prepare(x, y, sample_weight, where)
        self.reset_metrics()
        self.test_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, _rows(self._prepare_inputs(x, "predict_on_batch"))), verbose=0)

    def _batch_result(self, return_dict):
        logs = self._logs()
        return logs if return_dict else self._ordered_results(logs)


_rows = data_utils.rows


def _from_dict(d, names, what, where):
    unknown = [k for k in d if k not in names]
    missing = [k for k in names if k not in d]
    if unknown or missing:
        raise ValueError(f"{where}: {what} is a dict whose keys must be the model's names {names}; "
                         + (f"unknown {unknown}" if unknown else f"missing {missing}"))
    return [d[k] for k in names]


def _serialize_loss_spec(loss, losses_module):
    if isinstance(loss, (str, type(None))):
        return loss
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss_spec(v, losses_module) for v in loss]
    if isinstance(loss, dict):
        return {k: _serialize_loss_spec(v, losses_module) for k, v in loss.items()}
    return losses_module.serialize(loss)


class _StopOnCtrlC:
    """While fitting, Ctrl-C (SIGINT) only raises a flag: the current batch finishes, callbacks end
    cleanly, then ``fit`` raises ``KeyboardInterrupt``.  A second Ctrl-C interrupts at once.
    Only the main thread can install signal handlers; elsewhere this does nothing."""

    def __init__(self):
        self.pressed = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.pressed:               # second Ctrl-C: the user means it
            raise KeyboardInterrupt
        self.pressed = True

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
            except (ValueError, OSError):   # pragma: no cover - embedded interpreters
                self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            import signal

            signal.signal(signal.SIGINT, self._previous)
        return False


def _verbose(verbose, where):
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{where}: verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)

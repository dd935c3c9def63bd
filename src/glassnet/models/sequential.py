"""``Sequential``: a plain stack of layers, trained the Keras way.

One training step on a batch (the notes' backpropagation, layer by layer)::

    forward:   a_0 = x;  a_l = layer_l(a_{l-1})            (each layer keeps z, a)
    cost:      C = loss(y, a_L) + sum of regularization penalties
    output:    delta_L = dC/da_L ⊙ f'(z_L)    or, fused for softmax/sigmoid + cross-entropy,
               delta_L = (a_L - y) / n         (what Keras's TensorFlow backend computes too)
    backward:  each layer writes dC/dW = a_prev^T delta, dC/db = sum(delta) and hands
               delta W^T to the layer below
    update:    the optimizer updates the one flat parameter vector in place

All weights of the model live in one contiguous float32 vector ``model.params``
(gradients in ``model.grads``); every layer's kernel and bias are views into it.
"""
from __future__ import annotations

import math

import numpy as np

from .. import config, losses as losses_module, metrics as metrics_module, optimizers as optimizers_module
from .. import random as gn_random
from ..layers.base import LAYERS, Layer, unique_name
from ..layers.input import InputLayer
from ..variables import pack
from . import batches, data as data_utils


class _LossTracker:
    """Mean of the batch losses weighted by batch size: Keras's ``loss`` in logs.

    Accumulated in ``floatx`` (float32 by default), as Keras's ``Mean`` metric does, so the
    epoch losses agree with Keras's to the last digit Keras prints.
    """

    name = "loss"

    def __init__(self):
        self.reset_state()

    def update_state(self, value: float, n: int) -> None:
        t = self._type
        self.total = t(self.total + t(value) * t(n))
        self.count = t(self.count + t(n))

    def result(self) -> float:
        return float(self.total / self.count) if self.count else 0.0

    def reset_state(self) -> None:
        self._type = np.dtype(config.floatx()).type
        self.total, self.count = self._type(0.0), self._type(0.0)


@LAYERS.register("Sequential")
class Sequential:
    """A linear stack of layers with Keras's ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

    ``Sequential([Input((4,)), Dense(8, activation='relu'), Dense(3, activation='softmax')])``
    or build it with :meth:`add`.  The input shape may come from ``Input``, from
    ``input_dim=`` / ``input_shape=`` on the first layer, or from the first data seen.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Sequential: name must be a string, got {type(name).__name__}")
        self.name = name or unique_name("sequential")
        self.trainable = bool(trainable)
        self._layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.built = False
        self.optimizer = None
        self.loss = None
        self.compiled_loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_metrics = []
        self._compile_weighted_metrics = []
        self._metrics = None          # resolved Metric objects, built on first data
        self._weighted_metrics = None
        self._loss_tracker = _LossTracker()
        self._pack_signature = None
        self.params = self.grads = None
        self._segments = []
        self._train_segments = []
        self._generator = gn_random.make_generator()
        if layers is not None:
            if isinstance(layers, (Layer, InputLayer)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    # ------------------------------------------------------------------ layers
    @property
    def layers(self) -> list[Layer]:
        """The layers of the stack (without the input layer, as in Keras)."""
        return list(self._layers)

    @property
    def input_shape(self):
        shape = self._input_shape()
        return None if shape is None else (None,) + tuple(shape)

    @property
    def output_shape(self):
        if not self.built:
            return None
        return (None,) + tuple(self._layers[-1].output_shape)

    def _input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.shape
        return None

    def add(self, layer) -> None:
        """Append a layer.  An ``Input`` first, or ``input_dim=`` on the first layer, builds as you go."""
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("Sequential.add: an Input may only be the first item of the model")
            self._input_layer = layer
            return
        if isinstance(layer, Sequential):
            for inner in layer.layers:
                self.add(inner)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: expected a glassnet layer (e.g. Dense), got {type(layer).__name__} {layer!r}"
            )
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"Sequential.add: a layer named {layer.name!r} is already in the model; "
                             f"layer names must be unique")
        if not self._layers and self._input_layer is None and layer._declared_input_shape is not None:
            self._input_layer = InputLayer(shape=layer._declared_input_shape)
        self._layers.append(layer)
        self.built = False
        if self._input_layer is not None:
            self._build_from(self._input_layer.shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise ValueError("Sequential.pop: there are no layers to remove")
        layer = self._layers.pop()
        self._pack_signature = None
        self.built = bool(self._layers) and all(l.built for l in self._layers)
        if self.built:
            self._pack()
        return layer

    def get_layer(self, name=None, index=None) -> Layer:
        if index is not None:
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer named {name!r}; the layers are "
                         f"{', '.join(l.name for l in self._layers)}")

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of ``input_shape`` (with or without the batch axis ``None``)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("Sequential.build: input_shape is required when the model has no Input")
            input_shape = self._input_layer.shape
        else:
            input_shape = tuple(input_shape)
            if input_shape and input_shape[0] is None:
                input_shape = input_shape[1:]
        self._build_from(input_shape)

    def _build_from(self, sample_shape) -> None:
        if self._input_layer is None:
            self._input_layer = InputLayer(shape=sample_shape)
        shape = tuple(sample_shape)
        for layer in self._layers:
            if not layer.built:
                layer.build(shape)
            elif tuple(layer.input_shape) != shape:
                raise ValueError(
                    f"Sequential: layer {layer.name!r} was built for inputs of shape {layer.input_shape}, "
                    f"but receives {shape}"
                )
            shape = tuple(layer.output_shape)
        self.built = bool(self._layers)
        if self.built:
            self._pack()

    # ----------------------------------------------------------- flat weights
    def _pack(self) -> None:
        """Put every variable into one flat vector (trainable ones first) and note the segments."""
        variables = self.trainable_weights + self.non_trainable_weights
        signature = tuple((id(v), v.trainable and self.trainable) for v in variables)
        if signature == self._pack_signature:
            return
        self.params, self.grads, self._segments = pack(variables, dtype=config.floatx())
        n_train = len(self.trainable_weights)
        self._train_segments = self._segments[:n_train]
        n_trainable_values = sum(v.size for v, _ in self._train_segments)
        self._trainable_params = self.params[:n_trainable_values]
        self._trainable_grads = self.grads[:n_trainable_values]
        self._pack_signature = signature
        # Backward needs to go no lower than the first layer that has weights.
        self._first_weighted = next((i for i, l in enumerate(self._layers) if l.weights), len(self._layers))
        for i, layer in enumerate(self._layers):
            if hasattr(layer, "needs_input_grad"):
                layer.needs_input_grad = i > self._first_weighted
        if self.optimizer is not None and getattr(self.optimizer, "_built_for", None) is not None:
            self._build_optimizer()

    @property
    def weights(self):
        return [v for layer in self._layers for v in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for layer in self._layers for v in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for layer in self._layers for v in layer.non_trainable_weights]

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights, layer by layer, in Keras's order and shapes."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set all weights from a list in :meth:`get_weights`'s order (errors name the layer)."""
        self._require_built("set_weights")
        if not isinstance(weights, (list, tuple)):
            raise TypeError(f"set_weights: weights must be a list of arrays, got {type(weights).__name__}")
        expected = sum(len(l.weights) for l in self._layers)
        if len(weights) != expected:
            raise ValueError(
                f"set_weights: the model has {expected} weight arrays "
                f"({', '.join(v.path for v in self.weights)}), got {len(weights)}"
            )
        i = 0
        arrays = []
        for layer in self._layers:   # check every shape first, so nothing is half-written
            for var in layer.weights:
                try:
                    w = np.asarray(weights[i])
                except ValueError:
                    w = None            # a ragged list
                if w is None or w.dtype.kind not in "biuf":
                    raise TypeError(
                        f"set_weights: layer {layer.name!r} {var.name} (weights[{i}]) must be an array of real "
                        f"numbers, got {'a ragged list' if w is None else f'dtype {w.dtype}'}"
                    )
                if w.shape != var.shape:
                    raise ValueError(
                        f"set_weights: layer {layer.name!r} {var.name} must have shape {var.shape}, got {w.shape}"
                    )
                arrays.append(w)
                i += 1
        i = 0
        for layer in self._layers:
            n = len(layer.weights)
            layer.set_weights(arrays[i:i + n])
            i += n

    def count_params(self) -> int:
        self._require_built("count_params")
        return int(sum(v.size for v in self.weights))

    def _require_built(self, where: str) -> None:
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers; add some with model.add(...)")
        if not self.built:
            raise ValueError(
                f"{where}: the model is not built yet; give the first layer input_dim=/input_shape=, "
                f"start with Input(shape=...), call model.build((None, n_features)), or fit it on data first"
            )

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics, by name or object (Keras's defaults)."""
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss                      # what was given, as Keras keeps it
        self.compiled_loss = None             # the Loss object, resolved on first data
        if loss is not None and not (isinstance(loss, str) and loss.lower() in ("crossentropy", "ce")):
            self.compiled_loss = losses_module.resolve(loss)
        if loss_weights is not None and not isinstance(loss_weights, (int, float)):
            raise ValueError(f"compile: loss_weights must be a number for a single-output model, got {loss_weights!r}")
        self.loss_weights = loss_weights
        self._compile_metrics = self._metric_list(metrics, "metrics")
        self._compile_weighted_metrics = self._metric_list(weighted_metrics, "weighted_metrics")
        self._metrics = None
        self._weighted_metrics = None
        self.compiled = True
        self._compile_config = {
            "loss": loss if isinstance(loss, (str, type(None))) else losses_module.serialize(loss),
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        if self.built:
            self._build_optimizer()

    @staticmethod
    def _metric_list(metrics, name):
        if metrics is None:
            return []
        if isinstance(metrics, (str, dict)) or not isinstance(metrics, (list, tuple)):
            raise TypeError(f"compile: {name} must be a list (e.g. ['accuracy']), got {metrics!r}")
        for m in metrics:      # unknown names fail here, listing the known ones, not at the first fit
            if isinstance(m, str) and m.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
                try:
                    metrics_module.get(m)
                except ValueError as exc:
                    raise ValueError(f"compile: {name}: {exc}") from None
        return list(metrics)

    def _build_optimizer(self) -> None:
        """(Re)build the optimizer's state for the current trainable variables."""
        self.optimizer.build(self.trainable_weights)
        self.optimizer._built_for = self._pack_signature

    def _require_compiled(self, where: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"{where}: you must call model.compile(optimizer, loss) before {where}")
        if self.loss is None:
            raise ValueError(f"{where}: the model was compiled without a loss; pass loss=... to compile()")

    def _resolve_loss(self, y_shape) -> None:
        if self.compiled_loss is None:
            self.compiled_loss = losses_module.resolve(self.loss, y_shape, self.output_shape)

    @property
    def metrics_names(self):
        names = ["loss"]
        if self._metrics is not None:
            names += [m.name for m in self._metrics + self._weighted_metrics]
        return names

    @property
    def metrics(self):
        return [self._loss_tracker] + list(self._metrics or []) + list(self._weighted_metrics or [])

    def _resolve_metrics(self, y_shape) -> None:
        if self._metrics is not None:
            return
        out_shape = self.output_shape
        self._metrics = [metrics_module.resolve(m, self.loss, y_shape, out_shape) for m in self._compile_metrics]
        self._weighted_metrics = [metrics_module.resolve(m, self.loss, y_shape, out_shape)
                                  for m in self._compile_weighted_metrics]

    def reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        for m in (self._metrics or []) + (self._weighted_metrics or []):
            m.reset_state()

    def _logs(self) -> dict:
        """Loss and metric results, keys sorted by name as Keras's TensorFlow backend hands them out."""
        logs = {"loss": float(self._loss_tracker.result())}
        for m in (self._metrics or []) + (self._weighted_metrics or []):
            logs[m.name] = m.result()
        return dict(sorted(logs.items()))

    def _ordered_results(self, logs: dict):
        """``[loss, metric1, ...]`` in compile order (Keras's ``metrics_names``), or the loss alone."""
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------ forward / backward
    def _forward(self, x, training: bool) -> np.ndarray:
        for layer in self._layers:
            x = layer.forward(x, training=training)
        return x

    def _fused(self) -> bool:
        """Is the output layer's activation fused with the loss (softmax/sigmoid + cross-entropy)?

        Keras's TensorFlow backend computes such losses from the logits z behind the
        activation (even with ``from_logits=True``, where it warns); so does glassnet.
        """
        last = self._layers[-1]
        fusable = getattr(self.compiled_loss, "fused_activation", None)
        act = getattr(last, "activation", None)
        return (fusable is not None and getattr(act, "name", None) == fusable
                and hasattr(last, "forward_with_logits")
                and getattr(last, "activity_regularizer", None) is None)

    def _compute_loss_and_gradients(self, x, y, sample_weight):
        """Forward in training mode, cost, and backward: fills ``self.grads``; returns (C, y_pred)."""
        y_pred = self._forward(x, training=True)
        loss = self.compiled_loss
        scale = 1.0 if self.loss_weights is None else float(self.loss_weights)
        layers = self._layers
        last = len(layers) - 1
        if self._fused():
            value, grad = loss.fused_value_and_gradient(y, layers[-1].z, y_pred, sample_weight)
            if scale != 1.0:
                grad = grad * scale
            grad = layers[-1].backward(grad, grad_is_delta=True) if last >= self._first_weighted else None
            last -= 1
        else:
            value, grad = loss.value_and_gradient(y, y_pred, sample_weight)
            if scale != 1.0:
                grad = grad * scale
        value *= scale
        for i in range(last, self._first_weighted - 1, -1):
            grad = layers[i].backward(grad)
        # Regularization: C += penalty(W); dC/dW += penalty'(W)
        value += self._regularization_penalty()
        for var, _ in self._train_segments:
            if var.regularizer is not None:
                var.grad += var.regularizer.gradient(var.value)
        for layer in layers:
            if getattr(layer, "activity_regularizer", None) is not None:
                value += layer.activity_penalty()
        return float(value), y_pred

    def _regularization_penalty(self) -> float:
        """Sum of the weight regularizers' penalties (Keras adds them to the loss)."""
        return float(sum(v.regularizer(v.value) for v, _ in self._train_segments if v.regularizer is not None))

    def _train_step(self, x, y, sample_weight) -> float:
        if getattr(self.optimizer, "_built_for", None) is not self._pack_signature:
            self._build_optimizer()
        value, y_pred = self._compute_loss_and_gradients(x, y, sample_weight)
        self._loss_tracker.update_state(value, x.shape[0])
        self.optimizer.step_flat(self._trainable_params, self._trainable_grads, self._train_segments)
        self._update_metrics(y, y_pred, sample_weight)
        return value

    def _update_metrics(self, y, y_pred, sample_weight) -> None:
        for m in self._metrics:
            m.update_state(y, y_pred)
        for m in self._weighted_metrics:
            m.update_state(y, y_pred, sample_weight)

    def _inference(self, x):
        """Forward pass in inference mode that keeps nothing: ``(z of the last layer or None, a, activity)``."""
        a, z, activity = x, None, 0.0
        fused = self._fused()
        last = len(self._layers) - 1
        for i, layer in enumerate(self._layers):
            if i == last and fused:
                z, a = layer.forward_with_logits(a)
            else:
                a = layer.forward(a, training=False)
            if getattr(layer, "activity_regularizer", None) is not None:
                activity += layer.activity_regularizer(a) / a.shape[0]
        return z, a, activity

    def _test_step(self, x, y, sample_weight) -> None:
        z, y_pred, activity = self._inference(x)
        if z is not None:
            value = self.compiled_loss.fused_value(y, z, sample_weight)
        else:
            value = self.compiled_loss(y, y_pred, sample_weight)
        if self.loss_weights is not None:
            value *= float(self.loss_weights)
        value += self._regularization_penalty() + activity
        self._loss_tracker.update_state(float(value), x.shape[0])
        self._update_metrics(y, y_pred, sample_weight)

    # -------------------------------------------------------------------- data
    def _prepare(self, x, y, sample_weight, where, class_weight=None):
        x = data_utils.as_inputs(x, "x", where, self._input_shape() if self.built else None)
        if not self.built:
            if not self._layers:
                raise ValueError(f"{where}: the model has no layers; add some with model.add(...)")
            self._build_from(x.shape[1:])
        y = data_utils.as_targets(y, "y", where)
        sample_weight = data_utils.as_sample_weight(sample_weight, x.shape[0], "sample_weight", where)
        data_utils.check_same_length(where, x=x, y=y)
        self._resolve_loss(y.shape)
        self._resolve_metrics(y.shape)       # from the targets' shape as given, as Keras does
        try:
            y = self.compiled_loss.check_targets(y, self.output_shape, where)
        except ValueError as exc:
            if x.ndim > 2 and len(self.output_shape) > 2:   # Dense works on the last axis of 3-D+ inputs
                raise ValueError(f"{exc}. The model's output has shape {self.output_shape} because x has "
                                 f"sample shape {x.shape[1:]}: add a Flatten layer first for images") from None
            raise
        if class_weight is not None:
            cw = data_utils.class_weight_to_sample_weight(class_weight, y, self.output_shape[-1], where)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        return x, y, sample_weight

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
        if self.built and getattr(self.optimizer, "_built_for", None) != self._pack_signature:
            self._build_optimizer()

        steps = train.steps
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
                                     epochs=epochs, steps=steps, model=self)
        self.stop_training = False
        callbacks.on_train_begin()
        training_logs = None
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
                    value = self._train_step(xb, yb, swb)
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
                self.optimizer.finalize_variable_values(self.trainable_weights)
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

    # ------------------------------------------------------------ randomness
    def get_rng_state(self) -> dict:
        """The state of every random generator the model uses (shuffling, each Dropout), JSON-able.

        Saved in checkpoints so that a resumed run draws the same batches and masks as an
        uninterrupted one.
        """
        state = {"shuffle": self._generator.bit_generator.state}
        for layer in self._layers:
            gen = getattr(layer, "generator", None)
            if gen is not None:
                state[f"layer/{layer.name}"] = gen.bit_generator.state
        return state

    def set_rng_state(self, state: dict) -> None:
        """Restore :meth:`get_rng_state`'s result (layers matched by name)."""
        if not isinstance(state, dict):
            raise TypeError(f"set_rng_state: state must be a dict, got {type(state).__name__}")
        pairs = [("shuffle", self._generator)] if "shuffle" in state else []
        pairs += [(f"layer/{l.name}", l.generator) for l in self._layers
                  if f"layer/{l.name}" in state and getattr(l, "generator", None) is not None]
        for key, gen in pairs:       # check every entry on a scratch generator first: all or nothing
            try:
                type(gen.bit_generator)().state = state[key]
            except (TypeError, ValueError, KeyError, OverflowError) as exc:
                raise ValueError(f"set_rng_state: state[{key!r}] is not a valid "
                                 f"{type(gen.bit_generator).__name__} state ({type(exc).__name__}: {exc})") from None
        for key, gen in pairs:
            gen.bit_generator.state = state[key]

    # ---------------------------------------------------------------- evaluate
    def _evaluate_batches(self, source, callbacks=None) -> dict:
        self.reset_metrics()
        if callbacks is not None:
            callbacks.on_test_begin()
        for step, (xb, yb, swb) in enumerate(source):
            if callbacks is not None:
                callbacks.on_test_batch_begin(step)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._test_step(xb, yb, swb)
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
        if not self._layers:
            raise ValueError(f"{where}: the model has no layers; add some with model.add(...)")
        if batches.is_batch_source(x):
            def inputs_only(xb, yb, swb):
                return self._predict_inputs(xb, where), None, None

            source = batches.SourceBatches(x, inputs_only, where, steps=steps, needs_targets=False)
        else:
            if steps is not None:
                raise ValueError(f"{where}: steps is for generators and datasets; with arrays every sample "
                                 f"is predicted once")
            source = batches.ArrayBatches(self._predict_inputs(x, where), None, None, batch_size)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                     steps=source.steps, model=self)
        callbacks.on_predict_begin()
        outputs = []
        for step, (xb, _, _) in enumerate(source):
            callbacks.on_predict_batch_begin(step)
            if len(xb) <= _INFERENCE_CHUNK:
                yb = self._forward(xb, training=False)
            else:   # rows are independent: chunks keep each layer's elementwise passes in cache
                yb = np.concatenate([self._forward(xb[i:i + _INFERENCE_CHUNK], training=False)
                                     for i in range(0, len(xb), _INFERENCE_CHUNK)])
            outputs.append(yb)
            callbacks.on_predict_batch_end(step, {"outputs": yb})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError(f"{where}: the data source gave no batches")
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)

    def _predict_inputs(self, x, where):
        x = data_utils.as_inputs(x, "x", where, self._input_shape() if self.built else None)
        if not self.built:
            self._build_from(x.shape[1:])
        return x

    def __call__(self, x, training=False):
        x = data_utils.as_inputs(x, "x", "Sequential", self._input_shape() if self.built else None)
        if not self.built:
            self._build_from(x.shape[1:])
        return self._forward(x, training=bool(training))

    # ---------------------------------------------------------- batch methods
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the logs (loss and metrics) after it."""
        where = "train_on_batch"
        self._require_compiled(where)
        x, y, sample_weight = self._prepare(x, y, sample_weight, where, class_weight)
        if getattr(self.optimizer, "_built_for", None) != self._pack_signature:
            self._build_optimizer()
        self.reset_metrics()
        self._train_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        where = "test_on_batch"
        self._require_compiled(where)
        x, y, sample_weight = self._prepare(x, y, sample_weight, where)
        self.reset_metrics()
        self._test_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(1, len(x)), verbose=0)

    def _batch_result(self, return_dict):
        logs = self._logs()
        return logs if return_dict else self._ordered_results(logs)

    # ----------------------------------------------------------------- summary
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: each layer, its output shape and parameter count, then totals."""
        from ._summary import summary_lines

        print_fn = print_fn or print
        for line in summary_lines(self, line_length=line_length, show_trainable=show_trainable):
            print_fn(line)

    # ------------------------------------------------------------- persistence
    def save(self, filepath, overwrite=True, **kwargs):
        """Save the whole model: ``.keras`` (Keras 3's zip) or ``.h5`` (Keras's legacy HDF5), atomically."""
        from .. import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights only, to a ``.weights.h5`` file (Keras 3's layout)."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights saved by :meth:`save_weights` (or a ``.keras`` / ``.h5`` file)."""
        from .. import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras's JSON (``model_from_json`` rebuilds it)."""
        from .. import saving

        return saving.to_json(self, **kwargs)

    def get_compile_config(self):
        """What ``compile`` was given, serialized as Keras writes it (None before compile)."""
        if not self.compiled:
            return None
        from .. import saving

        return saving.compile_config(self)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        layers = []
        if self._input_layer is not None:
            layers.append(LAYERS.serialize(self._input_layer))
        for layer in self._layers:
            entry = LAYERS.serialize(layer)
            if layer.built:
                entry["build_config"] = {"input_shape": [None, *layer.input_shape]}
            layers.append(entry)
        cfg = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": config.floatx()},
                      "registered_name": None},
            "layers": layers,
        }
        if self._input_layer is not None:
            cfg["build_input_shape"] = [None, *self._input_layer.shape]
        return cfg

    @classmethod
    def from_config(cls, config: dict):
        if not isinstance(config, dict) or "layers" not in config:
            raise ValueError(f"Sequential.from_config: expected a dict with 'layers', got {config!r}"[:300])
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            model.add(LAYERS.deserialize(entry))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, {len(self._layers)} layers, built={self.built}>"


#: predict() runs large batches through the layers this many rows at a time: the bias add and the
#: activation then work on data still in cache (measured in-process, best of 3: predict at batch 10000
#: went from 0.94x to 1.01x the speed of the bare matrix products at 10000 rows).
_INFERENCE_CHUNK = 1024


class TrainingDivergedWarning(UserWarning):
    """The training loss became NaN or inf."""


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

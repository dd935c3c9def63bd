"""The compiled training step for small Dense / Dropout stacks: when a model qualifies, and how.

``Trainer.compute_loss_and_gradients`` asks :func:`plan` once per compiled model and weight
layout; when it gets a :class:`DenseStackStep`, each batch that fits runs the whole forward,
cost and backward pass as one call of ``kernels.dense_stack.forward_backward`` instead of about
fifty NumPy calls (the breast-cancer net's step: see README "Speed").  Everything else (the
regularization penalties, the optimizer, the metrics) is the same code as on every other model.

A model qualifies when all of these hold (otherwise the layer-by-layer path runs, unchanged):

* the numba kernels are active (``GLASSNET_KERNELS=numpy`` keeps the readable reference path);
* its graph is one chain, one input to one output, of ``Dense`` layers (activation linear, plain
  ReLU, sigmoid or tanh; no activity regularizer) and ``Dropout`` layers (rate > 0), every
  weight trained, float32, ending in a Dense whose activation the loss fuses with:
  sigmoid + ``binary_crossentropy`` or softmax + ``sparse_categorical_crossentropy`` with
  their defaults (:meth:`Loss.fused_kernel`), loss weight 1;
* SciPy is installed (numba reaches BLAS through it; the ``fast`` extra brings both);
* the batch is a float32 matrix with no sample weights.

After the step the layers hold what the layer-by-layer path leaves them (the notes' quantities):
each Dense its ``a_prev``, ``z``, ``a`` and ``delta``, each Dropout its ``mask`` (fresh arrays
every step, views of that step's buffers), and every trained weight its ``grad``.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from .. import activations
from ..layers.dense import Dense, plain_relu
from ..layers.dropout import Dropout

# the loss codes of kernels/dense_stack.py (SIGMOID_BCE, SPARSE_SOFTMAX_CE; that module imports numba,
# this one must not) and the output activation each loss fuses with
_LOSSES = {"sigmoid_bce": (0, "sigmoid"), "sparse_softmax_ce": (1, "softmax")}


def _scipy_blas() -> bool:
    """Load SciPy's BLAS, which numba's ``np.dot`` calls, and give it glassnet's thread limit
    (``config.set_num_threads`` limits the BLAS libraries loaded when it is called)."""
    if importlib.util.find_spec("scipy") is None:
        return False
    import scipy.linalg.cython_blas  # noqa: F401

    from .. import config

    if config.get_num_threads() is not None:
        config.set_num_threads(config.get_num_threads())
    return True


def _act_code(act, last: bool):
    from ..kernels import dense_stack as ds

    if plain_relu(act):
        return ds.RELU
    kind = type(act)
    if kind is activations.Linear:
        return ds.LINEAR
    if kind is activations.Sigmoid:
        return ds.SIGMOID
    if kind is activations.Tanh:
        return ds.TANH
    if last and kind is activations.Softmax and act.axis == -1:
        return ds.SOFTMAX
    return None


def plan(model):
    """A :class:`DenseStackStep` for ``model`` (compiled and packed), or None when it does not qualify."""
    from ..kernels import K

    graph, cl = model._graph, model._compiled_loss
    if K.name != "numba" or graph is None or cl.multi or len(graph.input_slots) != 1:
        return None
    if not _scipy_blas():
        return None
    loss, weight = cl.losses[0], cl.weights[0]
    fused = getattr(loss, "fused_kernel", None)
    kind = _LOSSES.get(fused()) if fused is not None else None
    if kind is None or weight not in (None, 1.0) or model._activity_regularized:
        return None
    steps = graph.steps
    slots = graph.input_slots
    for st in steps:
        if st.many or st.multi_out or st.shared or list(st.inputs) != list(slots):
            return None
        if type(st.layer) not in (Dense, Dropout):
            return None
        slots = st.outputs
    if not steps or list(slots) != list(graph.output_slots) or type(steps[-1].layer) is not Dense:
        return None
    layers = [st.layer for st in steps]
    if getattr(layers[-1].activation, "name", None) != kind[1]:
        return None
    offsets = {id(v): sl.start for v, sl in model._train_segments}
    params = model._trainable_params
    if params.dtype != np.float32 or len(offsets) != sum(len(l.weights) for l in layers):
        return None
    return DenseStackStep.build(model, layers, offsets, kind[0])


class DenseStackStep:
    """The table of a qualifying model (see ``kernels/dense_stack.py``) and the per-batch call."""

    @classmethod
    def build(cls, model, layers, offsets, loss_code):
        from ..kernels import dense_stack as ds

        rows, width, mask_width = [], 0, 0
        out_col, gout_prev, dense_below = -1, -1, False

        def take(units):
            nonlocal width
            width += units
            return width - units

        last = len(layers) - 1
        for o, layer in enumerate(layers):
            in_col = out_col
            prev_gout = gout_prev if dense_below else -1
            if type(layer) is Dense:
                if layer.activity_regularizer is not None or not layer.kernel.trainable:
                    return None
                act = _act_code(layer.activation, o == last)
                if act is None or id(layer.kernel) not in offsets:
                    return None
                fan_in, units = layer.kernel.shape
                bias_off = -1
                if layer.use_bias:
                    if id(layer.bias) not in offsets:
                        return None
                    bias_off = offsets[id(layer.bias)]
                z_col = take(units)
                out_col = z_col if act == ds.LINEAR else take(units)
                delta_col = take(units)
                gout = take(units) if o != last else -1
                rows.append((ds.DENSE, fan_in, units, in_col, out_col, z_col, delta_col, gout, -1,
                             offsets[id(layer.kernel)], bias_off, act, prev_gout))
                dense_below = True
            else:
                if layer.rate <= 0.0 or layer.noise_shape is not None:
                    return None
                units = _width(layers, o)
                if units is None:
                    return None
                out_col = take(units)
                gout = take(units)
                rows.append((ds.DROPOUT, units, units, in_col, out_col, -1, -1, gout, mask_width,
                             -1, -1, -1, prev_gout))
                mask_width += units
            gout_prev = gout
        step = cls()
        step.model, step.layers, step.loss_code = model, layers, loss_code
        step.table = np.array(rows, dtype=np.int64)
        step.rates = np.array([getattr(l, "rate", 0.0) for l in layers], dtype=np.float32)
        step.width, step.mask_width, step.fan_in = width, mask_width, int(step.table[0, 1])
        step.params, step.grads = model._trainable_params, model._trainable_grads
        step.outputs = rows[-1][2]
        step.forward_backward = ds.forward_backward
        step.keeps = [(layer, int(r[0]) == ds.DENSE, *(int(v) for v in r[[3, 5, 4, 6, 1, 2, 8]]))
                      for layer, r in zip(layers, step.table)]
        step.draws = [(layer.generator, int(r[8]), int(r[2])) for layer, r in zip(layers, step.table)
                      if int(r[0]) == ds.DROPOUT]
        return step

    def __call__(self, x, y, sample_weight=None):
        """``(cost, y_pred)`` of the batch with every gradient filled, or None when the batch does not
        qualify (the caller then runs the layer-by-layer path)."""
        if (sample_weight is not None or type(x) is not np.ndarray or x.dtype != np.float32 or x.ndim != 2
                or not x.flags.c_contiguous or type(y) is not np.ndarray):
            return None
        n = x.shape[0]
        if n == 0 or x.shape[1] != self.fan_in:
            return None
        if self.loss_code == 0:
            if y.dtype != np.float32 or y.shape != (n, self.outputs):
                return None
            y_float, y_int = y, _NO_LABELS
        else:
            if y.ndim != 1 or y.shape[0] != n or y.dtype.kind != "i":
                return None
            y_float, y_int = _NO_TARGETS, y
        work = np.empty(n * self.width, dtype=np.float32)
        masks = np.empty(n * self.mask_width, dtype=np.float32)
        for generator, mask_off, units in self.draws:   # Dropout: u ~ U[0, 1) from the layer's generator
            generator.random(out=masks[mask_off * n:(mask_off + units) * n], dtype=np.float32)
        value = self.forward_backward(x, work, masks, self.rates, self.table, self.params, self.grads,
                                      self.loss_code, y_float, y_int)
        self._keep(x, work, masks, n)
        return float(value), self.layers[-1].a

    def _keep(self, x, work, masks, n) -> None:
        """What the layers keep after a training forward / backward (views of this step's buffers)."""
        for layer, is_dense, in_col, z_col, out_col, delta_col, fan_in, units, mask_off in self.keeps:
            if not is_dense:
                layer.mask = masks[mask_off * n:(mask_off + units) * n].reshape(n, units)
                continue
            layer.a_prev = x if in_col < 0 else work[in_col * n:(in_col + fan_in) * n].reshape(n, fan_in)
            layer.z = z = work[z_col * n:(z_col + units) * n].reshape(n, units)
            layer.a = z if out_col == z_col else work[out_col * n:(out_col + units) * n].reshape(n, units)
            layer.delta = work[delta_col * n:(delta_col + units) * n].reshape(n, units)


_NO_LABELS = np.zeros(1, dtype=np.int64)
_NO_TARGETS = np.zeros((1, 1), dtype=np.float32)


def _width(layers, o):
    """The width of a Dropout's input: the units of the Dense below it, else the fan-in above it."""
    for layer in reversed(layers[:o]):
        if type(layer) is Dense:
            return layer.kernel.shape[1]
    for layer in layers[o + 1:]:
        if type(layer) is Dense:
            return layer.kernel.shape[0]
    return None

"""``Optimizer``: the machinery every optimizer shares, in Keras 3's order of operations.

One call of :meth:`Optimizer.apply` (or :meth:`Optimizer.step_flat`, the fast
path models use) does, for the gradients ``g`` of the variables ``w``:

1. ``g <- g / loss_scale_factor``                     (if ``loss_scale_factor`` is set)
2. gradient accumulation (if ``gradient_accumulation_steps = k``): on k-1 of
   every k calls only ``acc <- acc + g`` happens (no update); on the k-th,
   ``g <- (g + acc) / k`` and ``acc <- 0`` before going on
3. clipping, at most one of
   - ``clipnorm=c``:       each variable's gradient ``g <- g * c / max(||g||_2, c)``
   - ``global_clipnorm=c``: all of them ``g <- g * c * min(1/N, 1/c)``, ``N = sqrt(sum_i ||g_i||^2)``
   - ``clipvalue=c``:      ``g <- clip(g, -c, c)`` elementwise
4. decoupled weight decay (if ``weight_decay = wd``): ``w <- w - w * wd * lr``
5. the optimizer's own rule ``_update_step(w, g, slots, lr, t)`` with
   ``lr`` the learning rate (a schedule is evaluated at ``iterations``, the
   count of calls before this one) and ``t = iterations + 1`` the 1-based step
   (with accumulation ``t`` counts updates, not calls; schedules see calls)
6. EMA of the weights (if ``use_ema``): ``avg <- mu * avg + (1 - mu) * w`` with
   ``mu = ema_momentum`` (``mu = 0`` on the very first call, so ``avg = w``);
   every ``ema_overwrite_frequency`` steps the weights are replaced by ``avg``
7. variable constraints, ``w <- constraint(w)`` for each variable that has a
   ``constraint`` (on every call, as Keras 3 does)
8. ``iterations += 1``

Conventions that differ from PyTorch: Keras's ``weight_decay`` is *decoupled*
(step 4, scaled by the learning rate, as in AdamW) for every optimizer, where
``torch.optim.SGD/Adam(weight_decay=...)`` add ``wd * w`` to the gradient; and
``clipnorm`` clips each variable on its own (PyTorch's ``clip_grad_norm_`` is
the global norm, Keras's ``global_clipnorm``).

All arithmetic runs in the variables' dtype (float32) in the same order as
Keras; the learning rate is held as float32, as Keras's variable holds it.
Slots (moments, accumulators) live in flat arrays laid out like the model's
flat parameter vector, so an update of the whole model is a handful of
vectorised NumPy calls.
"""
from __future__ import annotations

import numbers
import re
import warnings
from typing import NamedTuple

import numpy as np

from .. import config
from .._registry import Registry, snake_case, unique_name
from .._validation import check_bool, check_float, check_int_at_least
from ..kernels import K
from ..variables import Variable
from .schedules import LearningRateSchedule
from . import schedules as _schedules

OPTIMIZERS = Registry("optimizer", "keras.optimizers")

class ScalarValue(float):
    """A Python float with Keras's ``.numpy()`` (tutorials call ``optimizer.learning_rate.numpy()``)."""

    def numpy(self):
        return np.float32(self)


def _auto_name(class_name: str) -> str:
    """``'adam'``, then ``'adam_1'``, ``'adam_2'``... (Keras's naming of unnamed objects)."""
    return unique_name(snake_case(class_name))


def check_beta(value, name: str, where: str) -> float:
    """A moment decay rate (Adam's beta_1 / beta_2 ...): a float in [0, 1)."""
    return check_float(value, name, where, low=0.0, high=1.0, high_inclusive=False)


class _StateList(list):
    """A list of state variables that can also be called.

    Keras 3 exposes ``optimizer.variables`` as a property; glassnet's contract
    also lets callers write ``optimizer.variables()``.  Both give this list.
    """

    def __call__(self):
        return self


class Entry(NamedTuple):
    """One variable in an update: its build ``index``, flat ``params`` and ``grads`` (1-D views)."""
    index: int
    params: np.ndarray
    grads: np.ndarray
    variable: Variable


class Segment(NamedTuple):
    """Variables ``start:stop`` (build order) whose params and grads are contiguous 1-D spans:
    the optimizer's rule runs once per segment (a whole packed model is one segment)."""
    start: int
    stop: int
    params: np.ndarray
    grads: np.ndarray


class Update(NamedTuple):
    """One call's work: the ``entries`` (sorted by build index), the ``runs`` of contiguous
    segments covering them, each run's slot views and whether the gradients need a cast."""
    entries: list
    runs: list
    slots: list
    cast: bool


class _FlatPlan(NamedTuple):
    """What ``step_flat`` derived from ``(params, grads, segments)``, reused while they stay the same."""
    params: np.ndarray
    grads: np.ndarray
    segments: list
    count: int
    index: dict
    update: Update


def _check_positive(value, name, where, allow_none=True):
    """None, or a finite number > 0 (kept as a Python float)."""
    return check_float(value, name, where, low=0.0, low_inclusive=False, allow_none=allow_none)


def _is_schedule_or_callable(value) -> bool:
    return isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, type))


def _check_learning_rate(value, where: str):
    """A finite float > 0, a LearningRateSchedule, or a zero-argument callable."""
    if _is_schedule_or_callable(value):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: learning_rate must be a positive float, a LearningRateSchedule or a "
            f"zero-argument callable, got {type(value).__name__} {value!r}"
        )
    return check_float(value, "learning_rate", where, low=0.0, low_inclusive=False)


class Optimizer:
    """Base class of all optimizers (Keras 3's ``keras.optimizers.Optimizer``).

    Arguments (shared by every optimizer, Keras's names and defaults):
        learning_rate: float > 0, a ``LearningRateSchedule`` (evaluated at
            ``iterations`` each step) or a zero-argument callable.
        weight_decay: None or float >= 0; decoupled decay ``w <- w - w * wd * lr``
            applied before the update.
        clipnorm / global_clipnorm / clipvalue: None or float > 0 (at most one);
            see the module docstring for the formulas.
        use_ema, ema_momentum (in [0, 1]), ema_overwrite_frequency (None or int >= 1):
            exponential moving average of the weights.
        loss_scale_factor: None or float > 0; gradients are divided by it
            (``scale_loss(loss)`` multiplies the loss by it).
        gradient_accumulation_steps: None or int >= 2; average the gradients of
            that many calls and update once.
        name: string; default ``snake_case(class name)`` made unique.

    Subclasses define ``_slot_groups()`` (their per-variable state, in Keras's
    order) and ``_update_step(param, grad, slots, lr, step)``: one elementwise
    rule applied to 1-D arrays (a whole flat run of variables or one variable),
    updating ``param`` and the ``slots`` arrays in place and never writing to
    ``grad``.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        where = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{where}: argument `decay` is no longer supported and is ignored "
                          "(use a learning rate schedule)", UserWarning, stacklevel=2)
        if kwargs:
            raise ValueError(f"{where}: argument(s) not recognized: {', '.join(sorted(kwargs))}")
        if name is None:
            name = _auto_name(where)
        elif not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__} {name!r}")
        self.name = name
        self.weight_decay = check_float(weight_decay, "weight_decay", where, low=0.0, allow_none=True)
        self.clipnorm = _check_positive(clipnorm, "clipnorm", where)
        self.clipvalue = _check_positive(clipvalue, "clipvalue", where)
        self.global_clipnorm = _check_positive(global_clipnorm, "global_clipnorm", where)
        n_clip = sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm))
        if n_clip > 1:
            raise ValueError(
                f"{where}: only one of clipnorm, clipvalue and global_clipnorm can be set; got "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.use_ema = check_bool(use_ema, "use_ema", where)
        self.ema_momentum = check_float(ema_momentum, "ema_momentum", where, low=0.0, high=1.0)
        self.ema_overwrite_frequency = check_int_at_least(ema_overwrite_frequency, "ema_overwrite_frequency",
                                                          where, 1, allow_none=True)
        self.loss_scale_factor = _check_positive(loss_scale_factor, "loss_scale_factor", where)
        self.gradient_accumulation_steps = check_int_at_least(
            gradient_accumulation_steps, "gradient_accumulation_steps", where, 2, allow_none=True)

        # iterations (raw count of apply calls) and the float32 learning-rate variable
        self._iteration_var = self._state_variable(np.zeros((), dtype=np.int64), "iteration")
        self._lr_var = self._state_variable(np.zeros((), dtype=config.floatx()), "learning_rate")
        self._learning_rate = None
        self._assign_learning_rate(_check_learning_rate(learning_rate, where))

        self.built = False
        self._trainable_variables: list = []
        self._index: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern = None

    # ------------------------------------------------------------------ state variables
    def _state_variable(self, array: np.ndarray, name: str) -> Variable:
        """A non-trainable ``Variable`` whose value *is* ``array`` (no copy)."""
        v = Variable(np.zeros((), dtype=array.dtype), name=name, trainable=False,
                     path=f"{self.name}/{name}", dtype=array.dtype)
        v.value = array
        v.grad = None
        return v

    @property
    def iterations(self) -> int:
        """Number of updates applied (calls, or calls // gradient_accumulation_steps)."""
        raw = int(self._iteration_var.value)
        if self.gradient_accumulation_steps:
            return raw // self.gradient_accumulation_steps
        return raw

    # ------------------------------------------------------------------ learning rate
    def _assign_learning_rate(self, value) -> None:
        if _is_schedule_or_callable(value):
            self._learning_rate = value
        else:
            self._lr_var.value[...] = value            # rounded to float32 as Keras's variable
            self._learning_rate = self._lr_var

    def _current_learning_rate(self):
        """The learning rate for this step as a float32 (floatx) NumPy scalar."""
        lr = self._learning_rate
        if lr is self._lr_var:
            return self._lr_var.value[()]
        if isinstance(lr, LearningRateSchedule):
            val = lr(int(self._iteration_var.value))
        else:
            val = lr()
        return np.asarray(val, dtype=self._lr_var.dtype)[()]

    @property
    def learning_rate(self) -> float:
        """The current learning rate as a float (a schedule is evaluated at ``iterations``).

        Settable: ``opt.learning_rate = 0.01`` (stored as float32), or a new
        schedule / callable.  A float cannot replace a schedule (as in Keras).
        """
        return ScalarValue(self._current_learning_rate())

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        where = type(self).__name__
        value = _check_learning_rate(value, where)
        if not _is_schedule_or_callable(value) and self._learning_rate is not self._lr_var:
            raise TypeError(
                f"{where}: this optimizer was created with a learning rate schedule (or callable) "
                f"as its learning_rate, so a float learning rate cannot be set; create the "
                f"optimizer with a float learning_rate to make it settable (got {value!r})"
            )
        self._assign_learning_rate(value)

    # ------------------------------------------------------------------ build
    def _slot_groups(self) -> list[list[tuple[str, float]]]:
        """Per-variable state in Keras's order: a list of groups of ``(slot name, initial value)``.

        Within a group the slots are interleaved per variable (``m0, v0, m1, v1``);
        groups follow each other (``..., vhat0, vhat1``).
        """
        return []

    def _extra_state(self, dtype) -> list[tuple[str, np.ndarray]]:
        """Scalar state besides the slots (Nadam's momentum-cache product), after the slots."""
        return []

    def build(self, variables) -> None:
        """Create the optimizer state for ``variables`` (list of ``Variable``).

        Each slot is one flat array of ``sum(v.size)`` elements in the order of
        ``variables``, and variable ``i``'s slot is a view of its segment.
        Building again with the same list does nothing (as in Keras).  With a
        different list (a model re-packed after ``trainable`` changed) the
        layout follows the new list and the state of every variable present in
        both (moments, accumulators, EMA) is kept, as are ``iterations`` and
        the learning rate.
        """
        variables = list(variables)
        if self.built:
            if [id(v) for v in variables] == [id(v) for v in self._trainable_variables]:
                return
            previous = (self._trainable_variables, self._index, self._layout, self._slots,
                        {sv.name: sv.value.copy() for sv in self._extra})
        else:
            previous = None
        where = type(self).__name__
        dtype = None
        for v in variables:
            if not (hasattr(v, "value") and isinstance(getattr(v, "value"), np.ndarray)):
                raise TypeError(f"{where}.build: variables must be glassnet Variables, got "
                                f"{type(v).__name__}")
            if v.value.dtype.kind != "f":
                raise TypeError(f"{where}.build: variable {getattr(v, 'path', '?')!r} must have a "
                                f"float dtype, got {v.value.dtype}")
            if dtype is None:
                dtype = v.value.dtype
            elif v.value.dtype != dtype:
                raise ValueError(f"{where}.build: all variables must share one dtype; got {dtype} "
                                 f"and {v.value.dtype} ({v.path!r})")
        if len({id(v) for v in variables}) != len(variables):
            raise ValueError(f"{where}.build: variables contains the same Variable twice")
        dtype = np.dtype(dtype or config.floatx())
        self._dtype = dtype
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        layout, off = [], 0
        for v in variables:
            layout.append(slice(off, off + v.value.size))
            off += v.value.size
        self._layout = layout
        self._total = off

        groups = []
        if self.use_ema:
            groups.append([("average", 0.0)])
        if self.gradient_accumulation_steps:
            groups.append([("gradient_accumulator", 0.0)])
        groups.extend(self._slot_groups())
        self._slots: dict[str, np.ndarray] = {}
        slot_vars: list[Variable] = []
        for group in groups:
            for name, init in group:
                self._slots[name] = np.full(self._total, init, dtype=dtype)
        for group in groups:
            for i, v in enumerate(variables):
                for name, _ in group:
                    vname = f"{getattr(v, 'path', 'variable').replace('/', '_')}_{name}"
                    sv = self._state_variable(self._slots[name][layout[i]].reshape(v.value.shape),
                                              vname)
                    slot_vars.append(sv)
        self._slot_views = [{n: a[sl] for n, a in self._slots.items()} for sl in layout]
        self._extra = [self._state_variable(arr, n) for n, arr in self._extra_state(dtype)]
        self._slot_variables = slot_vars + self._extra
        self._scratch: dict[int, np.ndarray] = {}
        self._work = None
        self.built = True
        if previous is not None:
            _, old_index, old_layout, old_slots, old_extra = previous
            for i, v in enumerate(variables):
                j = old_index.get(id(v))
                if j is None or old_layout[j].stop - old_layout[j].start != v.value.size:
                    continue
                for name, arr in self._slots.items():
                    if name in old_slots:
                        arr[layout[i]] = old_slots[name][old_layout[j]]
            for sv in self._extra:
                if sv.name in old_extra and old_extra[sv.name].shape == sv.value.shape:
                    sv.value[...] = old_extra[sv.name]

    @property
    def variables(self) -> _StateList:
        """The optimizer state, Keras's order: iteration, learning_rate (when a float), slots.

        Each entry is a ``Variable`` whose value is a view of the live state, so
        ``v.numpy()`` reads it and ``v.assign(x)`` writes it.  Usable as a
        property (Keras) or called (``opt.variables()``).
        """
        out = [self._iteration_var]
        if self._learning_rate is self._lr_var:
            out.append(self._lr_var)
        if self.built:
            out.extend(self._slot_variables)
        return _StateList(out)

    def set_weights(self, weights) -> None:
        """Load state arrays in the order of :attr:`variables` (shapes must match)."""
        if not self.built:
            raise ValueError(f"{type(self).__name__}.set_weights: the optimizer is not built yet; "
                             "call optimizer.build(trainable_variables) first")
        variables = self.variables
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(f"{type(self).__name__}.set_weights: expected {len(variables)} arrays, "
                             f"got {len(weights)}")
        for var, w in zip(variables, weights):
            w = np.asarray(w)
            if w.shape != var.shape:
                raise ValueError(f"{type(self).__name__}.set_weights: {var.path} has shape "
                                 f"{var.shape}, got an array of shape {w.shape}")
        for var, w in zip(variables, weights):
            var.value[...] = np.asarray(w)

    def save_own_variables(self, store) -> None:
        """Write each state array to ``store['0']``, ``store['1']``, ... (Keras's layout)."""
        for i, v in enumerate(self.variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store) -> None:
        """Read the arrays :meth:`save_own_variables` wrote; warns and skips on a count mismatch."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(
                f"Skipping variable loading for optimizer {self.name!r}: it has {len(variables)} "
                f"variables but the saved optimizer has {len(store.keys())}"
                + (" (the optimizer has not been built yet)" if not self.built else ""),
                UserWarning, stacklevel=2)
            return
        for i, v in enumerate(variables):
            v.assign(np.asarray(store[str(i)]))

    # ------------------------------------------------------------------ weight decay exclusions
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables from weight decay: those in ``var_list``, and those whose
        ``name`` contains any of the strings in ``var_names`` (e.g. ``['bias']``)."""
        self._exclude_ids = {id(v) for v in (var_list or [])}
        if var_names:
            if isinstance(var_names, str):
                raise TypeError(f"{type(self).__name__}.exclude_from_weight_decay: var_names must "
                                f"be a list of strings, got the string {var_names!r}")
            self._exclude_pattern = re.compile("|".join(sorted(set(var_names))))
        else:
            self._exclude_pattern = None

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and self._exclude_pattern.search(variable.name):
            return False
        return True

    # ------------------------------------------------------------------ public update API
    def apply_gradients(self, grads_and_vars) -> int:
        """Apply ``[(grad, variable), ...]``; returns the raw iteration count (Keras's API)."""
        pairs = list(grads_and_vars)
        if not pairs:
            return int(self._iteration_var.value)
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return int(self._iteration_var.value)

    def apply(self, grads, trainable_variables=None) -> None:
        """Update ``trainable_variables`` (default: the built ones) with ``grads``, one per variable.

        Builds the optimizer on the first call if needed.  ``None`` gradients
        are skipped (with a warning); arrays are cast to the variables' dtype.
        """
        where = type(self).__name__
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{where}.apply: without trainable_variables the optimizer must be "
                                 "built first; call optimizer.build(trainable_variables)")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{where}.apply: got {len(grads)} gradients for {len(variables)} "
                             "variables; they must match one to one")
        entries, missing = [], []
        for g, v in zip(grads, variables):
            i = self._index.get(id(v))
            if i is None:
                raise ValueError(f"{where}.apply: unknown variable {getattr(v, 'path', v)!r}; this "
                                 "optimizer can only update the variables it was built with "
                                 "(create a new optimizer for new variables)")
            if g is None:
                missing.append(getattr(v, "path", "?"))
                continue
            g = np.asarray(g)
            if g.shape != v.value.shape:
                raise ValueError(f"{where}.apply: gradient for {v.path!r} has shape {g.shape}, "
                                 f"expected {v.value.shape}")
            if g.dtype != self._dtype:
                g = g.astype(self._dtype)
            entries.append(Entry(i, v.value.reshape(-1), np.ascontiguousarray(g).reshape(-1), v))
        if not entries:
            raise ValueError(f"{where}.apply: no gradients provided for any variable")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.",
                          UserWarning, stacklevel=2)
        entries.sort(key=lambda e: e.index)
        writeback = [(e.variable, e.params) for e in entries
                     if not np.may_share_memory(e.params, e.variable.value)]
        # one segment per variable: the rule is elementwise, so this gives step_flat's numbers
        self._apply_entries(self._update_of(entries, [Segment(e.index, e.index + 1, e.params, e.grads)
                                                      for e in entries]))
        for v, p in writeback:
            v.value[...] = p.reshape(v.value.shape)

    def step_flat(self, params: np.ndarray, grads: np.ndarray, segments) -> None:
        """Fast path: update the flat vector ``params`` in place from the flat ``grads``.

        ``segments`` is a list of ``(Variable, slice)`` (from ``variables.pack``);
        runs of segments that are consecutive both in ``params`` and in the order
        the optimizer was built with become one :class:`Segment`, updated by one
        vectorised call (a whole packed model is one).  ``grads`` is only read.
        """
        if not self.built:
            self.build([v for v, _ in segments])
        # A model passes the same arrays and segment list at every step: reuse the plan.
        plan = self.__dict__.get("_flat_plan")
        if (plan is not None and plan.params is params and plan.grads is grads
                and plan.segments is segments and plan.count == len(segments)
                and plan.index is self._index):
            self._apply_entries(plan.update)
            return
        where = type(self).__name__
        items = []
        for v, sl in segments:
            i = self._index.get(id(v))
            if i is None:
                raise ValueError(f"{where}.step_flat: unknown variable {getattr(v, 'path', v)!r}; "
                                 "this optimizer was built for other variables")
            start, stop, step = sl.indices(params.size)
            if step != 1:
                raise ValueError(f"{where}.step_flat: segment slices must have step 1, got {sl!r}")
            items.append((i, start, stop, v))
        if not items:
            return
        items.sort(key=lambda e: e[0])
        if any(items[k][0] == items[k + 1][0] for k in range(len(items) - 1)):
            raise ValueError(f"{where}.step_flat: segments lists a variable more than once")
        entries = [Entry(i, params[start:stop], grads[start:stop], v) for i, start, stop, v in items]
        runs, first = [], 0
        for k in range(1, len(items) + 1):
            if (k == len(items) or items[k][0] != items[k - 1][0] + 1
                    or items[k][1] != items[k - 1][2]):
                lo, hi = items[first][1], items[k - 1][2]
                runs.append(Segment(items[first][0], items[k - 1][0] + 1,
                                    params[lo:hi], grads[lo:hi]))
                first = k
        update = self._update_of(entries, runs)
        self._flat_plan = _FlatPlan(params, grads, segments, len(segments), self._index, update)
        self._apply_entries(update)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (or ``loss`` when no factor is set)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def finalize_variable_values(self, var_list) -> None:
        """With ``use_ema``, overwrite the variables by their moving averages (end of training)."""
        if self.use_ema and self.built:
            self._overwrite_with_average(list(var_list))

    # ------------------------------------------------------------------ the pipeline
    def _tmp(self, k: int, n: int) -> np.ndarray:
        """Scratch buffer number ``k``, first ``n`` elements (reused across steps)."""
        buf = self._scratch.get(k)
        if buf is None or buf.size < n:
            buf = np.empty(max(n, self._total), dtype=self._dtype)
            self._scratch[k] = buf
        return buf[:n]

    def _update_of(self, entries: list[Entry], runs: list[Segment]) -> Update:
        dt = self._dtype
        return Update(entries, runs, [self._run_slots(r.start, r.stop) for r in runs],
                      any(e.grads.dtype != dt for e in entries))

    def _needs_copy(self, update: Update) -> bool:
        """True when gradients must be transformed (so copied into our work buffer first)."""
        return (update.cast or self.loss_scale_factor is not None
                or self.gradient_accumulation_steps is not None or self.clipnorm is not None
                or self.global_clipnorm is not None or self.clipvalue is not None)

    def _slot_span(self, start: int, stop: int) -> slice:
        """Where variables ``start:stop`` (build order) sit in the flat slot arrays."""
        return slice(self._layout[start].start, self._layout[stop - 1].stop)

    def _run_slots(self, start: int, stop: int) -> dict:
        if stop - start == 1:
            return self._slot_views[start]
        span = self._slot_span(start, stop)
        return {n: a[span] for n, a in self._slots.items()}

    def _apply_entries(self, update: Update) -> None:
        """Steps 1-8 of the module docstring on ``update.entries`` (sorted by build index),
        whose params and grads ``update.runs`` cover as contiguous segments."""
        dt = self._dtype
        entries, runs = update.entries, update.runs
        steps = self.gradient_accumulation_steps
        if self._needs_copy(update):
            # copy the gradients into our buffer (laid out like the slots) and transform there
            if self._work is None:
                self._work = np.empty(self._total, dtype=dt)
            work, layout = self._work, self._layout
            copied = []
            for e in entries:
                w = work[layout[e.index]]
                np.copyto(w, e.grads, casting="same_kind")
                copied.append(e._replace(grads=w))
            entries = copied
            runs = [r._replace(grads=work[self._slot_span(r.start, r.stop)]) for r in runs]

        if self.loss_scale_factor is not None:
            for g in (r.grads for r in runs):
                g /= self.loss_scale_factor

        do_update = True
        if steps is not None:
            acc = self._slots["gradient_accumulator"]
            do_update = (int(self._iteration_var.value) + 1) % steps == 0
            for r in runs:
                a, g = acc[self._slot_span(r.start, r.stop)], r.grads
                if do_update:
                    g += a
                    g /= steps
                    a[...] = 0
                else:
                    a += g

        if do_update:
            self._clip(entries, runs)
            lr = dt.type(self._current_learning_rate())
            if self.weight_decay is not None and self.weight_decay != 0.0:
                self._decay_weights(entries, runs, lr)
            step = self.iterations + 1
            self._prepare_step(step)
            for r, slots in zip(runs, update.slots):
                self._update_step(r.params, r.grads, slots, lr, step)

        if self.use_ema:
            self._update_ema()
        self._apply_constraints(entries)
        self._iteration_var.value += 1

    @staticmethod
    def _apply_constraints(entries: list[Entry]) -> None:
        """Step 7: ``w <- constraint(w)`` for each variable that has a ``constraint`` attribute
        (Keras 3 does it at the end of every ``apply``, after the update and the EMA)."""
        for e in entries:
            constraint = getattr(e.variable, "constraint", None)
            if constraint is not None:   # e.params: the variable's values as the update wrote them
                p = e.params
                p[...] = np.asarray(constraint(p.reshape(e.variable.shape)), dtype=p.dtype).reshape(-1)

    def _clip(self, entries: list[Entry], runs: list[Segment]) -> None:
        dt = self._dtype
        if self.clipnorm is not None:
            c = dt.type(self.clipnorm)
            for g in (e.grads for e in entries):
                norm = np.sqrt(np.dot(g, g))
                g *= c
                g /= np.maximum(norm, c)
        elif self.global_clipnorm is not None:
            c = self.global_clipnorm
            sq = dt.type(0)
            for e in entries:
                sq = sq + np.dot(e.grads, e.grads)
            norm = np.sqrt(sq)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = dt.type(c) * np.minimum(dt.type(1) / norm, dt.type(1.0 / c))
                scale = scale + (norm - norm)            # NaN when the norm is not finite
            for g in (r.grads for r in runs):
                g *= scale
        elif self.clipvalue is not None:
            for r in runs:
                np.clip(r.grads, -self.clipvalue, self.clipvalue, out=r.grads)

    def _decay_weights(self, entries: list[Entry], runs: list[Segment], lr) -> None:
        """``w <- w - (w * wd) * lr`` for every variable not excluded."""
        if not self._exclude_ids and self._exclude_pattern is None:
            targets = [r.params for r in runs]
        else:
            targets = [e.params for e in entries if self._use_weight_decay(e.variable)]
        wd = self._dtype.type(self.weight_decay)
        for p in targets:
            K.weight_decay(p, wd, lr)

    def _prepare_step(self, step: int) -> None:
        """Hook run once per update before ``_update_step`` (Nadam's momentum cache)."""

    def _update_step(self, param, grad, slots, lr, step) -> None:
        """The optimizer's rule on 1-D arrays; ``lr`` a dtype scalar, ``step`` the 1-based count."""
        raise NotImplementedError(f"{type(self).__name__} must implement _update_step")

    # ------------------------------------------------------------------ EMA
    def _update_ema(self) -> None:
        dt = self._dtype
        mom = dt.type(self.ema_momentum) if self.iterations != 0 else dt.type(0)
        avg = self._slots["average"]
        for i, v in enumerate(self._trainable_variables):
            a = avg[self._layout[i]]
            K.ema(a, v.value.reshape(-1), mom, dt.type(1) - mom)
        freq = self.ema_overwrite_frequency
        if freq and (self.iterations + 1) % freq == 0:
            self._overwrite_with_average(self._trainable_variables)

    def _overwrite_with_average(self, var_list) -> None:
        if len(var_list) != len(self._trainable_variables):
            raise ValueError(
                f"{type(self).__name__}: got {len(var_list)} variables to overwrite with their "
                f"moving averages but the optimizer tracks {len(self._trainable_variables)}"
            )
        avg = self._slots["average"]
        for i, v in enumerate(var_list):
            v.assign(avg[self._layout[i]].reshape(v.value.shape))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Keras's keys; a float learning rate is written as its float32 value."""
        lr = self._learning_rate
        if lr is self._lr_var:
            lr_conf = float(self._lr_var.value)
        elif isinstance(lr, LearningRateSchedule):
            lr_conf = _schedules.serialize(lr)
        else:
            lr_conf = lr
        return {
            "name": self.name,
            "learning_rate": lr_conf,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Build an optimizer from :meth:`get_config`'s dict (a schedule dict is deserialized)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name} iterations={self.iterations}>"

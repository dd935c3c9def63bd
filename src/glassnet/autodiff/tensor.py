"""The :class:`Tensor` (an ndarray recorded on a tape) and the routing of NumPy calls on it.

A ufunc on a recorded Tensor is recorded with its rule from :mod:`.vjp`; a NumPy function
(``np.sum``, ``np.concatenate``, ...) is sent to its ``glassnet.ops`` equivalent; anything without
a recorded version raises :class:`NotDifferentiableError` naming what to use instead.
"""
from __future__ import annotations

import numpy as np

from ..variables import Variable
from .tape import NotDifferentiableError, any_tracked, tracked, active_tape, plain
from .vjp import UFUNC_VJP


# Ufuncs whose result is boolean / integer: never differentiated, result not recorded.
_NO_GRAD_UFUNCS = {
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, np.isnan, np.isinf,
    np.isfinite, np.signbit,
}

_UFUNC_SUGGEST = {"clip": "glassnet.ops.clip", "heaviside": "glassnet.ops.where"}


def apply_ufunc(ufunc, method, inputs, out, kwargs):
    tape = active_tape()
    if tape is not None:
        inputs = tuple(tape.leaf(x) if isinstance(x, Variable) else x for x in inputs)
    if tape is None or not any(tracked(x, tape) for x in inputs) and not (
            out is not None and any(tracked(o, tape) for o in out)):
        args = tuple(plain(x) if isinstance(x, (Tensor, Variable)) else x for x in inputs)
        if out is not None:
            outs = tuple(plain(o) if isinstance(o, (Tensor, Variable)) else o for o in out)
            getattr(ufunc, method)(*args, out=outs, **kwargs)
            return out[0] if len(out) == 1 else out
        result = getattr(ufunc, method)(*args, **kwargs)
        if isinstance(result, tuple):
            return tuple(r.view(Tensor) if isinstance(r, np.ndarray) else r for r in result)
        return result.view(Tensor) if isinstance(result, np.ndarray) else result
    name = ufunc.__name__
    if out is not None:
        raise NotDifferentiableError(
            f"np.{name} with out= (an in-place operation such as x += y or x *= y) on a recorded "
            f"Tensor cannot be differentiated: write x = x + y instead"
        )
    if method == "reduce":
        return _reduce(ufunc, inputs, kwargs)
    if method == "accumulate" and ufunc is np.add:
        from .. import ops
        return ops.cumsum(inputs[0], axis=kwargs.get("axis", 0))
    if method != "__call__":
        raise NotDifferentiableError(f"np.{name}.{method} on a recorded Tensor is not differentiable "
                                     f"in glassnet; use glassnet.ops functions")
    bad = set(kwargs) - {"dtype", "casting"}
    if bad:
        raise NotDifferentiableError(f"np.{name} with {', '.join(sorted(bad))}= on a recorded Tensor "
                                     f"is not differentiable in glassnet")
    # Python numbers stay Python numbers: NumPy's weak scalars keep float32 float32.
    args = tuple(x if isinstance(x, (int, float, complex)) else plain(x) for x in inputs)
    result = ufunc(*args, **kwargs)
    if ufunc in _NO_GRAD_UFUNCS:
        return result.view(Tensor) if isinstance(result, np.ndarray) else result
    rule = UFUNC_VJP.get(ufunc)
    if rule is None:
        hint = _UFUNC_SUGGEST.get(name, "a glassnet.ops function")
        raise NotDifferentiableError(
            f"np.{name} has no recorded gradient in glassnet, so it cannot be applied to a recorded "
            f"Tensor (inside a custom layer's call or a custom loss); use {hint} instead"
        )
    return tape.record(name, inputs, result, rule(*args, result))


def _reduce(ufunc, inputs, kwargs):
    from .. import ops
    fn = {np.add: ops.sum, np.maximum: ops.max, np.minimum: ops.min, np.multiply: ops.prod}.get(ufunc)
    bad = {k for k, v in kwargs.items() if k not in ("axis", "keepdims", "dtype") and v is not None}
    if fn is None or bad:
        raise NotDifferentiableError(
            f"np.{ufunc.__name__}.reduce{' with ' + ', '.join(sorted(bad)) if bad else ''} on a "
            f"recorded Tensor is not differentiable in glassnet; use glassnet.ops.sum / max / min / prod"
        )
    out = fn(inputs[0], axis=kwargs.get("axis", 0), keepdims=bool(kwargs.get("keepdims", False)))
    dtype = kwargs.get("dtype")
    return ops.cast(out, dtype) if dtype is not None else out


# =============================================================================== NumPy functions
# np.<function> -> the glassnet.ops equivalent, called with NumPy's signature (filled lazily).
_FUNCTION_ROUTES: dict = {}

# Read-only NumPy functions: fine on a recorded Tensor, their result is not differentiated.
_NO_GRAD_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.array_equiv, np.any,
    np.all, np.argmax, np.argmin, np.argsort, np.count_nonzero, np.nonzero, np.flatnonzero,
    np.array2string, np.array_repr, np.array_str, np.result_type, np.can_cast, np.iscomplexobj,
    np.isrealobj, np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.searchsorted,
    np.min_scalar_type, np.may_share_memory, np.shares_memory,
}

_FUNCTION_SUGGEST = {
    "asarray": "the Tensor itself", "array": "the Tensor itself", "copy": "glassnet.ops.copy",
    "split": "glassnet.ops.split",
    "linalg.norm": "glassnet.ops.norm", "average": "glassnet.ops.mean", "diff": "slicing: x[1:] - x[:-1]",
    "cumprod": "glassnet.ops.prod", "sort": "glassnet.ops.take(x, np.argsort(ops.convert_to_numpy(x)))",
}


def _reject(where, **kwargs):
    for k, v in kwargs.items():
        if v is not None and v is not False:
            raise NotDifferentiableError(f"np.{where} with {k}= on a recorded Tensor is not "
                                         f"differentiable in glassnet; use glassnet.ops.{where}")


def _build_routes():
    from .. import ops

    def reduction(fn, name):
        def route(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
            _reject(name, dtype=dtype, out=out, **{k: v for k, v in kw.items() if k != "initial"})
            if kw.get("initial") is not None:
                return fn(a, axis=axis, keepdims=keepdims, initial=kw["initial"])
            return fn(a, axis=axis, keepdims=keepdims)
        return route

    def var_route(fn, name):
        def route(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
            _reject(name, dtype=dtype, out=out, **kw)
            if ddof != 0:
                raise NotDifferentiableError(f"np.{name} with ddof={ddof} on a recorded Tensor: glassnet.ops."
                                             f"{name} has Keras's ddof=0 only")
            return fn(a, axis=axis, keepdims=keepdims)
        return route

    def reshape(a, *args, **kw):
        shape = args[0] if args else kw.pop("shape", kw.pop("newshape", None))
        _reject("reshape", order=None if kw.get("order", "C") == "C" else kw["order"])
        return ops.reshape(a, shape)

    def transpose(a, axes=None):
        return ops.transpose(a, axes)

    def concatenate(arrays, axis=0, out=None, **kw):
        _reject("concatenate", out=out, **kw)
        return ops.concatenate(arrays, axis=axis)

    def stack(arrays, axis=0, out=None, **kw):
        _reject("stack", out=out, **kw)
        return ops.stack(arrays, axis=axis)

    def clip(a, a_min=None, a_max=None, out=None, **kw):
        _reject("clip", out=out)
        a_min = kw.get("min", a_min)
        a_max = kw.get("max", a_max)
        return ops.clip(a, a_min, a_max)

    def where(condition, *xy):
        if len(xy) != 2:
            raise NotDifferentiableError("np.where(condition) with one argument returns indices; it has "
                                         "no gradient (use np.where(condition, x, y) or glassnet.ops.where)")
        return ops.where(condition, *xy)

    def take(a, indices, axis=None, out=None, mode="raise"):
        _reject("take", out=out)
        return ops.take(a, indices, axis=axis)

    def cumsum(a, axis=None, dtype=None, out=None):
        _reject("cumsum", dtype=dtype, out=out)
        return ops.cumsum(a, axis=axis)

    def norm(x, ord=None, axis=None, keepdims=False):
        return ops.norm(x, ord=ord, axis=axis, keepdims=keepdims)

    def einsum(*operands, out=None, **kw):
        _reject("einsum", out=out)
        return ops.einsum(*operands)

    routes = {
        np.sum: reduction(ops.sum, "sum"), np.mean: reduction(ops.mean, "mean"),
        np.max: reduction(ops.max, "max"), np.min: reduction(ops.min, "min"),
        np.amax: reduction(ops.max, "max"), np.amin: reduction(ops.min, "min"),
        np.prod: reduction(ops.prod, "prod"),
        np.var: var_route(ops.var, "var"), np.std: var_route(ops.std, "std"),
        np.reshape: reshape, np.transpose: transpose, np.concatenate: concatenate, np.stack: stack,
        np.expand_dims: lambda a, axis: ops.expand_dims(a, axis),
        np.squeeze: lambda a, axis=None: ops.squeeze(a, axis),
        np.where: where, np.clip: clip, np.dot: lambda a, b, out=None: ops.dot(a, b),
        np.matmul: lambda a, b, **kw: ops.matmul(a, b), np.take: take, np.cumsum: cumsum,
        np.linalg.norm: norm, np.einsum: einsum, np.copy: lambda a, **kw: ops.copy(a),
        np.swapaxes: lambda a, axis1, axis2: ops.swapaxes(a, axis1, axis2),
        np.moveaxis: lambda a, source, destination: ops.moveaxis(a, source, destination),
        np.ravel: lambda a, order="C": ops.reshape(a, (-1,)),
        np.broadcast_to: lambda array, shape, subok=False: ops.broadcast_to(array, shape),
        np.tile: lambda A, reps: ops.tile(A, reps),
        np.repeat: lambda a, repeats, axis=None: ops.repeat(a, repeats, axis),
        np.flip: lambda m, axis=None: ops.flip(m, axis),
        np.outer: lambda a, b, out=None: ops.outer(a, b),
        np.round: lambda a, decimals=0, out=None: ops.round(a, decimals),
        np.around: lambda a, decimals=0, out=None: ops.round(a, decimals),
        np.pad: lambda array, pad_width, mode="constant", **kw: ops.pad(
            array, pad_width, mode, kw.get("constant_values")),
        np.diagonal: lambda a, offset=0, axis1=0, axis2=1: ops.diagonal(a, offset, axis1, axis2),
        np.diag: lambda v, k=0: ops.diag(v, k),
        np.trace: lambda a, offset=0, axis1=0, axis2=1, dtype=None, out=None: ops.trace(a, offset, axis1, axis2),
        np.vstack: lambda tup, **kw: ops.vstack(tup),
        np.hstack: lambda tup, **kw: ops.hstack(tup),
        np.nan_to_num: lambda x, copy=True, nan=0.0, posinf=None, neginf=None: ops.nan_to_num(x, nan, posinf, neginf),
    }
    _FUNCTION_ROUTES.update(routes)


def apply_function(func, types, args, kwargs):
    tape = active_tape()
    if tape is None or not (any_tracked(args, tape) or any_tracked(kwargs.values(), tape)):
        args = _plain_args(args)
        kwargs = {k: _plain_args(v) if isinstance(v, (list, tuple, Tensor, Variable)) else v
                  for k, v in kwargs.items()}
        result = func(*args, **kwargs)
        if isinstance(result, np.ndarray) and not isinstance(result, Tensor):
            return result.view(Tensor)
        return result
    if not _FUNCTION_ROUTES:
        _build_routes()
    route = _FUNCTION_ROUTES.get(func)
    if route is not None:
        return route(*args, **kwargs)
    name = func.__name__
    module = getattr(func, "__module__", "") or ""
    if module.startswith("numpy.linalg"):
        name = "linalg." + name
    if func in _NO_GRAD_FUNCTIONS:
        result = func(*_plain_args(args), **kwargs)
        return result
    hint = _FUNCTION_SUGGEST.get(name, "the glassnet.ops functions")
    raise NotDifferentiableError(
        f"np.{name} was called on a recorded Tensor (inside a custom layer's call or a custom loss) "
        f"but has no recorded gradient in glassnet; use {hint} instead"
    )


def _plain_args(x):
    if isinstance(x, (Tensor, Variable)):
        return plain(x)
    if isinstance(x, tuple):
        return tuple(_plain_args(v) for v in x)
    if isinstance(x, list):
        return [_plain_args(v) for v in x]
    return x


# =============================================================================== the Tensor
class Tensor(np.ndarray):
    """A float ndarray whose operations are recorded while a :class:`Tape` that tracks it is active.

    Arithmetic operators (``+ - * / ** @``, unary ``-``, ``abs``), NumPy ufuncs (``np.exp``,
    ``np.maximum``, ...), the reductions and shape methods (``x.sum()``, ``x.reshape()``,
    ``x.T``), indexing (``x[:, 0]``, ``x[..., None]``) and the NumPy functions with a
    ``glassnet.ops`` equivalent (``np.sum``, ``np.concatenate``, ...) are recorded; comparisons
    give unrecorded boolean arrays.  Anything else raises :class:`NotDifferentiableError`.
    Outside its tape a Tensor is an ordinary ndarray.
    """

    _tid = 0   # id of the tape that records this tensor (0: not recorded)

    def numpy(self) -> np.ndarray:
        """A plain ndarray copy of the data (as a Keras tensor's ``.numpy()``)."""
        return np.array(self.view(np.ndarray))

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return apply_ufunc(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return apply_function(func, types, args, kwargs)

    # printing reads the plain data (so that it records nothing)
    def __repr__(self):
        data = self.view(np.ndarray)
        body = np.array2string(data, separator=", ", prefix="Tensor(")
        suffix = "" if data.dtype == np.float64 else f", dtype={data.dtype}"
        return f"Tensor({body}{suffix})"

    def __str__(self):
        return str(self.view(np.ndarray))

    def _recording(self) -> bool:
        if not self._tid:
            return False
        tape = active_tape()
        return tape is not None and tape.id == self._tid

    # ----------------------------------------------------------- indexing
    def __getitem__(self, key):
        if not self._recording():
            return super().__getitem__(key)
        from .. import ops
        return ops.getitem(self, key)

    def __setitem__(self, key, value):
        tape = active_tape()
        if tape is not None and (self._recording() or tracked(value, tape) or isinstance(value, Variable)):
            raise NotDifferentiableError(
                "item assignment (x[...] = v) into or from a recorded Tensor cannot be differentiated; "
                "build the result with glassnet.ops.where, ops.concatenate or ops.stack instead"
            )
        super().__setitem__(key, plain(value) if isinstance(value, (Tensor, Variable)) else value)

    def __iter__(self):
        if not self._recording():
            return super().__iter__()
        return (self[i] for i in range(len(self)))

    # ----------------------------------------------------------- methods routed to ops
    def reshape(self, *shape, order="C"):
        if not self._recording():
            return super().reshape(*shape, order=order)
        from .. import ops
        if order != "C":
            raise NotDifferentiableError("Tensor.reshape: only order='C' is recorded")
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        if not self._recording():
            return super().transpose(*axes)
        from .. import ops
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return ops.transpose(self, axes or None)

    @property
    def T(self):
        return self.transpose()

    def swapaxes(self, axis1, axis2):
        if not self._recording():
            return super().swapaxes(axis1, axis2)
        from .. import ops
        return ops.swapaxes(self, axis1, axis2)

    def flatten(self, order="C"):
        if not self._recording():
            return super().flatten(order)
        from .. import ops
        return ops.copy(ops.reshape(self, (-1,)))

    def ravel(self, order="C"):
        if not self._recording():
            return super().ravel(order)
        from .. import ops
        return ops.reshape(self, (-1,))

    def squeeze(self, axis=None):
        if not self._recording():
            return super().squeeze(axis)
        from .. import ops
        return ops.squeeze(self, axis)

    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().sum(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.sum, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().mean(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.mean, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def max(self, axis=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().max(axis=axis, out=out, keepdims=keepdims, **kw)
        return _route(np.max, self, axis=axis, out=out, keepdims=keepdims, **kw)

    def min(self, axis=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().min(axis=axis, out=out, keepdims=keepdims, **kw)
        return _route(np.min, self, axis=axis, out=out, keepdims=keepdims, **kw)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
        if not self._recording():
            return super().prod(axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
        return _route(np.prod, self, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        if not self._recording():
            return super().var(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw)
        return _route(np.var, self, axis=axis, dtype=dtype, out=out, ddof=ddof,
                                     keepdims=keepdims, **kw)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
        if not self._recording():
            return super().std(axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw)
        return _route(np.std, self, axis=axis, dtype=dtype, out=out, ddof=ddof,
                                     keepdims=keepdims, **kw)

    def cumsum(self, axis=None, dtype=None, out=None):
        if not self._recording():
            return super().cumsum(axis=axis, dtype=dtype, out=out)
        return _route(np.cumsum, self, axis=axis, dtype=dtype, out=out)

    def clip(self, min=None, max=None, out=None, **kw):
        if not self._recording():
            return super().clip(min, max, out=out, **kw)
        return _route(np.clip, self, min, max, out=out)

    def dot(self, b, out=None):
        if not self._recording():
            return super().dot(plain(b) if isinstance(b, (Tensor, Variable)) else b, out=out)
        from .. import ops
        return ops.dot(self, b)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        if not self._recording():
            return super().astype(dtype, order=order, casting=casting, subok=subok, copy=copy)
        from .. import ops
        return ops.cast(self, dtype)

    def copy(self, order="C"):
        if not self._recording():
            return super().copy(order)
        from .. import ops
        return ops.copy(self)


def _route(func, *args, **kwargs):
    if not _FUNCTION_ROUTES:
        _build_routes()
    return _FUNCTION_ROUTES[func](*args, **kwargs)

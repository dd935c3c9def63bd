"""The VJP of each differentiable NumPy ufunc, written right under its forward formula.

A rule ``rule(*inputs, out)`` receives the plain input arrays and the output and returns, for each
input, the vector-Jacobian product ``g -> g . d(out)/d(input)``; :mod:`.tensor` looks the rules up
in ``UFUNC_VJP`` when a ufunc meets a recorded Tensor.
"""
from __future__ import annotations

import numpy as np

from .tape import unbroadcast


# =============================================================================== ufunc VJPs
# Each rule receives the plain input arrays and the output, and returns one VJP per input.
UFUNC_VJP: dict = {}


def _rule(*ufuncs):
    def deco(fn):
        for u in ufuncs:
            UFUNC_VJP[u] = fn
        return fn
    return deco


def _zero(g):
    return np.zeros_like(g)


def _same(g):
    return g


@_rule(np.add)
def _add_vjp(a, b, out):
    """``a + b``: d/da = 1, d/db = 1 (each gets g, summed over its broadcast axes)."""
    return _same, _same


@_rule(np.subtract)
def _subtract_vjp(a, b, out):
    """``a - b``: d/da = 1, d/db = -1."""
    return _same, np.negative


@_rule(np.multiply)
def _multiply_vjp(a, b, out):
    """``a * b``: d/da = b, d/db = a."""
    return (lambda g: g * b), (lambda g: g * a)


@_rule(np.true_divide)
def _divide_vjp(a, b, out):
    """``a / b``: d/da = 1/b, d/db = -a/b^2 = -out/b."""
    return (lambda g: g / b), (lambda g: -g * out / b)


@_rule(np.power, np.float_power)
def _power_vjp(a, b, out):
    """``a ** b``: d/da = b a^(b-1), d/db = a^b log(a) (taken as 0 where a <= 0, as TensorFlow)."""
    def ga(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * b * np.power(a, b - 1)

    def gb(g):
        safe = np.where(a > 0, a, 1)
        return g * out * np.log(safe)
    return ga, gb


@_rule(np.negative)
def _negative_vjp(a, out):
    """``-a``: d/da = -1."""
    return (np.negative,)


@_rule(np.positive, np.conjugate)
def _positive_vjp(a, out):
    """``+a``: d/da = 1."""
    return (_same,)


@_rule(np.absolute, np.fabs)
def _abs_vjp(a, out):
    """``|a|``: d/da = sign(a) (0 at a = 0, as TensorFlow)."""
    return (lambda g: g * np.sign(a),)


@_rule(np.exp)
def _exp_vjp(a, out):
    """``e^a``: d/da = e^a = out."""
    return (lambda g: g * out,)


@_rule(np.expm1)
def _expm1_vjp(a, out):
    """``e^a - 1``: d/da = e^a = out + 1."""
    return (lambda g: g * (out + 1),)


@_rule(np.log)
def _log_vjp(a, out):
    """``log a``: d/da = 1/a."""
    return (lambda g: g / a,)


@_rule(np.exp2)
def _exp2_vjp(a, out):
    """``2^a``: d/da = 2^a ln 2."""
    return (lambda g: g * out * np.log(2.0),)


@_rule(np.log1p)
def _log1p_vjp(a, out):
    """``log(1 + a)``: d/da = 1/(1 + a)."""
    return (lambda g: g / (1 + a),)


@_rule(np.log2)
def _log2_vjp(a, out):
    """``log2 a``: d/da = 1/(a ln 2)."""
    return (lambda g: g / (a * np.log(2.0)),)


@_rule(np.log10)
def _log10_vjp(a, out):
    """``log10 a``: d/da = 1/(a ln 10)."""
    return (lambda g: g / (a * np.log(10.0)),)


@_rule(np.sqrt)
def _sqrt_vjp(a, out):
    """``sqrt a``: d/da = 1/(2 sqrt a) = 1/(2 out)."""
    return (lambda g: g / (2 * out),)


@_rule(np.square)
def _square_vjp(a, out):
    """``a^2``: d/da = 2a."""
    return (lambda g: g * (2 * a),)


@_rule(np.reciprocal)
def _reciprocal_vjp(a, out):
    """``1/a``: d/da = -1/a^2 = -out^2."""
    return (lambda g: -g * out * out,)


@_rule(np.tanh)
def _tanh_vjp(a, out):
    """``tanh a``: d/da = 1 - tanh^2 a = 1 - out^2."""
    return (lambda g: g * (1 - out * out),)


@_rule(np.sin)
def _sin_vjp(a, out):
    """``sin a``: d/da = cos a."""
    return (lambda g: g * np.cos(a),)


@_rule(np.cos)
def _cos_vjp(a, out):
    """``cos a``: d/da = -sin a."""
    return (lambda g: -g * np.sin(a),)


@_rule(np.tan)
def _tan_vjp(a, out):
    """``tan a``: d/da = 1 + tan^2 a = 1 + out^2."""
    return (lambda g: g * (1 + out * out),)


@_rule(np.arctan)
def _arctan_vjp(a, out):
    """``arctan a``: d/da = 1/(1 + a^2)."""
    return (lambda g: g / (1 + a * a),)


@_rule(np.sinh)
def _sinh_vjp(a, out):
    """``sinh a``: d/da = cosh a."""
    return (lambda g: g * np.cosh(a),)


@_rule(np.cosh)
def _cosh_vjp(a, out):
    """``cosh a``: d/da = sinh a."""
    return (lambda g: g * np.sinh(a),)


@_rule(np.cbrt)
def _cbrt_vjp(a, out):
    """``a^(1/3)``: d/da = 1/(3 a^(2/3)) = 1/(3 out^2)."""
    return (lambda g: g / (3 * out * out),)


@_rule(np.arcsin)
def _arcsin_vjp(a, out):
    """``arcsin a``: d/da = 1/sqrt(1 - a^2)."""
    return (lambda g: g / np.sqrt(1 - a * a),)


@_rule(np.arccos)
def _arccos_vjp(a, out):
    """``arccos a``: d/da = -1/sqrt(1 - a^2)."""
    return (lambda g: -g / np.sqrt(1 - a * a),)


@_rule(np.arcsinh)
def _arcsinh_vjp(a, out):
    """``arcsinh a``: d/da = 1/sqrt(a^2 + 1)."""
    return (lambda g: g / np.sqrt(a * a + 1),)


@_rule(np.arccosh)
def _arccosh_vjp(a, out):
    """``arccosh a``: d/da = 1/sqrt(a^2 - 1)."""
    return (lambda g: g / np.sqrt(a * a - 1),)


@_rule(np.arctanh)
def _arctanh_vjp(a, out):
    """``arctanh a``: d/da = 1/(1 - a^2)."""
    return (lambda g: g / (1 - a * a),)


@_rule(np.arctan2)
def _arctan2_vjp(a, b, out):
    """``arctan2(a, b)`` (the angle of the point (b, a)): d/da = b/(a^2 + b^2), d/db = -a/(a^2 + b^2)."""
    return (lambda g: g * b / (a * a + b * b)), (lambda g: -g * a / (a * a + b * b))


@_rule(np.deg2rad)
def _deg2rad_vjp(a, out):
    """``a pi / 180``: d/da = pi / 180."""
    return (lambda g: g * (np.pi / 180.0),)


@_rule(np.rad2deg)
def _rad2deg_vjp(a, out):
    """``a 180 / pi``: d/da = 180 / pi."""
    return (lambda g: g * (180.0 / np.pi),)


@_rule(np.logaddexp2)
def _logaddexp2_vjp(a, b, out):
    """``log2(2^a + 2^b)``: d/da = 2^(a - out), d/db = 2^(b - out)."""
    return (lambda g: g * np.exp2(a - out)), (lambda g: g * np.exp2(b - out))


@_rule(np.fmod)
def _fmod_vjp(a, b, out):
    """``fmod(a, b) = a - b trunc(a/b)``: d/da = 1, d/db = -trunc(a/b) (almost everywhere)."""
    return _same, (lambda g: -g * np.trunc(a / b))


@_rule(np.maximum, np.fmax)
def _maximum_vjp(a, b, out):
    """``max(a, b)``: g goes to ``a`` where a >= b, else to ``b`` (TensorFlow's tie rule)."""
    mask = a >= b
    return (lambda g: g * mask), (lambda g: g * ~mask)


@_rule(np.minimum, np.fmin)
def _minimum_vjp(a, b, out):
    """``min(a, b)``: g goes to ``a`` where a <= b, else to ``b`` (TensorFlow's tie rule)."""
    mask = a <= b
    return (lambda g: g * mask), (lambda g: g * ~mask)


@_rule(np.logaddexp)
def _logaddexp_vjp(a, b, out):
    """``log(e^a + e^b)``: d/da = e^(a - out), d/db = e^(b - out)."""
    return (lambda g: g * np.exp(a - out)), (lambda g: g * np.exp(b - out))


@_rule(np.hypot)
def _hypot_vjp(a, b, out):
    """``sqrt(a^2 + b^2)``: d/da = a/out, d/db = b/out."""
    return (lambda g: g * a / out), (lambda g: g * b / out)


@_rule(np.remainder)
def _remainder_vjp(a, b, out):
    """``a mod b = a - b floor(a/b)``: d/da = 1, d/db = -floor(a/b) (almost everywhere)."""
    return _same, (lambda g: -g * np.floor_divide(a, b))


@_rule(np.matmul)
def _matmul_vjp(a, b, out):
    """``a @ b``: dC/da = g @ b^T, dC/db = a^T @ g (NumPy's 1-D promotion undone, batch axes
    that were broadcast summed)."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b

    def promote(g):
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        return g

    def ga(g):
        return unbroadcast(promote(g) @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)

    def gb(g):
        return unbroadcast(np.swapaxes(a2, -1, -2) @ promote(g), b2.shape).reshape(b.shape)
    return ga, gb


@_rule(np.sign, np.floor, np.ceil, np.rint, np.trunc)
def _piecewise_constant_vjp(a, out):
    """sign / floor / ceil / rint / trunc are piecewise constant: derivative 0 (as TensorFlow)."""
    return (_zero,)


@_rule(np.floor_divide)
def _floor_divide_vjp(a, b, out):
    """``floor(a / b)`` is piecewise constant: derivative 0 for both inputs."""
    return _zero, _zero

"""glassnet.autodiff: the tape records NumPy operators / ufuncs / functions on Tensors, the
gradients agree with central differences and with glassnet's hand-written Dense backward, and an
operation that cannot be differentiated is reported by name instead of giving a wrong gradient."""
import threading

import numpy as np
import pytest

from glassnet import autodiff, ops
from glassnet.autodiff import (DisconnectedGradientError, NotDifferentiableError, Tape, Tensor,
                               VariableArithmetic, value_and_grad)
from glassnet.layers import Dense
from glassnet.variables import Variable
from _gradcheck import check_gradients, numeric_grads, rel_error

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.normal(size=shape)


# ----------------------------------------------------------------------- operators and ufuncs
OPERATOR_CASES = [
    ("add_broadcast", lambda a, b: a + b, [normal(3, 4), normal(4)]),
    ("radd_scalar", lambda a: 2.5 + a, [normal(3)]),
    ("sub_broadcast", lambda a, b: a - b, [normal(2, 3, 1), normal(3, 4)]),
    ("rsub", lambda a: 1.0 - a, [normal(3)]),
    ("mul_broadcast", lambda a, b: a * b, [normal(3, 4), normal(3, 1)]),
    ("div", lambda a, b: a / (b * b + 1.0), [normal(3, 4), normal(4)]),
    ("rdiv", lambda a: 1.0 / (a * a + 1.0), [normal(3)]),
    ("pow_int", lambda a: a ** 2, [normal(3, 4)]),
    ("pow_half", lambda a: (a * a + 1.0) ** 0.5, [normal(3, 4)]),
    ("pow_neg", lambda a: (a * a + 1.0) ** -1, [normal(3, 4)]),
    ("pow_tensor", lambda a, b: (a * a + 0.5) ** b, [normal(3, 4), normal(4)]),
    ("rpow", lambda a: 2.0 ** a, [normal(3)]),
    ("matmul", lambda a, b: a @ b, [normal(3, 4), normal(4, 2)]),
    ("matmul_batch_both", lambda a, b: a @ b, [normal(2, 3, 4), normal(1, 4, 5)]),
    ("neg_abs", lambda a: -abs(a), [normal(3, 4) + 0.1]),
    ("exp_log_sqrt", lambda a: np.log(np.exp(a) + np.sqrt(a * a + 1)), [normal(3, 4)]),
    ("tanh_square", lambda a: np.square(np.tanh(a)), [normal(3, 4)]),
    ("maximum_minimum", lambda a, b: np.maximum(a, b) - np.minimum(a, 0.1), [normal(3, 4), normal(4)]),
    ("expm1_log1p", lambda a: np.expm1(a) + np.log1p(a * a), [normal(3)]),
    ("reciprocal", lambda a: np.reciprocal(a * a + 1), [normal(3)]),
    ("trig", lambda a: np.sin(a) * np.cos(a) + np.arctan(a) + np.sinh(a) - np.cosh(a), [normal(3)]),
    ("inverse_trig", lambda a: np.arcsin(a * 0.3) + np.arccos(a * 0.3) * 2 + np.arcsinh(a)
     + np.arccosh(a * a + 1.5) + np.arctanh(a * 0.3) + np.tan(a * 0.3), [normal(3)]),
    ("arctan2_logaddexp2_cbrt", lambda a, b: np.arctan2(a, b) + np.logaddexp2(a, b) + np.cbrt(a * a + 1)
     + np.deg2rad(a) + np.rad2deg(b) + np.fabs(a + 5.0), [normal(3), normal(3)]),
    ("logaddexp_hypot", lambda a, b: np.logaddexp(a, b) + np.hypot(a, b), [normal(3), normal(3)]),
    ("comparison_as_mask", lambda a: a * (a > 0.3), [normal(3, 4)]),
    ("sign_floor_constant", lambda a: a * np.sign(a) + np.floor(a), [normal(3) + 0.1]),
    # NumPy functions and ndarray methods routed to glassnet.ops
    ("np_sum_mean", lambda a: np.sum(a * a, axis=1) + np.mean(a, axis=1), [normal(3, 4)]),
    ("np_max_min", lambda a: np.max(a, axis=0) - np.min(a, axis=0), [normal(3, 4)]),
    ("np_amax_keepdims", lambda a: a - np.amax(a, axis=1, keepdims=True), [normal(3, 4)]),
    ("np_prod_var_std", lambda a: np.prod(a, axis=1) + np.var(a, axis=1) + np.std(a), [normal(3, 4)]),
    ("np_reshape_transpose", lambda a: np.transpose(np.reshape(a, (2, 6))) ** 2, [normal(3, 4)]),
    ("np_concat_stack", lambda a, b: np.stack([np.concatenate([a, b], axis=0)] * 2, axis=-1),
     [normal(2, 3), normal(1, 3)]),
    ("np_expand_squeeze", lambda a: np.squeeze(np.expand_dims(a, 0), 0) * a, [normal(3)]),
    ("np_where_clip", lambda a, b: np.where(a > 0, a, b) + np.clip(a, -0.5, 0.5) * 0 + np.clip(b, -2, 2),
     [normal(3, 4), normal(3, 4) * 0.5]),
    ("np_dot_einsum", lambda a, b: np.dot(a, b) + np.einsum("ij,jk->ik", a, b), [normal(3, 4), normal(4, 2)]),
    ("np_cumsum_take", lambda a: np.cumsum(a, axis=1) + np.take(a, [1, 1, 0, 2], axis=1), [normal(3, 4)]),
    ("np_linalg_norm", lambda a: np.linalg.norm(a, axis=1), [normal(3, 4)]),
    ("np_pad_trace_diagonal", lambda a: np.pad(a, 1, mode="edge") .sum(axis=0) + np.trace(a)
     + np.diagonal(a).sum(), [normal(3, 4)]),
    ("np_vstack_hstack_nan_to_num", lambda a: np.vstack([a, a]).sum(0) + np.hstack([a, a]).sum(1).sum()
     + np.nan_to_num(a), [normal(3, 4)]),
    ("np_broadcast_tile_repeat_flip", lambda a: np.flip(np.tile(a, 2), 0) + np.repeat(a, 2, axis=1)
     + np.broadcast_to(a[:, :1], (3, 8)), [normal(3, 4)]),
    ("ufunc_reduce", lambda a: np.add.reduce(a, axis=0) * np.maximum.reduce(a, axis=0), [normal(3, 4)]),
    ("methods_sum_mean", lambda a: a.sum(axis=0) + a.mean() + a.max(axis=0) * a.min(), [normal(3, 4)]),
    ("methods_shape", lambda a: a.reshape(4, 3).T @ a.reshape(-1, 3) + a.ravel().sum(), [normal(3, 4)]),
    ("methods_var_std_prod", lambda a: a.var(axis=1) + a.std(axis=1) + a.prod(axis=1), [normal(3, 4)]),
    ("methods_misc", lambda a: a.cumsum(axis=0) + a.clip(-0.5, 0.5) * 0 + a.squeeze().copy()
     + a.swapaxes(0, 1).T + a.astype(np.float64) + a.flatten().reshape(3, 4), [normal(3, 4)]),
    ("method_dot_transpose", lambda a, b: a.dot(b).transpose() + a.transpose(1, 0)[:2].sum(), [normal(3, 4), normal(4, 2)]),
    # indexing
    ("index_column", lambda a: a[:, 0] * a[:, 1], [normal(3, 4)]),
    ("index_newaxis", lambda a: a[..., None] * a[:, None, :], [normal(3, 4)]),
    ("index_fancy_repeated", lambda a: a[[0, 0, 2]] ** 2, [normal(3, 4)]),
    ("index_bool_mask", lambda a: a[np.array([True, False, True])].sum(axis=0), [normal(3, 4)]),
    ("index_negative_step", lambda a: a[::-2, 1:3], [normal(3, 4)]),
    ("iterate_rows", lambda a: sum(row * (i + 1) for i, row in enumerate(a)), [normal(3, 4)]),
    ("fan_out_sums", lambda a: a * a + np.exp(a) * a - a, [normal(3, 4)]),
]


@pytest.mark.parametrize("fn,inputs", [c[1:] for c in OPERATOR_CASES], ids=[c[0] for c in OPERATOR_CASES])
def test_recorded_numpy_gradients_match_central_differences(fn, inputs):
    check_gradients(fn, *[np.array(a) for a in inputs])


def test_float32_stays_float32():
    x = normal(3, 4).astype(np.float32)
    w = Variable(normal(4, 2), dtype="float32")
    with Tape() as tape:
        xt = tape.watch(x)
        out = ops.relu(xt @ w) * 2.0 + 1.0
    assert out.dtype == np.float32
    (dx,) = tape.gradient(out, np.ones((3, 2), np.float32))
    assert dx.dtype == np.float32 and w.grad.dtype == np.float32
    # a float64 output gradient still gives float32 input gradients
    with Tape() as tape:
        xt = tape.watch(x)
        out = xt * 3.0
    (dx,) = tape.gradient(out, np.ones((3, 4)))
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, np.full((3, 4), 3.0, np.float32))


# ----------------------------------------------------------------------- Variables
def test_variables_are_leaves_and_gradients_accumulate():
    x = normal(5, 4)
    w = Variable(normal(4, 3), dtype="float64", path="custom/w")
    b = Variable(normal(3), dtype="float64", path="custom/b")
    w.grad[...] = 1.0   # backward ADDS to what is there

    def loss(xx):
        return ops.sum(ops.tanh(xx @ w + b) ** 2)

    with Tape() as tape:
        out = loss(tape.watch(x))
    assert tape.variables == [w, b]
    tape.gradient(out)

    def as_fn_of(var):
        def f(value):
            old = var.value.copy()
            var.value[...] = value
            try:
                return loss(x)
            finally:
                var.value[...] = old
        return f

    (gw,) = numeric_grads(as_fn_of(w), [w.value.copy()], np.float64(1.0))
    (gb,) = numeric_grads(as_fn_of(b), [b.value.copy()], np.float64(1.0))
    assert rel_error(w.grad - 1.0, gw) < 1e-6
    assert rel_error(b.grad, gb) < 1e-6
    # a second gradient of a fresh tape accumulates again (the caller zeroes grads per step)
    before = b.grad.copy()
    with Tape() as tape:
        out = loss(tape.watch(x))
    tape.gradient(out)
    np.testing.assert_allclose(b.grad, 2 * before, rtol=1e-12)


def test_variable_grad_written_in_place_into_a_packed_buffer():
    from glassnet.variables import pack
    w = Variable(normal(2, 2), dtype="float64")
    _, grads, _ = pack([w], dtype="float64")
    with Tape() as tape:
        out = ops.sum(tape.watch(np.ones((1, 2))) @ w)
    tape.gradient(out)
    np.testing.assert_array_equal(grads, np.ones(4))   # the flat buffer saw the gradient


def test_custom_dense_matches_glassnet_dense_backward():
    """x @ w + b and relu written with ops give Dense's BP1-BP4 gradients."""
    x = normal(6, 4)
    grad_out = normal(6, 3)
    dense = Dense(3, activation="relu", dtype="float64")
    dense.build((4,))
    dense.bias.assign(normal(3) * 0.1)
    a = dense.forward(x, training=True)
    dx_dense = dense.backward(grad_out)
    w = Variable(dense.kernel.value, dtype="float64", path="mine/kernel")
    b = Variable(dense.bias.value, dtype="float64", path="mine/bias")
    with Tape() as tape:
        xt = tape.watch(x)
        out = ops.relu(ops.add(ops.matmul(xt, w), b))
    np.testing.assert_allclose(out, a, rtol=1e-14)
    (dx,) = tape.gradient(out, grad_out, variables=[w, b])
    np.testing.assert_allclose(dx, dx_dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w.grad, dense.kernel.grad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.grad, dense.bias.grad, rtol=1e-12, atol=1e-14)
    # and with the operators, the layer's own Variables used directly
    w2 = Variable(dense.kernel.value, dtype="float64")
    b2 = Variable(dense.bias.value, dtype="float64")
    with Tape() as tape:
        xt = tape.watch(x)
        out = np.maximum(xt @ w2 + b2, 0.0)
    (dx2,) = tape.gradient(out, grad_out)
    np.testing.assert_allclose(dx2, dx_dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w2.grad, dense.kernel.grad, rtol=1e-12, atol=1e-14)


def test_custom_loss_function_has_the_numeric_gradient():
    """A Huber-like loss fn(y_true, y_pred) written with ops, differentiated in y_pred."""
    y_true = normal(5, 2)
    y_pred = y_true + away(normal(5, 2))

    def huber(yt, yp, delta=0.5):
        err = ops.subtract(yt, yp)
        small = ops.abs(err) <= delta
        quadratic = 0.5 * ops.square(err)
        linear = delta * ops.abs(err) - 0.5 * delta ** 2
        return ops.mean(ops.where(small, quadratic, linear), axis=-1)

    check_gradients(lambda yp: huber(y_true, yp), y_pred)
    check_gradients(lambda yp: ops.mean(ops.square(y_true - yp)) + ops.mean(ops.abs(y_true - yp)), y_pred)


def away(values, margin=0.05):
    """Keep entries at least ``margin`` from 0 and from +-0.5 (the Huber kinks)."""
    v = np.array(values)
    for p in (0.0, 0.5, -0.5):
        close = np.abs(v - p) < margin
        v[close] = p + np.where(v[close] >= p, margin, -margin)
    return v


def test_variable_arithmetic_mixin():
    class V(VariableArithmetic, Variable):
        pass

    w = V(normal(3, 2), dtype="float64")
    x = normal(4, 3)
    # outside a tape: plain ndarrays, NumPy's numbers
    for got, want in [(w + 1, w.value + 1), (x @ w, x @ w.value), (w.T @ w, w.value.T @ w.value),
                      (-w, -w.value), (np.exp(w), np.exp(w.value)), (2.0 * w, 2.0 * w.value),
                      (w[0], w.value[0]), (np.sum(w), np.sum(w.value))]:
        assert type(got) in (np.ndarray, np.float64)
        np.testing.assert_array_equal(got, want)
    with Tape() as tape:
        out = ops.sum((x @ w) ** 2) + np.sum(w * w) + (w.T @ w)[0, 1] + np.exp(w)[1, 1] + w[2, 0]
    tape.gradient(out, variables=[w])
    v = w.value
    expected = 2 * x.T @ (x @ v) + 2 * v
    expected += v[:, [1, 0]] * np.array([[0.0, 1.0], [1.0, 0.0]]).sum(0)   # d (w^T w)[0,1]
    expected[1, 1] += np.exp(v[1, 1])
    expected[2, 0] += 1.0
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)


def test_attach_variable_arithmetic_to_a_class():
    class Plain(Variable):
        pass

    autodiff.attach_variable_arithmetic(Plain)
    w = Plain(np.ones((2, 2)), dtype="float64")
    np.testing.assert_array_equal(w + w, np.full((2, 2), 2.0))
    with Tape() as tape:
        out = ops.sum(w * 3.0)
    tape.gradient(out)
    np.testing.assert_array_equal(w.grad, np.full((2, 2), 3.0))


# ----------------------------------------------------------------------- what cannot be differentiated
def test_numpy_function_without_recorded_version_is_named():
    with pytest.raises(NotDifferentiableError, match=r"np\.sort.*glassnet\.ops\.take"):
        value_and_grad(lambda a: np.sort(a), normal(4))
    with pytest.raises(NotDifferentiableError, match=r"np\.diff.*x\[1:\] - x\[:-1\]"):
        value_and_grad(lambda a: np.diff(a), normal(4))
    with pytest.raises(NotDifferentiableError, match=r"np\.heaviside.*glassnet\.ops\.where"):
        value_and_grad(lambda a: np.heaviside(a, 0.5), normal(4))
    with pytest.raises(NotDifferentiableError, match=r"np\.var with ddof=1"):
        value_and_grad(lambda a: np.var(a, ddof=1), normal(4))


def test_in_place_operations_on_recorded_tensors_raise():
    def inplace_add(a):
        b = a * 2
        b += 1
        return b

    def setitem(a):
        b = a * 2
        b[0] = 0.0
        return b

    with pytest.raises(NotDifferentiableError, match=r"in-place.*x = x \+ y"):
        value_and_grad(inplace_add, normal(3))
    with pytest.raises(NotDifferentiableError, match=r"item assignment"):
        value_and_grad(setitem, normal(3))


def test_untracked_numpy_inside_the_call_is_detected():
    x = normal(3, 4)
    w = Variable(normal(4, 2), dtype="float64", path="layer/kernel")
    # the whole output went through np.asarray: the output itself is not recorded
    with pytest.raises(DisconnectedGradientError, match=r"np\.asarray"):
        value_and_grad(lambda a: ops.relu(np.asarray(a)), x)
    # x.view(np.ndarray) in one branch: the output is recorded (through w) but not through x
    with Tape() as tape:
        xt = tape.watch(x)
        out = ops.relu(ops.matmul(xt.view(np.ndarray), w))
    with pytest.raises(DisconnectedGradientError, match=r"watched input 0"):
        tape.gradient(out)
    # the layer used w.value: the variable the caller lists is reported by name
    with Tape() as tape:
        xt = tape.watch(x)
        out = xt @ w.value
    with pytest.raises(DisconnectedGradientError, match=r"layer/kernel.*self\.w\.value"):
        tape.gradient(out, variables=[w])
    # an error leaves every Variable's gradient untouched (no half-applied backward)
    w_used = Variable(normal(4, 2), dtype="float64", path="layer/used")
    with Tape() as tape:
        out = tape.watch(x) @ w_used
    with pytest.raises(DisconnectedGradientError, match=r"layer/kernel.*never given"):
        tape.gradient(out, variables=[w_used, w])
    assert not w_used.grad.any()
    # an input truly unused: zeros on request
    with Tape() as tape:
        a, b = tape.watch(x), tape.watch(x)
        out = a * 2
    da, db = tape.gradient(out, unconnected="zero")
    np.testing.assert_array_equal(db, np.zeros_like(x))
    np.testing.assert_array_equal(da, np.full_like(x, 2.0))


def test_bad_gradient_arguments():
    with Tape() as tape:
        out = tape.watch(np.ones(3)) * 2
    with pytest.raises(ValueError, match=r"output_gradient 0 has shape \(2,\)"):
        tape.gradient(out, np.ones(2))
    with pytest.raises(ValueError, match="unconnected"):
        tape.gradient(out, unconnected="ignore")


# ----------------------------------------------------------------------- tape mechanics
def test_records_are_readable_for_inspection():
    w = Variable(normal(4, 2), dtype="float64")
    with Tape() as tape:
        xt = tape.watch(normal(3, 4))
        z = xt @ w
        a = ops.sigmoid(z)
        loss = ops.mean(a)
    assert [r.op for r in tape.records] == ["matmul", "sigmoid", "mean"]
    matmul = tape.records[0]
    assert matmul.inputs[0] is xt and matmul.output is z and len(matmul.vjp) == 2
    tape.gradient(loss)
    # after backward each record carries dC/d(output): here dC/da = 1/6 everywhere
    np.testing.assert_allclose(tape.records[1].grad, np.full((3, 2), 1 / 6))
    np.testing.assert_allclose(tape.records[0].grad, (1 / 6) * a * (1 - a))
    trace = tape.trace()
    assert [t["op"] for t in trace] == ["matmul", "sigmoid", "mean"]
    assert trace[0]["input_shapes"] == [(3, 4), (4, 2)] and type(trace[0]["output"]) is np.ndarray
    np.testing.assert_allclose(trace[2]["grad"], 1.0)


def test_printing_a_recorded_tensor_records_nothing():
    with Tape() as tape:
        x = tape.watch(np.arange(4.0, dtype=np.float32).reshape(2, 2))
        text = repr(x) + str(x) + f"{ops.sum(x):.2f}"
    assert text.startswith("Tensor([[0., 1.],") and "dtype=float32" in text and text.endswith("6.00")
    assert [r.op for r in tape.records] == ["sum"]


def test_several_outputs_and_output_gradients():
    x = normal(3)
    with Tape() as tape:
        xt = tape.watch(x)
        y1 = xt * 2
        y2 = y1 * xt       # y2 depends on y1: its gradient flows into y1's
    (dx,) = tape.gradient([y1, y2], [np.ones(3), np.full(3, 0.5)])
    np.testing.assert_allclose(dx, 2 + 0.5 * 4 * x)


def test_tensors_outside_a_tape_are_plain_ndarrays():
    t = np.arange(6.0).reshape(2, 3).view(Tensor)
    out = np.exp(t) + t @ np.ones((3, 3))
    assert isinstance(out, Tensor) and out._tid == 0
    np.testing.assert_allclose(out, np.exp(np.arange(6.0).reshape(2, 3)) + np.array([[3.0], [12.0]]))
    assert type(t.numpy()) is np.ndarray
    n = t.numpy()
    n[0, 0] = 99.0
    assert t[0, 0] == 0.0            # numpy() is a copy
    t += 1                           # in place is fine outside a tape
    assert t[0, 0] == 1.0
    assert float(np.sum(t)) == 21.0
    # a Tensor recorded by a closed tape is a constant for a new tape
    with Tape() as first:
        a = first.watch(np.ones(2)) * 3
    with Tape() as second:
        b = second.watch(np.ones(2))
        out = a * b
    (db,) = second.gradient(out)
    np.testing.assert_array_equal(db, [3.0, 3.0])
    assert len(second.records) == 1


def test_nested_tapes_record_on_the_innermost_only():
    with Tape() as outer:
        xo = outer.watch(np.ones(2))
        with Tape() as inner:
            xi = inner.watch(np.ones(2))
            yi = xi * 5
        yo = xo * 7
    assert [r.op for r in inner.records] == ["multiply"]
    assert [r.op for r in outer.records] == ["multiply"]
    assert outer.gradient(yo)[0].tolist() == [7.0, 7.0]
    assert inner.gradient(yi)[0].tolist() == [5.0, 5.0]


def test_the_active_tape_is_thread_local():
    seen = {}

    def worker():
        seen["tape"] = autodiff.active_tape()
        t = np.ones(2).view(Tensor)
        seen["out"] = t * 2

    with Tape() as tape:
        tape.watch(np.ones(2))
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen["tape"] is None
    assert tape.records == []


def test_value_and_grad_helper():
    x = normal(2, 3)
    value, (g,) = value_and_grad(lambda a: ops.sum(a ** 3), x)
    np.testing.assert_allclose(value, np.sum(x ** 3))
    np.testing.assert_allclose(g, 3 * x ** 2)
    assert type(value) is np.ndarray and type(g) is np.ndarray and g.flags.writeable


# ----------------------------------------------------------------------- record_call (Layer wiring)
def test_record_call_runs_a_custom_call_and_its_backward():
    """What Layer.forward / backward do for a subclass's call: a two-input call with weights."""
    w = Variable(normal(4, 3), dtype="float64", path="mine/w")
    b = Variable(normal(3), dtype="float64", path="mine/b")

    def call(inputs, training=False):
        x1, x2 = inputs
        h = ops.tanh(x1 @ w + b)
        return [h * x2, ops.sum(h, axis=-1, keepdims=True)]

    x1, x2 = normal(5, 4), normal(5, 3)
    rec = autodiff.record_call(call, [x1, x2], variables=[w, b], training=True)
    assert isinstance(rec.output, list) and all(type(o) is np.ndarray for o in rec.output)
    g = [normal(5, 3), normal(5, 1)]
    dx1, dx2 = rec.backward(g)

    def loss(a1, a2):
        o = call([a1, a2])
        return np.sum(np.asarray(o[0]) * g[0]) + np.sum(np.asarray(o[1]) * g[1])

    n1, n2 = numeric_grads(loss, [x1.copy(), x2.copy()], np.float64(1.0))
    assert rel_error(dx1, n1) < 1e-6 and rel_error(dx2, n2) < 1e-6
    assert np.abs(w.grad).sum() > 0 and np.abs(b.grad).sum() > 0
    assert "tanh" in [r.op for r in rec.tape.records]


def test_record_call_inside_a_recording_is_refused():
    with Tape() as tape:
        x = tape.watch(normal(2, 2))
        with pytest.raises(ValueError, match=r"call fn directly"):
            autodiff.record_call(lambda t: t * 2, x)


def test_record_call_reports_bad_calls_by_name():
    def returns_string(x):
        return "oops"

    with pytest.raises(TypeError, match=r"returns_string: call must return a tensor.*got str"):
        autodiff.record_call(returns_string, normal(2, 2))
    w = Variable(normal(2, 2), dtype="float64", path="layer/w")

    def uses_value(x):
        return x @ w.value

    rec = autodiff.record_call(uses_value, normal(2, 2), variables=[w])
    with pytest.raises(DisconnectedGradientError, match=r"uses_value: .*layer/w"):
        rec.backward(np.ones((2, 2)))


# ----------------------------------------------------------------------- built-in layers inside a call
def test_call_layer_uses_the_layers_own_backward_even_when_shared():
    """A custom call made of built-in Dense layers (one used twice) and ops: the recorded VJP is
    each layer's explicit backward; input and weight gradients match central differences."""
    from glassnet.autodiff import call_layer
    d1 = Dense(3, activation="tanh", dtype="float64")
    d1.build((4,))
    d2 = Dense(3, activation="sigmoid", dtype="float64")
    d2.build((3,))
    d2.bias.assign(normal(3))
    weights = np.random.default_rng(3).normal(size=(5, 3))

    def call(x):
        h = call_layer(d1, x, training=True)
        h2 = call_layer(d2, h, training=True)
        h3 = call_layer(d2, h2 * 0.5 + h, training=True)     # d2 again: shared weights
        return h3 * x[:, :3] + ops.square(h2)

    x = normal(5, 4)
    for v in d1.weights + d2.weights:
        v.grad[...] = 0.0
    rec = autodiff.record_call(call, x, variables=d1.weights + d2.weights)
    (dx,) = [rec.backward(weights)]
    (nx,) = numeric_grads(call, [x.copy()], weights)
    assert rel_error(dx, nx) < 1e-6
    ops_names = [r.op for r in rec.tape.records]
    assert ops_names.count("Dense(" + d2.name + ")") == 2
    for var in (d1.kernel, d2.kernel, d2.bias):
        def f(value, var=var):
            old = var.value.copy()
            var.value[...] = value
            try:
                return call(x)
            finally:
                var.value[...] = old
        (nv,) = numeric_grads(f, [var.value.copy()], weights)
        assert rel_error(var.grad, nv) < 1e-6, var.path


def test_call_layer_dropout_mask_and_training_flag():
    from glassnet.autodiff import call_layer
    from glassnet.layers import Dropout
    drop = Dropout(0.5, seed=1)
    x = np.ones((4, 6))
    with Tape() as tape:
        xt = tape.watch(x)
        out = call_layer(drop, xt, training=True)
    (dx,) = tape.gradient(out, np.full((4, 6), 3.0))
    np.testing.assert_array_equal(dx, 3.0 * np.asarray(out))   # g * mask, mask = out / x
    dense = Dense(2, dtype="float64")
    dense.build((6,))
    with Tape() as tape:
        out = call_layer(dense, tape.watch(x), training=False)
    with pytest.raises(NotDifferentiableError, match=r"training=False.*training=True"):
        tape.gradient(out)
    # without a recorded input it is the plain forward pass
    assert type(call_layer(dense, x)) is np.ndarray


# ----------------------------------------------------------------------- the wiring, end to end
def test_a_layer_wired_through_record_call_trains_like_dense_in_sequential():
    """The pattern recommended for Layer.forward / backward: a Layer whose call is written with
    ops, recorded in forward and replayed in backward, trains exactly like the built-in Dense
    inside today's Sequential engine (same weights after 3 epochs of SGD, float64)."""
    from glassnet import initializers
    from glassnet.config import floatx_scope
    from glassnet.layers import Input
    from glassnet.layers.base import Layer
    from glassnet.models import Sequential

    class MyDense(Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer=initializers.get("glorot_uniform"), name="kernel")
            self.b = self.add_weight(shape=(self.units,), initializer=initializers.get("zeros"), name="bias")
            super().build(input_shape)

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (self.units,)

        def call(self, x, training=False):
            return ops.relu(ops.matmul(x, self.w) + self.b)

        # what the coordinator's Layer does for a subclass that defines call:
        def forward(self, x, training=False):
            if not training:
                return np.asarray(self.call(x, training=False))
            self._recorded = autodiff.record_call(self.call, x, variables=self.trainable_weights,
                                                  training=training)
            return self._recorded.output

        def backward(self, grad):
            for v in self.trainable_weights:     # today's contract: backward assigns v.grad
                v.grad[...] = 0.0
            return self._recorded.backward(grad)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4))
    y = rng.normal(size=(32, 1))
    with floatx_scope("float64"):
        mine = Sequential([Input((4,)), MyDense(5), Dense(1)])
        ref = Sequential([Input((4,)), Dense(5, activation="relu"), Dense(1)])
        for m in (mine, ref):
            m.compile(optimizer="sgd", loss="mse")
        ref.set_weights(mine.get_weights())
        h1 = mine.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
        h2 = ref.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(mine.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-12)
    np.testing.assert_allclose(mine.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-12)


def test_loss_values_and_gradient_for_a_custom_loss():
    """A Keras-style custom loss written with NumPy calls on the tensors (routed to ops) and one
    that couples the samples (not row-separable): both get the exact gradient."""
    y_true = normal(6, 3)
    y_pred = normal(6, 3)

    def numpy_style(yt, yp):
        return np.mean(np.square(yt - yp), axis=-1) + 0.1 * np.sum(np.abs(yp), axis=-1)

    def coupled(yt, yp, scale=1.0):
        centred = yp - ops.mean(yp, axis=0, keepdims=True)      # the batch mean couples rows
        return scale * ops.sum(ops.square(centred - yt), axis=-1)

    for fn, kwargs in ((numpy_style, {}), (coupled, {"scale": 0.5})):
        values, grad = autodiff.loss_values_and_gradient(fn, y_true, y_pred, **kwargs)
        np.testing.assert_allclose(values, np.asarray(fn(y_true, y_pred, **kwargs)), rtol=1e-12)
        (numeric,) = numeric_grads(lambda p: fn(y_true, p, **kwargs), [y_pred.copy()],
                                   np.ones(values.shape))
        assert rel_error(grad, numeric) < 1e-6, fn.__name__
    yp32 = y_pred.astype(np.float32)
    _, g32 = autodiff.loss_values_and_gradient(numpy_style, y_true.astype(np.float32), yp32)
    assert g32.dtype == np.float32

    def detached(yt, yp):
        return np.mean((yt - np.asarray(yp)) ** 2, axis=-1)

    with pytest.raises(DisconnectedGradientError, match=r"loss 'detached'.*np\.asarray"):
        autodiff.loss_values_and_gradient(detached, y_true, y_pred)


# ----------------------------------------------------------------------- random programs
UNARY = [
    lambda a: np.exp(a * 0.3), np.tanh, ops.sigmoid, ops.softplus, lambda a: a ** 2, np.sin,
    lambda a: ops.log1p(a * a), lambda a: np.sqrt(a * a + 1.0), ops.softmax, lambda a: ops.log_softmax(a, axis=0),
    lambda a: a - ops.mean(a, axis=1, keepdims=True), lambda a: a * ops.sum(a, axis=0, keepdims=True),
    lambda a: ops.logsumexp(a, axis=-1, keepdims=True) - a, lambda a: a[::-1] * 1.5, ops.gelu,
    lambda a: ops.concatenate([a[:, 2:], a[:, :2]], axis=1), lambda a: ops.cumsum(a, axis=1) * 0.3,
]
BINARY = [
    np.add, np.subtract, np.multiply, lambda a, b: a / (1.0 + b * b), lambda a, b: ops.where(b > 0, a, b),
    lambda a, b: (a @ b.T) @ a * 0.1, lambda a, b: ops.stack([a, b], axis=-1).sum(axis=-1),
]


def random_program(rng, depth):
    """A random expression of the two inputs (3, 4) and (4,) -- broadcast in binary nodes."""
    if depth == 0:
        return (lambda a, b: a) if rng.random() < 0.7 else (lambda a, b: a * 0.0 + b)
    if rng.random() < 0.5:
        f, inner = UNARY[rng.integers(len(UNARY))], random_program(rng, depth - 1)
        return lambda a, b: f(inner(a, b))
    f = BINARY[rng.integers(len(BINARY))]
    left, right = random_program(rng, depth - 1), random_program(rng, depth - 1)
    return lambda a, b: f(left(a, b), right(a, b))


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_have_the_numeric_gradient(seed):
    """Property: any composition of recorded operations differentiates correctly (fan-out,
    broadcasting, reductions and shape changes mixed)."""
    rng = np.random.default_rng(seed)
    program = random_program(rng, depth=4)

    def fn(a, b):
        return program(a, b) + a * 1e-3 + b * 1e-3    # both inputs always reach the output

    check_gradients(fn, rng.normal(size=(3, 4)), rng.normal(size=(4,)), tol=1e-6, seed=seed)


def test_unwrap_and_recorded_inputs():
    w = Variable(np.ones(2), dtype="float64")
    with Tape() as tape:
        t = tape.watch(np.ones(2))
        assert autodiff.recorded_inputs([np.ones(1), {"a": t}])
        assert not autodiff.recorded_inputs([np.ones(1)])
        out = autodiff.unwrap({"x": [t * 2, w], "n": 3})
    assert type(out["x"][0]) is np.ndarray and type(out["x"][1]) is np.ndarray and out["n"] == 3
    assert not autodiff.recorded_inputs(t)    # no active tape any more


def test_recommended_layer_wiring_with_nested_custom_and_built_in_layers():
    """The Layer.__call__ / forward / backward wiring proposed to the engine: a custom block whose
    call uses a built-in Dense (one record, its own backward) and a nested custom layer (runs
    under the block's tape); gradients match central differences."""
    from glassnet import initializers
    from glassnet.layers.base import Layer

    class Wired(Layer):
        def __call__(self, x, training=False):
            if autodiff.recorded_inputs(x):
                return self.call(x, training=training)      # record on the caller's tape
            if not self.built:
                self.build(np.shape(x)[1:])
            return self.forward(x, training=training)

        def forward(self, x, training=False):
            if not training:
                return autodiff.unwrap(self.call(x, training=False))
            self._recorded = autodiff.record_call(self.call, x, variables=self.trainable_weights,
                                                  training=training, name=self.name)
            return self._recorded.output

        def backward(self, grad):
            for v in self.trainable_weights:
                v.grad[...] = 0.0
            return self._recorded.backward(grad)

    class Scale(Wired):
        def build(self, input_shape):
            self.s = self.add_weight(shape=(input_shape[-1],), initializer=initializers.get("ones"), name="s")
            super().build(input_shape)

        def call(self, x, training=False):
            return ops.tanh(x * self.s)

    class Block(Wired):
        def build(self, input_shape):
            self.dense = Dense(input_shape[-1], activation="sigmoid", dtype="float64")
            self.dense.build(input_shape)
            self.scale = Scale(dtype="float64")
            self.scale.build(input_shape)
            super().build(input_shape)

        @property
        def trainable_weights(self):
            return self.dense.trainable_weights + self.scale.trainable_weights

        def call(self, x, training=False):
            h = autodiff.call_layer(self.dense, x, training=training)
            return self.scale(h, training=training) + x          # residual

    block = Block(dtype="float64")
    x = normal(6, 3)
    block(x)                                       # builds, inference path
    block.scale.s.assign(normal(3))
    g = normal(6, 3)
    out = block.forward(x, training=True)
    dx = block.backward(g)
    (nx,) = numeric_grads(lambda a: block.call(a), [x.copy()], g)
    assert rel_error(dx, nx) < 1e-6
    np.testing.assert_allclose(out, block.call(x), rtol=1e-14)
    s = block.scale.s
    grad_s = s.grad.copy()

    def f(value):
        old = s.value.copy()
        s.value[...] = value
        try:
            return block.call(x)
        finally:
            s.value[...] = old
    (ns,) = numeric_grads(f, [s.value.copy()], g)
    assert rel_error(grad_s, ns) < 1e-6
    assert [r.op.split("(")[0] for r in block._recorded.tape.records][:2] == ["Dense", "multiply"]


@pytest.mark.parametrize("name", [n for n in __import__("glassnet").activations.__all__
                                  if n[0].islower() and n not in ("get", "serialize", "deserialize", "threshold")])
def test_call_activation_differentiates_every_glassnet_activation(name):
    """call_activation records any ActivationFunction with its own backward; the gradient
    matches central differences (inputs kept off the kinks)."""
    from glassnet import activations
    act = activations.get(name)
    x = np.random.default_rng(1).normal(size=(3, 4)) * 2
    x[np.abs(x) < 0.05] = 0.3
    for kink in (1.0, -1.0, 3.0, -3.0, 6.0, 0.5, -0.5):
        x[np.abs(x - kink) < 0.05] = kink + 0.1
    if name == "step":     # piecewise constant: the tape gives its zero derivative
        _, (g,) = value_and_grad(lambda t: autodiff.call_activation(act, t), x)
        assert not g.any()
        return
    check_gradients(lambda t: autodiff.call_activation(act, t), x)


# ----------------------------------------------------------------------- Keras golden training run
CUSTOM_GOLDEN = __import__("pathlib").Path(__file__).parent / "reference" / "keras_custom_training.json"


@pytest.mark.skipif(not CUSTOM_GOLDEN.exists(), reason="tests/reference/keras_custom_training.json not generated")
def test_custom_layer_and_custom_loss_train_to_keras_weights():
    """Keras 3 trained Sequential([Input, GatedLinear (written with keras.ops), Dense]) with Adam on
    a custom loss (tests/reference/make_custom_training_golden.py). The same code written with
    glassnet.ops -- the layer wired through record_call, the loss differentiated by the tape --
    ends at Keras's weights and loss history after 3 epochs (float32: rtol 1e-4, the issue's
    tolerance, as float32 sums differ in the last bits between TensorFlow and NumPy)."""
    import json
    from glassnet import initializers, losses
    from glassnet.layers import Input
    from glassnet.layers.base import Layer
    from glassnet.models import Sequential
    from glassnet.optimizers import Adam

    class GatedLinear(Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer=initializers.get("glorot_uniform"), name="w")
            self.b = self.add_weight(shape=(self.units,), initializer=initializers.get("zeros"), name="b")
            super().build(input_shape)

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (self.units,)

        def call(self, x, training=False):
            return ops.tanh(ops.matmul(x, self.w) + self.b) * ops.sigmoid(x[:, :1])

        def forward(self, x, training=False):
            if not training:
                return autodiff.unwrap(self.call(x))
            self._recorded = autodiff.record_call(self.call, x, variables=self.trainable_weights)
            return self._recorded.output

        def backward(self, grad):
            for v in self.trainable_weights:
                v.grad[...] = 0.0
            return self._recorded.backward(grad)

    def huberish(y_true, y_pred):
        err = y_true - y_pred
        small = ops.abs(err) <= 0.5
        return ops.mean(ops.where(small, 0.5 * ops.square(err), 0.5 * ops.abs(err) - 0.125), axis=-1)

    class TapeLoss(losses.Loss):
        """A custom loss function differentiated by the tape (sum_over_batch_size reduction)."""

        def __init__(self, fn):
            super().__init__(name=fn.__name__)
            self.fn = fn

        def call(self, y_true, y_pred):
            return autodiff.unwrap(self.fn(y_true, y_pred))

        def value_and_gradient(self, y_true, y_pred, sample_weight=None):
            assert sample_weight is None
            values, grad = autodiff.loss_values_and_gradient(self.fn, y_true, y_pred)
            n = values.size
            return float(np.sum(values) / n), grad / np.float32(n)

    golden = json.loads(CUSTOM_GOLDEN.read_text())
    x = np.array(golden["x"], np.float32)
    y = np.array(golden["y"], np.float32)
    model = Sequential([Input((4,)), GatedLinear(6), Dense(1)])
    model.set_weights([np.array(w, np.float32) for w in golden["initial_weights"]])
    model.compile(optimizer=Adam(learning_rate=0.01), loss=TapeLoss(huberish))
    history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), golden["final_weights"]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], golden["loss"], rtol=1e-4)

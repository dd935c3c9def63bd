"""Tests for glassnet.optimizers: formulas, flat path, clipping, decay, state, configs, Keras goldens.

Hand-computed references below are written from the published update rules in
float64, independently of the implementation (which computes in float32 in
Keras's operation order).
"""
import json
import math
import pathlib
import warnings

import numpy as np
import pytest

import glassnet.optimizers as O
from glassnet import config
from glassnet.optimizers import schedules as S
from glassnet.variables import Variable, pack

# every test here runs on both kernel implementations (conftest.py's `kernels` fixture)
pytestmark = pytest.mark.usefixtures("kernels")

GOLDEN = pathlib.Path(__file__).parent / "reference" / "keras_optimizers.json"

def _f32(x):
    """``x`` rounded to float32 and held in float64 (what the float32 code actually sees)."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


W0 = _f32([0.5, -1.0, 2.0, 0.0, 0.25])
GRADS = [
    _f32([0.1, -0.2, 0.3, 0.0, 1.5]),
    _f32([0.2, 0.1, -0.4, 0.5, -1.0]),
    _f32([-0.3, 0.05, 0.1, -0.2, 0.7]),
]
# Hyper-parameters of the formula tests are dyadic (exact in float32), so the float64
# references and the float32 code differ only by float32 arithmetic rounding.  Keras's
# own defaults (0.9, 0.999, ...) are checked bit for bit against Keras's golden file.
B1, B2, RHO, MOM = 0.875, 0.9921875, 0.875, 0.875
ALL_CLASSES = [O.SGD, O.RMSprop, O.Adam, O.AdamW, O.Adagrad, O.Adadelta, O.Adamax, O.Nadam,
               O.Lion, O.Ftrl]


def run(opt, w0=W0, grads=GRADS):
    """Apply ``grads`` one by one to a float32 variable starting at ``w0``; return its values."""
    v = Variable(np.asarray(w0, dtype=np.float32), name="w")
    out = []
    for g in grads:
        opt.apply_gradients([(np.asarray(g, dtype=np.float32), v)])
        out.append(v.numpy())
    return out


def check(out, ref, rtol=1e-6, atol=1e-7):
    for step, (a, r) in enumerate(zip(out, ref)):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, r, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


# ---------------------------------------------------------------------------- float64 references
def ref_sgd(lr, momentum=0.0, nesterov=False, wd=0.0):
    w, m, out = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        w = w - w * wd * lr
        if momentum:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        else:
            w = w - lr * g
        out.append(w.copy())
    return out


def ref_rmsprop(lr, rho, eps, momentum=0.0, centered=False):
    w, v, a, s, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0), []
    for g in GRADS:
        v = rho * v + (1 - rho) * g ** 2
        if centered:
            a = rho * a + (1 - rho) * g
            denom = v - a ** 2 + eps
        else:
            denom = v + eps
        inc = lr * g / np.sqrt(denom)
        if momentum:
            s = momentum * s + inc
            w = w - s
        else:
            w = w - inc
        out.append(w.copy())
    return out


def ref_adam(lr, b1, b2, eps, amsgrad=False, wd=0.0):
    w, m, v, vmax, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, start=1):
        w = w - w * wd * lr
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        vmax = np.maximum(vmax, v)
        vv = vmax if amsgrad else v
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - alpha * m / (np.sqrt(vv) + eps)
        out.append(w.copy())
    return out


def ref_adagrad(lr, init, eps):
    w, acc, out = W0.copy(), np.full_like(W0, init), []
    for g in GRADS:
        acc = acc + g ** 2
        w = w - lr * g / np.sqrt(acc + eps)
        out.append(w.copy())
    return out


def ref_adadelta(lr, rho, eps):
    w, eg, ed, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for g in GRADS:
        eg = rho * eg + (1 - rho) * g ** 2
        dx = -np.sqrt(ed + eps) / np.sqrt(eg + eps) * g
        ed = rho * ed + (1 - rho) * dx ** 2
        w = w + lr * dx
        out.append(w.copy())
    return out


def ref_adamax(lr, b1, b2, eps):
    w, m, u, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr / (1 - b1 ** t) * m / (u + eps)
        out.append(w.copy())
    return out


def ref_nadam(lr, b1, b2, eps):
    w, m, v, prod, out = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), 1.0, []

    def mu(t):
        return b1 * (1 - 0.5 * 0.96 ** t)

    for t, g in enumerate(GRADS, start=1):
        prod = prod * mu(t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = mu(t + 1) * m / (1 - prod * mu(t + 1)) + (1 - mu(t)) * g / (1 - prod)
        v_hat = v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w.copy())
    return out


def ref_lion(lr, b1, b2, wd=0.0):
    w, m, out = W0.copy(), np.zeros_like(W0), []
    for g in GRADS:
        w = w - w * wd * lr
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
        out.append(w.copy())
    return out


def ref_ftrl(lr, power, init, l1, l2, l2s, beta):
    w, n, z, out = W0.copy(), np.full_like(W0, init), np.zeros_like(W0), []
    p = -power
    for g in GRADS:
        gs = g + 2 * l2s * w
        n_new = n + g ** 2
        sigma = (n_new ** p - n ** p) / lr
        z = z + gs - sigma * w
        q = n_new ** p / lr + 2 * (l2 + beta / (2 * lr))
        w = np.where(np.abs(z) <= l1, 0.0, (np.sign(z) * l1 - z) / q)
        n = n_new
        out.append(w.copy())
    return out


LR = float(np.float32(0.1))       # a learning rate exactly representable in float32
EPS = 2.0 ** -20


@pytest.mark.parametrize("opt, ref", [
    (lambda: O.SGD(learning_rate=LR), lambda: ref_sgd(LR)),
    (lambda: O.SGD(learning_rate=LR, momentum=MOM), lambda: ref_sgd(LR, MOM)),
    (lambda: O.SGD(learning_rate=LR, momentum=MOM, nesterov=True), lambda: ref_sgd(LR, MOM, True)),
    (lambda: O.SGD(learning_rate=LR, weight_decay=0.5), lambda: ref_sgd(LR, wd=0.5)),
    (lambda: O.RMSprop(learning_rate=LR, rho=RHO, epsilon=EPS), lambda: ref_rmsprop(LR, RHO, EPS)),
    (lambda: O.RMSprop(learning_rate=LR, rho=RHO, momentum=0.5, centered=True, epsilon=EPS),
     lambda: ref_rmsprop(LR, RHO, EPS, momentum=0.5, centered=True)),
    (lambda: O.Adam(learning_rate=LR, beta_1=B1, beta_2=B2, epsilon=EPS),
     lambda: ref_adam(LR, B1, B2, EPS)),
    (lambda: O.Adam(learning_rate=LR, beta_1=0.5, beta_2=0.75, epsilon=2.0 ** -10),
     lambda: ref_adam(LR, 0.5, 0.75, 2.0 ** -10)),
    (lambda: O.AdamW(learning_rate=LR, beta_1=B1, beta_2=B2, epsilon=EPS, weight_decay=0.0625),
     lambda: ref_adam(LR, B1, B2, EPS, wd=0.0625)),
    (lambda: O.Adagrad(learning_rate=LR, initial_accumulator_value=0.125, epsilon=EPS),
     lambda: ref_adagrad(LR, 0.125, EPS)),
    (lambda: O.Adagrad(learning_rate=LR, initial_accumulator_value=0.0, epsilon=2.0 ** -7),
     lambda: ref_adagrad(LR, 0.0, 2.0 ** -7)),
    (lambda: O.Adadelta(learning_rate=1.0, rho=RHO, epsilon=2.0 ** -10),
     lambda: ref_adadelta(1.0, RHO, 2.0 ** -10)),
    (lambda: O.Adamax(learning_rate=LR, beta_1=B1, beta_2=B2, epsilon=EPS),
     lambda: ref_adamax(LR, B1, B2, EPS)),
    (lambda: O.Nadam(learning_rate=LR, beta_1=B1, beta_2=B2, epsilon=EPS),
     lambda: ref_nadam(LR, B1, B2, EPS)),
    (lambda: O.Lion(learning_rate=LR, beta_1=B1, beta_2=B2), lambda: ref_lion(LR, B1, B2)),
    (lambda: O.Lion(learning_rate=LR, beta_1=0.5, beta_2=B2, weight_decay=0.125),
     lambda: ref_lion(LR, 0.5, B2, wd=0.125)),
    (lambda: O.Ftrl(learning_rate=LR), lambda: ref_ftrl(LR, -0.5, 0.1, 0.0, 0.0, 0.0, 0.0)),
    (lambda: O.Ftrl(learning_rate=LR, l1_regularization_strength=0.0625,
                    l2_regularization_strength=0.125, l2_shrinkage_regularization_strength=0.25,
                    beta=0.5, learning_rate_power=-1.0, initial_accumulator_value=0.25),
     lambda: ref_ftrl(LR, -1.0, 0.25, 0.0625, 0.125, 0.25, 0.5)),
], ids=["sgd", "sgd-momentum", "sgd-nesterov", "sgd-wd", "rmsprop", "rmsprop-centered-momentum",
        "adam", "adam-custom", "adamw", "adagrad", "adagrad-zero-init", "adadelta", "adamax",
        "nadam", "lion", "lion-wd", "ftrl", "ftrl-regularized"])
def test_first_steps_match_float64_formulas(opt, ref):
    check(run(opt()), ref())


def test_sgd_first_step_by_hand():
    # w = 0.5, g = 0.1, lr = 0.1, momentum 0.9: m = -0.01, w = 0.49; step 2 (g = 0.2):
    # m = 0.9 * -0.01 - 0.02 = -0.029, w = 0.461
    out = run(O.SGD(learning_rate=LR, momentum=0.9), w0=[0.5], grads=[[0.1], [0.2]])
    np.testing.assert_allclose([o[0] for o in out], [0.49, 0.461], rtol=1e-6)


def test_adam_first_step_is_lr_times_sign():
    # with m = (1-b1) g, v = (1-b2) g^2 and alpha = lr sqrt(1-b2)/(1-b1): step = lr * g/(|g| + eps')
    out = run(O.Adam(learning_rate=LR, epsilon=0.0), w0=[1.0, 1.0], grads=[[3.0, -0.01]])
    np.testing.assert_allclose(out[0], [1.0 - LR, 1.0 + LR], rtol=1e-6)


def test_amsgrad_keeps_max_second_moment():
    # a large gradient then small ones: with amsgrad the denominator never shrinks back
    grads = [[10.0], [0.01], [0.01], [0.01]]
    plain = O.Adam(learning_rate=LR, beta_2=0.5)
    ams = O.Adam(learning_rate=LR, beta_2=0.5, amsgrad=True)
    w_plain, w_ams = run(plain, [0.0], grads), run(ams, [0.0], grads)
    # the first step is identical (v_hat = v)
    np.testing.assert_array_equal(w_plain[0], w_ams[0])
    steps_plain = -np.diff(np.concatenate([[0.0], [w[0] for w in w_plain]]))
    steps_ams = -np.diff(np.concatenate([[0.0], [w[0] for w in w_ams]]))
    assert np.all(np.abs(steps_ams[1:]) < np.abs(steps_plain[1:]))
    v_hat = ams.variables[-1].numpy()
    np.testing.assert_allclose(v_hat, [50.0], rtol=1e-6)      # max over v_t = 0.5 * 100 first
    # and the float64 formula with the max
    W = np.array([0.0])
    m = v = vmax = 0.0
    for t, g in enumerate(grads, start=1):
        g = g[0]
        m = 0.9 * m + 0.1 * g
        v = 0.5 * v + 0.5 * g * g
        vmax = max(vmax, v)
        W = W - LR * math.sqrt(1 - 0.5 ** t) / (1 - 0.9 ** t) * m / (math.sqrt(vmax) + 1e-7)
    np.testing.assert_allclose(w_ams[-1], W, rtol=1e-6)


# ---------------------------------------------------------------------------- clipping
def two_vars():
    a = Variable(np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32), name="kernel", path="d/kernel")
    b = Variable(np.array([1.0, -2.0], dtype=np.float32), name="bias", path="d/bias")
    return a, b


def test_clipnorm_clips_each_variable_separately():
    a, b = two_vars()
    ga = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)   # norm 5 -> scaled to norm 1
    gb = np.array([0.3, 0.4], dtype=np.float32)                 # norm 0.5 -> untouched
    opt = O.SGD(learning_rate=1.0, clipnorm=1.0)
    opt.apply_gradients([(ga, a), (gb, b)])
    np.testing.assert_allclose(a.value, [[3.0 - 0.6, 4.0 - 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(b.value, [1.0 - 0.3, -2.0 - 0.4], rtol=1e-6)


def test_global_clipnorm_scales_all_gradients_together():
    a, b = two_vars()
    ga = np.array([[3.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    gb = np.array([0.0, 4.0], dtype=np.float32)                 # global norm 5
    opt = O.SGD(learning_rate=1.0, global_clipnorm=2.5)
    opt.apply_gradients([(ga, a), (gb, b)])
    np.testing.assert_allclose(a.value, [[3.0 - 1.5, 4.0], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(b.value, [1.0, -2.0 - 2.0], rtol=1e-6)


def test_clipvalue_clips_elementwise():
    a, b = two_vars()
    ga = np.array([[3.0, -0.1], [-7.0, 0.0]], dtype=np.float32)
    gb = np.array([0.2, -0.5], dtype=np.float32)
    opt = O.SGD(learning_rate=1.0, clipvalue=0.25)
    opt.apply_gradients([(ga, a), (gb, b)])
    np.testing.assert_allclose(a.value, [[2.75, 4.1], [0.25, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(b.value, [0.8, -1.75], rtol=1e-6)


def test_caller_gradients_are_never_modified():
    a, b = two_vars()
    ga = np.array([[3.0, -0.1], [-7.0, 0.0]], dtype=np.float32)
    gb = np.array([0.2, -0.5], dtype=np.float32)
    copies = ga.copy(), gb.copy()
    for kw in ({"clipnorm": 0.1}, {"global_clipnorm": 0.1}, {"clipvalue": 0.1},
               {"loss_scale_factor": 8.0}, {"gradient_accumulation_steps": 2}, {}):
        O.Adam(**kw).apply_gradients([(ga, a), (gb, b)])
        np.testing.assert_array_equal(ga, copies[0])
        np.testing.assert_array_equal(gb, copies[1])
    params, grads, segs = pack([a, b])
    a.grad[...] = ga
    b.grad[...] = gb
    before = grads.copy()
    opt = O.Adam(clipnorm=0.1, loss_scale_factor=2.0)
    opt.build([a, b])
    opt.step_flat(params, grads, segs)
    np.testing.assert_array_equal(grads, before)


def test_loss_scale_factor_divides_gradients():
    a, b = two_vars()
    ref_a, ref_b = two_vars()
    g = [np.array([[3.0, -0.1], [-7.0, 0.0]], dtype=np.float32), np.array([0.2, -0.5], dtype=np.float32)]
    O.SGD(learning_rate=0.5, loss_scale_factor=4.0).apply_gradients(
        [(g[0] * 4.0, a), (g[1] * 4.0, b)])
    O.SGD(learning_rate=0.5).apply_gradients([(g[0], ref_a), (g[1], ref_b)])
    np.testing.assert_allclose(a.value, ref_a.value, rtol=1e-7)
    np.testing.assert_allclose(b.value, ref_b.value, rtol=1e-7)
    assert O.SGD(loss_scale_factor=4.0).scale_loss(1.5) == 6.0


# ---------------------------------------------------------------------------- weight decay
def test_weight_decay_is_decoupled_and_scaled_by_lr():
    # w1 = w0 - w0 * wd * lr - lr * g  (decay applied to w0 before the gradient step)
    out = run(O.SGD(learning_rate=0.5, weight_decay=0.2), w0=[2.0, -1.0], grads=[[0.0, 1.0]])
    np.testing.assert_allclose(out[0], [2.0 - 2.0 * 0.2 * 0.5, -1.0 + 0.1 - 0.5], rtol=1e-6)


def test_exclude_from_weight_decay_by_name_and_by_variable():
    for how in ("names", "list"):
        a, b = two_vars()
        opt = O.SGD(learning_rate=0.5, weight_decay=0.2)
        if how == "names":
            opt.exclude_from_weight_decay(var_names=["bias"])
        else:
            opt.exclude_from_weight_decay(var_list=[b])
        zeros = [np.zeros((2, 2), np.float32), np.zeros(2, np.float32)]
        opt.apply_gradients([(zeros[0], a), (zeros[1], b)])
        np.testing.assert_allclose(a.value, np.array([[3.0, 4.0], [0.0, 0.0]]) * 0.9, rtol=1e-6)
        np.testing.assert_array_equal(b.value, [1.0, -2.0])


def test_adamw_default_weight_decay():
    assert O.AdamW().weight_decay == 0.004
    assert O.AdamW().get_config()["weight_decay"] == 0.004


# ---------------------------------------------------------------------------- flat path
def model_vars(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [("dense/kernel", (4, 3)), ("dense/bias", (3,)), ("out/kernel", (3, 2)), ("out/bias", (2,))]
    return [Variable(rng.normal(size=s).astype(np.float32), name=p.split("/")[1], path=p)
            for p, s in shapes]


def grad_stream(variables, n=4, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=v.shape).astype(np.float32) for v in variables] for _ in range(n)]


FLAT_CASES = [
    (O.SGD, {"momentum": 0.9, "nesterov": True}),
    (O.RMSprop, {"momentum": 0.3, "centered": True}),
    (O.Adam, {"amsgrad": True, "clipnorm": 0.5}),
    (O.AdamW, {"global_clipnorm": 0.7}),
    (O.Adagrad, {"clipvalue": 0.2}),
    (O.Adadelta, {"learning_rate": 1.0}),
    (O.Adamax, {"weight_decay": 0.1}),
    (O.Nadam, {"use_ema": True, "ema_overwrite_frequency": 3}),
    (O.Lion, {"gradient_accumulation_steps": 2, "weight_decay": 0.1}),
    (O.Ftrl, {"l1_regularization_strength": 0.01, "loss_scale_factor": 2.0}),
]


@pytest.mark.parametrize("cls, kw", FLAT_CASES, ids=[c.__name__ for c, _ in FLAT_CASES])
def test_flat_path_equals_per_variable_path(cls, kw):
    per_var = model_vars()
    flat_vars = model_vars()
    stream = grad_stream(per_var)
    opt_a, opt_b = cls(**kw), cls(**kw)
    if kw.get("weight_decay"):
        opt_a.exclude_from_weight_decay(var_names=["bias"])
        opt_b.exclude_from_weight_decay(var_names=["bias"])
    params, grads, segs = pack(flat_vars)
    opt_b.build(flat_vars)
    for gs in stream:
        opt_a.apply_gradients(list(zip(gs, per_var)))
        for v, g in zip(flat_vars, gs):
            v.grad[...] = g
        opt_b.step_flat(params, grads, segs)
    for va, vb in zip(per_var, flat_vars):
        np.testing.assert_array_equal(va.value, vb.value)
    assert opt_a.iterations == opt_b.iterations
    for sa, sb in zip(opt_a.variables, opt_b.variables):
        np.testing.assert_array_equal(sa.numpy(), sb.numpy())


def test_flat_path_updates_a_contiguous_model_in_one_call():
    variables = model_vars()
    params, grads, segs = pack(variables)
    opt = O.Adam()
    opt.build(variables)
    calls = []
    original = opt._update_step

    def counting(param, grad, slots, lr, step):
        calls.append(param.size)
        return original(param, grad, slots, lr, step)

    opt._update_step = counting
    grads[...] = 0.5
    opt.step_flat(params, grads, segs)
    assert calls == [params.size]
    # a subset of segments (a frozen variable in the middle) falls back to runs
    opt2 = O.Adam()
    trainable = [variables[0], variables[1], variables[3]]
    opt2.build(trainable)
    calls.clear()
    original2 = opt2._update_step

    def counting2(param, grad, slots, lr, step):
        calls.append(param.size)
        return original2(param, grad, slots, lr, step)

    opt2._update_step = counting2
    frozen = variables[2].numpy()
    opt2.step_flat(params, grads, [segs[0], segs[1], segs[3]])
    assert calls == [12 + 3, 2]
    np.testing.assert_array_equal(variables[2].value, frozen)


def test_flat_path_with_a_subset_matches_apply():
    flat_vars, ref_vars = model_vars(), model_vars()
    params, grads, segs = pack(flat_vars)
    keep = [0, 1, 3]
    opt_flat, opt_ref = O.RMSprop(momentum=0.5), O.RMSprop(momentum=0.5)
    opt_flat.build([flat_vars[i] for i in keep])
    for gs in grad_stream(ref_vars, n=3):
        for v, g in zip(flat_vars, gs):
            v.grad[...] = g
        opt_flat.step_flat(params, grads, [segs[i] for i in keep])
        opt_ref.apply_gradients([(gs[i], ref_vars[i]) for i in keep])
    for i in range(4):
        np.testing.assert_array_equal(flat_vars[i].value, ref_vars[i].value)


# ---------------------------------------------------------------------------- accumulation, EMA
def test_gradient_accumulation_equals_one_step_on_the_mean_gradient():
    g1, g2 = np.array([0.2, -0.4], np.float32), np.array([0.6, 0.0], np.float32)
    v = Variable(np.array([1.0, 1.0], np.float32))
    opt = O.SGD(learning_rate=0.5, momentum=0.9, gradient_accumulation_steps=2)
    opt.apply_gradients([(g1, v)])
    np.testing.assert_array_equal(v.value, [1.0, 1.0])          # only accumulated
    assert opt.iterations == 0
    opt.apply_gradients([(g2, v)])
    np.testing.assert_allclose(v.value, [1.0 - 0.5 * 0.4, 1.0 + 0.5 * 0.2], rtol=1e-6)
    assert opt.iterations == 1
    np.testing.assert_array_equal(opt._slots["gradient_accumulator"], [0.0, 0.0])


def test_ema_tracks_and_finalizes():
    v = Variable(np.array([0.0], np.float32))
    opt = O.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    values = []
    for g in ([-1.0], [-1.0], [-1.0]):
        opt.apply_gradients([(np.array(g, np.float32), v)])
        values.append(float(v.value[0]))
    # avg_1 = w_1 (first step), then avg = 0.5 avg + 0.5 w
    avg = values[0]
    for w in values[1:]:
        avg = 0.5 * avg + 0.5 * w
    np.testing.assert_allclose(opt._slots["average"], [avg], rtol=1e-6)
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.value, [avg], rtol=1e-6)


# ---------------------------------------------------------------------------- state and lr
def test_state_variables_in_keras_order():
    a, b = two_vars()
    opt = O.Adam(amsgrad=True)
    opt.build([a, b])
    names = [v.path.split("/", 1)[1] for v in opt.variables]
    assert names == ["iteration", "learning_rate", "d_kernel_momentum", "d_kernel_velocity",
                     "d_bias_momentum", "d_bias_velocity", "d_kernel_velocity_hat",
                     "d_bias_velocity_hat"]
    assert opt.variables() == opt.variables                  # callable and property
    opt = O.RMSprop(momentum=0.5, centered=True)
    opt.build([a, b])
    names = [v.name for v in opt.variables]
    assert names[2:] == ["d_kernel_velocity", "d_bias_velocity", "d_kernel_momentum",
                         "d_bias_momentum", "d_kernel_average_gradient", "d_bias_average_gradient"]
    assert len(O.SGD().variables) == 2
    opt = O.SGD(learning_rate=S.ExponentialDecay(0.1, 10, 0.9))
    opt.build([a, b])
    assert [v.name for v in opt.variables] == ["iteration"]   # no lr variable with a schedule


def test_learning_rate_property_and_setter():
    opt = O.Adam()
    assert opt.learning_rate == float(np.float32(0.001))
    opt.learning_rate = 0.01
    assert opt.learning_rate == float(np.float32(0.01))
    assert opt.get_config()["learning_rate"] == 0.009999999776482582
    opt.learning_rate = np.float32(0.5)
    assert opt.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0
    sched = S.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt2 = O.SGD(learning_rate=sched)
    with pytest.raises(TypeError, match="schedule"):
        opt2.learning_rate = 0.1
    v = Variable(np.zeros(2, np.float32))
    seen = []
    for _ in range(3):
        seen.append(opt2.learning_rate)
        opt2.apply_gradients([(np.ones(2, np.float32), v)])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.025], rtol=1e-6)
    # SGD on a constant gradient 1: w = -(0.1 + 0.05 + 0.025)
    np.testing.assert_allclose(v.value, [-0.175, -0.175], rtol=1e-6)
    # a zero-argument callable
    opt3 = O.SGD(learning_rate=lambda: 0.25)
    assert opt3.learning_rate == 0.25


def test_iterations_and_set_weights_round_trip():
    vars_a, vars_b = model_vars(), model_vars()
    stream = grad_stream(vars_a, n=3)
    opt_a = O.Nadam()
    for gs in stream[:2]:
        opt_a.apply_gradients(list(zip(gs, vars_a)))
    assert opt_a.iterations == 2
    opt_b = O.Nadam()
    opt_b.build(vars_b)
    for va, vb in zip(vars_a, vars_b):
        vb.assign(va.value)
    store = {}
    opt_a.save_own_variables(store)
    opt_b.load_own_variables(store)
    assert opt_b.iterations == 2
    opt_a.apply_gradients(list(zip(stream[2], vars_a)))
    opt_b.apply_gradients(list(zip(stream[2], vars_b)))
    for va, vb in zip(vars_a, vars_b):
        np.testing.assert_array_equal(va.value, vb.value)
    with pytest.raises(ValueError, match="expected"):
        opt_b.set_weights([np.zeros(())])


def test_float32_is_kept_and_float64_works():
    for cls in ALL_CLASSES:
        variables = model_vars()
        params, grads, segs = pack(variables)
        opt = cls()
        opt.build(variables)
        grads[...] = 0.1
        opt.step_flat(params, grads, segs)
        assert params.dtype == np.float32
        assert all(s.dtype == np.float32 for s in opt._slots.values())
        assert all(v.numpy().dtype in (np.float32, np.int64) for v in opt.variables)
    with config.floatx_scope("float64"):
        v = Variable(np.array([1.0, 2.0]), dtype="float64")
        opt = O.Adam(learning_rate=0.1)
        opt.apply_gradients([(np.array([0.5, -0.5]), v)])
        assert v.value.dtype == np.float64
        # first Adam step: lr * s / (s + eps) with s = sqrt(1 - beta_2) * |g|
        s = math.sqrt(1 - 0.999) * 0.5
        step = 0.1 * s / (s + 1e-7)
        np.testing.assert_allclose(v.value, [1.0 - step, 2.0 + step], rtol=1e-12)


def test_apply_errors_and_warnings():
    a, b = two_vars()
    opt = O.SGD()
    with pytest.raises(ValueError, match="built"):
        opt.apply([np.zeros((2, 2), np.float32)])
    opt.build([a])
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply_gradients([(np.zeros(2, np.float32), b)])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        opt.apply_gradients([(np.zeros(3, np.float32), a)])
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply_gradients([(None, a)])
    opt2 = O.SGD()
    with pytest.warns(UserWarning, match="d/bias"):
        opt2.apply_gradients([(np.ones((2, 2), np.float32), a), (None, b)])
    with pytest.warns(UserWarning, match="decay"):
        O.SGD(decay=0.1)


# ---------------------------------------------------------------------------- config and registry
def test_get_by_name_and_defaults():
    expected = {"sgd": (O.SGD, 0.01), "rmsprop": (O.RMSprop, 0.001), "adam": (O.Adam, 0.001),
                "adamw": (O.AdamW, 0.001), "adagrad": (O.Adagrad, 0.001),
                "adadelta": (O.Adadelta, 0.001), "adamax": (O.Adamax, 0.001),
                "nadam": (O.Nadam, 0.001), "lion": (O.Lion, 0.001), "ftrl": (O.Ftrl, 0.001)}
    for name, (cls, lr) in expected.items():
        opt = O.get(name)
        assert type(opt) is cls
        assert opt.learning_rate == float(np.float32(lr))
        assert type(O.get(cls.__name__)) is cls
    assert type(O.get("Adam")) is O.Adam and type(O.get("ADAM")) is O.Adam
    assert O.get(None) is None
    inst = O.SGD()
    assert O.get(inst) is inst
    with pytest.raises(ValueError, match="adam"):
        O.get("adamm")
    with pytest.raises(ValueError, match="optimizer"):
        O.get(42)
    assert O.Adam().beta_2 == 0.999 and O.Adam().epsilon == 1e-7
    assert O.Adagrad().initial_accumulator_value == 0.1
    assert O.Adadelta().rho == 0.95 and O.Lion().beta_2 == 0.99
    assert O.RMSprop().rho == 0.9 and O.Ftrl().learning_rate_power == -0.5


def test_auto_names_follow_keras():
    first = O.RMSprop().name
    assert first.startswith("rm_sprop")
    assert O.RMSprop().name != first
    assert O.AdamW(name="mine").name == "mine"
    assert O.AdamW().name.startswith("adam_w")


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=[c.__name__ for c in ALL_CLASSES])
def test_config_round_trip(cls):
    opt = cls(clipnorm=2.0, use_ema=True, ema_momentum=0.9)
    cfg = opt.get_config()
    again = cls.from_config(cfg)
    assert again.get_config() == cfg
    ser = O.serialize(opt)
    assert ser["module"] == "keras.optimizers" and ser["class_name"] == cls.__name__
    assert ser["registered_name"] is None
    assert O.deserialize(json.loads(json.dumps(ser))).get_config() == cfg
    # a lower-case class name is accepted too (Keras's deserialize is case-insensitive)
    assert type(O.deserialize({"class_name": cls.__name__.lower(), "config": {}})) is cls


def test_config_with_schedule_round_trip():
    opt = O.SGD(learning_rate=S.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5))
    cfg = json.loads(json.dumps(opt.get_config()))
    assert cfg["learning_rate"]["class_name"] == "CosineDecay"
    assert cfg["learning_rate"]["module"] == "keras.optimizers.schedules"
    again = O.SGD.from_config(cfg)
    assert isinstance(again._learning_rate, S.CosineDecay)
    assert again.get_config() == cfg


BAD_ARGS = [
    (O.SGD, {"learning_rate": -0.1}, ValueError, "learning_rate"),
    (O.SGD, {"learning_rate": float("nan")}, ValueError, "learning_rate"),
    (O.SGD, {"learning_rate": "fast"}, TypeError, "learning_rate"),
    (O.SGD, {"momentum": 1.5}, ValueError, "momentum"),
    (O.SGD, {"momentum": -0.1}, ValueError, "momentum"),
    (O.SGD, {"nesterov": "yes"}, TypeError, "nesterov"),
    (O.Adam, {"beta_1": 1.0}, ValueError, "beta_1"),
    (O.Adam, {"beta_2": -0.1}, ValueError, "beta_2"),
    (O.Adam, {"epsilon": -1e-7}, ValueError, "epsilon"),
    (O.Adam, {"amsgrad": 1}, TypeError, "amsgrad"),
    (O.RMSprop, {"rho": 1.0}, ValueError, "rho"),
    (O.RMSprop, {"momentum": 2.0}, ValueError, "momentum"),
    (O.Adam, {"clipnorm": 0.0}, ValueError, "clipnorm"),
    (O.Adam, {"clipvalue": -1.0}, ValueError, "clipvalue"),
    (O.Adam, {"global_clipnorm": 0}, ValueError, "global_clipnorm"),
    (O.Adam, {"clipnorm": 1.0, "clipvalue": 1.0}, ValueError, "only one of"),
    (O.Adam, {"weight_decay": -0.1}, ValueError, "weight_decay"),
    (O.AdamW, {"weight_decay": None}, ValueError, "weight_decay"),
    (O.Adam, {"ema_momentum": 1.5}, ValueError, "ema_momentum"),
    (O.Adam, {"use_ema": True, "ema_overwrite_frequency": 0}, ValueError, "ema_overwrite_frequency"),
    (O.Adam, {"gradient_accumulation_steps": 1}, ValueError, "gradient_accumulation_steps"),
    (O.Adam, {"loss_scale_factor": 0.0}, ValueError, "loss_scale_factor"),
    (O.Adam, {"foo": 1}, ValueError, "foo"),
    (O.Adagrad, {"initial_accumulator_value": -0.1}, ValueError, "initial_accumulator_value"),
    (O.Adadelta, {"rho": -0.5}, ValueError, "rho"),
    (O.Adamax, {"beta_1": 1.2}, ValueError, "beta_1"),
    (O.Nadam, {"beta_2": 1.0}, ValueError, "beta_2"),
    (O.Lion, {"beta_1": 0.0}, ValueError, "beta_1"),
    (O.Ftrl, {"learning_rate_power": 0.5}, ValueError, "learning_rate_power"),
    (O.Ftrl, {"l1_regularization_strength": -1.0}, ValueError, "l1_regularization_strength"),
    (O.Ftrl, {"beta": -1.0}, ValueError, "beta"),
]


@pytest.mark.parametrize("cls, kw, exc, word", BAD_ARGS,
                         ids=[f"{c.__name__}-{'-'.join(k)}" for c, k, _, _ in BAD_ARGS])
def test_bad_arguments_are_named(cls, kw, exc, word):
    with pytest.raises(exc) as info:
        cls(**kw)
    msg = str(info.value)
    assert word in msg
    assert cls.__name__ in msg


def test_bad_value_message_says_what_came():
    with pytest.raises(ValueError, match=r"beta_1 must be .*\[0\.0, 1\.0\).*got 1\.5"):
        O.Adam(beta_1=1.5)


# ---------------------------------------------------------------------------- Keras goldens
GOLD = json.loads(GOLDEN.read_text())


def make_from_case(case):
    kw = {}
    for k, v in case["kwargs"].items():
        if isinstance(v, dict) and "schedule" in v:
            v = getattr(S, v["schedule"])(**v["config"])
        kw[k] = v
    return getattr(O, case["class_name"])(**kw)


@pytest.mark.parametrize("path", ["apply", "flat"])
@pytest.mark.parametrize("case_id", sorted(GOLD["cases"]))
def test_matches_keras_golden(case_id, path):
    case = GOLD["cases"][case_id]
    opt = make_from_case(case)
    variables = [Variable(np.array(a, np.float32), name=n, path=n)
                 for a, n in zip(GOLD["init"], ["kernel", "bias"])]
    if path == "flat":
        params, grads, segs = pack(variables)
        opt.build(variables)
    # Ftrl's z update subtracts two nearly equal powers (n'^p - n^p); TensorFlow's
    # float32 pow is off by 1 ulp on ~1/4 of inputs, so allow a float32-noise atol there
    atol = 2e-7 if case["class_name"] == "Ftrl" else 0.0
    for step, gs in enumerate(GOLD["grads"]):
        gs = [np.array(g, np.float32) for g in gs]
        if path == "apply":
            opt.apply_gradients(list(zip(gs, variables)))
        else:
            for v, g in zip(variables, gs):
                v.grad[...] = g
            opt.step_flat(params, grads, segs)
        for v, ref in zip(variables, case["trajectory"][step]):
            assert v.value.dtype == np.float32
            np.testing.assert_allclose(v.value, np.array(ref), rtol=1e-5, atol=atol,
                                       err_msg=f"{case_id} step {step + 1}")
    state = opt.variables
    assert len(state) == len(case["state"])
    for ours, ref, ref_name in zip(state, case["state"], case["state_names"]):
        ref_short = ref_name.split("/", 1)[-1]
        if not ref_short.startswith("variable"):         # Keras's unnamed Nadam product
            assert ours.name == ref_short
        np.testing.assert_allclose(np.asarray(ours.numpy(), np.float64), np.array(ref),
                                   rtol=1e-5, atol=max(atol, 1e-12))
    cfg = opt.get_config()
    cfg.pop("name")
    assert cfg == case["config"]


def test_no_runtime_warnings_in_a_long_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for cls in ALL_CLASSES:
            variables = model_vars()
            params, grads, segs = pack(variables)
            opt = cls()
            opt.build(variables)
            rng = np.random.default_rng(3)
            for _ in range(30):
                grads[...] = rng.normal(size=grads.size).astype(np.float32)
                opt.step_flat(params, grads, segs)
            assert np.all(np.isfinite(params))


def test_rebuild_with_another_variable_list_keeps_shared_state():
    """A model re-packed after ``trainable`` changed builds again: shared state survives."""
    vars_a, vars_b = model_vars(), model_vars()
    stream = grad_stream(vars_a, n=4)
    opt_a, opt_b = O.Adam(use_ema=True), O.Adam(use_ema=True)
    for gs in stream[:2]:
        opt_a.apply_gradients(list(zip(gs, vars_a)))
        opt_b.apply_gradients(list(zip(gs, vars_b)))
    opt_a.build(vars_a)                       # same list: nothing changes
    assert len(opt_a.variables) == 2 + 3 * 4 and opt_a.iterations == 2
    keep = [0, 1, 3]                          # freeze variable 2, re-pack the rest
    sub_b = [vars_b[i] for i in keep]
    params, grads, segs = pack(sub_b)
    opt_b.build(sub_b)
    assert opt_b.iterations == 2
    assert len(opt_b.variables) == 2 + 3 * 3
    for gs in stream[2:]:
        # reference: Keras's way, the built optimizer applied to a subset of its variables
        opt_a.apply_gradients([(gs[i], vars_a[i]) for i in keep])
        for v, i in zip(sub_b, keep):
            v.grad[...] = gs[i]
        opt_b.step_flat(params, grads, segs)
    for i in range(4):
        np.testing.assert_array_equal(vars_a[i].value, vars_b[i].value)
    opt_b.finalize_variable_values(sub_b)
    np.testing.assert_array_equal(sub_b[0].value,
                                  opt_a._slots["average"][opt_a._layout[0]].reshape(4, 3))

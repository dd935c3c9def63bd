"""Where glassnet's training time goes, on W1 and W2: cProfile plus a phase breakdown.

    benchmarks/.venv/bin/python benchmarks/profile_glassnet.py [--threads 2] [--rows 60000] [--w2-epochs 200]
                                                               [--kernels auto|numpy|numba]

1. Phase breakdown (wall clock, low overhead): glassnet's objects are wrapped at run time in
   this process only (nothing in glassnet is changed) so every call adds its time to a bucket.
   With the numba kernels W1 and W2 take the compiled Dense-stack step: its one numba call
   (the GEMMs and every elementwise pass of forward, cost and backward) and the rest of the
   step (dropout's uniforms from NumPy's generator, the buffers, the arrays the layers keep).
   On the layer-by-layer path (--kernels numpy) Dense.forward / Dense.backward / the
   activation / Dropout / the loss are timed instead.  Then the optimizer, the rest of the
   train step (loss tracker, metrics) and "fit loop, other": the epoch minus the train steps
   (batch gather x[idx], callbacks, Python loop).  The GEMM floor of the same shapes is
   measured alone and shown against the step's share.
2. cProfile of one epoch (W1) and of W2's epochs, top functions by own time; cProfile's
   per-call overhead inflates small functions, so read its numbers as shares, not as times.

Writes benchmarks/results/profile-<timestamp>-t<threads>.txt and profile-latest-t<threads>.txt.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import io
import os
import pstats
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rows", type=int, default=60000, help="W1 rows")
    p.add_argument("--w2-epochs", type=int, default=200)
    p.add_argument("--top", type=int, default=22)
    p.add_argument("--kernels", default="auto", choices=("auto", "numpy", "numba"),
                   help="glassnet's kernel implementation (config.set_kernels)")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    return p.parse_args()


class Buckets:
    def __init__(self):
        self.t = defaultdict(float)
        self.n = defaultdict(int)
        self.wrapped = []

    def wrap(self, obj, attr, key):
        fn = getattr(obj, attr)
        self.wrapped.append((obj, attr, obj.__dict__.get(attr)))
        t, n, clock = self.t, self.n, time.perf_counter

        def wrapped(*a, **k):
            t0 = clock()
            try:
                return fn(*a, **k)
            finally:
                t[key] += clock() - t0
                n[key] += 1

        setattr(obj, attr, wrapped)

    def reset(self):
        self.t.clear()
        self.n.clear()

    def unwrap(self):
        """Put back every wrapped attribute (an instance's own attribute goes: its class's returns)."""
        for obj, attr, own in reversed(self.wrapped):
            if own is None:
                delattr(obj, attr)
            else:
                setattr(obj, attr, own)
        self.wrapped.clear()


class TimedActivation:
    """Stands in for a layer's activation object and times its forward and backward."""

    def __init__(self, act, buckets, key):
        self._act, self._b, self._key = act, buckets, key

    def __getattr__(self, name):
        return getattr(self._act, name)

    def __call__(self, z):
        t0 = time.perf_counter()
        out = self._act(z)
        self._b.t[self._key + " forward"] += time.perf_counter() - t0
        self._b.n[self._key + " forward"] += 1
        return out

    def backward(self, grad, z, a):
        t0 = time.perf_counter()
        out = self._act.backward(grad, z, a)
        self._b.t[self._key + " backward"] += time.perf_counter() - t0
        self._b.n[self._key + " backward"] += 1
        return out


def instrument_engine(b: Buckets):
    """Wrap the compiled Dense-stack step before any model is built (a model keeps the kernel it
    planned with): the one numba call, and the whole step around it (dropout draws, kept arrays)."""
    from glassnet.kernels import K
    from glassnet.models import dense_stack_step

    if K.name != "numba":
        return
    from glassnet.kernels import dense_stack

    b.wrap(dense_stack, "forward_backward", "compiled step: forward + cost + backward (one numba call)")
    b.wrap(dense_stack_step.DenseStackStep, "__call__", "compiled step, whole")


def instrument(model, b: Buckets):
    """Wrap the model's parts; activation time is inside Dense, so it is reported apart and
    subtracted from Dense's share below.  The layers' own forward / backward run only on the
    layer-by-layer path (a model the compiled step does not take, or the NumPy kernels)."""
    for layer in model.layers:
        kind = type(layer).__name__
        b.wrap(layer, "forward", f"{kind}.forward")
        b.wrap(layer, "backward", f"{kind}.backward")
        if kind == "Dense":
            layer.activation = TimedActivation(layer.activation, b, f"activation {layer.activation.name}")
    loss = model.compiled_loss
    # the methods a training step calls (not the ones they call in turn: no double counting)
    for attr in ("fused_value_and_gradient", "value_and_gradient"):
        if hasattr(loss, attr):
            b.wrap(loss, attr, f"loss.{attr}")
    b.wrap(model.optimizer, "step_flat", "optimizer.step_flat (Adam)")
    b.wrap(model, "compute_loss_and_gradients", "model.compute_loss_and_gradients (whole)")
    b.wrap(model, "train_step", "model.train_step (whole step)")


def instrumented_fit(w, x, y, epochs, warm_epochs):
    """Seconds of ``epochs`` epochs of a fresh W model with every part wrapped, and the buckets.
    The engine is wrapped before the model is built (it plans its compiled step at the first fit)
    and unwrapped afterwards, so the plain and cProfile runs see glassnet untouched."""
    b = Buckets()
    instrument_engine(b)
    model = build(w)
    model.fit(x, y, batch_size=w.batch, epochs=warm_epochs, verbose=0)
    instrument(model, b)
    b.reset()
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=w.batch, epochs=epochs, verbose=0)
    total = time.perf_counter() - t0
    b.unwrap()
    return total, b, model


def build(w):
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential
    from glassnet.optimizers import Adam

    layers = [Input((w.features,))]
    for units, rate in w.hidden:
        layers += [Dense(units, activation="relu"), Dropout(rate)]
    layers.append(Dense(w.outputs, activation="softmax" if w.outputs > 1 else "sigmoid"))
    model = Sequential(layers)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss=w.loss)
    return model


def phase_table(b: Buckets, total: float, steps: int, out, floor_s=None):
    t = dict(b.t)
    step_total = t.pop("model.train_step (whole step)", 0.0)
    n_step = b.n.get("model.train_step (whole step)", 0)
    grads_total = t.pop("model.compute_loss_and_gradients (whole)", 0.0)
    compiled_total = t.pop("compiled step, whole", 0.0)
    fb = t.pop("compiled step: forward + cost + backward (one numba call)", 0.0)
    opt = t.get("optimizer.step_flat (Adam)", 0.0)
    act = {k: v for k, v in t.items() if k.startswith("activation")}
    dense_f = t.get("Dense.forward", 0.0) - sum(v for k, v in act.items() if k.endswith("forward"))
    dense_b = t.get("Dense.backward", 0.0) - sum(v for k, v in act.items() if k.endswith("backward"))
    rows = []
    if compiled_total:
        rows.append(("compiled step: forward + cost + backward (one numba call)", fb))
        rows.append(("compiled step: dropout draws (NumPy), buffers, kept arrays", compiled_total - fb))
    layer_by_layer = [k for k in t if k.startswith(("Dense.", "Dropout.", "loss."))]
    if any(t[k] for k in layer_by_layer):
        rows.append(("Dense.forward without activation (GEMM + bias)", dense_f))
        rows.append(("Dense.backward without activation (GEMMs + bias grad)", dense_b))
        for k, v in sorted(act.items()):
            rows.append((k, v))
        for k in sorted(layer_by_layer):
            if not k.startswith("Dense."):
                rows.append((k, t[k]))
    inner = compiled_total + sum(t[k] for k in layer_by_layer if not k.startswith("Dense.")) \
        + t.get("Dense.forward", 0.0) + t.get("Dense.backward", 0.0)
    rows.append(("gradients, other (graph walk, penalties)", max(0.0, grads_total - inner)))
    rows.append(("optimizer.step_flat (Adam)", opt))
    rows.append(("train_step, other (loss tracker, metrics)", max(0.0, step_total - grads_total - opt)))
    rows.append(("fit loop, other (x[idx] gather, callbacks, loop)", max(0.0, total - step_total)))
    print(f"{'phase':60s} {'s':>9s} {'%':>6s} {'us/step':>9s}", file=out)
    for name, v in rows:
        print(f"{name:60s} {v:9.4f} {100 * v / total:6.1f} {1e6 * v / steps:9.1f}", file=out)
    print(f"{'epoch(s) total':60s} {total:9.4f} {100.0:6.1f} {1e6 * total / steps:9.1f}", file=out)
    if floor_s is not None:
        print(f"{'(floor: the same GEMMs alone, measured apart)':60s} {floor_s:9.4f} "
              f"{100 * floor_s / total:6.1f} {1e6 * floor_s / steps:9.1f}", file=out)
    print(f"steps: {steps} ({n_step} timed train steps)", file=out)


def cprofile_table(fn, out, top):
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    prof.disable()
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.strip_dirs().sort_stats("tottime").print_stats(top)
    text = s.getvalue()
    keep = text[text.find("   ncalls"):] if "   ncalls" in text else text
    print(f"(wall under cProfile: {wall:.3f} s)", file=out)
    print(keep.rstrip(), file=out)


def gather_cost(x, batch, rng, reps=1):
    import numpy as np

    n = x.shape[0]
    t0 = time.perf_counter()
    for _ in range(reps):
        order = rng.permutation(n)
        for lo in range(0, n, batch):
            xb = x[order[lo:lo + batch]]
    return (time.perf_counter() - t0) / reps


def main():
    args = parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GLASSNET_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import glassnet
    import glassnet.config
    import glassnet.utils
    from threadpoolctl import threadpool_limits

    from peers.floor_peer import Peer as Floor
    from workloads import WORKLOADS, make_data, steps_per_epoch

    glassnet.config.set_num_threads(args.threads)
    glassnet.config.set_kernels(args.kernels)
    from glassnet.kernels import K
    limiter = threadpool_limits(args.threads)  # noqa: F841
    glassnet.utils.set_random_seed(0)
    out = io.StringIO()

    class Tee:
        def write(self, s):
            out.write(s)
            sys.stdout.write(s)

        def flush(self):
            sys.stdout.flush()

    tee = Tee()
    print(f"glassnet profile, {_dt.datetime.now():%Y-%m-%d %H:%M:%S}, threads={args.threads}, "
          f"kernels={K.name}, load average {os.getloadavg()}", file=tee)

    # ---------------------------------------------------------------- W1
    w = WORKLOADS["W1"]
    x, y = make_data(w, args.rows)
    steps = steps_per_epoch(args.rows, w.batch)
    floor = Floor(args.threads)
    fm = floor.build(w)
    floor.fit(fm, x, y, w.batch, 1, [])
    ft = []
    floor.fit(fm, x, y, w.batch, 2, ft)
    floor_s = min(ft)
    model = build(w)
    model.fit(x, y, batch_size=w.batch, epochs=1, verbose=0)          # warm
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=w.batch, epochs=1, verbose=0)
    plain = time.perf_counter() - t0
    total, b, model = instrumented_fit(w, x, y, 1, 1)
    print(f"\n== W1 {args.rows} x 784, batch 128: one epoch {plain:.3f} s plain, {total:.3f} s instrumented; "
          f"floor {floor_s:.3f} s ==", file=tee)
    phase_table(b, total, steps, tee, floor_s)
    g = gather_cost(x, w.batch, np.random.default_rng(0))
    print(f"x[idx] gather of one epoch alone (permutation + fancy indexing): {g:.4f} s", file=tee)
    t0 = time.perf_counter()
    model.predict(x, batch_size=w.predict_batch, verbose=0)
    pt = time.perf_counter() - t0
    fp = []
    for _ in range(2):
        t1 = time.perf_counter()
        floor.predict(fm, x, w.predict_batch)
        fp.append(time.perf_counter() - t1)
    print(f"predict {pt:.3f} s vs forward GEMM floor {min(fp):.3f} s", file=tee)
    print(f"\n-- cProfile, W1 one epoch (top {args.top} by own time) --", file=tee)
    model2 = build(w)
    model2.fit(x, y, batch_size=w.batch, epochs=1, verbose=0)
    cprofile_table(lambda: model2.fit(x, y, batch_size=w.batch, epochs=1, verbose=0), tee, args.top)
    print("\n-- cProfile, W1 predict at batch 10000 --", file=tee)
    cprofile_table(lambda: model2.predict(x, batch_size=w.predict_batch, verbose=0), tee, 12)
    del x, y, model, model2

    # ---------------------------------------------------------------- W2
    w = WORKLOADS["W2"]
    x, y = make_data(w, w.rows)
    steps = steps_per_epoch(w.rows, w.batch)
    e = args.w2_epochs
    model = build(w)
    model.fit(x, y, batch_size=w.batch, epochs=3, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=w.batch, epochs=e, verbose=0)
    plain = time.perf_counter() - t0
    fm = floor.build(w)
    ft = []
    floor.fit(fm, x, y, w.batch, e, ft)
    floor_s = sum(ft)
    total, b, model = instrumented_fit(w, x, y, e, 3)
    print(f"\n== W2 426 x 30, batch 32, {e} epochs ({e * steps} steps): {1e6 * plain / (e * steps):.1f} us/step "
          f"plain, {1e6 * total / (e * steps):.1f} us/step instrumented; floor "
          f"{1e6 * floor_s / (e * steps):.1f} us/step ==", file=tee)
    phase_table(b, total, e * steps, tee, floor_s)
    print(f"\n-- cProfile, W2 {e} epochs at batch 32 (top {args.top} by own time) --", file=tee)
    model2 = build(w)
    model2.fit(x, y, batch_size=w.batch, epochs=3, verbose=0)
    cprofile_table(lambda: model2.fit(x, y, batch_size=w.batch, epochs=e, verbose=0), tee, args.top)

    os.makedirs(args.out, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for name in (f"profile-{stamp}-t{args.threads}.txt", f"profile-latest-t{args.threads}.txt"):
        with open(os.path.join(args.out, name), "w") as f:
            f.write(out.getvalue())
    print(f"\nwrote {os.path.join(args.out, f'profile-latest-t{args.threads}.txt')}")


if __name__ == "__main__":
    main()

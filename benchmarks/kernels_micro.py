"""Each training kernel alone, on W1's shapes: the NumPy reference against the numba kernels at
1 and 2 threads.

    benchmarks/.venv/bin/python benchmarks/kernels_micro.py [--repeats 200] [--rounds 5]

Shapes: the optimizers on W1's 669,706 parameters; bias + ReLU, ReLU's delta with the bias
gradient, dropout on a (128, 512) batch; the softmax cross-entropy on (128, 10).  Each round
times every variant ``--repeats`` times back to back (the variants interleaved round after
round, so a busy spell of a shared machine hits all of them); the table gives the median over
rounds of each round's median, in microseconds, and the mean (which shows the stalls a busy
machine causes to multi-threaded code).  Writes benchmarks/results/kernels-<timestamp>.txt.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import statistics
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def cases(rng):
    f = np.float32
    n = 669_706
    p, g, m = (rng.standard_normal(n).astype(f) for _ in range(3))
    v = np.abs(rng.standard_normal(n)).astype(f)
    v2 = v.copy()
    z = rng.standard_normal((128, 512)).astype(f)
    b = rng.standard_normal(512).astype(f)
    gr = rng.standard_normal((128, 512)).astype(f)
    bg = np.empty(512, f)
    u = rng.random((128, 512), dtype=f)
    zl = rng.standard_normal((128, 10)).astype(f)
    e = np.exp(zl - zl.max(axis=1, keepdims=True))
    yp = (e / e.sum(axis=1, keepdims=True)).astype(f)
    lab = rng.integers(0, 10, 128)
    return [
        ("Adam, 670k parameters", "adam", (p, g, m, v, None, False, f(1e-3), f(0.1), f(0.001), f(1e-7))),
        ("SGD momentum 0.9, 670k", "sgd", (p, g, m, f(0.01), f(0.9), False)),
        ("RMSprop, 670k", "rmsprop", (p, g, v2, None, None, f(1e-3), f(0.9), f(0.1), f(0.0), f(1e-7),
                                     False, False)),
        ("bias + ReLU, 128x512", "bias_relu", (z, b)),
        ("ReLU delta + bias grad, 128x512", "relu_delta", (gr, z, bg)),
        ("dropout compare/scale, 128x512", "dropout", (z, u, f(0.2), f(1.25))),
        ("softmax + sparse CE, 128x10", "sparse_softmax_ce", (zl, lab, yp, f(1 / 128))),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    from glassnet.kernels import numba_kernels as NB
    from glassnet.kernels import numpy_kernels as NP

    rng = np.random.default_rng(0)
    table = cases(rng)
    variants = [("NumPy", NP, 1), ("numba 1 thread", NB, 1), ("numba 2 threads", NB, 2)]
    times = {(c[0], v[0]): [] for c in table for v in variants}
    means = {(c[0], v[0]): [] for c in table for v in variants}
    load0 = os.getloadavg()
    for _ in range(args.rounds):
        for label, name, a in table:
            for vlabel, mod, threads in variants:
                if mod is NB:
                    NB.set_num_threads(threads)
                fn = getattr(mod, name)
                fn(*a)                                    # compile / warm
                ts = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    fn(*a)
                    ts.append(time.perf_counter() - t0)
                times[(label, vlabel)].append(statistics.median(ts) * 1e6)
                means[(label, vlabel)].append(statistics.fmean(ts) * 1e6)
    NB.set_num_threads(1)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    lines = [f"glassnet kernels, {stamp}; load average at start {tuple(round(x, 2) for x in load0)}, "
             f"at end {tuple(round(x, 2) for x in os.getloadavg())}; {args.rounds} rounds x "
             f"{args.repeats} calls; microseconds per call: median of round medians (mean of round means)",
             "", "| kernel | " + " | ".join(v[0] for v in variants) + " |",
             "|---|" + "---|" * len(variants)]
    for label, _, _ in table:
        cells = [f"{statistics.median(times[(label, v[0])]):.1f} ({statistics.fmean(means[(label, v[0])]):.1f})"
                 for v in variants]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    for name in (f"kernels-{stamp}.txt", "kernels-latest.txt"):
        with open(os.path.join(args.out, name), "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""glassnet's benchmark suite: glassnet against PyTorch, Keras 3 and scikit-learn, and the GEMM floor.

    python benchmarks/run.py                       # full run at 2 threads
    python benchmarks/run.py --threads 1,2         # both thread counts
    python benchmarks/run.py --quick               # smoke run: fewer rows, one round
    python benchmarks/run.py --only W1,W2          # some workloads (W1, W2, W3, cold)
    python benchmarks/run.py --peers glassnet,torch,floor

Every measurement is a fresh subprocess (benchmarks/worker.py) with the thread count set
the same way for every peer; rounds interleave the peers (the order rotates each round) so
that a busy spell of the machine hits all of them, and each figure is given as min and
median over the rounds.  Results: benchmarks/results/<timestamp>.{md,json} and latest.{md,json}.
See benchmarks/README.md for what each number means.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from peers import PEERS                   # noqa: E402
from workloads import PLAN, WORKLOADS     # noqa: E402
from worker import MARK, THREAD_VARS      # noqa: E402
import report                             # noqa: E402

ALL_WORKLOADS = ("W1", "W2", "W3", "W4", "cold", "first")

# Cold start: (key, label, code run by `python -c`, package that must be installed)
COLD_TARGETS = (
    ("python", "python -c pass (interpreter alone)", "pass", None),
    ("numpy", "import numpy", "import numpy", "numpy"),
    ("glassnet", "import glassnet", "import glassnet", "glassnet"),
    ("glassnet_full", "import glassnet.models, glassnet.layers (what a script needs)",
     "import glassnet.models, glassnet.layers", "glassnet"),
    ("sklearn", "import sklearn.neural_network", "import sklearn.neural_network", "sklearn"),
    ("torch", "import torch", "import torch", "torch"),
    ("keras", "import keras (TensorFlow backend)", "import keras", ("keras", "tensorflow")),
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="2", help="comma-separated thread counts, e.g. 1,2 (default 2)")
    p.add_argument("--quick", action="store_true", help="smoke run: fewer rows and epochs, one round")
    p.add_argument("--only", default=",".join(ALL_WORKLOADS),
                   help="comma-separated workloads among W1,W2,W3,W4,cold,first (default: all); 'first' is "
                        "glassnet's first W1 epoch in a fresh process with a cold and a warm kernel cache")
    p.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated peers among {','.join(PEERS)}")
    p.add_argument("--rounds", type=int, default=None, help="rounds (default 3, or 1 with --quick)")
    p.add_argument("--out", default=os.path.join(HERE, "results"), help="results directory")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per measurement process")
    p.add_argument("--max-load", type=float, default=None,
                   help="before each measurement wait until the 1-minute load average is at most this "
                        "(a shared machine); see --max-wait")
    p.add_argument("--max-wait", type=float, default=600.0,
                   help="longest wait for --max-load before measuring anyway (s, default 600)")
    p.add_argument("--background-load", action="store_true",
                   help="run every measurement with a competing process: a busy loop pinned to the last "
                        "core (as another user's job would be), started before and stopped after the run")
    p.add_argument("--render", metavar="JSON", default=None,
                   help="only rewrite the Markdown report of a saved results JSON (next to it) and print it")
    args = p.parse_args(argv)
    try:
        args.threads = [int(t) for t in args.threads.split(",") if t.strip()]
    except ValueError:
        p.error(f"--threads must be comma-separated integers, got {args.threads!r}")
    if not args.threads or any(t < 1 for t in args.threads):
        p.error("--threads needs positive integers")
    args.only = [w.strip() for w in args.only.split(",") if w.strip()]
    bad = [w for w in args.only if w not in ALL_WORKLOADS]
    if bad:
        p.error(f"--only: unknown workload(s) {bad}; choose among {', '.join(ALL_WORKLOADS)}")
    args.peers = [x.strip() for x in args.peers.split(",") if x.strip()]
    bad = [x for x in args.peers if x not in PEERS]
    if bad:
        p.error(f"--peers: unknown peer(s) {bad}; choose among {', '.join(PEERS)}")
    mode = "quick" if args.quick else "full"
    args.plan = dict(PLAN[mode])
    if args.rounds is not None:
        if args.rounds < 1:
            p.error("--rounds must be >= 1")
        args.plan["rounds"] = args.rounds
    args.mode = mode
    return args


# ------------------------------------------------------------------ environment
def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env["KERAS_BACKEND"] = "tensorflow"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONHASHSEED"] = "0"
    # Bytecode goes to a cache of our own (not into src/), so cold starts measure a warm
    # bytecode cache, as an installed package has, whatever PYTHONDONTWRITEBYTECODE says.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(HERE, ".venv", "pycache")
    env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
    return env


def installed(modules) -> bool:
    if modules is None:
        return True
    if isinstance(modules, str):
        modules = (modules,)
    return all(importlib.util.find_spec(m) is not None for m in modules)


def version_of(dist: str):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        return None


def numpy_blas() -> dict:
    import numpy as np

    info = {"numpy": np.__version__}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
        simd = cfg.get("SIMD Extensions", {})
        info["simd_found"] = simd.get("found")
    except Exception as exc:  # older NumPy: no mode='dicts'
        info["blas"] = f"unavailable ({exc})"
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("user_api", "internal_api", "version",
                                                      "num_threads", "architecture", "threading_layer")}
                               for p in threadpool_info()]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    return info


def git_facts() -> dict:
    def run(*cmd):
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    status = run("status", "--porcelain", "--", "src") or ""
    return {"commit": run("rev-parse", "HEAD"), "src_uncommitted_changes": len(status.splitlines())}


def machine_facts() -> dict:
    try:
        import psutil

        physical = psutil.cpu_count(logical=False)
    except ImportError:
        physical = None
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": physical,
        "affinity_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "mem_total_gib": mem_total_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "loadavg_start": os.getloadavg(),
    }


def versions() -> dict:
    return {d: version_of(d) for d in ("glassnet", "numpy", "torch", "tensorflow-cpu", "tensorflow",
                                       "keras", "scikit-learn", "threadpoolctl", "psutil")}


# --------------------------------------------------------------- measurements
def run_worker(cfg: dict, threads: int, timeout: float, extra_env=None) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), json.dumps(cfg)]
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    env = child_env(threads)
    env.update(extra_env or {})
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s", "wall_s": time.perf_counter() - t0,
                "load_before": load0, "load_after": os.getloadavg()[0]}
    wall = time.perf_counter() - t0
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
    if result is None:
        tail = (proc.stderr or proc.stdout or "")[-3000:]
        result = {"ok": False, "error": f"worker exited with {proc.returncode} and no result", "stderr_tail": tail}
    elif not result.get("ok"):
        result["stderr_tail"] = (proc.stderr or "")[-2000:]
    result.update(wall_s=wall, load_before=load0, load_after=os.getloadavg()[0])
    return result


def time_import(code: str, threads: int) -> float:
    env = child_env(threads)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t0


def in_process_import(code: str, threads: int):
    snippet = f"import time; t0 = time.perf_counter(); {code}; print(time.perf_counter() - t0)"
    out = subprocess.run([sys.executable, "-c", snippet], env=child_env(threads), check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return float(out.strip().splitlines()[-1])


BUSY_LOOP = ("import os, sys\n"
             "core = int(sys.argv[1])\n"
             "if hasattr(os, 'sched_setaffinity'):\n"
             "    os.sched_setaffinity(0, {core})\n"
             "while True:\n"
             "    pass\n")


def start_background_load():
    """A competing process: one Python busy loop pinned to the last usable core."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    core = cores[-1]
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(core)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, core


def stop_background_load(proc) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# First epoch in a fresh process: (key, label, environment added to the worker's)
FIRST_VARIANTS = (
    ("numba_cold", "numba kernels, empty kernel cache (compiles)", {"GLASSNET_KERNELS": "numba"}),
    ("numba_warm", "numba kernels, kernel cache filled by the run above", {"GLASSNET_KERNELS": "numba"}),
    ("numpy", "NumPy reference kernels (nothing to compile)", {"GLASSNET_KERNELS": "numpy"}),
)


def first_epoch_runs(args, threads, r, results, save, t_start):
    """glassnet's first W1 epoch in a fresh process: numba with an empty kernel cache (what a user
    pays once), then with the cache that run filled, and the NumPy kernels."""
    import tempfile

    w = WORKLOADS["W1"]
    rows = w.quick_rows if args.quick else w.rows
    cfg = {"peer": "glassnet", "workload": "W1", "threads": threads, "rows": rows, "timed_epochs": 1,
           "predict": False, "w2_epochs": 1, "w2_full_epochs": 1, "predict_repeats": 1}
    with tempfile.TemporaryDirectory(prefix="glassnet-numba-cache-") as cache:
        for key, label, extra in FIRST_VARIANTS:
            wait_for_quiet(args.max_load, args.max_wait)
            res = run_worker(cfg, threads, args.timeout, extra_env=dict(extra, NUMBA_CACHE_DIR=cache))
            res.update(variant=key, label=label, threads=threads, round=r)
            results["first"].append(res)
            log(f"[threads={threads} round {r + 1}] first epoch {key:10s} {brief(res)} "
                f"(load {res['load_before']:.1f}, {time.perf_counter() - t_start:.0f}s)")
            save()


def wait_for_quiet(max_load, max_wait) -> float:
    """Sleep until the 1-minute load average is <= max_load (at most max_wait s); the wait in s."""
    if max_load is None:
        return 0.0
    t0 = time.perf_counter()
    while os.getloadavg()[0] > max_load and time.perf_counter() - t0 < max_wait:
        time.sleep(5)
    return time.perf_counter() - t0


def render_only(path: str) -> int:
    with open(path) as f:
        results = json.load(f)
    results["summary"] = report.summarize(results)
    results["targets"] = report.check_targets(results)
    md = report.render_markdown(results)
    md_path = os.path.splitext(path)[0] + ".md"
    with open(md_path, "w") as f:
        f.write(md)
    print(md)
    print(f"wrote {md_path}")
    return 0


def rotate(seq, k):
    seq = list(seq)
    if not seq:
        return seq
    k %= len(seq)
    return seq[k:] + seq[:k]


def log(msg: str) -> None:
    print(msg, flush=True)


def brief(res: dict) -> str:
    if not res.get("ok"):
        return "FAILED: " + str(res.get("error"))
    m = res["metrics"]
    parts = []
    for key, fmt in (("epoch_s", "epoch {:.3f} s"), ("first_epoch_s", "first {:.3f} s"),
                     ("step_us", "step {:.0f} us"), ("epoch_full_us", "epoch@426 {:.0f} us"),
                     ("predict_rows_per_s", "predict {:,.0f} rows/s"), ("peak_rss_mb", "peak RSS {:.0f} MB")):
        if m.get(key) is not None:
            parts.append(fmt.format(m[key]))
    return ", ".join(parts)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render_only(args.render)
    os.makedirs(args.out, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    plan = args.plan
    peers = [p for p in args.peers]
    skipped = {}
    for p in list(peers):
        modules = PEERS[p][2]
        if not installed(modules):
            missing = [m for m in modules if not installed(m)]
            skipped[p] = f"{', '.join(missing)} not installed in {sys.prefix}"
            peers.remove(p)
    results = {
        "meta": {
            "timestamp": stamp,
            "argv": sys.argv[1:] if argv is None else list(argv),
            "mode": args.mode,
            "plan": plan,
            "threads": args.threads,
            "workloads": {k: WORKLOADS[k].to_dict() for k in WORKLOADS},
            "only": args.only,
            "peers": peers,
            "peer_labels": {p: PEERS[p][1] for p in PEERS},
            "skipped": skipped,
            "machine": machine_facts(),
            "numpy_blas": numpy_blas(),
            "versions": versions(),
            "git": git_facts(),
            "thread_vars": list(THREAD_VARS),
            "max_load": args.max_load,
            "background_load": args.background_load,
        },
        "raw": [],
        "cold": [],
        "first": [],
    }
    for p, why in skipped.items():
        log(f"NOTE: skipping {p}: {why}")
    json_path = os.path.join(args.out, f"{stamp}.json")
    md_path = os.path.join(args.out, f"{stamp}.md")

    def save():
        results["meta"]["machine"]["loadavg_end"] = os.getloadavg()
        results["summary"] = report.summarize(results)
        results["targets"] = report.check_targets(results)
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1, default=str)

    # Warm the bytecode cache and the OS file cache once, untimed, for every import we use.
    cold_targets = [c for c in COLD_TARGETS if installed(c[3])]
    results["meta"]["cold_skipped"] = [c[0] for c in COLD_TARGETS if not installed(c[3])]
    for key, _, code, _ in cold_targets:
        try:
            time_import(code, args.threads[0])
        except subprocess.CalledProcessError as exc:
            log(f"NOTE: warm-up of {code!r} failed: {exc.stderr[-500:] if exc.stderr else exc}")

    background, core = (start_background_load() if args.background_load else (None, None))
    if background is not None:
        results["meta"]["background_load_core"] = core
        log(f"background load: a busy loop pinned to core {core} (pid {background.pid})")
    try:
        run_all(args, plan, peers, cold_targets, results, save)
    finally:
        stop_background_load(background)
    save()
    md = report.render_markdown(results)
    with open(md_path, "w") as f:
        f.write(md)
    for name in ("latest.json", "latest.md"):
        src = json_path if name.endswith(".json") else md_path
        shutil.copyfile(src, os.path.join(args.out, name))
    log("")
    log(md)
    log(f"wrote {md_path}, {json_path} and latest.md / latest.json")
    return 0


def run_all(args, plan, peers, cold_targets, results, save) -> None:
    t_start = time.perf_counter()
    train_workloads = [w for w in ("W1", "W2", "W3", "W4") if w in args.only]
    for threads in args.threads:
        for r in range(plan["rounds"]):
            for wk in train_workloads:
                w = WORKLOADS[wk]
                rows = w.quick_rows if args.quick else w.rows
                for peer in rotate(peers, r):
                    if w.peers is not None and peer not in w.peers:
                        continue        # W4: a convnet; the floor and scikit-learn have none
                    cfg = {"peer": peer, "workload": wk, "threads": threads, "rows": rows,
                           "timed_epochs": plan["w3_timed_epochs"] if wk == "W3" else plan["timed_epochs"],
                           "w2_epochs": plan["w2_epochs"], "w2_full_epochs": plan["w2_full_epochs"],
                           "w2_repeats": plan.get("w2_repeats", 1),
                           "predict_repeats": plan["predict_repeats"]}
                    waited = wait_for_quiet(args.max_load, args.max_wait)
                    res = run_worker(cfg, threads, args.timeout)
                    res["waited_s"] = waited
                    res.update(peer=peer, workload=wk, threads=threads, round=r)
                    results["raw"].append(res)
                    log(f"[threads={threads} round {r + 1}/{plan['rounds']} "
                        f"{time.perf_counter() - t_start:7.0f}s] {wk} {peer:8s} {brief(res)} "
                        f"(load {res['load_before']:.1f})")
                    save()
            if "cold" in args.only:
                for key, label, code, _ in rotate(cold_targets, r):
                    wait_for_quiet(args.max_load, args.max_wait)
                    load0 = os.getloadavg()[0]
                    try:
                        wall = time_import(code, threads)
                        inproc = in_process_import(code, threads)
                        entry = {"target": key, "label": label, "code": code, "threads": threads, "round": r,
                                 "ok": True, "wall_s": wall, "in_process_s": inproc, "load_before": load0}
                    except subprocess.CalledProcessError as exc:
                        entry = {"target": key, "label": label, "code": code, "threads": threads, "round": r,
                                 "ok": False, "error": (exc.stderr or "")[-500:], "load_before": load0}
                    results["cold"].append(entry)
                    if entry["ok"]:
                        log(f"[threads={threads} round {r + 1}/{plan['rounds']}] cold {key:14s} "
                            f"wall {entry['wall_s']:.3f} s, in-process {entry['in_process_s']:.3f} s")
                save()
            if "first" in args.only and "glassnet" in peers:
                first_epoch_runs(args, threads, r, results, save, t_start)


if __name__ == "__main__":
    sys.exit(main())

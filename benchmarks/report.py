"""Summaries (min / median over rounds), the issue's targets, and the Markdown report."""
from __future__ import annotations

import statistics

# Metrics where more is better; every other metric is a time or a size (less is better).
HIGHER_IS_BETTER = {"predict_rows_per_s"}

# The targets.  kind 'ratio': glassnet's median over the reference peer's median;
# 'cold': an absolute wall time; 'mem': peak RSS against the bytes of the data.
TARGETS = (
    {"key": "W1_epoch_vs_torch", "text": "W1 epoch <= 0.6 x PyTorch", "kind": "ratio", "workload": "W1",
     "metric": "epoch_s", "ref": "torch", "op": "<=", "limit": 0.6},
    {"key": "W1_epoch_vs_floor", "text": "W1 epoch <= 1.3 x floor", "kind": "ratio", "workload": "W1",
     "metric": "epoch_s", "ref": "floor", "op": "<=", "limit": 1.3},
    {"key": "W1_predict_vs_floor", "text": "W1 predict >= 0.95 x floor rows/s", "kind": "ratio", "workload": "W1",
     "metric": "predict_rows_per_s", "ref": "floor", "op": ">=", "limit": 0.95},
    {"key": "W1_predict_vs_torch", "text": "W1 predict >= 1.0 x PyTorch rows/s", "kind": "ratio",
     "workload": "W1", "metric": "predict_rows_per_s", "ref": "torch", "op": ">=", "limit": 1.0},
    {"key": "W2_step_vs_torch", "text": "W2 per step <= 0.1 x PyTorch", "kind": "ratio", "workload": "W2",
     "metric": "step_us", "ref": "torch", "op": "<=", "limit": 0.1},
    {"key": "W2_step_vs_keras", "text": "W2 per step <= 0.02 x Keras", "kind": "ratio", "workload": "W2",
     "metric": "step_us", "ref": "keras", "op": "<=", "limit": 0.02},
    {"key": "W3_epoch_vs_torch", "text": "W3 epoch <= 0.3 x PyTorch", "kind": "ratio", "workload": "W3",
     "metric": "epoch_s", "ref": "torch", "op": "<=", "limit": 0.3},
    {"key": "W1_epoch_vs_numpy_mlp", "text": "W1 epoch <= 0.85 x plain NumPy MLP", "kind": "ratio",
     "workload": "W1", "metric": "epoch_s", "ref": "numpy_mlp", "op": "<=", "limit": 0.85},
    {"key": "W2_step_vs_numpy_mlp", "text": "W2 per step <= 0.85 x plain NumPy MLP", "kind": "ratio",
     "workload": "W2", "metric": "step_us", "ref": "numpy_mlp", "op": "<=", "limit": 0.85},
    {"key": "W3_epoch_vs_numpy_mlp", "text": "W3 epoch <= 0.85 x plain NumPy MLP", "kind": "ratio",
     "workload": "W3", "metric": "epoch_s", "ref": "numpy_mlp", "op": "<=", "limit": 0.85},
    {"key": "W4_epoch_vs_torch", "text": "W4 epoch <= 1.0 x PyTorch", "kind": "ratio", "workload": "W4",
     "metric": "epoch_s", "ref": "torch", "op": "<=", "limit": 1.0},
    {"key": "import_glassnet", "text": "python -c \"import glassnet\" <= 0.2 s", "kind": "cold",
     "target": "glassnet", "metric": "wall_s", "limit": 0.2},
    {"key": "W1_peak_rss", "text": "W1 peak RSS <= data bytes + 150 MB", "kind": "mem", "workload": "W1",
     "limit": 150e6 / 2**20},   # 150 MB = 143.05 MiB; sizes are measured in MiB
)


def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values),
            "values": values}


def summarize(results: dict) -> dict:
    """summary[str(threads)][workload][peer][metric] = {min, median, max, n, values};
    summary[str(threads)]['cold'][target][metric] likewise; also load averages and failures."""
    out: dict = {}
    groups: dict = {}
    for res in results.get("raw", []):
        key = (str(res["threads"]), res["workload"], res["peer"])
        groups.setdefault(key, []).append(res)
    for (t, wk, peer), runs in groups.items():
        cell = {"runs": len(runs), "ok": sum(1 for r in runs if r.get("ok")),
                "errors": [r.get("error") for r in runs if not r.get("ok")],
                "load": _stats([r.get("load_before") for r in runs])}
        metrics = {}
        for r in runs:
            if r.get("ok"):
                for name, value in r["metrics"].items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        metrics.setdefault(name, []).append(value)
        for name, values in metrics.items():
            cell[name] = _stats(values)
        infos = [r.get("info") for r in runs if r.get("ok") and r.get("info")]
        if infos:
            cell["info"] = infos[-1]
        out.setdefault(t, {}).setdefault(wk, {})[peer] = cell
    for entry in results.get("cold", []):
        t = str(entry["threads"])
        cell = out.setdefault(t, {}).setdefault("cold", {}).setdefault(
            entry["target"], {"label": entry["label"], "_wall": [], "_inproc": [], "errors": []})
        if entry.get("ok"):
            cell["_wall"].append(entry["wall_s"])
            cell["_inproc"].append(entry["in_process_s"])
        else:
            cell["errors"].append(entry.get("error"))
    for res in results.get("first", []):
        t = str(res["threads"])
        cell = out.setdefault(t, {}).setdefault("first", {}).setdefault(
            res["variant"], {"label": res.get("label", res["variant"]), "_first": [], "_later": [], "errors": []})
        if res.get("ok"):
            cell["_first"].append(res["metrics"].get("first_epoch_s"))
            cell["_later"].append(res["metrics"].get("epoch_s"))
        else:
            cell["errors"].append(res.get("error"))
    for t in out:
        for cell in out[t].get("first", {}).values():
            cell["first_epoch_s"] = _stats(cell.pop("_first"))
            cell["epoch_s"] = _stats(cell.pop("_later"))
    for t in out:
        for cell in out[t].get("cold", {}).values():
            cell["wall_s"] = _stats(cell.pop("_wall"))
            cell["in_process_s"] = _stats(cell.pop("_inproc"))
    return out


def _get(summary, t, wk, peer, metric, stat="median"):
    try:
        s = summary[t][wk][peer][metric]
    except KeyError:
        return None
    return None if s is None else s.get(stat)


def _best(metric: str) -> str:
    return "max" if metric in HIGHER_IS_BETTER else "min"


def check_targets(results: dict) -> list:
    summary = results.get("summary") or summarize(results)
    quick = results["meta"].get("mode") == "quick"
    checks = []
    for t in sorted(summary, key=int):
        for spec in TARGETS:
            row = {"key": spec["key"], "text": spec["text"], "threads": int(t), "met": None, "note": ""}
            if spec["kind"] == "ratio":
                wk, metric, ref = spec["workload"], spec["metric"], spec["ref"]
                g = _get(summary, t, wk, "glassnet", metric)
                r = _get(summary, t, wk, ref, metric)
                gb = _get(summary, t, wk, "glassnet", metric, _best(metric))
                rb = _get(summary, t, wk, ref, metric, _best(metric))
                row.update(measured=g, reference=r, reference_peer=ref, limit=spec["limit"], op=spec["op"],
                           unit=metric)
                if g is None or r is None:
                    row["note"] = f"not measured ({'glassnet' if g is None else ref} missing)"
                else:
                    ratio = g / r
                    row["ratio"] = ratio
                    row["ratio_best"] = gb / rb if gb and rb else None

                    def ok(x):
                        return x <= spec["limit"] if spec["op"] == "<=" else x >= spec["limit"]

                    # met = met on the medians AND on the best figures; when the two disagree the
                    # rounds were too noisy to say (a busy machine), and the row says so.
                    med_ok = ok(ratio)
                    best_ok = ok(row["ratio_best"]) if row["ratio_best"] is not None else med_ok
                    row["met"] = med_ok if med_ok == best_ok else None
                    if med_ok != best_ok:
                        row["unstable"] = True
                        row["note"] = (f"unstable: met on the {'medians' if med_ok else 'best figures'} "
                                       f"only")
            elif spec["kind"] == "cold":
                cell = summary.get(t, {}).get("cold", {}).get(spec["target"], {})
                s = cell.get(spec["metric"]) if cell else None
                row.update(limit=spec["limit"], op="<=", unit="s")
                if not s:
                    row["note"] = "not measured"
                else:
                    row["measured"] = s["median"]
                    row["measured_best"] = s["min"]
                    row["met"] = s["median"] <= spec["limit"]
            elif spec["kind"] == "mem":
                wk = spec["workload"]
                peak = _get(summary, t, wk, "glassnet", "peak_rss_mb", "max")
                data = _get(summary, t, wk, "glassnet", "data_mb", "max")
                row.update(limit=spec["limit"], op="<=", unit="MiB")
                if peak is None or data is None:
                    row["note"] = "not measured"
                else:
                    row.update(measured=peak, reference=data, overhead_mb=peak - data)
                    row["met"] = peak - data <= spec["limit"]
            if quick and (row["met"] is not None or row.get("unstable")):
                row["note"] = (row["note"] + " quick run: fewer rows, not authoritative").strip()
            checks.append(row)
    return checks


# ------------------------------------------------------------------- Markdown
UNITS = {"epoch_s": "s/epoch", "step_us": "us/step", "predict_rows_per_s": "rows/s"}


def _f(v, digits=3):
    if v is None:
        return "–"
    if isinstance(v, float) and (v != v):
        return "nan"
    av = abs(v)
    if av >= 1e4:
        return f"{v:,.0f}"
    if av >= 100:
        return f"{v:.0f}"
    if av >= 10:
        return f"{v:.1f}"
    if av >= 1:
        return f"{v:.2f}"
    return f"{v:.{digits}f}"


def _pair(s, best="min"):
    if not s:
        return "–"
    return f"{_f(s[best])} / {_f(s['median'])}"


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}x"


def _status(met, row=None):
    if met is None and row is not None and row.get("unstable"):
        return "**unstable** (" + row["note"].split(": ", 1)[-1] + ")"
    return "–" if met is None else ("**met**" if met else "**not met**")


def _peer_label(results, peer):
    return results["meta"].get("peer_labels", {}).get(peer, peer)


def _order(peers):
    pref = ["glassnet", "glassnet_numpy", "torch", "keras", "sklearn", "numpy_mlp", "floor"]
    return sorted(peers, key=lambda p: pref.index(p) if p in pref else 99)


def _failed(cell):
    if cell.get("ok", 0) == 0:
        err = (cell.get("errors") or ["?"])[-1]
        return f"failed: {str(err)[:80]}"
    return None


def _load_note(cells):
    loads = [v for c in cells.values() for v in ((c.get("load") or {}).get("values") or [])]
    if not loads:
        return ""
    return f"1-minute load average when these runs started: {min(loads):.1f} to {max(loads):.1f}."


def render_markdown(results: dict) -> str:
    meta = results["meta"]
    summary = results.get("summary") or summarize(results)
    targets = results.get("targets") or check_targets(results)
    m = meta["machine"]
    nb = meta.get("numpy_blas", {})
    v = meta.get("versions", {})
    lines = []
    quick = meta.get("mode") == "quick"
    lines.append(f"# glassnet benchmarks, {meta['timestamp']}" + (" (QUICK smoke run: fewer rows, one round; "
                                                                  "not authoritative)" if quick else ""))
    lines.append("")
    lines.append("## Machine")
    lines.append("")
    lines.append(f"- CPU: {m.get('cpu_model')}; {m.get('logical_cores')} logical cores "
                 f"({m.get('physical_cores')} physical, {m.get('affinity_cores')} usable); "
                 f"{m.get('mem_total_gib')} GiB RAM; {m.get('os')}; Python {m.get('python')}")
    la0, la1 = m.get("loadavg_start"), m.get("loadavg_end")
    if la0:
        lines.append(f"- Load average (1/5/15 min) at start {tuple(round(x, 2) for x in la0)}"
                     + (f", at end {tuple(round(x, 2) for x in la1)}" if la1 else ""))
    blas = nb.get("blas")
    if isinstance(blas, dict):
        lines.append(f"- NumPy {nb.get('numpy')} BLAS: {blas.get('name')} {blas.get('version')} "
                     f"({(blas.get('openblas configuration') or '').strip()})")
    pools = nb.get("threadpools")
    if isinstance(pools, list):
        lines.append("- threadpoolctl (runner process): " + "; ".join(
            f"{p.get('internal_api')} {p.get('version')} {p.get('architecture') or ''} "
            f"({p.get('user_api')}, {p.get('num_threads')} threads)" for p in pools))
    lines.append("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val))
    g = meta.get("git", {})
    lines.append(f"- glassnet source: commit {str(g.get('commit'))[:12]}, "
                 f"{g.get('src_uncommitted_changes')} uncommitted change(s) under src/")
    lines.append(f"- Threads: {', '.join(map(str, meta['threads']))}, the same for every peer: "
                 f"{'/'.join(meta.get('thread_vars', []))} in the environment, plus torch.set_num_threads / "
                 f"set_num_interop_threads, tf.config.threading intra/inter-op, threadpoolctl "
                 f"threadpool_limits and glassnet.config.set_num_threads")
    lines.append(f"- Rounds: {meta['plan']['rounds']}, peers interleaved (the order rotates every round); "
                 f"each measurement is a fresh process; figures are **min / median** over rounds "
                 f"(**best / median** for rows/s); ratios are of medians")
    for p, why in meta.get("skipped", {}).items():
        lines.append(f"- Skipped {_peer_label(results, p)}: {why}")
    lines.append("")

    for t in sorted(summary, key=int):
        st = summary[t]
        lines.append(f"## Targets, {t} thread(s)")
        lines.append("")
        lines.append("| target | glassnet | reference | ratio (median) | ratio (best) | limit | status |")
        lines.append("|---|---|---|---|---|---|---|")
        for row in (r for r in targets if str(r["threads"]) == t):
            if row.get("ratio") is not None:
                unit = UNITS.get(row["unit"], row["unit"])
                lines.append(f"| {row['text']} | {_f(row['measured'])} {unit} | {row['reference_peer']} "
                             f"{_f(row['reference'])} {unit} | {row['ratio']:.3f} | "
                             f"{_f(row.get('ratio_best'))} | {row['op']} {row['limit']} | {_status(row['met'], row)} |")
            elif row["key"] == "import_glassnet" and row.get("measured") is not None:
                lines.append(f"| {row['text']} | {_f(row['measured'])} s (best {_f(row.get('measured_best'))}) "
                             f"| – | – | – | <= {row['limit']} s | {_status(row['met'])} |")
            elif row["key"] == "W1_peak_rss" and row.get("measured") is not None:
                lines.append(f"| {row['text']} | peak {_f(row['measured'])} MiB | data {_f(row['reference'])} MiB "
                             f"| overhead {_f(row['overhead_mb'])} MiB | – | overhead <= {row['limit']:.1f} MiB "
                             f"(150 MB) | {_status(row['met'])} |")
            else:
                lines.append(f"| {row['text']} | – | – | – | – | – | {row.get('note') or '–'} |")
        lines.append("")

        if "W1" in st:
            cells = st["W1"]
            w = meta["workloads"]["W1"]
            rows = _get(summary, t, "W1", next(iter(cells)), "rows")
            lines.append(f"## W1 {w['title']}: {int(rows or w['rows'])} x {w['features']}, batch {w['batch']}, "
                         f"{t} thread(s)")
            lines.append("")
            lines.append(w["notes"] + f". Predict at batch {w['predict_batch']} on the training rows. "
                         "Epoch s per round = the fastest of the timed epochs of one fit call.")
            lines.append("")
            lines.append("| peer | epoch s (min / med) | x PyTorch | x floor | CPU s per epoch (min) | first epoch s | "
                         "first / later | predict rows/s (best / med) | predict x floor | peak RSS MiB | "
                         "peak - data MiB |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
            te = _get(summary, t, "W1", "torch", "epoch_s")
            fe = _get(summary, t, "W1", "floor", "epoch_s")
            fp = _get(summary, t, "W1", "floor", "predict_rows_per_s")
            for peer in _order(cells):
                c = cells[peer]
                fail = _failed(c)
                if fail:
                    lines.append(f"| {_peer_label(results, peer)} | {fail} ||||||||||")
                    continue
                e = _get(summary, t, "W1", peer, "epoch_s")
                p = _get(summary, t, "W1", peer, "predict_rows_per_s")
                lines.append(
                    f"| {_peer_label(results, peer)} | {_pair(c.get('epoch_s'))} | {_ratio(e, te)} | "
                    f"{_ratio(e, fe)} | {_f(_get(summary, t, 'W1', peer, 'epoch_cpu_s', 'min'))} | "
                    f"{_f(_get(summary, t, 'W1', peer, 'first_epoch_s'))} | "
                    f"{_f(_get(summary, t, 'W1', peer, 'first_over_later'))} | "
                    f"{_pair(c.get('predict_rows_per_s'), 'max')} | {_ratio(p, fp)} | "
                    f"{_f(_get(summary, t, 'W1', peer, 'peak_rss_mb', 'max'))} | "
                    f"{_f(_get(summary, t, 'W1', peer, 'peak_over_data_mb', 'max'))} |")
            lines.append("")
            lines.append(f"Data held: {_f(_get(summary, t, 'W1', 'glassnet', 'data_mb') or _get(summary, t, 'W1', 'floor', 'data_mb'))} MiB. "
                         + _load_note(cells))
            lines.append("")

        if "W2" in st:
            cells = st["W2"]
            w = meta["workloads"]["W2"]
            lines.append(f"## W2 {w['title']}: {w['rows']} x {w['features']}, batch {w['batch']} "
                         f"(and {w['full_batch']}), {t} thread(s)")
            lines.append("")
            e32 = _get(summary, t, "W2", next(iter(cells)), "epochs_timed")
            e426 = _get(summary, t, "W2", next(iter(cells)), "full_epochs_timed")
            reps = _get(summary, t, "W2", next(iter(cells)), "fit_calls_timed") or 1
            lines.append(w["notes"] + f". Per step = one fit call of {_f(e32)} epochs / steps; "
                         f"per epoch at batch {w['full_batch']} = one fit call of {_f(e426)} epochs / epochs; "
                         f"the fastest of {int(reps)} such calls per round.")
            lines.append("")
            lines.append("| peer | us per step, batch 32 (min / med) | x PyTorch | x Keras | x floor | "
                         "CPU us per step (min) | us per epoch, batch 426 (min / med) | x PyTorch | x Keras | "
                         "first epoch s |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|")
            ts = _get(summary, t, "W2", "torch", "step_us")
            ks = _get(summary, t, "W2", "keras", "step_us")
            fs = _get(summary, t, "W2", "floor", "step_us")
            tf_ = _get(summary, t, "W2", "torch", "epoch_full_us")
            kf = _get(summary, t, "W2", "keras", "epoch_full_us")
            for peer in _order(cells):
                c = cells[peer]
                fail = _failed(c)
                if fail:
                    lines.append(f"| {_peer_label(results, peer)} | {fail} |||||||||")
                    continue
                s = _get(summary, t, "W2", peer, "step_us")
                f = _get(summary, t, "W2", peer, "epoch_full_us")
                lines.append(
                    f"| {_peer_label(results, peer)} | {_pair(c.get('step_us'))} | {_ratio(s, ts)} | "
                    f"{_ratio(s, ks)} | {_ratio(s, fs)} | {_f(_get(summary, t, 'W2', peer, 'step_cpu_us', 'min'))} | "
                    f"{_pair(c.get('epoch_full_us'))} | {_ratio(f, tf_)} | "
                    f"{_ratio(f, kf)} | {_f(_get(summary, t, 'W2', peer, 'first_epoch_s'))} |")
            lines.append("")
            lines.append(_load_note(cells))
            lines.append("")

        if "W3" in st:
            cells = st["W3"]
            w = meta["workloads"]["W3"]
            rows = _get(summary, t, "W3", next(iter(cells)), "rows")
            lines.append(f"## W3 {w['title']}: {int(rows or w['rows'])} x {w['features']}, batch {w['batch']}, "
                         f"{t} thread(s)")
            lines.append("")
            lines.append(w["notes"] + ". Epoch s per round = the fastest of the timed epochs of one fit call.")
            lines.append("")
            lines.append("| peer | epoch s (min / med) | x PyTorch | x floor | CPU s per epoch (min) | "
                         "us per step (med) | first epoch s | first / later | peak RSS MiB |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            te = _get(summary, t, "W3", "torch", "epoch_s")
            fe = _get(summary, t, "W3", "floor", "epoch_s")
            for peer in _order(cells):
                c = cells[peer]
                fail = _failed(c)
                if fail:
                    lines.append(f"| {_peer_label(results, peer)} | {fail} ||||||||")
                    continue
                e = _get(summary, t, "W3", peer, "epoch_s")
                lines.append(
                    f"| {_peer_label(results, peer)} | {_pair(c.get('epoch_s'))} | {_ratio(e, te)} | "
                    f"{_ratio(e, fe)} | {_f(_get(summary, t, 'W3', peer, 'epoch_cpu_s', 'min'))} | "
                    f"{_f(_get(summary, t, 'W3', peer, 'step_us'))} | "
                    f"{_f(_get(summary, t, 'W3', peer, 'first_epoch_s'))} | "
                    f"{_f(_get(summary, t, 'W3', peer, 'first_over_later'))} | "
                    f"{_f(_get(summary, t, 'W3', peer, 'peak_rss_mb', 'max'))} |")
            lines.append("")
            lines.append(_load_note(cells))
            lines.append("")

        if "W4" in st:
            cells = st["W4"]
            w = meta["workloads"]["W4"]
            rows = _get(summary, t, "W4", next(iter(cells)), "rows")
            lines.append(f"## W4 {w['title']}: {int(rows or w['rows'])} images {tuple(w.get('image') or ())}, "
                         f"batch {w['batch']}, {t} thread(s)")
            lines.append("")
            lines.append(w["notes"] + ". Epoch s per round = the fastest of the timed epochs of one fit call.")
            lines.append("")
            lines.append("| peer | epoch s (min / med) | x PyTorch | CPU s per epoch (min) | ms per step (med) | "
                         "first epoch s | peak RSS MiB |")
            lines.append("|---|---|---|---|---|---|---|")
            te = _get(summary, t, "W4", "torch", "epoch_s")
            for peer in _order(cells):
                c = cells[peer]
                fail = _failed(c)
                if fail:
                    lines.append(f"| {_peer_label(results, peer)} | {fail} ||||||")
                    continue
                e = _get(summary, t, "W4", peer, "epoch_s")
                step = _get(summary, t, "W4", peer, "step_us")
                lines.append(
                    f"| {_peer_label(results, peer)} | {_pair(c.get('epoch_s'))} | {_ratio(e, te)} | "
                    f"{_f(_get(summary, t, 'W4', peer, 'epoch_cpu_s', 'min'))} | "
                    f"{_f(step / 1000 if step is not None else None)} | "
                    f"{_f(_get(summary, t, 'W4', peer, 'first_epoch_s'))} | "
                    f"{_f(_get(summary, t, 'W4', peer, 'peak_rss_mb', 'max'))} |")
            lines.append("")
            lines.append(_load_note(cells))
            lines.append("")

        if "cold" in st:
            lines.append(f"## Cold start, {t} thread(s)")
            lines.append("")
            lines.append("A fresh interpreter each time, with warm OS and bytecode caches. Wall = the whole "
                         "`python -c ...` command (interpreter start included); in-process = the import "
                         "statement alone.")
            lines.append("")
            lines.append("| command | wall s (min / med) | in-process import s (min / med) |")
            lines.append("|---|---|---|")
            for key, cell in st["cold"].items():
                if cell.get("wall_s") is None:
                    lines.append(f"| {cell['label']} | failed | |")
                    continue
                lines.append(f"| `{cell['label']}` | {_pair(cell['wall_s'])} | {_pair(cell['in_process_s'])} |")
            lines.append("")
            first = [(wk, p, _get(summary, t, wk, p, "first_epoch_s"), _get(summary, t, wk, p, "epoch_s"))
                     for wk in ("W1", "W3") for p in _order(st.get(wk, {}))]
            first = [x for x in first if x[2] is not None and x[3] is not None]
            if first:
                lines.append("First epoch (the first fit call after compile: building, tracing and first "
                             "touches included) against later epochs (median s):")
                lines.append("")
                lines.append("| workload | peer | first epoch s | later epoch s | first / later |")
                lines.append("|---|---|---|---|---|")
                for wk, p, a, b in first:
                    lines.append(f"| {wk} | {_peer_label(results, p)} | {_f(a)} | {_f(b)} | {a / b:.2f} |")
                lines.append("")

        if "first" in st:
            lines.append(f"## glassnet's first W1 epoch in a fresh process, {t} thread(s)")
            lines.append("")
            lines.append("The first `fit` call of a new process (one epoch; numba is imported and the kernels "
                         "are compiled or loaded inside it), then a second epoch in the same process. The "
                         "cold row starts with an empty kernel cache (`NUMBA_CACHE_DIR` pointed at a new "
                         "directory): what a user pays once after installing; the warm row reuses it.")
            lines.append("")
            lines.append("| variant | first epoch s (min / med) | next epoch s (min / med) | first - next s (med) |")
            lines.append("|---|---|---|---|")
            for key, cell in st["first"].items():
                if cell.get("first_epoch_s") is None:
                    lines.append(f"| {cell['label']} | failed: {str((cell.get('errors') or ['?'])[-1])[:80]} | | |")
                    continue
                a, b = cell["first_epoch_s"]["median"], cell["epoch_s"]["median"]
                lines.append(f"| {cell['label']} | {_pair(cell['first_epoch_s'])} | {_pair(cell['epoch_s'])} | "
                             f"{_f(a - b)} |")
            lines.append("")

        infos = []
        for wk in ("W1", "W2", "W3"):
            for peer, cell in st.get(wk, {}).items():
                if cell.get("info") and peer not in [i[0] for i in infos]:
                    infos.append((peer, cell["info"]))
        if infos:
            lines.append(f"Thread settings seen inside the peers ({t} thread(s)):")
            lines.append("")
            for peer, info in infos:
                lines.append(f"- {_peer_label(results, peer)}: " + ", ".join(f"{k}={val}" for k, val in info.items()))
            lines.append("")

    fails = [r for r in results.get("raw", []) if not r.get("ok")]
    if fails:
        lines.append("## Failures")
        lines.append("")
        for r in fails:
            lines.append(f"- threads={r['threads']} round {r['round'] + 1} {r['workload']} {r['peer']}: {r.get('error')}")
        lines.append("")
    lines.append("## Notes")
    lines.append("")
    lines.append("- scikit-learn's MLPClassifier has no dropout: its row trains the same stack without the "
                 "Dropout layers (one partial_fit per epoch, alpha=0).")
    lines.append("- The floor issues only the forward and backward matrix products of every batch (NumPy, same "
                 "shapes, preallocated outputs, no gather, no bias/activation/dropout/loss/optimizer); "
                 "for predict, the forward products alone.")
    lines.append("- This machine may be shared: the load averages above say how busy it was. With more "
                 "runnable threads than cores, multi-threaded BLAS/OpenMP waits at every barrier for a "
                 "descheduled thread; compare the 1-thread figures when the load is high.")
    lines.append("- CPU s = the process's user + system CPU time over the timed epochs. At 1 thread it is "
                 "close to what the wall time would be on an idle machine (time spent descheduled is not "
                 "counted); at 2 threads it also counts threads spinning at barriers.")
    if meta.get("background_load"):
        lines.append(f"- **Background load**: a busy loop pinned to core {meta.get('background_load_core')} ran "
                     "during every measurement (`--background-load`), as another user's job would.")
    lines.append("- glassnet's row uses the kernels `auto` picks (numba when installed; see its thread "
                 "settings below); *glassnet, NumPy reference kernels* is the same model with "
                 "`GLASSNET_KERNELS=numpy`. The plain NumPy MLP is benchmarks/peers/numpy_mlp_peer.py.")
    if meta.get("max_load") is not None:
        lines.append(f"- Each measurement waited (up to a limit) for the 1-minute load average to fall to "
                     f"{meta['max_load']}.")
    lines.append("")
    return "\n".join(lines)

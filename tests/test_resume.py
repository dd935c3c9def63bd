"""Training survives interruption: SIGKILL a training process, resume from its checkpoint, get the same bits.

- A process trains with ``ModelCheckpoint`` (whole model, ``.keras``, every epoch), Dropout and
  shuffling; it is SIGKILLed in the middle of the epoch after checkpoint k was written.  Another
  process loads checkpoint k and calls ``fit(initial_epoch=k)``.  Its final weights and the
  history of epochs k+1.. are bit-identical to an uninterrupted run with the same seed: the
  ``.keras`` file holds the optimizer state and the shuffling / dropout random state.
- A training loop is killed over and over, some kills landing in the middle of a checkpoint
  write: the previous checkpoint always loads, the CSVLogger file always parses into complete
  rows, TensorBoard's own reader always reads the event files (a torn last record is skipped),
  and the run that finally finishes still ends bit-identical to an uninterrupted one.

test_saving.py kills ``model.save`` mid-write; this file does it through ``fit``'s callbacks.
Each child process uses one BLAS thread so that every process computes the same float32 bits.
"""
from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("h5py")

from glassnet.models import load_model  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
EPOCHS = 8
LOOP_EPOCHS = 20    # the kill loop needs room: every run may lose up to an epoch to the kill
STEPS = 12          # 192 training rows / batch_size 16

# The training script.  argv: out_dir epochs [--resume CKPT] [--auto-resume] [--slow SECONDS] [--slow-writes]
SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, {src!r})
    args = sys.argv[1:]
    out, epochs = args[0], int(args[1])
    slow = float(args[args.index("--slow") + 1]) if "--slow" in args else 0.0
    if "--slow-writes" in args:
        # a slow disk: atomic writes go out in 2 KiB chunks, 2 ms apart, so kills land mid-write
        sys.path.insert(0, {tests!r})
        import slow_disk
        slow_disk.install(2048)
    import numpy as np
    import glassnet
    from glassnet.callbacks import CSVLogger, LambdaCallback, ModelCheckpoint, TensorBoard
    from glassnet.layers import Dense, Dropout, Input
    from glassnet.models import Sequential, load_model

    rng = np.random.default_rng(2024)
    x = rng.normal(size=(240, 8)).astype("float32")
    y = ((x[:, 0] * x[:, 1] + x[:, 2]) > 0).astype("float32")
    xt, yt, xv, yv = x[:192], y[:192], x[192:], y[192:]

    def fresh():
        glassnet.set_random_seed(7)
        model = Sequential([Input((8,)), Dense(48, activation="relu"), Dropout(0.3),
                            Dense(24, activation="relu"), Dropout(0.2), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    initial = 0
    ckpt = os.path.join(out, "ckpt.keras")
    if "--resume" in args:
        model = load_model(args[args.index("--resume") + 1])
        initial = model.optimizer.iterations // {steps}
    elif "--auto-resume" in args and os.path.exists(ckpt):
        model = load_model(ckpt)
        initial = model.optimizer.iterations // {steps}
    else:
        model = fresh()
    callbacks = [LambdaCallback(
        on_epoch_begin=lambda e, logs: print(f"epoch {{e}}", flush=True),
        on_train_batch_end=lambda b, logs: (print(f"batch {{b}}", flush=True), time.sleep(slow)))]
    if "--auto-resume" in args:
        callbacks += [ModelCheckpoint(ckpt), ModelCheckpoint(os.path.join(out, "ckpt.h5")),
                      ModelCheckpoint(os.path.join(out, "ckpt.weights.h5"), save_weights_only=True),
                      CSVLogger(os.path.join(out, "log.csv"), append=True),
                      TensorBoard(os.path.join(out, "tb"), write_graph=False)]
    else:
        callbacks.append(ModelCheckpoint(os.path.join(out, "ckpt-{{epoch:02d}}.keras"), save_freq="epoch"))
    print(f"start {{initial}}", flush=True)
    history = model.fit(xt, yt, batch_size=16, epochs=epochs, initial_epoch=initial, shuffle=True,
                        validation_data=(xv, yv), callbacks=callbacks, verbose=0)
    np.save(os.path.join(out, "weights.npy"), np.concatenate([w.ravel() for w in model.get_weights()]))
    with open(os.path.join(out, "history.json"), "w") as fh:
        json.dump({{"epoch": history.epoch, "history": history.history}}, fh)
    print("done", flush=True)
""")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("script") / "train.py"
    path.write_text(SCRIPT.format(src=str(SRC), steps=STEPS, tests=str(Path(__file__).resolve().parent)))
    return path


def child_env():
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GLASSNET_NUM_THREADS"):
        env[var] = "1"
    return env


def start(script, out, *args, epochs=EPOCHS):
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, str(script), str(out), str(epochs), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True)


def finish(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def results(out):
    weights = np.load(out / "weights.npy")
    history = json.loads((out / "history.json").read_text())
    return weights, history


def assert_bit_identical(a, b):
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.fixture(scope="module")
def uninterrupted(script, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    finish(start(script, out))
    return results(out)


def test_sigkill_mid_epoch_then_resume_is_bit_identical(script, tmp_path, uninterrupted):
    first = tmp_path / "first"
    proc = start(script, first, "--slow", 0.01)
    k = 3
    try:
        # poll for checkpoint k, then read the child's progress until it is inside epoch k+1
        deadline = time.monotonic() + 120
        while not (first / f"ckpt-{k:02d}.keras").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the training process stopped early"
            time.sleep(0.005)
        for line in proc.stdout:
            if line.strip() == f"epoch {k}":
                break
        for line in proc.stdout:
            if line.strip() == "batch 3":               # a moment into epoch k+1 (4 of 12 batches done)
                break
    finally:
        kill(proc)
    done = sorted(p.name for p in first.glob("ckpt-*.keras"))
    k = len(done)                                       # normally 3; more only if the kill came late
    assert done == [f"ckpt-{e:02d}.keras" for e in range(1, k + 1)]
    assert 3 <= k < EPOCHS and not (first / "weights.npy").exists()

    resumed = tmp_path / "resumed"
    log = finish(start(script, resumed, "--resume", first / f"ckpt-{k:02d}.keras"))
    assert log.splitlines()[0] == f"start {k}"
    weights, history = results(resumed)
    full_weights, full_history = uninterrupted
    assert_bit_identical(weights, full_weights)
    assert history["epoch"] == list(range(k, EPOCHS))
    for key, values in history["history"].items():
        assert values == full_history["history"][key][k:], key        # exact floats, every metric


def test_checkpoint_k_holds_exactly_the_uninterrupted_state_after_k_epochs(script, tmp_path, uninterrupted):
    """The checkpoints of a finished run, reloaded and continued in-process, agree with the child's."""
    out = tmp_path / "run"
    finish(start(script, out))
    weights, _ = results(out)
    assert_bit_identical(weights, uninterrupted[0])                    # two processes, same bits
    model = load_model(out / f"ckpt-{EPOCHS:02d}.keras")
    assert model.optimizer.iterations == EPOCHS * STEPS
    assert_bit_identical(np.concatenate([w.ravel() for w in model.get_weights()]), uninterrupted[0])


# ============================================================== kills in a loop, some mid-save
def read_csv_log(path: Path):
    """Parse the CSVLogger file; every row must be complete (same fields as the header, numbers)."""
    text = path.read_bytes().decode() if path.exists() else ""
    if not text:
        return []
    assert text.endswith("\r\n"), repr(text[-80:])                     # no torn last row
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[0] == "epoch" and "loss" in header and "val_loss" in header
    for row in rows[1:]:
        assert len(row) == len(header), row
        assert int(row[0]) >= 0 and all(np.isfinite(float(v)) for v in row[1:]), row
    return [int(r[0]) for r in rows[1:]]


def read_event_steps(folder: Path):
    """TensorBoard's own reader on every event file: epoch_loss steps per file (torn tails skipped)."""
    from tensorboard.backend.event_processing import event_accumulator as ea

    steps = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        acc = ea.EventAccumulator(str(path), size_guidance={ea.TENSORS: 0})
        acc.Reload()
        file_steps = [e.step for e in acc.Tensors("epoch_loss")] if "epoch_loss" in acc.Tags()["tensors"] else []
        assert file_steps == sorted(file_steps) and len(set(file_steps)) == len(file_steps)
        steps.append(file_steps)
    return steps


def test_kills_in_a_loop_never_leave_a_broken_file(script, tmp_path):
    pytest.importorskip("tensorboard")
    reference = tmp_path / "reference"
    finish(start(script, reference, epochs=LOOP_EPOCHS))
    uninterrupted = results(reference)
    out = tmp_path / "loop"
    rng = random.Random(99)
    mid_save_kills = 0
    seen_orphans: set = set()
    epochs_seen = []
    for attempt in range(6):
        proc = start(script, out, "--auto-resume", "--slow-writes", "--slow", 0.002, epochs=LOOP_EPOCHS)
        try:
            first = proc.stdout.readline().split()
            assert first[0] == "start"
            for line in proc.stdout:            # let it finish (and checkpoint) one epoch first
                if line.strip() == f"epoch {int(first[1]) + 1}":
                    break
            if attempt % 2 == 0:
                # wait for the next checkpoint write to be under way (its temporary file exists), then kill
                deadline = time.monotonic() + 60
                while (not set(out.glob(".ckpt.*.tmp")) - seen_orphans and proc.poll() is None
                       and time.monotonic() < deadline):
                    time.sleep(0.0005)
                time.sleep(rng.uniform(0.0, 0.006))
            else:
                time.sleep(rng.uniform(0.0, 0.1))
        finally:
            if proc.poll() is None:
                kill(proc)
            else:
                proc.communicate()
        # a writer killed mid-save leaves its temporary file behind (and nothing else)
        orphans = set(out.glob(".ckpt.*.tmp"))
        mid_save_kills += bool(orphans - seen_orphans)
        seen_orphans |= orphans
        # after every kill: each checkpoint present is whole and sits on an epoch boundary
        if (out / "ckpt.keras").exists():
            model = load_model(out / "ckpt.keras")
            assert model.optimizer.iterations % STEPS == 0 and model.optimizer.iterations > 0
            epochs_seen.append(model.optimizer.iterations // STEPS)
        if (out / "ckpt.h5").exists():
            assert load_model(out / "ckpt.h5").optimizer.iterations % STEPS == 0
        if (out / "ckpt.weights.h5").exists():
            probe = load_model(out / "ckpt.keras") if (out / "ckpt.keras").exists() else None
            if probe is not None:
                probe.load_weights(out / "ckpt.weights.h5")
        read_csv_log(out / "log.csv")
        if (out / "tb" / "train").exists():
            read_event_steps(out / "tb" / "train")
    assert mid_save_kills >= 2                 # kills did land in the middle of checkpoint writes
    assert epochs_seen == sorted(epochs_seen)  # progress is never lost beyond the last whole checkpoint

    # Let the last run finish: it ends exactly where an uninterrupted run ends.
    finish(start(script, out, "--auto-resume", epochs=LOOP_EPOCHS))
    weights, history = results(out)
    assert_bit_identical(weights, uninterrupted[0])
    k = history["epoch"][0]
    assert 0 < k < LOOP_EPOCHS - 2
    assert history["history"]["loss"] == uninterrupted[1]["history"]["loss"][k:]
    logged = read_csv_log(out / "log.csv")
    assert logged[-(LOOP_EPOCHS - k):] == list(range(k, LOOP_EPOCHS))
    train_steps = read_event_steps(out / "tb" / "train")
    assert train_steps[-1] == list(range(k, LOOP_EPOCHS))
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert all(name.endswith(".tmp") for name in leftovers)    # only killed writers' temporary files


def test_a_torn_event_record_is_tolerated(tmp_path):
    """Cut a finished event file at every byte of its last records: the reader keeps the whole ones."""
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import event_accumulator as ea

    from glassnet.tensorboard import EventFileWriter

    with EventFileWriter(tmp_path / "whole") as writer:
        for step in range(4):
            writer.add_scalar("epoch_loss", 1.0 / (step + 1), step)
        path = Path(writer.path)
    data = path.read_bytes()
    record = len(data) // 5                      # about one record: the version record + 4 scalars
    for cut in range(len(data) - 2 * record, len(data)):
        folder = tmp_path / f"cut{cut}"
        folder.mkdir()
        (folder / path.name).write_bytes(data[:cut])
        acc = ea.EventAccumulator(str(folder), size_guidance={ea.TENSORS: 0})
        acc.Reload()
        steps = [e.step for e in acc.Tensors("epoch_loss")]
        assert steps == list(range(len(steps))) and len(steps) >= 2

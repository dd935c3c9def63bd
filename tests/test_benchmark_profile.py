"""The profiler of the benchmark suite runs against the engine as it is (it once broke silently
when a method it wrapped was renamed), and its phases account for the epoch it times."""
import os
import re
import subprocess
import sys

import pytest

from glassnet import kernels

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "profile_glassnet.py")

pytest.importorskip("threadpoolctl", reason="the profiler limits BLAS with threadpoolctl (the threads extra)")


def _phases(text: str, header: str):
    """{phase: seconds} and the epoch total of the table under the line that starts with ``header``."""
    block = text[text.index(header):]
    block = block[:block.index("steps:")]
    rows = {}
    for line in block.splitlines()[2:]:
        m = re.match(r"(.+?)\s+(-?\d+\.\d+)\s+(-?\d+\.\d)\s+(-?\d+\.\d)$", line)
        if m:
            rows[m.group(1).strip()] = float(m.group(2))
    total = rows.pop("epoch(s) total")
    floor = rows.pop("(floor: the same GEMMs alone, measured apart)")
    return rows, total, floor


@pytest.mark.parametrize("choice", ["numpy", "numba"])
def test_profile_runs_and_its_phases_sum_to_the_epoch(tmp_path, choice):
    if choice == "numba" and not kernels.numba_available():
        pytest.skip("numba is not installed (pip install glassnet[fast])")
    out = subprocess.run(
        [sys.executable, SCRIPT, "--threads", "1", "--rows", "1024", "--w2-epochs", "2", "--top", "3",
         "--kernels", choice, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    text = (tmp_path / "profile-latest-t1.txt").read_text()
    assert f"kernels={choice}" in text
    for header in ("== W1", "== W2"):
        rows, total, floor = _phases(text, header)
        assert total > 0 and floor > 0
        assert all(v >= 0 for v in rows.values()), rows
        # the rows split the epoch: the "other" rows are what the timed parts leave, clipped at 0,
        # so they sum to the total up to the timer's resolution
        assert sum(rows.values()) == pytest.approx(total, rel=0.02, abs=1e-3), rows
        compiled = [k for k in rows if k.startswith("compiled step")]
        layer_by_layer = [k for k in rows if k.startswith("Dense.")]
        if choice == "numba":          # W1 and W2 are small Dense/Dropout stacks: the compiled step
            assert compiled and not layer_by_layer, rows
            assert rows["compiled step: forward + cost + backward (one numba call)"] > 0
        else:
            assert layer_by_layer and not compiled, rows
            assert rows["Dense.forward without activation (GEMM + bias)"] > 0

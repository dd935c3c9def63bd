"""The autodiff and ops packages load in any order, keep `import glassnet` light, and stay small."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "glassnet"

# Each snippet runs in a fresh interpreter: the import order is what is under test.
CHECK = (
    "import numpy as np\n"
    "from glassnet import autodiff, ops\n"
    "from glassnet.variables import Variable\n"
    "w = Variable(np.array([1.0, -2.0], np.float32))\n"
    "with autodiff.Tape() as tape:\n"
    "    x = tape.watch(np.array([3.0, 4.0], np.float32))\n"
    "    y = ops.sum(ops.relu(x * w + 1.0))\n"
    "(dx,) = tape.gradient(y)\n"
    "print([float(y), dx.tolist(), w.grad.tolist()])\n"
)


@pytest.mark.parametrize("first", ["glassnet.autodiff", "glassnet.variables", "glassnet.ops",
                                   "glassnet.autodiff.tensor", "glassnet.ops.nn"])
def test_any_import_order_works(first):
    out = subprocess.run([sys.executable, "-c", f"import {first}\n" + CHECK], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # y = relu(3*1 + 1) + relu(4*(-2) + 1) = 4; dy/dx = [w0, 0] = [1, 0]; dy/dw = [x0, 0] = [3, 0]
    assert ast.literal_eval(out.stdout) == [4.0, [1.0, 0.0], [3.0, 0.0]]   # -0.0 == 0.0


def test_import_glassnet_does_not_load_autodiff_or_ops():
    code = ("import sys, glassnet\n"
            "print(sorted(m for m in sys.modules if m.startswith(('glassnet.autodiff', 'glassnet.ops'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", ["autodiff", "ops"])
def test_no_module_over_800_lines(package):
    sizes = {p.name: len(p.read_text().splitlines()) for p in (SRC / package).glob("*.py")}
    assert sizes and all(n <= 800 for n in sizes.values()), sizes

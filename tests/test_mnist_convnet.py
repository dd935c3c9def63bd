"""examples/mnist_convnet.py: a quick slice in the default run; the full 12 epochs (>= 99.0%) marked slow."""
import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mnist_convnet.py"


def load_example():
    spec = importlib.util.spec_from_file_location("example_mnist_convnet", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist_convnet_quick(shared_datasets, capsys):
    result = load_example().main(["--data", str(shared_datasets), "--quick", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "x_train (3000, 28, 28, 1), x_test (1000, 28, 28, 1)" in out
    # 3*3*1*32+32 + 3*3*32*64+64 + 1600*10+10, keras.io's count
    assert "Total params: 34,826" in out
    assert result["epochs"] == 1
    assert result["test_accuracy"] > 0.5      # one epoch on 2,700 images: well above chance (0.1)


@pytest.mark.slow
def test_full_mnist_convnet(shared_datasets):
    result = load_example().main(["--data", str(shared_datasets), "--verbose", "0"])
    assert result["epochs"] == 12
    assert result["test_accuracy"] >= 0.990

"""Conv / pooling / border layers against Keras 3 golden numbers (tests/reference/conv_golden.json).

Regenerate with tests/reference/make_conv_golden.py (Keras 3 on TensorFlow).  Tolerances: float32
sums are accumulated in a different order than TensorFlow's kernels (rtol 1e-5 on single-layer values);
a 3-epoch fit compounds that roundoff over 9 steps (rtol 1e-4, the issue's bound).
"""
import json
from pathlib import Path

import numpy as np
import pytest

from glassnet import layers as L
from glassnet import optimizers
from glassnet.models import Sequential

GOLDEN = json.loads((Path(__file__).parent / "reference" / "conv_golden.json").read_text())


def _id(case):
    return case["class_name"] + "(" + ",".join(f"{k}={v}" for k, v in case["kwargs"].items()) + ")"


@pytest.mark.parametrize("case", GOLDEN["layers"], ids=_id)
def test_layer_forward_backward_and_config_match_keras(case):
    layer = getattr(L, case["class_name"])(**case["kwargs"])
    x = np.array(case["x"], np.float32)
    layer.build(x.shape[1:])
    layer.set_weights([np.array(w, np.float32) for w in case["weights"]])
    y = layer.forward(x, training=True)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, np.array(case["y"], np.float32), rtol=1e-5, atol=1e-6)
    assert tuple(layer.compute_output_shape(x.shape[1:])) == y.shape[1:]
    dx = layer.backward(np.array(case["g"], np.float32))
    np.testing.assert_allclose(dx, np.array(case["dx"], np.float32), rtol=1e-5, atol=1e-5)
    for var, want in zip(layer.weights, case["dweights"]):
        np.testing.assert_allclose(var.grad, np.array(want, np.float32), rtol=1e-5, atol=1e-5)
    got, want = layer.get_config(), dict(case["config"])
    got.pop("name"), want.pop("name")
    assert got == want


def _optimizer(spec):
    if spec == "adam_0.01":
        return optimizers.Adam(0.01)
    if spec == "sgd_0.05_momentum":
        return optimizers.SGD(0.05, momentum=0.9)
    if spec == "rmsprop_0.005":
        return optimizers.RMSprop(0.005)
    raise ValueError(spec)


@pytest.mark.parametrize("run", GOLDEN["training"], ids=lambda r: r["name"])
def test_three_epoch_fit_ends_at_keras_weights(run):
    stack = [L.Input(tuple(run["input_shape"]))]
    for cfg in run["layers"]:
        cfg = dict(cfg)
        cls = cfg.pop("class_name")
        stack.append(L.deserialize({"module": "keras.layers", "class_name": cls, "config": cfg,
                                    "registered_name": None}))
    model = Sequential(stack)
    model.set_weights([np.array(w, np.float32) for w in run["initial_weights"]])
    model.compile(optimizer=_optimizer(run["optimizer"]), loss=run["loss"])
    history = model.fit(np.array(run["x"], np.float32), np.array(run["y"], np.float32),
                        batch_size=run["batch_size"], epochs=run["epochs"], shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], run["losses"], rtol=1e-4)
    final = model.get_weights()
    assert len(final) == len(run["final_weights"])
    for got, want in zip(final, run["final_weights"]):
        np.testing.assert_allclose(got, np.array(want, np.float32), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("case", GOLDEN["ties"], ids=_id)
def test_tied_maxima_get_the_gradient_where_tensorflow_sends_it(case):
    layer = getattr(L, case["class_name"])(**case["kwargs"])
    x = np.array(case["x"], np.float32)
    y = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(dx, np.array(case["dx"], np.float32))

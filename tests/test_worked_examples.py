"""The notes' hand-worked examples, reproduced by glassnet.

Seed 001: a 2-2-1 sigmoid network on input (1, 0) (hidden 0.90 and 0.17, output 0.76).
Seed 004: the 2-2-2 sigmoid network, one SGD step at learning rate 0.5; every number below
is the notes' own (E_total, dE/dw5, the new w5..w8 and w1).
"""
import json

import numpy as np
import pytest

from glassnet.cli import worked_example_model
from glassnet.inspect import trace_step
from glassnet.layers import Dense, Input
from glassnet.models import Sequential


def test_seed001_forward_pass_gives_076():
    model = Sequential([Input((2,)), Dense(2, activation="sigmoid"), Dense(1, activation="sigmoid")])
    # hidden: h1 = sigmoid(3.7 x1 + 3.7 x2 - 1.5), h2 = sigmoid(2.9 x1 + 2.9 x2 - 4.5)
    # output: sigmoid(4.5 h1 - 5.2 h2 - 2.0)
    model.set_weights([np.array([[3.7, 2.9], [3.7, 2.9]]), np.array([-1.5, -4.5]),
                       np.array([[4.5], [-5.2]]), np.array([-2.0])])
    hidden = model.layers[0](np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(hidden, [[0.90, 0.17]], atol=0.005)   # sigmoid(2.2), sigmoid(-1.6)
    out = model.predict(np.array([[1.0, 0.0]]), verbose=0)
    assert out.dtype == np.float32
    # The notes round the hidden values first: sigmoid(.90*4.5 + .17*-5.2 - 2.0) = sigmoid(1.17) = 0.76
    np.testing.assert_allclose(out, [[0.76]], atol=0.005)


# Notes, seed 004: forward pass
#   net_h1 = .15*.05 + .20*.10 + .35 = 0.3775   out_h1 = 0.593269992
#   net_h2 = .25*.05 + .30*.10 + .35 = 0.3925   out_h2 = 0.596884378
#   net_o1 = .40*out_h1 + .45*out_h2 + .60 = 1.105905967   out_o1 = 0.75136507
#   net_o2 = .50*out_h1 + .55*out_h2 + .60 = 1.224921404   out_o2 = 0.772928465
#   E_total = 1/2 (.01 - out_o1)^2 + 1/2 (.99 - out_o2)^2 = 0.298371109
# backward: dE/dw5 = (out_o1 - .01) * out_o1 (1 - out_o1) * out_h1 = 0.082167041
def test_seed004_trace_step_matches_the_notes():
    model, x, y = worked_example_model()
    trace = trace_step(model, x, y)
    assert trace.loss == pytest.approx(0.298371109, abs=1e-8)
    hidden, output = trace["hidden"], trace["output"]
    np.testing.assert_allclose(hidden["z"], [[0.3775, 0.3925]], atol=1e-7)
    np.testing.assert_allclose(hidden["a"], [[0.593269992, 0.596884378]], atol=1e-7)
    np.testing.assert_allclose(output["a"], [[0.75136507, 0.772928465]], atol=1e-7)
    # kernel[i, j] is the weight from input i to neuron j: w5 = kernel[0, 0], w6 = [1, 0], w7 = [0, 1], w8 = [1, 1]
    assert output["dC_dW"][0, 0] == pytest.approx(0.082167041, abs=1e-8)
    new = output["kernel_after"]
    np.testing.assert_allclose([new[0, 0], new[1, 0], new[0, 1], new[1, 1]],
                               [0.35891648, 0.408666186, 0.511301270, 0.561370121], atol=1e-7)
    assert hidden["kernel_after"][0, 0] == pytest.approx(0.149780716, abs=1e-7)   # w1
    # the update applied is -learning_rate * dC/dW (plain SGD)
    np.testing.assert_allclose(output["kernel_update"], -0.5 * output["dC_dW"], atol=1e-7)
    # BP2: delta_hidden = (delta_out W^T) ⊙ f'(z_hidden), with f' = a (1 - a)
    expected = (output["delta"] @ output["kernel_before"].T) * hidden["a"] * (1 - hidden["a"])
    np.testing.assert_allclose(hidden["delta"], expected, rtol=1e-6)
    data = json.loads(trace.to_json())
    assert data["layers"][1]["name"] == "output"


def test_seed004_in_float64_prints_the_notes_digits():
    from glassnet import config

    model, x, y = worked_example_model("float64")
    with config.floatx_scope("float64"):
        trace = trace_step(model, x, y)
    text = str(trace)
    for number in ("0.298371109", "0.35891648", "0.408666186", "0.51130127", "0.561370121", "0.149780716"):
        assert number in text
    assert trace["output"]["dC_dW"][0, 0] == pytest.approx(0.082167041, abs=1e-9)


def test_cli_trace_and_gradcheck(capsys):
    from glassnet.cli import main

    assert main(["trace"]) == 0
    out = capsys.readouterr().out
    assert "0.298371109" in out and "dC/dW = a_prev^T delta" in out
    assert main(["gradcheck"]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_seed004_through_fit():
    model, x, y = worked_example_model()
    history = model.fit(x, y, epochs=1, batch_size=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(0.298371109, abs=1e-7)
    kernel1, _, kernel2, _ = model.get_weights()
    np.testing.assert_allclose(kernel2, [[0.35891648, 0.511301270], [0.408666186, 0.561370121]], atol=1e-7)
    assert kernel1[0, 0] == pytest.approx(0.149780716, abs=1e-7)


def test_trace_json_written_atomically(tmp_path):
    model, x, y = worked_example_model()
    path = tmp_path / "trace.json"
    trace_step(model, x, y).to_json(path)
    assert json.loads(path.read_text())["loss"] == pytest.approx(0.298371109, abs=1e-8)
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]


def test_gradient_check_on_saturated_sigmoid_uses_the_logits_cost():
    """Rows whose probability is clipped (p < 1e-7) must not produce false failures."""
    from glassnet.inspect import gradient_check

    model = Sequential([Input((2,)), Dense(3, activation="tanh"), Dense(1, activation="sigmoid")])
    model.set_weights([np.ones((2, 3)), np.zeros(3), np.full((3, 1), 9.0), np.array([-30.0])])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x = np.array([[0.1, 0.2], [-3.0, -3.0], [1.0, 2.0]], np.float32)
    y = np.array([1.0, 0.0, 1.0], np.float32)
    assert model.predict(x[1:2], verbose=0)[0, 0] < 1e-7            # clipped region
    report = gradient_check(model, x, y)
    assert report.passed, str(report)

"""The notes' backpropagation example (seed 004), traced step by step, with the notes' numbers beside glassnet's.

    python examples/backprop_worked_example.py            # the tables
    python examples/backprop_worked_example.py --trace    # ... and glassnet's whole trace
    python examples/backprop_worked_example.py --out run  # ... and write run/trace.json

The network of the notes: 2 inputs, 2 sigmoid hidden neurons h1 h2, 2 sigmoid outputs o1 o2.

    inputs  i1 = .05, i2 = .10              targets  o1 = .01, o2 = .99
    w1 = .15 (i1->h1)  w2 = .20 (i2->h1)  w3 = .25 (i1->h2)  w4 = .30 (i2->h2)  b1 = .35
    w5 = .40 (h1->o1)  w6 = .45 (h2->o1)  w7 = .50 (h1->o2)  w8 = .55 (h2->o2)  b2 = .60
    E_total = sum 1/2 (target - output)^2,  one gradient-descent step with learning rate eta = 0.5

In Keras's layout a Dense kernel is (inputs, units): kernel[i, j] is the weight from input i to
neuron j, so the hidden kernel is [[w1, w3], [w2, w4]] and the output kernel [[w5, w7], [w6, w8]].
Keras's 'mse' averages over the two outputs, 1/2 sum (target - output)^2: exactly the notes' E_total.

Every number is computed by glassnet (float64): `glassnet.inspect.trace_step` runs one real
training step of the model and records z, a, delta, dC/dW and the new weights of each layer;
`glassnet.inspect.gradient_check` compares backprop's gradients with finite differences.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from glassnet import config
from glassnet.cli import worked_example_model
from glassnet.inspect import gradient_check, trace_step

# The notes' numbers, as printed there (seed 004).  Two typos in the notes are corrected here:
# E_o1 is written 1/2 (0.01 - 0.753136507)^2 (out_o1 is 0.75136507, as two lines above), and the
# sum dE_total/dout_h1 is written 0.55399425 + -0.019049119 (the first term is 0.055399425).
NOTES = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
    "dE_total/dout_o1": "0.74136507",
    "dout_o1/dnet_o1": "0.186815602",
    "dnet_o1/dw5": "0.593269992",
    "dE_total/dw5": "0.082167041",
    "w5+": "0.35891648",
    "w6+": "0.408666186",
    "w7+": "0.511301270",
    "w8+": "0.561370121",
    "dE_o1/dnet_o1": "0.138498562",
    "dE_o1/dout_h1": "0.055399425",
    "dE_o2/dout_h1": "-0.019049119",
    "dE_total/dout_h1": "0.036350306",
    "dout_h1/dnet_h1": "0.241300709",
    "dnet_h1/dw1": "0.05",
    "dE_total/dw1": "0.000438568",
    "w1+": "0.149780716",
    "E_total after one step": "0.291027924",
}


# The notes round every intermediate value to 9 digits and carry on with the rounded value,
# so their last digit can be 1 off; float32 (7 significant digits) adds its own rounding.
SLACK = {"float64": 1e-9, "float32": 5e-7}


def tolerance(printed: str, slack: float) -> float:
    """Half a unit in the last digit the notes print, plus the slack for rounded intermediates."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** -decimals + slack


def compare(rows, title: str, slack: float) -> bool:
    """Print quantity | notes | glassnet | |difference|; True when every row agrees."""
    print(f"\n{title}")
    print(f"  {'quantity':<24} {'notes':>14} {'glassnet':>16} {'|difference|':>13}")
    ok = True
    for name, value, how in rows:
        printed = NOTES[name]
        diff = abs(float(printed) - value)
        agree = diff <= tolerance(printed, slack)
        ok &= agree
        print(f"  {name:<24} {printed:>14} {value:>16.9f} {diff:>13.1e}  {'ok' if agree else 'DIFFERS'}  {how}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                        help="float64 (default) reproduces every digit; float32 agrees to about 1e-7")
    parser.add_argument("--trace", action="store_true", help="also print glassnet's whole trace table")
    parser.add_argument("--out", default=None, metavar="DIR", help="write the trace as DIR/trace.json")
    args = parser.parse_args(argv)

    # The notes' network, its weights and the one training example, compiled with
    # SGD(learning_rate=0.5) and loss='mse'.
    model, x, y = worked_example_model(args.dtype)
    slack = SLACK[args.dtype]
    hidden_layer, output_layer = model.layers
    print("The notes' network: 2 inputs -> 2 sigmoid (h1, h2) -> 2 sigmoid (o1, o2), "
          f"SGD learning rate {model.optimizer.learning_rate:g}, dtype {args.dtype}")
    print(f"  inputs {x[0]}, targets {y[0]}")
    print(f"  hidden kernel [[w1, w3], [w2, w4]] =\n{hidden_layer.get_weights()[0]}, b1 = {hidden_layer.get_weights()[1]}")
    print(f"  output kernel [[w5, w7], [w6, w8]] =\n{output_layer.get_weights()[0]}, b2 = {output_layer.get_weights()[1]}")

    # Backprop against finite differences first: if this fails, nothing below can be trusted.
    check = gradient_check(model, x, y)
    print("\nGradient check (backprop against central differences, float64):")
    print("  " + str(check).replace("\n", "\n  "))

    # One real training step, every intermediate quantity recorded.  The model's weights
    # really change: afterwards they are the notes' w+.
    with config.floatx_scope(args.dtype):
        trace = trace_step(model, x, y)
    h, o = trace["hidden"], trace["output"]
    loss = model.compiled_loss

    # ---- Forward pass: net = w . inputs + b, then squash it with the logistic function.
    out_o = o["a"][0]
    e = 0.5 * (y[0] - out_o) ** 2                      # E_o1, E_o2 of the notes
    ok = compare([
        ("net_h1", h["z"][0, 0], "z of hidden neuron 1 = w1 i1 + w2 i2 + b1"),
        ("out_h1", h["a"][0, 0], "a = sigmoid(z)"),
        ("out_h2", h["a"][0, 1], ""),
        ("net_o1", o["z"][0, 0], "w5 out_h1 + w6 out_h2 + b2"),
        ("out_o1", out_o[0], ""),
        ("out_o2", out_o[1], ""),
        ("E_o1", e[0], "1/2 (target_o1 - out_o1)^2"),
        ("E_o2", e[1], ""),
        ("E_total", trace.loss, "the loss trace_step reports (Keras's 'mse')"),
    ], "Forward pass", slack)

    # ---- The backward pass for w5: the chain rule dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5.
    dE_dout = loss.gradient(y, o["a"])[0]              # glassnet's loss gradient: out - target
    dout_dnet = output_layer.activation.derivative(o["z"], o["a"])[0]   # sigmoid': out (1 - out)
    ok &= compare([
        ("dE_total/dout_o1", dE_dout[0], "-(target - out): loss.gradient"),
        ("dout_o1/dnet_o1", dout_dnet[0], "out (1 - out): activation.derivative"),
        ("dnet_o1/dw5", o["a_prev"][0, 0], "= out_h1, the input of w5"),
        ("dE_o1/dnet_o1", o["delta"][0, 0], "delta_o1: the product of the two above"),
        ("dE_total/dw5", o["dC_dW"][0, 0], "dC/dW = a_prev^T delta"),
    ], "Backward pass, output layer (w5)", slack)

    # ---- Weight updation: w+ = w - eta * dE/dw (w5 = kernel[0, 0], w6 = [1, 0], w7 = [0, 1], w8 = [1, 1]).
    new = o["kernel_after"]
    ok &= compare([
        ("w5+", new[0, 0], "0.4 - 0.5 * dE/dw5"),
        ("w6+", new[1, 0], ""),
        ("w7+", new[0, 1], ""),
        ("w8+", new[1, 1], ""),
    ], "Weight updation, output layer", slack)

    # ---- The hidden layer, with the ORIGINAL w5..w8 (the notes: "we use the original weights").
    w_out = o["kernel_before"]
    back = o["delta"] @ w_out.T                        # dE_total/dout_h = delta_o W^T
    ok &= compare([
        ("dE_o1/dout_h1", o["delta"][0, 0] * w_out[0, 0], "delta_o1 * w5"),
        ("dE_o2/dout_h1", o["delta"][0, 1] * w_out[0, 1], "delta_o2 * w7"),
        ("dE_total/dout_h1", back[0, 0], "(delta_o W^T)[h1]: the sum of the two"),
        ("dout_h1/dnet_h1", hidden_layer.activation.derivative(h["z"], h["a"])[0, 0], "out_h1 (1 - out_h1)"),
        ("dnet_h1/dw1", h["a_prev"][0, 0], "= i1"),
        ("dE_total/dw1", h["dC_dW"][0, 0], "dC/dW = a_prev^T delta"),
        ("w1+", h["kernel_after"][0, 0], "0.15 - 0.5 * dE/dw1"),
    ], "Backward pass, hidden layer (w1)", slack)
    nh = h["kernel_after"]
    print(f"  the notes leave w2, w3, w4 to the reader; glassnet: w2+ = {nh[1, 0]:.9f}, "
          f"w3+ = {nh[0, 1]:.9f}, w4+ = {nh[1, 1]:.9f}")

    # ---- The error after one step.  The notes update w1..w8 and keep b1, b2; Keras (and
    # glassnet) train the biases too, so the step glassnet took lowers the error further.
    def e_total() -> float:
        """E_total of the model's current weights: the loss of one forward pass."""
        return float(loss(y, model.predict(x, verbose=0)))

    with config.floatx_scope(args.dtype):
        after_glassnet = e_total()
        model.set_weights([h["kernel_after"], h["bias_before"], o["kernel_after"], o["bias_before"]])
        after_notes_step = e_total()
        # The notes' 0.291027924 comes out when w1..w4 are updated with the NEW w5..w8 in
        # delta_h = (delta_o W^T) * f'(z_h), although the notes say to use the original ones.
        delta_h = (o["delta"] @ o["kernel_after"].T) * h["a"] * (1 - h["a"])
        w_hidden_variant = h["kernel_before"] - 0.5 * h["a_prev"].T @ delta_h
        model.set_weights([w_hidden_variant, h["bias_before"], o["kernel_after"], o["bias_before"]])
        after_variant = e_total()
    printed = NOTES["E_total after one step"]
    print("\nError after one step (notes: 0.298371109 before, " + printed + " after)")
    print(f"  new w1..w8, biases kept (the notes' step):          {after_notes_step:.9f}"
          f"  differs from the notes by {abs(after_notes_step - float(printed)):.1e}")
    variant_matches = abs(after_variant - float(printed)) <= tolerance(printed, slack)
    print(f"  the same, w1..w4 updated with the NEW w5..w8:        {after_variant:.9f}"
          + ("  = the notes' number: their last step used the updated w5..w8" if variant_matches
             else f"  differs from the notes by {abs(after_variant - float(printed)):.1e}"))
    print(f"  glassnet's step (biases trained too, as in Keras):   {after_glassnet:.9f}"
          f"  (b1+ = {h['bias_after'].round(9)}, b2+ = {o['bias_after'].round(9)})")
    ok &= variant_matches

    if args.trace:
        print("\nglassnet's trace of the step:\n" + str(trace))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        path = Path(args.out) / "trace.json"
        trace.to_json(str(path))
        print(f"\nwrote {path}")

    ok &= check.passed
    print("\nglassnet reproduces every number of the notes (the error after the step as the notes computed it)."
          if ok else
          "\nSOME NUMBERS DIFFER from the notes (see DIFFERS above).")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""``glassnet trace``: the backprop trace of one step of the notes' worked example."""
from __future__ import annotations

from .demos import worked_example_model


def add_parser(sub):
    trace = sub.add_parser("trace", help="print the backprop trace of one step (the notes' worked example)")
    trace.add_argument("--json", action="store_true", help="print JSON instead of the table")
    return trace


def run(args) -> int:
    from .. import config
    from ..inspect import trace_step

    model, x, y = worked_example_model("float64")
    with config.floatx_scope("float64"):
        trace = trace_step(model, x, y)
    if args.json:
        print(trace.to_json())
    else:
        print("The notes' worked example: inputs .05 .10, targets .01 .99, learning rate 0.5")
        print(trace)
    return 0

"""Golden runs of Keras 3 functional models, for tests/test_functional.py.

Each case builds a model with Keras's functional API, records its initial weights, trains it for
3 epochs with ``shuffle=False`` and records the final weights, the history, evaluate and predict.
glassnet builds the same graph (tests/test_functional.py, ``CASES``), starts from the same weights
and must end at the same numbers.

Run with the reference environment (TensorFlow CPU + Keras 3):
    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 .refenv/bin/python tests/reference/make_functional_golden.py
"""
import json
import os

import numpy as np
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "keras_functional.json")


def data(seed, n=24):
    rng = np.random.default_rng(seed)
    return {
        "wide": rng.normal(size=(n, 3)).astype("float32"),
        "deep": rng.normal(size=(n, 2)).astype("float32"),
        "y_reg": rng.normal(size=(n, 1)).astype("float32"),
        "y_cls": rng.integers(0, 3, size=n).astype("float32"),
    }


def wide_deep():
    wide = keras.Input((3,), name="wide")
    deep = keras.Input((2,), name="deep")
    h = layers.Dense(6, activation="relu", name="h1")(deep)
    h = layers.Dense(4, activation="tanh", name="h2")(h)
    out = layers.Dense(1, name="price")(layers.Concatenate(name="cat")([wide, h]))
    m = keras.Model([wide, deep], out, name="wide_deep")
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return m, lambda d: ([d["wide"], d["deep"]], d["y_reg"])


def two_outputs():
    inp = keras.Input((3,), name="x")
    h = layers.Dense(5, activation="relu", name="trunk")(inp)
    price = layers.Dense(1, name="price")(h)
    kind = layers.Dense(3, activation="softmax", name="kind")(h)
    m = keras.Model(inp, [price, kind], name="two_outputs")
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss=["mse", "sparse_categorical_crossentropy"],
              loss_weights=[1.0, 0.5], metrics=[["mae"], ["accuracy"]])
    return m, lambda d: (d["wide"], [d["y_reg"], d["y_cls"]])


def two_outputs_dict():
    inp = keras.Input((3,), name="x")
    h = layers.Dense(5, activation="tanh", name="trunk")(inp)
    price = layers.Dense(1, name="price")(h)
    kind = layers.Dense(3, activation="softmax", name="kind")(h)
    m = keras.Model(inp, [price, kind], name="two_outputs_dict")
    m.compile(optimizer=keras.optimizers.RMSprop(0.01),
              loss={"price": "mae", "kind": "sparse_categorical_crossentropy"},
              loss_weights={"price": 2.0, "kind": 1.0})
    return m, lambda d: (d["wide"], {"price": d["y_reg"], "kind": d["y_cls"]})


def shared_layer():
    a = keras.Input((2,), name="a")
    b = keras.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    merged = layers.Add(name="add")([shared(a), shared(b)])
    out = layers.Dense(1, name="out")(merged)
    m = keras.Model([a, b], out, name="shared_layer")
    m.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    return m, lambda d: ([d["deep"], d["wide"][:, :2]], d["y_reg"])


def merges():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    ha = layers.Dense(3, activation="tanh", name="ha")(a)
    hb = layers.Dense(3, activation="sigmoid", name="hb")(b)
    parts = [layers.Subtract(name="sub")([ha, hb]), layers.Multiply(name="mul")([ha, hb]),
             layers.Average(name="avg")([ha, hb]), layers.Maximum(name="max")([ha, hb]),
             layers.Minimum(name="min")([ha, hb]), layers.Dot(axes=1, name="dot")([ha, hb]),
             layers.Dot(axes=1, normalize=True, name="cos")([ha, hb])]
    out = layers.Dense(1, activation="sigmoid", name="out")(layers.Concatenate(name="cat")(parts))
    m = keras.Model([a, b], out, name="merges")
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return m, lambda d: ([d["wide"], d["wide"][::-1].copy()], (d["y_reg"] > 0).astype("float32"))


def frozen_base():
    base_in = keras.Input((3,), name="base_in")
    base_out = layers.Dense(5, activation="relu", name="base_dense")(base_in)
    base = keras.Model(base_in, base_out, name="base")
    base.trainable = False
    inp = keras.Input((3,), name="inp")
    feat = base(inp, training=False)
    out = layers.Dense(3, activation="softmax", name="head")(feat)
    m = keras.Model(inp, out, name="frozen_base")
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m, lambda d: (d["wide"], d["y_cls"])


def frozen_layer_sequential():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu", name="d0"),
                          layers.Dense(4, activation="relu", name="d1"), layers.Dense(1, name="d2")],
                         name="frozen_layer")
    m.layers[0].trainable = False
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    return m, lambda d: (d["wide"], d["y_reg"])


CASES = {f.__name__: f for f in (wide_deep, two_outputs, two_outputs_dict, shared_layer, merges, frozen_base,
                                 frozen_layer_sequential)}


def to_list(a):
    if isinstance(a, dict):
        return {k: to_list(v) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [to_list(v) for v in a]
    return np.asarray(a).tolist()


def main():
    out = {"keras_version": keras.__version__, "cases": {}}
    for i, (name, make) in enumerate(CASES.items()):
        keras.utils.set_random_seed(100 + i)
        model, split = make()
        d = data(i)
        x, y = split(d)
        initial = [w.tolist() for w in model.get_weights()]
        hist = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
        ev = model.evaluate(x, y, verbose=0, return_dict=True)
        pred = model.predict(x, verbose=0)
        out["cases"][name] = {
            "seed": i, "initial_weights": initial, "final_weights": [w.tolist() for w in model.get_weights()],
            "history": {k: [float(v) for v in vals] for k, vals in hist.history.items()},
            "evaluate": {k: float(v) for k, v in ev.items()}, "predict": to_list(pred),
            "layers": [l.name for l in model.layers],
        }
        print(name, sorted(hist.history))
    with open(OUT, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()

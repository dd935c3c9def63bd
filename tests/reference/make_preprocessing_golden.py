"""Record Keras 3's preprocessing layers as golden numbers for tests/test_preprocessing_layers.py.

Run with the reference environment (Keras 3 + TensorFlow), not the project venv::

    TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=3 \
        /work/refenv/bin/python tests/reference/make_preprocessing_golden.py

It writes ``tests/reference/keras_preprocessing.json``: for every case the constructor arguments,
the data given to ``adapt`` (if any), the inputs, Keras's outputs, ``get_config()`` and the adapted
state (Normalization's weights, Discretization's ``bin_boundaries``, the lookups' ``get_vocabulary()``);
the Hashing bins of strings of every length branch of FarmHash (0..200 bytes), of integers and
floats, with and without a salt (SipHash); the zip members of a saved model with an adapted
StringLookup; and two 3-epoch ``fit(shuffle=False)`` runs from fixed weights (Normalization + Dense,
and the structured-data pattern StringLookup -> CategoryEncoding -> Dense).
All inputs are fixed or drawn from ``numpy.random.default_rng(20261204 + k)``.
"""
from __future__ import annotations

import json
import os
import pathlib
import tempfile
import zipfile

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = pathlib.Path(__file__).with_name("keras_preprocessing.json")
F32 = np.float32


def rng(k):
    return np.random.default_rng(20261204 + k)


def to_json(x):
    if x is None:
        return None
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "SO":
            return [to_json(v) for v in x.tolist()]
        return x.tolist()
    if isinstance(x, bytes):
        return x.decode("utf-8")
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    if isinstance(x, dict):
        return {k: to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_json(v) for v in x]
    return x


def out(layer, x):
    y = layer(x)
    y = np.asarray(y)
    return {"value": to_json(y), "dtype": str(y.dtype), "shape": list(y.shape)}


# ----------------------------------------------------------------- Normalization
def normalization_cases():
    cases = []
    r = rng(1)
    data = (r.normal(size=(50, 3)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 0.5]).astype(F32)
    x = (r.normal(size=(6, 3)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 0.5]).astype(F32)
    const = np.ones((10, 2), dtype=F32) * 4.0   # zero variance: epsilon guard
    data3 = r.normal(size=(8, 4, 3)).astype(F32)
    batches = [r.normal(size=(n, 3)).astype(F32) * 2 + 1 for n in (7, 5, 11)]
    specs = [
        ("axis_last", {}, data, x),
        ("axis_last_invert", {"invert": True}, data, x),
        ("axis_none_1d", {"axis": None}, np.array([1., 2., 3., 4., 5.], dtype=F32),
         np.array([1., 2., 3.], dtype=F32)),
        ("constant_column", {}, const, np.array([[4.0, 5.0]], dtype=F32)),
        ("rank3_axis_last", {}, data3, data3[:2]),
        ("rank3_axis_1", {"axis": 1}, data3, data3[:2]),
        ("rank3_axis_1_2", {"axis": (1, 2)}, data3, data3[:2]),
        ("float64_data", {}, data.astype(np.float64), x),
        ("batches", {}, batches, x),
        ("given_scalar", {"mean": 3.0, "variance": 2.0}, None, np.array([[1.], [2.], [3.]], dtype=F32)),
        ("given_vector", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.25, 1.0]}, None, x),
        ("given_vector_invert", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 0.25, 1.0], "invert": True},
         None, x),
    ]
    for name, kwargs, adapt, xin in specs:
        layer = layers.Normalization(**kwargs)
        case = {"name": name, "kwargs": to_json(kwargs), "x": to_json(xin), "x_dtype": str(np.asarray(xin).dtype)}
        if adapt is not None:
            if isinstance(adapt, list):
                case["adapt_batches"] = [to_json(b) for b in adapt]
            else:
                case["adapt"] = to_json(adapt)
                case["adapt_dtype"] = str(adapt.dtype)
            layer.adapt(adapt)
        else:
            layer.build(np.asarray(xin).shape)
        case["output"] = out(layer, xin)
        case["weights"] = [to_json(w) for w in layer.get_weights()]
        case["weight_names"] = [w.name for w in layer.weights]
        case["weight_dtypes"] = [str(w.dtype) for w in layer.weights]
        case["config"] = to_json(layer.get_config())
        cases.append(case)
    return cases


# ----------------------------------------------------------------- Discretization
def discretization_cases():
    cases = []
    r = rng(2)
    x_edges = np.array([[-1.5, 0.0, 0.5], [1.0, 2.0, 3.5]], dtype=F32)
    for mode in ("int", "one_hot", "multi_hot", "count"):
        layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
        xin = x_edges if mode != "one_hot" else np.array([-1.5, 0.0, 0.5, 1.0, 2.0, 3.5], dtype=F32)
        cases.append({"name": f"boundaries_{mode}", "kwargs": {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode},
                      "x": to_json(xin), "output": out(layer, xin), "config": to_json(layer.get_config())})
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="one_hot")
    xcol = np.array([[-1.0], [0.5], [3.0]], dtype=F32)
    cases.append({"name": "boundaries_one_hot_column", "kwargs": {"bin_boundaries": [0.0, 1.0, 2.0],
                  "output_mode": "one_hot"}, "x": to_json(xcol), "output": out(layer, xcol),
                  "config": to_json(layer.get_config())})
    normal = r.normal(size=(1000,)).astype(F32)
    small = np.array([[3.0, 1.0], [2.0, 2.0], [5.0, 4.0], [0.5, 7.0], [9.0, 1.5]], dtype=F32)
    uniform = r.uniform(0, 10, size=(300, 2)).astype(F32)
    batches = [r.normal(size=(n,)).astype(F32) for n in (40, 25, 60)]
    specs = [
        ("adapt_normal_4", {"num_bins": 4}, normal),
        ("adapt_normal_10_eps_0.05", {"num_bins": 10, "epsilon": 0.05}, normal),
        ("adapt_small_3", {"num_bins": 3}, small),
        ("adapt_small_4_eps_0.3", {"num_bins": 4, "epsilon": 0.3}, small),
        ("adapt_uniform_5", {"num_bins": 5}, uniform),
        ("adapt_uniform_5_onehot", {"num_bins": 5, "output_mode": "one_hot"}, uniform[:, :1]),
        ("adapt_batches_4", {"num_bins": 4}, batches),
        ("adapt_batches_6_eps_0.1", {"num_bins": 6, "epsilon": 0.1}, batches),
    ]
    xq = np.array([[-2.0, -0.5], [0.0, 0.3], [1.2, 5.0], [8.0, 9.5]], dtype=F32)
    for name, kwargs, data in specs:
        layer = layers.Discretization(**kwargs)
        layer.adapt(data)
        xin = xq if kwargs.get("output_mode", "int") != "one_hot" else xq[:, :1]
        case = {"name": name, "kwargs": kwargs, "x": to_json(xin), "output": out(layer, xin),
                "bin_boundaries": to_json(layer.bin_boundaries), "config": to_json(layer.get_config())}
        if isinstance(data, list):
            case["adapt_batches"] = [to_json(b) for b in data]
        else:
            case["adapt"] = to_json(data)
        cases.append(case)
    return cases


# ----------------------------------------------------------------- CategoryEncoding
def category_encoding_cases():
    cases = []
    specs = [
        ("one_hot_1d", {"num_tokens": 4, "output_mode": "one_hot"}, np.array([3, 2, 0, 1])),
        ("one_hot_column", {"num_tokens": 4, "output_mode": "one_hot"}, np.array([[3], [2], [0], [1]])),
        ("one_hot_2d", {"num_tokens": 5, "output_mode": "one_hot"}, np.array([[3, 2], [0, 4]])),
        ("multi_hot_2d", {"num_tokens": 4, "output_mode": "multi_hot"},
         np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
        ("multi_hot_1d", {"num_tokens": 4, "output_mode": "multi_hot"}, np.array([0, 1, 1])),
        ("multi_hot_default", {"num_tokens": 3}, np.array([[0, 2], [1, 1]])),
        ("count_2d", {"num_tokens": 4, "output_mode": "count"}, np.array([[0, 1, 1], [3, 3, 3], [2, 0, 1]])),
        ("count_1d", {"num_tokens": 4, "output_mode": "count"}, np.array([0, 1, 1, 3])),
        ("one_hot_float_input", {"num_tokens": 3, "output_mode": "one_hot"},
         np.array([[2.0], [0.0], [1.0]], dtype=F32)),
    ]
    for name, kwargs, xin in specs:
        layer = layers.CategoryEncoding(**kwargs)
        cases.append({"name": name, "kwargs": kwargs, "x": to_json(xin), "x_dtype": str(xin.dtype),
                      "output": out(layer, xin), "config": to_json(layer.get_config())})
    layer = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    xin = np.array([[0, 1, 1], [3, 3, 2]])
    cw = np.array([[0.5, 2.0, 1.0], [1.0, 0.25, 3.0]], dtype=F32)
    y = np.asarray(layer(xin, count_weights=cw))
    cases.append({"name": "count_weights", "kwargs": {"num_tokens": 4, "output_mode": "count"},
                  "x": to_json(xin), "count_weights": to_json(cw), "output": {"value": to_json(y),
                  "dtype": str(y.dtype), "shape": list(y.shape)}, "config": to_json(layer.get_config())})
    return cases


# ----------------------------------------------------------------- StringLookup / IntegerLookup
def lookup_cases():
    cases = []
    vocab = ["a", "b", "c", "d"]
    x2 = np.array([["a", "c", "d"], ["d", "z", "b"]])
    x1 = np.array(["a", "b", "c", "d", "z"])
    adapt_words = np.array([["the", "cat", "sat"], ["on", "the", "mat"], ["the", "dog", "ate"],
                            ["a", "cat", "été"], ["mat", "on", "zèbre"]])
    specs = [
        ("str_vocab_int", {"vocabulary": vocab}, None, x2),
        ("str_vocab_one_hot", {"vocabulary": vocab, "output_mode": "one_hot"}, None, x1),
        ("str_vocab_multi_hot", {"vocabulary": vocab, "output_mode": "multi_hot"}, None, x2),
        ("str_vocab_count", {"vocabulary": vocab, "output_mode": "count"}, None,
         np.array([["a", "a", "z"], ["d", "z", "z"]])),
        ("str_vocab_tf_idf", {"vocabulary": vocab, "output_mode": "tf_idf",
                              "idf_weights": [0.25, 0.75, 0.6, 0.4]}, None, np.array([["a", "a", "z"], ["d", "c", "z"]])),
        ("str_mask", {"vocabulary": vocab, "mask_token": ""}, None, np.array([["a", "", "z"], ["", "d", "b"]])),
        ("str_mask_multi_hot", {"vocabulary": vocab, "mask_token": "", "output_mode": "multi_hot"}, None,
         np.array([["a", "", "z"], ["", "d", "b"]])),
        ("str_two_oov", {"vocabulary": vocab, "num_oov_indices": 2}, None,
         np.array([["a", "z", "y"], ["x", "w", "hello world"]])),
        ("str_zero_oov", {"vocabulary": vocab, "num_oov_indices": 0}, None, np.array([["a", "d"], ["c", "b"]])),
        ("str_invert", {"vocabulary": vocab, "invert": True}, None, np.array([[1, 3, 4], [4, 0, 2]])),
        ("str_invert_mask", {"vocabulary": vocab, "invert": True, "mask_token": "[MASK]"}, None,
         np.array([[0, 2, 5], [4, 1, 3]])),
        ("str_vocab_with_specials", {"vocabulary": ["[UNK]", "a", "b"]}, None, np.array(["a", "b", "q"])),
        ("str_adapt", {}, adapt_words, np.array([["the", "cat", "zzz"], ["été", "on", "a"]])),
        ("str_adapt_max_tokens", {"max_tokens": 5}, adapt_words, np.array([["the", "cat", "on"], ["mat", "dog", "a"]])),
        ("str_adapt_mask", {"mask_token": "", "oov_token": "?"}, adapt_words, np.array([["the", "", "dog"]])),
        ("str_adapt_one_hot", {"output_mode": "one_hot"}, adapt_words[:, 0], np.array(["the", "on", "a", "q"])),
        ("str_adapt_tf_idf", {"output_mode": "tf_idf"}, adapt_words, np.array([["the", "cat", "cat"], ["q", "on", "a"]])),
        ("str_adapt_1d", {}, np.array(["b", "a", "b", "c", "a", "b"]), np.array(["a", "b", "c", "d"])),
        ("str_adapt_list", {}, ["b", "a", "b", "c", "a", "b"], np.array(["a", "b", "c", "d"])),
        ("str_three_oov_salt", {"vocabulary": vocab, "num_oov_indices": 3, "salt": 42}, None,
         np.array([["a", "z", "y"], ["x", "w", "hello world, a longer string of text"]])),
        ("str_two_oov_mask", {"vocabulary": vocab, "num_oov_indices": 2, "mask_token": "[M]"}, None,
         np.array([["a", "[M]", "y"], ["x", "w", "d"]])),
        ("str_pad_to_max", {"max_tokens": 7, "pad_to_max_tokens": True, "output_mode": "count"}, adapt_words,
         np.array([["the", "cat", "cat"], ["q", "on", "a"]])),
    ]
    for name, kwargs, adapt, xin in specs:
        layer = layers.StringLookup(**kwargs)
        case = {"layer": "StringLookup", "name": name, "kwargs": to_json(kwargs), "x": to_json(xin)}
        if adapt is not None:
            case["adapt"] = to_json(adapt if isinstance(adapt, list) else np.asarray(adapt))
            layer.adapt(adapt)
        case["output"] = out(layer, xin)
        case["vocabulary"] = to_json(layer.get_vocabulary())
        case["vocabulary_size"] = int(layer.vocabulary_size())
        case["config"] = to_json(layer.get_config())
        cases.append(case)

    ivocab = [12, 36, 1138, 42]
    ix = np.array([[12, 1138, 42], [42, 1000, 36]])
    iadapt = np.array([[12, 1138, 42], [42, 1000, 36], [7, 7, 42], [-3, 0, 12], [99, 5, 1000]])
    ispecs = [
        ("int_vocab_int", {"vocabulary": ivocab}, None, ix),
        ("int_vocab_one_hot", {"vocabulary": ivocab, "output_mode": "one_hot"}, None, np.array([12, 36, 1138, 42, 7])),
        ("int_vocab_multi_hot", {"vocabulary": ivocab, "output_mode": "multi_hot"}, None, ix),
        ("int_vocab_count", {"vocabulary": ivocab, "output_mode": "count"}, None, np.array([[12, 12, 7], [42, 1, 2]])),
        ("int_mask", {"vocabulary": ivocab, "mask_token": 0}, None, np.array([[12, 0, 1000], [0, 42, 36]])),
        ("int_two_oov", {"vocabulary": ivocab, "num_oov_indices": 2}, None, np.array([[12, 1000, 1001], [-5, 3, 36]])),
        ("int_invert", {"vocabulary": ivocab, "invert": True}, None, np.array([[1, 3, 4], [4, 0, 2]])),
        ("int_adapt", {}, iadapt, ix),
        ("int_adapt_max_tokens", {"max_tokens": 4}, iadapt, ix),
        ("int_adapt_mask", {"mask_token": 0}, iadapt, np.array([[0, 42, 12], [7, 1000, 5]])),
        ("int_adapt_tf_idf", {"output_mode": "tf_idf"}, iadapt, ix),
        ("int_float_input", {"vocabulary": ivocab}, None, np.array([[12.0, 36.0], [5.0, 42.0]], dtype=F32)),
        ("int_three_oov_farmhash", {"vocabulary": ivocab, "num_oov_indices": 3, "oov_method": "farmhash"}, None,
         np.array([[12, 1000, 1001], [-5, 3, 36]])),
        ("int_three_oov_farmhash_salt", {"vocabulary": ivocab, "num_oov_indices": 3, "oov_method": "farmhash",
                                         "salt": [3, 4]}, None, np.array([[12, 1000, 1001], [-5, 3, 36]])),
        ("int_invert_mask", {"vocabulary": ivocab, "invert": True, "mask_token": 0}, None,
         np.array([[0, 2, 5], [4, 1, 3]])),
    ]
    for name, kwargs, adapt, xin in ispecs:
        layer = layers.IntegerLookup(**kwargs)
        case = {"layer": "IntegerLookup", "name": name, "kwargs": to_json(kwargs), "x": to_json(xin),
                "x_dtype": str(xin.dtype)}
        if adapt is not None:
            case["adapt"] = to_json(adapt)
            layer.adapt(adapt)
        try:
            case["output"] = out(layer, xin)
        except Exception as exc:  # noqa: BLE001 - record what Keras does
            case["error"] = f"{type(exc).__name__}: {exc}"[:300]
        case["vocabulary"] = to_json(layer.get_vocabulary())
        case["vocabulary_size"] = int(layer.vocabulary_size())
        case["config"] = to_json(layer.get_config())
        cases.append(case)
    return cases


# ----------------------------------------------------------------- Hashing
def hashing_cases():
    r = rng(5)
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_é")
    strings = ["", "A", "B", "C", "D", "E", "ab", "abc", "abcd", "hello", "hello world", "é", "zèbre", "日本語"]
    for n in list(range(0, 70)) + [80, 96, 100, 127, 128, 129, 150, 200, 257, 300]:
        strings.append("".join(r.choice(alphabet, size=n)))
    cases = []
    xs = np.array(strings)
    for kwargs in ({"num_bins": 3}, {"num_bins": 1000003}, {"num_bins": 2 ** 31 - 1}, {"num_bins": 7, "salt": 133},
                   {"num_bins": 1000003, "salt": [1, 2]}, {"num_bins": 1000003, "salt": [2 ** 40 + 7, 123456789]},
                   {"num_bins": 5, "mask_value": ""}):
        layer = layers.Hashing(**kwargs)
        cases.append({"name": f"strings_{json.dumps(kwargs)}", "kwargs": kwargs, "x": to_json(xs),
                      "output": out(layer, xs), "config": to_json(layer.get_config())})
    ints = np.array([[0, 1, 2, -1], [12345678901, -987654321, 42, 7]], dtype=np.int64)
    floats = np.array([[0.0, 1.7, -2.5, 3.9], [1e6, -0.4, 42.0, 7.2]], dtype=F32)
    for kwargs in ({"num_bins": 3}, {"num_bins": 1000003}, {"num_bins": 4, "mask_value": 0},
                   {"num_bins": 11, "salt": 7}):
        for nm, xin in (("ints", ints), ("floats", floats)):
            layer = layers.Hashing(**kwargs)
            cases.append({"name": f"{nm}_{json.dumps(kwargs)}", "kwargs": kwargs, "x": to_json(xin),
                          "x_dtype": str(xin.dtype), "output": out(layer, xin),
                          "config": to_json(layer.get_config())})
    small = np.array([["A", "B"], ["C", "A"], ["E", "D"]])
    for mode in ("one_hot", "multi_hot", "count"):
        layer = layers.Hashing(num_bins=4, output_mode=mode)
        xin = small[:, :1] if mode == "one_hot" else small
        cases.append({"name": f"mode_{mode}", "kwargs": {"num_bins": 4, "output_mode": mode}, "x": to_json(xin),
                      "output": out(layer, xin), "config": to_json(layer.get_config())})
    return cases


# ----------------------------------------------------------------- saving layout
def saving_layout():
    words = np.array([["the", "cat"], ["the", "dog"], ["a", "cat"]])
    lookup = layers.StringLookup(name="lookup")
    lookup.adapt(words)
    inp = keras.Input(shape=(2,), dtype="string")
    model = keras.Model(inp, lookup(inp))
    norm = layers.Normalization(name="norm")
    norm.adapt(np.array([[1.0, 2.0], [3.0, 6.0]], dtype=F32))
    seq = keras.Sequential([keras.Input((2,)), norm, layers.Dense(1, name="dense")])
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "m.keras")
        model.save(p)
        with zipfile.ZipFile(p) as zf:
            result["lookup_members"] = sorted(zf.namelist())
            result["lookup_assets"] = {n: zf.read(n).decode("utf-8") for n in zf.namelist()
                                       if n.startswith("assets/")}
            result["lookup_config"] = json.loads(zf.read("config.json"))
        p2 = os.path.join(tmp, "n.keras")
        seq.save(p2)
        import h5py
        with zipfile.ZipFile(p2) as zf:
            result["norm_members"] = sorted(zf.namelist())
            with tempfile.NamedTemporaryFile(suffix=".h5", dir=tmp, delete=False) as fh:
                fh.write(zf.read("model.weights.h5"))
            with h5py.File(fh.name, "r") as f:
                listing = []
                f.visititems(lambda n, o: listing.append([n, list(o.shape), str(o.dtype)])
                             if isinstance(o, h5py.Dataset) else None)
                result["norm_weights_h5"] = listing
    return result


# ----------------------------------------------------------------- training
def training_cases():
    cases = {}
    r = rng(7)
    x = (r.normal(size=(40, 3)) * [1.0, 10.0, 0.1] + [5.0, -3.0, 0.5]).astype(F32)
    y = (x @ np.array([[0.5], [-0.1], [3.0]], dtype=F32) + 0.3).astype(F32)
    kernel = r.normal(size=(3, 2)).astype(F32) * 0.5
    bias = np.array([0.1, -0.2], dtype=F32)
    kernel2 = r.normal(size=(2, 1)).astype(F32) * 0.5
    bias2 = np.array([0.05], dtype=F32)
    keras.utils.set_random_seed(1)
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((3,)), norm, layers.Dense(2, activation="tanh"), layers.Dense(1)])
    model.layers[1].set_weights([kernel, bias])
    model.layers[2].set_weights([kernel2, bias2])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    hist = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    cases["normalization_dense"] = {
        "x": to_json(x), "y": to_json(y), "initial": [to_json(kernel), to_json(bias), to_json(kernel2), to_json(bias2)],
        "optimizer": {"class": "SGD", "learning_rate": 0.05}, "loss": "mse", "batch_size": 8, "epochs": 3,
        "final": [to_json(w) for w in model.get_weights()], "history": to_json(hist.history),
    }

    colors = np.array(["red", "green", "blue", "green", "red", "red", "yellow", "blue", "green", "red",
                       "blue", "green", "purple", "red", "green", "blue"])
    target = np.array([1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0], dtype=F32).reshape(-1, 1)
    lookup = layers.StringLookup()
    lookup.adapt(colors)
    idx = np.asarray(lookup(colors)).reshape(-1, 1)
    depth = int(lookup.vocabulary_size())
    w0 = r.normal(size=(depth, 1)).astype(F32) * 0.3
    b0 = np.array([0.0], dtype=F32)
    inp = keras.Input(shape=(1,), dtype="int64")
    enc = layers.CategoryEncoding(num_tokens=depth, output_mode="one_hot")(inp)
    dense = layers.Dense(1, activation="sigmoid")
    model = keras.Model(inp, dense(enc))
    dense.set_weights([w0, b0])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy")
    hist = model.fit(idx, target, batch_size=4, epochs=3, shuffle=False, verbose=0)
    cases["lookup_encoding_dense"] = {
        "column": to_json(colors), "y": to_json(target), "vocabulary": lookup.get_vocabulary(),
        "indices": to_json(idx), "initial": [to_json(w0), to_json(b0)],
        "optimizer": {"class": "Adam", "learning_rate": 0.1}, "loss": "binary_crossentropy", "batch_size": 4,
        "epochs": 3, "final": [to_json(w) for w in dense.get_weights()], "history": to_json(hist.history),
    }

    # One more small model per layer family: <preprocessing layer> -> Dense(1), SGD, 3 epochs.
    xs = (r.normal(size=(24, 2)) * 2.0).astype(F32)
    ids = r.integers(0, 9, size=(24, 2)).astype(np.int64) * 3
    yb = r.integers(0, 2, size=(24, 1)).astype(F32)
    specs = [
        ("discretization_multi_hot", lambda: layers.Discretization(num_bins=4, output_mode="multi_hot"), xs, "float32", 4),
        ("integer_lookup_count", lambda: layers.IntegerLookup(output_mode="count"), ids, "int64", None),
        ("hashing_multi_hot", lambda: layers.Hashing(num_bins=6, output_mode="multi_hot"), ids, "int64", 6),
        ("category_encoding_count", lambda: layers.CategoryEncoding(num_tokens=27, output_mode="count"), ids, "int64", 27),
    ]
    for name, make, xin, dtype, width in specs:
        layer = make()
        if hasattr(layer, "adapt") and not isinstance(layer, (layers.Hashing, layers.CategoryEncoding)):
            layer.adapt(xin)
        if width is None:
            width = int(layer.vocabulary_size())
        w0 = r.normal(size=(width, 1)).astype(F32) * 0.3
        b0 = np.array([0.1], dtype=F32)
        dense = layers.Dense(1, activation="sigmoid")
        model = keras.Sequential([keras.Input((2,), dtype=dtype), layer, dense])
        dense.set_weights([w0, b0])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
        hist = model.fit(xin, yb, batch_size=6, epochs=3, shuffle=False, verbose=0)
        cases[name] = {"x": to_json(xin), "y": to_json(yb), "initial": [to_json(w0), to_json(b0)],
                       "optimizer": {"class": "SGD", "learning_rate": 0.5}, "loss": "binary_crossentropy",
                       "batch_size": 6, "epochs": 3, "final": [to_json(w) for w in dense.get_weights()],
                       "history": to_json(hist.history)}
    return cases


# ----------------------------------------------------------------- files written by Keras
def keras_files():
    """Two small models saved by Keras (``.keras``) with adapted preprocessing layers, and their predictions."""
    folder = OUT.with_name("keras_files")
    folder.mkdir(exist_ok=True)
    r = rng(9)
    out_ = {}
    x = (r.normal(size=(20, 3)) * [2.0, 0.5, 10.0] + [1.0, -1.0, 4.0]).astype(F32)
    keras.utils.set_random_seed(3)
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((3,)), norm, layers.Dense(2, activation="relu"), layers.Dense(1)])
    model.save(folder / "prep_normalization.keras")
    out_["prep_normalization.keras"] = {"x": to_json(x[:5]), "predict": to_json(model.predict(x[:5], verbose=0)),
                                        "mean": to_json(norm.get_weights()[0]),
                                        "variance": to_json(norm.get_weights()[1])}
    model.save(folder / "prep_normalization.h5")
    out_["prep_normalization.h5"] = out_["prep_normalization.keras"]
    ids = r.integers(0, 8, size=(30, 3)).astype(np.int64) * 11
    lookup = layers.IntegerLookup(output_mode="multi_hot")
    lookup.adapt(ids)
    model = keras.Sequential([keras.Input((3,), dtype="int64"), lookup, layers.Dense(1, activation="sigmoid")])
    model.save(folder / "prep_integer_lookup.keras")
    xq = np.array([[0, 11, 22], [77, 77, 5], [33, 44, 55]], dtype=np.int64)
    out_["prep_integer_lookup.keras"] = {"x": to_json(xq), "predict": to_json(model.predict(xq, verbose=0)),
                                         "vocabulary": to_json(lookup.get_vocabulary())}
    lookup = layers.IntegerLookup(output_mode="tf_idf")
    lookup.adapt(ids)
    model = keras.Sequential([keras.Input((3,), dtype="int64"), lookup, layers.Dense(1)])
    model.save(folder / "prep_integer_lookup_tf_idf.keras")
    out_["prep_integer_lookup_tf_idf.keras"] = {"x": to_json(xq), "predict": to_json(model.predict(xq, verbose=0)),
                                                "vocabulary": to_json(lookup.get_vocabulary()),
                                                "idf_weights": to_json(lookup.idf_weights)}
    return out_


def main():
    result = {
        "keras_version": keras.__version__,
        "normalization": normalization_cases(),
        "discretization": discretization_cases(),
        "category_encoding": category_encoding_cases(),
        "lookup": lookup_cases(),
        "hashing": hashing_cases(),
        "saving": saving_layout(),
        "training": training_cases(),
        "keras_files": keras_files(),
    }
    OUT.write_text(json.dumps(result, indent=None, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

"""Preprocessing layers with adapt() against Keras 3 golden outputs (tests/reference/keras_preprocessing.json,
written by tests/reference/make_preprocessing_golden.py), plus properties, errors, models and saving."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

from glassnet import layers
from glassnet.layers.preprocessing import _hash

GOLDEN = json.loads((pathlib.Path(__file__).parent / "reference" / "keras_preprocessing.json").read_text("utf-8"))

# Float statistics are computed by NumPy as Keras does, but summation order may differ across
# NumPy builds / BLAS kernels: compare floats with a relative tolerance, integers exactly.
RTOL = 1e-5


def _ids(cases):
    return [c["name"] for c in cases]


def _kwargs(kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("axis"), list):
        kwargs["axis"] = tuple(kwargs["axis"])
    return kwargs


def _check_output(got, expected):
    got = np.asarray(got)
    assert list(got.shape) == expected["shape"]
    exp = np.asarray(expected["value"])
    if expected["dtype"] == "object":
        assert got.tolist() == expected["value"]
        return
    assert str(got.dtype) == expected["dtype"]
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, exp.astype(got.dtype), rtol=RTOL, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, exp)


def _config_subset(config, expected, skip=("name",)):
    for key, value in expected.items():
        if key in skip:
            continue
        assert key in config, key
        got = config[key]
        if isinstance(value, float) or (isinstance(value, list) and value and isinstance(value[0], float)):
            np.testing.assert_allclose(got, value, rtol=RTOL)
        else:
            assert got == value, (key, got, value)
    assert set(config) == set(expected), set(config) ^ set(expected)


# --------------------------------------------------------------------------- Normalization
@pytest.mark.parametrize("case", GOLDEN["normalization"], ids=_ids(GOLDEN["normalization"]))
def test_normalization_matches_keras(case):
    layer = layers.Normalization(**_kwargs(case["kwargs"]))
    x = np.asarray(case["x"], dtype=case["x_dtype"])
    if "adapt" in case:
        layer.adapt(np.asarray(case["adapt"], dtype=case["adapt_dtype"]))
    elif "adapt_batches" in case:
        layer.adapt([np.asarray(b, dtype=np.float32) for b in case["adapt_batches"]])
    _check_output(layer(x), case["output"])
    assert [w.name for w in layer.weights] == case["weight_names"]
    for got, exp in zip(layer.get_weights(), case["weights"]):
        np.testing.assert_allclose(got, np.asarray(exp), rtol=RTOL, atol=1e-7)
    _config_subset(layer.get_config(), case["config"])


def test_normalization_backward_is_the_scaling():
    """dC/dx = dC/dy / max(sqrt(var), eps), checked by central differences in float64."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(30, 3)) * [1.0, 5.0, 0.2]
    for invert in (False, True):
        layer = layers.Normalization(invert=invert, dtype="float64")
        layer.adapt(data)
        x = rng.normal(size=(4, 3))
        g = rng.normal(size=(4, 3))
        layer.forward(x, training=True)
        analytic = layer.backward(g)
        numeric = np.zeros_like(x)
        h = 1e-6
        for idx in np.ndindex(*x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += h
            xm[idx] -= h
            numeric[idx] = ((layer.forward(xp) * g).sum() - (layer.forward(xm) * g).sum()) / (2 * h)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_normalization_errors():
    with pytest.raises(ValueError, match="Normalization.*empty"):
        layers.Normalization().adapt(np.zeros((0, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="Normalization.*NaN"):
        layers.Normalization().adapt(np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(ValueError, match="Normalization.*empty iterable"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="mean and variance must be given together"):
        layers.Normalization(mean=1.0)
    with pytest.raises(TypeError, match="Normalization.*numbers"):
        layers.Normalization().adapt(np.array([["a", "b"]]))


def test_normalization_accepts_lists_and_pandas():
    pd = pytest.importorskip("pandas")
    data = [[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]]
    a = layers.Normalization()
    a.adapt(data)
    b = layers.Normalization()
    b.adapt(pd.DataFrame(data, columns=["u", "v"]))
    np.testing.assert_allclose(a.get_weights()[0], [3.0, 6.0])
    np.testing.assert_allclose(a.get_weights()[1], [8 / 3, 32 / 3], rtol=1e-6)
    np.testing.assert_allclose(b.get_weights()[1], a.get_weights()[1])
    np.testing.assert_allclose(b(pd.DataFrame(data)), a(np.asarray(data)))


# --------------------------------------------------------------------------- Discretization
@pytest.mark.parametrize("case", GOLDEN["discretization"], ids=_ids(GOLDEN["discretization"]))
def test_discretization_matches_keras(case):
    layer = layers.Discretization(**case["kwargs"])
    if "adapt" in case:
        layer.adapt(np.asarray(case["adapt"], dtype=np.float32))
    elif "adapt_batches" in case:
        layer.adapt([np.asarray(b, dtype=np.float32) for b in case["adapt_batches"]])
    if "bin_boundaries" in case:
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=RTOL)
    _check_output(layer(np.asarray(case["x"], dtype=np.float32)), case["output"])
    _config_subset(layer.get_config(), case["config"])
    clone = layers.Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries


def test_discretization_errors():
    with pytest.raises(ValueError, match="Discretization.*adapt"):
        layers.Discretization(num_bins=3)(np.array([[1.0]]))
    with pytest.raises(ValueError, match="Discretization.*empty"):
        layers.Discretization(num_bins=3).adapt(np.zeros((0,), dtype=np.float32))
    with pytest.raises(ValueError, match="Discretization.*NaN"):
        layers.Discretization(num_bins=3).adapt(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="either num_bins or bin_boundaries"):
        layers.Discretization(num_bins=3, bin_boundaries=[0.0])
    with pytest.raises(ValueError, match="sorted"):
        layers.Discretization(bin_boundaries=[1.0, 0.0])


# --------------------------------------------------------------------------- CategoryEncoding
@pytest.mark.parametrize("case", GOLDEN["category_encoding"], ids=_ids(GOLDEN["category_encoding"]))
def test_category_encoding_matches_keras(case):
    layer = layers.CategoryEncoding(**case["kwargs"])
    x = np.asarray(case["x"], dtype=case.get("x_dtype", "int64"))
    if "count_weights" in case:
        got = layer(x, count_weights=np.asarray(case["count_weights"], dtype=np.float32))
    else:
        got = layer(x)
    _check_output(got, case["output"])
    _config_subset(layer.get_config(), case["config"])


def test_category_encoding_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"CategoryEncoding.*\[0, 3\).*got 3"):
        layers.CategoryEncoding(num_tokens=3, output_mode="one_hot")(np.array([[0], [3]]))
    with pytest.raises(ValueError, match="CategoryEncoding.*whole numbers"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[0.5]]))


# --------------------------------------------------------------------------- lookups
LOOKUPS = GOLDEN["lookup"]


@pytest.mark.parametrize("case", LOOKUPS, ids=_ids(LOOKUPS))
def test_lookup_matches_keras(case):
    cls = getattr(layers, case["layer"])
    layer = cls(**case["kwargs"])
    if "adapt" in case:
        data = case["adapt"]
        layer.adapt(data if case["name"].endswith("_list") else np.asarray(data))
    x = np.asarray(case["x"], dtype=case.get("x_dtype"))
    _check_output(layer(x), case["output"])
    assert layer.get_vocabulary() == case["vocabulary"]
    assert layer.vocabulary_size() == case["vocabulary_size"]
    _config_subset(layer.get_config(), case["config"])


def test_lookup_errors():
    with pytest.raises(ValueError, match=r"StringLookup.*repeated tokens \['a'\]"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="IntegerLookup.*repeated"):
        layers.IntegerLookup(vocabulary=[3, 3])
    with pytest.raises(ValueError, match="StringLookup.*no vocabulary yet.*adapt"):
        layers.StringLookup()(np.array(["a"]))
    with pytest.raises(ValueError, match="StringLookup.*adapt.*empty"):
        layers.StringLookup().adapt(np.array([], dtype=str))
    with pytest.raises(ValueError, match="num_oov_indices=0.*'z'"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["a", "z"]))
    with pytest.raises(TypeError, match="StringLookup.*strings"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(ValueError, match="IntegerLookup.*NaN"):
        layers.IntegerLookup().adapt(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="Normalization.*axis=None"):
        layers.Normalization().adapt(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="cannot also be adapted"):
        layers.StringLookup(vocabulary=["a"]).adapt(np.array(["a"]))


def test_lookup_accepts_lists_and_pandas():
    pd = pytest.importorskip("pandas")
    col = pd.Series(["x", "y", "x", "z", "x", "y"], name="color")
    a = layers.StringLookup()
    a.adapt(col)
    assert a.get_vocabulary() == ["[UNK]", "x", "y", "z"]
    np.testing.assert_array_equal(a(col), [1, 2, 1, 3, 1, 2])
    np.testing.assert_array_equal(a(["z", "q"]), [3, 0])
    b = layers.IntegerLookup()
    b.adapt(pd.Series([5, 5, 7]))
    assert b.get_vocabulary() == [-1, 5, 7]


# --------------------------------------------------------------------------- Hashing
HASHING = GOLDEN["hashing"]


@pytest.mark.parametrize("case", HASHING, ids=_ids(HASHING))
def test_hashing_matches_keras(case):
    kwargs = dict(case["kwargs"])
    layer = layers.Hashing(**kwargs)
    x = np.asarray(case["x"], dtype=case.get("x_dtype"))
    _check_output(layer(x), case["output"])
    _config_subset(layer.get_config(), case["config"])


def test_hash_functions_reference_values():
    """Published test vectors: SipHash-2-4 (Aumasson & Bernstein, key 00..0f, messages 00..n-1)."""
    key0 = int.from_bytes(bytes(range(8)), "little")
    key1 = int.from_bytes(bytes(range(8, 16)), "little")
    assert _hash.siphash64(b"", key0, key1) == 0x726FDB47DD0E0E31
    assert _hash.siphash64(bytes(range(15)), key0, key1) == 0xA129CA6149BE45E5
    assert _hash.fingerprint64(b"") == _hash.K2   # FarmHash: the empty string hashes to k2


def test_vectorised_hashes_equal_the_scalar_ones():
    """Every FarmHash length branch (0..300 bytes) and SipHash, text and raw bytes, one string at a time
    (the plain-Python reference, itself checked against TensorFlow above) vs all at once."""
    rng = np.random.default_rng(11)
    raw = [bytes(rng.integers(1, 256, size=n).astype(np.uint8)) for n in list(range(0, 130)) * 2 + [200, 300]]
    mat, lengths = _hash.utf8_matrix(np.array(raw, dtype="S"))
    np.testing.assert_array_equal(lengths, [len(b) for b in raw])
    np.testing.assert_array_equal(_hash.hash_matrix(mat, lengths), [_hash.fingerprint64(b) for b in raw])
    np.testing.assert_array_equal(_hash.hash_matrix(mat, lengths, (5, 2 ** 64 - 1)),
                                  [_hash.siphash64(b, 5, 2 ** 64 - 1) for b in raw])
    text = np.array(["", "a", "ascii only", "héllo wörld", "日本語" * 9, "x" * 70])
    mat, lengths = _hash.utf8_matrix(text)
    np.testing.assert_array_equal(_hash.hash_matrix(mat, lengths),
                                  [_hash.fingerprint64(t.encode("utf-8")) for t in text.tolist()])


# --------------------------------------------------------------------------- inside models
def test_normalization_dense_training_matches_keras():
    from glassnet import Sequential, optimizers
    from glassnet.layers import Dense, Input

    case = GOLDEN["training"]["normalization_dense"]
    x = np.asarray(case["x"], dtype=np.float32)
    y = np.asarray(case["y"], dtype=np.float32)
    norm = layers.Normalization()
    norm.adapt(x)
    model = Sequential([Input((3,)), norm, Dense(2, activation="tanh"), Dense(1)])
    w = [np.asarray(a, dtype=np.float32) for a in case["initial"]]
    model.layers[1].set_weights(w[:2])
    model.layers[2].set_weights(w[2:])
    model.compile(optimizer=optimizers.SGD(learning_rate=case["optimizer"]["learning_rate"]), loss=case["loss"])
    hist = model.fit(x, y, batch_size=case["batch_size"], epochs=case["epochs"], shuffle=False, verbose=0)
    # rtol 1e-4: float32 training over 15 steps; summation order differs from TensorFlow's kernels.
    for got, exp in zip(model.get_weights(), case["final"]):
        np.testing.assert_allclose(got, np.asarray(exp, dtype=np.float32), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], case["history"]["loss"], rtol=1e-4)


def test_structured_data_pattern_matches_keras():
    """StringLookup on a column, CategoryEncoding one_hot, then Dense: the structured-data tutorial."""
    from glassnet import Sequential, optimizers
    from glassnet.layers import Dense, Input

    case = GOLDEN["training"]["lookup_encoding_dense"]
    lookup = layers.StringLookup()
    lookup.adapt(case["column"])
    assert lookup.get_vocabulary() == case["vocabulary"]
    idx = lookup(np.asarray(case["column"]).reshape(-1, 1))
    np.testing.assert_array_equal(idx, case["indices"])
    depth = lookup.vocabulary_size()
    model = Sequential([Input((1,)), layers.CategoryEncoding(num_tokens=depth, output_mode="one_hot"), Dense(1, activation="sigmoid")])
    model.layers[1].set_weights([np.asarray(a, dtype=np.float32) for a in case["initial"]])
    model.compile(optimizer=optimizers.Adam(learning_rate=case["optimizer"]["learning_rate"]), loss=case["loss"])
    y = np.asarray(case["y"], dtype=np.float32)
    hist = model.fit(idx, y, batch_size=case["batch_size"], epochs=case["epochs"], shuffle=False, verbose=0)
    # rtol 1e-4: float32 Adam over 12 steps (see above).
    for got, exp in zip(model.layers[1].get_weights(), case["final"]):
        np.testing.assert_allclose(got, np.asarray(exp, dtype=np.float32), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], case["history"]["loss"], rtol=1e-4)


def test_preprocessing_layer_has_no_gradient():
    with pytest.raises(ValueError, match="not differentiable"):
        layers.CategoryEncoding(num_tokens=3).backward(np.ones((1, 3)))


# --------------------------------------------------------------------------- saving and loading
def _seq(*items):
    from glassnet import Sequential

    return Sequential(list(items))


def test_normalization_model_round_trip(tmp_path):
    pytest.importorskip("h5py")
    from glassnet import models
    from glassnet.layers import Dense, Input

    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3)).astype(np.float32) * [1.0, 4.0, 0.1] + 2.0
    norm = layers.Normalization()
    norm.adapt(x)
    model = _seq(Input((3,)), norm, Dense(2))
    expected = model.predict(x, verbose=0)
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        loaded = models.load_model(tmp_path / name, compile=False)
        np.testing.assert_array_equal(loaded.layers[0].get_weights()[0], norm.get_weights()[0])
        np.testing.assert_array_equal(loaded.layers[0].get_weights()[1], norm.get_weights()[1])
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


def test_lookup_vocabulary_saved_as_keras_asset(tmp_path):
    """An adapted vocabulary goes to assets/layers/<key>/vocabulary.txt, byte for byte as Keras writes it."""
    pytest.importorskip("h5py")
    import zipfile

    from glassnet import models
    from glassnet.layers import Dense, Input

    golden = GOLDEN["saving"]
    lookup = layers.StringLookup(name="lookup")
    lookup.adapt(np.array([["the", "cat"], ["the", "dog"], ["a", "cat"]]))
    model = _seq(Input((2,)), lookup)
    model.save(tmp_path / "s.keras")
    with zipfile.ZipFile(tmp_path / "s.keras") as zf:
        assets = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("assets/")}
    assert assets == golden["lookup_assets"]
    loaded = models.load_model(tmp_path / "s.keras")
    assert loaded.layers[0].get_vocabulary() == lookup.get_vocabulary()
    np.testing.assert_array_equal(loaded.layers[0](np.array([["cat", "zzz"]])), [[2, 0]])

    ids = np.array([[3, 5, 3], [9, 3, 5], [1, 1, 1]], dtype=np.float32)
    ilookup = layers.IntegerLookup(output_mode="multi_hot")
    ilookup.adapt(ids)
    model = _seq(Input((3,)), ilookup, Dense(1))
    expected = model.predict(ids, verbose=0)
    model.save(tmp_path / "i.keras")
    loaded = models.load_model(tmp_path / "i.keras")
    assert loaded.layers[0].get_vocabulary() == ilookup.get_vocabulary() == [-1, 3, 1, 5, 9]
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), expected, rtol=1e-6)


def test_tf_idf_lookups_round_trip(tmp_path):
    """idf weights are saved as Keras saves them (layers/<key>/vars/idf_weights), the vocabulary as an asset."""
    pytest.importorskip("h5py")
    from glassnet import models
    from glassnet.layers import Input

    words = np.array([["a", "b", "b"], ["c", "a", "a"], ["d", "a", "b"]])
    for lookup in (layers.StringLookup(output_mode="tf_idf"),
                   layers.StringLookup(output_mode="tf_idf", max_tokens=8, pad_to_max_tokens=True),
                   layers.StringLookup(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 0.25])):
        if lookup.input_vocabulary is None:
            lookup.adapt(words)
        model = _seq(Input((3,)), lookup)
        model.save(tmp_path / "t.keras")
        loaded = models.load_model(tmp_path / "t.keras").layers[0]
        assert loaded.get_vocabulary() == lookup.get_vocabulary()
        np.testing.assert_array_equal(loaded.idf_weights, lookup.idf_weights)
        np.testing.assert_array_equal(loaded(words), lookup(words))


def test_constructor_vocabulary_and_boundaries_live_in_config(tmp_path):
    pytest.importorskip("h5py")
    from glassnet import models
    from glassnet.layers import Input

    disc = layers.Discretization(num_bins=3)
    disc.adapt(np.arange(30, dtype=np.float32))
    for layer, x in ((disc, np.array([[1.0, 15.0, 29.0]], dtype=np.float32)),
                     (layers.IntegerLookup(vocabulary=[4, 8], output_mode="one_hot"), np.array([[8.0]], dtype=np.float32)),
                     (layers.Hashing(num_bins=5, salt=7), np.array([[1.0, 2.0]], dtype=np.float32)),
                     (layers.CategoryEncoding(num_tokens=4, output_mode="count"), np.array([[1.0, 1.0]], dtype=np.float32))):
        model = _seq(Input(x.shape[1:]), layer)
        model.save(tmp_path / "c.keras")
        loaded = models.load_model(tmp_path / "c.keras")
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
        assert loaded.layers[0].get_config() == layer.get_config()


@pytest.mark.parametrize("fname", sorted(GOLDEN["keras_files"]))
def test_loads_keras_written_files(fname):
    """Models saved by Keras 3 with adapted Normalization / IntegerLookup load and predict as Keras."""
    pytest.importorskip("h5py")
    from glassnet import models

    case = GOLDEN["keras_files"][fname]
    model = models.load_model(pathlib.Path(__file__).parent / "reference" / "keras_files" / fname, compile=False)
    x = np.asarray(case["x"], dtype=np.float32)
    # rtol 1e-5: float32 matrix products in a different order than TensorFlow's
    np.testing.assert_allclose(model.predict(x, verbose=0), case["predict"], rtol=1e-5, atol=1e-6)
    if "idf_weights" in case:
        np.testing.assert_allclose(model.layers[0].idf_weights, case["idf_weights"], rtol=1e-6)
    if "vocabulary" in case:
        assert model.layers[0].get_vocabulary() == case["vocabulary"]
    else:
        np.testing.assert_allclose(model.layers[0].get_weights()[0], case["mean"], rtol=1e-6)


def test_readme_preprocessing_snippet_runs(tmp_path, monkeypatch, capsys):
    import re

    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = re.search(r"^## Preprocessing layers\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README:Preprocessing layers", "exec"), {})
    out = capsys.readouterr().out
    assert "['[UNK]', 'red', 'green', 'blue']" in out and "[[0. 0.]]" in out


def test_used_before_adapt_is_an_error():
    with pytest.raises(ValueError, match="Normalization.*not been adapted.*adapt"):
        layers.Normalization()(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="IntegerLookup.*no vocabulary yet"):
        layers.IntegerLookup()(np.array([1, 2]))
    # Statistics set directly (as a loaded file does) count as adapted.
    norm = layers.Normalization()
    norm.build((2,))
    norm.set_weights([np.array([1.0, 2.0]), np.array([4.0, 4.0]), np.array(0.0)])
    np.testing.assert_allclose(norm(np.array([[3.0, 2.0]], dtype=np.float32)), [[1.0, 0.0]])


def test_inputs_as_bytes_objects_and_generators():
    pd = pytest.importorskip("pandas")
    vocab = ["a", "b", "é"]
    lookup = layers.StringLookup(vocabulary=vocab)
    u = np.array([["a", "é", "zz"]])
    np.testing.assert_array_equal(lookup(np.char.encode(u, "utf-8")), lookup(u))
    np.testing.assert_array_equal(lookup(u.astype(object)), [[1, 3, 0]])
    h = layers.Hashing(num_bins=97)
    col = pd.Series(["x", "y", "x", "日本"], dtype=object)
    np.testing.assert_array_equal(h(col), h(np.array(["x", "y", "x", "日本"])))
    np.testing.assert_array_equal(h(np.array([1, 2])), h(np.array(["1", "2"])))   # numbers hash as decimal text
    with pytest.raises(TypeError, match="StringLookup.*missing value.*index 1"):
        lookup(pd.Series(["a", None, float("nan")], dtype=object))

    def batches():       # an iterator of batches: every batch is a document (row) of tokens
        yield np.array([5, 5, 7])
        yield np.array([[7, 9], [5, 1]])

    ilookup = layers.IntegerLookup()
    ilookup.adapt(batches())
    assert ilookup.get_vocabulary() == [-1, 5, 7, 9, 1]


def test_lookup_inside_model_gets_float_inputs():
    """A model's inputs are float32: IntegerLookup / Hashing / Discretization take whole-number floats."""
    from glassnet.layers import Dense, Input

    ilookup = layers.IntegerLookup(vocabulary=[10, 20, 30], output_mode="one_hot")
    model = _seq(Input((1,)), ilookup, Dense(2))
    out = model.predict(np.array([[20.0], [99.0]], dtype=np.float32), verbose=0)
    assert out.dtype == np.float32 and out.shape == (2, 2)
    expected = ilookup(np.array([[20], [99]])).astype(np.float32) @ model.layers[1].kernel.value + \
        model.layers[1].bias.value
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="whole numbers"):
        model.predict(np.array([[20.5]], dtype=np.float32), verbose=0)


# --------------------------------------------------------------------------- ONNX export
def _onnx_layers():
    rng = np.random.default_rng(3)
    data = (rng.normal(size=(40, 3)) * [1.0, 3.0, 0.5] + 1.0).astype(np.float32)
    norm, norm_inv = layers.Normalization(), layers.Normalization(invert=True)
    norm.adapt(data)
    norm_inv.adapt(data)
    out = [("normalization", [norm], data), ("normalization_invert", [norm_inv], data),
           ("normalization_given", [layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 1.0])], data)]
    for mode in ("int", "one_hot", "multi_hot", "count"):
        disc = layers.Discretization(num_bins=4, output_mode=mode)
        disc.adapt(data[:, 0])
        x = data[:, :1] if mode == "one_hot" else data
        out.append((f"discretization_{mode}", [disc], x))
    ids = rng.integers(0, 6, size=(40, 3)).astype(np.float32) * 7
    for mode in ("one_hot", "multi_hot", "count"):
        x = ids[:, :1] if mode == "one_hot" else ids
        out.append((f"category_encoding_{mode}", [layers.CategoryEncoding(num_tokens=36, output_mode=mode)], x))
    for kwargs in ({}, {"output_mode": "multi_hot"}, {"output_mode": "count", "mask_token": 0},
                   {"mask_token": 14}, {"output_mode": "tf_idf", "max_tokens": 5}):
        lookup = layers.IntegerLookup(**kwargs)
        lookup.adapt(ids[:20])
        out.append((f"integer_lookup_{kwargs}", [lookup], ids))
    return out


@pytest.mark.parametrize("opset", [13, 18])
@pytest.mark.parametrize("name,items,x", _onnx_layers(), ids=[c[0] for c in _onnx_layers()])
def test_onnx_export_matches_predict(name, items, x, opset, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from glassnet.export import to_onnx
    from glassnet.layers import Dense, Input

    model = _seq(Input(x.shape[1:]), *items, Dense(2))
    path = tmp_path / "m.onnx"
    to_onnx(model, path, opset=opset)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input": x})[0]
    # float32 rounding: the Dense product is summed in a different order by ONNX Runtime
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_onnx_export_refuses_string_layers(tmp_path):
    pytest.importorskip("onnx")
    from glassnet.export import to_onnx
    from glassnet.layers import Input

    with pytest.raises(ValueError, match="Hashing.*strings"):
        to_onnx(_seq(Input((2,)), layers.Hashing(num_bins=3)), tmp_path / "h.onnx")


def test_pad_to_max_tokens_and_set_vocabulary():
    lookup = layers.StringLookup(max_tokens=6, pad_to_max_tokens=True, output_mode="multi_hot")
    lookup.adapt(np.array(["b", "a", "b"]))
    out = lookup(np.array([["a", "b", "q"]]))
    np.testing.assert_array_equal(out, [[1, 1, 1, 0, 0, 0]])     # [UNK], b, a, then padding to max_tokens
    assert lookup.compute_output_shape((3,)) == (6,)
    lookup = layers.StringLookup()
    lookup.set_vocabulary(["[UNK]", "x", "y"])                  # a leading OOV token is recognised
    assert lookup.get_vocabulary() == ["[UNK]", "x", "y"]
    assert lookup.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    with pytest.raises(ValueError, match="max_tokens=3"):
        layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="mask token"):
        layers.StringLookup(mask_token="", vocabulary=["a", ""])


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("red\ngreen\nblue\n", encoding="utf-8")
    assert layers.StringLookup(vocabulary=path).get_vocabulary() == ["[UNK]", "red", "green", "blue"]
    lookup = layers.StringLookup(vocabulary=str(path))
    np.testing.assert_array_equal(lookup(np.array(["blue", "red", "x"])), [3, 1, 0])
    assert lookup.get_config()["vocabulary"] is None   # a file path is not written into the config (Keras)
    with pytest.raises(ValueError, match="does not exist"):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


SMALL_MODELS = {
    "discretization_multi_hot": lambda: layers.Discretization(num_bins=4, output_mode="multi_hot"),
    "integer_lookup_count": lambda: layers.IntegerLookup(output_mode="count"),
    "hashing_multi_hot": lambda: layers.Hashing(num_bins=6, output_mode="multi_hot"),
    "category_encoding_count": lambda: layers.CategoryEncoding(num_tokens=27, output_mode="count"),
}


@pytest.mark.parametrize("name", sorted(SMALL_MODELS))
def test_layer_then_dense_training_matches_keras(name):
    """<preprocessing layer> -> Dense(1, sigmoid), SGD(0.5), 3 epochs, shuffle=False: Keras's weights."""
    from glassnet import optimizers
    from glassnet.layers import Dense, Input

    case = GOLDEN["training"][name]
    x = np.asarray(case["x"])
    layer = SMALL_MODELS[name]()
    if name.startswith(("discretization", "integer_lookup")):
        layer.adapt(x)
    model = _seq(Input((2,)), layer, Dense(1, activation="sigmoid"))
    model.layers[1].set_weights([np.asarray(a, dtype=np.float32) for a in case["initial"]])
    model.compile(optimizer=optimizers.SGD(learning_rate=case["optimizer"]["learning_rate"]), loss=case["loss"])
    hist = model.fit(x.astype(np.float32), np.asarray(case["y"], dtype=np.float32), batch_size=case["batch_size"],
                     epochs=case["epochs"], shuffle=False, verbose=0)
    # rtol 1e-4: float32 training, summation order differs from TensorFlow's kernels.
    for got, exp in zip(model.layers[1].get_weights(), case["final"]):
        np.testing.assert_allclose(got, np.asarray(exp, dtype=np.float32), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], case["history"]["loss"], rtol=1e-4)


def test_legacy_h5_warns_that_an_adapted_vocabulary_is_not_kept(tmp_path):
    pytest.importorskip("h5py")
    from glassnet.layers import Input

    lookup = layers.IntegerLookup()
    lookup.adapt(np.array([[1, 2, 2]]))
    with pytest.warns(UserWarning, match="integer_lookup.*'.keras'"):
        _seq(Input((3,)), lookup).save(tmp_path / "m.h5")


def test_properties_on_random_data():
    """Independent of Keras: invert undoes a lookup, counts add up to the row length, bins are monotone,
    the adapted vocabulary is ordered by count, and Normalization's adapted output has mean 0, variance 1."""
    rng = np.random.default_rng(5)
    words = rng.choice(np.array(["ant", "bee", "cat", "dog", "eel", "fox", "gnu"]), size=(50, 4), p=[
        .3, .2, .15, .15, .1, .05, .05])
    lookup = layers.StringLookup()
    lookup.adapt(words)
    vocab = lookup.get_vocabulary()[1:]
    counts = {w: int((words == w).sum()) for w in vocab}
    assert all(counts[a] > counts[b] or (counts[a] == counts[b] and a > b) for a, b in zip(vocab, vocab[1:]))
    inverse = layers.StringLookup(vocabulary=vocab, invert=True)
    np.testing.assert_array_equal(inverse(lookup(words)), words)
    count = layers.StringLookup(vocabulary=vocab, output_mode="count")(words)
    np.testing.assert_array_equal(count.sum(axis=1), np.full(50, 4))

    x = rng.normal(size=(200, 1)).astype(np.float32)
    disc = layers.Discretization(num_bins=5)
    disc.adapt(x)
    order = np.argsort(x[:, 0])
    assert (np.diff(disc(x)[order, 0]) >= 0).all()
    share = np.bincount(disc(x)[:, 0], minlength=5) / 200
    np.testing.assert_allclose(share, 0.2, atol=0.03)        # quantile bins hold about a fifth each

    data = rng.normal(size=(300, 4)) * [1, 10, 100, 0.1] + [5, -5, 50, 0]
    norm = layers.Normalization(dtype="float64")
    norm.adapt(data)
    y = norm(data)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-9)
    np.testing.assert_allclose(layers.Normalization(invert=True, mean=norm.get_weights()[0],
                                                    variance=norm.get_weights()[1], dtype="float64")(y), data)

"""``glassnet check``: a Keras script or notebook read (never run) against glassnet's own API.

The samples in tests/check_samples/ are written in the style of the published Keras / TensorFlow
tutorials (their APIs, not their text); each test states the verdict and the missing names by line.
"""
import json
from pathlib import Path

import pytest

import glassnet
from glassnet import check
from glassnet.check import check_file, check_source, public_api
from glassnet.cli import main

SAMPLES = Path(__file__).resolve().parent / "check_samples"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def missing(report):
    return [(i.where, i.name) for i in report.issues]


@pytest.mark.parametrize("name", ["mnist_mlp.py", "regression_functional.py"])
def test_supported_scripts_exit_0(capsys, name):
    code, out, _ = run(capsys, "check", SAMPLES / name)
    assert code == 0, out
    assert out.strip().splitlines()[-1].startswith("Supported: all")
    report = check_file(SAMPLES / name)
    assert report.supported and len(report.used) >= 15
    assert "keras.layers.Dense" in report.used and any(k.endswith(".fit") for k in report.used)


def test_tf_keras_cnn_lists_what_is_missing_by_line(capsys):
    report = check_file(SAMPLES / "tf_cnn_fashion.py")
    assert missing(report) == [
        ("line 6", "tensorflow.random.set_seed"), ("line 11", "tensorflow.data.Dataset.from_tensor_slices"),
        ("line 23", "Sequential.fit(workers=...)")]
    by_name = {i.name: i for i in report.issues}
    assert by_name["tensorflow.random.set_seed"].equivalent == "glassnet.utils.set_random_seed"
    # what is there is not listed: Conv2D, MaxPooling2D, Flatten, Dense, the 'gelu' activation,
    # SparseCategoricalCrossentropy(from_logits=)
    assert {"keras.layers.Conv2D", "keras.layers.MaxPooling2D", "keras.layers.Flatten", "keras.layers.Dense",
            "keras.losses.SparseCategoricalCrossentropy", "activation='gelu'"} <= set(report.used)
    code, out, _ = run(capsys, "check", SAMPLES / "tf_cnn_fashion.py")
    assert code == 1 and out.strip().splitlines()[-1].startswith("Needs changes: 3 uses of 3 names")


def test_notebook_cells_magics_and_equivalents(capsys):
    report = check_file(SAMPLES / "imdb_lstm.ipynb")
    assert missing(report) == [
        ("cell 3, line 4", "keras.layers.TextVectorization"), ("cell 3, line 4", "keras.layers.LSTM"),
        ("cell 4, line 2", "keras.preprocessing.sequence.pad_sequences"), ("cell 5, line 3", "keras.layers.LSTM"),
        ("cell 5, line 4", "keras.layers.experimental.preprocessing.Rescaling")]
    assert report.issues[-1].equivalent == "glassnet.layers.Rescaling"
    assert not report.errors                         # %pip, !nvidia-smi, %%time and `model?` are not Python
    assert "Sequential.summary" in report.used       # the %%time cell's body is still read
    code, out, _ = run(capsys, "check", SAMPLES / "imdb_lstm.ipynb", "--json")
    assert code == 1
    assert json.loads(out)["issues"][0] == {"where": "cell 3, line 4", "name": "keras.layers.TextVectorization",
                                            "problem": "glassnet has no such name", "equivalent": None}


def test_arguments_identifiers_and_methods():
    report = check_source(
        "from keras import layers, Sequential\n"
        "m = Sequential([layers.Dense(4, activaton='relu', input_shape=(3,)), layers.Dense(1, activation='swishy')])\n"
        "m.compile(optimizer='adamm', loss='mean_squared_errr', metrics=['mae', 'accuracy'])\n"
        "m.fitt(1, 2)\n"
        "m.fit(1, 2, epochs=3)\n")
    assert missing(report) == [("line 2", "keras.layers.Dense(activaton=...)"), ("line 2", "activation='swishy'"),
                               ("line 3", "optimizer='adamm'"), ("line 3", "loss='mean_squared_errr'"),
                               ("line 4", "m.fitt")]
    assert report.issues[0].equivalent == "activation=" and report.issues[-1].equivalent == "Sequential.fit"


def test_aliases_made_by_assignment():
    report = check_source("import tensorflow as tf\nkeras = tf.keras\nL = keras.layers\nL.Dense(2)\nL.GRU(2)\n"
                          "data = keras.datasets.boston_housing\ndata.load_data(test_split=0.25)\n")
    assert missing(report) == [("line 5", "keras.layers.GRU")]
    assert "keras.datasets.boston_housing.load_data" in report.used


def test_the_file_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text(f"import keras\nopen({str(marker)!r}, 'w').write('x')\nkeras.layers.Dense(2)\n")
    assert check_file(script).supported and not marker.exists()


def test_the_table_follows_the_library(monkeypatch):
    """The names come from glassnet's modules' __all__ at run time: a name added there is supported."""
    table = public_api()
    for name in glassnet.layers.__all__:
        assert table[f"keras.layers.{name}"] == f"glassnet.layers.{name}"
    assert "keras.optimizers.schedules.ExponentialDecay" in table
    assert not any(k.startswith(("keras.plot.", "keras.cli", "keras.check")) for k in table)
    source = "from keras import layers\nlayers.ConvLSTM2D(8, 3)\n"
    assert not check_source(source).supported
    monkeypatch.setattr(glassnet.layers, "ConvLSTM2D", type("ConvLSTM2D", (glassnet.layers.Layer,), {}),
                        raising=False)
    monkeypatch.setattr(glassnet.layers, "__all__", [*glassnet.layers.__all__, "ConvLSTM2D"])
    monkeypatch.setattr(check, "_API", None)
    assert check_source(source).supported
    monkeypatch.setattr(check, "_API", None)       # the next user walks the restored API


def test_no_keras_and_bad_files(tmp_path, capsys):
    plain = tmp_path / "plain.py"
    plain.write_text("import numpy as np\nprint(np.pi)\n")
    code, out, _ = run(capsys, "check", plain)
    assert code == 0 and "No Keras code found" in out
    broken = tmp_path / "broken.py"
    broken.write_text("import keras\ndef f(:\n")
    code, out, _ = run(capsys, "check", broken)
    assert code == 2 and "line 2: not valid Python" in out and "Cannot tell" in out
    bad_nb = tmp_path / "bad.ipynb"
    bad_nb.write_text("{not json")
    code, _, err = run(capsys, "check", bad_nb)
    assert code == 2 and "not a notebook" in err
    code, _, err = run(capsys, "check", tmp_path / "missing.py")
    assert code == 2 and "no such file" in err
    binary = tmp_path / "b.py"
    binary.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = run(capsys, "check", binary)
    assert code == 2 and "not UTF-8" in err
    code, out, _ = run(capsys, "check", "--list")
    assert code == 0 and "keras.layers.Dense\tglassnet.layers.Dense" in out

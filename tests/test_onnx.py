"""ONNX export: every activation and layer, run in ONNX Runtime and compared with ``predict``."""
import os

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import glassnet  # noqa: E402
from glassnet import activations as A  # noqa: E402
from glassnet.export import MIN_OPSET, supported_activations, to_onnx  # noqa: E402
from glassnet.layers import Activation, Dense, Dropout, Flatten, Input, Layer  # noqa: E402
from glassnet.models import Sequential  # noqa: E402


def _ort_version():
    return tuple(int(p) for p in ort.__version__.split(".")[:2])


# Opset 13/17 use formulas for gelu, mish and hard_silu (before 14); 18 adds Mish; 20 adds Gelu
# (onnxruntime runs opset 20 from 1.17 on).
OPSETS = [13, 17, 18] + ([20] if _ort_version() >= (1, 17) else [])

# Every activation by name (Keras's defaults) plus the hyper-parameter forms, written out here
# rather than taken from glassnet.export, so a missing converter shows up as a failure.
ACTIVATIONS = {
    "linear": "linear", "step": "step", "sigmoid": "sigmoid", "hard_sigmoid": "hard_sigmoid",
    "tanh": "tanh", "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu",
    "selu": "selu", "softplus": "softplus", "softsign": "softsign", "silu": "silu", "swish": "swish",
    "hard_silu": "hard_silu", "gelu": "gelu", "exponential": "exponential", "mish": "mish",
    "log_sigmoid": "log_sigmoid", "celu": "celu", "hard_tanh": "hard_tanh",
    "tanh_shrink": "tanh_shrink", "squareplus": "squareplus", "hard_shrink": "hard_shrink",
    "soft_shrink": "soft_shrink", "sparse_plus": "sparse_plus", "sparse_sigmoid": "sparse_sigmoid",
    "softmax": "softmax", "log_softmax": "log_softmax",
    "relu(max_value=2.5)": A.ReLU(max_value=2.5),
    "relu(max_value=6)": A.ReLU(max_value=6.0),
    "relu(threshold=0.3)": A.ReLU(threshold=0.3),
    "relu(threshold=-0.4)": A.ReLU(threshold=-0.4),
    "relu(negative_slope=0.1)": A.ReLU(negative_slope=0.1),
    "relu(all three)": A.ReLU(negative_slope=0.1, max_value=3.0, threshold=-0.5),
    "relu(slope, max 6)": A.ReLU(negative_slope=0.2, max_value=6.0),
    "leaky_relu(1.5)": A.LeakyReLU(1.5),
    "elu(0.5)": A.ELU(0.5),
    "celu(2.0)": A.CELU(2.0),
    "gelu(approximate)": A.GELU(approximate=True),
    "threshold": A.Threshold(threshold=0.2, default_value=-1.0),
    "squareplus(b=0)": A.Squareplus(b=0),
    "hard_shrink(1.0)": A.HardShrink(1.0),
    "soft_shrink(0.2)": A.SoftShrink(0.2),
}


def _inputs(batch, shape=(6,), seed=0):
    """Spread-out inputs that include exact zeros (the kinks of relu, step, ...)."""
    x = np.random.default_rng(seed).normal(scale=2.0, size=(batch,) + shape).astype(np.float32)
    x.reshape(batch, -1)[:, 0] = 0.0
    return x


def _run(path, x):
    session = ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x})[0]


def _check(model, path, x, opset=17):
    to_onnx(model, path, opset=opset)
    got = _run(path, x)
    want = model.predict(x, verbose=0)
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    return got


def _two_layer_model(activation):
    glassnet.set_random_seed(0)
    return Sequential([Input((6,)), Dense(8, activation=activation, bias_initializer="random_normal"),
                       Dropout(0.5), Dense(5, activation=activation, bias_initializer="random_normal")])


def test_every_builtin_activation_is_supported():
    builtins = {cls.name for cls in vars(A).values()
                if isinstance(cls, type) and issubclass(cls, A.ActivationFunction)
                and cls is not A.ActivationFunction}
    assert builtins <= set(supported_activations())
    assert builtins - {"glu", "threshold"} <= {
        A.get(v).name for v in ACTIVATIONS.values() if isinstance(v, str)}


@pytest.mark.parametrize("opset", OPSETS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_predict(name, opset, tmp_path):
    activation = ACTIVATIONS[name]
    if A.get(activation).name == "exponential":   # exp of exp overflows: one layer
        glassnet.set_random_seed(0)
        model = Sequential([Input((6,)), Dense(5, activation=activation)])
    else:
        model = _two_layer_model(activation)
    _check(model, tmp_path / "m.onnx", _inputs(37), opset)


@pytest.mark.parametrize("opset", OPSETS)
def test_glu_as_last_layer(opset, tmp_path):
    glassnet.set_random_seed(1)
    model = Sequential([Input((6,)), Dense(8, activation="tanh"), Dense(6, activation="glu")])
    got = _check(model, tmp_path / "m.onnx", _inputs(11), opset)
    assert got.shape == (11, 3)


def test_softmax_over_inner_axes_and_rank_3_dense(tmp_path):
    """Dense on (batch, 4, 5) inputs is MatMul + Add; softmax over several axes is a formula."""
    glassnet.set_random_seed(2)
    model = Sequential([
        Input((4, 5)),
        Dense(6, activation="relu"),
        Activation(A.Softmax(axis=(1, 2))),
        Dense(3, use_bias=False, activation=A.LogSoftmax(axis=1)),
        Activation(A.LogSoftmax(axis=(-2, -1))),
        Activation(A.Softmax(axis=-2)),
        Flatten(),
        Dense(2, activation="softmax"),
    ])
    for opset in OPSETS:
        _check(model, tmp_path / "m.onnx", _inputs(9, (4, 5)), opset)
    ops = [n.op_type for n in onnx.load(os.fspath(tmp_path / "m.onnx")).graph.node]
    assert "MatMul" in ops and "Flatten" in ops and "Gemm" in ops


def test_layers_dropout_flatten_activation_no_bias(tmp_path):
    glassnet.set_random_seed(3)
    model = Sequential([Input((3, 4)), Flatten(), Dropout(0.3), Dense(7, use_bias=False),
                        Activation("relu"), Dropout(0.2), Dense(3), Activation("softmax")])
    _check(model, tmp_path / "m.onnx", _inputs(10, (3, 4)))
    graph = onnx.load(os.fspath(tmp_path / "m.onnx")).graph
    ops = [n.op_type for n in graph.node]
    assert ops == ["Flatten", "Gemm", "Relu", "Gemm", "Softmax"]      # no Dropout at inference
    assert len(graph.node[1].input) == 2                                  # Gemm without a bias


def test_model_of_only_pass_through_layers(tmp_path):
    model = Sequential([Input((4,)), Dropout(0.5), Activation("linear")])
    x = _inputs(5, (4,))
    got = _check(model, tmp_path / "m.onnx", x)
    np.testing.assert_array_equal(got, x)


def test_hand_computed_dense_relu(tmp_path):
    """z = x W + b = [1*1 + 2*2 + 0.5, 1*(-1) + 2*0.5 - 1] = [5.5, -1]; relu -> [5.5, 0]."""
    model = Sequential([Input((2,)), Dense(2, activation="relu")])
    model.set_weights([np.array([[1.0, -1.0], [2.0, 0.5]]), np.array([0.5, -1.0])])
    to_onnx(model, tmp_path / "m.onnx")
    np.testing.assert_array_equal(_run(tmp_path / "m.onnx", np.array([[1.0, 2.0]], np.float32)),
                                  [[5.5, 0.0]])


def test_hard_sigmoid_uses_keras_formula(tmp_path):
    """Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6, i.e. HardSigmoid with alpha 1/6, beta 1/2."""
    model = Sequential([Input((1,)), Activation("hard_sigmoid")])
    proto = to_onnx(model, tmp_path / "m.onnx")
    (node,) = proto.graph.node
    attrs = {a.name: a.f for a in node.attribute}
    assert node.op_type == "HardSigmoid"
    assert attrs["alpha"] == pytest.approx(1 / 6) and attrs["beta"] == pytest.approx(0.5)
    x = np.array([[-4.0], [-3.0], [-1.5], [0.0], [1.5], [3.0], [4.0]], np.float32)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x)[:, 0],
                               [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0], atol=1e-7)


@pytest.mark.parametrize("batch", [1, 37])
def test_dynamic_batch_axis(batch, tmp_path):
    model = _two_layer_model("tanh")
    path = tmp_path / "m.onnx"
    to_onnx(model, path)
    proto = onnx.load(os.fspath(path))
    for value in (proto.graph.input[0], proto.graph.output[0]):
        first = value.type.tensor_type.shape.dim[0]
        assert first.dim_param and not first.dim_value
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]
    x = _inputs(batch)
    np.testing.assert_allclose(_run(path, x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_metadata_float32_weights_and_checker(tmp_path):
    model = _two_layer_model("relu")
    path = tmp_path / "m.onnx"
    returned = to_onnx(model, path, opset=17)
    proto = onnx.load(os.fspath(path))
    assert proto == returned
    onnx.checker.check_model(proto, full_check=True)
    assert proto.producer_name == "glassnet"
    assert proto.producer_version == glassnet.__version__
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["glassnet_version"] == glassnet.__version__ and props["model_name"] == model.name
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in proto.graph.initializer
               if not t.name.startswith("const/int"))
    kernels = [onnx.numpy_helper.to_array(t) for t in proto.graph.initializer if t.name.endswith("kernel")]
    np.testing.assert_array_equal(kernels[0], model.get_weights()[0])


def test_float64_model_exports_float32(tmp_path):
    with glassnet.config.floatx_scope("float64"):
        glassnet.set_random_seed(4)
        model = Sequential([Input((6,)), Dense(4, activation="sigmoid")])
        x = _inputs(8)
        want = model.predict(x.astype(np.float64), verbose=0)
    to_onnx(model, tmp_path / "m.onnx")
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x), want, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------ errors
class Cube(A.ActivationFunction):
    name = "cube"

    def call(self, z):
        return z * z * z

    def derivative(self, z, a=None):
        return 3.0 * z * z


def test_unsupported_activation_names_layer_and_activation(tmp_path):
    model = Sequential([Input((3,)), Dense(4, activation="relu", name="hidden"),
                        Dense(2, activation=Cube(), name="head")])
    with pytest.raises(ValueError, match=r"layer 'head'.*'cube'.*\(Cube\)"):
        to_onnx(model, tmp_path / "m.onnx")
    assert not os.listdir(tmp_path)          # nothing written, not even a temporary file


@pytest.mark.parametrize("activation", [A.Softmax(axis=0), A.Softmax(axis=None), A.LogSoftmax(axis=(0, 1))])
def test_softmax_over_batch_axis_is_refused(activation, tmp_path):
    model = Sequential([Input((3,)), Dense(4, activation=activation, name="probs")])
    with pytest.raises(ValueError, match="layer 'probs'.*batch"):
        to_onnx(model, tmp_path / "m.onnx")


def test_unsupported_layer_is_refused(tmp_path):
    class Double(Layer):
        def forward(self, x, training=False):
            return 2 * x

    model = Sequential([Input((3,)), Double(name="double")])
    with pytest.raises(ValueError, match="layer 'double' is a Double"):
        to_onnx(model, tmp_path / "m.onnx")


def test_failed_export_leaves_existing_file_intact(tmp_path):
    path = tmp_path / "m.onnx"
    good = _two_layer_model("relu")
    to_onnx(good, path)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        to_onnx(Sequential([Input((3,)), Dense(2, activation=Cube())]), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.onnx"]
    to_onnx(_two_layer_model("tanh"), str(path))          # overwrite works, str paths too
    assert path.read_bytes() != before


def test_argument_errors(tmp_path):
    model = _two_layer_model("relu")
    with pytest.raises(ValueError, match=f"opset must be between {MIN_OPSET}"):
        to_onnx(model, tmp_path / "m.onnx", opset=MIN_OPSET - 1)
    with pytest.raises(TypeError, match="opset must be an integer"):
        to_onnx(model, tmp_path / "m.onnx", opset="17")
    with pytest.raises(TypeError, match="path must be"):
        to_onnx(model, 17)
    with pytest.raises(TypeError, match="model must be a glassnet model"):
        to_onnx("model", tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="not built"):
        to_onnx(Sequential([Dense(3)]), tmp_path / "m.onnx")
    assert to_onnx(model, None).graph.output[0].name == "output"     # path=None: proto only

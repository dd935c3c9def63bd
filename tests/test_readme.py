"""The README's self-contained snippets run as written (a snippet that rots fails here)."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SELF_CONTAINED = ["The Keras workflow", "Backpropagation you can see", "The perceptron", "Activations", "Losses",
                  "Initializers and regularizers", "ONNX export", "Functional models", "Your own layers"]


def snippets(section: str) -> list[str]:
    text = README.read_text()
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, f"README has no section {section!r}"
    return re.findall(r"```python\n(.*?)```", match.group(1), re.S)


@pytest.mark.parametrize("section", SELF_CONTAINED)
def test_readme_snippet_runs(section, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blocks = snippets(section)
    assert blocks
    namespace = {}
    if section == "ONNX export":
        pytest.importorskip("onnxruntime")
        import numpy as np

        from glassnet.layers import Dense, Input
        from glassnet.models import Sequential

        model = Sequential([Input((4,)), Dense(3, activation="tanh"), Dense(1, activation="sigmoid")])
        namespace = {"model": model, "x": np.random.default_rng(0).normal(size=(8, 4)).astype("float32")}
    exec(compile(blocks[0], f"README:{section}", "exec"), namespace)
    if section == "Backpropagation you can see":
        out = capsys.readouterr().out
        assert "0.29837110" in out and "0.08216704" in out

"""Shared test fixtures: where the local data copies are, and an isolated GLASSNET_HOME."""
import os
from pathlib import Path

import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never let a test write into the user's ~/.glassnet or read a stray mirror."""
    monkeypatch.setenv("GLASSNET_HOME", str(tmp_path_factory.mktemp("glassnet_home")))
    monkeypatch.delenv("GLASSNET_DATASETS_MIRROR", raising=False)


@pytest.fixture
def shared_datasets():
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"the local data copies are not at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures a test leaves open (they pile up and matplotlib warns)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(params=["numpy", "numba"])
def kernels(request):
    """Run the test once on each kernel implementation (glassnet.kernels): the NumPy reference
    and the fused numba one (skipped, saying why, when numba is not installed)."""
    from glassnet import config
    from glassnet import kernels as gk

    if request.param == "numba" and not gk.numba_available():
        pytest.skip("numba is not installed (pip install glassnet[fast]): the fused kernels are untested here")
    previous = gk.requested()
    config.set_kernels(request.param)
    try:
        yield request.param
    finally:
        config.set_kernels(previous)

"""Optional dependencies, imported where they are first needed so that ``import glassnet`` needs NumPy only."""
from __future__ import annotations


def import_pandas(what: str):
    """The ``pandas`` module, or an ImportError saying that ``what`` needs it and how to install it."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas is installed in the test environment
        raise ImportError(f"{what} needs pandas: pip install 'glassnet[pandas]'") from None
    return pandas

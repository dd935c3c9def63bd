"""Where the examples find their data: ``--data``, else ``GLASSNET_DATA``, else the shared copies.

The library never looks in ``../shared`` by itself; only these example scripts (and the tests) do.
"""
from __future__ import annotations

import os
from pathlib import Path


def default_data() -> str | None:
    """GLASSNET_DATA, else the shared data copies next to the repository (../shared/datasets)."""
    if os.environ.get("GLASSNET_DATA"):
        return os.environ["GLASSNET_DATA"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return str(shared) if shared.is_dir() else None


def find_file(data: str | None, names, parser) -> Path:
    """``--data`` may be the CSV itself or a folder holding one of ``names``."""
    if data is None:
        parser.error(f"no data: give --data (a folder with {names[0]}, or the file) or set GLASSNET_DATA")
    path = Path(data)
    if path.is_file():
        return path
    for name in names:
        if (path / name).is_file():
            return path / name
    parser.error(f"--data {data}: no {' or '.join(names)} there")

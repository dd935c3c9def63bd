"""Where the examples find their data: ``--data``, else ``GLASSNET_DATA``, else the shared copies, else a public source.

The library never looks in ``../shared`` by itself; only these example scripts (and the tests) do.
For a person who cloned only the repository, a file with a public source of known content is
fetched once into the cache with ``glassnet.utils.get_file`` (its SHA-256 checked); for a file
with no such source, the example prints one line saying where to get it and exits with status 2.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

#: files with a public copy: (URL pinned to a commit, SHA-256 of those bytes, what it is)
PUBLIC_COPIES = {
    "fake_reg.csv": (
        "https://raw.githubusercontent.com/pranabpaul-tech/agile/c1414fd0f72c6c66cbd39ab560276002e06f6df6/fake_reg.csv",
        "94976e1213e3ec7c7a09bd1666ae685bb6a9c7d4fe27b7d7d7ad646833fbcf78",
        "the course's fake_reg.csv in a public GitHub repository (semicolon-separated; the same 1000 x 3 numbers)",
    ),
}
#: files with no public copy of known content: where to get them (one line each)
WHERE_TO_GET = {
    "kc_house_data.csv": "download kc_house_data.csv from https://www.kaggle.com/datasets/harlfoxem/housesalesprediction "
                         "(free Kaggle account) and give its path with --data",
    "lending_club_loan_two.csv": "lending_club_loan_two.csv comes with the course's DATA folder (Pierian Data, "
                                 "'TensorFlow 2 for Deep Learning'); give its path with --data",
}


def default_data() -> str | None:
    """GLASSNET_DATA, else the shared data copies next to the repository (../shared/datasets)."""
    if os.environ.get("GLASSNET_DATA"):
        return os.environ["GLASSNET_DATA"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return str(shared) if shared.is_dir() else None


def public_copy(name: str) -> Path:
    """``name`` from its public source, through the cache (``$GLASSNET_HOME/datasets/course``); or exit 2."""
    if name not in PUBLIC_COPIES:
        print(f"{Path(sys.argv[0]).name}: no {name}: {WHERE_TO_GET.get(name, 'give its path with --data')}",
              file=sys.stderr)
        raise SystemExit(2)
    from glassnet.datasets import DatasetError
    from glassnet.utils import get_file

    url, sha256, what = PUBLIC_COPIES[name]
    try:
        return Path(get_file(name, origin=url, file_hash=sha256, cache_subdir=os.path.join("datasets", "course")))
    except DatasetError as exc:
        print(f"{Path(sys.argv[0]).name}: no {name}: fetching {what} failed ({exc}); give its path with --data",
              file=sys.stderr)
        raise SystemExit(2) from None


def find_file(data: str | None, names, parser) -> Path:
    """``--data`` may be the CSV itself or a folder holding one of ``names``; none: the public copy of ``names[0]``."""
    if data is None:
        return public_copy(names[0])
    path = Path(data)
    if path.is_file():
        return path
    for name in names:
        if (path / name).is_file():
            return path / name
    parser.error(f"--data {data}: no {' or '.join(names)} there")

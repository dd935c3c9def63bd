"""Where the examples find their data: ``--data``, else ``GLASSNET_DATA``, else the shared copies, else a public source.

The library never looks in ``../shared`` by itself; only these example scripts (and the tests) do.
For a person who cloned only the repository, a file with a public source of known content is
fetched once into the cache with ``glassnet.utils.get_file`` (its SHA-256 checked); for a file
with no such source, the example prints one line saying where to get it and exits with status 2.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

#: files with a public copy of known content: cache name, URL pinned to a commit, SHA-256 of those bytes, what it is.
#: Each was checked against the course's copy: fake_reg holds the same 1000 x 3 numbers (written with semicolons);
#: kc_house is the usual 21,613-row download (the course's copy lacks 2 sqft_above values, otherwise equal, same
#: order); the LendingClub file is byte-identical to the course's 2,066-loan sample (the full 396,030-row file has
#: no public copy: give it with --data).
PUBLIC_COPIES = {
    "fake_reg.csv": (
        "fake_reg.csv",
        "https://raw.githubusercontent.com/pranabpaul-tech/agile/c1414fd0f72c6c66cbd39ab560276002e06f6df6/fake_reg.csv",
        "94976e1213e3ec7c7a09bd1666ae685bb6a9c7d4fe27b7d7d7ad646833fbcf78",
        "the course's fake_reg.csv (semicolon-separated) from GitHub pranabpaul-tech/agile",
    ),
    "kc_house_data.csv": (
        "kc_house_data.csv",
        "https://raw.githubusercontent.com/Stijnvhd/AutoML_DL_Course/337de97204f95df842b5fb816bcb7edd6d3e3113/"
        "Data/kc_house_data.csv",
        "d0875baa0251b21d4bdc9d2ae940a4fe0bb6009824f23dd0e2a5b2bf04557b7e",
        "King County house sales (Kaggle's kc_house_data.csv) from GitHub Stijnvhd/AutoML_DL_Course",
    ),
    "lending_club_loan_two.csv": (
        "lending_club_loan_two_sample.csv",
        "https://raw.githubusercontent.com/shivanipriya89/practicetensor/2e98d28cf0343324d076180798973340b596f58d/"
        "lending_club_loan_two.csv",
        "9c39cc2b9c2e41781830adcf094b6074cc0bc48de33bb2c2d0d03e70a76e54d1",
        "the first 2,066 loans of the course's LendingClub file from GitHub shivanipriya89/practicetensor",
    ),
}
#: where to get each file by hand (said in one line when no copy can be had)
WHERE_TO_GET = {
    "fake_reg.csv": "fake_reg.csv comes with the course's DATA folder (Pierian Data, 'TensorFlow 2 for Deep Learning')",
    "kc_house_data.csv": "download kc_house_data.csv from https://www.kaggle.com/datasets/harlfoxem/housesalesprediction "
                         "(free Kaggle account)",
    "lending_club_loan_two.csv": "lending_club_loan_two.csv (396,030 loans) comes with the course's DATA folder "
                                 "(Pierian Data, 'TensorFlow 2 for Deep Learning')",
}


def default_data() -> str | None:
    """GLASSNET_DATA, else the shared data copies next to the repository (../shared/datasets)."""
    if os.environ.get("GLASSNET_DATA"):
        return os.environ["GLASSNET_DATA"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return str(shared) if shared.is_dir() else None


def public_copy(name: str) -> Path:
    """``name`` from its public copy, through the cache (``$GLASSNET_HOME/datasets/course``); or one line and exit 2."""
    script = Path(sys.argv[0]).name or "example"
    where = WHERE_TO_GET.get(name, f"{name} is not available here")
    if name not in PUBLIC_COPIES:
        print(f"{script}: no {name}: {where}; give its path with --data", file=sys.stderr)
        raise SystemExit(2)
    from glassnet.datasets import DatasetError
    from glassnet.utils import get_file

    fname, url, sha256, what = PUBLIC_COPIES[name]
    try:
        path = Path(get_file(fname, origin=url, file_hash=sha256, cache_subdir=os.path.join("datasets", "course")))
    except DatasetError as exc:
        print(f"{script}: no {name}: fetching {what} failed ({exc}); {where}, and give its path with --data",
              file=sys.stderr)
        raise SystemExit(2) from None
    print(f"{name}: {what} (cached at {path})", file=sys.stderr)
    return path


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


def main(argv=None) -> int:
    """``python examples/_data.py NAME``: print the path of a local copy of NAME (fetched once if need be)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in WHERE_TO_GET:
        print(f"usage: python examples/_data.py {{{','.join(WHERE_TO_GET)}}}", file=sys.stderr)
        return 2
    name, folder = argv[0], default_data()
    local = [Path(folder) / n for n in (name, name + ".gz")] if folder else []
    found = next((p for p in local if p.is_file()), None)
    if found is None:
        with contextlib.redirect_stdout(sys.stderr):       # stdout carries the path only
            found = public_copy(name)
    print(found)
    return 0


if __name__ == "__main__":      # python examples/_data.py kc_house_data.csv  ->  the path of a local copy
    raise SystemExit(main())

"""The course's tabular data sets, read from a CSV path you give, as pandas DataFrames (extra ``pandas``).

``fake_reg``, ``kc_house``, ``cancer_classification`` and ``lending_club`` check the columns
they need and say which are missing.  ``cancer_classification()`` with no path uses
scikit-learn's bundled copy (``load_breast_cancer``: no download).
"""
from __future__ import annotations

from pathlib import Path

from .._optional import import_pandas
from ._files import DatasetError

CANCER_LABEL = "benign_0__mal_1"
LENDING_DATE_COLUMNS = ("issue_d", "earliest_cr_line")


def _pandas():
    return import_pandas("glassnet.datasets (the tabular loaders)")


def read_csv(path, required=(), **kwargs):
    """``pandas.read_csv`` with errors that name the file and the missing columns."""
    pd = _pandas()
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file")
    if "sep" not in kwargs and _semicolon_separated(path):
        kwargs["sep"] = ";"            # some published copies use semicolons
    try:
        frame = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise DatasetError(f"{path}: cannot be read as CSV ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns[:30]))}")
    if frame.empty:
        raise DatasetError(f"{path}: the file has a header but no rows")
    return frame


def _semicolon_separated(path: Path) -> bool:
    """Whether the header line has semicolons and no commas (a plain or gzipped CSV)."""
    import gzip

    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            header = fh.readline(65536)
    except (OSError, EOFError):
        return False
    return ";" in header and "," not in header


def fake_reg(path):
    """The Keras syntax-basics lesson's data: columns price, feature1, feature2 (1000 rows)."""
    return read_csv(path, required=("price", "feature1", "feature2"))


def kc_house(path):
    """King County house sales (21 columns incl. price, date, sqft_living ...), ``date`` parsed."""
    pd = _pandas()
    frame = read_csv(path, required=("price", "date", "bedrooms", "sqft_living", "zipcode"))
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    if frame["date"].isna().all():
        raise DatasetError(f"{path}: the date column could not be parsed")
    return frame


def cancer_classification(path=None):
    """The Wisconsin breast cancer data of the classification code-along (30 features + the label).

    The label column is ``benign_0__mal_1``; as in scikit-learn's target, 1 means *benign* despite
    its name.  With no ``path``, scikit-learn's bundled copy is used (no download).
    """
    if path is not None:
        return read_csv(path, required=(CANCER_LABEL,))
    pd = _pandas()
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError:  # pragma: no cover
        raise ImportError("cancer_classification() without a path needs scikit-learn; "
                          "pip install 'glassnet[sklearn]' or give the CSV path") from None
    bunch = load_breast_cancer()
    frame = pd.DataFrame(bunch.data, columns=bunch.feature_names)
    frame[CANCER_LABEL] = bunch.target
    return frame


def parse_month_year(series):
    """Parse LendingClub dates written ``Jan-2015`` or ``Jan-15`` (two-digit years: 00-29 -> 2000s)."""
    pd = _pandas()
    text = series.astype("string").str.strip()
    full = pd.to_datetime(text, format="%b-%Y", errors="coerce")
    short = pd.to_datetime(text, format="%b-%y", errors="coerce")
    # %y maps 69-99 to 19xx and 00-68 to 20xx; credit lines from the 1950s-60s need the century fixed
    short = short.where(short.dt.year <= 2029, short - pd.DateOffset(years=100))
    out = full.fillna(short)
    bad = out.isna() & text.notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DatasetError(f"date {text.iloc[row]!r} at row {row} is neither Mon-YYYY nor Mon-YY")
    return out


def lending_club(path):
    """The 27-column LendingClub subset of the loan project; dates parsed from both spellings."""
    frame = read_csv(path, required=("loan_status", "loan_amnt", "term", "int_rate", "grade") + LENDING_DATE_COLUMNS)
    for column in LENDING_DATE_COLUMNS:
        try:
            frame[column] = parse_month_year(frame[column])
        except DatasetError as exc:
            raise DatasetError(f"{path}: column {column}: {exc}") from None
    return frame

"""TabularPreprocessor and task inference (glassnet.preprocessing)."""
import json
import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from glassnet.preprocessing import (  # noqa: E402
    MISSING, TabularPreprocessor, TooManyCategoriesError, infer_task, resolve_task,
)


def frame():
    return pd.DataFrame({
        "age": [20.0, 30.0, np.nan, 50.0, 40.0, 60.0],
        "rooms": [1, 2, 3, 2, 1, 3],
        "city": ["Oslo", "Rome", None, "Oslo", "Lima", "Rome"],
        "vip": [True, False, True, False, False, True],
        "label": ["yes", "no", "yes", "no", "no", "yes"],
    })


# ------------------------------------------------------------------------------ task inference
@pytest.mark.parametrize("values, task", [
    (np.linspace(0.5, 99.5, 200), "regression"),                 # floats, many values
    ([0, 1, 1, 0, 1], "binary"),
    (["yes", "no", "no"], "binary"),
    ([True, False, True], "binary"),
    ([-1.0, 1.0, 1.0], "binary"),                                # any two numbers
    ([0, 1, 2, 3, 4, 2, 1], "multiclass"),
    ([1.0, 2.0, 3.0, 2.0], "multiclass"),                        # integer-valued floats (e.g. read with NaN)
    (["cat", "dog", "bird", "dog"], "multiclass"),
    (list(range(21)) * 2, "regression"),                         # more than 20 integer values: a quantity
    (list(range(20)) * 2, "multiclass"),
    ([1, 2, 3, 5, 8, 8], "multiclass"),                          # codes with a few gaps
    ([100, 200, 300, 400, 100], "regression"),                   # few integers, but spread out: amounts
    ([0, 1, 2, 3, 33], "regression"),
    ([1.5, 2.5, 3.5, 1.5], "regression"),                        # fractions are not class labels
    ([0.0, 1.0, np.nan, 1.0], "binary"),                         # missing values are ignored
])
def test_infer_task(values, task):
    assert infer_task(pd.Series(values, name="y")) == task


def test_infer_task_multilabel_and_refusals():
    assert infer_task(pd.DataFrame({"a": [0, 1, 1], "b": [1, 0, 1]})) == "multilabel"
    assert infer_task(pd.DataFrame({"a": [True, False], "b": [0, 1]})) == "multilabel"
    assert infer_task(pd.DataFrame({"a": [0.0, 2.0, 1.0]})) == "multiclass"       # one column: as a Series
    with pytest.raises(ValueError, match=r"only 0/1 values; 'b' holds other values"):
        infer_task(pd.DataFrame({"a": [0, 1, 1], "b": [1, 2, 3]}))
    with pytest.raises(ValueError, match=r"single class \('3'\) in all 4 rows"):
        infer_task(pd.Series([3, 3, 3, 3], name="y"))
    with pytest.raises(ValueError, match=r"150 distinct text values.*limit 100"):
        infer_task(pd.Series([f"name {i}" for i in range(150)], name="who"))
    with pytest.raises(ValueError, match="no values"):
        infer_task(pd.Series([np.nan, np.nan], name="y"))


def test_resolve_task_checks_a_forced_task():
    grades = pd.DataFrame({"g": list("ABCAB")})
    assert resolve_task(grades, "auto") == "multiclass"
    assert resolve_task(pd.DataFrame({"y": [0, 1, 0]}), "multiclass") == "multiclass"
    assert resolve_task(pd.DataFrame({"y": [0, 1, 2, 5]}), "regression") == "regression"
    with pytest.raises(ValueError, match="exactly two classes; target column 'g' has 3"):
        resolve_task(grades, "binary")
    with pytest.raises(ValueError, match="regression needs a numeric target; 'g' holds text"):
        resolve_task(grades, "regression")
    with pytest.raises(ValueError, match="only 0/1"):
        resolve_task(pd.DataFrame({"y": [0, 2]}), "multilabel")
    with pytest.raises(ValueError, match="task must be one of"):
        resolve_task(grades, "clustering")


# ------------------------------------------------------------------------------------ features
def test_standard_scaling_median_imputation_and_one_hot():
    df = frame()
    prep = TabularPreprocessor(target="label").fit(df)
    assert prep.task_ == "binary" and prep.classes_ == ["no", "yes"]
    assert prep.feature_names_ == ["age", "rooms", "city=Lima", "city=Oslo", "city=Rome", f"city={MISSING}", "vip"]
    x = prep.transform(df)
    assert x.dtype == np.float32 and x.shape == (6, 7)
    ages = np.array([20, 30, 40, 50, 40, 60], dtype=np.float64)     # NaN -> the median 40 of the others
    np.testing.assert_allclose(x[:, 0], (ages - ages.mean()) / ages.std(), rtol=1e-6)
    np.testing.assert_allclose(x[:, :2].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(x[:, :2].std(axis=0), 1, rtol=1e-6)
    np.testing.assert_array_equal(x[:, 2:6], [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0],
                                              [1, 0, 0, 0], [0, 0, 1, 0]])
    assert sorted(np.unique(x[:, 6]).round(4)) == [-1.0, 1.0]        # booleans are numbers: standardized
    np.testing.assert_array_equal(prep.transform_target(df).ravel(), [1, 0, 1, 0, 0, 1])


def test_minmax_scaling_and_a_constant_column():
    df = pd.DataFrame({"a": [2.0, 4.0, 6.0], "c": [5, 5, 5], "y": [0.5, 1.5, 2.7]})
    x = TabularPreprocessor("y", scaling="minmax").fit_transform(df)
    np.testing.assert_allclose(x[:, 0], [0, 0.5, 1])
    np.testing.assert_array_equal(x[:, 1], [0, 0, 0])               # range 0 -> divided by 1
    x = TabularPreprocessor("y").fit_transform(df)
    np.testing.assert_array_equal(x[:, 1], [0, 0, 0])


def test_unseen_categories_missing_values_and_extra_columns_at_predict_time():
    prep = TabularPreprocessor(target="label").fit(frame())
    new = pd.DataFrame({"vip": [True, False, True], "city": ["Paris", None, " Rome "], "rooms": [2, None, 9],
                        "age": [np.nan, 25.0, 99.0], "something_else": ["x", "y", "z"]})
    x = prep.transform(new)                                          # columns in any order, extra ones ignored
    np.testing.assert_array_equal(x[0, 2:6], [0, 0, 0, 0])            # unseen city: all-zero dummies
    np.testing.assert_array_equal(x[1, 2:6], [0, 0, 0, 1])            # missing: its own category
    np.testing.assert_array_equal(x[2, 2:6], [0, 0, 1, 0])            # compared as stripped text
    ref = prep.transform(pd.DataFrame({"age": [40.0], "rooms": [2.0], "city": ["Oslo"], "vip": [True]}))
    assert x[0, 0] == ref[0, 0] and x[1, 1] == ref[0, 1]             # missing numbers -> the training median


def test_missing_category_absent_in_training_gives_zeros():
    df = pd.DataFrame({"c": ["a", "b", "a"], "y": [0.1, 0.2, 0.35]})
    prep = TabularPreprocessor("y").fit(df)
    assert prep.feature_names_ == ["c=a", "c=b"]
    np.testing.assert_array_equal(prep.transform(pd.DataFrame({"c": [None, "b"]})), [[0, 0], [0, 1]])


def test_errors_name_the_columns():
    prep = TabularPreprocessor(target="label").fit(frame())
    with pytest.raises(ValueError, match=r"no columns 'city', 'vip'; its columns are 'age', 'rooms'"):
        prep.transform(frame()[["age", "rooms"]])
    bad = frame().assign(age=["20", "thirty", None, "50", "40", "60"])
    with pytest.raises(ValueError, match=r"column 'age' was numeric in training but holds text such as 'thirty' "
                                         r"\(data rows 2\)"):
        prep.transform(bad)
    with pytest.raises(ValueError, match=r"labels? the model was not trained on: 'maybe'"):
        prep.transform_target(frame().assign(label=["yes", "maybe", "no", "no", "yes", "yes"]))
    with pytest.raises(ValueError, match=r"target column 'label' has 1 missing value \(data rows 3\)"):
        TabularPreprocessor("label").fit(frame().assign(label=["yes", "no", None, "no", "no", "yes"]))
    with pytest.raises(ValueError, match="has no column 'nope'"):
        TabularPreprocessor("nope").fit(frame())
    with pytest.raises(ValueError, match="no feature columns left"):
        TabularPreprocessor("label", drop=["age", "rooms", "city", "vip"]).fit(frame())
    with pytest.raises(RuntimeError, match="not fitted"):
        TabularPreprocessor("label").transform(frame())


def test_row_numbers_are_file_rows_even_for_a_subset():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, np.inf, 5.0], "y": [0, 1, 0, 1, 0]})
    with pytest.raises(ValueError, match=r"column 'x' holds infinite values \(data rows 4\)"):
        TabularPreprocessor("y").fit(df.iloc[[1, 3, 4]])          # the training rows of a split


def test_too_many_categories_names_every_column():
    n = 60
    df = pd.DataFrame({"name": [f"n{i}" for i in range(n)], "note": [f"t{i % 55}" for i in range(n)],
                       "ok": ["a", "b"] * (n // 2), "y": np.arange(n) * 0.5})
    with pytest.raises(TooManyCategoriesError) as info:
        TabularPreprocessor("y").fit(df)
    assert info.value.columns == {"name": 60, "note": 55} and info.value.limit == 50
    assert "drop=['name', 'note']" in str(info.value)
    prep = TabularPreprocessor("y", drop=["name", "note"]).fit(df)
    assert prep.feature_names_ == ["ok=a", "ok=b"]
    assert TabularPreprocessor("y", max_categories=60).fit(df).n_features == 60 + 55 + 2


def test_numeric_codes_forced_categorical_match_across_dtypes():
    df = pd.DataFrame({"zip": [98178, 98125, 98178], "y": [1.0, 2.5, 3.0]})
    prep = TabularPreprocessor("y", categorical=["zip"]).fit(df)
    assert prep.feature_names_ == ["zip=98125", "zip=98178"]
    # read back with a missing value, the column is float: 98178.0 must still be '98178'
    x = prep.transform(pd.DataFrame({"zip": [98178.0, np.nan, 98125.0]}))
    np.testing.assert_array_equal(x, [[0, 1], [0, 0], [1, 0]])


# ------------------------------------------------------------------------------------- targets
def test_regression_target_is_standardized_and_inverted():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "price": [100.0, 200.0, 300.0, 400.0]})
    prep = TabularPreprocessor("price").fit(df)
    y = prep.transform_target(df)
    assert y.dtype == np.float32 and y.shape == (4, 1)
    np.testing.assert_allclose(y.mean(), 0, atol=1e-6)
    np.testing.assert_allclose(prep.inverse_transform_target(y), df["price"], rtol=1e-6)
    assert list(prep.predictions_frame(y).columns) == ["predicted_price"]


def test_multiclass_and_multilabel_targets_decode_to_the_data_labels():
    df = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4], "g": ["B", "A", "C", "A"]})
    prep = TabularPreprocessor("g").fit(df)
    assert prep.task_ == "multiclass" and prep.output_units == 3
    np.testing.assert_array_equal(prep.transform_target(df), [1, 0, 2, 0])
    proba = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    assert prep.inverse_transform_target(proba).tolist() == ["B", "A"]
    out = prep.predictions_frame(proba)
    assert list(out.columns) == ["predicted_g", "proba_A", "proba_B", "proba_C"]
    ints = TabularPreprocessor("g").fit(pd.DataFrame({"x": [1, 2, 3], "g": [3, 7, 5]}))
    assert ints.inverse_transform_target([[0, 0, 1.0]]).tolist() == [7]    # numbers stay numbers
    ml = pd.DataFrame({"x": [1, 2, 3], "a": [0, 1, 1], "b": [1, 1, 0]})
    prep = TabularPreprocessor(["a", "b"]).fit(ml)
    assert prep.task_ == "multilabel" and prep.output_units == 2
    np.testing.assert_array_equal(prep.transform_target(ml), ml[["a", "b"]])
    out = prep.predictions_frame([[0.9, 0.2], [0.4, 0.6]])
    assert list(out.columns) == ["predicted_a", "predicted_b", "proba_a", "proba_b"]
    assert out["predicted_a"].tolist() == [1, 0]


def test_binary_threshold_is_strict_as_keras_binary_accuracy():
    prep = TabularPreprocessor("label").fit(frame())
    assert prep.inverse_transform_target([[0.5], [0.5000001]]).tolist() == ["no", "yes"]
    out = prep.predictions_frame([[0.25]])
    assert out.iloc[0].tolist() == ["no", 0.75, 0.25]


# ---------------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("target, scaling", [("label", "standard"), ("age", "minmax"), ("rooms", "standard")])
def test_json_round_trip(tmp_path, target, scaling):
    df = frame().dropna(subset=[target])
    prep = TabularPreprocessor(target, scaling=scaling).fit(df)
    text = json.dumps(prep.to_dict(), allow_nan=False)              # strict JSON: no NaN anywhere
    again = TabularPreprocessor.from_dict(json.loads(text))
    for p in (again, None):
        if p is None:
            prep.save(tmp_path / "prep.json")
            p = TabularPreprocessor.load(tmp_path / "prep.json")
        assert p.task_ == prep.task_ and p.feature_names_ == prep.feature_names_
        np.testing.assert_array_equal(p.transform(df), prep.transform(df))
        np.testing.assert_array_equal(p.transform_target(df), prep.transform_target(df))
        out = np.random.default_rng(0).uniform(size=(len(df), prep.output_units))
        pd.testing.assert_frame_equal(p.predictions_frame(out), prep.predictions_frame(out))
        assert p.describe() == prep.describe()


def test_from_dict_refuses_foreign_or_broken_descriptions(tmp_path):
    with pytest.raises(ValueError, match="not a glassnet preprocessing description"):
        TabularPreprocessor.from_dict({"format": "something else"})
    data = TabularPreprocessor("label").fit(frame()).to_dict()
    del data["columns"]
    with pytest.raises(ValueError, match="incomplete"):
        TabularPreprocessor.from_dict(data)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        TabularPreprocessor.load(tmp_path / "bad.json")


def test_importing_does_not_import_pandas():
    code = "import sys, glassnet.preprocessing, glassnet.cli; assert 'pandas' not in sys.modules, 'pandas'"
    subprocess.run([sys.executable, "-c", code], check=True)

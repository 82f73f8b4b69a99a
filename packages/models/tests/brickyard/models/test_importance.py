from collections.abc import Callable

import pyarrow as pa
import pytest

from brickyard.models import ModelError, ModelInputs, ModelParams, permutation_importances, train


def test_the_informative_feature_matters_most(
    small: pa.Table, make_synthetic: Callable[..., pa.Table]
) -> None:
    noisy = small.append_column("noise", pa.array(make_synthetic(seed=11)["x1"].to_numpy()))
    model = train(noisy, ModelInputs("date", ["noise", "x1", "x2"], "y"), name="m")
    held_out = make_synthetic(seed=5).append_column("noise", make_synthetic(seed=12)["x1"])
    importance = permutation_importances(model, held_out, n_repeats=3, seed=0)
    assert list(importance) == ["noise", "x1", "x2"]
    assert importance["x1"] > importance["x2"] > importance["noise"]
    assert importance["x1"] > 1.0


def test_importance_is_reproducible(small: pa.Table) -> None:
    model = train(
        small, ModelInputs("date", ["x1", "x2"], "y"), name="m", params=ModelParams(max_iter=30)
    )
    first = permutation_importances(model, small, n_repeats=2, seed=3)
    assert permutation_importances(model, small, n_repeats=2, seed=3) == first


def test_importance_needs_labelled_rows(small: pa.Table) -> None:
    model = train(
        small, ModelInputs("date", ["x1"], "y"), name="m", params=ModelParams(max_iter=10)
    )
    unlabelled = small.set_column(4, "y", pa.nulls(small.num_rows, pa.float64()))
    with pytest.raises(ModelError, match="no row has a 'y' value"):
        permutation_importances(model, unlabelled)

import math

import numpy as np
import pyarrow as pa
import pytest

from brickyard.models import Metrics, ModelError, evaluate


def test_metrics_by_hand() -> None:
    metrics = evaluate([1.0, 2.0, 3.0, 0.0], [2.0, 2.0, 1.0, 0.0])
    assert metrics.n == 4
    assert metrics.mae == pytest.approx(0.75)
    assert metrics.rmse == pytest.approx(math.sqrt(5 / 4))
    # sMAPE terms: 2*1/3, 0, 2*2/4, and 0 for the 0/0 pair.
    assert metrics.smape == pytest.approx(100 * (2 / 3 + 1.0) / 4)
    # R2 = 1 - SSE/SST with SSE = 5 and SST = 5 around the mean 1.5.
    assert metrics.r2 == pytest.approx(0.0)


def test_perfect_predictions() -> None:
    metrics = evaluate(np.array([3.0, -1.0]), pa.array([3.0, -1.0]))
    assert metrics == Metrics(n=2, mae=0.0, rmse=0.0, smape=0.0, r2=1.0)
    assert metrics.as_dict() == {"n": 2, "mae": 0.0, "rmse": 0.0, "smape": 0.0, "r2": 1.0}


def test_single_pair_has_no_r2() -> None:
    assert evaluate([2.0], [1.0]).r2 is None


@pytest.mark.parametrize(
    ("actual", "predicted", "message"),
    [
        ([1.0, 2.0], [1.0], "actual has 2 values but predicted has 1"),
        ([], [], "no values to evaluate"),
        ([1.0, float("nan")], [1.0, 2.0], "actual has 1 missing or non-finite value.*position 1"),
        (pa.array([1.0, None]), [1.0, 2.0], "actual has 1 missing"),
        ([1.0], ["x"], "predicted values are not numeric"),
    ],
)
def test_unusable_inputs_are_refused(actual: object, predicted: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        evaluate(actual, predicted)

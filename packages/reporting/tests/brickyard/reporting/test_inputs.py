from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pyarrow as pa
import pytest

from brickyard.reporting import MAX_REJECT_SAMPLE, DataQuality, ReportError, ReportInputs


def test_predictions_are_normalised_to_the_report_columns_sorted_by_entity_and_time(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions(("Munich", "Berlin"))
    table = table.append_column("debug", pa.array(["x"] * table.num_rows))
    reversed_rows = table.take(list(range(table.num_rows - 1, -1, -1)))

    predictions = make_inputs(predictions=reversed_rows).predictions

    assert predictions.column_names == ["time", "actual", "predicted", "baseline", "entity"]
    assert predictions.schema.field("actual").type == pa.float64()
    entities = predictions["entity"].to_pylist()
    assert entities == sorted(entities)
    berlin_times = [row["time"] for row in predictions.to_pylist() if row["entity"] == "Berlin"]
    assert berlin_times == sorted(berlin_times)


def test_integer_values_and_integer_entities_are_accepted(
    make_inputs: Callable[..., ReportInputs],
) -> None:
    table = pa.table(
        {
            "time": pa.array([date(2024, 6, 1), date(2024, 6, 2)], pa.date32()),
            "actual": pa.array([21, None], pa.int64()),
            "predicted": pa.array([20, 22], pa.int64()),
            "baseline": pa.array([None, None], pa.null()),
            "entity": pa.array([7, 7], pa.int32()),
        }
    )

    predictions = make_inputs(predictions=table).predictions

    assert predictions["predicted"].to_pylist() == [20.0, 22.0]
    assert predictions["entity"].to_pylist() == ["7", "7"]


def test_counts_that_do_not_reconcile_raise(make_quality: Callable[..., DataQuality]) -> None:
    with pytest.raises(ReportError, match=r"read_count=100 .* 90 \+ 3 = 93"):
        make_quality(read_count=100, accepted_count=90, rejected_count=3)


def test_negative_count_raises(make_quality: Callable[..., DataQuality]) -> None:
    with pytest.raises(ReportError, match="rejected_count must be a non-negative integer"):
        make_quality(read_count=97, accepted_count=98, rejected_count=-1)


def test_missing_columns_are_named(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions().drop_columns(["actual", "baseline"])

    with pytest.raises(ReportError) as raised:
        make_inputs(predictions=table)

    message = str(raised.value)
    assert "missing column(s) 'actual', 'baseline'" in message
    assert "'time', 'predicted'" in message


def test_time_column_must_be_a_date(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions()
    table = table.set_column(0, "time", table["time"].cast(pa.string()))

    with pytest.raises(ReportError, match="column 'time' has type string, expected a date"):
        make_inputs(predictions=table)


def test_null_prediction_is_reported_with_its_row(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions()
    predicted = table["predicted"].to_pylist()
    predicted[4] = None
    table = table.set_column(2, "predicted", pa.array(predicted, pa.float64()))

    with pytest.raises(ReportError, match=r"column 'predicted' is null at row index\(es\) 4;"):
        make_inputs(predictions=table)


def test_nan_value_is_rejected_in_favour_of_null(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions()
    actual = table["actual"].to_pylist()
    actual[2] = float("nan")
    table = table.set_column(1, "actual", pa.array(actual, pa.float64()))

    with pytest.raises(ReportError, match=r"'actual' has NaN .* index\(es\) 2; use null"):
        make_inputs(predictions=table)


def test_duplicated_day_of_an_entity_is_rejected(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    table = make_predictions(("Berlin",))
    table = pa.concat_tables([table, table.slice(3, 1)])

    with pytest.raises(ReportError, match="duplicated key.*entity=Berlin, time=2024-06-04"):
        make_inputs(predictions=table)


def test_empty_predictions_are_rejected(
    make_inputs: Callable[..., ReportInputs], make_predictions: Callable[..., pa.Table]
) -> None:
    with pytest.raises(ReportError, match="has no rows"):
        make_inputs(predictions=make_predictions().slice(0, 0))


def test_metrics_need_model_and_baseline(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match="missing 'baseline', unexpected 'naive'"):
        make_inputs(metrics={"model": {"MAE": 1.0}, "naive": {"MAE": 2.0}})


def test_metrics_need_mae_on_both_sides(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match=r"metrics\['baseline'\] has no MAE"):
        make_inputs(metrics={"model": {"MAE": 1.0}, "baseline": {"RMSE": 2.0}})


def test_mae_is_found_in_any_letter_case(make_inputs: Callable[..., ReportInputs]) -> None:
    inputs = make_inputs(metrics={"model": {"mae": 1.0}, "baseline": {"Mae": 2.0}})

    assert inputs.metrics["model"] == {"mae": 1.0}


def test_non_finite_metric_names_its_key(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match=r"metrics\['model'\]\['RMSE'\] must be a finite"):
        make_inputs(metrics={"model": {"MAE": 1.0, "RMSE": float("inf")}, "baseline": {"MAE": 2.0}})


def test_feature_importance_must_be_numbers(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match=r"feature_importance\['lag_1'\] must be a finite"):
        make_inputs(feature_importance={"lag_1": "high"})


def test_rejects_sample_is_capped(make_quality: Callable[..., DataQuality]) -> None:
    sample = [{"line": i, "reason": "bad"} for i in range(MAX_REJECT_SAMPLE + 1)]

    with pytest.raises(ReportError, match=rf"has {MAX_REJECT_SAMPLE + 1} rows but at most"):
        make_quality(read_count=121, accepted_count=100, rejected_count=21, rejects_sample=sample)


def test_rejects_sample_rows_need_line_and_reason(make_quality: Callable[..., DataQuality]) -> None:
    with pytest.raises(ReportError, match=r"rejects_sample\[1\] is missing key\(s\) 'reason'"):
        make_quality(rejects_sample=[{"line": 1, "reason": "x"}, {"line": 2}])


def test_as_of_must_be_a_date_not_a_datetime(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match=r"as_of must be a datetime.date.*\.date\(\)"):
        make_inputs(as_of=datetime(2024, 6, 29, 6, 0))


def test_provenance_values_must_be_strings(make_inputs: Callable[..., ReportInputs]) -> None:
    with pytest.raises(ReportError, match=r"run\['seed'\] = 42"):
        make_inputs(run={"seed": 42})


def test_inputs_do_not_change_when_the_caller_mutates_its_dicts(
    make_inputs: Callable[..., ReportInputs], make_quality: Callable[..., DataQuality]
) -> None:
    importance = {"lag_1": 1.0}
    reasons = {"out_of_range": 3}
    inputs = make_inputs(
        feature_importance=importance, quality=make_quality(rejects_by_reason=reasons)
    )

    importance["lag_2"] = 2.0
    reasons["out_of_range"] = 99

    assert inputs.feature_importance == {"lag_1": 1.0}
    assert inputs.quality.rejects_by_reason == {"out_of_range": 3}


def test_reject_rate(make_quality: Callable[..., DataQuality]) -> None:
    assert make_quality().reject_rate == pytest.approx(0.03)
    assert (
        make_quality(
            read_count=0,
            accepted_count=0,
            rejected_count=0,
            rejects_by_reason={},
            rejects_sample=[],
        ).reject_rate
        == 0.0
    )

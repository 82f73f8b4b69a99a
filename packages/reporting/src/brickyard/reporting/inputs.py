"""Typed, validated inputs of one report: predictions, metrics, data quality and provenance.

Validation happens when the objects are built, so a report is never half-rendered from
inconsistent inputs; every error names the field (and column, row or key) at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from numbers import Real

import pyarrow as pa
import pyarrow.compute as pc

from brickyard.reporting.errors import ReportError

REQUIRED_COLUMNS = ("time", "actual", "predicted", "baseline")
"""Columns every predictions table must have; ``entity`` is optional."""

ENTITY_COLUMN = "entity"
MAX_REJECT_SAMPLE = 20
"""Most rejected rows a report shows; pass a sample, not the whole quarantine."""

METRIC_SIDES = ("model", "baseline")
_HEADLINE_METRIC = "mae"
_SHOWN_ROWS = 5


@dataclass(frozen=True)
class DataQuality:
    """What ingest did with the source rows of one dataset.

    ``rejects_sample`` holds at most ``MAX_REJECT_SAMPLE`` mappings, each with at least the
    keys ``line`` (where the row was in the source) and ``reason`` (why it was rejected).
    """

    dataset: str
    read_count: int
    accepted_count: int
    rejected_count: int
    rejects_by_reason: Mapping[str, int] = field(default_factory=dict)
    rejects_sample: Sequence[Mapping[str, object]] = ()

    def __post_init__(self) -> None:
        where = f"DataQuality for dataset {self.dataset!r}"
        for name in ("read_count", "accepted_count", "rejected_count"):
            _check_count(getattr(self, name), f"{where}: {name}")
        total = self.accepted_count + self.rejected_count
        if self.read_count != total:
            raise ReportError(
                f"{where}: counts do not reconcile: read_count={self.read_count} but "
                f"accepted_count + rejected_count = {self.accepted_count} + "
                f"{self.rejected_count} = {total}. Every row read must be either accepted or "
                "rejected; take all three counts from the same ingest run."
            )
        for reason, count in self.rejects_by_reason.items():
            if not isinstance(reason, str):
                raise ReportError(
                    f"{where}: rejects_by_reason key {reason!r} must be a reason name (str)"
                )
            _check_count(count, f"{where}: rejects_by_reason[{reason!r}]")
        if len(self.rejects_sample) > MAX_REJECT_SAMPLE:
            raise ReportError(
                f"{where}: rejects_sample has {len(self.rejects_sample)} rows but at most "
                f"{MAX_REJECT_SAMPLE} are shown; pass a sample such as "
                f"rejects[:{MAX_REJECT_SAMPLE}]"
            )
        for index, row in enumerate(self.rejects_sample):
            missing = [key for key in ("line", "reason") if key not in row]
            if missing:
                raise ReportError(
                    f"{where}: rejects_sample[{index}] is missing key(s) "
                    f"{_quoted(missing)}; each sampled row needs 'line' (its place in the "
                    "source) and 'reason' (why it was rejected)"
                )
        # Defensive copies: the report must not change if the caller mutates its dicts later.
        object.__setattr__(self, "rejects_by_reason", dict(self.rejects_by_reason))
        object.__setattr__(self, "rejects_sample", tuple(dict(r) for r in self.rejects_sample))

    @property
    def reject_rate(self) -> float:
        """Fraction of the rows read that were rejected (0.0 when nothing was read)."""
        return self.rejected_count / self.read_count if self.read_count else 0.0


@dataclass(frozen=True)
class ReportInputs:
    """Everything one daily forecasting report shows.

    ``predictions`` needs the columns ``time`` (date), ``actual`` (float, null for days not
    observed yet), ``predicted`` (float), ``baseline`` (float, may be null) and optionally
    ``entity``. It is stored normalised: only those columns, values as float64, entity as
    string, sorted by entity and time.

    ``metrics`` maps ``"model"`` and ``"baseline"`` to ``{metric name: value}``; both need
    MAE (any letter case) for the headline. ``run`` holds provenance strings such as the
    model version or the training-data fingerprint. ``unit`` labels values (e.g. ``"°C"``).
    """

    title: str
    as_of: date
    dataset: str
    predictions: pa.Table
    metrics: Mapping[str, Mapping[str, float]]
    feature_importance: Mapping[str, float]
    quality: DataQuality
    run: Mapping[str, str]
    unit: str = ""

    def __post_init__(self) -> None:
        for name in ("title", "dataset"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ReportError(f"ReportInputs.{name} must be a non-empty string, got {value!r}")
        if not isinstance(self.unit, str):
            raise ReportError(f"ReportInputs.unit must be a string, got {self.unit!r}")
        if isinstance(self.as_of, datetime) or not isinstance(self.as_of, date):
            raise ReportError(
                f"ReportInputs.as_of must be a datetime.date (the scoring day), got "
                f"{self.as_of!r}; for a datetime pass its .date()"
            )
        if not isinstance(self.quality, DataQuality):
            raise ReportError(
                f"ReportInputs.quality must be a DataQuality, got {type(self.quality).__name__}"
            )
        object.__setattr__(self, "predictions", _normalised_predictions(self.predictions))
        object.__setattr__(self, "metrics", _checked_metrics(self.metrics))
        object.__setattr__(
            self,
            "feature_importance",
            {
                _checked_key(name, "ReportInputs.feature_importance"): _checked_number(
                    value, f"ReportInputs.feature_importance[{name!r}]"
                )
                for name, value in self.feature_importance.items()
            },
        )
        object.__setattr__(self, "run", _checked_run(self.run))

    @property
    def has_entities(self) -> bool:
        """Whether the predictions cover several series, told apart by ``entity``."""
        return ENTITY_COLUMN in self.predictions.column_names

    @property
    def ranked_importance(self) -> list[tuple[str, float]]:
        """Features most important first; ties broken by name so the order is reproducible."""
        return sorted(self.feature_importance.items(), key=lambda item: (-item[1], item[0]))


def _normalised_predictions(table: object) -> pa.Table:
    where = "ReportInputs.predictions"
    if not isinstance(table, pa.Table):
        raise ReportError(f"{where} must be a pyarrow.Table, got {type(table).__name__}")
    missing = [name for name in REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        raise ReportError(
            f"{where} is missing column(s) {_quoted(missing)}; it has "
            f"{_quoted(table.column_names)}. Expected time (date), actual (float, null for "
            "days not observed yet), predicted (float), baseline (float) and optionally entity."
        )
    if table.num_rows == 0:
        raise ReportError(f"{where} has no rows; a report needs at least the forecast row")

    time_type = table.schema.field("time").type
    if not pa.types.is_date(time_type):
        raise ReportError(
            f"{where} column 'time' has type {time_type}, expected a date; cast it, e.g. "
            "pyarrow.compute.cast(column, pyarrow.date32())"
        )
    columns: dict[str, pa.ChunkedArray] = {"time": table["time"].cast(pa.date32())}
    for name in ("actual", "predicted", "baseline"):
        column = table[name]
        kind = column.type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_null(kind)):
            raise ReportError(f"{where} column {name!r} has type {kind}, expected a float")
        values = column.cast(pa.float64())
        bad = pc.indices_nonzero(pc.invert(pc.fill_null(pc.is_finite(values), True)))
        if len(bad):
            raise ReportError(
                f"{where} column {name!r} has NaN or infinite values at row index(es) "
                f"{_rows(bad.to_pylist())}; use null for a missing value"
            )
        columns[name] = values
    _check_no_nulls(table, "time", where)
    _check_no_nulls(table, "predicted", where)

    sort_keys = [("time", "ascending")]
    if ENTITY_COLUMN in table.column_names:
        _check_no_nulls(table, ENTITY_COLUMN, where)
        try:
            columns[ENTITY_COLUMN] = table[ENTITY_COLUMN].cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise ReportError(
                f"{where} column 'entity' has type {table.schema.field(ENTITY_COLUMN).type}, "
                "which cannot be shown as text; use string or integer ids"
            ) from error
        sort_keys.insert(0, (ENTITY_COLUMN, "ascending"))
    normalised = pa.table(columns)

    keys = [key for key, _ in sort_keys]
    counts = normalised.group_by(keys, use_threads=False).aggregate([([], "count_all")])
    duplicated = counts.filter(pc.greater(counts["count_all"], 1))
    if duplicated.num_rows:
        first = duplicated.slice(0, 1).to_pylist()[0]
        what = ", ".join(f"{key}={first[key]}" for key in keys)
        raise ReportError(
            f"{where} has {duplicated.num_rows} duplicated key(s) ({' + '.join(keys)}), first "
            f"{what}; keep one prediction per day" + (" and entity" if len(keys) > 1 else "")
        )
    return normalised.sort_by(sort_keys)


def _checked_metrics(metrics: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    where = "ReportInputs.metrics"
    missing = [side for side in METRIC_SIDES if side not in metrics]
    unexpected = [side for side in metrics if side not in METRIC_SIDES]
    if missing or unexpected:
        raise ReportError(
            f"{where} must have exactly the keys {_quoted(METRIC_SIDES)}; "
            f"missing {_quoted(missing) or 'none'}, unexpected {_quoted(unexpected) or 'none'}"
        )
    checked: dict[str, dict[str, float]] = {}
    for side in METRIC_SIDES:
        values = {
            _checked_key(name, f"{where}[{side!r}]"): _checked_number(
                value, f"{where}[{side!r}][{name!r}]"
            )
            for name, value in metrics[side].items()
        }
        if not any(name.lower() == _HEADLINE_METRIC for name in values):
            raise ReportError(
                f"{where}[{side!r}] has no MAE (it has {_quoted(values) or 'nothing'}); the "
                "headline compares model MAE with baseline MAE, so pass both"
            )
        checked[side] = values
    return checked


def _checked_run(run: Mapping[str, str]) -> dict[str, str]:
    for key, value in run.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ReportError(
                f"ReportInputs.run[{key!r}] = {value!r}: provenance keys and values must be "
                "strings; format versions and fingerprints with str()"
            )
    return dict(run)


def _check_count(value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportError(f"{where} must be a non-negative integer, got {value!r}")


def _checked_key(name: object, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise ReportError(f"{where} has key {name!r}; names must be non-empty strings")
    return name


def _checked_number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ReportError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _check_no_nulls(table: pa.Table, name: str, where: str) -> None:
    nulls = pc.indices_nonzero(pc.is_null(table[name]))
    if len(nulls):
        raise ReportError(
            f"{where} column {name!r} is null at row index(es) {_rows(nulls.to_pylist())}; "
            f"every row needs a {name}"
        )


def _rows(indices: list[int]) -> str:
    shown = ", ".join(str(index) for index in indices[:_SHOWN_ROWS])
    more = len(indices) - _SHOWN_ROWS
    return shown + (f" and {more} more" if more > 0 else "")


def _quoted(names: Sequence[str] | Mapping[str, object]) -> str:
    return ", ".join(repr(name) for name in names)

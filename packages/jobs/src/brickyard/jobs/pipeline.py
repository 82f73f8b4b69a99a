"""The pipelines: ingest -> features -> models -> reporting, composed for scheduling.

Outputs under the output directory:
  ingest/<dataset>.parquet, .rejects.csv, .ingest.json   the validated data and its quarantine
  models/<model>/<as-of>/                                 one trained model per training day
  models/<model>/current.json                             which trained model `daily` uses
  runs/<as-of>/report.html, summary.json, forecast.csv   the daily report

Every file is replaced atomically and the content depends only on the inputs and the
as-of date, so re-running a day reproduces byte-identical outputs.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from brickyard.features import (
    DuckDBEngine,
    FeatureComputationError,
    FeatureEngine,
    FeatureSet,
    compute_features,
    load_feature_set,
)
from brickyard.ingest import IngestError, IngestResult, ingest, load_contract, seattle_weather_path
from brickyard.jobs.errors import ConfigError, DataError, NotYetAvailableError
from brickyard.jobs.runlock import single_instance
from brickyard.jobs.settings import Settings, default_config_dir
from brickyard.models import (
    IncompatibleModelError,
    ModelInputs,
    ModelParams,
    TrainedModel,
    backtest,
    evaluate,
    load_model,
    permutation_importances,
    save_model,
    score,
    train,
)
from brickyard.reporting import DataQuality, ReportInputs, report_metrics, write_report

log = logging.getLogger("brickyard.jobs")

SAMPLE_PREFIX = "sample:"
REPORT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class JobContext:
    job: str
    settings: Settings
    as_of: date | None
    output_dir: Path
    config_dir: Path | None = None

    @property
    def config_root(self) -> Path:
        return self.config_dir or default_config_dir()


@dataclass(frozen=True)
class PreparedData:
    ingest: IngestResult
    feature_set: FeatureSet
    features: pa.Table  # one row per day up to and including the forecast day
    as_of: date


@contextmanager
def _step(number: int, total: int, name: str) -> Iterator[None]:
    log.info("step %d/%d: %s ...", number, total, name, extra={"step": name})
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    log.info(
        "step %d/%d: %s done in %.1fs",
        number,
        total,
        name,
        seconds,
        extra={"step": name, "seconds": round(seconds, 3)},
    )


def run_pipeline(context: JobContext) -> Path:
    """Train on history up to the report window, then score and report the as-of day."""
    with _locked(context), _engine(context) as engine:
        data = _prepare(context, engine, steps=5)
        train_as_of = data.as_of - timedelta(days=REPORT_WINDOW_DAYS)
        with _step(3, 5, f"train and backtest as of {train_as_of}"):
            _train(context, data, train_as_of)
        with _step(4, 5, "score"):
            model = _current_model(context, data)
        with _step(5, 5, "report"):
            return _report(context, data, model, engine)


def run_train(context: JobContext) -> Path:
    with _locked(context), _engine(context) as engine:
        data = _prepare(context, engine, steps=3)
        with _step(3, 3, f"train and backtest as of {data.as_of}"):
            return _train(context, data, data.as_of)


def run_daily(context: JobContext) -> Path:
    with _locked(context), _engine(context) as engine:
        data = _prepare(context, engine, steps=4)
        with _step(3, 4, "score"):
            model = _current_model(context, data)
        with _step(4, 4, "report"):
            return _report(context, data, model, engine)


@contextmanager
def _engine(context: JobContext) -> Iterator[FeatureEngine]:
    """The engine that computes features and scores, for the whole run."""
    settings = context.settings.engine
    if settings.name == "duckdb":
        yield DuckDBEngine()
        return
    # Imported here: only Spark runs need pyspark, which the default executables leave out.
    from brickyard.features.spark import SparkEngine, spark_session

    log.info("starting Spark on %s", settings.spark_master, extra={"engine": settings.name})
    try:
        session = spark_session(
            settings.spark_master,
            app_name=f"brickyard-{context.job}",
            config={"spark.driver.memory": settings.spark_driver_memory},
        )
    except FeatureComputationError as error:
        raise ConfigError(f"engine {settings.name}: {error}") from error
    try:
        yield SparkEngine(session)
    finally:
        session.stop()


@contextmanager
def _locked(context: JobContext) -> Iterator[None]:
    as_of = context.as_of.isoformat() if context.as_of else "latest"
    timeout = context.settings.run.lock_timeout_seconds
    with single_instance(context.output_dir / ".locks", context.job, as_of, timeout):
        yield


def _prepare(context: JobContext, engine: FeatureEngine, steps: int) -> PreparedData:
    settings = context.settings
    with _step(1, steps, f"ingest {settings.dataset.name}"):
        result = _ingest(context)
        log.info(
            "read %d rows: %d accepted, %d rejected",
            result.read_count,
            result.accepted_count,
            result.rejected_count,
            extra={
                "read": result.read_count,
                "accepted": result.accepted_count,
                "rejected": result.rejected_count,
            },
        )
        if result.accepted_count == 0:
            raise DataError(f"no valid rows in {result.source}; see the rejects file")
    with _step(2, steps, f"features on {engine.name}"):
        feature_set = load_feature_set(context.config_root / settings.features.definition)
        if settings.features.entity:
            feature_set = feature_set.with_entity_column(settings.features.entity)
        accepted = result.accepted
        time_column = feature_set.time_column
        latest = pc.max(accepted[time_column]).as_py()
        as_of = context.as_of or latest
        if as_of > latest:
            raise NotYetAvailableError(
                f"no data for {as_of} yet: the latest day in {result.source} is {latest}; "
                "retry once the data has arrived"
            )
        history = accepted.filter(pc.less_equal(accepted[time_column], pa.scalar(as_of)))
        features = compute_features(
            _with_forecast_day(history, feature_set, as_of), feature_set, engine=engine
        )
    return PreparedData(ingest=result, feature_set=feature_set, features=features, as_of=as_of)


def _ingest(context: JobContext) -> IngestResult:
    settings = context.settings
    contract = load_contract(context.config_root / settings.dataset.contract)
    out_dir = context.output_dir / "ingest"
    try:
        if settings.dataset.source.startswith(SAMPLE_PREFIX):
            sample = settings.dataset.source[len(SAMPLE_PREFIX) :]
            if sample != "seattle_weather":
                raise DataError(f"unknown sample dataset {sample!r}; known: seattle_weather")
            with seattle_weather_path() as path:
                return ingest(path, contract, out_dir, dataset_name=settings.dataset.name)
        return ingest(
            settings.dataset.source, contract, out_dir, dataset_name=settings.dataset.name
        )
    except IngestError as error:
        raise DataError(str(error)) from error


def _with_forecast_day(history: pa.Table, feature_set: FeatureSet, as_of: date) -> pa.Table:
    """Append the day after `as_of` with unknown values, so it gets features (from the past
    only, which is what point-in-time correctness guarantees) and can be forecast."""
    if feature_set.entity_column:
        entities = pc.unique(history[feature_set.entity_column]).to_pylist()
    else:
        entities = [None]
    forecast_day = as_of + timedelta(days=1)
    rows: dict[str, list[Any]] = {name: [None] * len(entities) for name in history.schema.names}
    rows[feature_set.time_column] = [forecast_day] * len(entities)
    if feature_set.entity_column:
        rows[feature_set.entity_column] = entities
    future = pa.table(rows, schema=history.schema)
    return pa.concat_tables([history, future])


def _model_dir(context: JobContext) -> Path:
    return context.output_dir / "models" / context.settings.model.name


def _train(context: JobContext, data: PreparedData, train_as_of: date) -> Path:
    settings = context.settings
    feature_set = data.feature_set
    time_column = feature_set.time_column
    training = data.features.filter(
        pc.and_(
            pc.less_equal(data.features[time_column], pa.scalar(train_as_of)),
            pc.is_valid(data.features[feature_set.target]),
        )
    )
    if training.num_rows == 0:
        raise DataError(f"no training rows on or before {train_as_of}")
    params = ModelParams(
        max_iter=settings.model.max_iter,
        learning_rate=settings.model.learning_rate,
        max_leaf_nodes=settings.model.max_leaf_nodes,
    )
    inputs = ModelInputs.from_feature_set(feature_set)
    result = backtest(
        training,
        time_column=inputs.time_column,
        feature_names=inputs.feature_names,
        target=inputs.target,
        n_splits=settings.backtest.n_splits,
        test_days=settings.backtest.test_days,
        baseline_feature=settings.model.baseline_feature,
        entity_column=inputs.entity_column,
        params=params,
    )
    log.info(
        "backtest over %d folds: MAE %.3f (baseline %.3f)",
        len(result.folds),
        result.model.mae,
        result.baseline.mae,
        extra={"backtest_mae": result.model.mae, "baseline_mae": result.baseline.mae},
    )
    model = train(
        training,
        inputs.feature_names,
        inputs.target,
        time_column=inputs.time_column,
        name=f"{settings.model.name}-{train_as_of.isoformat()}",
        entity_column=inputs.entity_column,
        params=params,
    ).with_metrics(
        {
            **{f"backtest_{key}": value for key, value in result.model.as_dict().items()},
            **{f"baseline_{key}": value for key, value in result.baseline.as_dict().items()},
        }
    )
    path = _model_dir(context) / train_as_of.isoformat()
    save_model(model, path)
    _write_atomically(
        _model_dir(context) / "current.json",
        json.dumps({"as_of": train_as_of.isoformat(), "path": path.name}, indent=2) + "\n",
    )
    log.info("model %s saved to %s", model.name, path, extra={"model_path": str(path)})
    return path


def _current_model(context: JobContext, data: PreparedData) -> TrainedModel:
    pointer = _model_dir(context) / "current.json"
    if not pointer.is_file():
        raise DataError(f"no trained model at {pointer}; run the train job first")
    current = json.loads(pointer.read_text())
    if date.fromisoformat(current["as_of"]) > data.as_of:
        raise DataError(
            f"the current model was trained as of {current['as_of']}, after the requested "
            f"as-of {data.as_of}: replaying that day would leak the future. Train as of "
            f"{data.as_of} or earlier first."
        )
    try:
        return load_model(
            _model_dir(context) / current["path"],
            expected_features=data.feature_set.feature_names,
        )
    except IncompatibleModelError as error:
        raise DataError(str(error)) from error


def _report(
    context: JobContext, data: PreparedData, model: TrainedModel, engine: FeatureEngine
) -> Path:
    settings = context.settings
    feature_set = data.feature_set
    time_column = feature_set.time_column
    window_start = data.as_of - timedelta(days=REPORT_WINDOW_DAYS - 1)
    window = data.features.filter(
        pc.greater_equal(data.features[time_column], pa.scalar(window_start))
    )
    # The same scoring function on every engine; on Spark it runs in the executors.
    scored = engine.map_batches(
        window, lambda part: score(model, part), score(model, window.slice(0, 0)).schema
    )
    baseline = window[settings.model.baseline_feature]
    predictions = pa.table(
        {
            "time": window[time_column],
            "actual": window[feature_set.target].cast(pa.float64()),
            "predicted": scored["prediction"],
            "baseline": baseline.cast(pa.float64()),
        }
    )
    known = predictions.filter(pc.is_valid(predictions["actual"]))
    baseline_known = known.filter(pc.is_valid(known["baseline"]))
    metrics = report_metrics(
        evaluate(known["actual"], known["predicted"]),
        evaluate(baseline_known["actual"], baseline_known["baseline"]),
    )
    result = data.ingest
    rejects_sample = [
        {"line": row["_line"], "reason": row["_reason"]}
        for row in result.rejected.slice(0, 20).to_pylist()
    ]
    inputs = ReportInputs(
        title=f"Daily {feature_set.target} forecast",
        as_of=data.as_of,
        dataset=settings.dataset.name,
        predictions=predictions,
        metrics=metrics,
        # Measured on the report window, which the model never saw in training.
        feature_importance=permutation_importances(model, window),
        quality=DataQuality(
            dataset=settings.dataset.name,
            read_count=result.read_count,
            accepted_count=result.accepted_count,
            rejected_count=result.rejected_count,
            rejects_by_reason=dict(result.reject_counts),
            rejects_sample=rejects_sample,
        ),
        run={
            "model version": model.name,
            "training data fingerprint": model.training.fingerprint,
            "trained on": f"{model.training.period_start} .. {model.training.period_end}",
            "environment": settings.environment,
            "feature set": settings.features.definition,
        },
    )
    run_dir = context.output_dir / "runs" / data.as_of.isoformat()
    paths = write_report(inputs, run_dir)
    _write_atomically(run_dir / "forecast.csv", _forecast_csv(predictions, data.as_of))
    log.info("report written to %s", paths.html, extra={"report": str(paths.html)})
    return paths.html


def _forecast_csv(predictions: pa.Table, as_of: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "predicted", "baseline"])
    for row in predictions.filter(pc.greater(predictions["time"], pa.scalar(as_of))).to_pylist():
        writer.writerow([row["time"].isoformat(), f"{row['predicted']:.3f}", row["baseline"]])
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)

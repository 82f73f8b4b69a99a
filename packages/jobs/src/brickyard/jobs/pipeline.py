"""The jobs: ingest -> features -> models -> reporting, each a list of named steps.

A job is a tuple of `Step`s, each named once; `run_job` runs them in order and numbers them
in the log ("step 2/5: features"). Data passes from step to step in memory, in a `Run`:
nothing is written only to be read back by the next step.

Outputs under the output directory:
  ingest/<dataset>.parquet, .rejects.csv, .ingest.json   every row read so far, validated, and
                                                          its quarantine
  ingest/watermarks.json                                  how far the source has been read
  models/<model>/<as-of>/                                 one trained model per training day
  models/<model>/current.json                             which trained model `daily` uses
  runs/<as-of>/report.html, summary.json, forecast.csv   the daily report

The ingest step reads only the rows newer than the last run's watermark and adds them to
what earlier runs read; features, model and report always see the whole history, exactly as
a run over the complete source with a fresh output directory would. Every file is replaced
atomically and the content depends only on the inputs and the as-of date, so re-running a
day reproduces byte-identical outputs.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from brickyard.core import ReadError, write_file
from brickyard.features import (
    DuckDBEngine,
    FeatureComputationError,
    FeatureDefinitionError,
    FeatureEngine,
    FeatureSet,
    compute_features,
    load_feature_set,
)
from brickyard.ingest import (
    ContractError,
    IncrementalResult,
    IngestError,
    ingest_incremental,
    load_contract,
    seattle_weather_path,
)
from brickyard.jobs.errors import ConfigError, DataError, NotYetAvailableError
from brickyard.jobs.runlock import exclusive, single_instance
from brickyard.jobs.settings import Settings, default_config_dir
from brickyard.models import (
    ModelError,
    ModelInputs,
    ModelParams,
    TrainedModel,
    backtest,
    evaluate,
    load_model,
    permutation_importances,
    prediction_schema,
    save_model,
    score,
    train,
)
from brickyard.reporting import DataQuality, ReportInputs, report_metrics, write_report

__all__ = ["JOBS", "JobContext", "Run", "Step", "run_job"]

log = logging.getLogger("brickyard.jobs")

SAMPLE_PREFIX = "sample:"
REPORT_WINDOW_DAYS = 90
# Dataset -> the largest watermark read so far, beside the ingest outputs it describes.
WATERMARKS_FILE = "watermarks.json"
# Two jobs (say train and daily) must not add to a dataset at once, or one's rows could be
# lost; an ingest takes seconds, so the second waits for the first rather than failing.
INGEST_LOCK_WAIT_SECONDS = 600


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
    feature_set: FeatureSet
    features: pa.Table  # one row per day up to and including the forecast day
    as_of: date


@dataclass(frozen=True)
class ScoredWindow:
    """The report window (the last days up to as-of, and the forecast day), scored."""

    rows: pa.Table  # the features of those days
    predictions: pa.Table  # time, actual, predicted, baseline: what the report shows


@dataclass
class Run:
    """One run of a job: its context and engine, and what its steps have made so far.

    `locks` holds, until the run ends, the lock of the job for its as-of day (`day`): taken
    at the start when --as-of gives the day, else as soon as a step knows it (the latest
    day in the data, after the ingest), so that two runs of a job for the same day exclude
    each other however the day was given.
    """

    context: JobContext
    engine: FeatureEngine
    locks: ExitStack
    day: date | None = None
    ingested: IncrementalResult | None = None
    data: PreparedData | None = None
    model: TrainedModel | None = None
    scored: ScoredWindow | None = None

    def hold_day(self, day: date) -> None:
        """Hold the job's lock for `day` for the rest of the run (75 if another run has it)."""
        if self.day == day:
            return
        if self.day is not None:
            raise RuntimeError(f"the run holds the lock of {self.day}, not of {day}")
        self.locks.enter_context(_day_lock(self.context, day))
        self.day = day


@dataclass(frozen=True)
class Step:
    """One named step of a job; it reads what earlier steps left in the `Run` and adds its own."""

    name: str
    run: Callable[[Run], None]


T = TypeVar("T")


def _made(value: T | None, what: str) -> T:
    """`value`, which an earlier step of the job must have made."""
    if value is None:
        raise RuntimeError(f"no step before this one made {what}; fix the job's list of steps")
    return value


def run_job(context: JobContext, steps: Sequence[Step]) -> Run:
    """Run `steps` in order, holding the job's lock for its day, with one engine for the
    whole run."""
    with ExitStack() as locks:
        if context.as_of is not None:
            locks.enter_context(_day_lock(context, context.as_of))
        with _engine(context) as engine:
            run = Run(context=context, engine=engine, locks=locks, day=context.as_of)
            for number, step in enumerate(steps, start=1):
                with _logged(f"step {number}/{len(steps)}: {step.name}", step.name):
                    step.run(run)
            return run


@contextmanager
def _logged(label: str, step: str) -> Iterator[None]:
    log.info("%s ...", label, extra={"step": step})
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    log.info("%s done in %.1fs", label, seconds, extra={"step": step, "seconds": round(seconds, 3)})


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
def _day_lock(context: JobContext, day: date) -> Iterator[None]:
    timeout = context.settings.run.lock_timeout_seconds
    with single_instance(context.output_dir / ".locks", context.job, day.isoformat(), timeout):
        yield


def _ingest(run: Run) -> None:
    """Read the rows the source gained since the last run and add them to the dataset."""
    settings = run.context.settings
    try:
        contract = load_contract(run.context.config_root / settings.dataset.contract)
    except ContractError as error:
        raise ConfigError(str(error)) from error
    out_dir = run.context.output_dir / "ingest"
    lock = run.context.output_dir / ".locks" / f"ingest-{settings.dataset.name}.lock"
    try:
        with (
            exclusive(lock, f"an ingest of {settings.dataset.name}", INGEST_LOCK_WAIT_SECONDS),
            _source(settings.dataset.source) as source,
        ):
            result = ingest_incremental(
                source,
                contract,
                out_dir,
                out_dir / WATERMARKS_FILE,
                dataset_name=settings.dataset.name,
            )
    except IngestError as error:
        raise DataError(str(error)) from error
    new, total = result.run, result.total
    since = (
        f"since {result.watermark_before}" if result.watermark_before is not None else "(full load)"
    )
    again = (
        f", {result.read_again} of them again (no readable {contract.watermark})"
        if result.read_again
        else ""
    )
    log.info(
        "read %d rows %s%s: %d accepted, %d rejected; %d rows in all",
        new.read_count,
        since,
        again,
        new.accepted_count,
        new.rejected_count,
        total.read_count,
        extra={
            "read": new.read_count,
            "read_again": result.read_again,
            "accepted": new.accepted_count,
            "rejected": new.rejected_count,
            "watermark_before": result.watermark_before,
            "watermark_after": result.watermark_after,
            "total_read": total.read_count,
            "total_accepted": total.accepted_count,
            "total_rejected": total.rejected_count,
        },
    )
    if total.accepted_count == 0:
        raise DataError(f"no valid rows in {total.source}; see the rejects file")
    run.ingested = result


@contextmanager
def _source(source: str) -> Iterator[str | Path]:
    """The path or query to read: `source` itself, or a sample shipped with brickyard-ingest."""
    if not source.startswith(SAMPLE_PREFIX):
        yield source
        return
    sample = source[len(SAMPLE_PREFIX) :]
    if sample != "seattle_weather":
        raise DataError(f"unknown sample dataset {sample!r}; known: seattle_weather")
    with seattle_weather_path() as path:
        yield path


def _features(run: Run) -> None:
    """Features of every day up to as-of, and of the day after it, the one to forecast."""
    context = run.context
    settings = context.settings
    accepted = _made(run.ingested, "the ingested data").total.accepted
    try:
        feature_set = load_feature_set(context.config_root / settings.features.definition)
    except FeatureDefinitionError as error:
        raise ConfigError(str(error)) from error
    if settings.features.entity:
        feature_set = feature_set.with_entity_column(settings.features.entity)
    time_column = feature_set.time_column
    latest = pc.max(accepted[time_column]).as_py()
    as_of = context.as_of or latest
    if as_of > latest:
        raise NotYetAvailableError(
            f"no data for {as_of} yet: the latest day in {settings.dataset.name} is {latest}; "
            "retry once the data has arrived"
        )
    run.hold_day(as_of)
    history = accepted.filter(pc.less_equal(accepted[time_column], pa.scalar(as_of)))
    features = compute_features(
        _with_forecast_day(history, feature_set, as_of), feature_set, engine=run.engine
    )
    log.info(
        "features of %d rows computed on %s",
        features.num_rows,
        run.engine.name,
        extra={"engine": run.engine.name, "feature_rows": features.num_rows},
    )
    run.data = PreparedData(feature_set=feature_set, features=features, as_of=as_of)


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


def _training(days_before_as_of: int) -> Step:
    """Train and backtest on the days up to `days_before_as_of` before as-of, save the model,
    make it the current one and hand it to the next steps."""

    def train_step(run: Run) -> None:
        data = _made(run.data, "the features")
        try:
            run.model = _train(run.context, data, data.as_of - timedelta(days=days_before_as_of))
        except ModelError as error:
            raise DataError(str(error)) from error

    return Step("train and backtest", train_step)


def _train(context: JobContext, data: PreparedData, train_as_of: date) -> TrainedModel:
    settings = context.settings
    inputs = ModelInputs.from_feature_set(data.feature_set)
    training = data.features.filter(
        pc.and_(
            pc.less_equal(data.features[inputs.time_column], pa.scalar(train_as_of)),
            pc.is_valid(data.features[inputs.target]),
        )
    )
    if training.num_rows == 0:
        raise DataError(f"no training rows on or before {train_as_of}")
    log.info(
        "training as of %s on %d rows",
        train_as_of,
        training.num_rows,
        extra={"train_as_of": train_as_of, "training_rows": training.num_rows},
    )
    params = ModelParams(
        max_iter=settings.model.max_iter,
        learning_rate=settings.model.learning_rate,
        max_leaf_nodes=settings.model.max_leaf_nodes,
    )
    result = backtest(
        training,
        inputs,
        settings.backtest.n_splits,
        settings.backtest.test_days,
        baseline_feature=settings.model.baseline_feature,
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
        training, inputs, name=f"{settings.model.name}-{train_as_of.isoformat()}", params=params
    ).with_metrics(
        {
            **{f"backtest_{key}": value for key, value in result.model.as_dict().items()},
            **{f"baseline_{key}": value for key, value in result.baseline.as_dict().items()},
        }
    )
    path = save_model(model, _model_dir(context) / train_as_of.isoformat())
    write_file(
        _model_dir(context) / "current.json",
        json.dumps({"as_of": train_as_of.isoformat(), "path": path.name}, indent=2) + "\n",
    )
    log.info("model %s saved to %s", model.name, path, extra={"model_path": str(path)})
    return model


def _load_current_model(run: Run) -> None:
    """The model the last training run made current, if it was trained by as-of."""
    data = _made(run.data, "the features")
    model_dir = _model_dir(run.context)
    pointer = model_dir / "current.json"
    try:
        text = pointer.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ReadError(pointer, error, advice="no trained model yet: run the train job") from error
    except OSError as error:
        raise ReadError(pointer, error) from error
    try:
        current = json.loads(text)
        trained_as_of = date.fromisoformat(current["as_of"])
        path = model_dir / str(current["path"])
    except (ValueError, KeyError, TypeError):
        raise DataError(
            f"{pointer} does not say which model is current; run the train job to write it again"
        ) from None
    if trained_as_of > data.as_of:
        raise DataError(
            f"the current model was trained as of {trained_as_of}, after the requested "
            f"as-of {data.as_of}: replaying that day would leak the future. Train as of "
            f"{data.as_of} or earlier first."
        )
    try:
        run.model = load_model(path, expected_features=data.feature_set.feature_names)
    except ModelError as error:
        raise DataError(str(error)) from error
    log.info("model %s loaded", run.model.name, extra={"model": run.model.name})


def _score(run: Run) -> None:
    """Score the report window: the last days up to as-of, and the forecast day."""
    data, model = _made(run.data, "the features"), _made(run.model, "a model")
    feature_set = data.feature_set
    time_column = feature_set.time_column
    window_start = data.as_of - timedelta(days=REPORT_WINDOW_DAYS - 1)
    window = data.features.filter(
        pc.greater_equal(data.features[time_column], pa.scalar(window_start))
    )
    # The same scoring function on every engine; on Spark it runs in the executors.
    scored = run.engine.map_batches(
        window, lambda part: score(model, part), prediction_schema(model, window.schema)
    )
    predictions = pa.table(
        {
            "time": window[time_column],
            "actual": window[feature_set.target].cast(pa.float64()),
            "predicted": scored["prediction"],
            "baseline": window[run.context.settings.model.baseline_feature].cast(pa.float64()),
        }
    )
    log.info("scored %d rows", window.num_rows, extra={"scored_rows": window.num_rows})
    run.scored = ScoredWindow(rows=window, predictions=predictions)


def _report(run: Run) -> None:
    """Write the day's report, summary and forecast from the scored window."""
    context, settings = run.context, run.context.settings
    data, model = _made(run.data, "the features"), _made(run.model, "a model")
    scored = _made(run.scored, "the scores")
    predictions = scored.predictions
    known = predictions.filter(pc.is_valid(predictions["actual"]))
    baseline_known = known.filter(pc.is_valid(known["baseline"]))
    metrics = report_metrics(
        evaluate(known["actual"], known["predicted"]),
        evaluate(baseline_known["actual"], baseline_known["baseline"]),
    )
    dataset = _made(run.ingested, "the ingested data").total
    rejects_sample = [
        {"line": row["_line"], "reason": row["_reason"]}
        for row in dataset.rejected.slice(0, 20).to_pylist()
    ]
    inputs = ReportInputs(
        title=f"Daily {data.feature_set.target} forecast",
        as_of=data.as_of,
        dataset=settings.dataset.name,
        predictions=predictions,
        metrics=metrics,
        # Measured on the report window, which the model never saw in training.
        feature_importance=permutation_importances(model, scored.rows),
        quality=DataQuality(
            dataset=settings.dataset.name,
            read_count=dataset.read_count,
            accepted_count=dataset.accepted_count,
            rejected_count=dataset.rejected_count,
            rejects_by_reason=dict(dataset.reject_counts),
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
    # The forecast belongs to the report: a failed write leaves the previous day's three.
    paths = write_report(
        inputs, run_dir, also={"forecast.csv": _forecast_csv(predictions, data.as_of)}
    )
    log.info("report written to %s", paths.html, extra={"report": str(paths.html)})


def _forecast_csv(predictions: pa.Table, as_of: date) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "predicted", "baseline"])
    for row in predictions.filter(pc.greater(predictions["time"], pa.scalar(as_of))).to_pylist():
        writer.writerow([row["time"].isoformat(), f"{row['predicted']:.3f}", row["baseline"]])
    return buffer.getvalue()


INGEST = Step("ingest", _ingest)
FEATURES = Step("features", _features)
CURRENT_MODEL = Step("load the current model", _load_current_model)
SCORE = Step("score", _score)
REPORT = Step("report", _report)

#: Every job, by name: the steps it runs, in order.
JOBS: Mapping[str, tuple[Step, ...]] = {
    # Train on history up to the report window, then score and report the as-of day.
    "pipeline": (INGEST, FEATURES, _training(REPORT_WINDOW_DAYS), SCORE, REPORT),
    # Retrain as of the day and make that model current.
    "train": (INGEST, FEATURES, _training(0)),
    # Score with the current model and report the day.
    "daily": (INGEST, FEATURES, CURRENT_MODEL, SCORE, REPORT),
}

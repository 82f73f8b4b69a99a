"""Save and load trained models, with metadata that is checked before loading.

A saved model is a directory::

    <path>/metadata.json      format version, name, features, target, metrics, training
                              fingerprint and period, library versions, the estimator's
                              file name and sha256
    <path>/estimator.joblib   the fitted scikit-learn estimator

The directory is replaced as a whole (``brickyard.core.write_directory``): a reader sees the
previous model or the new one, never a mix, and a save that fails leaves the previous model
loadable. Nothing in the files depends on the clock, so saving the same training result
twice gives byte-identical files.

The estimator is a pickle: load only models your own training job wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import platform
from pathlib import Path

import joblib
import numpy
import pyarrow
import sklearn
from pydantic import BaseModel, ConfigDict, ValidationError
from sklearn.ensemble import HistGradientBoostingRegressor

from brickyard.core import write_directory
from brickyard.models.errors import IncompatibleModelError, ModelError
from brickyard.models.inputs import ModelInputs
from brickyard.models.training import MetricValue, ModelParams, TrainedModel, TrainingSummary

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
ESTIMATOR_FILE = "estimator.joblib"
_RETRAIN = "retrain it with the training job in this environment"


class _EstimatorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    sha256: str


class _Training(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fingerprint: str
    rows: int
    period_start: dt.date
    period_end: dt.date


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format_version: int
    name: str
    target: str
    features: list[str]
    time_column: str
    entity_column: str | None
    params: ModelParams
    training: _Training
    metrics: dict[str, MetricValue]
    versions: dict[str, str]
    estimator: _EstimatorFile


def library_versions() -> dict[str, str]:
    """Versions of the interpreter and libraries a model's behaviour depends on."""
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
        "joblib": joblib.__version__,
    }


def save_model(model: TrainedModel, path: str | Path) -> Path:
    """Write `model` as the directory `path`, replacing it whole; returns `path`.

    An existing directory must be empty or hold a saved model: everything in it is replaced.
    """
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise ModelError(f"{directory} exists and is not a directory; choose another model path")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / METADATA_FILE).exists():
        raise ModelError(
            f"{directory} holds files but no saved model ({METADATA_FILE}); saving replaces the "
            "whole directory, so choose a new or empty one"
        )
    buffer = io.BytesIO()
    joblib.dump(model.estimator, buffer)
    estimator_bytes = buffer.getvalue()
    inputs = model.inputs
    metadata = _Metadata(
        format_version=FORMAT_VERSION,
        name=model.name,
        target=inputs.target,
        features=list(inputs.feature_names),
        time_column=inputs.time_column,
        entity_column=inputs.entity_column,
        params=model.params,
        training=_Training(
            fingerprint=model.training.fingerprint,
            rows=model.training.rows,
            period_start=model.training.period_start,
            period_end=model.training.period_end,
        ),
        metrics=dict(model.metrics),
        versions=library_versions(),
        estimator=_EstimatorFile(
            file=ESTIMATOR_FILE, sha256=hashlib.sha256(estimator_bytes).hexdigest()
        ),
    )
    text = json.dumps(metadata.model_dump(mode="json"), indent=2, sort_keys=True, allow_nan=False)
    return write_directory(directory, {ESTIMATOR_FILE: estimator_bytes, METADATA_FILE: text + "\n"})


def load_model(
    path: str | Path, *, expected_features: list[str] | tuple[str, ...] | None = None
) -> TrainedModel:
    """Load a model saved by `save_model`, refusing one this environment cannot trust.

    Raises `IncompatibleModelError` if the format version is unknown, if the scikit-learn
    or Python major.minor version differs from the saving environment, or if
    `expected_features` is given and differs from the model's features (names and order).
    """
    directory = Path(path)
    metadata_path = directory / METADATA_FILE
    try:
        raw = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(
            f"no saved model at {directory} ({METADATA_FILE} is missing); train one with the "
            "training job"
        ) from None
    except (OSError, ValueError) as error:
        raise ModelError(f"{metadata_path} is unreadable ({error}); {_RETRAIN}") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{metadata_path} does not hold a JSON object; {_RETRAIN}")

    where = f"model at {directory}"
    found_version = raw.get("format_version")
    if found_version != FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{where} has format version {found_version!r} but this brickyard-models reads "
            f"format version {FORMAT_VERSION}; {_RETRAIN}"
        )
    try:
        metadata = _Metadata.model_validate(raw)
    except ValidationError as error:
        raise ModelError(f"{metadata_path} is malformed: {error}; {_RETRAIN}") from None

    where = f"model '{metadata.name}' at {directory}"
    current = library_versions()
    for library in ("scikit-learn", "python"):
        saved = metadata.versions.get(library, "unknown")
        if _major_minor(saved) != _major_minor(current[library]):
            raise IncompatibleModelError(
                f"{where} was saved with {library} {saved} but this environment has "
                f"{library} {current[library]}; {_RETRAIN} (or use {library} "
                f"{_major_minor(saved)}.x)"
            )
    if expected_features is not None and list(expected_features) != metadata.features:
        raise IncompatibleModelError(
            f"{where} was trained on features {metadata.features} but the caller expects "
            f"{list(expected_features)} ({_feature_difference(metadata.features, expected_features)}"
            f"); {_RETRAIN} using the current feature set"
        )

    estimator_path = directory / metadata.estimator.file
    try:
        estimator_bytes = estimator_path.read_bytes()
    except OSError as error:
        raise ModelError(
            f"{where}: cannot read {estimator_path.name} ({error.strerror}); {_RETRAIN}"
        ) from None
    if hashlib.sha256(estimator_bytes).hexdigest() != metadata.estimator.sha256:
        raise ModelError(
            f"{where}: {estimator_path.name} does not match the sha256 in {METADATA_FILE} "
            f"(corrupted or replaced); {_RETRAIN}"
        )
    estimator = joblib.load(io.BytesIO(estimator_bytes))
    if not isinstance(estimator, HistGradientBoostingRegressor) or estimator.n_features_in_ != len(
        metadata.features
    ):
        raise ModelError(
            f"{where}: the estimator does not match its metadata "
            f"({len(metadata.features)} features); {_RETRAIN}"
        )
    return TrainedModel(
        estimator=estimator,
        name=metadata.name,
        inputs=ModelInputs(
            time_column=metadata.time_column,
            entity_column=metadata.entity_column,
            feature_names=metadata.features,
            target=metadata.target,
        ),
        params=metadata.params,
        training=TrainingSummary(
            fingerprint=metadata.training.fingerprint,
            rows=metadata.training.rows,
            period_start=metadata.training.period_start,
            period_end=metadata.training.period_end,
        ),
        metrics=metadata.metrics,
    )


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _feature_difference(saved: list[str], expected: list[str] | tuple[str, ...]) -> str:
    missing = [name for name in expected if name not in saved]
    extra = [name for name in saved if name not in expected]
    if not missing and not extra:
        return "same names, different order"
    parts = []
    if missing:
        parts.append(f"not in the model: {', '.join(missing)}")
    if extra:
        parts.append(f"only in the model: {', '.join(extra)}")
    return "; ".join(parts)

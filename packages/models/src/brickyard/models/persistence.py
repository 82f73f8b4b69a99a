"""Save and load trained models as files that cannot run code when they are loaded.

A saved model is a directory::

    <path>/metadata.json      format version, name, features, target, metrics, training
                              fingerprint and period, library versions, the estimator's
                              file name and sha256
    <path>/estimator.skops    the fitted scikit-learn estimator, in skops' format

skops stores an object as a JSON description of its parts plus numpy arrays, and rebuilds it
from that description: nothing in the file is executed. Before anything is built, every type
the file names is checked against :data:`TRUSTED_TYPES`, the explicit list of the few types a
HistGradientBoostingRegressor is made of; a file naming any other type (say ``posix.system``)
is refused, whoever wrote it. A pickle (joblib), by contrast, runs whatever code its author
put in it, so whoever can write the model directory could run code inside the job; models
saved that way by earlier versions (format 1) are refused with the advice to retrain, and
never unpickled.

The directory is replaced as a whole (``brickyard.core.write_directory``): a reader sees the
previous model or the new one, never a mix, and a save that fails leaves the previous model
loadable. Nothing in the files depends on the clock or on memory addresses, so saving the
same training result twice gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import platform
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy
import pyarrow
import sklearn
import skops
import skops.io
from pydantic import BaseModel, ConfigDict, ValidationError
from sklearn.ensemble import HistGradientBoostingRegressor

from brickyard.core import ReadError, reading, write_directory
from brickyard.models.errors import IncompatibleModelError, ModelError
from brickyard.models.inputs import ModelInputs
from brickyard.models.training import MetricValue, ModelParams, TrainedModel, TrainingSummary

__all__ = [
    "ESTIMATOR_FILE",
    "FORMAT_VERSION",
    "METADATA_FILE",
    "TRUSTED_TYPES",
    "load_model",
    "save_model",
]

# 1: a joblib pickle (refused: it could run code); 2: skops with trusted types only.
FORMAT_VERSION = 2
PICKLE_FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
ESTIMATOR_FILE = "estimator.skops"
_RETRAIN = "retrain it with the training job in this environment"
_SCHEMA = "schema.json"
# Fixed zip entry times, so that equal models give equal bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)

#: Every type an estimator file may name: the parts of a fitted HistGradientBoostingRegressor
#: and the plain data they hold. Anything else is refused before the file is loaded. A new
#: scikit-learn that stores another type fails at save time, naming it, so it can be
#: reviewed and added here.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.bool",
        "builtins.dict",
        "builtins.float",
        "builtins.int",
        "builtins.list",
        "builtins.NoneType",
        "builtins.str",
        "builtins.tuple",
        "numpy.bool_",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int32",
        "numpy.int64",
        "numpy.ndarray",
        "numpy.uint8",
        "numpy.uint32",
        "numpy.uint64",
        "numpy.random._generator.Generator",
        "numpy.random.PCG64",
        "sklearn._loss._loss.CyHalfSquaredError",
        "sklearn._loss.link.IdentityLink",
        "sklearn._loss.link.Interval",
        "sklearn._loss.loss.HalfSquaredError",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)


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
        "skops": skops.__version__,
    }


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object description in a skops schema, in file order."""
    if isinstance(node, dict):
        if "__class__" in node:
            yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _types(schema: Any) -> set[str]:
    """Every type a skops schema names, including the bit generator a numpy Generator is
    rebuilt with (named only in its state)."""
    types = set()
    for node in _nodes(schema):
        types.add(f"{node.get('__module__')}.{node['__class__']}")
        if node.get("__loader__") == "RandomGeneratorNode":
            try:
                state = node["content"]["bit_generator"]["content"]["bit_generator"]
                types.add(f"numpy.random.{json.loads(state['content'])}")
            except (KeyError, TypeError, ValueError):
                types.add("numpy.random.<unnamed bit generator>")
    return types


def _canonical(data: bytes) -> bytes:
    """A skops file with its object ids (memory addresses) numbered in file order and its
    zip entries sorted and dated 1980-01-01: the same model, the same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        schema = json.loads(source.read(_SCHEMA))
        arrays = {name: source.read(name) for name in source.namelist() if name != _SCHEMA}
    numbers: dict[int, int] = {}
    for node in _nodes(schema):
        if "__id__" in node:
            node["__id__"] = numbers.setdefault(node["__id__"], len(numbers) + 1)
    renamed = {}
    for node in _nodes(schema):
        if isinstance(node.get("file"), str):
            old = node["file"]
            stem, _, suffix = old.partition(".")
            new = f"{numbers.setdefault(int(stem), len(numbers) + 1)}.{suffix}"
            renamed[new] = arrays[old]
            node["file"] = new
    entries = {**renamed, _SCHEMA: json.dumps(schema, indent=2, sort_keys=True).encode()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, entries[name])
    return buffer.getvalue()


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
    estimator_bytes = _canonical(skops.io.dumps(model.estimator))
    untrusted = _untrusted_types(estimator_bytes)
    if untrusted:
        raise ModelError(
            f"scikit-learn {sklearn.__version__} stores types that loading does not trust: "
            f"{', '.join(untrusted)}; review them and add them to TRUSTED_TYPES in "
            "brickyard.models.persistence"
        )
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


def _untrusted_types(estimator_bytes: bytes) -> list[str]:
    """The types a skops file names that are not in TRUSTED_TYPES; raises ValueError (or a
    zip or JSON error) for bytes that are not a skops file."""
    with zipfile.ZipFile(io.BytesIO(estimator_bytes)) as archive:
        schema = json.loads(archive.read(_SCHEMA))
    return sorted(_types(schema) - TRUSTED_TYPES)


def _estimator(where: str, estimator_bytes: bytes) -> HistGradientBoostingRegressor:
    """The estimator in a skops file whose every type is trusted; nothing else is built."""
    try:
        untrusted = _untrusted_types(estimator_bytes)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ModelError(
            f"{where}: {ESTIMATOR_FILE} is not a skops file ({error}); it was not written by "
            f"save_model: {_RETRAIN}"
        ) from None
    if untrusted:
        raise ModelError(
            f"{where}: {ESTIMATOR_FILE} names types outside the trusted list "
            f"({', '.join(untrusted)}), so it was not written by save_model and is not "
            f"loaded; {_RETRAIN}"
        )
    try:
        estimator = skops.io.loads(estimator_bytes, trusted=sorted(TRUSTED_TYPES))
    except Exception as error:  # skops raises many kinds for a file it cannot rebuild
        raise ModelError(
            f"{where}: {ESTIMATOR_FILE} cannot be rebuilt ({type(error).__name__}: {error}); "
            f"{_RETRAIN}"
        ) from None
    return estimator  # type: ignore[no-any-return]


def load_model(
    path: str | Path, *, expected_features: list[str] | tuple[str, ...] | None = None
) -> TrainedModel:
    """Load a model saved by `save_model`, refusing one this environment cannot trust.

    Raises `IncompatibleModelError` if the format version is unknown or a pickle (format 1),
    if the scikit-learn or Python major.minor version differs from the saving environment,
    or if `expected_features` is given and differs from the model's features (names and
    order); `ModelError` if the estimator file does not match its sha256 or names a type
    outside `TRUSTED_TYPES`; `brickyard.core.ReadError` if a file cannot be read.
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
    except OSError as error:
        raise ReadError(metadata_path, error) from error
    except ValueError as error:
        raise ModelError(f"{metadata_path} is unreadable ({error}); {_RETRAIN}") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{metadata_path} does not hold a JSON object; {_RETRAIN}")

    where = f"model at {directory}"
    found_version = raw.get("format_version")
    if found_version == PICKLE_FORMAT_VERSION:
        raise IncompatibleModelError(
            f"{where} was saved in format {PICKLE_FORMAT_VERSION}, a pickle, which can run any "
            "code when it is loaded; this brickyard-models loads only skops files (format "
            f"{FORMAT_VERSION}) and does not open it: {_RETRAIN}"
        )
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

    estimator_path = directory / Path(metadata.estimator.file).name
    with reading(estimator_path):
        estimator_bytes = estimator_path.read_bytes()
    if hashlib.sha256(estimator_bytes).hexdigest() != metadata.estimator.sha256:
        raise ModelError(
            f"{where}: {estimator_path.name} does not match the sha256 in {METADATA_FILE} "
            f"(corrupted or replaced); {_RETRAIN}"
        )
    estimator = _estimator(where, estimator_bytes)
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

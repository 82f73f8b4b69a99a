"""Layered job configuration.

Layers, lowest precedence first:
1. `shared-config/base.toml`: committed defaults;
2. `shared-config/env/<environment>.toml`: committed per-environment overrides
   (`--env` or `BRICKYARD_ENV`, default `dev`);
3. `shared-config/local.toml`: never committed, a developer's own overrides;
4. environment variables `BRICKYARD__<SECTION>__<KEY>`;
5. command-line `--set section.key=value`;
6. the command line's own options (`--engine`, `--spark-master`, `--log-format`), passed
   as typed values.

Every value is validated; an unknown key or a wrong type names the key and the layer
that set it.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brickyard.core.commands import LogFormat
from brickyard.jobs.errors import ConfigError

ENV_PREFIX = "BRICKYARD__"
CONFIG_DIR_VARIABLE = "BRICKYARD_CONFIG_DIR"

EngineName = Literal["duckdb", "spark"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatasetSettings(_Section):
    name: str
    # "sample:<name>" for data shipped with brickyard-ingest, else a file path.
    source: str
    contract: str


class FeatureSettings(_Section):
    definition: str
    entity: str | None = None  # TOML has no null: absent means a single series


class EngineSettings(_Section):
    # Where features are computed and the model scores: "duckdb" in this process, or
    # "spark" (needs pyspark and Java 17; the jobs' *-spark executables bundle pyspark).
    name: EngineName
    # local[*] runs Spark in this process's JVM; on a cluster e.g. spark://host:7077.
    spark_master: str = Field(min_length=1)
    spark_driver_memory: str = Field(pattern=r"^[0-9]+[kmgt]$")


class ModelSettings(_Section):
    name: str
    baseline_feature: str
    max_iter: int = Field(ge=1)
    learning_rate: float = Field(gt=0, le=1)
    max_leaf_nodes: int = Field(ge=2)


class BacktestSettings(_Section):
    n_splits: int = Field(ge=1)
    test_days: int = Field(ge=1)


class OutputSettings(_Section):
    dir: str


class RunSettings(_Section):
    log_format: LogFormat
    lock_timeout_seconds: float = Field(ge=0)


class Settings(_Section):
    """Every value is required: shared-config/base.toml is the one place defaults live."""

    environment: str
    dataset: DatasetSettings
    features: FeatureSettings
    engine: EngineSettings
    model: ModelSettings
    backtest: BacktestSettings
    output: OutputSettings
    run: RunSettings


def default_config_dir() -> Path:
    """Where shared-config/ is: $BRICKYARD_CONFIG_DIR, else beside the code on sys.path.

    In the repo that is the build root; inside a job executable, the copy bundled into it.
    """
    override = os.environ.get(CONFIG_DIR_VARIABLE)
    if override:
        return Path(override)
    for entry in sys.path:
        candidate = Path(entry or ".") / "shared-config"
        if (candidate / "base.toml").is_file():
            return candidate.resolve()
    raise ConfigError(
        f"cannot find shared-config/base.toml on sys.path; set {CONFIG_DIR_VARIABLE} to the "
        "shared-config directory"
    )


def load_settings(
    config_dir: Path | None = None,
    environment: str | None = None,
    overrides: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    *,
    engine: EngineName | None = None,
    spark_master: str | None = None,
    log_format: LogFormat | None = None,
) -> Settings:
    """The validated settings of every layer; `engine`, `spark_master` and `log_format`
    (the command line's options) win over all of them when given."""
    environ = os.environ if environ is None else environ
    config_dir = config_dir or default_config_dir()
    environment = environment or environ.get("BRICKYARD_ENV", "dev")
    env_file = config_dir / "env" / f"{environment}.toml"
    if not env_file.is_file():
        known = sorted(p.stem for p in (config_dir / "env").glob("*.toml"))
        raise ConfigError(f"unknown environment {environment!r}: no {env_file} (known: {known})")

    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}
    layers: list[tuple[str, dict[str, Any]]] = [
        (str(path), _read_toml(path))
        for path in (config_dir / "base.toml", env_file, config_dir / "local.toml")
        if path.is_file()
    ]
    layers.append(("environment variables", _from_environment(environ)))
    layers.append(("--set", _from_overrides(overrides)))
    for option, section, key, value in (
        ("--engine", "engine", "name", engine),
        ("--spark-master", "engine", "spark_master", spark_master),
        ("--log-format", "run", "log_format", log_format),
    ):
        if value is not None:
            layers.append((option, {section: {key: value}}))
    layers.append(("--env", {"environment": environment}))
    for layer_name, values in layers:
        _merge(merged, values, origin, layer_name, ())
    try:
        return Settings.model_validate(merged)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = tuple(str(part) for part in item["loc"])
            key = ".".join(loc)
            where = origin.get(loc, "defaults")
            problems.append(f"{key} (set in {where}): {item['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX):
            path = name[len(ENV_PREFIX) :].lower().split("__")
            _set_path(values, path, value, source=name)
    return values


def _from_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {override!r}: expected section.key=value")
        _set_path(values, key.strip().split("."), value, source=f"--set {override}")
    return values


def _set_path(target: dict[str, Any], path: list[str], value: str, source: str) -> None:
    for part in path[:-1]:
        child = target.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{source}: {part!r} is a value, not a section")
        target = child
    target[path[-1]] = value


def _merge(
    target: dict[str, Any],
    values: Mapping[str, Any],
    origin: dict[tuple[str, ...], str],
    layer: str,
    prefix: tuple[str, ...],
) -> None:
    for key, value in values.items():
        loc = (*prefix, key)
        origin.setdefault(loc, layer)
        if isinstance(value, Mapping) and isinstance(target.get(key, {}), dict):
            _merge(target.setdefault(key, {}), value, origin, layer, loc)
        else:
            target[key] = value
            origin[loc] = layer

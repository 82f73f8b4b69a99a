"""The schedules manifest: which job runs when, where and how, validated before anything is generated.

shared-config/schedules.toml holds one `[deploy]` table (settings shared by every job) and
one `[[jobs]]` table per scheduled job. Secrets never appear in it: `environment` lists
variable NAMES whose values operations provide (an env file, a Kubernetes Secret).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from brickyard_dev.errors import DevError
from brickyard_dev.schedules.cronspec import parse_cron

AS_OF_PLACEHOLDER = "{as_of}"
AS_OF_OPTION = "--as-of"
EXECUTABLE_DIR = "/opt/brickyard/jobs"
# Where the known targets come from, for error messages.
TARGETS_SOURCE = "the pex_binary targets of packages/jobs/BUILD"

# Paths end up unquoted in shell lines and unit files: keep them to characters that need no quoting.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._/-]+")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# A job name becomes a unit name, a Kubernetes object name (DNS label) and an Airflow DAG id.
_JOB_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
_DNS_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_IMAGE = re.compile(r"\S+")

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


def _plain_path(value: str) -> str:
    if not _PLAIN_PATH.fullmatch(value):
        raise ValueError(f"{value!r} is not an absolute path of letters, digits and . _ - / only")
    return value


class Deploy(BaseModel):
    """Settings shared by every job: where things live on the machines that run them."""

    model_config = _STRICT

    image: Annotated[str, Field(pattern=_IMAGE.pattern)]
    run_as_user: str
    env_file: str
    log_dir: str
    kubernetes_secret: str
    kubernetes_output_claim: str
    airflow_start_date: date

    @field_validator("env_file", "log_dir")
    @classmethod
    def _paths(cls, value: str) -> str:
        return _plain_path(value)

    @field_validator("run_as_user")
    @classmethod
    def _user(cls, value: str) -> str:
        if not _USER_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not a Unix user name")
        return value

    @field_validator("kubernetes_secret", "kubernetes_output_claim")
    @classmethod
    def _kubernetes_name(cls, value: str) -> str:
        if not _DNS_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a Kubernetes object name (lower-case letters, digits, '-')"
            )
        return value


class Job(BaseModel):
    """One scheduled run of one job executable."""

    model_config = _STRICT

    name: str
    target: str
    executable: str
    schedule: str
    timezone: str
    args: list[str] = []
    timeout_seconds: Annotated[int, Field(gt=0)]
    retries: Annotated[int, Field(ge=0, le=100)]
    retry_delay_seconds: Annotated[int, Field(ge=0)]
    environment: list[str] = []
    owner: Annotated[str, Field(min_length=1, pattern=r"^[^\n\r]+$")]
    output_dir: str

    @model_validator(mode="before")
    @classmethod
    def _default_executable(cls, data: Any) -> Any:
        if isinstance(data, dict) and "executable" not in data:
            target = data.get("target")
            if isinstance(target, str) and ":" in target:
                return {**data, "executable": f"{EXECUTABLE_DIR}/{target.rpartition(':')[2]}.pex"}
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _JOB_NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a job name: a lower-case letter, then up to 39 lower-case "
                "letters, digits or '-' (it names units, Kubernetes objects and DAGs)"
            )
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: str, info: ValidationInfo) -> str:
        context = info.context or {}
        known: Mapping[str, str] = context.get("known_targets", {})
        if value not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise ValueError(
                f"unknown target {value!r}; known targets " f"({TARGETS_SOURCE}): {listed}"
            )
        return value

    @field_validator("executable", "output_dir")
    @classmethod
    def _paths(cls, value: str) -> str:
        return _plain_path(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a valid cron expression")
        try:
            parse_cron(value)
        except DevError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Europe/Amsterdam'"
            ) from None
        return value

    @field_validator("args")
    @classmethod
    def _args(cls, value: list[str]) -> list[str]:
        for index, arg in enumerate(value):
            where = f"args[{index}] {arg!r}"
            if any(character in arg for character in "\n\r\0"):
                raise ValueError(f"{where} contains a line break or NUL")
            if arg == AS_OF_PLACEHOLDER:
                if index == 0 or value[index - 1] != AS_OF_OPTION:
                    raise ValueError(
                        f"{where}: the placeholder may only follow {AS_OF_OPTION!r} "
                        f'(args = ["{AS_OF_OPTION}", "{AS_OF_PLACEHOLDER}", ...])'
                    )
            elif "{" in arg or "}" in arg:
                raise ValueError(
                    f"{where}: braces are reserved for the {AS_OF_PLACEHOLDER} placeholder "
                    "(schedulers would read them as templates)"
                )
            if arg == "--output-dir" or arg.startswith("--output-dir="):
                raise ValueError(f"{where}: set the job's output_dir key instead")
            if arg == AS_OF_OPTION and index + 1 == len(value):
                raise ValueError(f"{where} has no value")
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if "=" in name or not _ENV_NAME.fullmatch(name):
                # Never echo the entry: it may be a pasted secret, and errors end up in CI logs.
                shown = f"{name.partition('=')[0]}=..." if "=" in name else "not shown"
                raise ValueError(
                    f"entry {index} ({shown}) looks like a value, not a variable name: list "
                    "only NAMES (upper-case letters, digits, '_'); values come from the env "
                    "file or the Kubernetes Secret, never from this file"
                )
        duplicates = sorted({name for name in value if value.count(name) > 1})
        if duplicates:
            raise ValueError(f"listed more than once: {', '.join(duplicates)}")
        return value

    @property
    def has_as_of(self) -> bool:
        return AS_OF_PLACEHOLDER in self.args


class Manifest(BaseModel):
    model_config = _STRICT

    deploy: Deploy
    jobs: Annotated[list[Job], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_names(self) -> Manifest:
        names = [job.name for job in self.jobs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"job names must be unique; repeated: {', '.join(duplicates)}")
        return self

    def sorted_jobs(self) -> list[Job]:
        return sorted(self.jobs, key=lambda job: job.name)


def parse_manifest(
    data: Mapping[str, Any],
    known_targets: Mapping[str, str],
    source: str,
) -> Manifest:
    """Validate already-parsed manifest data; `source` names it in error messages."""
    try:
        return Manifest.model_validate(data, context={"known_targets": known_targets})
    except ValidationError as error:
        problems = "\n".join(f"  {_describe(item, data)}" for item in error.errors())
        raise DevError(f"{source} is invalid:\n{problems}") from None


def load_manifest(path: Path, known_targets: Mapping[str, str]) -> Manifest:
    """Read and validate the manifest file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DevError(f"cannot read the manifest {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise DevError(f"{path} is not valid TOML: {error}") from None
    return parse_manifest(data, known_targets, str(path))


def _describe(error: Any, data: Mapping[str, Any]) -> str:
    loc: tuple[int | str, ...] = error["loc"]
    where: list[str] = []
    model: type[BaseModel] = Manifest
    rest = loc
    if loc[:1] == ("jobs",) and len(loc) > 1 and isinstance(loc[1], int):
        jobs = data.get("jobs")
        raw = jobs[loc[1]] if isinstance(jobs, list) and loc[1] < len(jobs) else None
        name = raw.get("name") if isinstance(raw, dict) else None
        where.append(f"job {name!r}" if isinstance(name, str) else f"jobs[{loc[1]}]")
        model, rest = Job, loc[2:]
    elif loc[:1] == ("deploy",):
        where.append("[deploy]")
        model, rest = Deploy, loc[1:]
    if rest:
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
        where.append(f"key {key.lstrip('.')!r}")
    if error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    elif error["type"] == "extra_forbidden":
        message = f"unknown key; allowed keys: {', '.join(model.model_fields)}"
    elif error["type"] == "missing":
        message = "required key is missing"
    else:
        message = error["msg"]
    return f"{', '.join(where) or 'top level'}: {message}"

"""Feature definitions as data: what to compute, never how.

A `FeatureSet` names the time column, the optional entity column, the target and an ordered
list of features. Every feature derives its output column name from its parameters, so the
same definition always yields the same column names (`temp_max_lag_1`,
`precipitation_sum_7d`, `temp_max_mean_expanding`, `day_of_year_sin`).

TOML layout (one `[[features]]` table per feature)::

    name = "weather_daily"          # optional
    time_column = "date"
    target = "temp_max"
    entity_column = "station"       # optional

    [decimals]                      # optional: columns written with at most this many
    temp_max = 1                    # decimal places (12.3); their sums and means are exact

    [[features]]
    kind = "lag"                    # value exactly `days` calendar days earlier
    column = "temp_max"
    days = 1

    [[features]]
    kind = "rolling"                # aggregate over the `window_days` days before
    column = "precipitation"
    window_days = 7
    agg = "sum"                     # mean | sum | min | max | std

    [[features]]
    kind = "expanding"              # aggregate over all earlier rows of the entity
    column = "temp_max"
    agg = "mean"

    [[features]]
    kind = "calendar"               # derived from the row's own date
    part = "day_of_year_sin"        # day_of_year | month | day_of_week | is_weekend
                                    # | day_of_year_sin | day_of_year_cos
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from brickyard.features.errors import FeatureDefinitionError

Aggregation = Literal["mean", "sum", "min", "max", "std"]
CalendarPart = Literal[
    "day_of_year", "month", "day_of_week", "is_weekend", "day_of_year_sin", "day_of_year_cos"
]

# Internal helper columns of the generated SQL carry this prefix; user columns may not.
RESERVED_PREFIX = "__brickyard_"

ColumnName = Annotated[str, Field(min_length=1)]

# Decimal places a `decimals` entry may declare: enough for values written to the
# millionth, while sums of such values stay exact in doubles over long histories.
MAX_DECIMALS = 6
DecimalPlaces = Annotated[int, Field(ge=0, le=MAX_DECIMALS)]


class _Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LagFeature(_Definition):
    """The value of `column` exactly `days` calendar days before the row (NULL if absent)."""

    kind: Literal["lag"] = "lag"
    column: ColumnName
    days: int = Field(ge=1)

    @property
    def name(self) -> str:
        return f"{self.column}_lag_{self.days}"


class RollingFeature(_Definition):
    """`agg` of `column` over the `window_days` calendar days before the row's day."""

    kind: Literal["rolling"] = "rolling"
    column: ColumnName
    window_days: int = Field(ge=1)
    agg: Aggregation

    @property
    def name(self) -> str:
        return f"{self.column}_{self.agg}_{self.window_days}d"


class ExpandingFeature(_Definition):
    """`agg` of `column` over every earlier row of the same entity."""

    kind: Literal["expanding"] = "expanding"
    column: ColumnName
    agg: Aggregation

    @property
    def name(self) -> str:
        return f"{self.column}_{self.agg}_expanding"


class CalendarFeature(_Definition):
    """A part of the row's own date, which is known when forecasting that date."""

    kind: Literal["calendar"] = "calendar"
    part: CalendarPart

    @property
    def name(self) -> str:
        return self.part


Feature = Annotated[
    LagFeature | RollingFeature | ExpandingFeature | CalendarFeature,
    Field(discriminator="kind"),
]


class FeatureSet(_Definition):
    """An ordered, named collection of features for one table layout."""

    name: str | None = None
    time_column: ColumnName
    entity_column: ColumnName | None = None
    target: ColumnName
    features: tuple[Feature, ...] = Field(min_length=1)
    # Column -> the most decimal places its values are written with. Sums and means of such
    # a column are computed exactly, on integers, so every engine returns the same bits.
    decimals: dict[ColumnName, DecimalPlaces] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_names(self) -> FeatureSet:
        problems: list[str] = []
        key_columns = [self.time_column, self.target]
        if self.entity_column is not None:
            key_columns.append(self.entity_column)
        if len(set(key_columns)) != len(key_columns):
            problems.append(f"time_column, entity_column and target must differ, got {key_columns}")
        seen: dict[str, int] = {}
        for index, feature in enumerate(self.features, start=1):
            if feature.name in seen:
                problems.append(
                    f"features #{seen[feature.name]} and #{index} both produce column "
                    f"'{feature.name}'; remove one"
                )
            seen.setdefault(feature.name, index)
            if feature.name in key_columns:
                problems.append(
                    f"feature #{index} produces column '{feature.name}', which is also a "
                    "time, entity or target column; rename that column"
                )
        for column in self.decimals:
            if column not in self.source_columns:
                problems.append(
                    f"decimals names column '{column}', which no feature reads; remove it or "
                    "fix its spelling"
                )
        for column in [*key_columns, *self.source_columns]:
            if column.startswith(RESERVED_PREFIX):
                problems.append(f"column '{column}' uses the reserved prefix {RESERVED_PREFIX}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Output feature column names, in declaration order."""
        return tuple(feature.name for feature in self.features)

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Input columns the features read, in first-use order (without time/entity)."""
        columns: dict[str, None] = {}
        for feature in self.features:
            if not isinstance(feature, CalendarFeature):
                columns.setdefault(feature.column)
        return tuple(columns)

    def with_entity_column(self, entity_column: str | None) -> FeatureSet:
        """The same feature set, partitioned by `entity_column` (None: a single series)."""
        data = self.model_dump()
        data["entity_column"] = entity_column
        return feature_set_from_dict(data, source=f"feature set {self.name or '<unnamed>'}")


def feature_set_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> FeatureSet:
    """Validate a plain mapping (e.g. parsed TOML) into a `FeatureSet`.

    `source` names where the data came from in error messages.
    """
    try:
        return FeatureSet.model_validate(dict(data))
    except ValidationError as error:
        raise FeatureDefinitionError(_describe(error, data, source)) from None


def load_feature_set(path: str | Path) -> FeatureSet:
    """Read and validate a feature set from a TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FeatureDefinitionError(
            f"{path}: cannot read feature set file ({error.strerror}); check the path"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FeatureDefinitionError(f"{path}: not valid TOML: {error}") from None
    return feature_set_from_dict(data, source=str(path))


def _describe(error: ValidationError, data: Mapping[str, Any], source: str) -> str:
    lines = [f"{source}: invalid feature set:"]
    raw_features = data.get("features")
    issues = error.errors()
    feature_issues = any(
        issue["loc"][:1] == ("features",) and len(issue["loc"]) > 1 for issue in issues
    )
    for issue in issues:
        location = list(issue["loc"])
        if feature_issues and location == ["features"] and issue["type"] == "too_short":
            continue  # pydantic counts only the valid features; the real errors follow
        where = ".".join(str(part) for part in location) or "feature set"
        if len(location) >= 2 and location[0] == "features" and isinstance(location[1], int):
            index = location[1]
            where = f"feature #{index + 1} {_feature_label(raw_features, index)}".rstrip()
            # After the index pydantic inserts the union tag, then the field name.
            fields = [str(part) for part in location[3:]]
            if fields:
                where += f", key '{'.'.join(fields)}'"
        message = issue["msg"].removeprefix("Value error, ")
        if issue["type"] == "extra_forbidden":
            message = "unknown key (check its spelling against the documented keys)"
        elif issue["type"] == "union_tag_not_found":
            message = "missing key 'kind' (one of 'lag', 'rolling', 'expanding', 'calendar')"
        elif not isinstance(issue.get("input"), Mapping | list | tuple | type(None)):
            message += f" (got {issue['input']!r})"
        lines.append(f"  - {where}: {message}")
    lines.append("Fix the definition and load it again.")
    return "\n".join(lines)


def _feature_label(raw_features: object, index: int) -> str:
    if not isinstance(raw_features, list | tuple) or index >= len(raw_features):
        return ""
    raw = raw_features[index]
    if not isinstance(raw, Mapping):
        return ""
    details = [f"{key}={raw[key]!r}" for key in ("kind", "column", "part") if key in raw]
    return f"({', '.join(details)})" if details else ""

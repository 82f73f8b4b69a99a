"""Dataset contracts: the columns, types, rules and keys a source must satisfy.

A contract is a TOML file::

    name = "seattle_weather"
    description = "Daily weather in Seattle"
    keys = ["date"]
    watermark = "date"
    extra_columns = "reject"        # or "drop"
    whitespace = "reject"           # or "trim": whitespace around values (see parsing.py)

    [[columns]]
    name = "date"
    type = "date"                   # string | integer | float | boolean | date | timestamp
    format = "%Y/%m/%d"             # strptime format, date and timestamp columns only

    [[columns]]
    name = "wind"
    type = "float"
    min = 0
    max = 100
    nullable = false                # the default

    [[columns]]
    name = "weather"
    type = "string"
    allowed = ["drizzle", "rain", "sun", "snow", "fog"]
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, model_validator

from brickyard.ingest.errors import ContractError

__all__ = [
    "ColumnSpec",
    "ColumnType",
    "Contract",
    "Whitespace",
    "load_contract",
]

ColumnType = Literal["string", "integer", "float", "boolean", "date", "timestamp"]
# "reject": a number, boolean, date or timestamp with whitespace around it is rejected and
# strings are kept as read; "trim": whitespace around every value is removed first.
Whitespace = Literal["reject", "trim"]


def _bound(value: object) -> int | float | date:
    if isinstance(value, bool) or not isinstance(value, int | float | date):
        raise ValueError(f"must be a number, a date or a date-time, got {value!r}")
    return value


def _allowed_value(value: object) -> str | int | float | bool:
    if not isinstance(value, str | int | float | bool):
        raise ValueError(f"must be a string, number or boolean, got {value!r}")
    return value


Bound = Annotated[int | float | date, PlainValidator(_bound)]
AllowedValue = Annotated[str | int | float | bool, PlainValidator(_allowed_value)]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}


def _bound_fits(column_type: str, bound: int | float | date) -> bool:
    if column_type in ("integer", "float"):
        return not isinstance(bound, date)
    if column_type == "date":
        return isinstance(bound, date) and not isinstance(bound, datetime)
    return column_type == "timestamp" and isinstance(bound, datetime)


def _allowed_fits(column_type: str, value: str | int | float | bool) -> bool:
    if column_type == "string":
        return isinstance(value, str)
    if column_type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if column_type == "integer":
        return isinstance(value, int)
    return column_type == "float" and isinstance(value, int | float)


def _exceeds(low: int | float | date, high: int | float | date) -> bool:
    """Whether `low` > `high`, for two bounds that already fit the same column type."""
    if isinstance(low, datetime) and isinstance(high, datetime):
        return low > high
    if isinstance(low, date) and isinstance(high, date):
        return low > high
    if isinstance(low, int | float) and isinstance(high, int | float):
        return low > high
    return False


class ColumnSpec(BaseModel):
    """One column of a contract and the rules its values must follow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    type: ColumnType
    nullable: bool = False
    min: Bound | None = None
    max: Bound | None = None
    allowed: tuple[AllowedValue, ...] | None = None
    format: str | None = None

    @model_validator(mode="after")
    def _rules_fit_type(self) -> ColumnSpec:
        if self.name.startswith("_"):
            raise ValueError(
                f"column name {self.name!r} starts with '_', which is reserved for the "
                "_source, _line and _reason columns of rejected rows"
            )
        if self.format is not None:
            if self.type not in ("date", "timestamp"):
                raise ValueError(f"format is only for date and timestamp columns, not {self.type}")
            if "%" not in self.format:
                raise ValueError(f"format {self.format!r} has no strptime directive such as %Y")
        for label, bound in (("min", self.min), ("max", self.max)):
            if bound is not None and not _bound_fits(self.type, bound):
                raise ValueError(f"{label} = {bound!r} does not fit a {self.type} column")
        if self.min is not None and self.max is not None and _exceeds(self.min, self.max):
            raise ValueError(f"min = {self.min!r} is greater than max = {self.max!r}")
        if self.allowed is not None:
            if self.type in ("date", "timestamp"):
                raise ValueError(f"allowed is not supported for {self.type} columns; use min/max")
            if not self.allowed:
                raise ValueError("allowed must list at least one value")
            wrong = [value for value in self.allowed if not _allowed_fits(self.type, value)]
            if wrong:
                raise ValueError(f"allowed values {wrong!r} do not fit a {self.type} column")
            if len(set(self.allowed)) != len(self.allowed):
                raise ValueError("allowed lists a value more than once")
        return self

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type of this column in an accepted table."""
        return _ARROW_TYPES[self.type]


class Contract(BaseModel):
    """What a dataset must look like: columns, per-column rules, keys and watermark."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    keys: tuple[str, ...] = ()
    watermark: str | None = None
    extra_columns: Literal["reject", "drop"] = "reject"
    whitespace: Whitespace = "reject"

    @model_validator(mode="after")
    def _references_exist(self) -> Contract:
        names = [column.name for column in self.columns]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"columns are declared more than once: {', '.join(repeated)}")
        unknown = [key for key in self.keys if key not in names]
        if unknown:
            raise ValueError(f"keys name columns that are not declared: {', '.join(unknown)}")
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("keys lists a column more than once")
        if self.watermark is not None:
            if self.watermark not in names:
                raise ValueError(f"watermark column {self.watermark!r} is not declared")
            column = self.column(self.watermark)
            if column.type == "boolean":
                raise ValueError(
                    f"watermark column {self.watermark!r} is boolean; it must be ordered"
                )
            if column.nullable:
                raise ValueError(
                    f"watermark column {self.watermark!r} is nullable; a row without a "
                    "watermark could never be placed in an incremental load"
                )
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> Contract:
        """Build a contract from parsed TOML/JSON data; `source` names it in errors."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise ContractError(_describe(error, data, source)) from None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        """The column called `name`; KeyError if the contract has none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"contract {self.name!r} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        """The schema of an accepted table: contract order, contract types and nullability."""
        return pa.schema(
            [pa.field(column.name, column.arrow_type, column.nullable) for column in self.columns]
        )


def load_contract(path: str | os.PathLike[str]) -> Contract:
    """Read and validate a contract TOML file; ContractError says what is wrong and where."""
    contract_path = Path(path)
    try:
        with contract_path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ContractError(f"{contract_path}: contract file not found") from None
    except OSError as error:
        raise ContractError(
            f"{contract_path}: cannot read the contract file ({error.strerror}); check the path"
        ) from None
    except ValueError as error:  # a TOMLDecodeError, or bytes that are not UTF-8
        raise ContractError(f"{contract_path}: not valid TOML: {error}") from None
    return Contract.from_dict(data, source=str(contract_path))


_FIELDS = {
    "contract": sorted(Contract.model_fields),
    "column": sorted(ColumnSpec.model_fields),
}


def _location(loc: Sequence[int | str], data: Mapping[str, Any]) -> str:
    """A readable path such as ``columns[2] (wind).max`` for a pydantic error location."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, Sequence) and item < len(node) else None
            if isinstance(node, Mapping) and isinstance(node.get("name"), str):
                parts.append(f" ({node['name']})")
        else:
            parts.append(f".{item}" if parts else item)
            node = node.get(item) if isinstance(node, Mapping) else None
    return "".join(parts)


def _describe(error: ValidationError, data: Mapping[str, Any], source: str) -> str:
    lines = []
    details = error.errors()
    for detail in details:
        loc = [item for item in detail["loc"] if isinstance(item, int | str)]
        # A list whose items failed also reports itself as too short; the items say why.
        if detail["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and list(other["loc"][: len(loc)]) == loc
            for other in details
        ):
            continue
        where = _location(loc, data) or "contract"
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            known = _FIELDS["column" if "columns" in loc[:1] and len(loc) > 2 else "contract"]
            message = f"unknown key; the keys allowed here are {', '.join(known)}"
        elif detail["type"] not in ("missing", "value_error") and not isinstance(
            detail.get("input"), Mapping | list
        ):
            message = f"{message} (got {detail.get('input')!r})"
        lines.append(f"{where}: {message}")
    return f"{source}: invalid contract:\n  " + "\n  ".join(lines)

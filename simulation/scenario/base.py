"""What every section of a scenario file is built from: identifiers, tunable numbers and closed tables.

`num` declares a tunable number with its unit and plausible range, which the parameter registry
(`simulation.scenario.registry`) reads; `Closed` and `Strict` are the tables of input files, which
refuse a misspelt key and a number that is not finite, and (`Strict`) let a table name its sources.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="identifier")]


def num(default: Any = ..., *, unit: str, lo: float, hi: float, doc: str, **limits: Any) -> Any:
    """A tunable number: its unit and plausible range go into the parameter registry."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "plausible": [lo, hi]}, **limits)


class Closed(BaseModel):
    """A table of an input file (scenario or sweep): a misspelt key is an error, and every number is
    finite (`inf` and `nan`, which TOML accepts, are refused with the key named)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, allow_inf_nan=False)


class Strict(Closed):
    """A table of a scenario file, whose numbers may each name their source."""

    sources: dict[str, str] = Field(
        default_factory=dict, description="where this table's numbers come from, by field name"
    )

    @model_validator(mode="after")
    def _sourced_fields(self) -> Strict:
        unknown = sorted(set(self.sources) - set(type(self).model_fields) - {"*"})
        if unknown:
            known = ", ".join(n for n in type(self).model_fields if n != "sources")
            raise ValueError(f"sources name unknown fields {', '.join(unknown)}; '*' or one of: {known}")
        return self

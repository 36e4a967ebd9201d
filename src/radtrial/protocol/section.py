"""The base of every protocol section: frozen, strict, and honest about assumptions.

Where a registry record or published protocol is silent, a trial team still needs a value to run
the trial (a non-inferiority margin, a visit window). Such a value is kept in the protocol file,
never in code, and is marked as an assumption with the reason it was chosen:

* ``assumption = "why"`` marks a whole section (a visit, a criterion rule, a sample type);
* ``assumptions = { field = "why" }`` marks single fields of the section.

:meth:`radtrial.protocol.model.Protocol.assumption_marks` lists every such mark with its path, so
screens and reports can show which numbers are not yet confirmed by the sponsor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

_RESERVED = frozenset({"assumption", "assumptions"})


class Section(BaseModel):
    """A frozen protocol section that may carry assumption marks."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    assumption: str | None = Field(
        default=None, description="Why this whole section is an assumption (None: sourced)"
    )
    assumptions: Mapping[str, str] = Field(
        default_factory=dict, description="Field name -> why that field's value is assumed"
    )

    @model_validator(mode="after")
    def _assumptions_name_fields(self) -> Section:
        if self.assumption is not None and not self.assumption:
            raise ValueError("assumption: give the reason the value was chosen")
        fields = set(type(self).model_fields) - _RESERVED
        for name, why in self.assumptions.items():
            if name not in fields:
                known = ", ".join(sorted(fields))
                raise ValueError(f"assumptions.{name}: no field {name!r} here (fields: {known})")
            if not why.strip():
                raise ValueError(f"assumptions.{name}: give the reason the value was chosen")
        return self

    def content(self) -> dict[str, Any]:
        """The section as plain JSON-compatible data."""
        return self.model_dump(mode="json")

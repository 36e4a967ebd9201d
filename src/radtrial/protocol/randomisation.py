"""Randomisation configuration: method, allocation ratio, blocks and stratification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from radtrial.protocol.section import Section


class Minimisation(Section):
    """Pocock–Simon minimisation (Biometrics 1975;31:103–115, doi:10.2307/2529712)."""

    factors: tuple[str, ...] = Field(min_length=1)
    imbalance: Literal["range", "variance"] = "range"
    p_preferred: float = Field(gt=0.5, le=1.0, description="Chance of the minimising arm")


class Randomisation(Section):
    """How participants are allocated to arms."""

    method: Literal["permuted_blocks", "minimisation"]
    ratio: Mapping[str, PositiveInt] = Field(description="Arm code -> allocation weight")
    block_sizes: tuple[PositiveInt, ...] = ()
    stratify_by: tuple[str, ...] = Field(
        description="'site' or screening field names (the trial file states them; () for none)"
    )
    slots_per_stratum: PositiveInt | None = Field(
        default=None, description="Length of the generated list in each stratum"
    )
    minimisation: Minimisation | None = None

    @model_validator(mode="after")
    def _method_parameters(self) -> Randomisation:
        if len(self.ratio) < 2:
            raise ValueError("ratio: randomisation needs at least two arms")
        weight = sum(self.ratio.values())
        if self.method == "permuted_blocks":
            if not self.block_sizes:
                raise ValueError("block_sizes: permuted blocks need at least one block size")
            bad = [size for size in self.block_sizes if size % weight]
            if bad:
                raise ValueError(
                    f"block_sizes {bad} are not multiples of the ratio's total weight {weight}"
                )
            if self.slots_per_stratum is None:
                raise ValueError("slots_per_stratum: permuted blocks need a list length")
        if self.method == "minimisation" and self.minimisation is None:
            raise ValueError("minimisation: the method needs its factors and p_preferred")
        return self

"""The allocation design: everything an allocation list is generated from, besides the seed.

:func:`design_from_protocol` reads it from a protocol version's ``[randomisation]`` table and
sites. The design is stored with the list (:meth:`AllocationDesign.to_json`), so a later
amendment of the protocol never changes a list already in use, and verification regenerates the
list from the stored design and seed.

Strata are the combinations of the stratification factors' levels. A factor is ``site`` (levels:
the protocol's site codes) or a screening field with a closed set of values: a choice field
(its choices) or a boolean field (``yes``/``no``). A number, date or text field has no fixed
levels and cannot stratify; group it into a choice field in the screening form instead.
Minimisation uses one trial-wide sequence of random draws (the stratum ``all``) and balances
over its own factors.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from radtrial.errors import InvalidInput, MissingStratificationFactor, RandomisationError
from radtrial.protocol.eligibility import ScreeningField
from radtrial.protocol.model import Protocol
from radtrial.trial.eligibility import ScreeningData
from radtrial.trial.randomisation.stream import STREAM_ALGORITHM

__all__ = [
    "ALL",
    "AllocationDesign",
    "Factor",
    "MinimisationDesign",
    "design_from_protocol",
]

Method = Literal["permuted_blocks", "minimisation"]

#: The one stratum of a minimisation list.
ALL = "all"

#: Version of the list-generation algorithm; a change of algorithm gets a new name.
ALGORITHM_VERSION = 1


@dataclass(frozen=True, slots=True)
class Factor:
    """A stratification or minimisation factor and its levels."""

    name: str
    levels: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "levels": list(self.levels)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Factor:
        """The factor stored by :meth:`to_json`."""
        return cls(str(data["name"]), tuple(str(level) for level in data["levels"]))


@dataclass(frozen=True, slots=True)
class MinimisationDesign:
    """Pocock–Simon minimisation parameters (Biometrics 1975;31:103–115)."""

    factors: tuple[Factor, ...]
    imbalance: Literal["range", "variance"]
    p_preferred: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "factors": [f.to_json() for f in self.factors],
            "imbalance": self.imbalance,
            "p_preferred": self.p_preferred,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MinimisationDesign:
        """The parameters stored by :meth:`to_json`."""
        imbalance = data["imbalance"]
        if imbalance not in ("range", "variance"):
            raise InvalidInput(f"unknown imbalance {imbalance!r}", location="imbalance")
        return cls(
            tuple(Factor.from_json(f) for f in data["factors"]),
            imbalance,
            float(data["p_preferred"]),
        )


@dataclass(frozen=True, slots=True)
class AllocationDesign:
    """How a trial's allocation list is made.

    ``ratio`` pairs each arm code with its weight, in arm-code order. ``factors`` stratify a
    permuted-block list; ``slots_per_stratum`` is the least number of slots per stratum (the
    list is completed to a whole block). A minimisation design has one stratum, :data:`ALL`,
    of ``slots_per_stratum`` random draws.
    """

    method: Method
    ratio: tuple[tuple[str, int], ...]
    block_sizes: tuple[int, ...]
    factors: tuple[Factor, ...]
    slots_per_stratum: int
    minimisation: MinimisationDesign | None = None

    @property
    def algorithm(self) -> str:
        """The name of the generation algorithm, recorded with the list."""
        return f"radtrial-{self.method.replace('_', '-')}/{ALGORITHM_VERSION} ({STREAM_ALGORITHM})"

    @property
    def arms(self) -> tuple[str, ...]:
        """The arm codes, in order."""
        return tuple(arm for arm, _ in self.ratio)

    @property
    def weights(self) -> Mapping[str, int]:
        """Arm code -> allocation weight."""
        return dict(self.ratio)

    def strata(self) -> tuple[str, ...]:
        """Every stratum key, in factor-level order."""
        if self.method == "minimisation" or not self.factors:
            return (ALL,)
        return tuple(
            _key(self.factors, combination)
            for combination in itertools.product(*(f.levels for f in self.factors))
        )

    def factors_needed(self) -> tuple[Factor, ...]:
        """The factors a participant must have values for."""
        if self.method == "minimisation":
            assert self.minimisation is not None
            return self.minimisation.factors
        return self.factors

    def levels_of(self, site_code: str, data: ScreeningData) -> dict[str, str]:
        """The participant's level of every needed factor.

        Raises :class:`MissingStratificationFactor` (located at ``data.<factor>``) for a factor
        without a value, and :class:`RandomisationError` for a value that is not one of the
        factor's levels (for example a site added after the list was generated).
        """
        out: dict[str, str] = {}
        for factor in self.factors_needed():
            if factor.name == "site":
                level = site_code
            else:
                value = data.get(factor.name)
                if value is None:
                    raise MissingStratificationFactor(
                        f"the screening data have no value for the factor {factor.name!r}; "
                        "record it before randomising",
                        location=f"data.{factor.name}",
                        detail={"factor": factor.name},
                    )
                level = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            if level not in factor.levels:
                raise RandomisationError(
                    f"{factor.name} = {level!r} is not a level of the allocation list "
                    f"({', '.join(factor.levels)}); the list must be regenerated for it",
                    location=f"data.{factor.name}",
                    detail={"factor": factor.name, "level": level},
                )
            out[factor.name] = level
        return out

    def stratum_of(self, levels: Mapping[str, str]) -> str:
        """The stratum key of a participant with these factor levels."""
        if self.method == "minimisation" or not self.factors:
            return ALL
        return _key(self.factors, tuple(levels[f.name] for f in self.factors))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, stored with the list."""
        return {
            "method": self.method,
            "ratio": [[arm, weight] for arm, weight in self.ratio],
            "block_sizes": list(self.block_sizes),
            "factors": [f.to_json() for f in self.factors],
            "slots_per_stratum": self.slots_per_stratum,
            "minimisation": None if self.minimisation is None else self.minimisation.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AllocationDesign:
        """The design stored by :meth:`to_json`."""
        method = data["method"]
        if method not in ("permuted_blocks", "minimisation"):
            raise InvalidInput(f"unknown randomisation method {method!r}", location="method")
        minimisation = data.get("minimisation")
        return cls(
            method=method,
            ratio=tuple((str(arm), int(weight)) for arm, weight in data["ratio"]),
            block_sizes=tuple(int(size) for size in data["block_sizes"]),
            factors=tuple(Factor.from_json(f) for f in data["factors"]),
            slots_per_stratum=int(data["slots_per_stratum"]),
            minimisation=None
            if minimisation is None
            else MinimisationDesign.from_json(minimisation),
        )


def _key(factors: Sequence[Factor], levels: Sequence[str]) -> str:
    return ";".join(f"{f.name}={level}" for f, level in zip(factors, levels, strict=True))


def _factor(name: str, protocol: Protocol, fields: Mapping[str, ScreeningField]) -> Factor:
    if name == "site":
        return Factor("site", tuple(site.code for site in protocol.sites))
    spec = fields[name]
    if spec.type == "choice":
        return Factor(name, spec.choices)
    if spec.type == "boolean":
        return Factor(name, ("yes", "no"))
    raise InvalidInput(
        f"stratification factor {name!r} is a {spec.type} field without fixed levels; "
        "stratify by site, a choice field or a boolean field",
        location=f"randomisation.{name}",
    )


def design_from_protocol(protocol: Protocol) -> AllocationDesign:
    """The allocation design of a randomised protocol version.

    A minimisation design without ``slots_per_stratum`` gets twice the target enrolment in
    draws (an allocation table well over the sample size, as REDCap advises ≥ 20 % more).
    Raises :class:`RandomisationError` if the trial is not randomised and
    :class:`InvalidInput` for a factor that cannot stratify.
    """
    config = protocol.randomisation
    if config is None:
        raise RandomisationError(
            f"trial {protocol.slug!r} is not randomised (allocation: "
            f"{protocol.trial.design.allocation})",
            location="randomisation",
        )
    fields = {spec.name: spec for spec in protocol.eligibility.fields}
    ratio = tuple(sorted((arm, int(weight)) for arm, weight in config.ratio.items()))
    if config.method == "minimisation":
        assert config.minimisation is not None
        minimisation = MinimisationDesign(
            factors=tuple(_factor(f, protocol, fields) for f in config.minimisation.factors),
            imbalance=config.minimisation.imbalance,
            p_preferred=config.minimisation.p_preferred,
        )
        size = config.slots_per_stratum or 2 * protocol.trial.target_enrolment
        return AllocationDesign("minimisation", ratio, (), (), size, minimisation)
    assert config.slots_per_stratum is not None
    return AllocationDesign(
        method="permuted_blocks",
        ratio=ratio,
        block_sizes=tuple(config.block_sizes),
        factors=tuple(_factor(f, protocol, fields) for f in config.stratify_by),
        slots_per_stratum=config.slots_per_stratum,
    )

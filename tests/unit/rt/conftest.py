"""Fixtures: the bundled protocols, their calendars, and a way to record fractions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.prescription import Arm
from radtrial.rt.ledger import DeliveredFraction, LevelDose

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="session")
def pallsoft_text() -> str:
    return (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def prosarc2_text() -> str:
    return (TRIALS / "prosarc2.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pallsoft(pallsoft_text: str) -> Protocol:
    return parse_protocol(pallsoft_text, "pallsoft.toml")


@pytest.fixture(scope="session")
def prosarc2(prosarc2_text: str) -> Protocol:
    return parse_protocol(prosarc2_text, "prosarc2.toml")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A UTC instant at a local Oslo clock time."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


FractionMaker = Callable[..., DeliveredFraction]


def make_fraction(arm: Arm) -> FractionMaker:
    """A factory of delivered fractions of ``arm``: the prescribed doses unless told otherwise."""
    prescription = arm.prescription

    def fraction(
        number: int,
        day: date,
        hour: int = 9,
        minute: int = 0,
        optional_fraction: str | None = None,
        **doses: float,
    ) -> DeliveredFraction:
        given = []
        for level in prescription.dose_levels:
            dose = doses.get(level.id, level.dose_per_fraction_gy)
            if prescription.rbe is not None:
                given.append(LevelDose.rbe_weighted(level.id, dose, prescription.rbe))
            else:
                given.append(LevelDose.photon(level.id, dose))
        return DeliveredFraction(
            number,
            at(day, hour, minute),
            "OUS",
            "PT-G1" if prescription.rbe is not None else "LA3",
            tuple(given),
            optional_fraction=optional_fraction,
        )

    return fraction

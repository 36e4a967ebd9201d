"""Fixtures: the bundled protocols, parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from radtrial.protocol import Protocol, parse_protocol

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"


@pytest.fixture(scope="session")
def pallsoft() -> Protocol:
    return parse_protocol((TRIALS / "pallsoft.toml").read_text(encoding="utf-8"), "pallsoft.toml")


@pytest.fixture(scope="session")
def prosarc2() -> Protocol:
    return parse_protocol((TRIALS / "prosarc2.toml").read_text(encoding="utf-8"), "prosarc2.toml")

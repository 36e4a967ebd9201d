"""Fixtures: the bundled protocol files as text."""

from __future__ import annotations

from pathlib import Path

import pytest

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"


@pytest.fixture(scope="session")
def pallsoft_text() -> str:
    return (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def prosarc2_text() -> str:
    return (TRIALS / "prosarc2.toml").read_text(encoding="utf-8")

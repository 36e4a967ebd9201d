"""Every name a clinical or visit module exports exists (ruff keeps ``__all__`` sorted)."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "radtrial.clinical.ecog",
    "radtrial.clinical.ctcae",
    "radtrial.clinical.ctcae.terms",
    "radtrial.clinical.ctcae.events",
    "radtrial.clinical.ctcae.seriousness",
    "radtrial.clinical.ctcae.reporting",
    "radtrial.clinical.instruments",
    "radtrial.clinical.instruments.eortc",
    "radtrial.clinical.instruments.nrs",
    "radtrial.clinical.instruments.qlq_c30",
    "radtrial.clinical.instruments.qlq_c15_pal",
    "radtrial.clinical.instruments.responder",
    "radtrial.clinical.recist",
    "radtrial.clinical.recist.lesions",
    "radtrial.clinical.recist.response",
    "radtrial.clinical.recist.series",
    "radtrial.clinical.recist.best",
    "radtrial.trial.visits",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists_once(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute}"

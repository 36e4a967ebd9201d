"""The survival part of radtrial.stats' public API: exported, sorted, and each module's own."""

from __future__ import annotations

import ast
import importlib

import pytest

import radtrial.stats as stats

SURVIVAL_MODULES = (
    "competing_risks",
    "cox",
    "kaplan_meier",
    "landmark",
    "logrank",
    "simulate_survival",
)


@pytest.mark.parametrize("module", SURVIVAL_MODULES)
def test_every_public_survival_name_is_exported_by_the_package(module: str) -> None:
    names = importlib.import_module(f"radtrial.stats.{module}").__all__
    missing = sorted(set(names) - set(stats.__all__))
    assert not missing


def test_every_exported_name_exists_and_the_list_is_sorted() -> None:
    for name in stats.__all__:
        assert hasattr(stats, name), name
    assert len(set(stats.__all__)) == len(stats.__all__)

    def kind(name: str) -> tuple[int, str]:
        if name.isupper():
            return (0, name)
        return (1, name) if name[0].isupper() else (2, name)

    assert list(stats.__all__) == sorted(stats.__all__, key=kind)


@pytest.mark.parametrize("module", SURVIVAL_MODULES)
def test_the_survival_modules_import_nothing_beyond_numpy_and_scipy(module: str) -> None:
    source = importlib.import_module(f"radtrial.stats.{module}").__file__
    assert source is not None
    with open(source, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    allowed = {"__future__", "collections", "dataclasses", "typing", "numpy", "scipy", "radtrial"}
    assert roots <= allowed

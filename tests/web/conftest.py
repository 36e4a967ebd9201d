"""The page tests reuse the API suites' world fixtures."""

from tests.api.conftest import client, world

__all__ = ["client", "world"]

"""Alembic environment of the identity database; see :mod:`radtrial.store.migrations`."""

from radtrial.store.migrations import run_env

run_env()

"""Alembic environment of the research database; see :mod:`radtrial.store.migrations`."""

from radtrial.store.migrations import run_env

run_env()

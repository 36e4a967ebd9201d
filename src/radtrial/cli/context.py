"""What every CLI command that touches the databases needs: the databases and the acting user."""

from __future__ import annotations

import getpass

import typer

from radtrial.config import get_settings
from radtrial.store.database import Database

__all__ = ["ACTOR_OPTION", "open_database", "resolve_actor"]

ACTOR_OPTION = typer.Option(
    None,
    "--actor",
    help="Username recorded in the audit trail (default: RADTRIAL_ACTOR, else the OS user).",
)


def resolve_actor(actor: str | None) -> str:
    """The acting user: ``--actor``, else the ``RADTRIAL_ACTOR`` setting, else the OS user."""
    return actor or get_settings().actor or getpass.getuser()


def open_database() -> Database:
    """The research database and identity store named by the settings."""
    return Database.from_settings(get_settings())

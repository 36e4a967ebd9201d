"""``radtrial serve``: the REST API and the staff web app (uvicorn).

Runs on the databases the settings name (the embedded SQLite files by default, PostgreSQL when
``RADTRIAL_DATABASE_URL`` says so). ``--demo`` instead creates a fresh demo database in
``<data dir>/demo`` with both bundled trials and a user for every role, prints how to sign in,
and serves it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from radtrial.cli.output import console, translated_errors
from radtrial.config import Settings, get_settings
from radtrial.store.database import Database

__all__ = ["demo_settings", "serve"]

DEMO_DIR_NAME = "demo"


def demo_settings(settings: Settings) -> Settings:
    """The settings of the demo: its two SQLite files in ``<data dir>/demo``."""
    folder = settings.data_dir / DEMO_DIR_NAME
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{folder / 'research.db'}",
            "identity_database_url": f"sqlite:///{folder / 'identity.db'}",
        }
    )


def _fresh(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _print_demo(users: list[object], address: str, settings: Settings) -> None:
    from radtrial.services.demo import DEMO_PASSWORD, DemoUser
    from radtrial.services.users import grant_summary
    from radtrial.store.records import GrantRecord

    console.print(f"\n[bold]radtrial demo[/] — open [bold cyan]{address}[/] in a browser\n")
    console.print(
        f"Every demo user's password is [bold]{DEMO_PASSWORD}[/]. Staff sign in with a second "
        "factor: add a user's TOTP secret below to an authenticator app (or scan its otpauth:// "
        "URI), or print the current code with\n"
        "  [bold]radtrial users totp-code --demo USERNAME[/]\n",
        highlight=False,
        soft_wrap=True,
    )
    for user in users:
        assert isinstance(user, DemoUser)
        assert user.totp is not None
        roles = ", ".join(
            grant_summary(GrantRecord(g.role, g.trial_slug, g.site_code)) for g in user.grants
        )
        console.print(
            f"  [bold]{user.username:<14}[/] {roles:<48} TOTP secret {user.totp.secret}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "\nTry: sign in as [bold]nurse.ous[/] and open PALLSOFT; as [bold]monitor[/] open an "
        "audit trail; as [bold]admin[/] add a user. Participants come with the enrolment pages.\n"
        f"Demo data lives in {settings.data_dir / DEMO_DIR_NAME} and is recreated on each "
        "--demo start.",
        highlight=False,
        soft_wrap=True,
    )


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="Create a fresh demo database with both trials and demo users."
    ),
) -> None:
    """Serve the REST API (/api/v1) and the staff web app."""
    import uvicorn

    from radtrial.api.app import create_app

    with translated_errors():
        settings = get_settings()
        users: list[object] = []
        if demo:
            from radtrial.services.demo import build_demo

            settings = demo_settings(settings)
            _fresh(settings.data_dir / DEMO_DIR_NAME)
            database = Database.from_settings(settings)
            users = list(build_demo(database))
        else:
            database = Database.from_settings(settings)
            database.upgrade()
    address = f"http://{host}:{port}/"
    if demo:
        _print_demo(users, address, settings)
    else:
        console.print(f"radtrial serving {database.describe()['research']} at {address}")
    try:
        uvicorn.run(
            create_app(settings, database),
            host=host,
            port=port,
            proxy_headers=False,
            server_header=False,
            log_level="info",
        )
    finally:
        database.close()

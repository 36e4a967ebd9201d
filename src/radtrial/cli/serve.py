"""``radtrial serve``: the REST API and the staff web app (uvicorn).

Runs on the databases the settings name (the embedded SQLite files by default, PostgreSQL when
``RADTRIAL_DATABASE_URL`` says so). ``--demo`` instead creates a fresh demo database in
``<data dir>/demo`` with both bundled trials, a user for every role and a few dozen simulated
participants at every stage (see :mod:`radtrial.cli.demo`), prints how to sign in, and serves
it.
"""

from __future__ import annotations

import typer

from radtrial.cli.demo import DEMO_DIR_NAME, demo_settings, prepare_demo, print_demo
from radtrial.cli.output import console, translated_errors
from radtrial.config import get_settings
from radtrial.services.demo import DEFAULT_SEED
from radtrial.store.database import Database

__all__ = ["DEMO_DIR_NAME", "demo_settings", "serve"]


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Create a fresh demo database: both trials, demo users and simulated participants.",
    ),
    seed: int = typer.Option(
        DEFAULT_SEED, "--seed", help="Seed of the demo's simulated participants (with --demo)."
    ),
) -> None:
    """Serve the REST API (/api/v1) and the staff web app."""
    import uvicorn

    from radtrial.api.app import create_app

    address = f"http://{host}:{port}/"
    with translated_errors():
        settings = get_settings()
        if demo:
            settings, database, built = prepare_demo(settings, seed=seed)
            print_demo(built, address, settings)
        else:
            database = Database.from_settings(settings)
            database.upgrade()
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

"""``radtrial users``: accounts and their roles."""

from __future__ import annotations

import dataclasses
import sys

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services.auth import current_totp_code, enrol_totp
from radtrial.services.users import add_user, grant_summary, list_users, parse_role

app = typer.Typer(help="User accounts and role grants.", no_args_is_help=True)

ROLE_OPTION = typer.Option(
    ..., "--role", help="ROLE or ROLE@SITE (site code); repeat for several roles."
)


@app.command("add")
@command
def add(
    username: str = typer.Argument(..., help="Login name: lowercase, e.g. 'kskipar'."),
    name: str = typer.Option(..., "--name", help="Full name, as shown in signatures."),
    email: str = typer.Option(..., "--email", help="E-mail address."),
    roles: list[str] = ROLE_OPTION,
    trial: str | None = typer.Option(
        None, "--trial", help="Trial slug the roles apply to (default: every trial)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password from the first line of stdin."
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user with one or more roles, each in the trial (or all) at a site (or all)."""
    grants = [parse_role(spec, trial_slug=trial) for spec in roles]
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on stdin", location="password")
    with open_database() as db:
        user = add_user(
            db,
            actor=resolve_actor(actor),
            username=username,
            full_name=name,
            email=email,
            grants=grants,
            password=password,
        )
    if as_json:
        print_json(dataclasses.asdict(user))
        return
    console.print(
        f"added user [bold]{user.username}[/] ({user.full_name}): "
        + ", ".join(grant_summary(grant) for grant in user.grants),
        highlight=False,
        soft_wrap=True,
    )


@app.command("list")
@command
def list_(actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION) -> None:
    """List every user with their roles."""
    with open_database() as db:
        users = list_users(db, actor=resolve_actor(actor))
    if as_json:
        print_json([dataclasses.asdict(user) for user in users])
        return
    table = Table("username", "name", "e-mail", "active", "roles")
    for user in users:
        table.add_row(
            user.username,
            user.full_name,
            user.email,
            "yes" if user.active else "no",
            "\n".join(grant_summary(grant) for grant in user.grants),
        )
    console.print(table)


@app.command("totp")
@command
def totp(
    username: str = typer.Argument(..., help="The user to enrol a second factor for."),
    reason: str | None = typer.Option(
        None, "--reason", help="Why an existing second factor is replaced (audited)."
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Enrol a new TOTP second factor and print its provisioning URI, once.

    The user adds it to an authenticator app (scan the URI as a QR code, or type the secret).
    Replacing a second factor needs --reason and ends the user's open sessions.
    """
    with open_database() as db:
        enrolment = enrol_totp(db, actor=resolve_actor(actor), username=username, reason=reason)
    if as_json:
        print_json(
            {
                "username": enrolment.username,
                "secret": enrolment.secret,
                "provisioning_uri": enrolment.provisioning_uri,
            }
        )
        return
    console.print(
        f"second factor enrolled for [bold]{enrolment.username}[/]; give them this URI (shown "
        f"only now):\n{enrolment.provisioning_uri}\nsecret: {enrolment.secret}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("totp-code")
@command
def totp_code(
    username: str = typer.Argument(..., help="The demo user whose current code to print."),
    demo: bool = typer.Option(
        False, "--demo", help="Read the database of `radtrial serve --demo`."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Print a user's current TOTP code: for the demo and development only (refused when
    RADTRIAL_ENVIRONMENT is production)."""
    from radtrial.cli.serve import demo_settings
    from radtrial.config import get_settings
    from radtrial.store.database import Database

    settings = get_settings()
    if settings.environment == "production":
        raise InvalidInput(
            "totp-code reads a second factor's secret and is for demos only; it is refused in "
            "production",
            location="environment",
        )
    if demo:
        settings = demo_settings(settings)
    with Database.from_settings(settings) as db:
        code = current_totp_code(db, username=username)
    if as_json:
        print_json({"username": username, "code": code})
        return
    console.print(code, highlight=False)

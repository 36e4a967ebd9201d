"""The demo of ``radtrial serve --demo``: build a fresh demo database (with a progress bar) and
print how to sign in and what it holds."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich import box
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from radtrial.cli.output import console
from radtrial.config import Settings
from radtrial.services.demo import DEMO_PASSWORD, Demo, Stage, build_demo
from radtrial.services.users import grant_summary
from radtrial.store.database import Database
from radtrial.store.records import GrantRecord

__all__ = ["DEMO_DIR_NAME", "demo_settings", "prepare_demo", "print_demo"]

DEMO_DIR_NAME = "demo"

_ACRONYMS = {"pallsoft": "PALL", "prosarc2": "PRS2"}  # as in the study ids


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


def prepare_demo(settings: Settings, *, seed: int) -> tuple[Settings, Database, Demo]:
    """Recreate ``<data dir>/demo`` and build the demo in it, showing progress; returns the
    demo's settings, its open database and what was built."""
    settings = demo_settings(settings)
    _fresh(settings.data_dir / DEMO_DIR_NAME)
    database = Database.from_settings(settings)
    with Progress(
        TextColumn("Building the demo history (seed {task.fields[seed]})"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("demo", total=None, seed=seed)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, done))

        demo = build_demo(database, seed=seed, progress=advance)
    return settings, database, demo


def _stages_table(demo: Demo) -> Table:
    """Participants by stage (rows) and by trial and site (columns)."""
    counts = demo.counts()
    columns = sorted(
        {(p.trial_slug, p.site_code) for p in demo.participants},
        key=lambda c: (c[0], c[1] != "OUS", c[1]),
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("stage", no_wrap=True)
    for trial, site in columns:
        table.add_column(f"{_ACRONYMS.get(trial, trial)}\n{site}", justify="right")
    table.add_column("total", justify="right", style="bold")
    for stage in Stage:
        cells = [counts.get((trial, site, stage), 0) for trial, site in columns]
        if any(cells):
            table.add_row(
                stage.value.replace("_", " "), *(str(c or "·") for c in cells), str(sum(cells))
            )
    totals = [sum(counts.get((t, s, stage), 0) for stage in Stage) for t, s in columns]
    table.add_row("all", *(str(c) for c in totals), str(sum(totals)), style="bold")
    return table


def print_demo(demo: Demo, address: str, settings: Settings) -> None:
    """How to open and sign in to the demo, the demo users, and the participants by stage."""
    console.print(f"\n[bold]radtrial demo[/] — open [bold cyan]{address}[/] in a browser\n")
    console.print(
        f"Every demo user's password is [bold]{DEMO_PASSWORD}[/]. Staff sign in with a second "
        "factor: add a user's TOTP secret below to an authenticator app (or scan its otpauth:// "
        "URI), or print the current code with\n"
        "  [bold]radtrial users totp-code --demo USERNAME[/]\n",
        highlight=False,
        soft_wrap=True,
    )
    for user in demo.users:
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
        f"\nSimulated participants, created through the services over the last ten months "
        f"(seed {demo.seed}; the same --seed {demo.seed} rebuilds the same demo):",
        highlight=False,
        soft_wrap=True,
    )
    console.print(_stages_table(demo))
    console.print(
        "Try: sign in as [bold]nurse.ous[/] (OUS has participants at every stage) and open "
        "PALLSOFT; as [bold]monitor[/] open an audit trail; as [bold]admin[/] add a user.\n"
        f"Demo data lives in {settings.data_dir / DEMO_DIR_NAME} and is recreated on each "
        "--demo start.",
        highlight=False,
        soft_wrap=True,
    )

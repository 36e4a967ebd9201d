"""``radtrial db``: the databases' schema."""

from __future__ import annotations

import typer

from radtrial.cli.context import open_database
from radtrial.cli.output import JSON_OPTION, command, console, print_json

app = typer.Typer(help="The research database and the identity store.", no_args_is_help=True)


@app.command("upgrade")
@command
def upgrade(as_json: bool = JSON_OPTION) -> None:
    """Create or upgrade the research database and the identity store to the newest schema."""
    with open_database() as db:
        revisions = db.upgrade()
        databases = db.describe()
    result = {
        chain: {"database": databases[chain], "revision": revision}
        for chain, revision in revisions.items()
    }
    if as_json:
        print_json(result)
        return
    for chain, state in result.items():
        console.print(
            f"{chain} database at revision [bold]{state['revision']}[/] ({state['database']})",
            highlight=False,
            soft_wrap=True,
        )

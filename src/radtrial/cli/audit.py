"""``radtrial audit``: verify the audit trails and anchor their heads outside the databases."""

from __future__ import annotations

from pathlib import Path

import typer

from radtrial.cli.context import open_database
from radtrial.cli.output import (
    EXIT_CHECK_FAILED,
    JSON_OPTION,
    command,
    console,
    err_console,
    print_json,
)
from radtrial.services.audit import verify_audit, write_checkpoint

app = typer.Typer(help="The audit trails of both databases.", no_args_is_help=True)

CHECKPOINT_OPTION = typer.Option(
    None, "--checkpoint", help="Checkpoint file to compare the chains' heads with."
)
OUTPUT_OPTION = typer.Option(..., "-o", "--output", help="New file to write (kept off-site).")


@app.command("verify")
@command
def verify(
    checkpoint: Path | None = CHECKPOINT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Recompute both hash chains; exit 3 naming the first bad row if either fails."""
    with open_database() as db:
        results = verify_audit(db, checkpoint)
    if as_json:
        print_json({"ok": all(r.ok for r in results), "chains": [r.to_json() for r in results]})
    else:
        for result in results:
            problem = result.report.problem
            if problem is None:
                console.print(
                    f"{result.chain} audit trail verified: {result.report.rows_checked} rows, "
                    f"head {result.report.head_hash[:16]}… ({result.database})",
                    highlight=False,
                    soft_wrap=True,
                )
            else:
                err_console.print(
                    f"[bold red]{result.chain} audit trail FAILED[/] at row {problem.seq} "
                    f"({problem.kind}): {problem.message} ({result.database})",
                    highlight=False,
                    soft_wrap=True,
                )
    if not all(r.ok for r in results):
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("checkpoint")
@command
def checkpoint(
    output: Path = OUTPUT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Verify both chains and write their heads to a new checkpoint file."""
    with open_database() as db:
        content = write_checkpoint(db, output)
    if as_json:
        print_json(content)
        return
    for chain, head in content["chains"].items():
        console.print(
            f"{chain}: row {head['head_seq']}, head {head['head_hash'][:16]}… → {output}",
            highlight=False,
            soft_wrap=True,
        )

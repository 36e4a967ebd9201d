"""The ``radtrial`` command: thin commands over the services."""

from __future__ import annotations

import typer

from radtrial.cli import (
    adverse_events,
    analyse,
    audit,
    biobank,
    db,
    design,
    ecog,
    endpoints,
    enrolment,
    events,
    pro,
    protocol,
    qa,
    randomisation,
    recist,
    rt,
    serve,
    simulate,
    trials,
    users,
    visits,
)

app = typer.Typer(
    name="radtrial",
    help="Radiotherapy clinical trials end to end.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(trials.app, name="trials")
app.add_typer(protocol.app, name="protocol")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(rt.app, name="rt")
app.add_typer(design.app, name="design")
app.add_typer(simulate.app, name="simulate")
app.add_typer(qa.app, name="qa")
app.command("serve")(serve.serve)
# Enrolment commands sit at the top level: radtrial screen, consent, register, randomise, ...
app.add_typer(enrolment.app)
app.add_typer(randomisation.app, name="randomisation")
# Clinical outcomes and the biobank (issue 6).
app.add_typer(pro.pro_app, name="pro")
app.add_typer(adverse_events.ae_app, name="ae")
app.add_typer(ecog.ecog_app, name="ecog")
app.add_typer(recist.app, name="recist")
app.add_typer(events.event_app, name="event")
app.add_typer(biobank.app, name="sample")
app.add_typer(visits.app, name="visits")
app.command("endpoints")(endpoints.endpoints_command)
app.command("analyse")(analyse.analyse_command)


def main() -> None:
    """Console-script entry point."""
    app()

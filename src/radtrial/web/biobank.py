"""A site's biobank shipments at ``/sites/{code}/shipments``: ship stored samples and record the
receipt of a shipment at its destination.

A shipment is not a participant's: the biobank service ships any samples the user may write,
of any participants, under one shipment code, from the samples' site unless another origin is
given, to a named destination; its receipt is recorded by shipment code
(:mod:`radtrial.services.outcomes.biobank`). So the forms live on a page of the site the
samples leave, linked from the site's follow-up page and from each participant's outcomes page.
They call the same services, with the same checks, as ``POST /api/v1/shipments`` (every sample
authorised by the site-isolation policy first, logged) and ``POST
/api/v1/shipments/{code}/receipt`` (the service checks the receiver's role at the samples'
sites). Times typed are the site's wall-clock time (Europe/Oslo); a validation error is shown
next to the field its ``location`` names and nothing is written.

A user who may read the site's participants also sees the site's stored samples that are ready
to ship and the shipments still in transit (:mod:`radtrial.services.outcomes.biobank_views`,
the same lists as ``GET /api/v1/sites/{code}/samples`` and ``/shipments``): one who may write
ticks the samples to ship (typed or scanned labels are still taken, and both are joined) and
records each shipment's receipt from its row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.api.schemas import SITE_PATTERN
from radtrial.errors import Conflict, InvalidInput, NotFound, RadtrialError
from radtrial.services import outcome_views, sites
from radtrial.services.course.state import SITE_TIMEZONE
from radtrial.services.outcomes import biobank_views, shipments
from radtrial.services.outcomes.biobank_views import SiteSample, SiteShipment
from radtrial.services.policy import Action, decide
from radtrial.services.sites import SiteOverview
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.outcome_forms import form_instant
from radtrial.web.outcomes import error_field
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SiteCodePath = Annotated[str, Path(pattern=SITE_PATTERN)]
#: A shipment code as the confirmation names it (the service takes 1–64 characters).
ShipmentQuery = Annotated[str | None, Query(min_length=1, max_length=64)]


#: The most fields a shipment form may post: a ticked box per sample (the API's 500 labels)
#: and the form's own fields.
MAX_FORM_FIELDS = 520


def sample_labels(text: str) -> list[str]:
    """The labels typed or scanned into a field: separated by lines, spaces, commas or
    semicolons."""
    return [label for label in re.split(r"[\s,;]+", text) if label]


async def _ticked(request: Request) -> list[str]:
    """The labels of the samples ticked on the page (a ``sample`` field each).

    Declared before :data:`FormData` in the route, so the form is parsed here first with room
    for a ticked box per sample; Starlette keeps the parsed form, which :data:`FormData` then
    reads."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return [value.strip() for value in form.getlist("sample") if isinstance(value, str)]


TickedSamples = Annotated[list[str], Depends(_ticked)]


def shipment_labels(ticked: Sequence[str], typed: str) -> list[str]:
    """The ticked labels, then the typed or scanned ones, each once."""
    return list(dict.fromkeys([*(label for label in ticked if label), *sample_labels(typed)]))


def local_time(moment: datetime) -> str:
    """``moment`` in the site's wall-clock time, as the forms take it."""
    return moment.astimezone(ZoneInfo(SITE_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def _lists(
    db: DatabaseDep, principal: WebPrincipal, overview: SiteOverview, address: str | None
) -> tuple[list[SiteSample], list[SiteShipment]] | None:
    """The stored samples ready to ship and the shipments in transit, for a user who may read
    participants at the site in one of its trials; None for another user."""
    code = overview.site.code
    if not any(
        decide(principal.user, Action.PARTICIPANT_READ, st.trial_slug, code)
        for st in overview.trials
    ):
        return None
    stored = biobank_views.site_samples(
        db, actor=principal.username, site_code=code, state="stored", client_address=address
    )
    in_transit = biobank_views.site_shipments(
        db, actor=principal.username, site_code=code, state="in_transit", client_address=address
    )
    return [s for s in stored if not s.destruction_required], in_transit


def _page(
    request: Request,
    principal: WebPrincipal,
    overview: SiteOverview,
    db: DatabaseDep,
    address: str | None,
    *,
    form: str | None = None,
    error: RadtrialError | None = None,
    values: dict[str, str] | None = None,
    ticked: Sequence[str] = (),
    shipped: str | None = None,
    received: str | None = None,
) -> Response:
    code = overview.site.code
    lists = _lists(db, principal, overview, address)
    return render(
        request,
        "biobank_shipments.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        site=overview.site,
        may_write=any(
            decide(principal.user, Action.PARTICIPANT_WRITE, st.trial_slug, code)
            for st in overview.trials
        ),
        stored=None if lists is None else lists[0],
        in_transit=None if lists is None else lists[1],
        local_time=local_time,
        form=form,
        error=error,
        error_field=error_field(error.location) if error is not None else None,
        values=values or {},
        ticked=frozenset(ticked),
        shipped=shipped,
        received=received,
    )


@router.get("/sites/{code}/shipments")
def shipments_page(
    request: Request,
    code: SiteCodePath,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    shipped: ShipmentQuery = None,
    received: ShipmentQuery = None,
) -> Response:
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    return _page(request, principal, overview, db, address, shipped=shipped, received=received)


@router.post("/sites/{code}/shipments")
def ship(
    request: Request,
    code: SiteCodePath,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    ticked: TickedSamples,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    labels = shipment_labels(ticked, form.get("labels", ""))
    try:
        for label in labels:
            try:
                outcome_views.authorise_sample_write(
                    db, user=principal.user, label=label, client_address=address
                )
            except NotFound:
                raise InvalidInput(f"no sample {label!r}", location="labels") from None
        shipment = shipments.ship_samples(
            db,
            actor=principal.username,
            labels=labels,
            code=form.get("shipment", ""),
            to_location=form.get("to_location", ""),
            from_location=form.get("from_location", "").strip() or None,
            shipped_at=form_instant(form.get("shipped_at", ""), "shipped_at"),
            courier=form.get("courier") or None,
            condition=form.get("condition") or None,
        )
    except (InvalidInput, Conflict) as error:
        return _page(
            request,
            principal,
            overview,
            db,
            address,
            form="ship",
            error=error,
            values=dict(form),
            ticked=ticked,
        )
    return RedirectResponse(
        f"/sites/{code}/shipments?shipped={quote(shipment.code, safe='')}", status_code=303
    )


@router.post("/sites/{code}/shipments/receipt")
def receive(
    request: Request,
    code: SiteCodePath,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    try:
        try:
            shipment = shipments.receive_shipment(
                db,
                actor=principal.username,
                code=form.get("shipment", ""),
                received_at=form_instant(form.get("received_at", ""), "received_at"),
                condition=form.get("condition") or None,
                missing=sample_labels(form.get("missing", "")),
                note=form.get("note") or None,
                client_address=address,
            )
        except NotFound as unknown:
            if unknown.location != "shipment":
                raise
            raise InvalidInput(unknown.message, location="shipment") from None
    except (InvalidInput, Conflict) as error:
        return _page(
            request,
            principal,
            overview,
            db,
            address,
            form="receipt",
            error=error,
            values=dict(form),
        )
    return RedirectResponse(
        f"/sites/{code}/shipments?received={quote(shipment.code, safe='')}", status_code=303
    )

"""The trials pages: the trials the user may read, and a trial's protocol (any version)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.services import trials
from radtrial.services.policy import Action, authorise, decide
from radtrial.web.deps import WebPrincipal
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/trials")
def trial_list(request: Request, principal: WebPrincipal, db: DatabaseDep) -> Response:
    summaries = [
        s
        for s in trials.list_trials(db, actor=principal.username)
        if decide(principal.user, Action.TRIAL_READ, s.trial.slug, None)
    ]
    return render(request, "trials.html", principal=principal, summaries=summaries)


@router.get("/trials/{slug}")
def trial_page(
    request: Request,
    slug: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    version: str | None = None,
) -> Response:
    authorise(
        db, principal.user, Action.TRIAL_READ, slug, None, entity="trials", client_address=address
    )
    view = trials.show_trial(db, slug, actor=principal.username, version_label=version)
    return render(
        request,
        "trial.html",
        principal=principal,
        view=view,
        protocol=view.protocol,
        assumptions=view.protocol.assumption_marks(),
        may_audit=decide(principal.user, Action.AUDIT_READ, slug, None),
    )

"""``/trials``: the trials a user takes part in, each as its protocol defines it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.routers.convert import version_out
from radtrial.api.schemas import (
    SLUG_PATTERN,
    AssumptionOut,
    TrialOut,
    TrialSiteOut,
    TrialSummaryOut,
    VersionOut,
)
from radtrial.services import trials
from radtrial.services.auth import Principal
from radtrial.services.policy import Action, Database, authorise, decide
from radtrial.services.trials import TrialView

router = APIRouter(prefix="/trials", tags=["trials"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]
VersionLabel = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$",
        description="Protocol version label (default: the latest)",
    ),
]


def _view(
    db: Database, principal: Principal, slug: str, version: str | None, address: str
) -> TrialView:
    authorise(
        db, principal.user, Action.TRIAL_READ, slug, None, entity="trials", client_address=address
    )
    return trials.show_trial(db, slug, actor=principal.username, version_label=version)


@router.get("", summary="List trials")
def list_trials(principal: ApiPrincipal, db: DatabaseDep) -> list[TrialSummaryOut]:
    """The trials the user holds a role in, with their latest protocol versions."""
    return [
        TrialSummaryOut(
            slug=s.trial.slug,
            acronym=s.trial.acronym,
            title=s.trial.title,
            registry_id=s.trial.registry_id,
            latest_version=None if s.latest_version is None else version_out(s.latest_version),
        )
        for s in trials.list_trials(db, actor=principal.username)
        if decide(principal.user, Action.TRIAL_READ, s.trial.slug, None)
    ]


@router.get("/{slug}", summary="Show a trial")
def show_trial(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    version: VersionLabel = None,
) -> TrialOut:
    """The trial as one protocol version defines it (the registry record's content, arms, RT
    schedules, eligibility with rules, endpoints), its sites, versions and labelled
    assumptions."""
    view = _view(db, principal, slug, version, address)
    protocol = view.protocol
    return TrialOut(
        slug=protocol.slug,
        acronym=protocol.trial.acronym,
        title=protocol.trial.title,
        registry_id=protocol.trial.registry_id,
        version=version_out(view.version),
        versions=[version_out(v) for v in view.versions],
        sites=[
            TrialSiteOut(
                code=link.site.code,
                name=link.site.name,
                city=link.site.city,
                country=link.site.country,
                status=link.status,
                roles=list(link.roles),
            )
            for link in view.sites
        ],
        protocol=protocol.content(),
        assumptions=[AssumptionOut(**asdict(mark)) for mark in protocol.assumption_marks()],
    )


@router.get("/{slug}/versions", summary="A trial's protocol versions")
def list_versions(
    slug: Slug, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[VersionOut]:
    """Every stored protocol version of the trial, in load order."""
    return [version_out(v) for v in _view(db, principal, slug, None, address).versions]


@router.get("/{slug}/assumptions", summary="A trial's labelled assumptions")
def list_assumptions(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    version: VersionLabel = None,
) -> list[AssumptionOut]:
    """Every value the protocol version marks as an assumption, with the reason."""
    protocol = _view(db, principal, slug, version, address).protocol
    return [AssumptionOut(**asdict(mark)) for mark in protocol.assumption_marks()]

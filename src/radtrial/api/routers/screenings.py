"""``/trials/{slug}/screenings``: screen a person, add data or confirmations, close a screening,
record consent and register; and the trial's screening log with CONSORT counts.

Each write is checked first against the site-isolation policy (``participant.write`` at the
screening's site, refusals logged) and then by the enrolment service, which checks the role the
step needs (an investigator to confirm criteria), runs the trial's rules and audits the write.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SITE_PATTERN, SLUG_PATTERN
from radtrial.api.schemas_enrolment import (
    SCREENING_ID_PATTERN,
    ClosureOut,
    ConsentOut,
    CriterionOut,
    NewConsent,
    NewRegistration,
    NewScreening,
    NotIncluded,
    RegistrationOut,
    ScreeningLogOut,
    ScreeningOut,
    ScreeningUpdate,
)
from radtrial.errors import NotFound
from radtrial.services import participants
from radtrial.services.consent import record_consent
from radtrial.services.participants import ConsentRecord
from radtrial.services.registration import register
from radtrial.services.screening import ScreeningResult, close_screening, screen, screening_log
from radtrial.trial.screening import ClosureReason

router = APIRouter(prefix="/trials/{slug}", tags=["screening"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]
ScreeningId = Annotated[
    str, Path(pattern=SCREENING_ID_PATTERN, description="Screening id, e.g. OUS-S0001")
]


def screening_out(result: ScreeningResult) -> ScreeningOut:
    """A stored evaluation as the API shows it."""
    return ScreeningOut(
        screening_id=result.screening.screening_id,
        trial=result.screening.trial_slug,
        site=result.screening.site_code,
        new_screening=result.created,
        status=result.result.status.value,
        eligible=result.result.eligible,
        protocol_version=result.protocol_version.version_label,
        protocol_hash=result.evaluation.protocol_hash,
        evaluated_at=result.evaluation.evaluated_at,
        evaluated_by=result.evaluation.evaluated_by,
        data=result.evaluation.data,
        confirmations=result.evaluation.confirmations,
        criteria=[
            CriterionOut(
                criterion=item.criterion_id,
                group=item.group,
                outcome=item.outcome.value,
                reasons=list(item.reasons),
                applies=item.applies,
                confirmed=item.confirmed,
            )
            for item in result.result.results
        ],
    )


def consent_out(consent: ConsentRecord) -> ConsentOut:
    """A consent as the API shows it."""
    return ConsentOut(
        screening_id=consent.screening_id,
        document=consent.document,
        document_version=consent.document_version,
        consented_on=consent.consented_on,
        obtained_by=consent.obtained_by,
        optional=dict(consent.optional),
        recorded_by=consent.recorded_by,
        recorded_at=consent.recorded_at,
    )


@router.post("/screenings", status_code=201, summary="Screen a person")
def new_screening(
    slug: Slug,
    body: NewScreening,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ScreeningOut:
    """Log a new screening at the site and evaluate every eligibility criterion of the
    protocol in force (each with its result and reasons). Confirmations need an investigator."""
    participants.authorise_write(
        db, user=principal.user, trial_slug=slug, site_code=body.site, client_address=address
    )
    result = screen(
        db,
        actor=principal.username,
        trial_slug=slug,
        data=body.data,
        site_code=body.site,
        confirm=body.confirm,
        screened_on=body.screened_on,
    )
    response.headers["Location"] = (
        f"/api/v1/trials/{slug}/screenings/{result.screening.screening_id}"
    )
    return screening_out(result)


@router.get("/screenings/{screening_id}", summary="Show a screening's latest evaluation")
def show_screening(
    slug: Slug,
    screening_id: ScreeningId,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ScreeningOut:
    """The latest evaluation of the screening (read logged); 403 for another site's."""
    view = participants.screening_view(
        db,
        user=principal.user,
        trial_slug=slug,
        screening_id=screening_id,
        client_address=address,
    )
    evaluation, result, version = view.evaluation, view.result, view.version
    if evaluation is None or result is None or version is None:
        raise NotFound(f"{screening_id} has no evaluation", location="screening_id")
    return screening_out(
        ScreeningResult(view.screening, evaluation, result, version, created=False)
    )


@router.post("/screenings/{screening_id}/evaluations", summary="Add data or confirmations")
def screen_again(
    slug: Slug,
    screening_id: ScreeningId,
    body: ScreeningUpdate,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ScreeningOut:
    """Screen the person again: the new values are laid over the last evaluation's data and
    earlier confirmations are kept; a new evaluation is stored."""
    participants.authorise_screening_write(
        db, user=principal.user, trial_slug=slug, screening_id=screening_id, client_address=address
    )
    result = screen(
        db,
        actor=principal.username,
        trial_slug=slug,
        data=body.data,
        screening_id=screening_id,
        confirm=body.confirm,
    )
    return screening_out(result)


@router.post(
    "/screenings/{screening_id}/not-included", status_code=201, summary="Close a screening"
)
def not_included(
    slug: Slug,
    screening_id: ScreeningId,
    body: NotIncluded,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ClosureOut:
    """The screened person will not be included: they declined, or another reason (stated)."""
    participants.authorise_screening_write(
        db, user=principal.user, trial_slug=slug, screening_id=screening_id, client_address=address
    )
    closure = close_screening(
        db,
        actor=principal.username,
        trial_slug=slug,
        screening_id=screening_id,
        reason=ClosureReason(body.reason),
        note=body.note,
        closed_on=body.closed_on,
    )
    return ClosureOut(
        screening_id=closure.screening_id,
        reason=closure.reason,
        note=closure.note,
        closed_on=closure.closed_on,
        recorded_by=closure.recorded_by,
        recorded_at=closure.recorded_at,
    )


@router.post(
    "/screenings/{screening_id}/consent", status_code=201, summary="Record informed consent"
)
def consent(
    slug: Slug,
    screening_id: ScreeningId,
    body: NewConsent,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ConsentOut:
    """The consent document version in force, the date signed, who obtained it and every
    optional consent the protocol offers (yes or no)."""
    participants.authorise_screening_write(
        db, user=principal.user, trial_slug=slug, screening_id=screening_id, client_address=address
    )
    return consent_out(
        record_consent(
            db,
            actor=principal.username,
            trial_slug=slug,
            screening_id=screening_id,
            document_version=body.document_version,
            consented_on=body.consented_on,
            obtained_by=body.obtained_by,
            optional=body.optional,
        )
    )


@router.post(
    "/screenings/{screening_id}/registration", status_code=201, summary="Register a participant"
)
def registration(
    slug: Slug,
    screening_id: ScreeningId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    body: NewRegistration | None = None,
) -> RegistrationOut:
    """Register the eligible, consented person: a new study id. 409 if already registered."""
    participants.authorise_screening_write(
        db, user=principal.user, trial_slug=slug, screening_id=screening_id, client_address=address
    )
    record = register(
        db,
        actor=principal.username,
        trial_slug=slug,
        screening_id=screening_id,
        registered_on=body.registered_on if body is not None else None,
    )
    response.headers["Location"] = f"/api/v1/participants/{record.participant.study_id}"
    return RegistrationOut(
        study_id=record.participant.study_id,
        screening_id=record.screening_id,
        trial=record.participant.trial_slug,
        site=record.participant.site_code,
        registered_on=record.registered_on,
        registered_by=record.registered_by,
        arm=record.participant.arm_code,
    )


@router.get("/screening-log", summary="The screening log")
def show_screening_log(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    site: Annotated[str | None, Query(pattern=SITE_PATTERN)] = None,
) -> ScreeningLogOut:
    """Every screening the user may see (or of ``site``), with outcomes and CONSORT counts."""
    participants.authorise_log(
        db, user=principal.user, trial_slug=slug, site_code=site, client_address=address
    )
    log = screening_log(db, actor=principal.username, trial_slug=slug, site_code=site)
    return ScreeningLogOut.model_validate(log.to_json())

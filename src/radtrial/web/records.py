"""A signable record's page: an adverse event, a RECIST baseline or a RECIST follow-up at
``/participants/{study_id}/{adverse-events|recist-baselines|recist-follow-ups}/{id}``, with its
signatures, a sign form (password re-entry) and, for a user who may write the participant, a
correction form.

The page shows the whole content a signature covers, laid out by
:mod:`radtrial.web.record_view` (a baseline's lesions, a follow-up's measurements and computed
response, every field of an adverse event), with the SHA-256 of that content. The sign form
posts to ``…/sign#signatures``, so the page answering a wrong password, and the page the
browser is sent to once signed, open at the signatures; the meaning typed is kept after an
error. Reading and signing ask the same services and site-isolation policy as the API.

The correction form (:class:`CorrectionForm`; what it holds and does is
:mod:`radtrial.web.corrections`) is offered to a user who may correct the participant's records
(:func:`may_correct`), filled with the stored values and the version the page shows (the
content hash, the API's ETag), and posts to ``…/correct#correction`` after the same checks as
the API's ``PATCH``. A saved correction is answered 303 to the page with a notice of what it
did. A refused one shows the page again with what was typed: an invalid value next to its field
(a lesion's in its row), a refusal no field holds (409, "changes nothing") in the form's
banner; a stale version as a record changed meanwhile, the page showing the stored record, the
form what was typed and, under each field typed differently, the value now stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep, PolicyDep
from radtrial.api.errors import status_of
from radtrial.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    PreconditionFailed,
    PreconditionRequired,
    RadtrialError,
    TooManyAttempts,
)
from radtrial.services import outcome_views, participants, signatures
from radtrial.services.access import ENROLMENT_ROLES, has_role
from radtrial.services.auth import Principal
from radtrial.services.outcomes import tumour
from radtrial.services.policy import Action, decide
from radtrial.web import corrections
from radtrial.web.corrections import NON_TARGET_ROWS, TARGET_ROWS, CorrectionData, Notice
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.i18n import translate
from radtrial.web.outcome_forms import ErrorTarget, error_target
from radtrial.web.outcomes import StudyIdPath, error_field
from radtrial.web.record_view import DASH, Translate, present_record
from radtrial.web.rendering import language_of, render

__all__ = ["FORMS", "KINDS", "CorrectionForm", "Refused", "may_correct", "router"]

router = APIRouter(include_in_schema=False)

#: The record pages by path segment, with the entity each shows.
KINDS = {
    "adverse-events": "adverse_events",
    "recist-baselines": "tumour_baselines",
    "recist-follow-ups": "tumour_follow_ups",
}
#: The correction form of each record page (:func:`radtrial.web.outcome_forms.error_target`).
FORMS = {
    "adverse-events": "adverse-event-correction",
    "recist-baselines": "recist-baseline-correction",
    "recist-follow-ups": "recist-follow-up-correction",
}
RecordIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AtSite(Protocol):
    """A participant's trial and site (the store's participant record)."""

    @property
    def trial_slug(self) -> str: ...
    @property
    def site_code(self) -> str: ...


def may_correct(principal: Principal, participant: AtSite) -> bool:
    """Whether the user may correct the participant's records: write the participant (what the
    correction route asks first) as an investigator or research nurse at their site (what the
    correction services ask, as for every outcome entry)."""
    user, trial, site = principal.user, participant.trial_slug, participant.site_code
    return decide(user, Action.PARTICIPANT_WRITE, trial, site) and has_role(
        user, ENROLMENT_ROLES, trial, site
    )


# -- the correction form ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refused:
    """A correction the services refused: the posted form and the error."""

    values: Mapping[str, str]
    error: RadtrialError


@dataclass(frozen=True, slots=True)
class CorrectionForm:
    """What the correction form shows.

    ``values`` are the stored values, or what was typed when a correction was refused;
    ``version`` the content hash the form is based on. ``stale`` when the record changed since
    the form was shown: ``now`` then holds, by field name or lesion row (``t2``), the stored
    value where it differs from what was typed. ``target_rows``/``non_target_rows`` are a
    baseline's lesion rows, ``sizes`` a follow-up's target lesions (id, organ) and
    ``non_target_blank`` whether its non-target status may be left empty.
    """

    form: str
    version: str
    values: Mapping[str, str]
    error: RadtrialError | None = None
    target: ErrorTarget | None = None
    stale: bool = False
    now: Mapping[str, str] | None = None
    target_rows: tuple[str, ...] = ()
    non_target_rows: tuple[str, ...] = ()
    sizes: tuple[tuple[str, str], ...] = ()
    non_target_blank: bool = False


def _rows(prefix: str, least: int, *forms: Mapping[str, str]) -> tuple[str, ...]:
    """The lesion rows ``t1``… (or ``n1``…): ``least``, or as many as a form has."""
    used = [
        int(key[len(prefix) : -3])
        for form in forms
        for key in form
        if re.fullmatch(rf"{prefix}\d{{1,2}}_id", key)
    ]
    return tuple(f"{prefix}{n}" for n in range(1, max([least, *used]) + 1))


def _correction_form(
    t: Translate,
    db: DatabaseDep,
    principal: Principal,
    study_id: str,
    kind: str,
    fields: Mapping[str, Any],
    version: str,
    refused: Refused | None,
) -> CorrectionForm:
    form, entity = FORMS[kind], KINDS[kind]
    stored = corrections.current_values(entity, fields)
    typed = refused.values if refused is not None else stored
    error = refused.error if refused is not None else None
    stale = isinstance(error, PreconditionFailed)
    # After a stale or versionless post the page shows the stored record: correct that one.
    fresh = stale or isinstance(error, PreconditionRequired)
    posted = typed.get("version", "") if refused is not None and not fresh else ""
    extra: dict[str, Any] = {}
    targets: list[tuple[str, str]] = []
    if entity == "tumour_baselines":
        extra["target_rows"] = _rows("t", TARGET_ROWS, stored, typed)
        least = sum(1 for key in stored if re.fullmatch(r"n\d+_id", key)) + 2
        extra["non_target_rows"] = _rows("n", max(NON_TARGET_ROWS, least), stored, typed)
    elif entity == "tumour_follow_ups":
        baseline = tumour.tumour_series(db, actor=principal.username, study_id=study_id).baseline
        lesions = baseline.lesions if baseline is not None else ()
        targets = [
            (lesion.lesion_id, lesion.organ) for lesion in lesions if lesion.role == "target"
        ]
        measured = [
            lesion for lesion in fields.get("measurements") or {} if lesion not in dict(targets)
        ]
        targets += [(lesion, DASH) for lesion in measured]
        extra["sizes"] = tuple(targets)
        extra["non_target_blank"] = not stored["non_target"]
    target = None
    if error is not None:
        location = None if fresh or not isinstance(error, InvalidInput) else error.location
        target = error_target(t, form, location, typed, follow_up_targets=targets)
    rows = (*extra.get("target_rows", ()), *extra.get("non_target_rows", ()))
    return CorrectionForm(
        form=form,
        version=posted or version,
        values=typed,
        error=error,
        target=target,
        stale=stale,
        now=corrections.now_stored(t, typed, stored, rows) if stale else None,
        **extra,
    )


# -- the page ---------------------------------------------------------------------------------


def _record_page(
    request: Request,
    db: DatabaseDep,
    principal: Principal,
    study_id: str,
    kind: str,
    record_id: int,
    *,
    correct: bool,
    error: RadtrialError | None = None,
    signed: bool = False,
    meaning: str = signatures.DEFAULT_MEANING,
    refused: Refused | None = None,
    notice: Notice | None = None,
) -> Response:
    """The record page; ``correct`` whether it offers the correction form, ``error`` a refused
    signature, ``refused`` a refused correction."""
    record = signatures.signed_record(
        db, actor=principal.username, study_id=study_id, entity=KINDS[kind], entity_id=record_id
    )
    content = {"entity": record.entity, "record": record.fields}
    t = partial(translate, language_of(request))
    version = signatures.content_sha256(content)
    correction = None
    if correct:
        correction = _correction_form(
            t, db, principal, study_id, kind, record.fields, version, refused
        )
    failed = error if error is not None else refused.error if refused is not None else None
    return render(
        request,
        "outcomes_record.html",
        principal=principal,
        status_code=status_of(failed) if failed is not None else 200,
        study_id=study_id,
        kind=kind,
        record=record,
        view=present_record(t, content),
        content_hash=version,
        error=error,
        error_field=error_field(error.location) if error is not None else None,
        signed=signed,
        meaning=meaning,
        correction=correction,
        notice=notice,
    )


NoticePart = Annotated[str, Query(max_length=2000)]


def _show(kind: str) -> Any:
    def show(
        request: Request,
        study_id: StudyIdPath,
        record_id: RecordIdPath,
        principal: WebPrincipal,
        db: DatabaseDep,
        address: ClientAddress,
        signed: bool = False,
        corrected: bool = False,
        re_evaluated: NoticePart = "",
        events: NoticePart = "",
        voided: NoticePart = "",
    ) -> Response:
        participant = outcome_views.authorise_outcome_read(
            db, user=principal.user, study_id=study_id, entity=KINDS[kind], client_address=address
        )
        return _record_page(
            request,
            db,
            principal,
            study_id,
            kind,
            record_id,
            correct=may_correct(principal, participant),
            signed=signed,
            notice=corrections.read_notice(re_evaluated, events, voided) if corrected else None,
        )

    return show


def _sign(kind: str) -> Any:
    def sign(
        request: Request,
        study_id: StudyIdPath,
        record_id: RecordIdPath,
        principal: WebPrincipal,
        db: DatabaseDep,
        policy: PolicyDep,
        address: ClientAddress,
        form: FormData,
    ) -> Response:
        check_form_token(principal, form.get("csrf_token", ""))
        participant = participants.authorise_participant_write(
            db, user=principal.user, study_id=study_id, client_address=address
        )
        meaning = form.get("meaning", "")
        try:
            signatures.sign_record(
                db,
                policy,
                actor=principal.username,
                study_id=study_id,
                entity=KINDS[kind],
                entity_id=record_id,
                password=form.get("password", ""),
                meaning=meaning,
                client_address=address,
            )
        except (InvalidInput, NotAuthenticated, TooManyAttempts) as error:
            return _record_page(
                request,
                db,
                principal,
                study_id,
                kind,
                record_id,
                correct=may_correct(principal, participant),
                error=error,
                meaning=meaning,
            )
        return RedirectResponse(
            f"/participants/{study_id}/{kind}/{record_id}?signed=true", status_code=303
        )

    return sign


def _correct(kind: str) -> Any:
    def correct(
        request: Request,
        study_id: StudyIdPath,
        record_id: RecordIdPath,
        principal: WebPrincipal,
        db: DatabaseDep,
        address: ClientAddress,
        form: CorrectionData,
    ) -> Response:
        check_form_token(principal, form.get("csrf_token", ""))
        participant = participants.authorise_participant_write(
            db, user=principal.user, study_id=study_id, client_address=address
        )
        try:
            done = corrections.SUBMIT[kind](db, principal.username, study_id, record_id, form)
        except (InvalidInput, Conflict) as error:  # stale and versionless included
            return _record_page(
                request,
                db,
                principal,
                study_id,
                kind,
                record_id,
                correct=may_correct(principal, participant),
                refused=Refused(form, error),
            )
        query = corrections.notice_query(done)
        return RedirectResponse(
            f"/participants/{study_id}/{kind}/{record_id}?{query}#corrected", status_code=303
        )

    return correct


for _kind in KINDS:
    for _action, _route, _methods in (
        ("", _show, ["GET"]),
        ("/sign", _sign, ["POST"]),
        ("/correct", _correct, ["POST"]),
    ):
        router.add_api_route(
            f"/participants/{{study_id}}/{_kind}/{{record_id}}{_action}",
            _route(_kind),
            methods=_methods,
        )

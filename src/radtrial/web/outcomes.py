"""Outcome pages: a site's follow-up (visits due or overdue, open adverse events with their SAE
report deadlines) at ``/sites/{code}/follow-up``; a participant's outcome forms (adverse event,
ECOG, RECIST baseline with target and non-target lesion rows, RECIST follow-up with new lesions,
the staff-entered target-symptom rating (:mod:`radtrial.web.outcome_forms`), sample collection
and storage) at ``/participants/{study_id}/outcomes``. A refused form shows its error next to
the field its ``location`` names (a lesion's error in a full-width row under the lesion's row),
the field marked invalid, and a banner inside the form linking to the field by its label; each
form posts to an address ending in its own fragment (``#form-ecog``, ``#recist``), so the page
that answers, and the page a saved form is sent back to, open at that form. The signable
records' pages are :mod:`radtrial.web.records`.

The page asks the same services and the same site-isolation policy as the API
(:mod:`radtrial.services.outcome_views`, :mod:`radtrial.services.outcomes.visits`): a site
whose participants the user may not read is refused (403, logged).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.api.schemas import SITE_PATTERN, SLUG_PATTERN
from radtrial.clinical.recist.lesions import NonTargetLesion, TargetLesion
from radtrial.errors import Conflict, InvalidInput, NotFound, RadtrialError
from radtrial.services import outcome_views, participants
from radtrial.services.outcomes import adverse_events, biobank, ecog, tumour, visits
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.forms import form_date, form_number
from radtrial.web.i18n import translate
from radtrial.web.outcome_forms import (
    error_target,
    form_instant,
    record_symptom_rating,
    symptom_form,
)
from radtrial.web.record_view import response_name
from radtrial.web.rendering import language_of, render

__all__ = ["FORMS", "StudyIdPath", "error_field", "router"]

router = APIRouter(include_in_schema=False)


@router.get("/sites/{code}/follow-up")
def follow_up_page(
    request: Request,
    code: Annotated[str, Path(pattern=SITE_PATTERN)],
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    trial: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
) -> Response:
    events = outcome_views.site_open_adverse_events(
        db, user=principal.user, site_code=code, trial_slug=trial, client_address=address
    )
    due = visits.site_visits_due(db, actor=principal.username, site_code=code, trial_slug=trial)
    return render(
        request,
        "outcomes_follow_up.html",
        principal=principal,
        code=code,
        trial=trial,
        due=due,
        events=events,
    )


# -- the participant's outcome forms --------------------------------------------------------

#: The forms of the outcomes page, each posted to ``/participants/{id}/outcomes/{form}``.
FORMS = (
    "adverse-event",
    "ecog",
    "recist-baseline",
    "recist-follow-up",
    "symptom-rating",
    "sample",
    "storage",
)
#: Rows offered for target and non-target lesions on the baseline form.
TARGET_ROWS = 5
NON_TARGET_ROWS = 3

StudyIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]


def error_field(location: str | None) -> str | None:
    """The form field an error's ``location`` names: ``body.`` dropped, and a lesion's
    ``target_lesions[T1].baseline_mm`` kept whole (its row's field) and its list as fallback."""
    if not location:
        return None
    return location.removeprefix("body.")


def _outcomes_page(
    request: Request,
    db: DatabaseDep,
    principal: WebPrincipal,
    study_id: str,
    site_code: str,
    *,
    form: str | None = None,
    error: RadtrialError | None = None,
    values: dict[str, str] | None = None,
    saved: str | None = None,
) -> Response:
    actor = principal.username
    events = adverse_events.adverse_events_of(db, actor=actor, study_id=study_id)
    statuses = ecog.ecog_history(db, actor=actor, study_id=study_id)
    series = tumour.tumour_series(db, actor=actor, study_id=study_id)
    symptom = symptom_form(db, principal, study_id)
    samples = biobank.participant_samples(db, actor=actor, study_id=study_id)
    t = partial(translate, language_of(request))
    targets = [
        (lesion.lesion_id, lesion.organ)
        for lesion in (series.baseline.lesions if series.baseline is not None else ())
        if lesion.role == "target"
    ]
    target = None
    if error is not None and form is not None:
        target = error_target(
            t,
            form,
            error.location,
            values or {},
            follow_up_targets=targets,
            symptom_chosen=symptom is not None and symptom.symptom is not None,
        )
    on_page = {
        "recist-baseline": series.baseline is None,
        "recist-follow-up": series.baseline is not None,
        "symptom-rating": symptom is not None,
    }
    return render(
        request,
        "outcomes_participant.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        study_id=study_id,
        site_code=site_code,
        events=events,
        statuses=statuses,
        series=series,
        symptom=symptom,
        samples=samples,
        target_rows=range(1, TARGET_ROWS + 1),
        non_target_rows=range(1, NON_TARGET_ROWS + 1),
        form=form,
        error=error,
        target=target,
        form_on_page=on_page.get(form or "", True),
        values=values or {},
        saved=saved,
        response=partial(response_name, t),
    )


@router.get("/participants/{study_id}/outcomes")
def outcomes_page(
    request: Request,
    study_id: StudyIdPath,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    saved: Annotated[str | None, Query(pattern=r"^[a-z-]{1,32}$")] = None,
) -> Response:
    participant = outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="outcomes", client_address=address
    )
    return _outcomes_page(request, db, principal, study_id, participant.site_code, saved=saved)


def _save(db: DatabaseDep, actor: str, study_id: str, which: str, form: dict[str, str]) -> None:
    """Parse the form ``which`` and call its service (located errors propagate)."""
    get = form.get
    if which == "adverse-event":
        grade = get("grade", "").strip()
        if not grade.isdigit():
            raise InvalidInput("choose the CTCAE grade (1-5)", location="grade")
        if not get("attribution", "").strip():
            raise InvalidInput(
                "choose how likely the treatment caused the event", location="attribution"
            )
        adverse_events.record_adverse_event(
            db,
            actor=actor,
            study_id=study_id,
            term=get("term", ""),
            grade=int(grade),
            onset_on=form_date(get("onset_on", ""), "onset_on"),
            attribution=get("attribution", ""),
            resolved_on=form_date(get("resolved_on", ""), "resolved_on", required=False),
            seriousness=[c for c in SERIOUSNESS if get(f"serious_{c}") == "on"],
            specify=get("specify") or None,
            outcome=get("outcome") or None,
        )
    elif which == "ecog":
        status = get("status", "").strip()
        if not status.isdigit():
            raise InvalidInput("choose the ECOG status (0-5)", location="status")
        ecog.record_ecog(
            db,
            actor=actor,
            study_id=study_id,
            status=int(status),
            assessed_on=form_date(get("assessed_on", ""), "assessed_on", required=False),
        )
    elif which == "recist-baseline":
        targets = []
        for row in range(1, TARGET_ROWS + 1):
            lesion = get(f"t{row}_id", "").strip()
            if not lesion:
                continue
            targets.append(
                TargetLesion(
                    lesion_id=lesion,
                    organ=get(f"t{row}_organ", ""),
                    baseline_mm=form_number(
                        get(f"t{row}_mm", ""), f"target_lesions[{lesion}].baseline_mm"
                    ),
                    nodal=get(f"t{row}_nodal") == "on",
                    irradiated_index=get(f"t{row}_index") == "on",
                )
            )
        non_targets = [
            NonTargetLesion(lesion_id=get(f"n{row}_id", "").strip(), organ=get(f"n{row}_organ", ""))
            for row in range(1, NON_TARGET_ROWS + 1)
            if get(f"n{row}_id", "").strip()
        ]
        tumour.record_baseline(
            db,
            actor=actor,
            study_id=study_id,
            assessed_on=form_date(get("assessed_on", ""), "assessed_on"),
            targets=targets,
            non_targets=non_targets,
        )
    elif which == "recist-follow-up":
        sizes = {
            key.removeprefix("size_"): form_number(
                value, f"sizes[{key.removeprefix('size_')}]", required=False
            )
            for key, value in form.items()
            if key.startswith("size_")
        }
        tumour.record_follow_up(
            db,
            actor=actor,
            study_id=study_id,
            assessed_on=form_date(get("assessed_on", ""), "assessed_on"),
            sizes=sizes,
            non_target=get("non_target") or None,
            new_lesions=get("new_lesions") == "on",
        )
    elif which == "symptom-rating":
        record_symptom_rating(db, actor=actor, study_id=study_id, form=form)
    elif which == "sample":
        biobank.collect_sample(
            db,
            actor=actor,
            study_id=study_id,
            label=get("label", ""),
            sample_type=get("sample_type", ""),
            visit_id=get("visit", ""),
            collected_at=form_instant(get("collected_at", ""), "collected_at"),
            volume_ml=form_number(get("volume_ml", ""), "volume_ml", required=False),
        )
    elif which == "storage":
        biobank.store_sample(
            db,
            actor=actor,
            label=get("label", ""),
            freezer=get("freezer", ""),
            rack=get("rack", ""),
            box=get("box", ""),
            position=get("position", ""),
        )
    else:
        raise NotFound(f"no form {which!r}", location="form")


SERIOUSNESS = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)


@router.post("/participants/{study_id}/outcomes/{which}")
def outcomes_submit(
    request: Request,
    study_id: StudyIdPath,
    which: Annotated[str, Path(pattern=r"^[a-z-]{1,32}$")],
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    if which not in FORMS:
        raise NotFound(f"no form {which!r}", location="which")
    participant = participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    try:
        label = form.get("label", "").strip()
        if which == "storage" and label:
            try:
                outcome_views.authorise_sample_write(
                    db, user=principal.user, label=label, client_address=address
                )
            except NotFound:
                raise InvalidInput(f"no sample {label!r}", location="label") from None
        _save(db, principal.username, study_id, which, form)
    except (InvalidInput, Conflict) as error:
        return _outcomes_page(
            request,
            db,
            principal,
            study_id,
            participant.site_code,
            form=which,
            error=error,
            values=dict(form),
        )
    return RedirectResponse(f"/participants/{study_id}/outcomes?saved={which}", status_code=303)

"""Endpoint data from the stored records: time-to-event rows (OS, and LPFS and PFS in a trial
with tumour assessments) and responder status (in a trial with a responder definition).

The rows come from the pure :func:`radtrial.trial.time_to_event.time_to_event` over each
participant's stored dates: the origin (randomisation in a randomised trial, else
registration), death, the first local and distant progression events, the first overall
RECIST PD, the last tumour assessment and the last contact. A participant of a randomised trial
who was not randomised has no origin and is listed as not evaluable, as is one whose dates
contradict each other. :meth:`EndpointReport.survival_data` gives the arrays
``KaplanMeier().fit(durations, events)`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.services.outcomes._context import resolve_target
from radtrial.services.outcomes.pro import ResponderView, responder_view
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import ParticipantFacts
from radtrial.store.records import ParticipantRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.time_to_event import (
    Censoring,
    Endpoint,
    FollowUpFacts,
    TimeToEvent,
    survival_data,
    time_to_event,
)

__all__ = ["EndpointReport", "EndpointRow", "endpoint_report", "follow_up_facts"]


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """A participant's time to event for one endpoint, with site and arm."""

    study_id: str
    site_code: str
    arm_code: str | None
    time: TimeToEvent


@dataclass(frozen=True)
class EndpointReport:
    """The endpoint data of a trial (or one participant)."""

    target: str
    trial_slug: str
    origin: str
    censor_progression_at: str
    endpoints: tuple[Endpoint, ...]
    rows: tuple[EndpointRow, ...]
    not_evaluable: tuple[tuple[str, str], ...]
    responders: tuple[ResponderView, ...]

    def survival_data(
        self, endpoint: Endpoint | str, *, unit: str = "days", arm: str | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
        """``(durations, events)`` of one endpoint (of one arm, if given)."""
        which = Endpoint(endpoint)
        rows = [
            r.time
            for r in self.rows
            if r.time.endpoint is which and (arm is None or r.arm_code == arm)
        ]
        return survival_data(rows, unit=unit)


def _randomised(protocol: Protocol) -> bool:
    return protocol.randomisation is not None


def follow_up_facts(
    uow: ResearchUnitOfWork,
    participant: ParticipantRecord,
    protocol: Protocol,
    facts: ParticipantFacts,
) -> FollowUpFacts:
    """The participant's dates for the time-to-event rules (see the module docstring).

    Raises :class:`InvalidInput` when there is no origin or the dates contradict it.
    """
    origin = facts.randomised_on if _randomised(protocol) else facts.registered_on
    if origin is None:
        raise InvalidInput(f"{participant.study_id} is not randomised", location="randomisation")
    events = {e.kind: e.event_on for e in uow.outcomes.events(participant)}
    progression = next(
        (f.assessed_on for f in uow.tumours.follow_ups(participant) if f.overall_response == "PD"),
        None,
    )
    return FollowUpFacts(
        study_id=participant.study_id,
        origin_on=origin,
        last_contact_on=uow.outcomes.last_contact(participant),
        death_on=events.get("death"),
        local_progression_on=events.get("local_progression"),
        distant_progression_on=events.get("distant_progression"),
        progression_on=progression,
        last_tumour_assessment_on=uow.outcomes.last_tumour_assessment(participant),
    )


def endpoint_report(
    db: Database,
    *,
    actor: str,
    target: str,
    censor_progression_at: Censoring | str = Censoring.LAST_TUMOUR_ASSESSMENT,
) -> EndpointReport:
    """The endpoint data of ``target``: a trial slug (participants at the sites the actor
    sees) or a study id."""
    censoring = Censoring(censor_progression_at)

    def work(uow: ResearchUnitOfWork) -> EndpointReport:
        participants, protocol, trial_slug = resolve_target(uow, actor, target)
        endpoints = [Endpoint.OS]
        if any(a.kind == "tumour_response" for a in protocol.assessments):
            endpoints = [Endpoint.LPFS, Endpoint.PFS, Endpoint.OS]
        today = local_date(uow.now())
        rows: list[EndpointRow] = []
        skipped: list[tuple[str, str]] = []
        responders: list[ResponderView] = []
        for participant in participants:
            facts = uow.outcomes.facts(participant)
            view = responder_view(
                protocol,
                facts,
                uow.outcomes.ratings(participant),
                uow.outcomes.missed_visits(participant),
                today,
            )
            if view is not None:
                responders.append(view)
            try:
                dates = follow_up_facts(uow, participant, protocol, facts)
            except InvalidInput as exc:
                skipped.append((participant.study_id, exc.message))
                continue
            rows.extend(
                EndpointRow(
                    participant.study_id,
                    participant.site_code,
                    participant.arm_code,
                    time_to_event(dates, endpoint, censor_progression_at=censoring),
                )
                for endpoint in endpoints
            )
        return EndpointReport(
            target=target,
            trial_slug=trial_slug,
            origin="randomisation" if _randomised(protocol) else "registration",
            censor_progression_at=censoring.value,
            endpoints=tuple(endpoints),
            rows=tuple(rows),
            not_evaluable=tuple(skipped),
            responders=tuple(responders),
        )

    return db.run(work, actor=actor, read_only=True)

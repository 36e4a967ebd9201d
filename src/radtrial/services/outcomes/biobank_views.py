"""A site's biobank at a glance: its samples by state and the shipments that carry them.

* :func:`site_samples`: the samples (and aliquots) of the site's participants, each with its
  state (collected, stored, in transit, received, missing, destroyed), storage position, the
  shipment it last travelled in, its participant's study id, type and visit; optionally only
  those in one state (the stored ones are those ready to ship).
* :func:`site_shipments`: the shipments that carry the site's samples, outbound or back, with
  destination, who shipped them when, how many of the site's samples travel in them and
  whether they are received or still in transit.

Both answer only what the site-isolation policy lets the user read
(:data:`Action.PARTICIPANT_READ` in the participant's trial at the site): the samples of
participants the user may not read are left out, and so are their labels in a shipment that
also carries the site's. A user who may read participants at the site in no trial asked about
is refused (:class:`PermissionDenied`); both the refusal and the read are written to the
access log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar, get_args

from radtrial.errors import InvalidInput, NotFound, PermissionDenied
from radtrial.services.access import acting_user
from radtrial.services.policy import ACTION_ROLES, Action, decide, log_access
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import SampleRecord
from radtrial.store.records import ParticipantRecord, UserRecord

__all__ = [
    "SAMPLE_STATES",
    "SHIPMENT_STATES",
    "SampleState",
    "ShipmentState",
    "SiteSample",
    "SiteShipment",
    "site_samples",
    "site_shipments",
    "state_of",
]

#: A sample's state as the lists show it (a shipped sample is in transit).
SampleState = Literal["collected", "stored", "in_transit", "received", "missing", "destroyed"]
#: A shipment's state: not yet received, or received.
ShipmentState = Literal["in_transit", "received"]
SAMPLE_STATES: tuple[str, ...] = get_args(SampleState)
SHIPMENT_STATES: tuple[str, ...] = get_args(ShipmentState)

#: The sample statuses that follow a shipment (the one it last travelled in is shown).
_AFTER_SHIPMENT = frozenset({"shipped", "received", "missing"})

_T = TypeVar("_T")


_SAMPLE_STATE: dict[str, SampleState] = {
    "collected": "collected",
    "stored": "stored",
    "shipped": "in_transit",
    "received": "received",
    "missing": "missing",
    "destroyed": "destroyed",
}


def state_of(sample: SampleRecord) -> SampleState:
    """The sample's state: its status, with ``shipped`` shown as ``in_transit``."""
    return _SAMPLE_STATE[sample.status]


@dataclass(frozen=True, slots=True)
class SiteSample:
    """A sample of one of the site's participants, with where it is now."""

    label: str
    study_id: str
    trial_slug: str
    sample_type: str
    material: str
    visit_id: str
    parent_label: str | None
    collected_at: datetime
    volume_ml: float | None
    state: SampleState
    position: str | None
    shipment: str | None
    destruction_required: bool


@dataclass(frozen=True, slots=True)
class SiteShipment:
    """A shipment carrying the site's samples; ``labels`` and ``missing`` hold only the
    samples the user may read."""

    code: str
    from_location: str
    to_location: str
    shipped_at: datetime
    shipped_by: str
    courier: str | None
    condition: str | None
    labels: tuple[str, ...]
    state: ShipmentState
    received_at: datetime | None
    received_by: str | None
    receipt_condition: str | None
    missing: tuple[str, ...]

    @property
    def samples(self) -> int:
        """How many of the samples the user may read travel in the shipment."""
        return len(self.labels)


def _choice(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InvalidInput(
            f"the state is one of {', '.join(allowed)}, not {value!r}",
            location=field,
            detail={"reason": "not_allowed", "allowed": list(allowed)},
        )
    return value


def _readable_participants(
    uow: ResearchUnitOfWork, actor: str, site_code: str, trial_slug: str | None
) -> tuple[UserRecord, list[ParticipantRecord]]:
    """The acting user and the site's participants (of ``trial_slug`` if given) they may read.

    :class:`NotFound` for an unknown site or trial; :class:`PermissionDenied` when the user may
    read participants at the site in the trial asked about, or in none."""
    user = acting_user(uow, actor)
    uow.sites.get(site_code)
    if trial_slug is not None:
        if not uow.outcomes.trial_exists(trial_slug):
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        if not decide(user, Action.PARTICIPANT_READ, trial_slug, site_code):
            raise PermissionDenied(
                f"{actor!r} has no role that may read participants at {site_code} in {trial_slug}",
                location="actor",
                detail={"action": Action.PARTICIPANT_READ.value, "trial": trial_slug},
            )
    elif not (
        user.active
        and any(
            grant.role in ACTION_ROLES[Action.PARTICIPANT_READ]
            and grant.site_code in (None, site_code)
            for grant in user.grants
        )
    ):
        raise PermissionDenied(
            f"{actor!r} has no role that may read participants at {site_code}",
            location="actor",
            detail={"action": Action.PARTICIPANT_READ.value, "site": site_code},
        )
    at_site = uow.outcomes.participants(trial_slug, [site_code])
    return user, [
        p for p in at_site if decide(user, Action.PARTICIPANT_READ, p.trial_slug, site_code)
    ]


def _logged(
    db: Database,
    *,
    actor: str,
    work: Callable[[ResearchUnitOfWork], _T],
    entity: str,
    site_code: str,
    trial_slug: str | None,
    client_address: str | None,
) -> _T:
    """Run the read ``work``, writing its refusal or the read itself to the access log."""

    def log(outcome: str) -> None:
        log_access(
            db,
            actor=actor,
            action=Action.PARTICIPANT_READ.value,
            outcome=outcome,
            entity=entity,
            entity_id=site_code,
            trial_slug=trial_slug,
            site_code=site_code,
            client_address=client_address,
        )

    try:
        found = db.run(work, actor=actor, read_only=True)
    except PermissionDenied:
        log("denied")
        raise
    log("allowed")
    return found


def _last_shipment(uow: ResearchUnitOfWork, sample: SampleRecord) -> str | None:
    if sample.status not in _AFTER_SHIPMENT:
        return None
    codes = [step.shipment_code for step in uow.biobank.custody(sample) if step.shipment_code]
    return codes[-1] if codes else None


def site_samples(
    db: Database,
    *,
    actor: str,
    site_code: str,
    state: str | None = None,
    trial_slug: str | None = None,
    client_address: str | None = None,
) -> list[SiteSample]:
    """The samples of ``site_code``'s participants the actor may read (in ``trial_slug``, or
    every trial), in ``state`` only if given (one of :data:`SAMPLE_STATES`), by participant,
    collection time and label.

    :class:`InvalidInput` at ``state`` for another state; :class:`NotFound` for an unknown site
    or trial; :class:`PermissionDenied` (logged) as the module docstring says."""
    wanted = _choice(state, SAMPLE_STATES, "state")

    def work(uow: ResearchUnitOfWork) -> list[SiteSample]:
        _, readable = _readable_participants(uow, actor, site_code, trial_slug)
        out = []
        for participant in readable:
            for sample in uow.biobank.samples(participant):
                now = state_of(sample)
                if wanted is not None and now != wanted:
                    continue
                out.append(
                    SiteSample(
                        label=sample.label,
                        study_id=sample.study_id,
                        trial_slug=participant.trial_slug,
                        sample_type=sample.sample_type,
                        material=sample.material,
                        visit_id=sample.visit_id,
                        parent_label=sample.parent_label,
                        collected_at=sample.collected_at,
                        volume_ml=sample.volume_ml,
                        state=now,
                        position=sample.storage_position,
                        shipment=_last_shipment(uow, sample),
                        destruction_required=sample.destruction_required,
                    )
                )
        return out

    return _logged(
        db,
        actor=actor,
        work=work,
        entity="samples",
        site_code=site_code,
        trial_slug=trial_slug,
        client_address=client_address,
    )


def site_shipments(
    db: Database,
    *,
    actor: str,
    site_code: str,
    state: str | None = None,
    trial_slug: str | None = None,
    client_address: str | None = None,
) -> list[SiteShipment]:
    """The shipments carrying samples of ``site_code``'s participants the actor may read (in
    ``trial_slug``, or every trial), in ``state`` only if given (``in_transit`` or
    ``received``), newest first.

    A shipment is listed once, with the labels (and missing labels) of the samples the actor
    may read, whichever site they are of. :class:`InvalidInput` at ``state`` for another
    state; :class:`NotFound` for an unknown site or trial; :class:`PermissionDenied` (logged)
    as the module docstring says."""
    wanted = _choice(state, SHIPMENT_STATES, "state")

    def work(uow: ResearchUnitOfWork) -> list[SiteShipment]:
        user, readable = _readable_participants(uow, actor, site_code, trial_slug)
        codes: dict[str, None] = {}
        may_read: dict[str, bool] = {}
        for participant in readable:
            for sample in uow.biobank.samples(participant):
                may_read[sample.label] = True
                if sample.status == "collected":
                    continue  # never stored, so never shipped
                for step in uow.biobank.custody(sample):
                    if step.shipment_code is not None:
                        codes.setdefault(step.shipment_code)

        def visible(label: str) -> bool:
            if label not in may_read:
                sample = uow.biobank.sample(label)
                owner = uow.participants.get(sample.study_id)
                may_read[label] = decide(
                    user, Action.PARTICIPANT_READ, owner.trial_slug, owner.site_code
                )
            return may_read[label]

        out = []
        for code in codes:
            shipment = uow.biobank.shipment(code)
            now: ShipmentState = "in_transit" if shipment.received_at is None else "received"
            if wanted is not None and now != wanted:
                continue
            out.append(
                SiteShipment(
                    code=shipment.code,
                    from_location=shipment.from_location,
                    to_location=shipment.to_location,
                    shipped_at=shipment.shipped_at,
                    shipped_by=shipment.shipped_by,
                    courier=shipment.courier,
                    condition=shipment.condition,
                    labels=tuple(label for label in shipment.labels if visible(label)),
                    state=now,
                    received_at=shipment.received_at,
                    received_by=shipment.received_by,
                    receipt_condition=shipment.receipt_condition,
                    missing=tuple(label for label in shipment.missing if visible(label)),
                )
            )
        return sorted(out, key=lambda s: (s.shipped_at, s.code), reverse=True)

    return _logged(
        db,
        actor=actor,
        work=work,
        entity="sample_shipments",
        site_code=site_code,
        trial_slug=trial_slug,
        client_address=client_address,
    )

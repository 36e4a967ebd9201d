"""The biobank: collect, store, ship, receive, flag for destruction and destroy samples.

* **Collect**: a sample of one of the protocol's sample types, at a protocol visit that
  schedules it, with a unique label, its collection time, processing and aliquots (child
  samples labelled ``<label>-01``, ``-02`` …). Refused when the participant's consents no
  longer allow new samples (:func:`radtrial.trial.consent.may_collect`: withdrawal from
  follow-up, of consent to data and samples, or no optional biobank consent).
* **Store** at freezer / rack / box / position. Two samples never share a position: the
  service names the occupant, and UNIQUE(freezer, rack, box, position) backs it up.
* **Ship** and **receive**: a shipment moves samples out of storage (or onward from a
  receipt) and into transit; its receipt (with any missing samples) completes the chain of
  custody, which every step appends to. A sample only collected, never stored, is not shipped
  (decision 0063): no bundled protocol lets a sample type go straight from collection to a
  central laboratory. A shipment is not in the future nor before any of its samples' last
  custody step (collection, storage or receipt); a receipt is not in the future nor before the
  shipment. Whoever receives must hold a role at the samples' sites, checked before anything
  about the shipment (received or not, its times, its contents) is answered.
* **Flag** for destruction when consent to samples is withdrawn: every sample of the
  participant whose use is no longer allowed; **destroy** records when, how, why and who
  witnessed it and frees the position.

Moving a sample changes its stored state, which the audit trail records as an update; the
step itself ("stored at …", "shipped in …") is the reason unless the user gives one. Free text
is refused (located) when longer than its column (:data:`TEXT_LENGTHS`), before the database
would refuse it. The site's lists of samples and shipments are in
:mod:`radtrial.services.outcomes.biobank_views`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.protocol import Protocol
from radtrial.protocol.biobank import SampleType
from radtrial.services.access import acting_user, require_site_role
from radtrial.services.outcomes._context import (
    OUTCOME_ROLES,
    open_entry,
    open_read,
    optional_text,
    require_collectable,
    require_visit,
    utc_instant,
)
from radtrial.services.policy import Action, log_access
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import (
    CustodyEventRecord,
    DestructionRecord,
    SampleRecord,
    ShipmentRecord,
)
from radtrial.store.records import ParticipantRecord, UserRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.consent import WITHDRAWAL_ORDER, Collectable, may_collect

__all__ = [
    "DESTRUCTION_REASONS",
    "MAX_ALIQUOTS",
    "SHIPPABLE",
    "TEXT_LENGTHS",
    "SampleHistory",
    "collect_sample",
    "destroy_sample",
    "flag_for_destruction",
    "participant_samples",
    "receive_shipment",
    "sample_history",
    "ship_samples",
    "store_sample",
]

#: Why a sample was destroyed.
DESTRUCTION_REASONS = ("consent_withdrawn", "exhausted", "quality_failure", "expired", "other")
#: The most aliquots one collection may be split into.
MAX_ALIQUOTS = 99

#: The longest text each free-text field may hold: the sizes of its column in
#: ``radtrial.store.tables`` (``samples``, ``sample_shipments``, ``sample_receipts``,
#: ``sample_destructions``), so that PostgreSQL never refuses what SQLite would keep.
TEXT_LENGTHS = {
    "freezer": 32,
    "rack": 32,
    "box": 32,
    "position": 16,
    "shipment": 64,
    "from_location": 200,
    "to_location": 200,
    "courier": 200,
    "condition": 64,
    "method": 200,
    "witness": 128,
}
#: The states a sample is shipped from: in storage, or received at a shipment's destination
#: (forwarded onward). A sample only collected is refused (decision 0063).
SHIPPABLE = frozenset({"stored", "received"})

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STORABLE = frozenset({"collected", "stored", "received"})
#: The reason a time before a sample's last custody step is refused, by that step.
_BEFORE = {
    "collected": "before_collection",
    "aliquoted": "before_collection",
    "stored": "before_storage",
    "received": "before_receipt",
}


def _label(value: str, field: str = "label") -> str:
    label = value.strip()
    if not _LABEL.fullmatch(label):
        raise InvalidInput(
            f"a sample label is 1–64 letters, digits, '.', '_' or '-', starting with a letter "
            f"or digit, not {value!r}",
            location=field,
            detail={"reason": "bad_label"},
        )
    return label


def _code(value: str, field: str) -> str:
    code = value.strip()
    if not code or len(code) > TEXT_LENGTHS["shipment"]:
        raise InvalidInput("give 1–64 characters", location=field, detail={"reason": "bad_code"})
    return code


def _too_long(text: str, field: str, length: int) -> None:
    if len(text) > length:
        raise InvalidInput(
            f"give at most {length} characters, not {len(text)}",
            location=field,
            detail={"reason": "too_long", "max_length": length},
        )


def _required(value: str, field: str, length: int = 200) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(
            f"give 1–{length} characters", location=field, detail={"reason": "bad_text"}
        )
    _too_long(text, field, length)
    return text


def _optional(value: str | None, field: str) -> str | None:
    """Stripped text or None for nothing or blanks; longer than its column is refused."""
    text = optional_text(value)
    if text is not None:
        _too_long(text, field, TEXT_LENGTHS[field])
    return text


def _not_before_last_step(
    uow: ResearchUnitOfWork, sample: SampleRecord, at: datetime, field: str
) -> None:
    """Refuse ``at`` when it is before the sample's last custody step (collection, aliquoting,
    storage or receipt): custody is a sequence in time."""
    steps = uow.biobank.custody(sample)
    if not steps:
        return
    last = steps[-1]
    if at < last.at:
        raise InvalidInput(
            f"{at.isoformat()} is before sample {sample.label} was {last.action} "
            f"({last.at.isoformat()})",
            location=field,
            detail={
                "reason": _BEFORE.get(last.action, "before_custody"),
                "label": sample.label,
                "step": last.action,
                "at": last.at.isoformat(),
            },
        )


def _not_in_future(at: datetime, now: datetime, field: str) -> None:
    if at > now:
        raise InvalidInput(
            f"{at.isoformat()} is in the future", location=field, detail={"reason": "in_future"}
        )


def _sample_type(protocol: Protocol, code: str) -> SampleType:
    if protocol.biobank is None:
        raise InvalidInput(
            f"the protocol of {protocol.slug} has no biobank",
            location="sample_type",
            detail={"reason": "no_biobank"},
        )
    for sample_type in protocol.biobank.sample_types:
        if sample_type.code == code.strip():
            return sample_type
    known = ", ".join(t.code for t in protocol.biobank.sample_types)
    raise InvalidInput(
        f"the protocol has no sample type {code!r} (types: {known})",
        location="sample_type",
        detail={"reason": "unknown_sample_type"},
    )


def _volume(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not value > 0:
        raise InvalidInput(
            f"a volume must be above 0 ml, not {value}", location=field, detail={"reason": "bad"}
        )
    return float(value)


def collect_sample(
    db: Database,
    *,
    actor: str,
    study_id: str,
    label: str,
    sample_type: str,
    visit_id: str,
    collected_at: datetime | None = None,
    processing: str | None = None,
    processed_at: datetime | None = None,
    volume_ml: float | None = None,
    aliquots: int = 0,
    aliquot_volume_ml: float | None = None,
) -> list[SampleRecord]:
    """Record a collected sample and its aliquots; returns the sample, then the aliquots.

    Refused with nothing written (located :class:`InvalidInput`): a trial without a biobank;
    an unknown sample type; a visit that does not schedule it; a malformed or taken label
    (:class:`Conflict`); a collection before registration, in the future, after death, or after
    a withdrawal (or without the optional consent) that forbids new samples; processing before
    collection; a bad volume or aliquot count.
    """
    name = _label(label)
    if isinstance(aliquots, bool) or not 0 <= aliquots <= MAX_ALIQUOTS:
        raise InvalidInput(
            f"aliquots must be 0–{MAX_ALIQUOTS}, not {aliquots!r}",
            location="aliquots",
            detail={"reason": "out_of_range"},
        )
    volume = _volume(volume_ml, "volume_ml")
    aliquot_volume = _volume(aliquot_volume_ml, "aliquot_volume_ml")

    def work(uow: ResearchUnitOfWork) -> list[SampleRecord]:
        entry = open_entry(uow, actor, study_id, "collect samples")
        kind = _sample_type(entry.protocol, sample_type)
        visit = require_visit(entry.protocol, visit_id)
        if kind.code not in visit.samples:
            raise InvalidInput(
                f"visit {visit.id!r} does not schedule {kind.code} (it schedules "
                f"{', '.join(visit.samples) or 'no samples'})",
                location="visit",
                detail={"reason": "not_scheduled"},
            )
        at = entry.check_instant(collected_at or entry.now, "collected_at")
        require_collectable(
            entry.facts,
            Collectable.NEW_SAMPLES,
            local_date(at),
            "collected_at",
            stops=entry.protocol.consent.withdrawal_stops,
            requires_consent=kind.requires_consent,
        )
        processed = None if processed_at is None else utc_instant(processed_at, "processed_at")
        if processed is not None and (processed < at or processed > entry.now):
            raise InvalidInput(
                "processing is after collection and not in the future",
                location="processed_at",
                detail={"reason": "bad_processing_time"},
            )
        labels = [name, *(f"{name}-{n:02d}" for n in range(1, aliquots + 1))]
        for each in labels:
            _label(each)
            if uow.biobank.label_taken(each):
                raise Conflict(f"sample label {each!r} is already used", location="label")
        site = entry.participant.site_code

        def add(each: str, parent: SampleRecord | None, volume: float | None) -> SampleRecord:
            return uow.biobank.add_sample(
                entry.participant,
                entry.version,
                label=each,
                sample_type=kind.code,
                material=kind.material,
                visit_id=visit.id,
                collected_at=at,
                processing=optional_text(processing),
                processed_at=processed,
                parent=parent,
                volume_ml=volume,
            )

        parent = add(name, None, volume)
        uow.biobank.add_custody(parent, action="collected", at=at, location=site)
        out = [parent]
        for each in labels[1:]:
            child = add(each, parent, aliquot_volume)
            uow.biobank.add_custody(child, action="aliquoted", at=processed or at, location=site)
            out.append(child)
        return out

    return db.run(work, actor=actor)


def _authorise(
    uow: ResearchUnitOfWork, user: UserRecord, sample: SampleRecord, action: str
) -> ParticipantRecord:
    """The sample's participant, once ``user`` may ``action`` at their site."""
    participant = uow.participants.get(sample.study_id)
    require_site_role(user, OUTCOME_ROLES, participant.trial_slug, participant.site_code, action)
    return participant


def _open_sample(
    uow: ResearchUnitOfWork, actor: str, label: str, action: str
) -> tuple[SampleRecord, Protocol]:
    user = acting_user(uow, actor)
    sample = uow.biobank.sample(_label(label), lock=True)
    participant = _authorise(uow, user, sample, action)
    protocol, _ = current_protocol(uow, participant.trial_slug)
    return sample, protocol


def _usable(
    uow: ResearchUnitOfWork, sample: SampleRecord, protocol: Protocol, day: datetime
) -> None:
    """Refuse to move a sample flagged for destruction or whose use consent no longer allows."""
    if sample.destruction_required:
        raise InvalidInput(
            f"sample {sample.label} is flagged for destruction ({sample.destruction_basis})",
            location="label",
            detail={"reason": "flagged_for_destruction"},
        )
    participant = uow.participants.get(sample.study_id)
    facts = uow.outcomes.facts(participant)
    require_collectable(
        facts,
        Collectable.STORED_SAMPLES_USE,
        local_date(day),
        "label",
        stops=protocol.consent.withdrawal_stops,
        requires_consent=_sample_type(protocol, sample.sample_type).requires_consent,
    )


def _position(freezer: str, rack: str, box: str, position: str) -> tuple[str, str, str, str]:
    return (
        _required(freezer, "freezer", TEXT_LENGTHS["freezer"]),
        _required(rack, "rack", TEXT_LENGTHS["rack"]),
        _required(box, "box", TEXT_LENGTHS["box"]),
        _required(position, "position", TEXT_LENGTHS["position"]),
    )


def store_sample(
    db: Database,
    *,
    actor: str,
    label: str,
    freezer: str,
    rack: str,
    box: str,
    position: str,
    stored_at: datetime | None = None,
    reason: str | None = None,
) -> SampleRecord:
    """Put a sample at a storage position (or move it to another).

    Refused with nothing written: an occupied position (naming its sample); a sample in
    transit, missing or destroyed; one flagged for destruction or whose use consent no longer
    allows; a time in the future or before the sample's last custody step.
    """
    spot = _position(freezer, rack, box, position)
    where = "/".join(spot)

    def work(uow: ResearchUnitOfWork) -> SampleRecord:
        sample, protocol = _open_sample(uow, actor, label, "store samples")
        now = uow.now()
        at = utc_instant(stored_at, "stored_at") if stored_at is not None else now
        if sample.status not in _STORABLE:
            raise InvalidInput(
                f"sample {sample.label} is {sample.status}: it cannot be stored",
                location="label",
                detail={"reason": "not_storable", "status": sample.status},
            )
        _not_in_future(at, now, "stored_at")
        _not_before_last_step(uow, sample, at, "stored_at")
        _usable(uow, sample, protocol, at)
        occupant = uow.biobank.occupant(*spot)
        if occupant is not None:
            raise InvalidInput(
                f"position {where} is occupied by sample {occupant}",
                location="position",
                detail={"reason": "position_occupied", "occupant": occupant},
            )
        stored = uow.biobank.update_sample(
            sample,
            status="stored",
            freezer=spot[0],
            rack=spot[1],
            box=spot[2],
            position=spot[3],
        )
        uow.biobank.add_custody(stored, action="stored", at=at, location=where)
        return stored

    return db.run(work, actor=actor, reason=reason or f"sample {label} stored at {where}")


_CLEARED = {"freezer": None, "rack": None, "box": None, "position": None}


def ship_samples(
    db: Database,
    *,
    actor: str,
    labels: Sequence[str],
    code: str,
    to_location: str,
    from_location: str | None = None,
    shipped_at: datetime | None = None,
    courier: str | None = None,
    condition: str | None = None,
    reason: str | None = None,
) -> ShipmentRecord:
    """Ship samples (taken out of storage) as shipment ``code`` to ``to_location``.

    ``from_location`` defaults to the samples' site. Every sample is authorised (a role at its
    participant's site) before anything about any of them is answered. Refused with nothing
    written: no labels or a label twice; text longer than its column; a taken shipment code
    (:class:`Conflict`); a sample never stored (``not_stored``, naming every such sample: see
    decision 0063), in transit, missing or destroyed, flagged for destruction or no longer
    usable under its consent; a ``shipped_at`` in the future or before a sample's last custody
    step (its collection, storage or receipt).
    """
    if not labels:
        raise InvalidInput(
            "name at least one sample", location="labels", detail={"reason": "empty"}
        )
    names = [_label(label, "labels") for label in labels]
    if len(set(names)) != len(names):
        raise InvalidInput("a sample is named twice", location="labels", detail={"reason": "twice"})
    shipment_code = _code(code, "shipment")
    destination = _required(to_location, "to_location", TEXT_LENGTHS["to_location"])
    origin_given = (
        _required(from_location, "from_location", TEXT_LENGTHS["from_location"])
        if from_location
        else None
    )
    courier_text = _optional(courier, "courier")
    condition_text = _optional(condition, "condition")

    def work(uow: ResearchUnitOfWork) -> ShipmentRecord:
        opened = [_open_sample(uow, actor, name, "ship samples") for name in names]
        now = uow.now()
        at = utc_instant(shipped_at, "shipped_at") if shipped_at is not None else now
        unstored = []
        for sample, protocol in opened:
            if sample.status == "collected":
                unstored.append(sample.label)
                continue
            if sample.status not in SHIPPABLE:
                raise InvalidInput(
                    f"sample {sample.label} is {sample.status}: it cannot be shipped",
                    location="labels",
                    detail={"reason": "not_shippable", "status": sample.status},
                )
            _usable(uow, sample, protocol, at)
        if unstored:
            raise InvalidInput(
                f"{', '.join(unstored)} {'was' if len(unstored) == 1 else 'were'} collected but "
                "never stored: store a sample at its position before shipping it (the protocol "
                "does not let samples go straight from collection to another laboratory)",
                location="labels",
                detail={"reason": "not_stored", "labels": unstored},
            )
        _not_in_future(at, now, "shipped_at")
        samples = [sample for sample, _ in opened]
        for sample in samples:
            _not_before_last_step(uow, sample, at, "shipped_at")
        if uow.biobank.shipment_exists(shipment_code):
            raise Conflict(f"shipment {shipment_code!r} is already recorded", location="shipment")
        origin = origin_given or samples[0].site_code
        shipment = uow.biobank.add_shipment(
            code=shipment_code,
            from_location=origin,
            to_location=destination,
            shipped_at=at,
            courier=courier_text,
            condition=condition_text,
            samples=samples,
        )
        for sample in samples:
            moved = uow.biobank.update_sample(sample, status="shipped", **_CLEARED)
            uow.biobank.add_custody(
                moved, action="shipped", at=at, location=destination, shipment=shipment
            )
        return shipment

    return db.run(work, actor=actor, reason=reason or f"shipped in shipment {code.strip()}")


def receive_shipment(
    db: Database,
    *,
    actor: str,
    code: str,
    received_at: datetime | None = None,
    condition: str | None = None,
    missing: Sequence[str] = (),
    note: str | None = None,
    reason: str | None = None,
    client_address: str | None = None,
) -> ShipmentRecord:
    """Record the receipt of shipment ``code``; ``missing`` names samples that did not arrive.

    The receiver must hold a role at the site of every sample in the shipment. That is checked
    first: a user who may not receive it is refused (:class:`PermissionDenied`, written to the
    access log) the same way whether it was received or not, and learns nothing of its times or
    contents. Then refused with nothing written: text longer than its column, an unknown
    shipment (:class:`NotFound`), one already received (:class:`Conflict`), a receipt before
    shipping or in the future, a missing label that was not in the shipment.
    """
    shipment_code = _code(code, "shipment")
    lost = [_label(label, "missing") for label in missing]
    condition_text = _optional(condition, "condition")
    note_text = optional_text(note)
    refused_at: dict[str, str] = {}

    def work(uow: ResearchUnitOfWork) -> ShipmentRecord:
        user = acting_user(uow, actor)
        shipment = uow.biobank.shipment(shipment_code, lock=True)
        samples = []
        for label in shipment.labels:
            sample = uow.biobank.sample(label, lock=True)
            participant = uow.participants.get(sample.study_id)
            refused_at.update(trial=participant.trial_slug, site=participant.site_code)
            _authorise(uow, user, sample, "receive samples")
            samples.append(sample)
        refused_at.clear()
        if shipment.received_at is not None:
            raise Conflict(
                f"shipment {shipment.code} was received on {shipment.received_at.isoformat()}",
                location="shipment",
            )
        now = uow.now()
        at = utc_instant(received_at, "received_at") if received_at is not None else now
        _not_in_future(at, now, "received_at")
        if at < shipment.shipped_at:
            raise InvalidInput(
                f"{at.isoformat()} is before the shipment left on "
                f"{shipment.shipped_at.isoformat()}",
                location="received_at",
                detail={"reason": "before_shipping"},
            )
        unknown = sorted(set(lost) - set(shipment.labels))
        if unknown:
            raise InvalidInput(
                f"{', '.join(unknown)} was not in shipment {shipment.code}",
                location="missing",
                detail={"reason": "not_in_shipment"},
            )
        received = uow.biobank.add_receipt(
            shipment,
            received_at=at,
            condition=condition_text,
            missing=sorted(lost),
            note=note_text,
        )
        for sample in samples:
            status = "missing" if sample.label in lost else "received"
            moved = uow.biobank.update_sample(sample, status=status)
            uow.biobank.add_custody(
                moved, action=status, at=at, location=shipment.to_location, shipment=received
            )
        return received

    try:
        return db.run(work, actor=actor, reason=reason or f"shipment {code.strip()} received")
    except PermissionDenied:
        log_access(
            db,
            actor=actor,
            action=Action.PARTICIPANT_WRITE.value,
            outcome="denied",
            entity="sample_shipments",
            entity_id=shipment_code,
            trial_slug=refused_at.get("trial"),
            site_code=refused_at.get("site"),
            client_address=client_address,
        )
        raise


def flag_for_destruction(
    db: Database, *, actor: str, study_id: str, reason: str | None = None
) -> list[SampleRecord]:
    """Flag for destruction every sample of ``study_id`` that consent no longer lets be used
    (consent to data and samples withdrawn, or the optional biobank consent withdrawn);
    returns the samples flagged now (none when there is nothing new to flag)."""

    def work(uow: ResearchUnitOfWork) -> list[SampleRecord]:
        entry = open_entry(uow, actor, study_id, "flag samples for destruction")
        recorded = {kind for kind, _ in entry.facts.withdrawals}
        withdrawn = [kind for kind in WITHDRAWAL_ORDER if kind in recorded]
        flagged = []
        for sample in uow.biobank.samples(entry.participant):
            if sample.status in {"destroyed", "missing"} or sample.destruction_required:
                continue
            kind = _sample_type(entry.protocol, sample.sample_type)
            decision = may_collect(
                Collectable.STORED_SAMPLES_USE,
                withdrawn,
                stops=entry.protocol.consent.withdrawal_stops,
                optional_consents=entry.facts.optional_consents,
                requires_consent=kind.requires_consent,
            )
            if decision.allowed:
                continue
            marked = uow.biobank.update_sample(
                sample,
                destruction_required=True,
                destruction_flagged_at=entry.now,
                destruction_basis=decision.reason,
            )
            uow.biobank.add_custody(
                marked, action="flagged", at=entry.now, location=marked.storage_position
            )
            flagged.append(marked)
        return flagged

    return db.run(
        work, actor=actor, reason=reason or "consent to samples withdrawn: flagged for destruction"
    )


def destroy_sample(
    db: Database,
    *,
    actor: str,
    label: str,
    method: str,
    destruction_reason: str,
    destroyed_at: datetime | None = None,
    witness: str | None = None,
    note: str | None = None,
    reason: str | None = None,
) -> DestructionRecord:
    """Record the destruction of a sample and free its storage position.

    ``destruction_reason`` is one of :data:`DESTRUCTION_REASONS`; ``consent_withdrawn`` needs
    the sample to be flagged (:func:`flag_for_destruction`), ``other`` needs a note. Refused
    for a sample in transit, missing or already destroyed.
    """
    why = destruction_reason.strip().casefold()
    if why not in DESTRUCTION_REASONS:
        raise InvalidInput(
            f"the reason must be one of {', '.join(DESTRUCTION_REASONS)}, not "
            f"{destruction_reason!r}",
            location="destruction_reason",
            detail={"reason": "not_allowed", "allowed": list(DESTRUCTION_REASONS)},
        )
    how = _required(method, "method", TEXT_LENGTHS["method"])
    witnessed = _optional(witness, "witness")
    text = optional_text(note)
    if why == "other" and text is None:
        raise InvalidInput(
            "give the reason in the note", location="note", detail={"reason": "note_required"}
        )

    def work(uow: ResearchUnitOfWork) -> DestructionRecord:
        sample, _ = _open_sample(uow, actor, label, "destroy samples")
        at = utc_instant(destroyed_at, "destroyed_at") if destroyed_at is not None else uow.now()
        if at > uow.now() or at < sample.collected_at:
            raise InvalidInput(
                "a destruction is after collection and not in the future",
                location="destroyed_at",
                detail={"reason": "bad_destruction_time"},
            )
        if sample.status not in _STORABLE:
            raise InvalidInput(
                f"sample {sample.label} is {sample.status}: it cannot be destroyed here",
                location="label",
                detail={"reason": "not_destroyable", "status": sample.status},
            )
        if why == "consent_withdrawn" and not sample.destruction_required:
            raise InvalidInput(
                f"sample {sample.label} is not flagged for destruction: flag the participant's "
                "samples after the withdrawal first",
                location="destruction_reason",
                detail={"reason": "not_flagged"},
            )
        where = sample.storage_position
        destroyed = uow.biobank.update_sample(sample, status="destroyed", **_CLEARED)
        record = uow.biobank.add_destruction(
            destroyed,
            destroyed_at=at,
            method=how,
            reason=why,
            witness=witnessed,
            note=text,
        )
        uow.biobank.add_custody(destroyed, action="destroyed", at=at, location=where)
        return record

    return db.run(work, actor=actor, reason=reason or f"sample {label} destroyed ({why})")


@dataclass(frozen=True)
class SampleHistory:
    """A sample, its chain of custody and its destruction (if any)."""

    sample: SampleRecord
    custody: tuple[CustodyEventRecord, ...]
    destruction: DestructionRecord | None


def sample_history(db: Database, *, actor: str, label: str) -> SampleHistory:
    """The sample ``label`` with its chain of custody."""

    def work(uow: ResearchUnitOfWork) -> SampleHistory:
        sample = uow.biobank.sample(_label(label))
        open_read(uow, actor, sample.study_id)
        return SampleHistory(
            sample, tuple(uow.biobank.custody(sample)), uow.biobank.destruction(sample)
        )

    return db.run(work, actor=actor, read_only=True)


def participant_samples(db: Database, *, actor: str, study_id: str) -> list[SampleRecord]:
    """The participant's samples and aliquots."""

    def work(uow: ResearchUnitOfWork) -> list[SampleRecord]:
        participant, _, _ = open_read(uow, actor, study_id)
        return uow.biobank.samples(participant)

    return db.run(work, actor=actor, read_only=True)

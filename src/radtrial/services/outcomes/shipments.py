"""Shipping and receiving samples: the biobank's chain of custody between sites.

A shipment moves samples out of storage (or onward from a receipt) and into transit; its
receipt (with any missing samples) completes the chain of custody, which every step appends
to. A sample only collected, never stored, is not shipped (decision 0063): no bundled protocol
lets a sample type go straight from collection to a central laboratory. A shipment is not in
the future nor before any of its samples' last custody step (collection, storage or receipt); a
receipt is not in the future nor before the shipment. Whoever receives must hold a role at the
samples' sites, checked before anything about the shipment (received or not, its times, its
contents) is answered. Collection, storage, flags and destruction are in
:mod:`radtrial.services.outcomes.biobank`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services.access import acting_user
from radtrial.services.outcomes._context import optional_text, utc_instant
from radtrial.services.outcomes._samples import (
    _CLEARED,
    TEXT_LENGTHS,
    _authorise,
    _label,
    _not_before_last_step,
    _not_in_future,
    _open_sample,
    _optional,
    _required,
    _usable,
)
from radtrial.services.policy import Action, log_access
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import ShipmentRecord

__all__ = ["SHIPPABLE", "receive_shipment", "ship_samples"]

#: The states a sample is shipped from: in storage, or received at a shipment's destination
#: (forwarded onward). A sample only collected is refused (decision 0063).
SHIPPABLE = frozenset({"stored", "received"})


def _code(value: str, field: str) -> str:
    code = value.strip()
    if not code or len(code) > TEXT_LENGTHS["shipment"]:
        raise InvalidInput("give 1–64 characters", location=field, detail={"reason": "bad_code"})
    return code


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

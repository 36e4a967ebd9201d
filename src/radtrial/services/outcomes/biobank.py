"""The biobank: collect, store, flag for destruction and destroy samples.

* **Collect**: a sample of one of the protocol's sample types, at a protocol visit that
  schedules it, with a unique label, its collection time, processing and aliquots (child
  samples labelled ``<label>-01``, ``-02`` …). Refused when the participant's consents no
  longer allow new samples (:func:`radtrial.trial.consent.may_collect`: withdrawal from
  follow-up, of consent to data and samples, or no optional biobank consent).
* **Store** at freezer / rack / box / position. Two samples never share a position: the
  service names the occupant, and UNIQUE(freezer, rack, box, position) backs it up.
* **Ship** and **receive** are in :mod:`radtrial.services.outcomes.shipments`.
* **Flag** for destruction when consent to samples is withdrawn: every sample of the
  participant whose use is no longer allowed; **destroy** records when, how, why and who
  witnessed it and frees the position.

Moving a sample changes its stored state, which the audit trail records as an update; the
step itself ("stored at …", "shipped in …") is the reason unless the user gives one. Free text
is refused (located) when longer than its column (:data:`TEXT_LENGTHS`), before the database
would refuse it. The checks every step shares are in :mod:`._samples`; the site's lists of
samples and shipments are in :mod:`radtrial.services.outcomes.biobank_views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from radtrial.errors import Conflict, InvalidInput
from radtrial.services.outcomes._context import (
    open_entry,
    open_read,
    optional_text,
    require_collectable,
    require_visit,
    utc_instant,
)
from radtrial.services.outcomes._samples import (
    _CLEARED,
    TEXT_LENGTHS,
    _label,
    _not_before_last_step,
    _not_in_future,
    _open_sample,
    _optional,
    _required,
    _sample_type,
    _usable,
)
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import CustodyEventRecord, DestructionRecord, SampleRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.consent import WITHDRAWAL_ORDER, Collectable, may_collect

__all__ = [
    "DESTRUCTION_REASONS",
    "MAX_ALIQUOTS",
    "TEXT_LENGTHS",
    "SampleHistory",
    "collect_sample",
    "destroy_sample",
    "flag_for_destruction",
    "participant_samples",
    "sample_history",
    "store_sample",
]

#: Why a sample was destroyed.
DESTRUCTION_REASONS = ("consent_withdrawn", "exhausted", "quality_failure", "expired", "other")
#: The most aliquots one collection may be split into.
MAX_ALIQUOTS = 99

_STORABLE = frozenset({"collected", "stored", "received"})


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

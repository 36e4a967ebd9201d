"""What every step of the biobank shares (:mod:`.biobank`, :mod:`.shipments`): sample labels,
free text no longer than its column (:data:`TEXT_LENGTHS`), times checked against a sample's
chain of custody, and opening a sample for a user who may act at its participant's site and
whose use consent still allows.
"""

from __future__ import annotations

import re
from datetime import datetime

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.biobank import SampleType
from radtrial.services.access import acting_user, require_site_role
from radtrial.services.outcomes._context import OUTCOME_ROLES, optional_text, require_collectable
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.outcome_records import SampleRecord
from radtrial.store.records import ParticipantRecord, UserRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.consent import Collectable

__all__ = ["TEXT_LENGTHS"]

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

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: The reason a time before a sample's last custody step is refused, by that step.
_BEFORE = {
    "collected": "before_collection",
    "aliquoted": "before_collection",
    "stored": "before_storage",
    "received": "before_receipt",
}

_CLEARED = {"freezer": None, "rack": None, "box": None, "position": None}


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

"""The research database's tables.

Every record table is an ORM-mapped class with an integer ``id``; the unit of work audits every
insert, update and delete of any mapped class (:mod:`radtrial.store.unit_of_work`), so a table
added later is audited without further code. Each column loads its old value before it is
changed (``active_history``), so an update's audit row always carries the value it replaced.

Deletes do not cascade in the database (no ``ON DELETE CASCADE``): a cascaded delete would bypass
the audit trail. Timestamps are :class:`~radtrial.store.types.UTCDateTime`.

The schema is created by the hand-written migrations in ``migrations/research``; a test compares
the two so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column

from radtrial.store.audit import audit_log_table
from radtrial.store.records import Role
from radtrial.store.types import UTCDateTime

__all__ = [
    "NAMING_CONVENTION",
    "AccessLogRow",
    "AdverseEventRow",
    "AllocationListExportRow",
    "AllocationListRow",
    "AllocationRow",
    "AllocationStratumRow",
    "AuthSessionRow",
    "ClinicalEventRow",
    "ConsentRow",
    "CourseRow",
    "DeviationRow",
    "EcogAssessmentRow",
    "EligibilityEvaluationRow",
    "FractionDoseRow",
    "FractionRow",
    "IdempotencyKeyRow",
    "InstrumentTextRow",
    "LoginAttemptRow",
    "MissedFractionRow",
    "MissedVisitRow",
    "OptionalFractionDecisionRow",
    "ParticipantPrescriptionRow",
    "ParticipantRow",
    "PlanQaEvaluationRow",
    "PlanQaReportRow",
    "PlanQaResultRow",
    "PortalDraftRow",
    "PortalInvitationRow",
    "PortalSessionRow",
    "ProtocolVersionRow",
    "QuestionnaireSubmissionRow",
    "RecordSignatureRow",
    "RegistrationRow",
    "ResearchBase",
    "RoleGrantRow",
    "SampleCustodyEventRow",
    "SampleDestructionRow",
    "SampleReceiptRow",
    "SampleRow",
    "SampleShipmentItemRow",
    "SampleShipmentRow",
    "ScreeningClosureRow",
    "ScreeningRow",
    "SiteClosureRow",
    "SiteRow",
    "SymptomRatingRow",
    "TotpStepRow",
    "TrialRow",
    "TrialSiteRow",
    "TumourBaselineRow",
    "TumourFollowUpRow",
    "TumourLesionRow",
    "TumourMeasurementRow",
    "UserRow",
    "UserTotpRow",
    "VitalStatusCheckRow",
    "WithdrawalRow",
    "column",
]

#: Constraint names are deterministic, so hand-written migrations can name them too.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


def column(*args: Any, **kwargs: Any) -> MappedColumn[Any]:
    """A mapped column that loads its previous value before a change, for the audit trail."""
    return mapped_column(*args, active_history=True, **kwargs)


class ResearchBase(DeclarativeBase):
    """Declarative base of the research database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's own hook


# Part of the metadata, so that the schema comparison with the migrations covers it too.
audit_log = audit_log_table(ResearchBase.metadata)


class TrialRow(ResearchBase):
    """A trial: its short name, registry id, acronym and title."""

    __tablename__ = "trials"

    id: Mapped[int] = column(Integer, primary_key=True)
    slug: Mapped[str] = column(String(64), unique=True)
    registry_id: Mapped[str | None] = column(String(64), unique=True)
    acronym: Mapped[str] = column(String(64))
    title: Mapped[str] = column(Text)
    created_at: Mapped[datetime] = column()


class ProtocolVersionRow(ResearchBase):
    """A loaded protocol version; one per distinct content hash and per label in a trial."""

    __tablename__ = "protocol_versions"
    __table_args__ = (
        UniqueConstraint("trial_id", "content_hash"),
        UniqueConstraint("trial_id", "version_label"),
        # Target of participants' composite key: a participant's version belongs to its trial.
        UniqueConstraint("trial_id", "id"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    trial_id: Mapped[int] = column(ForeignKey("trials.id"))
    version_label: Mapped[str] = column(String(64))
    content_hash: Mapped[str] = column(String(64))
    canonical_json: Mapped[str] = column(Text)
    source_text: Mapped[str] = column(Text)
    loaded_at: Mapped[datetime] = column()
    loaded_by: Mapped[str] = column(String(128))


class SiteRow(ResearchBase):
    """A hospital or institution, known by a short code."""

    __tablename__ = "sites"

    id: Mapped[int] = column(Integer, primary_key=True)
    code: Mapped[str] = column(String(32), unique=True)
    name: Mapped[str] = column(String(200))
    city: Mapped[str] = column(String(100))
    country: Mapped[str] = column(String(64))


class TrialSiteRow(ResearchBase):
    """A site's participation in a trial; ``roles`` is a JSON list of strings."""

    __tablename__ = "trial_sites"
    __table_args__ = (UniqueConstraint("trial_id", "site_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    trial_id: Mapped[int] = column(ForeignKey("trials.id"))
    site_id: Mapped[int] = column(ForeignKey("sites.id"))
    status: Mapped[str] = column(String(32))
    roles: Mapped[list[str]] = column(JSON)


class UserRow(ResearchBase):
    """A user account. ``password_hash`` is an argon2id string or None (no password login)."""

    __tablename__ = "users"

    id: Mapped[int] = column(Integer, primary_key=True)
    username: Mapped[str] = column(String(64), unique=True)
    full_name: Mapped[str] = column(String(200))
    email: Mapped[str] = column(String(254))
    # argon2id PHC string; the audit trail records that it changed, never the hash itself.
    password_hash: Mapped[str | None] = column(String(255), info={"audit_redact": True})
    active: Mapped[bool] = column(Boolean)
    created_at: Mapped[datetime] = column()


class RoleGrantRow(ResearchBase):
    """A role granted to a user in one trial or all (NULL), at one site or all (NULL)."""

    __tablename__ = "role_grants"

    id: Mapped[int] = column(Integer, primary_key=True)
    user_id: Mapped[int] = column(ForeignKey("users.id"))
    role: Mapped[Role] = column(
        Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    trial_id: Mapped[int | None] = column(ForeignKey("trials.id"))
    site_id: Mapped[int | None] = column(ForeignKey("sites.id"))


# A grant is unique per (user, role, trial, site), where NULL (every trial / every site) must
# count as one value; a plain UNIQUE treats NULLs as distinct on both engines, hence coalesce.
Index(
    "uq_role_grants_scope",
    RoleGrantRow.user_id,
    RoleGrantRow.role,
    func.coalesce(RoleGrantRow.trial_id, 0),
    func.coalesce(RoleGrantRow.site_id, 0),
    unique=True,
)


class ParticipantRow(ResearchBase):
    """A registered participant: pseudonymous study id and the protocol version at entry."""

    __tablename__ = "participants"
    __table_args__ = (
        # The site must take part in the trial, and the version must be one of the trial's.
        ForeignKeyConstraint(
            ["trial_id", "site_id"], ["trial_sites.trial_id", "trial_sites.site_id"]
        ),
        ForeignKeyConstraint(
            ["trial_id", "protocol_version_id"],
            ["protocol_versions.trial_id", "protocol_versions.id"],
        ),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    study_id: Mapped[str] = column(String(64), unique=True)
    trial_id: Mapped[int] = column(Integer)
    site_id: Mapped[int] = column(Integer)
    protocol_version_id: Mapped[int] = column(Integer)
    created_at: Mapped[datetime] = column()
    # The participant's arm: set at registration in a single-arm trial, by randomisation in a
    # randomised one (NULL until then). The RT course reads it.
    arm_code: Mapped[str | None] = column(String(8))


# -- enrolment: screening, eligibility, consent, registration, withdrawal (r0002) -------------


class ScreeningRow(ResearchBase):
    """One screened person in a trial at a site: the screening log's entry (CONSORT source).

    ``number`` counts screenings per trial and site from 1; the screening id shown to people is
    ``<site>-S<number>``. The outcome is derived from the evaluations, closure and registration.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        UniqueConstraint("trial_id", "site_id", "number"),
        ForeignKeyConstraint(
            ["trial_id", "site_id"], ["trial_sites.trial_id", "trial_sites.site_id"]
        ),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    trial_id: Mapped[int] = column(Integer)
    site_id: Mapped[int] = column(Integer)
    number: Mapped[int] = column(Integer)
    screened_on: Mapped[date] = column(Date)
    screened_by: Mapped[str] = column(String(128))
    created_at: Mapped[datetime] = column()


class EligibilityEvaluationRow(ResearchBase):
    """One evaluation of a screening's data against a protocol version (by id and hash)."""

    __tablename__ = "eligibility_evaluations"

    id: Mapped[int] = column(Integer, primary_key=True)
    screening_id: Mapped[int] = column(ForeignKey("screenings.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    data: Mapped[dict[str, Any]] = column(JSON)
    confirmations: Mapped[dict[str, Any]] = column(JSON)
    results: Mapped[list[dict[str, Any]]] = column(JSON)
    status: Mapped[str] = column(String(32))
    eligible: Mapped[bool] = column(Boolean)
    evaluated_at: Mapped[datetime] = column()
    evaluated_by: Mapped[str] = column(String(128))


class ScreeningClosureRow(ResearchBase):
    """A screened person not included for a reason other than eligibility (declined, other)."""

    __tablename__ = "screening_closures"

    id: Mapped[int] = column(Integer, primary_key=True)
    screening_id: Mapped[int] = column(ForeignKey("screenings.id"), unique=True)
    reason: Mapped[str] = column(String(16))
    note: Mapped[str | None] = column(Text)
    closed_on: Mapped[date] = column(Date)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class ConsentRow(ResearchBase):
    """Informed consent: document and version, date, who obtained it, optional consents."""

    __tablename__ = "consents"

    id: Mapped[int] = column(Integer, primary_key=True)
    screening_id: Mapped[int] = column(ForeignKey("screenings.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    document: Mapped[str] = column(Text)
    document_version: Mapped[str] = column(String(64))
    consented_on: Mapped[date] = column(Date)
    obtained_by: Mapped[str] = column(String(128))
    optional: Mapped[dict[str, bool]] = column(JSON)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class RegistrationRow(ResearchBase):
    """How a screened person became a participant: the evaluation and consent relied on, and
    the per-site sequence number in the study id. Unique per screening and per participant."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("trial_id", "site_id", "site_sequence"),
        ForeignKeyConstraint(
            ["trial_id", "site_id"], ["trial_sites.trial_id", "trial_sites.site_id"]
        ),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), unique=True)
    screening_id: Mapped[int] = column(ForeignKey("screenings.id"), unique=True)
    trial_id: Mapped[int] = column(Integer)
    site_id: Mapped[int] = column(Integer)
    site_sequence: Mapped[int] = column(Integer)
    evaluation_id: Mapped[int] = column(ForeignKey("eligibility_evaluations.id"))
    consent_id: Mapped[int] = column(ForeignKey("consents.id"))
    registered_on: Mapped[date] = column(Date)
    registered_by: Mapped[str] = column(String(128))
    created_at: Mapped[datetime] = column()


class WithdrawalRow(ResearchBase):
    """A participant's withdrawal: from treatment, from follow-up, or of consent to data and
    samples; at most one of each kind."""

    __tablename__ = "withdrawals"
    __table_args__ = (UniqueConstraint("participant_id", "kind"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    kind: Mapped[str] = column(String(32))
    withdrawn_on: Mapped[date] = column(Date)
    note: Mapped[str | None] = column(Text)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


# -- randomisation (r0002) --------------------------------------------------------------------


class AllocationListRow(ResearchBase):
    """A trial's allocation list: its design, the seed it is generated from, fingerprints.

    The seed is never written to the audit trail (redacted); ``seed_sha256`` is, so the seed
    can later be shown to be the one used. Unused slots are never stored: they are regenerated
    from the seed when claimed, so no table holds an upcoming allocation.
    """

    __tablename__ = "allocation_lists"

    id: Mapped[int] = column(Integer, primary_key=True)
    trial_id: Mapped[int] = column(ForeignKey("trials.id"), unique=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    method: Mapped[str] = column(String(32))
    algorithm: Mapped[str] = column(String(128))
    design: Mapped[dict[str, Any]] = column(JSON)
    seed: Mapped[str] = column(String(64), info={"audit_redact": True})
    seed_sha256: Mapped[str] = column(String(64))
    list_sha256: Mapped[str] = column(String(64))
    created_at: Mapped[datetime] = column()
    created_by: Mapped[str] = column(String(128))


class AllocationStratumRow(ResearchBase):
    """One stratum of a list and its number of slots; its row is locked to claim a slot."""

    __tablename__ = "allocation_strata"
    __table_args__ = (UniqueConstraint("list_id", "key"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    list_id: Mapped[int] = column(ForeignKey("allocation_lists.id"))
    key: Mapped[str] = column(String(255))
    size: Mapped[int] = column(Integer)


class AllocationRow(ResearchBase):
    """A used slot: who was allocated, in which stratum and slot, to which arm, by whom.

    UNIQUE(list, stratum, sequence): a slot is used once. UNIQUE(trial, participant): a
    participant is allocated once. Both hold even if application logic is bypassed.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("list_id", "stratum_id", "sequence"),
        UniqueConstraint("trial_id", "participant_id"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    list_id: Mapped[int] = column(ForeignKey("allocation_lists.id"))
    stratum_id: Mapped[int] = column(ForeignKey("allocation_strata.id"))
    # The stratum's key again, so the allocation's own audit rows say which stratum it was.
    stratum_key: Mapped[str] = column(String(255))
    sequence: Mapped[int] = column(Integer)
    trial_id: Mapped[int] = column(ForeignKey("trials.id"))
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    arm_code: Mapped[str] = column(String(8))
    levels: Mapped[dict[str, str]] = column(JSON)
    detail: Mapped[dict[str, Any]] = column(JSON)
    list_seed_sha256: Mapped[str] = column(String(64))
    allocated_at: Mapped[datetime] = column()
    allocated_by: Mapped[str] = column(String(128))


class AllocationListExportRow(ResearchBase):
    """A record that the unblinded statistician exported the list (who, when, which format)."""

    __tablename__ = "allocation_list_exports"

    id: Mapped[int] = column(Integer, primary_key=True)
    list_id: Mapped[int] = column(ForeignKey("allocation_lists.id"))
    format: Mapped[str] = column(String(16))
    exported_at: Mapped[datetime] = column()
    exported_by: Mapped[str] = column(String(128))


class ParticipantPrescriptionRow(ResearchBase):
    """What a participant is to receive at one dose level of their arm, optional fractions
    decided to be given included. Created when the arm is known."""

    __tablename__ = "participant_prescriptions"
    __table_args__ = (UniqueConstraint("participant_id", "dose_level"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    arm_code: Mapped[str] = column(String(8))
    dose_level: Mapped[str] = column(String(64))
    fractions: Mapped[int] = column(Integer)
    dose_per_fraction_gy: Mapped[float] = column(Float)
    total_dose_gy: Mapped[float] = column(Float)
    optional_fractions_added: Mapped[int] = column(Integer)
    updated_at: Mapped[datetime] = column()


class OptionalFractionDecisionRow(ResearchBase):
    """The decision on an optional fraction (PALLSOFT's second 8 Gy), against its criterion."""

    __tablename__ = "optional_fraction_decisions"
    __table_args__ = (UniqueConstraint("participant_id", "optional_fraction"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    optional_fraction: Mapped[str] = column(String(64))
    criterion: Mapped[str] = column(Text)
    criterion_met: Mapped[bool] = column(Boolean)
    give: Mapped[bool] = column(Boolean)
    note: Mapped[str | None] = column(Text)
    decided_at: Mapped[datetime] = column()
    decided_by: Mapped[str] = column(String(128))


# -- web platform: second factor, sessions, sign-in throttling, idempotency, access log (r0005) --
#
# ``user_totp`` is a record like any other: enrolling a second factor is audited (the secret is
# redacted). The other five tables hold operational security state and the access log, not
# research data: repositories write them with Core statements on the unit of work's connection,
# which the audit hooks do not see, on purpose (a session touch on every request would otherwise
# flood the audit trail). Sign-ins, failures and refusals are recorded in ``access_log``, which
# the database keeps append-only (docs/decisions/0060-web-platform.md).


class UserTotpRow(ResearchBase):
    """A user's TOTP second factor (RFC 6238): the shared secret (base32), redacted in the
    audit trail, and who enrolled it when."""

    __tablename__ = "user_totp"

    id: Mapped[int] = column(Integer, primary_key=True)
    user_id: Mapped[int] = column(ForeignKey("users.id"), unique=True)
    secret: Mapped[str] = column(String(64), info={"audit_redact": True})
    enrolled_at: Mapped[datetime] = column()
    enrolled_by: Mapped[str] = column(String(128))


class TotpStepRow(ResearchBase):
    """The last TOTP time step accepted for a user, so a code is never accepted twice."""

    __tablename__ = "totp_steps"

    id: Mapped[int] = column(Integer, primary_key=True)
    user_id: Mapped[int] = column(ForeignKey("users.id"), unique=True)
    last_step: Mapped[int] = column(BigInteger)


class AuthSessionRow(ResearchBase):
    """A web session, known by the SHA-256 of its token (the token itself is only in the
    cookie). ``stage`` is ``second_factor`` after the password and ``active`` after TOTP."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = column(Integer, primary_key=True)
    token_sha256: Mapped[str] = column(String(64), unique=True)
    user_id: Mapped[int] = column(ForeignKey("users.id"), index=True)
    stage: Mapped[str] = column(String(16))
    csrf_token: Mapped[str] = column(String(64))
    created_at: Mapped[datetime] = column()
    last_seen_at: Mapped[datetime] = column()
    ended_at: Mapped[datetime | None] = column()
    end_reason: Mapped[str | None] = column(String(32))
    client_address: Mapped[str | None] = column(String(64))


class LoginAttemptRow(ResearchBase):
    """One sign-in attempt (password or second factor), for throttling; ``username`` is the
    name tried, which may not exist."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_client_address_at", "client_address", "at"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    at: Mapped[datetime] = column()
    username: Mapped[str] = column(String(64))
    client_address: Mapped[str] = column(String(64))
    succeeded: Mapped[bool] = column(Boolean)


class IdempotencyKeyRow(ResearchBase):
    """A write request's ``Idempotency-Key``, per user: the request's fingerprint and, once
    answered, the answer to replay (IETF draft-ietf-httpapi-idempotency-key-header)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("username", "key"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    username: Mapped[str] = column(String(64))
    key: Mapped[str] = column(String(255))
    request_sha256: Mapped[str] = column(String(64))
    state: Mapped[str] = column(String(16))
    status_code: Mapped[int | None] = column(Integer)
    response_headers: Mapped[list[list[str]] | None] = column(JSON)
    response_body: Mapped[str | None] = column(Text)
    created_at: Mapped[datetime] = column()
    completed_at: Mapped[datetime | None] = column()


class AccessLogRow(ResearchBase):
    """Who accessed what, when, and with which outcome (Normen fact sheet 15; ASVS 16.3):
    sign-ins and their failures, refused requests, reads of audit trails and identities."""

    __tablename__ = "access_log"

    id: Mapped[int] = column(Integer, primary_key=True)
    at: Mapped[datetime] = column()
    actor: Mapped[str] = column(String(128))
    action: Mapped[str] = column(String(64))
    outcome: Mapped[str] = column(String(16))
    entity: Mapped[str | None] = column(String(64))
    entity_id: Mapped[str | None] = column(String(64))
    trial_slug: Mapped[str | None] = column(String(64))
    site_code: Mapped[str | None] = column(String(32))
    client_address: Mapped[str | None] = column(String(64))
    detail: Mapped[dict[str, Any] | None] = column(JSON)


# -- radiotherapy course: plan, fractions, doses, missed fractions, deviations (r0003) --------


class CourseRow(ResearchBase):
    """A participant's planned radiotherapy course: the arm and a snapshot of its prescription,
    the protocol version (id and hash) it follows, the treating site and its time zone."""

    __tablename__ = "rt_courses"

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), unique=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    arm_code: Mapped[str] = column(String(8))
    prescription: Mapped[dict[str, Any]] = column(JSON)
    site_id: Mapped[int] = column(ForeignKey("sites.id"))
    timezone: Mapped[str] = column(String(64))
    start_date: Mapped[date] = column(Date)
    planned_at: Mapped[datetime] = column()
    planned_by: Mapped[str] = column(String(128))


class FractionRow(ResearchBase):
    """Fraction ``number`` of a course (1-based, in planned order): its planned date and what
    became of it (planned, delivered with time, site and machine, or cancelled with a reason).
    A missed fraction stays planned on a new date; the miss is a :class:`MissedFractionRow`."""

    __tablename__ = "rt_fractions"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint("status IN ('planned', 'delivered', 'cancelled')", name="status"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    course_id: Mapped[int] = column(ForeignKey("rt_courses.id"))
    number: Mapped[int] = column(Integer)
    status: Mapped[str] = column(String(16))
    planned_date: Mapped[date] = column(Date)
    delivered_at: Mapped[datetime | None] = column()
    site_id: Mapped[int | None] = column(ForeignKey("sites.id"))
    machine: Mapped[str | None] = column(String(64))
    optional_fraction: Mapped[str | None] = column(String(64))
    reason: Mapped[str | None] = column(Text)
    recorded_at: Mapped[datetime] = column()
    recorded_by: Mapped[str] = column(String(128))


class FractionDoseRow(ResearchBase):
    """One fraction's dose to one dose level: planned, and once delivered the dose in the
    prescription's quantity (Gy, or Gy(RBE)) with the physical dose and the RBE model."""

    __tablename__ = "rt_fraction_doses"
    __table_args__ = (UniqueConstraint("fraction_id", "dose_level"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    fraction_id: Mapped[int] = column(ForeignKey("rt_fractions.id"))
    dose_level: Mapped[str] = column(String(64))
    planned_dose_gy: Mapped[float] = column(Float)
    dose_gy: Mapped[float | None] = column(Float)
    physical_dose_gy: Mapped[float | None] = column(Float)
    rbe_model: Mapped[str | None] = column(String(64))


class MissedFractionRow(ResearchBase):
    """A fraction not given on its planned day: why, the day it was rescheduled to, and the
    gap compensation accepted for it (None until a clinician accepts one)."""

    __tablename__ = "rt_missed_fractions"
    __table_args__ = (UniqueConstraint("course_id", "number", "planned_date"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    course_id: Mapped[int] = column(ForeignKey("rt_courses.id"))
    number: Mapped[int] = column(Integer)
    planned_date: Mapped[date] = column(Date)
    reason: Mapped[str] = column(Text)
    rescheduled_to: Mapped[date | None] = column(Date)
    recorded_at: Mapped[datetime] = column()
    recorded_by: Mapped[str] = column(String(128))
    compensation: Mapped[str | None] = column(String(32))
    compensated_at: Mapped[datetime | None] = column()
    compensated_by: Mapped[str | None] = column(String(128))


class DeviationRow(ResearchBase):
    """A protocol deviation of a course as found, with the protocol version (id and hash) whose
    rules found it; ``key`` identifies it across evaluations. Open until resolved (no longer
    found) and shown to the site until acknowledged."""

    __tablename__ = "rt_deviations"
    __table_args__ = (CheckConstraint("severity IN ('minor', 'major')", name="severity"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    course_id: Mapped[int] = column(ForeignKey("rt_courses.id"))
    key: Mapped[str] = column(String(255))
    code: Mapped[str] = column(String(64))
    severity: Mapped[str] = column(String(8))
    message: Mapped[str] = column(Text)
    detail: Mapped[dict[str, Any]] = column(JSON)
    fraction: Mapped[int | None] = column(Integer)
    dose_level: Mapped[str | None] = column(String(64))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    detected_at: Mapped[datetime] = column()
    acknowledged_by: Mapped[str | None] = column(String(128))
    acknowledged_at: Mapped[datetime | None] = column()
    resolved_at: Mapped[datetime | None] = column()


class SiteClosureRow(ResearchBase):
    """A day a site gives no radiotherapy (machine service, strike), beyond public holidays."""

    __tablename__ = "site_closures"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    site_id: Mapped[int] = column(ForeignKey("sites.id"))
    day: Mapped[date] = column(Date)
    reason: Mapped[str] = column(Text)
    recorded_at: Mapped[datetime] = column()
    recorded_by: Mapped[str] = column(String(128))


# -- outcomes: PROs, adverse events, ECOG, RECIST, clinical events, visits (r0004) ------------
#
# Every outcome row names the protocol version in force when it was recorded (by id and by
# content hash) and who recorded it when. Values are validated by the pure core before they
# are written; computed values (questionnaire scores, RECIST sums and responses) are stored
# with what computed them, so a later change of the code cannot silently change a record.


class SymptomRatingRow(ResearchBase):
    """The target symptom's NRS and the patient's global impression at one protocol visit.

    ``symptom`` is the target symptom the patient chose at baseline (the same on every row of a
    participant); ``analgesic_increased`` is asked for follow-up ratings of pain.
    """

    __tablename__ = "symptom_ratings"
    __table_args__ = (UniqueConstraint("participant_id", "visit_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str] = column(String(64))
    symptom: Mapped[str] = column(String(64))
    answered_at: Mapped[datetime] = column()
    nrs: Mapped[int | None] = column(Integer)
    nrs_assessment_id: Mapped[str | None] = column(String(64))
    global_impression: Mapped[str | None] = column(String(32))
    impression_assessment_id: Mapped[str | None] = column(String(64))
    analgesic_increased: Mapped[bool | None] = column(Boolean)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class QuestionnaireSubmissionRow(ResearchBase):
    """A questionnaire as answered: responses by item number (no item texts), the scores
    computed from them with the scoring version, and whether every item was answered."""

    __tablename__ = "questionnaire_submissions"
    __table_args__ = (
        # Named explicitly: the conventional name exceeds PostgreSQL's 63 characters.
        UniqueConstraint(
            "participant_id",
            "assessment_id",
            "visit_id",
            name="uq_questionnaire_submissions_participant_visit",
        ),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    assessment_id: Mapped[str] = column(String(64))
    instrument: Mapped[str] = column(String(64))
    instrument_version: Mapped[str | None] = column(String(32))
    visit_id: Mapped[str | None] = column(String(64))
    answered_at: Mapped[datetime] = column()
    responses: Mapped[dict[str, Any]] = column(JSON)
    scores: Mapped[dict[str, Any]] = column(JSON)
    scoring_version: Mapped[str] = column(String(128))
    state: Mapped[str] = column(String(16))
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class AdverseEventRow(ResearchBase):
    """An adverse event graded by CTCAE (the version on every row), its attribution to
    radiotherapy, seriousness, expedited-report flag and due times, and outcome."""

    __tablename__ = "adverse_events"

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), index=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str | None] = column(String(64))
    ctcae_version: Mapped[str] = column(String(8))
    term: Mapped[str] = column(String(200))
    specify: Mapped[str | None] = column(Text)
    soc: Mapped[str] = column(String(80))
    grade: Mapped[int] = column(Integer)
    onset_on: Mapped[date] = column(Date)
    resolved_on: Mapped[date | None] = column(Date)
    attribution: Mapped[str] = column(String(16))
    related: Mapped[bool] = column(Boolean)
    serious: Mapped[bool] = column(Boolean)
    seriousness_criteria: Mapped[list[str]] = column(JSON)
    expected: Mapped[bool | None] = column(Boolean)
    expedited_report: Mapped[bool] = column(Boolean)
    investigator_aware_at: Mapped[datetime | None] = column()
    report_due_at: Mapped[datetime | None] = column()
    susar: Mapped[bool] = column(Boolean)
    susar_report_due_at: Mapped[datetime | None] = column()
    outcome: Mapped[str] = column(String(32))
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class EcogAssessmentRow(ResearchBase):
    """An ECOG performance status on a date (one per participant and day)."""

    __tablename__ = "ecog_assessments"
    __table_args__ = (UniqueConstraint("participant_id", "assessed_on"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str | None] = column(String(64))
    assessed_on: Mapped[date] = column(Date)
    status: Mapped[int] = column(Integer)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class TumourBaselineRow(ResearchBase):
    """A participant's RECIST baseline: date, the protocol's RECIST rules it was validated
    with (JSON) and the baseline sum of diameters. One per participant."""

    __tablename__ = "tumour_baselines"

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), unique=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str | None] = column(String(64))
    assessed_on: Mapped[date] = column(Date)
    recist_version: Mapped[str] = column(String(8))
    rules: Mapped[dict[str, Any]] = column(JSON)
    sum_mm: Mapped[float] = column(Float)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class TumourLesionRow(ResearchBase):
    """A baseline lesion: target (with its baseline size) or non-target."""

    __tablename__ = "tumour_lesions"
    __table_args__ = (UniqueConstraint("baseline_id", "lesion_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    baseline_id: Mapped[int] = column(ForeignKey("tumour_baselines.id"))
    lesion_id: Mapped[str] = column(String(32))
    role: Mapped[str] = column(String(16))
    organ: Mapped[str] = column(String(100))
    nodal: Mapped[bool] = column(Boolean)
    modality: Mapped[str | None] = column(String(16))
    slice_thickness_mm: Mapped[float | None] = column(Float)
    baseline_mm: Mapped[float | None] = column(Float)
    irradiated_index: Mapped[bool] = column(Boolean)
    previously_irradiated: Mapped[bool] = column(Boolean)
    progressed_after_irradiation: Mapped[bool] = column(Boolean)


class TumourFollowUpRow(ResearchBase):
    """A follow-up tumour assessment and the RECIST 1.1 evaluation computed when it was
    recorded: sum, nadir, target and overall response, local and distant progression."""

    __tablename__ = "tumour_follow_ups"
    __table_args__ = (UniqueConstraint("participant_id", "assessed_on"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    baseline_id: Mapped[int] = column(ForeignKey("tumour_baselines.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str | None] = column(String(64))
    assessed_on: Mapped[date] = column(Date)
    non_target: Mapped[str | None] = column(String(16))
    new_lesions: Mapped[bool] = column(Boolean)
    sum_mm: Mapped[float | None] = column(Float)
    nadir_mm: Mapped[float] = column(Float)
    change_from_baseline_percent: Mapped[float | None] = column(Float)
    change_from_nadir_mm: Mapped[float | None] = column(Float)
    target_response: Mapped[str | None] = column(String(16))
    overall_response: Mapped[str] = column(String(16))
    local_progression: Mapped[bool | None] = column(Boolean)
    distant_progression: Mapped[bool | None] = column(Boolean)
    index_mm: Mapped[float | None] = column(Float)
    index_nadir_mm: Mapped[float | None] = column(Float)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class TumourMeasurementRow(ResearchBase):
    """A target lesion's size at a follow-up (NULL: not evaluated)."""

    __tablename__ = "tumour_measurements"
    __table_args__ = (UniqueConstraint("follow_up_id", "lesion_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    follow_up_id: Mapped[int] = column(ForeignKey("tumour_follow_ups.id"))
    lesion_id: Mapped[str] = column(String(32))
    diameter_mm: Mapped[float | None] = column(Float)


class ClinicalEventRow(ResearchBase):
    """A participant's first event of a kind: local or distant progression (with the tumour
    assessment that showed it), death (with its cause) or going off study (with the reason)."""

    __tablename__ = "clinical_events"
    __table_args__ = (UniqueConstraint("participant_id", "kind"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    kind: Mapped[str] = column(String(32))
    event_on: Mapped[date] = column(Date)
    method: Mapped[str | None] = column(String(32))
    tumour_follow_up_id: Mapped[int | None] = column(ForeignKey("tumour_follow_ups.id"))
    death_cause: Mapped[str | None] = column(String(32))
    off_study_reason: Mapped[str | None] = column(String(32))
    note: Mapped[str | None] = column(Text)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class VitalStatusCheckRow(ResearchBase):
    """A date on which the participant was known to be alive, and how it was known."""

    __tablename__ = "vital_status_checks"
    __table_args__ = (UniqueConstraint("participant_id", "known_alive_on"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str | None] = column(String(64))
    known_alive_on: Mapped[date] = column(Date)
    source: Mapped[str] = column(String(32))
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class MissedVisitRow(ResearchBase):
    """A protocol visit recorded as not done, with why."""

    __tablename__ = "missed_visits"
    __table_args__ = (UniqueConstraint("participant_id", "visit_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str] = column(String(64))
    note: Mapped[str] = column(Text)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


# -- biobank: samples, storage positions, chain of custody, destruction (r0004) --------------


class SampleRow(ResearchBase):
    """A biobank sample or aliquot (``parent_id``), tied to a protocol visit.

    The storage position (freezer, rack, box, position) is set while the sample is stored and
    NULL otherwise, so UNIQUE(freezer, rack, box, position) holds among stored samples only
    (NULLs are distinct on both engines). ``destruction_required`` is set when the participant's
    consent no longer allows the sample to be used.
    """

    __tablename__ = "samples"
    __table_args__ = (UniqueConstraint("freezer", "rack", "box", "position"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), index=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    label: Mapped[str] = column(String(64), unique=True)
    sample_type: Mapped[str] = column(String(64))
    material: Mapped[str] = column(String(16))
    visit_id: Mapped[str] = column(String(64))
    collected_at: Mapped[datetime] = column()
    processing: Mapped[str | None] = column(Text)
    processed_at: Mapped[datetime | None] = column()
    parent_id: Mapped[int | None] = column(ForeignKey("samples.id"))
    volume_ml: Mapped[float | None] = column(Float)
    status: Mapped[str] = column(String(16))
    freezer: Mapped[str | None] = column(String(32))
    rack: Mapped[str | None] = column(String(32))
    box: Mapped[str | None] = column(String(32))
    position: Mapped[str | None] = column(String(16))
    destruction_required: Mapped[bool] = column(Boolean)
    destruction_flagged_at: Mapped[datetime | None] = column()
    destruction_basis: Mapped[str | None] = column(Text)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class SampleShipmentRow(ResearchBase):
    """A shipment of samples from one place to another (the sender's side of custody)."""

    __tablename__ = "sample_shipments"

    id: Mapped[int] = column(Integer, primary_key=True)
    code: Mapped[str] = column(String(64), unique=True)
    from_location: Mapped[str] = column(String(200))
    to_location: Mapped[str] = column(String(200))
    shipped_at: Mapped[datetime] = column()
    courier: Mapped[str | None] = column(String(200))
    condition: Mapped[str | None] = column(String(64))
    shipped_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class SampleShipmentItemRow(ResearchBase):
    """A sample in a shipment."""

    __tablename__ = "sample_shipment_items"
    __table_args__ = (UniqueConstraint("shipment_id", "sample_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    shipment_id: Mapped[int] = column(ForeignKey("sample_shipments.id"))
    sample_id: Mapped[int] = column(ForeignKey("samples.id"), index=True)


class SampleReceiptRow(ResearchBase):
    """The receipt of a shipment (the receiver's side of custody); ``missing`` lists labels
    that did not arrive."""

    __tablename__ = "sample_receipts"

    id: Mapped[int] = column(Integer, primary_key=True)
    shipment_id: Mapped[int] = column(ForeignKey("sample_shipments.id"), unique=True)
    received_at: Mapped[datetime] = column()
    received_by: Mapped[str] = column(String(128))
    condition: Mapped[str | None] = column(String(64))
    missing: Mapped[list[str]] = column(JSON)
    note: Mapped[str | None] = column(Text)
    recorded_at: Mapped[datetime] = column()


class SampleCustodyEventRow(ResearchBase):
    """One step in a sample's chain of custody: collected, stored, shipped, received, missing,
    flagged for destruction or destroyed, with where and by whom. Append-only."""

    __tablename__ = "sample_custody_events"

    id: Mapped[int] = column(Integer, primary_key=True)
    sample_id: Mapped[int] = column(ForeignKey("samples.id"), index=True)
    action: Mapped[str] = column(String(16))
    at: Mapped[datetime] = column()
    location: Mapped[str | None] = column(String(200))
    shipment_id: Mapped[int | None] = column(ForeignKey("sample_shipments.id"))
    by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class SampleDestructionRow(ResearchBase):
    """The destruction of a sample: when, how, why and who witnessed it."""

    __tablename__ = "sample_destructions"

    id: Mapped[int] = column(Integer, primary_key=True)
    sample_id: Mapped[int] = column(ForeignKey("samples.id"), unique=True)
    destroyed_at: Mapped[datetime] = column()
    method: Mapped[str] = column(String(200))
    reason: Mapped[str] = column(String(32))
    witness: Mapped[str | None] = column(String(128))
    note: Mapped[str | None] = column(Text)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


class ToxicityAssessmentRow(ResearchBase):
    """A physician's assessment of one protocol toxicity category at one visit: no adverse
    event in the category, or the adverse events found (ids). No row: not assessed."""

    __tablename__ = "toxicity_assessments"
    __table_args__ = (UniqueConstraint("participant_id", "visit_id", "category"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    visit_id: Mapped[str] = column(String(64))
    assessed_on: Mapped[date] = column(Date)
    assessed_by: Mapped[str] = column(String(128))
    ctcae_version: Mapped[str] = column(String(8))
    category: Mapped[str] = column(String(64))
    no_adverse_event: Mapped[bool] = column(Boolean)
    adverse_event_ids: Mapped[list[int]] = column(JSON)
    recorded_by: Mapped[str] = column(String(128))
    recorded_at: Mapped[datetime] = column()


# -- plan quality assurance: a participant's RT plan against the dose constraints (r0008) -----


class PlanQaEvaluationRow(ResearchBase):
    """One check of a participant's RT plan against the protocol's dose-constraint table: the
    protocol version (id and hash), DVH mode, overall verdict, how the dose was read, the
    SHA-256 of each DICOM file checked (RT Doses in the order given), who checked and when."""

    __tablename__ = "plan_qa_evaluations"
    __table_args__ = (
        CheckConstraint("mode IN ('tps', 'accurate')", name="mode"),
        CheckConstraint("verdict IN ('pass', 'minor', 'major', 'incomplete')", name="verdict"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), index=True)
    protocol_version_id: Mapped[int] = column(ForeignKey("protocol_versions.id"))
    protocol_hash: Mapped[str] = column(String(64))
    mode: Mapped[str] = column(String(16))
    verdict: Mapped[str] = column(String(16))
    dose_unit: Mapped[str] = column(String(16))
    dose_factor: Mapped[float] = column(Float)
    plan_label: Mapped[str] = column(String(128))
    radiation_types: Mapped[list[str]] = column(JSON)
    fractions_planned: Mapped[int | None] = column(Integer)
    rtplan_sha256: Mapped[str] = column(String(64))
    rtstruct_sha256: Mapped[str] = column(String(64))
    rtdose_sha256: Mapped[list[str]] = column(JSON)
    structure_site: Mapped[str | None] = column(String(32))
    unmapped_names: Mapped[list[str]] = column(JSON)
    notes: Mapped[list[str]] = column(JSON)
    evaluated_at: Mapped[datetime] = column()
    evaluated_by: Mapped[str] = column(String(128))


class PlanQaResultRow(ResearchBase):
    """One constraint row's outcome in an evaluation: the structure (TG-263 and the plan's own
    name), metric, limits, the value in the table's unit and the grade."""

    __tablename__ = "plan_qa_results"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "constraint_id"),
        CheckConstraint("grade IN ('pass', 'minor', 'major', 'not_evaluated')", name="grade"),
    )

    id: Mapped[int] = column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = column(ForeignKey("plan_qa_evaluations.id"))
    position: Mapped[int] = column(Integer)
    constraint_id: Mapped[str] = column(String(64))
    structure: Mapped[str] = column(String(128))
    local_name: Mapped[str | None] = column(String(128))
    metric: Mapped[str] = column(String(32))
    comparison: Mapped[str] = column(String(4))
    limit_value: Mapped[float | None] = column(Float)
    minor_limit: Mapped[float | None] = column(Float)
    unit: Mapped[str] = column(String(8))
    value: Mapped[float | None] = column(Float)
    grade: Mapped[str] = column(String(16))
    required: Mapped[bool] = column(Boolean)
    note: Mapped[str] = column(Text)


class PlanQaReportRow(ResearchBase):
    """The HTML QA report of an evaluation, as shown to the physicist, with its SHA-256."""

    __tablename__ = "plan_qa_reports"

    id: Mapped[int] = column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = column(ForeignKey("plan_qa_evaluations.id"), unique=True)
    html: Mapped[str] = column(Text)
    sha256: Mapped[str] = column(String(64))


# -- patient portal: invitations, sessions, draft answers, licensed item texts (r0009) ----------
#
# Invitations, drafts and licensed texts are records like any other (audited; token hashes
# redacted). Portal sessions are operational security state written with Core statements, like
# ``auth_sessions`` (a touch per request would flood the audit trail).


class PortalInvitationRow(ResearchBase):
    """A personal one-time link and code for a participant's questionnaires: the SHA-256 of
    each (never the token or code), who issued it when, until when it can be redeemed, and
    when it was redeemed (once) or revoked."""

    __tablename__ = "portal_invitations"

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"), index=True)
    token_sha256: Mapped[str] = column(String(64), unique=True, info={"audit_redact": True})
    code_sha256: Mapped[str] = column(String(64), unique=True, info={"audit_redact": True})
    issued_by: Mapped[str] = column(String(128))
    issued_at: Mapped[datetime] = column()
    expires_at: Mapped[datetime] = column()
    redeemed_at: Mapped[datetime | None] = column()
    revoked_at: Mapped[datetime | None] = column()
    revoked_by: Mapped[str | None] = column(String(128))


class PortalSessionRow(ResearchBase):
    """A participant's portal session, known by the SHA-256 of its token (the token is only in
    the cookie), opened by redeeming an invitation."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = column(Integer, primary_key=True)
    token_sha256: Mapped[str] = column(String(64), unique=True)
    invitation_id: Mapped[int] = column(ForeignKey("portal_invitations.id"), index=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    csrf_token: Mapped[str] = column(String(64))
    created_at: Mapped[datetime] = column()
    last_seen_at: Mapped[datetime] = column()
    ended_at: Mapped[datetime | None] = column()
    end_reason: Mapped[str | None] = column(String(32))
    client_address: Mapped[str | None] = column(String(64))


class PortalDraftRow(ResearchBase):
    """A participant's partial answers to one questionnaire at one visit, kept until submitted
    (``instrument`` is ``target_symptom`` or the protocol's questionnaire id)."""

    __tablename__ = "portal_drafts"
    __table_args__ = (UniqueConstraint("participant_id", "visit_id", "instrument"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    visit_id: Mapped[str] = column(String(64))
    instrument: Mapped[str] = column(String(64))
    answers: Mapped[dict[str, Any]] = column(JSON)
    created_at: Mapped[datetime] = column()
    updated_at: Mapped[datetime] = column()


class InstrumentTextRow(ResearchBase):
    """A site's licensed item texts of a questionnaire in one language (EORTC texts are
    copyrighted and never shipped): item texts by number and answer labels."""

    __tablename__ = "instrument_texts"
    __table_args__ = (UniqueConstraint("site_id", "instrument", "language"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    site_id: Mapped[int] = column(ForeignKey("sites.id"))
    instrument: Mapped[str] = column(String(32))
    language: Mapped[str] = column(String(8))
    texts: Mapped[dict[str, Any]] = column(JSON)
    licence: Mapped[str | None] = column(String(255))
    loaded_by: Mapped[str] = column(String(128))
    loaded_at: Mapped[datetime] = column()


class RecordSignatureRow(ResearchBase):
    """An electronic signature of a form record (an adverse event, a RECIST assessment): who
    signed it when with what meaning, bound to the SHA-256 of the record's canonical content;
    voided (who, when, why) when the record is edited after signing."""

    __tablename__ = "record_signatures"
    __table_args__ = (Index("ix_record_signatures_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = column(Integer, primary_key=True)
    participant_id: Mapped[int] = column(ForeignKey("participants.id"))
    entity: Mapped[str] = column(String(64))
    entity_id: Mapped[int] = column(Integer)
    signer: Mapped[str] = column(String(128))
    signer_name: Mapped[str] = column(String(200))
    meaning: Mapped[str] = column(String(200))
    content_sha256: Mapped[str] = column(String(64))
    signed_at: Mapped[datetime] = column()
    voided_at: Mapped[datetime | None] = column()
    voided_by: Mapped[str | None] = column(String(128))
    void_reason: Mapped[str | None] = column(Text)

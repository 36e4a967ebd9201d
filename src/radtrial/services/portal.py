"""The patient portal: personal one-time invitations, portal sessions, due questionnaires,
saved partial answers and submission through the PRO service.

**Invitations.** An investigator or research nurse at the participant's site issues an
invitation: a link token (256 bits) and a short code (10 characters, about 50 bits), shown once.
Only their SHA-256 is stored. An invitation expires (:attr:`PortalPolicy.invitation`, a setting),
is redeemed once (link or code, whichever comes first) and can be revoked, which also ends the
sessions it opened. Issuing, redeeming and revoking are audited (the invitation is a record)
and go to the access log.

**Throttling.** Every redemption attempt is reserved as a failure before the token is looked up
(as staff sign-in does, :mod:`radtrial.services.auth`), counted per client address and over all
addresses in a sliding hour; beyond either limit nothing is evaluated and the answer is
:class:`TooManyAttempts` until the oldest failure ages out.

**Portal sessions** are separate from staff sessions: their own table and cookie, a short idle
timeout and a two-hour absolute limit. The participant is taken from the session only; nothing
the client sends names a participant.

**Questionnaires.** A participant sees the questionnaires of visits whose window is open today
that have not been answered: the target-symptom module (NRS and global impression, as the visit
schedules them) and EORTC questionnaires when the site has loaded licensed item texts
(:func:`load_instrument_texts`; the texts are copyrighted and never shipped). Partial answers are
kept as a draft per participant, visit and questionnaire until submitted; submission goes
through :mod:`radtrial.services.outcomes.pro`, so it is validated and audited with the portal
session as the actor.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from radtrial.clinical.instruments import nrs_bounds
from radtrial.clinical.instruments.qlq_c15_pal import QLQ_C15_PAL_HIGHEST
from radtrial.clinical.instruments.qlq_c30 import QLQ_C30_HIGHEST
from radtrial.config import Settings
from radtrial.errors import (
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import Assessment, Visit
from radtrial.services.access import ENROLMENT_ROLES, acting_user, require_site_role
from radtrial.services.outcomes import pro
from radtrial.services.outcomes._context import open_own_entry
from radtrial.services.outcomes.visits import schedule_input
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import ParticipantRecord, Role
from radtrial.store.repositories.access import AccessRepository
from radtrial.store.repositories.outcomes import local_date
from radtrial.store.repositories.portal import (
    DraftRecord,
    InstrumentTextRecord,
    InvitationRecord,
    PortalRepository,
)
from radtrial.trial.visits import VisitStatus, participant_schedule

__all__ = [
    "TARGET_SYMPTOM",
    "DueQuestionnaire",
    "IssuedInvitation",
    "IssuedPortalSession",
    "PortalItem",
    "PortalPolicy",
    "PortalPrincipal",
    "QuestionnaireForm",
    "authenticate_portal",
    "due_questionnaires",
    "find_draft",
    "invitations",
    "issue_invitation",
    "load_instrument_texts",
    "normalise_code",
    "questionnaire_form",
    "redeem",
    "revoke_invitation",
    "save_draft",
    "sign_out_portal",
    "submit",
]

#: The portal's name for the target-symptom module (NRS and global impression).
TARGET_SYMPTOM = "target_symptom"

#: Items and highest answers of the questionnaires whose texts a site may load.
INSTRUMENT_ITEMS: Mapping[str, Mapping[int, int]] = {
    "qlq_c30": QLQ_C30_HIGHEST,
    "qlq_c15_pal": QLQ_C15_PAL_HIGHEST,
}

#: Who loads licensed questionnaire texts for a site.
TEXT_ROLES = frozenset({Role.DATA_MANAGER, Role.SPONSOR_ADMIN})

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10
_WINDOW = timedelta(hours=1)
_TOUCH_EVERY = timedelta(minutes=1)
_MAX_ANSWER = 64
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class PortalPolicy:
    """Invitation lifetime, portal session limits and redemption throttling."""

    invitation: timedelta = timedelta(days=14)
    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=2)
    failures_per_address: int = 30
    failures_overall: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> PortalPolicy:
        """The policy the settings configure."""
        return cls(
            invitation=timedelta(days=settings.portal_invitation_days),
            idle=timedelta(minutes=settings.portal_idle_minutes),
            failures_per_address=settings.portal_failures_per_address_hour,
        )


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """An invitation just issued: the link token and code are shown once and stored nowhere."""

    invitation_id: int
    study_id: str
    token: str
    code: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"IssuedInvitation(id={self.invitation_id}, study_id={self.study_id!r})"


@dataclass(frozen=True, slots=True)
class IssuedPortalSession:
    """A portal session just opened: the token goes in the portal cookie only."""

    token: str
    csrf_token: str

    def __repr__(self) -> str:
        return "IssuedPortalSession()"


@dataclass(frozen=True, slots=True)
class PortalPrincipal:
    """The participant of a portal request, from the portal session alone."""

    session_id: int
    participant_id: int
    study_id: str
    csrf_token: str

    @property
    def actor(self) -> str:
        """Who the audit trail names for the participant's own answers."""
        return f"portal:{self.study_id}:session-{self.session_id}"

    def __repr__(self) -> str:
        return f"PortalPrincipal(session_id={self.session_id})"


@dataclass(frozen=True, slots=True)
class DueQuestionnaire:
    """A questionnaire the participant can answer now."""

    visit_id: str
    visit_label: str
    closes_on: date
    instrument: str
    name: str
    draft_id: int | None


@dataclass(frozen=True, slots=True)
class PortalItem:
    """A licensed questionnaire item: its number, text and answer choices (value, label)."""

    number: int
    text: str
    choices: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class QuestionnaireForm:
    """What the questionnaire page shows and accepts."""

    visit_id: str
    visit_label: str
    instrument: str
    name: str
    baseline: bool = False
    symptom_choices: tuple[str, ...] = ()
    symptom: str | None = None
    ask_nrs: bool = False
    nrs_low: int = 0
    nrs_high: int = 10
    ask_impression: bool = False
    ask_analgesic: bool = False
    items: tuple[PortalItem, ...] = ()
    text_language: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    draft_id: int | None = None

    def fields(self) -> tuple[str, ...]:
        """The answer names the form accepts."""
        if self.instrument != TARGET_SYMPTOM:
            return tuple(f"item_{item.number}" for item in self.items)
        names = []
        if self.baseline:
            names.append("symptom")
        if self.ask_nrs:
            names.append("nrs")
        if self.ask_analgesic:
            names.append("analgesic_increased")
        if self.ask_impression:
            names.append("global_impression")
        return tuple(names)


# -- helpers -----------------------------------------------------------------------------------


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _token_digest(token: str) -> str:
    return _sha256("link:" + token)


def _code_digest(code: str) -> str:
    return _sha256("code:" + code)


def _session_digest(token: str) -> str:
    return _sha256("portal-session:" + token)


def normalise_code(code: str) -> str:
    """A typed code without spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", code).upper()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _log(
    uow: ResearchUnitOfWork,
    action: str,
    outcome: str,
    address: str,
    participant: ParticipantRecord | None = None,
    **detail: object,
) -> None:
    AccessRepository(uow).append(
        action=action,
        outcome=outcome,
        entity=None if participant is None else "participants",
        entity_id=None if participant is None else participant.study_id,
        trial_slug=None if participant is None else participant.trial_slug,
        site_code=None if participant is None else participant.site_code,
        client_address=address,
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )


# -- invitations -------------------------------------------------------------------------------


def issue_invitation(
    db: Database, policy: PortalPolicy, *, actor: str, study_id: str, client_address: str = ""
) -> IssuedInvitation:
    """Issue a one-time portal link and code for ``study_id`` (an investigator or research
    nurse at the participant's site); earlier invitations not yet redeemed are revoked, so only
    the newest works. Raises :class:`NotFound`, :class:`PermissionDenied`."""
    token, code = secrets.token_urlsafe(32), _new_code()

    def work(uow: ResearchUnitOfWork) -> InvitationRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "invite participants to the patient portal",
        )
        repo = PortalRepository(uow)
        for earlier in repo.invitations(participant.id):
            if earlier.redeemed_at is None and earlier.revoked_at is None:
                repo.mark_revoked(earlier.id)
        record = repo.add_invitation(
            participant.id,
            token_sha256=_token_digest(token),
            code_sha256=_code_digest(normalise_code(code)),
            expires_at=uow.now() + policy.invitation,
        )
        _log(uow, "portal.invite", "passed", client_address, participant, invitation=record.id)
        return record

    record = db.run(work, actor=actor, reason="a new portal invitation replaces unused ones")
    return IssuedInvitation(record.id, study_id, token, code, record.expires_at)


def invitations(db: Database, *, actor: str, study_id: str) -> list[InvitationRecord]:
    """The participant's invitations (staff at the participant's site)."""

    def work(uow: ResearchUnitOfWork) -> list[InvitationRecord]:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "see portal invitations",
        )
        return PortalRepository(uow).invitations(participant.id)

    return db.run(work, actor=actor, read_only=True)


def revoke_invitation(
    db: Database,
    *,
    actor: str,
    study_id: str,
    invitation_id: int,
    client_address: str = "",
    reason: str = "portal invitation revoked by site staff",
) -> InvitationRecord:
    """Revoke an invitation of ``study_id`` and end the portal sessions it opened. An
    invitation of another participant is :class:`NotFound`."""

    def work(uow: ResearchUnitOfWork) -> InvitationRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "revoke portal invitations",
        )
        repo = PortalRepository(uow)
        try:
            invitation = repo.invitation(invitation_id)
        except NotFound:
            invitation = None
        if invitation is None or invitation.participant_id != participant.id:
            raise NotFound(
                f"{study_id} has no portal invitation {invitation_id}", location="invitation_id"
            )
        if invitation.revoked_at is None:
            repo.mark_revoked(invitation.id)
        repo.end_invitation_sessions(invitation.id, "revoked")
        _log(uow, "portal.revoke", "passed", client_address, participant, invitation=invitation.id)
        return repo.invitation(invitation.id)

    return db.run(work, actor=actor, reason=reason)


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(1, int((oldest + _WINDOW - now).total_seconds()) + 1)


def _reserve_attempt(db: Database, policy: PortalPolicy, address: str) -> int:
    def work(uow: ResearchUnitOfWork) -> int | TooManyAttempts:
        repo = PortalRepository(uow)
        now = uow.now()
        since = now - _WINDOW
        for limit, where in (
            (policy.failures_per_address, address),
            (policy.failures_overall, None),
        ):
            count, oldest = repo.failures_since(since, client_address=where)
            if count >= limit:
                _log(uow, "portal.redeem", "throttled", address)
                return TooManyAttempts(
                    "too many wrong codes in the last hour; try again later",
                    location="code",
                    detail={"retry_after_s": _retry_after(oldest, now)},
                )
        return repo.add_attempt(address)

    result = db.run(work, actor="portal")
    if isinstance(result, TooManyAttempts):
        raise result
    return result


def redeem(
    db: Database,
    policy: PortalPolicy,
    *,
    client_address: str,
    token: str | None = None,
    code: str | None = None,
) -> IssuedPortalSession:
    """Exchange a link token or a code for a portal session, once.

    Raises :class:`TooManyAttempts` beyond the limits (nothing looked up) and
    :class:`NotAuthenticated` for an unknown, used, revoked or expired invitation (the message
    does not say which).
    """
    if token:
        digest = _token_digest(token.strip()[:200])
    elif code:
        digest = _code_digest(normalise_code(code[:40]))
    else:
        raise InvalidInput("enter the code you were given", location="code")
    attempt = _reserve_attempt(db, policy, client_address)
    found = db.run(lambda uow: _find_invitation(uow, digest), actor="portal", read_only=True)
    actor = "portal" if found is None else f"portal:{found[1]}"
    session_token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)

    def work(uow: ResearchUnitOfWork) -> str | None:
        repo = PortalRepository(uow)
        invitation = repo.invitation_by_hash(digest, lock=True)
        participant = (
            None
            if invitation is None
            else uow.participants.get(repo.study_id(invitation.participant_id))
        )
        why = None
        if invitation is None or participant is None:
            why = "unknown"
        elif invitation.revoked_at is not None:
            why = "revoked"
        elif invitation.redeemed_at is not None:
            why = "already_used"
        elif uow.now() > invitation.expires_at:
            why = "expired"
        if why is not None or invitation is None:
            _log(uow, "portal.redeem", "failed", client_address, participant, why=why)
            return None
        repo.mark_redeemed(invitation.id)
        repo.mark_attempt_succeeded(attempt)
        repo.create_session(
            invitation_id=invitation.id,
            participant_id=invitation.participant_id,
            token_sha256=_session_digest(session_token),
            csrf_token=csrf,
            client_address=client_address,
        )
        _log(uow, "portal.redeem", "passed", client_address, participant, invitation=invitation.id)
        return "ok"

    if db.run(work, actor=actor, reason="invitation redeemed by the participant") is None:
        raise NotAuthenticated(
            "this link or code is not valid (it may have expired or been used already); ask "
            "the study nurse for a new one",
            location="code",
        )
    return IssuedPortalSession(session_token, csrf)


def _find_invitation(uow: ResearchUnitOfWork, digest: str) -> tuple[int, str] | None:
    repo = PortalRepository(uow)
    invitation = repo.invitation_by_hash(digest)
    if invitation is None:
        return None
    return invitation.id, repo.study_id(invitation.participant_id)


# -- portal sessions ---------------------------------------------------------------------------


def authenticate_portal(db: Database, policy: PortalPolicy, token: str) -> PortalPrincipal:
    """The participant of the open portal session ``token``, which is marked as used.

    :class:`NotAuthenticated` for no, an unknown, ended, idle or too old session, or one whose
    invitation has been revoked (such a session is ended).
    """
    if not token:
        raise NotAuthenticated("no portal session", location="portal_session")

    def read(uow: ResearchUnitOfWork) -> tuple[Any, InvitationRecord, str] | None:
        repo = PortalRepository(uow)
        session = repo.session(_session_digest(token))
        if session is None or session.ended_at is not None:
            return None
        return (
            session,
            repo.invitation(session.invitation_id),
            repo.study_id(session.participant_id),
        )

    found = db.run(read, actor="portal", read_only=True)
    if found is None:
        raise NotAuthenticated("no portal session", location="portal_session")
    session, invitation, study_id = found
    now = db.clock()
    ending = None
    if invitation.revoked_at is not None:
        ending = "revoked"
    elif now - session.last_seen_at > policy.idle:
        ending = "idle_timeout"
    elif now - session.created_at > policy.absolute:
        ending = "absolute_timeout"
    actor = f"portal:{study_id}:session-{session.id}"
    if ending is not None:

        def end(uow: ResearchUnitOfWork) -> None:
            PortalRepository(uow).end_session(session.id, ending)
            _log(uow, "portal.session.end", ending, "")

        db.run(end, actor=actor)
        raise NotAuthenticated(
            "the portal session has ended", location="portal_session", detail={"reason": ending}
        )
    if now - session.last_seen_at >= _TOUCH_EVERY:
        db.run(lambda uow: PortalRepository(uow).touch_session(session.id), actor=actor)
    return PortalPrincipal(session.id, session.participant_id, study_id, session.csrf_token)


def sign_out_portal(db: Database, token: str) -> None:
    """End the portal session ``token``; unknown or ended tokens are ignored."""
    if not token:
        return

    def work(uow: ResearchUnitOfWork) -> None:
        repo = PortalRepository(uow)
        session = repo.session(_session_digest(token))
        if session is not None and session.ended_at is None:
            repo.end_session(session.id, "signed_out")
            _log(uow, "portal.sign_out", "passed", "")

    db.run(work, actor="portal")


# -- due questionnaires ------------------------------------------------------------------------


def _scheduled(protocol: Protocol, visit: Visit) -> list[Assessment]:
    return [
        a for a in protocol.assessments if a.id in visit.assessments and a.respondent == "patient"
    ]


def _instrument_of(assessment: Assessment) -> str | None:
    try:
        return pro.scoring_instrument(assessment)
    except InvalidInput:
        return None


def _due(
    uow: ResearchUnitOfWork, principal: PortalPrincipal
) -> tuple[ParticipantRecord, Protocol, list[tuple[Visit, str, Assessment | None, date]]]:
    """The participant's due (visit, instrument, questionnaire assessment, closing day)."""
    participant = uow.participants.get(principal.study_id)
    if participant.id != principal.participant_id:  # pragma: no cover - ids never change
        raise NotFound("no such participant", location="participant")
    protocol, _ = current_protocol(uow, participant.trial_slug)
    facts = uow.outcomes.facts(participant)
    today = local_date(uow.now())
    states = participant_schedule(
        protocol.visits, schedule_input(uow, participant, protocol, facts), today=today
    )
    rated = {r.visit_id for r in uow.outcomes.ratings(participant)}
    repo = PortalRepository(uow)
    out: list[tuple[Visit, str, Assessment | None, date]] = []
    visits = {v.id: v for v in protocol.visits}
    for state in states:
        window = state.visit.window
        if window is None or not window.contains(today):
            continue
        if state.status in {VisitStatus.MISSED, VisitStatus.NOT_REQUIRED}:
            continue
        visit = visits[state.visit.visit_id]
        scheduled = _scheduled(protocol, visit)
        if visit.id not in rated and any(a.kind in {"nrs", "global_impression"} for a in scheduled):
            out.append((visit, TARGET_SYMPTOM, None, window.closes_on))
        for assessment in scheduled:
            if assessment.kind != "questionnaire":
                continue
            instrument = _instrument_of(assessment)
            if instrument is None or not repo.texts(participant.site_code, instrument):
                continue
            if not uow.outcomes.questionnaire_exists(participant, assessment.id, visit.id):
                out.append((visit, assessment.id, assessment, window.closes_on))
    return participant, protocol, out


def due_questionnaires(db: Database, principal: PortalPrincipal) -> list[DueQuestionnaire]:
    """The questionnaires the participant can answer now, with any saved draft."""

    def work(uow: ResearchUnitOfWork) -> list[DueQuestionnaire]:
        participant, _, due = _due(uow, principal)
        drafts = {
            (d.visit_id, d.instrument): d.id for d in PortalRepository(uow).drafts(participant.id)
        }
        out = []
        for visit, instrument, assessment, closes in due:
            out.append(
                DueQuestionnaire(
                    visit_id=visit.id,
                    visit_label=visit.label,
                    closes_on=closes,
                    instrument=instrument,
                    name=assessment.name if assessment is not None else TARGET_SYMPTOM,
                    draft_id=drafts.get((visit.id, instrument)),
                )
            )
        return out

    return db.run(work, actor=principal.actor, read_only=True)


def _form(
    uow: ResearchUnitOfWork,
    principal: PortalPrincipal,
    visit_id: str,
    instrument: str,
    language: str,
) -> QuestionnaireForm:
    participant, protocol, due = _due(uow, principal)
    match = next(((v, a) for v, i, a, _ in due if v.id == visit_id and i == instrument), None)
    if match is None:
        raise NotFound("no such questionnaire is due", location="questionnaire")
    visit, assessment = match
    draft = PortalRepository(uow).draft(participant.id, visit.id, instrument)
    answers = draft.answers if draft is not None else {}
    draft_id = draft.id if draft is not None else None
    if assessment is None:
        scheduled = _scheduled(protocol, visit)
        nrs = next((a for a in scheduled if a.kind == "nrs"), None)
        baseline = pro.baseline_visit(protocol).id == visit.id
        chosen = next(
            (r.symptom for r in uow.outcomes.ratings(participant) if r.visit_id != visit.id),
            None,
        )
        low, high = nrs_bounds(nrs) if nrs is not None else (0, 10)
        return QuestionnaireForm(
            visit_id=visit.id,
            visit_label=visit.label,
            instrument=TARGET_SYMPTOM,
            name=TARGET_SYMPTOM,
            baseline=baseline,
            symptom_choices=(pro.symptom_categories(protocol) or ()) if baseline else (),
            symptom=chosen,
            ask_nrs=nrs is not None,
            nrs_low=low,
            nrs_high=high,
            ask_impression=any(a.kind == "global_impression" for a in scheduled),
            ask_analgesic=(
                not baseline
                and nrs is not None
                and protocol.analysis.responder is not None
                and protocol.analysis.responder.analgesic_rule_applies(chosen)
            ),
            answers=answers,
            draft_id=draft_id,
        )
    scoring = pro.scoring_instrument(assessment)
    loaded = PortalRepository(uow).texts(participant.site_code, scoring)
    texts = next((t for t in loaded if t.language == language), loaded[0])
    return QuestionnaireForm(
        visit_id=visit.id,
        visit_label=visit.label,
        instrument=assessment.id,
        name=assessment.name,
        items=_items(texts, INSTRUMENT_ITEMS[scoring]),
        text_language=texts.language,
        answers=answers,
        draft_id=draft_id,
    )


def _items(texts: InstrumentTextRecord, highest: Mapping[int, int]) -> tuple[PortalItem, ...]:
    items = texts.texts.get("items", {})
    choices = texts.texts.get("choices", {})
    out = []
    for number in sorted(highest):
        top = highest[number]
        labels = choices.get(str(top), {})
        out.append(
            PortalItem(
                number,
                str(items.get(str(number), "")),
                tuple((v, str(labels.get(str(v), v))) for v in range(1, top + 1)),
            )
        )
    return tuple(out)


def questionnaire_form(
    db: Database, principal: PortalPrincipal, *, visit_id: str, instrument: str, language: str
) -> QuestionnaireForm:
    """The form of a due questionnaire with its saved draft; :class:`NotFound` when the
    participant has no such questionnaire due."""
    return db.run(
        lambda uow: _form(uow, principal, visit_id, instrument, language),
        actor=principal.actor,
        read_only=True,
    )


def find_draft(db: Database, principal: PortalPrincipal, draft_id: int) -> DraftRecord:
    """The participant's draft ``draft_id``; :class:`NotFound` for anyone else's."""

    def work(uow: ResearchUnitOfWork) -> DraftRecord | None:
        return PortalRepository(uow).draft_by_id(principal.participant_id, draft_id)

    draft = db.run(work, actor=principal.actor, read_only=True)
    if draft is None:
        raise NotFound(f"no draft {draft_id}", location="draft_id")
    return draft


def _clean(form: QuestionnaireForm, answers: Mapping[str, str]) -> dict[str, str]:
    allowed = set(form.fields())
    return {
        key: str(value).strip()[:_MAX_ANSWER]
        for key, value in answers.items()
        if key in allowed and str(value).strip()
    }


def save_draft(
    db: Database,
    principal: PortalPrincipal,
    *,
    visit_id: str,
    instrument: str,
    answers: Mapping[str, str],
) -> DraftRecord:
    """Keep the participant's partial answers to a due questionnaire (audited)."""

    def work(uow: ResearchUnitOfWork) -> DraftRecord:
        form = _form(uow, principal, visit_id, instrument, "en")
        return PortalRepository(uow).save_draft(
            principal.participant_id, visit_id, instrument, _clean(form, answers)
        )

    return db.run(work, actor=principal.actor, reason="partial answers saved by the participant")


def _number(value: str | None) -> object:
    """A whole number typed or chosen as text, else the text (which the PRO service refuses
    with its located message)."""
    if value is not None and re.fullmatch(r"-?\d{1,3}", value):
        return int(value)
    return value


def _missing(name: str, reason: str = "required") -> InvalidInput:
    return InvalidInput(f"answer {name}", location=name, detail={"reason": reason})


def submit(
    db: Database,
    principal: PortalPrincipal,
    *,
    visit_id: str,
    instrument: str,
    answers: Mapping[str, str],
) -> None:
    """Submit a due questionnaire through the PRO service (validated, audited with the portal
    session as actor) and forget its draft. Unanswered required questions are refused with a
    located :class:`InvalidInput` whose ``detail["fields"]`` lists every one."""

    def work(uow: ResearchUnitOfWork) -> None:
        form = _form(uow, principal, visit_id, instrument, "en")
        given = _clean(form, answers)
        entry = open_own_entry(uow, principal.study_id)
        if form.instrument == TARGET_SYMPTOM:
            missing = [name for name in form.fields() if name not in given]
            if missing:
                raise InvalidInput(
                    "answer every question",
                    location=missing[0],
                    detail={"reason": "required", "fields": missing},
                )
            analgesic = given.get("analgesic_increased")
            pro.add_symptom_rating(
                uow,
                entry,
                visit_id=visit_id,
                nrs=_number(given.get("nrs")),
                global_impression=given.get("global_impression"),
                analgesic_increased=None if analgesic is None else analgesic == "yes",
                symptom=given.get("symptom"),
            )
        else:
            responses: dict[int, object] = {
                int(name.removeprefix("item_")): _number(value) for name, value in given.items()
            }
            if not responses:
                raise _missing("item_1", "nothing_answered")
            try:
                pro.add_questionnaire(
                    uow, entry, assessment_id=instrument, responses=responses, visit_id=visit_id
                )
            except InvalidInput as error:
                location = error.location or ""
                found = re.search(r"\d+", location)
                if found is None:
                    raise
                raise InvalidInput(
                    str(error), location=f"item_{found.group()}", detail=error.detail
                ) from error
        PortalRepository(uow).delete_draft(principal.participant_id, visit_id, instrument)

    db.run(work, actor=principal.actor, reason="questionnaire submitted by the participant")


# -- licensed questionnaire texts --------------------------------------------------------------


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidInput(
            "give a text of 1-500 characters", location=where, detail={"reason": "bad_text"}
        )
    return value.strip()


def load_instrument_texts(
    db: Database,
    *,
    actor: str,
    site_code: str,
    instrument: str,
    language: str,
    document: Mapping[str, Any],
    licence: str | None = None,
    reason: str = "licensed questionnaire texts loaded",
) -> InstrumentTextRecord:
    """Store a site's licensed texts of ``instrument`` (``qlq_c30``, ``qlq_c15_pal``) in
    ``language`` (a data manager or sponsor administrator whose grant covers the site; audited;
    replaces earlier texts of that language).

    ``document`` is ``{"items": {"1": text, ...}, "choices": {"4": {"1": label, ...}, ...}}``:
    a text for every item, and for each answer scale used (keyed by its highest answer) labels
    of at least its lowest and highest answers.
    """
    if instrument not in INSTRUMENT_ITEMS:
        raise InvalidInput(
            f"texts can be loaded for {', '.join(INSTRUMENT_ITEMS)}, not {instrument!r}",
            location="instrument",
        )
    if not _LANGUAGE.match(language):
        raise InvalidInput("a language code such as nb or en", location="language")
    highest = INSTRUMENT_ITEMS[instrument]
    items = document.get("items")
    choices = document.get("choices")
    if not isinstance(items, Mapping) or not isinstance(choices, Mapping):
        raise InvalidInput('give "items" and "choices" objects', location="document")
    unknown = set(map(str, items)) - {str(n) for n in highest}
    if unknown:
        raise InvalidInput(
            f"{instrument} has no items {', '.join(sorted(unknown))}", location="items"
        )
    clean_items = {str(n): _text(items.get(str(n)), f"items[{n}]") for n in sorted(highest)}
    clean_choices: dict[str, dict[str, str]] = {}
    for top in sorted(set(highest.values())):
        labels = choices.get(str(top))
        if not isinstance(labels, Mapping):
            raise InvalidInput(
                f"give the labels of the 1-{top} answer scale", location=f"choices[{top}]"
            )
        clean_choices[str(top)] = {
            str(v): _text(labels.get(str(v)), f"choices[{top}][{v}]")
            for v in range(1, top + 1)
            if v in (1, top) or str(v) in labels
        }

    def work(uow: ResearchUnitOfWork) -> InstrumentTextRecord:
        user = acting_user(uow, actor)
        uow.sites.get(site_code)
        if not (
            user.active
            and any(g.role in TEXT_ROLES and g.site_code in (None, site_code) for g in user.grants)
        ):
            raise PermissionDenied(
                f"{actor!r} may not load questionnaire texts for {site_code}",
                location="actor",
            )
        return PortalRepository(uow).save_texts(
            site_code,
            instrument,
            language,
            {"items": clean_items, "choices": clean_choices},
            licence,
        )

    return db.run(work, actor=actor, reason=reason)

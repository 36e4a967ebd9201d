"""Use cases: screen a person against the protocol's criteria, close a screening, the log.

Screening records the person in the trial's screening log (a new screening id such as
``OUS-S0007``, numbered per site) and evaluates the protocol version in force against their
screening data (:mod:`radtrial.trial.eligibility`). The evaluation is stored with the version's
id and content hash, the data it used, the investigators' confirmations and every criterion's
result with its reasons. Screening the same person again (``screening_id``) adds a new
evaluation: the new values are laid over the last evaluation's data, and earlier confirmations
are kept with who gave them, so missing data can be completed and confirmations added one at a
time. The latest evaluation is the one registration relies on.

A screened person who will not be included for a reason other than eligibility is *closed*:
they declined, or another reason (stated). The screening log lists every screening with its
derived outcome (:mod:`radtrial.trial.screening`) and gives the CONSORT counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from radtrial.errors import Conflict, InvalidInput, PermissionDenied, SiteNotActivated
from radtrial.protocol import Protocol
from radtrial.services.access import (
    ENROLMENT_ROLES,
    INVESTIGATOR_ROLES,
    acting_user,
    require_site_role,
    visible_sites,
)
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    ClosureRecord,
    EvaluationRecord,
    ProtocolVersionRecord,
    ScreeningLogRow,
    ScreeningRecord,
)
from radtrial.store.repositories.enrolment import TrialSiteState
from radtrial.store.types import format_utc
from radtrial.trial.eligibility import (
    EligibilityResult,
    ScreeningStatus,
    confirmable_criteria,
    evaluate,
    parse_screening_data,
    screening_data_to_json,
)
from radtrial.trial.screening import (
    ClosureReason,
    ConsortCounts,
    ScreeningEntry,
    ScreeningOutcome,
    consort_counts,
    screening_outcome,
)
from radtrial.trial.sites import SITE_TIMEZONE

__all__ = [
    "RECRUITING_STATUSES",
    "ScreeningLog",
    "ScreeningResult",
    "close_screening",
    "local_today",
    "require_recruiting",
    "screen",
    "screening_log",
]

#: Trial-site statuses in which a site may screen, register and randomise.
RECRUITING_STATUSES = frozenset({"recruiting", "enrolling_by_invitation"})


def local_today(db: Database) -> date:
    """Today's date at the sites (their time zone, ADR 0020), by the database's clock.

    Not the server's zone: a server on UTC would refuse a screening typed at 00:30 in Oslo as
    dated in the future.
    """
    return db.clock().astimezone(ZoneInfo(SITE_TIMEZONE)).date()


def require_recruiting(site: TrialSiteState, action: str) -> None:
    """Refuse with :class:`SiteNotActivated` unless the site recruits for the trial."""
    if site.status not in RECRUITING_STATUSES or "recruiting" not in site.roles:
        raise SiteNotActivated(
            f"site {site.site_code} is not activated for recruitment in {site.trial_slug} "
            f"(status {site.status.replace('_', ' ')}, roles {', '.join(site.roles) or 'none'}); "
            f"cannot {action}",
            location="site",
            detail={"site": site.site_code, "status": site.status, "roles": list(site.roles)},
        )


def check_date(value: date, today: date, field: str) -> date:
    """``value``, refused if it lies after ``today``."""
    if value > today:
        raise InvalidInput(f"{value.isoformat()} is in the future", location=field)
    return value


@dataclass(frozen=True)
class ScreeningResult:
    """A stored evaluation, with the screening and the protocol version it used."""

    screening: ScreeningRecord
    evaluation: EvaluationRecord
    result: EligibilityResult
    protocol_version: ProtocolVersionRecord
    created: bool


def screen(
    db: Database,
    *,
    actor: str,
    trial_slug: str,
    data: Mapping[str, object],
    site_code: str | None = None,
    screening_id: str | None = None,
    confirm: Sequence[str] = (),
    screened_on: date | None = None,
) -> ScreeningResult:
    """Screen a new person at ``site_code``, or screen ``screening_id`` again.

    ``data`` maps screening-field names to values (JSON types, or text as typed on the command
    line); ``confirm`` lists criteria the acting investigator confirms. Refusals, with nothing
    written: :class:`PermissionDenied` (not an investigator or research nurse at the site;
    confirming without being an investigator), :class:`SiteNotActivated` (a new screening at a
    site not recruiting), :class:`InvalidInput` (unknown field, wrong type, a confirmation of a
    criterion that needs none), :class:`Conflict` (re-screening a closed screening).
    """
    if (site_code is None) == (screening_id is None):
        raise InvalidInput(
            "give a site for a new screening or a screening id to screen again",
            location="site",
        )
    today = local_today(db)
    on = check_date(screened_on or today, today, "screened_on")
    confirmations = tuple(
        dict.fromkeys(c.strip()[:1].upper() + c.strip()[1:] for c in confirm if c.strip())
    )

    def work(uow: ResearchUnitOfWork) -> ScreeningResult:
        user = acting_user(uow, actor)
        protocol, version = current_protocol(uow, trial_slug)
        enrolment = uow.enrolment
        previous_data: dict[str, Any] = {}
        previous_confirmations: dict[str, Any] = {}
        if screening_id is not None:
            screening = enrolment.screening(trial_slug, screening_id)
            require_site_role(user, ENROLMENT_ROLES, trial_slug, screening.site_code, "screen")
            closure = enrolment.closure(screening)
            if closure is not None:
                raise Conflict(
                    f"screening {screening.screening_id} was closed ({closure.reason}) on "
                    f"{closure.closed_on.isoformat()}; screen the person as a new screening",
                    location="screening_id",
                )
            latest = enrolment.latest_evaluation(screening)
            if latest is not None:
                previous_data = dict(latest.data)
                previous_confirmations = dict(latest.confirmations)
            created = False
        else:
            assert site_code is not None
            require_site_role(user, ENROLMENT_ROLES, trial_slug, site_code, "screen")
            require_recruiting(enrolment.trial_site(trial_slug, site_code), "screen")
            screening = None
            created = True
        if confirmations:
            require_site_role(
                user,
                INVESTIGATOR_ROLES,
                trial_slug,
                site_code or (screening.site_code if screening else ""),
                "confirm eligibility criteria",
            )
        known = {c.id for c in protocol.eligibility.criteria()}
        kept = {c: v for c, v in previous_confirmations.items() if c in known}
        merged_data = {**_known_fields(protocol, previous_data), **dict(data)}
        values = parse_screening_data(protocol.eligibility, merged_data)
        candidate = set(kept) | set(confirmations)
        # Confirmations carried over from an earlier evaluation stay valid only while the
        # criterion still asks for one (an amendment may have replaced it with a data rule).
        confirmable = confirmable_criteria(protocol.eligibility)
        valid = {c for c in candidate if c in confirmations or c in confirmable}
        result = evaluate(protocol.eligibility, values, valid)
        stamp = {"by": actor, "at": format_utc(uow.now())}
        recorded = {c: kept[c] for c in sorted(valid) if c in kept and c not in confirmations}
        recorded.update(dict.fromkeys(confirmations, stamp))
        if screening is None:
            assert site_code is not None
            screening = enrolment.add_screening(
                trial_slug=trial_slug, site_code=site_code, screened_on=on, screened_by=actor
            )
        evaluation = enrolment.add_evaluation(
            screening,
            protocol_version_id=version.id,
            protocol_hash=version.content_hash,
            data=screening_data_to_json(values),
            confirmations=dict(sorted(recorded.items())),
            results=result.to_json(),
            status=result.status.value,
            eligible=result.eligible,
        )
        return ScreeningResult(screening, evaluation, result, version, created)

    return db.run(work, actor=actor)


def _known_fields(protocol: Protocol, data: Mapping[str, Any]) -> dict[str, Any]:
    """Earlier data restricted to the fields the protocol in force still has."""
    names = {f.name for f in protocol.eligibility.fields}
    return {k: v for k, v in data.items() if k in names}


def close_screening(
    db: Database,
    *,
    actor: str,
    trial_slug: str,
    screening_id: str,
    reason: ClosureReason,
    note: str | None = None,
    closed_on: date | None = None,
) -> ClosureRecord:
    """Record that the screened person will not be included: declined, or another reason.

    ``other`` needs a note saying why. Raises :class:`Conflict` for a screening already closed
    or registered.
    """
    text = (note or "").strip() or None
    if reason is ClosureReason.OTHER and text is None:
        raise InvalidInput("say why the person is not included", location="note")
    today = local_today(db)
    on = check_date(closed_on or today, today, "closed_on")

    def work(uow: ResearchUnitOfWork) -> ClosureRecord:
        user = acting_user(uow, actor)
        screening = uow.enrolment.screening(trial_slug, screening_id)
        require_site_role(
            user, ENROLMENT_ROLES, trial_slug, screening.site_code, "close a screening"
        )
        registration = uow.enrolment.registration_of_screening(screening)
        if registration is not None:
            raise Conflict(
                f"screening {screening.screening_id} led to registration "
                f"{registration.participant.study_id}; record a withdrawal instead",
                location="screening_id",
            )
        if uow.enrolment.closure(screening) is not None:
            raise Conflict(
                f"screening {screening.screening_id} is already closed", location="screening_id"
            )
        return uow.enrolment.add_closure(screening, reason=reason.value, note=text, closed_on=on)

    return db.run(work, actor=actor)


@dataclass(frozen=True)
class ScreeningLog:
    """The screening log of a trial (or some of its sites), with CONSORT counts."""

    trial_slug: str
    sites: tuple[str, ...] | None
    rows: tuple[ScreeningLogRow, ...]
    outcomes: tuple[ScreeningOutcome, ...]
    counts: ConsortCounts
    counts_by_site: Mapping[str, ConsortCounts]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, as ``radtrial screening-log --json`` prints it."""
        return {
            "trial": self.trial_slug,
            "sites": None if self.sites is None else list(self.sites),
            "consort": self.counts.to_json(),
            "consort_by_site": {s: c.to_json() for s, c in self.counts_by_site.items()},
            "screenings": [
                {
                    "screening_id": row.screening.screening_id,
                    "site": row.screening.site_code,
                    "screened_on": row.screening.screened_on.isoformat(),
                    "screened_by": row.screening.screened_by,
                    "outcome": outcome.value,
                    "criteria_not_met": list(row.criteria_not_met),
                    "closure": None
                    if row.closure is None
                    else {
                        "reason": row.closure.reason,
                        "note": row.closure.note,
                        "closed_on": row.closure.closed_on.isoformat(),
                    },
                    "consented": row.consented,
                    "study_id": row.study_id,
                    "arm": row.arm_code,
                }
                for row, outcome in zip(self.rows, self.outcomes, strict=True)
            ],
        }


def _entry(row: ScreeningLogRow) -> tuple[ScreeningOutcome, ScreeningEntry]:
    closure = None if row.closure is None else ClosureReason(row.closure.reason)
    outcome = screening_outcome(ScreeningStatus(row.status), closure, row.study_id is not None)
    return outcome, ScreeningEntry(
        row.screening.site_code, outcome, row.criteria_not_met, row.arm_code
    )


def screening_log(
    db: Database, *, actor: str, trial_slug: str, site_code: str | None = None
) -> ScreeningLog:
    """Every screening of the trial the actor may see (or of ``site_code``), with counts.

    A user whose roles in the trial are tied to sites sees only those sites; asking for
    another site is a :class:`PermissionDenied`.
    """

    def work(uow: ResearchUnitOfWork) -> ScreeningLog:
        user = acting_user(uow, actor)
        uow.trials.get(trial_slug)
        allowed = visible_sites(user, trial_slug)
        if allowed is not None and not allowed:
            raise PermissionDenied(
                f"{user.username!r} has no role in {trial_slug}", location="actor"
            )
        if site_code is not None:
            if allowed is not None and site_code not in allowed:
                raise PermissionDenied(
                    f"{user.username!r} may not see the screening log of {site_code} in "
                    f"{trial_slug}",
                    location="site",
                )
            sites: frozenset[str] | None = frozenset({site_code})
        else:
            sites = allowed
        rows = uow.enrolment.screening_log(trial_slug, sites)
        pairs = [_entry(row) for row in rows]
        entries = [entry for _, entry in pairs]
        by_site = {
            code: consort_counts(e for e in entries if e.site_code == code)
            for code in sorted({e.site_code for e in entries})
        }
        return ScreeningLog(
            trial_slug=trial_slug,
            sites=None if sites is None else tuple(sorted(sites)),
            rows=tuple(rows),
            outcomes=tuple(outcome for outcome, _ in pairs),
            counts=consort_counts(entries),
            counts_by_site=by_site,
        )

    return db.run(work, actor=actor, read_only=True)

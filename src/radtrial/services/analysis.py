"""Endpoint analyses from the recorded data (issue 7 item 8): ``radtrial analyse TRIAL``.

Everything is computed by existing code: the participants' dates and time-to-event rows by
:func:`radtrial.services.outcomes.endpoints.follow_up_facts` and
:func:`radtrial.trial.time_to_event.time_to_event`, responder status by
:func:`radtrial.services.outcomes.pro.responder_view`, maximum CTCAE grades by
:mod:`radtrial.clinical.ctcae`, and every statistic by :mod:`radtrial.stats`.

Populations (the protocol's ``[analysis]`` ids):

* ``itt``: randomised participants, in the arm they were allocated to;
* ``treated``: participants with at least one delivered fraction;
* ``pp``: the ITT (randomised trial) or treated population restricted to participants whose
  course has every fraction delivered (none still planned) and no unresolved major deviation;
  in a trial with a responder definition also the primary assessment made (an NRS at the
  responder visit).

Who may analyse: a data manager, monitor, unblinded statistician or sponsor administrator
(:data:`ANALYSIS_ROLES`), over the participants at the sites the grant covers. The trials are
open-label, so nothing is blinded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from radtrial.clinical.ctcae import categories_from_protocol, max_grade_by_category
from radtrial.errors import InvalidInput, NotFound, PermissionDenied
from radtrial.protocol import Protocol
from radtrial.services.access import acting_user
from radtrial.services.outcomes._context import require_assessment
from radtrial.services.outcomes.adverse_events import as_adverse_event
from radtrial.services.outcomes.endpoints import follow_up_facts
from radtrial.services.outcomes.pro import ResponderView, responder_view
from radtrial.services.policy import covers
from radtrial.services.protocol_versions import current_protocol
from radtrial.stats import (
    CumulativeIncidence,
    KaplanMeier,
    LandmarkTest,
    LogRankTest,
    farrington_manning,
    proportion,
    risk_difference,
)
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import ParticipantRecord, Role, UserRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.time_to_event import DAYS_PER_MONTH, Endpoint, TimeToEvent, time_to_event

__all__ = ["ANALYSIS_ROLES", "ParticipantData", "TrialAnalysis", "analyse"]

#: Roles that may run the endpoint analyses of a trial.
ANALYSIS_ROLES = frozenset(
    {Role.DATA_MANAGER, Role.MONITOR, Role.UNBLINDED_STATISTICIAN, Role.SPONSOR_ADMIN}
)

CONFIDENCE = 0.95


@dataclass(frozen=True)
class ParticipantData:
    """What the analyses need of one participant."""

    study_id: str
    site_code: str
    arm_code: str | None
    randomised: bool
    treated: bool
    per_protocol_course: bool
    times: tuple[TimeToEvent, ...]
    responder: ResponderView | None
    max_grades: dict[str, int]
    not_evaluable: str | None = None


@dataclass(frozen=True)
class TrialAnalysis:
    """A trial's endpoint tables for one population, as JSON-ready dictionaries."""

    trial_slug: str
    population: str
    population_label: str
    population_definition: str
    participants: int
    excluded: tuple[tuple[str, str], ...]
    conventions: tuple[str, ...]
    tables: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The analysis as plain JSON values."""
        return {
            "trial": self.trial_slug,
            "population": {
                "id": self.population,
                "label": self.population_label,
                "definition": self.population_definition,
                "participants": self.participants,
                "excluded": [{"study_id": s, "reason": why} for s, why in self.excluded],
            },
            "conventions": list(self.conventions),
            "tables": self.tables,
            "notes": list(self.notes),
        }


def _number(value: Any) -> float | None:
    """A finite float, or None (NaN and infinities are not JSON)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _analysis_sites(user: UserRecord, trial_slug: str) -> list[tuple[str | None, str | None]]:
    return [
        (g.trial_slug, g.site_code)
        for g in user.grants
        if user.active and g.role in ANALYSIS_ROLES and g.trial_slug in (None, trial_slug)
    ]


def _participant_data(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, protocol: Protocol
) -> ParticipantData:
    facts = uow.outcomes.facts(participant)
    today = local_date(uow.now())
    responder = responder_view(
        protocol,
        facts,
        uow.outcomes.ratings(participant),
        uow.outcomes.missed_visits(participant),
        today,
    )
    course = uow.course.get(participant)
    delivered = planned = 0
    major = False
    if course is not None:
        fractions = uow.course.fractions(course.id)
        delivered = sum(f.status == "delivered" for f in fractions)
        planned = sum(f.status == "planned" for f in fractions)
        major = any(
            d.severity == "major" and d.resolved_at is None
            for d in uow.course.deviations(course.id)
        )
    try:
        categories = categories_from_protocol(require_assessment(protocol, "toxicity"))
    except InvalidInput:
        categories = ()
    events = [as_adverse_event(e) for e in uow.outcomes.adverse_events(participant)]
    grades = {k: g.grade for k, g in max_grade_by_category(events, categories).items()}
    endpoints = [Endpoint.OS]
    if any(a.kind == "tumour_response" for a in protocol.assessments):
        endpoints = [Endpoint.LPFS, Endpoint.PFS, Endpoint.OS]
    times: tuple[TimeToEvent, ...] = ()
    not_evaluable = None
    try:
        dates = follow_up_facts(uow, participant, protocol, facts)
        times = tuple(time_to_event(dates, e) for e in endpoints)
    except InvalidInput as exc:
        not_evaluable = exc.message
    return ParticipantData(
        study_id=participant.study_id,
        site_code=participant.site_code,
        arm_code=participant.arm_code,
        randomised=facts.randomised_on is not None,
        treated=delivered > 0,
        per_protocol_course=delivered > 0 and planned == 0 and not major,
        times=times,
        responder=responder,
        max_grades=grades,
        not_evaluable=not_evaluable,
    )


def _in_population(
    data: ParticipantData, population: str, randomised_trial: bool
) -> tuple[bool, str]:
    """Whether the participant is in ``population``, with the reason when not."""
    if randomised_trial and not (data.randomised and data.arm_code):
        return False, "not randomised"
    if population == "itt":
        return True, ""
    if population == "treated":
        return (True, "") if data.treated else (False, "no fraction delivered")
    if not data.per_protocol_course:
        return False, "course incomplete or with an unresolved major deviation"
    if data.responder is not None and data.responder.visit_nrs is None:
        return False, f"no primary assessment at {data.responder.visit}"
    return True, ""


def _survival(
    rows: Sequence[TimeToEvent], endpoint: Endpoint, landmark: float | None = None
) -> dict[str, Any]:
    """KM of one endpoint in months: n, events, median with CI (log band) and S(landmark)."""
    picked = [r for r in rows if r.endpoint is endpoint]
    durations = np.array([r.days / DAYS_PER_MONTH for r in picked], dtype=float)
    events = np.array([int(r.event) for r in picked], dtype=int)
    out: dict[str, Any] = {"n": len(picked), "events": int(events.sum())}
    if not picked:
        out["median_months"] = None
        return out
    km = KaplanMeier(conf_type="log", conf_level=CONFIDENCE).fit(durations, events)
    median = km.quantile(0.5)
    out["median_months"] = {
        "estimate": _number(median.time),
        "lower": _number(median.lower),
        "upper": _number(median.upper),
    }
    if landmark is not None:
        at = KaplanMeier(conf_type="log-log", conf_level=CONFIDENCE).fit(durations, events)
        s = at.survival_at([landmark])
        out["survival_at_landmark"] = {
            "months": landmark,
            "estimate": _number(s["survival"][0]),
            "lower": _number(s["ci_lower"][0]),
            "upper": _number(s["ci_upper"][0]),
        }
    return out


def _logrank(rows: Sequence[TimeToEvent], arms: dict[str, str | None]) -> dict[str, Any] | None:
    picked = [r for r in rows if arms.get(r.study_id)]
    groups = [str(arms[r.study_id]) for r in picked]
    if len(set(groups)) < 2 or not any(r.event for r in picked):
        return None
    test = LogRankTest().fit(
        [r.days / DAYS_PER_MONTH for r in picked], [int(r.event) for r in picked], groups
    )
    return {
        "chi_square": _number(test.chi_square_),
        "df": int(test.df_),
        "p_value": _number(test.p_value_),
        "observed": {str(g): _number(o) for g, o in zip(test.groups_, test.observed_, strict=True)},
        "expected": {str(g): _number(e) for g, e in zip(test.groups_, test.expected_, strict=True)},
    }


def _responder_table(
    members: Sequence[ParticipantData], protocol: Protocol, population: str
) -> tuple[dict[str, Any], list[str]]:
    """Responders per arm, p_A − p_B with the Newcombe interval and the FM test."""
    primary = protocol.analysis.primary
    notes: list[str] = []
    counts: dict[str, list[int]] = {}
    not_counted: list[dict[str, str]] = []
    arm_codes = [a.code for a in protocol.arms]
    for code in arm_codes:
        counts[code] = [0, 0]
    for data in members:
        view = data.responder
        if view is None or data.arm_code is None:
            continue
        status = view.status
        if status == "pending" or status == "excluded":
            not_counted.append({"study_id": data.study_id, "status": status})
            continue
        if status not in {"responder", "non_responder"}:
            if population != "itt":
                not_counted.append({"study_id": data.study_id, "status": status})
                continue
            notes.append(f"{data.study_id}: {status} counted as non-responder (ITT)")
        counts[data.arm_code][1] += 1
        counts[data.arm_code][0] += int(status == "responder")
    arms: dict[str, Any] = {}
    for code, (x, n) in counts.items():
        if n == 0:
            arms[code] = {"n": 0, "responders": 0, "proportion": None}
            continue
        wilson = proportion(x, n, method="wilson", confidence=CONFIDENCE)
        exact = proportion(x, n, method="clopper_pearson", confidence=CONFIDENCE)
        arms[code] = {
            "n": n,
            "responders": x,
            "proportion": _number(wilson.estimate),
            "wilson": [_number(wilson.lower), _number(wilson.upper)],
            "clopper_pearson": [_number(exact.lower), _number(exact.upper)],
        }
    table: dict[str, Any] = {"arms": arms, "not_counted": not_counted}
    exp, ctl = arm_codes[0], arm_codes[1]
    (x_e, n_e), (x_c, n_c) = counts[exp], counts[ctl]
    if n_e == 0 or n_c == 0:
        notes.append("risk difference and FM test need evaluable participants in both arms")
        table["risk_difference"] = None
        table["noninferiority"] = None
        return table, notes
    rd = risk_difference(x_e, n_e, x_c, n_c, method="newcombe", confidence=CONFIDENCE)
    table["risk_difference"] = {
        "direction": f"p_{exp} - p_{ctl} (p_exp - p_ctl, {exp} experimental, {ctl} control)",
        "estimate": _number(rd.estimate),
        "lower": _number(rd.lower),
        "upper": _number(rd.upper),
        "method": "Newcombe hybrid score",
        "confidence": CONFIDENCE,
    }
    if primary.method == "farrington_manning" and primary.margin is not None:
        fm = farrington_manning(x_e, n_e, x_c, n_c, primary.margin, primary.alpha)
        table["noninferiority"] = {
            "test": "Farrington-Manning score test",
            "hypothesis": f"H0: p_{exp} - p_{ctl} <= -{primary.margin:g}",
            "margin": primary.margin,
            "alpha": primary.alpha,
            "sided": "one-sided",
            "z": _number(np.asarray(fm.z)),
            "p_value": _number(np.asarray(fm.p_value)),
            "reject": bool(np.asarray(fm.reject)),
        }
    return table, notes


def _competing(rows: Sequence[TimeToEvent], landmark: float) -> dict[str, Any] | None:
    """CIF of local progression (cause 1) with death (cause 2) competing, at the landmark."""
    picked = [r for r in rows if r.endpoint is Endpoint.LPFS]
    if not picked:
        return None
    codes = {"local_progression": 1, "death": 2}
    durations = [r.days / DAYS_PER_MONTH for r in picked]
    causes = [codes.get(r.event_kind or "", 0) if r.event else 0 for r in picked]
    if not any(causes):
        return {"local_progression": 0, "death_first": 0, "cumulative_incidence": None}
    cif = CumulativeIncidence(conf_type="log", conf_level=CONFIDENCE).fit(durations, causes)
    out: dict[str, Any] = {
        "local_progression": causes.count(1),
        "death_first": causes.count(2),
    }
    if 1 in cif.causes_:
        at = cif.cumulative_incidence_at([landmark], cause=1)
        out["cumulative_incidence"] = {
            "months": landmark,
            "estimate": _number(at["cumulative_incidence"][0]),
            "std_err": _number(at["std_err"][0]),
            "lower": _number(at["ci_lower"][0]),
            "upper": _number(at["ci_upper"][0]),
        }
    else:
        out["cumulative_incidence"] = {"months": landmark, "estimate": 0.0}
    return out


def _toxicity(members: Sequence[ParticipantData], arms: bool) -> dict[str, Any]:
    """Participants by maximum grade per category (per arm in a randomised trial)."""
    table: dict[str, dict[str, dict[str, int]]] = {}
    for data in members:
        group = (data.arm_code or "all") if arms else "all"
        for category, grade in data.max_grades.items():
            cell = table.setdefault(category, {}).setdefault(group, {})
            cell[str(grade)] = cell.get(str(grade), 0) + 1
    return table


def analyse(
    db: Database, *, actor: str, trial_slug: str, population: str | None = None
) -> TrialAnalysis:
    """The primary and secondary endpoint tables of ``trial_slug`` in ``population`` (the
    protocol's primary population when None). Refused (:class:`PermissionDenied`) for a user
    without an analysis role in the trial; :class:`InvalidInput` for a population the protocol
    does not define."""

    def work(uow: ResearchUnitOfWork) -> TrialAnalysis:
        user = acting_user(uow, actor)
        if not uow.outcomes.trial_exists(trial_slug):
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        scopes = _analysis_sites(user, trial_slug)
        if not scopes:
            raise PermissionDenied(
                f"{actor!r} has no role that may analyse {trial_slug} "
                f"({', '.join(sorted(r.value for r in ANALYSIS_ROLES))})",
                location="actor",
                detail={"action": "trial.analyse", "trial": trial_slug},
            )
        protocol, _ = current_protocol(uow, trial_slug)
        analysis = protocol.analysis
        chosen = population or analysis.primary.population
        defined = {p.id: p for p in analysis.populations}
        if chosen not in defined:
            raise InvalidInput(
                f"{trial_slug} defines the populations {', '.join(defined)}, not {chosen!r}",
                location="population",
                detail={"reason": "unknown_population"},
            )
        randomised_trial = protocol.randomisation is not None
        grants = [g for g in user.grants if g.role in ANALYSIS_ROLES]
        members: list[ParticipantData] = []
        excluded: list[tuple[str, str]] = []
        for participant in uow.outcomes.participants(trial_slug):
            if not any(covers(g, trial_slug, participant.site_code) for g in grants):
                continue
            data = _participant_data(uow, participant, protocol)
            inside, why = _in_population(data, chosen, randomised_trial)
            if inside:
                members.append(data)
            else:
                excluded.append((data.study_id, why))
        return _tables(trial_slug, protocol, chosen, members, excluded)

    return db.run(work, actor=actor, read_only=True)


def _tables(
    trial_slug: str,
    protocol: Protocol,
    population: str,
    members: list[ParticipantData],
    excluded: list[tuple[str, str]],
) -> TrialAnalysis:
    analysis = protocol.analysis
    primary = analysis.primary
    defined = {p.id: p for p in analysis.populations}[population]
    rows = [t for d in members for t in d.times]
    arms = {d.study_id: d.arm_code for d in members}
    randomised = protocol.randomisation is not None
    conventions = [
        "time in months = days / (365.25/12), from "
        + ("randomisation" if randomised else "registration"),
        "PFS/LPFS without event censored at the last tumour assessment; OS at last contact",
        f"KM medians: R survfit rule, {CONFIDENCE:.0%} limits where the log band crosses",
        "AE tables: participants by maximum CTCAE grade per protocol category (0 = none)",
    ]
    notes = [f"{d.study_id}: not evaluable ({d.not_evaluable})" for d in members if d.not_evaluable]
    tables: dict[str, Any] = {}
    if analysis.responder is not None:
        arm_codes = [a.code for a in protocol.arms]
        conventions += [
            f"responder: {analysis.responder.definition}",
            f"death before {analysis.responder.visit}: "
            f"{analysis.responder.death_before_visit.replace('_', '-')} (protocol)",
            "ITT: a missing primary assessment (no baseline, missed visit) counts as "
            "non-responder; PP: only participants assessed at the primary visit",
            "pending (visit not over) and protocol-excluded participants are not counted",
            f"proportions: {CONFIDENCE:.0%} Wilson and Clopper-Pearson intervals",
            f"risk difference p_exp - p_ctl = p_{arm_codes[0]} - p_{arm_codes[1]} "
            f"({arm_codes[0]} taken as experimental), {CONFIDENCE:.0%} Newcombe hybrid score CI",
            f"non-inferiority: Farrington-Manning score test, one-sided, H0: p_exp - p_ctl <= "
            f"-margin, margin {primary.margin}, alpha {primary.alpha} (protocol)",
        ]
        table, extra = _responder_table(members, protocol, population)
        tables["primary_responders"] = table
        notes += extra
    os_by_arm: dict[str, Any] = {}
    if randomised:
        for arm in protocol.arms:
            arm_rows = [r for r in rows if arms.get(r.study_id) == arm.code]
            os_by_arm[arm.code] = _survival(arm_rows, Endpoint.OS)
        tables["overall_survival"] = {
            "by_arm": os_by_arm,
            "logrank": _logrank([r for r in rows if r.endpoint is Endpoint.OS], arms),
        }
        conventions.append("log-rank: R survdiff (rho = 0), two-sided chi-square")
    else:
        tables["overall_survival"] = _survival(rows, Endpoint.OS)
    if primary.method == "landmark_survival" and primary.landmark_months and primary.s0:
        landmark = float(primary.landmark_months)
        lpfs = _survival(rows, Endpoint.LPFS, landmark)
        picked = [r for r in rows if r.endpoint is Endpoint.LPFS]
        test: dict[str, Any] | None = None
        if picked:
            fitted = LandmarkTest(
                landmark=landmark,
                null_survival=primary.s0,
                transform="log-log",
                alternative="greater",
                conf_level=CONFIDENCE,
            ).fit([r.days / DAYS_PER_MONTH for r in picked], [int(r.event) for r in picked])
            test = {
                "hypothesis": f"H0: S({landmark:g} months) <= {primary.s0}",
                "s0": primary.s0,
                "alpha": primary.alpha,
                "sided": "one-sided (greater)",
                "transform": "log-log",
                "survival": _number(fitted.survival_),
                "lower": _number(fitted.ci_lower_),
                "upper": _number(fitted.ci_upper_),
                "z": _number(fitted.statistic_),
                "p_value": _number(fitted.p_value_),
                "reject": bool(math.isfinite(fitted.p_value_) and fitted.p_value_ <= primary.alpha),
            }
        lpfs["landmark_test"] = test
        tables["primary_lpfs"] = lpfs
        tables["progression_free_survival"] = _survival(rows, Endpoint.PFS)
        tables["local_progression_cumulative_incidence"] = _competing(rows, landmark)
        conventions += [
            f"S({landmark:g} months): Kaplan-Meier with Greenwood variance, {CONFIDENCE:.0%} "
            "log-log pointwise CI",
            f"landmark test (Klein 2007): z on the log-log scale, one-sided, H0: S(t0) <= s0 = "
            f"{primary.s0}, alpha {primary.alpha} (protocol)",
            "local progression: Aalen-Johansen cumulative incidence with death before local "
            f"progression as the competing event (from the recorded event kinds), {CONFIDENCE:.0%}"
            " log CI on F itself",
        ]
    tables["toxicity_max_grade"] = _toxicity(members, randomised)
    return TrialAnalysis(
        trial_slug=trial_slug,
        population=population,
        population_label=defined.label,
        population_definition=defined.definition,
        participants=len(members),
        excluded=tuple(excluded),
        conventions=tuple(conventions),
        tables=tables,
        notes=tuple(notes),
    )

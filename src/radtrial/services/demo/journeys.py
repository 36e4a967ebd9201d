"""Participants' stories, step by step through the real services.

Each story is a generator (a :data:`~radtrial.services.demo.clock.Journey`): it yields the
moment of its next step, and when the timeline resumes it at that moment (the clock showing it)
it takes the step through the same service a user's request would call. So every record is
validated, authorised and audited as in real use.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from radtrial.clinical.recist import Modality, TargetLesion
from radtrial.services import consent, randomisation, registration, screening
from radtrial.services.course import (
    accept_compensation,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
)
from radtrial.services.demo.accounts import site_actor
from radtrial.services.demo.clock import Timeline
from radtrial.services.demo.cohort import Person, Stage
from radtrial.services.demo.patients import (
    PALLSOFT_CONFIRM,
    PROSARC2_CONFIRM,
    pallsoft_data,
    prosarc2_data,
)
from radtrial.services.outcomes import adverse_events, biobank, ecog, pro, tumour
from radtrial.store.database import Database
from radtrial.trial.screening import ClosureReason

__all__ = ["Story", "journey"]

_MISS_REASONS = (
    "admitted with fever",
    "transport cancelled by snow",
    "too unwell to attend",
    "linac breakdown",
)
_ADVERSE_EVENTS = {
    "pallsoft": ("Diarrhea", "Proctitis", "Fatigue", "Cystitis noninfective", "Nausea"),
    "prosarc2": ("Dermatitis radiation", "Fatigue", "Pain"),
}


@dataclass
class Story:
    """What the stories share: the database, the timeline, the seed and the freezer slots."""

    db: Database
    timeline: Timeline
    seed: int
    slots: dict[str, int] = field(default_factory=dict)

    def rng(self, person: Person) -> random.Random:
        """The person's own random stream (independent of the order stories interleave)."""
        return random.Random(self.seed * 1_000 + person.number)  # noqa: S311 - simulation, not secrets

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.timeline.moment(day, hour, minute)

    def position(self, site: str) -> tuple[str, str, str, str]:
        """The next free (freezer, rack, box, position) in the site's biobank freezer."""
        used = self.slots.get(site, 0)
        self.slots[site] = used + 1
        box, slot = divmod(used, 81)
        row, column = divmod(slot, 9)
        return f"{site}-F1", "R1", f"B{box + 1}", f"{'ABCDEFGHI'[row]}{column + 1}"


def journey(story: Story, person: Person) -> Iterator[datetime]:
    """The person's story, in the trial they are screened for."""
    if person.trial == "pallsoft":
        return _pallsoft(story, person)
    return _prosarc2(story, person)


def _enrol(story: Story, person: Person, rng: random.Random) -> Iterator[datetime]:
    """Screening, consent (or refusal) and registration: the steps both trials share."""
    db, day = story.db, person.screened_on
    investigator = site_actor(person.site)
    start = person.start or day + timedelta(days=7 if person.trial == "pallsoft" else 14)
    person.start = start
    yield story.at(day, 9, rng.randrange(0, 50))
    make = pallsoft_data if person.trial == "pallsoft" else prosarc2_data
    data = make(rng, day, start, person.ineligible)
    screened = screening.screen(
        db,
        actor=investigator,
        trial_slug=person.trial,
        site_code=person.site,
        data=data,
        confirm=PALLSOFT_CONFIRM if person.trial == "pallsoft" else PROSARC2_CONFIRM,
    )
    person.screening_id = screened.screening.screening_id
    person.symptom = str(data.get("target_symptom_category", "pain"))
    person.nrs = int(data.get("target_symptom_nrs", 5))
    if not screened.result.eligible:
        person.stage = Stage.INELIGIBLE
        person.reasons = tuple(r.criterion_id for r in screened.result.blocking())
        return
    person.stage = Stage.SCREENED
    if person.goal is Stage.SCREENED:
        return
    yield story.at(day, 10, rng.randrange(0, 30))
    if person.goal is Stage.DECLINED:
        screening.close_screening(
            db,
            actor=investigator,
            trial_slug=person.trial,
            screening_id=person.screening_id,
            reason=ClosureReason.DECLINED,
            note="did not want to take part after reading the information",
        )
        person.stage = Stage.DECLINED
        return
    consent.record_consent(
        db,
        actor=investigator,
        trial_slug=person.trial,
        screening_id=person.screening_id,
        document_version="1.0",
        consented_on=day,
        optional={"biobank": True} if person.trial == "prosarc2" else {},
    )
    person.stage = Stage.CONSENTED
    if person.goal is Stage.CONSENTED:
        return
    yield story.at(day, 10, rng.randrange(35, 59))
    registered = registration.register(
        db, actor=investigator, trial_slug=person.trial, screening_id=person.screening_id
    )
    person.study_id = registered.participant.study_id
    person.stage = Stage.REGISTERED


def _pallsoft(story: Story, person: Person) -> Iterator[datetime]:
    db, rng = story.db, story.rng(person)
    yield from _enrol(story, person, rng)
    if person.stage is not Stage.REGISTERED or person.goal is Stage.REGISTERED:
        return
    assert person.study_id is not None
    study_id, day, nurse = person.study_id, person.screened_on, site_actor(person.site, nurse=True)
    yield story.at(day, 11, rng.randrange(0, 59))
    allocation = randomisation.randomise(db, actor=site_actor(person.site), study_id=study_id)
    person.arm = allocation.allocation.arm_code
    person.stage = Stage.RANDOMISED
    baseline = person.nrs
    pro.record_symptom(
        db,
        actor=nurse,
        study_id=study_id,
        visit_id="baseline",
        symptom=person.symptom,
        nrs=baseline,
    )
    ecog.record_ecog(
        db, actor=nurse, study_id=study_id, status=rng.randint(0, 2), visit_id="baseline"
    )
    if person.goal is Stage.RANDOMISED:
        return
    first, last = yield from _course(story, person, rng, {"ptv": 8.0 if person.arm == "A" else 5.0})
    responder = rng.random() < 0.6
    yield story.at(last, 15, rng.randrange(0, 59))
    pro.record_symptom(
        db,
        actor=nurse,
        study_id=study_id,
        visit_id="end_of_rt",
        nrs=max(0, baseline - 1),
        analgesic_increased=False,
    )
    yield from _adverse_event(story, person, rng, first)
    for visit, days, drop in (("week_4", 28, 2), ("week_8", 56, 3), ("week_12", 84, 3)):
        on = first + timedelta(days=days + rng.randint(-3, 3))
        yield story.at(on, 10, rng.randrange(0, 59))
        nrs = max(0, baseline - drop - rng.randint(0, 2)) if responder else baseline
        pro.record_symptom(
            db,
            actor=nurse,
            study_id=study_id,
            visit_id=visit,
            nrs=nrs,
            global_impression="improved" if responder else "unchanged",
            analgesic_increased=False,
        )
        if visit != "week_12":
            ecog.record_ecog(
                db, actor=nurse, study_id=study_id, status=rng.randint(1, 2), visit_id=visit
            )


def _course(
    story: Story, person: Person, rng: random.Random, doses: dict[str, float]
) -> Generator[datetime, None, tuple[date, date]]:
    """Plan the course, then deliver each fraction on its day, missing ``person.miss`` (and
    accepting gap compensation if ``person.compensate``); returns the first and last day."""
    db, study_id = story.db, person.study_id
    assert study_id is not None
    assert person.start is not None
    site = person.treating_site or person.site
    nurse = site_actor(site, nurse=True)
    yield story.at(person.screened_on, 14, rng.randrange(0, 59))
    plan = plan_participant_course(
        db, actor=nurse, study_id=study_id, start=person.start, site_code=person.treating_site
    )
    days = {f.number: f.planned_date for f in plan.fractions}
    machine = f"{site}-PT-G1" if person.trial == "prosarc2" else f"{site}-LA{rng.randint(1, 3)}"
    missed = False
    delivered: list[date] = []
    while days:
        number = min(days, key=lambda n: (days[n], n))
        on = days.pop(number)
        yield story.at(on, 8 + rng.randrange(0, 7), rng.randrange(0, 59))
        if number == person.miss and not missed:
            missed = True
            result = miss_fraction(
                db,
                actor=nurse,
                study_id=study_id,
                fraction=number,
                reason=rng.choice(_MISS_REASONS),
            )
            days.update({m.number: m.to_day for m in result.moves})
            if person.compensate and result.gaps is not None and result.gaps.options:
                accept_compensation(
                    db,
                    actor=site_actor(site),
                    study_id=study_id,
                    option=1,
                    reason="the added fraction keeps the course within the protocol's time",
                )
            continue
        deliver_fraction(
            db,
            actor=nurse,
            study_id=study_id,
            fraction=number,
            doses=doses,
            machine=machine,
            site_code=person.treating_site,
        )
        delivered.append(on)
        person.stage = Stage.ON_TREATMENT
    person.stage = Stage.FOLLOW_UP
    return delivered[0], delivered[-1]


def _adverse_event(
    story: Story, person: Person, rng: random.Random, first: date
) -> Iterator[datetime]:
    """Most participants report an adverse event a week or two after the first fraction."""
    if rng.random() < 0.3:
        return
    onset = first + timedelta(days=rng.randint(4, 14))
    recorded = onset + timedelta(days=rng.randint(1, 6))
    yield story.at(recorded, 13, rng.randrange(0, 59))
    grade = rng.choice((1, 1, 2, 2, 3))
    adverse_events.record_adverse_event(
        story.db,
        actor=site_actor(person.site),
        study_id=person.study_id or "",
        term=rng.choice(_ADVERSE_EVENTS[person.trial]),
        grade=grade,
        onset_on=onset,
        attribution=rng.choice(("possible", "probable", "definite", "unlikely")),
    )


def _prosarc2(story: Story, person: Person) -> Iterator[datetime]:
    db, rng = story.db, story.rng(person)
    yield from _enrol(story, person, rng)
    if person.stage is not Stage.REGISTERED:
        return
    assert person.study_id is not None
    study_id, day, nurse = person.study_id, person.screened_on, site_actor(person.site, nurse=True)
    person.arm = "A"
    index_mm = float(rng.randint(60, 130))
    lung_mm = float(rng.randint(12, 20))
    targets = [
        TargetLesion(
            "T1",
            rng.choice(("thigh", "retroperitoneum", "buttock")),
            index_mm,
            modality=Modality.MRI,
            irradiated_index=True,
        )
    ]
    if person.progression:
        targets.append(TargetLesion("T2", "lung", lung_mm))
    yield story.at(day, 13, rng.randrange(0, 59))
    tumour.record_baseline(
        db,
        actor=site_actor(person.site),
        study_id=study_id,
        assessed_on=day,
        targets=targets,
        visit_id="baseline",
    )
    ecog.record_ecog(
        db, actor=nurse, study_id=study_id, status=rng.randint(0, 1), visit_id="baseline"
    )
    _samples(story, person, "baseline", "BL")
    if person.goal is Stage.REGISTERED:
        return
    first, last = yield from _course(story, person, rng, {"target": 3.5, "boost": 5.0})
    yield story.at(last, 15, rng.randrange(0, 59))
    ecog.record_ecog(db, actor=nurse, study_id=study_id, status=1, visit_id="end_of_rt")
    _samples(story, person, "end_of_rt", "EOT")
    yield from _adverse_event(story, person, rng, first)
    month_3 = first + timedelta(days=91 + rng.randint(-5, 5))
    yield story.at(month_3, 11, rng.randrange(0, 59))
    nadir = round(index_mm * 0.75, 1)
    sizes = {"T1": nadir}
    if person.progression:
        sizes["T2"] = lung_mm
    tumour.record_follow_up(
        db,
        actor=site_actor(person.site),
        study_id=study_id,
        assessed_on=month_3,
        sizes=sizes,
        visit_id="month_3",
    )
    if not person.progression:
        return
    month_6 = first + timedelta(days=182 + rng.randint(-5, 5))
    yield story.at(month_6, 11, rng.randrange(0, 59))
    result = tumour.record_follow_up(
        db,
        actor=site_actor(person.site),
        study_id=study_id,
        assessed_on=month_6,
        sizes={"T1": round(nadir * 1.3 + 5, 1), "T2": lung_mm},
        visit_id="month_6",
    )
    if any(e.kind == "local_progression" for e in result.events):
        person.stage = Stage.PROGRESSED


def _samples(story: Story, person: Person, visit: str, code: str) -> None:
    """Plasma and serum drawn at the visit, in aliquots stored in the site's freezer."""
    site = person.site
    nurse = site_actor(person.site, nurse=True)
    for sample_type, short in (("plasma", "PL"), ("serum", "SE")):
        collected = biobank.collect_sample(
            story.db,
            actor=nurse,
            study_id=person.study_id or "",
            label=f"{person.study_id}-{short}-{code}",
            sample_type=sample_type,
            visit_id=visit,
            processing="centrifuged 2000 g, 10 min, 4 °C",
            volume_ml=4.0,
            aliquots=2,
            aliquot_volume_ml=1.5,
        )
        for aliquot in collected[1:]:
            freezer, rack, box, position = story.position(site)
            biobank.store_sample(
                story.db,
                actor=nurse,
                label=aliquot.label,
                freezer=freezer,
                rack=rack,
                box=box,
                position=position,
            )

"""Who the demo participants are: the stage each one's story reaches, at which site, and how far
back it starts.

The plan is fixed; the patients' data, the randomised arms and the PRO scores come from the
seed. A story stops at its planned stage, or where today cuts it off (a course that started
two days ago is half delivered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from radtrial.services.demo.clock import Timeline

__all__ = ["Person", "Stage", "plan_cohort"]


class Stage(StrEnum):
    """How far a demo participant has come, in the order of the trial pathway."""

    INELIGIBLE = "ineligible"
    DECLINED = "declined"
    SCREENED = "screened"
    CONSENTED = "consented"
    REGISTERED = "registered"
    RANDOMISED = "randomised"
    ON_TREATMENT = "on_treatment"
    FOLLOW_UP = "follow_up"
    PROGRESSED = "progressed"


@dataclass
class Person:
    """One simulated person: the plan of their story (set before it is replayed) and where it
    got to (set while it is replayed)."""

    number: int
    trial: str
    site: str
    goal: Stage
    screened_on: date
    start: date | None = None  # the first fraction's day (None: a week after screening)
    ineligible: str | None = None  # the criterion the person fails
    miss: int | None = None  # the fraction the person misses
    compensate: bool = False  # whether the investigator accepts gap compensation
    progression: bool = False  # PROSARC-2: the irradiated tumour progresses at 6 months
    treating_site: str | None = None
    stage: Stage | None = None
    screening_id: str | None = None
    study_id: str | None = None
    arm: str | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)
    symptom: str = "pain"  # the target symptom and its NRS at screening
    nrs: int = 5


def plan_cohort(timeline: Timeline) -> list[Person]:
    """The demo cohort, dated back from the timeline's today."""
    people: list[Person] = []
    day, weekdays_before = timeline.day, timeline.weekdays_before

    def add(
        trial: str,
        site: str,
        goal: Stage,
        days_ago: int = 0,
        *,
        start: date | None = None,
        ineligible: str | None = None,
        miss: int | None = None,
        compensate: bool = False,
        progression: bool = False,
        treating_site: str | None = None,
    ) -> None:
        screened = day(days_ago) if start is None else start - timedelta(days=7)
        people.append(
            Person(
                len(people) + 1,
                trial,
                site,
                goal,
                screened,
                start=start,
                ineligible=ineligible,
                miss=miss,
                compensate=compensate,
                progression=progression,
                treating_site=treating_site,
            )
        )

    p, s = "pallsoft", "prosarc2"
    # OUS, the demo research nurse's hospital: every stage.
    add(p, "OUS", Stage.INELIGIBLE, 96, ineligible="ecog")
    add(p, "OUS", Stage.INELIGIBLE, 31, ineligible="survival")
    add(p, "OUS", Stage.DECLINED, 52)
    add(p, "OUS", Stage.SCREENED, 1)
    add(p, "OUS", Stage.CONSENTED, 1)
    add(p, "OUS", Stage.REGISTERED, 2)
    add(p, "OUS", Stage.RANDOMISED, 1)
    add(p, "OUS", Stage.FOLLOW_UP, start=weekdays_before(2), miss=2)
    add(p, "OUS", Stage.FOLLOW_UP, start=weekdays_before(3), miss=2, compensate=True)
    add(p, "OUS", Stage.FOLLOW_UP, start=weekdays_before(1))
    add(p, "OUS", Stage.FOLLOW_UP, 118, miss=3, compensate=True)
    add(p, "OUS", Stage.FOLLOW_UP, 101)
    add(p, "OUS", Stage.FOLLOW_UP, 74)
    add(p, "OUS", Stage.FOLLOW_UP, 44)
    # Other PALLSOFT hospitals.
    add(p, "HUS", Stage.INELIGIBLE, 61, ineligible="sarcoma")
    add(p, "HUS", Stage.DECLINED, 19)
    add(p, "HUS", Stage.REGISTERED, 3)
    add(p, "HUS", Stage.RANDOMISED, 2)
    add(p, "HUS", Stage.FOLLOW_UP, start=weekdays_before(3), miss=1)
    add(p, "HUS", Stage.FOLLOW_UP, 92)
    add(p, "HUS", Stage.FOLLOW_UP, 66)
    add(p, "SUS", Stage.INELIGIBLE, 40, ineligible="mild_symptom")
    add(p, "SUS", Stage.SCREENED, 4)
    add(p, "SUS", Stage.FOLLOW_UP, start=weekdays_before(2))
    add(p, "SUS", Stage.FOLLOW_UP, 109)
    add(p, "SUS", Stage.FOLLOW_UP, 80)
    add(p, "STO", Stage.INELIGIBLE, 70, ineligible="bone_metastasis")
    add(p, "STO", Stage.RANDOMISED, 5)
    add(p, "STO", Stage.FOLLOW_UP, 99)
    add(p, "STO", Stage.FOLLOW_UP, 58)
    add(p, "STO", Stage.FOLLOW_UP, 35)
    add(p, "UNN", Stage.DECLINED, 25)
    add(p, "UNN", Stage.FOLLOW_UP, start=weekdays_before(1))
    add(p, "UNN", Stage.FOLLOW_UP, 86)
    add(p, "UNN", Stage.FOLLOW_UP, 62)
    # PROSARC-2: recruited at OUS, treated with protons at OUS or HUS.
    monday = day(0) - timedelta(days=day(0).weekday() + 14)  # two weeks ago
    add(s, "OUS", Stage.INELIGIBLE, 150, ineligible="histology")
    add(s, "OUS", Stage.INELIGIBLE, 41, ineligible="pacemaker")
    add(s, "OUS", Stage.DECLINED, 33)
    add(s, "OUS", Stage.PROGRESSED, 262, progression=True, treating_site="OUS")
    add(s, "OUS", Stage.FOLLOW_UP, 143, treating_site="HUS")
    add(s, "OUS", Stage.FOLLOW_UP, 60, treating_site="OUS")
    add(s, "OUS", Stage.FOLLOW_UP, start=monday, miss=3, treating_site="HUS")
    add(s, "OUS", Stage.REGISTERED, 3)
    return people

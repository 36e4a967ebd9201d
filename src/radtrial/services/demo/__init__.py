"""The demo: a fresh database with both bundled trials, a user for every role, and a few dozen
simulated participants at every stage of the trial pathway.

Everything goes through the real services (loading the protocols, adding users, screening,
consent, registration, randomisation, the radiotherapy course, PROs, adverse events, RECIST,
ECOG and the biobank), so the demo shows what a trial team would see and its audit trail
verifies. The history is replayed on a simulated clock (:mod:`.clock`) from about nine months
ago up to the moment the build started, so nothing is dated in the future. The patients' data
come from a seeded random stream: the same seed on the same day gives the same demo. Demo
passwords are printed and are not secret: a demo database is for trying radtrial out, never for
real data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from radtrial.services import randomisation, trials
from radtrial.services.demo.accounts import (
    DEMO_ACTOR,
    DEMO_PASSWORD,
    DEMO_USERS,
    DemoUser,
    add_accounts,
)
from radtrial.services.demo.clock import DemoClock, Timeline
from radtrial.services.demo.cohort import Person, Stage, plan_cohort
from radtrial.services.demo.journeys import Story, journey
from radtrial.store.database import Database

__all__ = [
    "DEFAULT_SEED",
    "DEMO_ACTOR",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "Demo",
    "DemoParticipant",
    "DemoUser",
    "Stage",
    "build_demo",
]

#: The seed of the demo's simulated patients unless another is given.
DEFAULT_SEED = 20250106

#: How far back the demo history starts (the trials are loaded then).
HISTORY_DAYS = 300


@dataclass(frozen=True, slots=True)
class DemoParticipant:
    """A simulated person and the stage their story reached."""

    trial_slug: str
    site_code: str
    stage: Stage
    screening_id: str | None
    study_id: str | None
    arm_code: str | None
    failed_criteria: tuple[str, ...]


@dataclass(frozen=True)
class Demo:
    """What :func:`build_demo` created."""

    seed: int
    users: tuple[DemoUser, ...]
    participants: tuple[DemoParticipant, ...]
    steps: int

    def counts(self) -> Counter[tuple[str, str, Stage]]:
        """How many people reached each stage, by (trial, site, stage)."""
        return Counter((p.trial_slug, p.site_code, p.stage) for p in self.participants)


def build_demo(
    db: Database,
    *,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Demo:
    """Upgrade ``db`` and fill it with the demo (see the module docstring).

    The history ends at ``db.clock()`` read when the build starts; while it is built the
    database runs on a simulated clock, and its own clock is put back afterwards.
    ``progress(done, total)`` is called after each step of the participants' stories.
    """
    real = db.clock
    end = real()
    clock = DemoClock(end - timedelta(days=HISTORY_DAYS))
    timeline = Timeline(clock, end)
    db.clock = clock
    try:
        db.upgrade()
        clock.set(timeline.moment(timeline.day(HISTORY_DAYS), 8))
        for slug in ("pallsoft", "prosarc2"):
            trials.load_protocol(db, slug, actor=DEMO_ACTOR)
        users = add_accounts(db)
        randomisation.generate_list(db, actor="statistician", trial_slug="pallsoft", seed=seed)
        people = plan_cohort(timeline)
        story = Story(db, timeline, seed)
        for person in people:
            timeline.add(journey(story, person))
        total = _estimate(people)
        steps = timeline.run(None if progress is None else lambda done: progress(done, total))
    finally:
        db.clock = real
    return Demo(seed, tuple(users), tuple(_result(p) for p in people), steps)


def _estimate(people: list[Person]) -> int:
    """A rough count of the steps the stories take (for a progress bar)."""
    return sum(40 if p.goal in {Stage.FOLLOW_UP, Stage.PROGRESSED} else 4 for p in people)


def _result(person: Person) -> DemoParticipant:
    assert person.stage is not None, f"person {person.number}'s story never started"
    return DemoParticipant(
        trial_slug=person.trial,
        site_code=person.site,
        stage=person.stage,
        screening_id=person.screening_id,
        study_id=person.study_id,
        arm_code=person.arm,
        failed_criteria=person.reasons,
    )

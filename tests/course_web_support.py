"""A PROSARC-2 participant at OUS in the API/page/browser test world, with a research nurse who
records the fractions (PROSARC-2 gives 16 proton fractions, Monday to Thursday, to two dose
levels: ``target`` 3.5 and ``boost`` 5 Gy(RBE)).

The world's clock starts on Monday 2 March 2026 (09:00 in Oslo), the day the participant is
registered; the course is planned from that day and the clock then moved on two days and three
hours (Wednesday 4 March, 12:00 in Oslo) so that fractions are due and may be recorded delivered
or missed. Sign in after that: a session idle for 30 minutes has ended.
"""

from __future__ import annotations

from datetime import date, datetime

from radtrial.services import auth, users
from radtrial.services.course import plan_participant_course
from radtrial.services.users import GrantRequest, Role
from tests.api.support import PASSWORD, World
from tests.enrolment import enrol

NURSE = "nurse.prs.ous"
INVESTIGATOR = "inv.ous"
START = date(2026, 3, 2)
DOSES = {"target": 3.5, "boost": 5.0}
#: 09:00 in Oslo on the first planned day.
FIRST_DELIVERY = datetime.fromisoformat("2026-03-02T09:00:00+01:00")


def add_nurse(world: World) -> None:
    """A research nurse in PROSARC-2 at OUS, with TOTP."""
    users.add_user(
        world.db,
        actor="setup",
        username=NURSE,
        full_name="Research Nurse Oslo",
        email=f"{NURSE}@example.org",
        grants=[GrantRequest(Role.RESEARCH_NURSE, "prosarc2", "OUS")],
        password=PASSWORD,
    )
    auth.enrol_totp(world.db, actor="setup", username=NURSE)


def prosarc2_participant(world: World, *, planned: bool = True) -> str:
    """A registered PROSARC-2 participant at OUS (arm A), its course planned from
    :data:`START` and the clock moved on to Wednesday noon unless ``planned`` is false;
    returns the study id."""
    registration = enrol(
        world.db,
        trial="prosarc2",
        actor=INVESTIGATOR,
        data={"planned_first_fraction_date": "2026-03-02"},
    )
    study_id = registration.participant.study_id
    if planned:
        plan_participant_course(world.db, actor=INVESTIGATOR, study_id=study_id, start=START)
        move_on(world)
    return study_id


def move_on(world: World) -> None:
    """Move the clock from Monday 2 March 09:00 to Wednesday 4 March 12:00 in Oslo."""
    world.clock.advance(days=2, hours=3)

"""Use cases of the radiotherapy course: plan it, record what happens to each fraction, compensate
missed fractions, store and acknowledge deviations, and review it with BED/EQD2 to date.

The pure rules live in :mod:`radtrial.rt` (calendar, ledger, deviations, gaps, LQ); these
functions load a participant's course from the store, apply the rules, write through the audited
unit of work and keep the stored deviations up to date after every write. See
docs/decisions/0021-course-storage.md.
"""

from radtrial.services.course.closures import ClosureResult, add_site_closure, site_closures
from radtrial.services.course.compensation import (
    CompensationResult,
    accept_compensation,
    acknowledge_deviation,
)
from radtrial.services.course.delivery import (
    CancelResult,
    DeliveryResult,
    MissResult,
    cancel_fractions,
    deliver_fraction,
    miss_fraction,
)
from radtrial.services.course.deviation_log import deviation_key
from radtrial.services.course.planning import PlanResult, plan_participant_course
from radtrial.services.course.view import CourseView, ProjectedDose, show_course
from radtrial.services.course.writing import Move

__all__ = [
    "CancelResult",
    "ClosureResult",
    "CompensationResult",
    "CourseView",
    "DeliveryResult",
    "MissResult",
    "Move",
    "PlanResult",
    "ProjectedDose",
    "accept_compensation",
    "acknowledge_deviation",
    "add_site_closure",
    "cancel_fractions",
    "deliver_fraction",
    "deviation_key",
    "miss_fraction",
    "plan_participant_course",
    "show_course",
    "site_closures",
]

"""Repositories: the only code that queries the tables, one module per noun.

Each repository works inside a :class:`~radtrial.store.unit_of_work.UnitOfWork` (its session,
actor and clock) and returns frozen records from :mod:`radtrial.store.records`. Changes go
through the ORM session, so the unit of work audits them.
"""

from radtrial.store.repositories.biobank import BiobankRepository
from radtrial.store.repositories.course import CourseRepository
from radtrial.store.repositories.enrolment import EnrolmentRepository
from radtrial.store.repositories.identities import IdentityRepository
from radtrial.store.repositories.outcomes import OutcomeRepository
from radtrial.store.repositories.participants import ParticipantRepository
from radtrial.store.repositories.randomisation import RandomisationRepository
from radtrial.store.repositories.sites import SiteRepository
from radtrial.store.repositories.trials import TrialRepository
from radtrial.store.repositories.tumours import TumourRepository
from radtrial.store.repositories.users import UserRepository

__all__ = [
    "BiobankRepository",
    "CourseRepository",
    "EnrolmentRepository",
    "IdentityRepository",
    "OutcomeRepository",
    "ParticipantRepository",
    "RandomisationRepository",
    "SiteRepository",
    "TrialRepository",
    "TumourRepository",
    "UserRepository",
]

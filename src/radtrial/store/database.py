"""The two databases behind radtrial, and how services open units of work on them.

:class:`Database` is the one object a service receives: it holds the research database and the
identity store (separate databases, GDPR art. 4(5) and 32), opens audited units of work with
their repositories, runs a unit of work again when the database reports a retryable conflict,
upgrades both schemas and verifies both audit chains. Services never see SQLAlchemy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import Self, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from radtrial.config import Settings
from radtrial.errors import InvalidInput, StorageBusy
from radtrial.store import audit, migrations
from radtrial.store.engine import DEFAULT_SQLITE_BUSY_TIMEOUT_MS, create_engine_for, redacted_url
from radtrial.store.migrations import CHAINS, Chain
from radtrial.store.repositories import (
    BiobankRepository,
    CourseRepository,
    EnrolmentRepository,
    IdentityRepository,
    OutcomeRepository,
    ParticipantRepository,
    RandomisationRepository,
    SiteRepository,
    TrialRepository,
    TumourRepository,
    UserRepository,
)
from radtrial.store.unit_of_work import AuditedSession, Clock, UnitOfWork, utc_now

__all__ = ["Database", "IdentityUnitOfWork", "ResearchUnitOfWork"]

T = TypeVar("T")
U = TypeVar("U", bound=UnitOfWork)

#: How many times :meth:`Database.run` tries a unit of work that keeps failing retryably.
DEFAULT_ATTEMPTS = 5


class ResearchUnitOfWork(UnitOfWork):
    """A unit of work on the research database, with its repositories."""

    @cached_property
    def trials(self) -> TrialRepository:
        """Trials and protocol versions."""
        return TrialRepository(self)

    @cached_property
    def sites(self) -> SiteRepository:
        """Sites and trial sites."""
        return SiteRepository(self)

    @cached_property
    def users(self) -> UserRepository:
        """Users and role grants."""
        return UserRepository(self)

    @cached_property
    def participants(self) -> ParticipantRepository:
        """Registered participants."""
        return ParticipantRepository(self)

    @cached_property
    def course(self) -> CourseRepository:
        """Radiotherapy courses: plan, fractions, missed fractions, deviations, site closures."""
        return CourseRepository(self)

    @cached_property
    def enrolment(self) -> EnrolmentRepository:
        """Screenings, eligibility evaluations, consents, registrations, withdrawals."""
        return EnrolmentRepository(self)

    @cached_property
    def randomisation(self) -> RandomisationRepository:
        """Allocation lists, allocations, planned prescriptions, optional-fraction decisions."""
        return RandomisationRepository(self)

    @cached_property
    def outcomes(self) -> OutcomeRepository:
        """Symptom ratings, questionnaires, adverse events, ECOG, clinical events, visits."""
        return OutcomeRepository(self)

    @cached_property
    def tumours(self) -> TumourRepository:
        """RECIST baselines and follow-ups."""
        return TumourRepository(self)

    @cached_property
    def biobank(self) -> BiobankRepository:
        """Samples, storage positions, shipments, custody and destruction."""
        return BiobankRepository(self)


class IdentityUnitOfWork(UnitOfWork):
    """A unit of work on the identity store, with its repository."""

    @cached_property
    def identities(self) -> IdentityRepository:
        """Identities by study id."""
        return IdentityRepository(self)


class Database:
    """The research database and the identity store, by URL.

    ``clock`` stamps every record and audit row (inject a fixed one in tests). Raises
    :class:`InvalidInput` if both URLs name the same database: the identity store must be kept
    apart from research data.
    """

    def __init__(
        self,
        research_url: str,
        identity_url: str,
        *,
        clock: Clock = utc_now,
        sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
        attempts: int = DEFAULT_ATTEMPTS,
        retry_delay_s: float = 0.05,
    ) -> None:
        if redacted_url(research_url) == redacted_url(identity_url):
            raise InvalidInput(
                "the identity store must be a different database from the research database",
                location="identity_database_url",
            )
        self.clock = clock
        self._urls: dict[Chain, str] = {"research": research_url, "identity": identity_url}
        self._engines: dict[Chain, Engine] = {
            chain: create_engine_for(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms)
            for chain, url in self._urls.items()
        }
        self._sessions: dict[Chain, sessionmaker[AuditedSession]] = {
            chain: sessionmaker(bind=engine, class_=AuditedSession, expire_on_commit=False)
            for chain, engine in self._engines.items()
        }
        self._attempts = attempts
        self._retry_delay_s = retry_delay_s

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utc_now) -> Database:
        """The databases named by ``settings`` (research_url() and identity_url())."""
        return cls(settings.research_url(), settings.identity_url(), clock=clock)

    def engine(self, chain: Chain) -> Engine:
        """The engine of the ``research`` or ``identity`` database."""
        return self._engines[chain]

    def describe(self) -> dict[Chain, str]:
        """Each database's URL with any password hidden."""
        return {chain: redacted_url(url) for chain, url in self._urls.items()}

    def unit_of_work(
        self, actor: str, reason: str | None = None, *, read_only: bool = False
    ) -> ResearchUnitOfWork:
        """A unit of work on the research database (use with ``with``)."""
        return ResearchUnitOfWork(
            self._sessions["research"],
            actor=actor,
            reason=reason,
            clock=self.clock,
            read_only=read_only,
        )

    def identity_unit_of_work(
        self, actor: str, reason: str | None = None, *, read_only: bool = False
    ) -> IdentityUnitOfWork:
        """A unit of work on the identity store (use with ``with``).

        Callers must have checked that ``actor`` may see identities (see
        :mod:`radtrial.services.identity`).
        """
        return IdentityUnitOfWork(
            self._sessions["identity"],
            actor=actor,
            reason=reason,
            clock=self.clock,
            read_only=read_only,
        )

    def _retrying(self, open_uow: Callable[[], U], work: Callable[[U], T]) -> T:
        attempt = 1
        while True:
            try:
                with open_uow() as uow:
                    return work(uow)
            except StorageBusy:
                if attempt >= self._attempts:
                    raise
            time.sleep(self._retry_delay_s * 2 ** (attempt - 1))
            attempt += 1

    def run(
        self,
        work: Callable[[ResearchUnitOfWork], T],
        *,
        actor: str,
        reason: str | None = None,
        read_only: bool = False,
    ) -> T:
        """Run ``work`` in a research unit of work and commit; returns what ``work`` returns.

        When the database reports a retryable failure (:class:`StorageBusy`: SQLite busy,
        PostgreSQL serialization failure or deadlock), the transaction has been rolled back and
        ``work`` runs again in a new one, up to ``attempts`` times with exponential back-off.
        ``work`` must therefore have no effects outside the unit of work.
        """
        return self._retrying(lambda: self.unit_of_work(actor, reason, read_only=read_only), work)

    def run_identity(
        self,
        work: Callable[[IdentityUnitOfWork], T],
        *,
        actor: str,
        reason: str | None = None,
        read_only: bool = False,
    ) -> T:
        """Like :meth:`run`, on the identity store."""
        return self._retrying(
            lambda: self.identity_unit_of_work(actor, reason, read_only=read_only), work
        )

    def upgrade(self) -> dict[Chain, str | None]:
        """Upgrade both databases to the newest schema; returns each one's revision."""
        return {chain: migrations.upgrade_engine(self._engines[chain], chain) for chain in CHAINS}

    def verify_audit(
        self, chain: Chain, checkpoint: audit.Checkpoint | None = None
    ) -> audit.AuditReport:
        """Verify the audit chain of one database (see :func:`radtrial.store.audit.verify`)."""
        return audit.verify(self._engines[chain], checkpoint)

    def close(self) -> None:
        """Close every pooled connection of both databases."""
        for engine in self._engines.values():
            engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

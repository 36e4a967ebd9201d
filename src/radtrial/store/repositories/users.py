"""User accounts and their role grants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from radtrial.errors import Conflict, NotFound
from radtrial.store.records import GrantRecord, Role, UserRecord
from radtrial.store.tables import RoleGrantRow, SiteRow, TrialRow, UserRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["UserRepository"]


class UserRepository:
    """Users by username, with the roles granted to them per trial and site."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _find(self, username: str) -> UserRow | None:
        return self._uow.session.scalars(
            select(UserRow).where(UserRow.username == username)
        ).first()

    def _require(self, username: str) -> UserRow:
        row = self._find(username)
        if row is None:
            raise NotFound(f"no user {username!r}", location="username")
        return row

    def _grants(self, user_ids: list[int]) -> dict[int, list[GrantRecord]]:
        trial, site = aliased(TrialRow), aliased(SiteRow)
        rows = self._uow.session.execute(
            select(RoleGrantRow.user_id, RoleGrantRow.role, trial.slug, site.code)
            .outerjoin(trial, trial.id == RoleGrantRow.trial_id)
            .outerjoin(site, site.id == RoleGrantRow.site_id)
            .where(RoleGrantRow.user_id.in_(user_ids))
            .order_by(RoleGrantRow.user_id, RoleGrantRow.role, trial.slug, site.code)
        )
        out: dict[int, list[GrantRecord]] = {user_id: [] for user_id in user_ids}
        for user_id, role, trial_slug, site_code in rows:
            out[user_id].append(GrantRecord(role=role, trial_slug=trial_slug, site_code=site_code))
        return out

    def _record(self, row: UserRow, grants: list[GrantRecord]) -> UserRecord:
        return UserRecord(
            id=row.id,
            username=row.username,
            full_name=row.full_name,
            email=row.email,
            active=row.active,
            has_password=row.password_hash is not None,
            created_at=row.created_at,
            grants=tuple(grants),
        )

    def add(
        self, *, username: str, full_name: str, email: str, password_hash: str | None
    ) -> UserRecord:
        """Create an active user with no grants; raises :class:`Conflict` if the name is taken.

        ``password_hash`` is an argon2id PHC string made by the caller, or None for an account
        that cannot log in with a password.
        """
        if self._find(username) is not None:
            raise Conflict(f"user {username!r} already exists", location="username")
        row = UserRow(
            username=username,
            full_name=full_name,
            email=email,
            password_hash=password_hash,
            active=True,
            created_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return self._record(row, [])

    def grant(
        self,
        *,
        username: str,
        role: Role,
        trial_slug: str | None = None,
        site_code: str | None = None,
    ) -> GrantRecord:
        """Grant ``role`` to ``username`` in one trial (or all) at one site (or all).

        Raises :class:`NotFound` for an unknown user, trial or site and :class:`Conflict` if
        the same grant exists.
        """
        session = self._uow.session
        user = self._require(username)
        trial_id = site_id = None
        if trial_slug is not None:
            trial_id = session.scalars(
                select(TrialRow.id).where(TrialRow.slug == trial_slug)
            ).first()
            if trial_id is None:
                raise NotFound(f"no trial {trial_slug!r}", location="trial")
        if site_code is not None:
            site_id = session.scalars(select(SiteRow.id).where(SiteRow.code == site_code)).first()
            if site_id is None:
                raise NotFound(f"no site {site_code!r}", location="site")
        existing = session.scalars(
            select(RoleGrantRow.id).where(
                RoleGrantRow.user_id == user.id,
                RoleGrantRow.role == role,
                RoleGrantRow.trial_id.is_(None)
                if trial_id is None
                else RoleGrantRow.trial_id == trial_id,
                RoleGrantRow.site_id.is_(None)
                if site_id is None
                else RoleGrantRow.site_id == site_id,
            )
        ).first()
        if existing is not None:
            raise Conflict(
                f"user {username!r} already has role {role.value}"
                f" in {trial_slug or 'every trial'} at {site_code or 'every site'}",
                location="role",
            )
        session.add(RoleGrantRow(user_id=user.id, role=role, trial_id=trial_id, site_id=site_id))
        session.flush()
        return GrantRecord(role=role, trial_slug=trial_slug, site_code=site_code)

    def get(self, username: str, *, lock: bool = False) -> UserRecord:
        """The user ``username`` with grants; raises :class:`NotFound`.

        ``lock`` takes a row lock on PostgreSQL (SQLite's write transaction already excludes
        other writers), so a check-then-update on the result cannot race another edit.
        """
        row = self._locked(username) if lock else self._require(username)
        return self._record(row, self._grants([row.id])[row.id])

    def _locked(self, username: str) -> UserRow:
        row = self._uow.session.scalars(
            select(UserRow).where(UserRow.username == username).with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no user {username!r}", location="username")
        return row

    def update(
        self,
        username: str,
        *,
        full_name: str | None = None,
        email: str | None = None,
        active: bool | None = None,
    ) -> UserRecord:
        """Change the given fields of ``username`` (None: unchanged); needs the unit of work's
        reason when anything changes. Raises :class:`NotFound`."""
        row = self._require(username)
        if full_name is not None:
            row.full_name = full_name
        if email is not None:
            row.email = email
        if active is not None:
            row.active = active
        self._uow.session.flush()
        return self._record(row, self._grants([row.id])[row.id])

    def all(self) -> list[UserRecord]:
        """Every user, by username, with grants."""
        rows = list(self._uow.session.scalars(select(UserRow).order_by(UserRow.username)))
        grants = self._grants([row.id for row in rows])
        return [self._record(row, grants[row.id]) for row in rows]

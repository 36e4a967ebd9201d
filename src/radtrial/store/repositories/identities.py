"""The identity store's records: who a study id is (identity database only)."""

from __future__ import annotations

from sqlalchemy import select

from radtrial.errors import Conflict, NotFound
from radtrial.store.identity_tables import IdentityRow
from radtrial.store.records import IdentityRecord
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["IdentityRepository"]


def _record(row: IdentityRow) -> IdentityRecord:
    return IdentityRecord(
        study_id=row.study_id,
        national_id_kind=row.national_id_kind,
        national_id=row.national_id,
        given_name=row.given_name,
        family_name=row.family_name,
        phone=row.phone,
        email=row.email,
        address=row.address,
        created_at=row.created_at,
    )


class IdentityRepository:
    """Identities by study id. Callers check the acting user's right to see them."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add(
        self,
        *,
        study_id: str,
        national_id: str,
        national_id_kind: str,
        given_name: str,
        family_name: str,
        phone: str | None,
        email: str | None,
        address: str | None,
    ) -> IdentityRecord:
        """Store the identity of ``study_id``; raises :class:`Conflict` if it has one.

        The national id must already be validated (see
        :func:`radtrial.clinical.national_id.parse_national_id`).
        """
        session = self._uow.session
        if session.scalars(select(IdentityRow.id).where(IdentityRow.study_id == study_id)).first():
            raise Conflict(
                f"study id {study_id!r} already has an identity recorded", location="study_id"
            )
        row = IdentityRow(
            study_id=study_id,
            national_id=national_id,
            national_id_kind=national_id_kind,
            given_name=given_name,
            family_name=family_name,
            phone=phone,
            email=email,
            address=address,
            created_at=self._uow.now(),
        )
        session.add(row)
        session.flush()
        return _record(row)

    def get(self, study_id: str) -> IdentityRecord:
        """The identity of ``study_id``; raises :class:`NotFound`."""
        row = self._uow.session.scalars(
            select(IdentityRow).where(IdentityRow.study_id == study_id)
        ).first()
        if row is None:
            raise NotFound(f"no identity recorded for {study_id!r}", location="study_id")
        return _record(row)

"""The identity store's tables: the re-identification key, kept in a separate database.

Pseudonymisation means the additional information that links a study id to a person is "kept
separately and subject to technical and organisational measures" (GDPR art. 4(5); art. 32(1)(a)).
So national identity numbers, names and contact details live here, in a database of their own
(``Settings.identity_url()``), never in the research database. The study id is plain text: a
foreign key cannot cross databases, and the research database must not need this one to work.

The identity store keeps its own audit trail with the same hash chain, so changes to the key are
as traceable as changes to research data, and identity values never enter the research trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped

from radtrial.store.audit import audit_log_table
from radtrial.store.tables import NAMING_CONVENTION, column
from radtrial.store.types import UTCDateTime

__all__ = ["IdentityBase", "IdentityRow"]


class IdentityBase(DeclarativeBase):
    """Declarative base of the identity store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's own hook


# Part of the metadata, so that the schema comparison with the migrations covers it too.
audit_log = audit_log_table(IdentityBase.metadata)


class IdentityRow(IdentityBase):
    """Who the participant with ``study_id`` is, and how to reach them."""

    __tablename__ = "identities"

    id: Mapped[int] = column(Integer, primary_key=True)
    study_id: Mapped[str] = column(String(64), unique=True)
    national_id: Mapped[str] = column(String(11))
    national_id_kind: Mapped[str] = column(String(16))
    given_name: Mapped[str] = column(String(200))
    family_name: Mapped[str] = column(String(200))
    phone: Mapped[str | None] = column(String(32))
    email: Mapped[str | None] = column(String(254))
    address: Mapped[str | None] = column(Text)
    created_at: Mapped[datetime] = column()

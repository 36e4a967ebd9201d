"""Trials and their protocol versions."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from radtrial.errors import Conflict, InvalidInput, NotFound
from radtrial.store.records import (
    ProtocolVersionContent,
    ProtocolVersionRecord,
    TrialRecord,
    TrialSummary,
)
from radtrial.store.tables import ProtocolVersionRow, TrialRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["TrialRepository", "trial_record", "version_record"]

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def trial_record(row: TrialRow) -> TrialRecord:
    """The record of a trial row."""
    return TrialRecord(
        id=row.id,
        slug=row.slug,
        registry_id=row.registry_id,
        acronym=row.acronym,
        title=row.title,
        created_at=row.created_at,
    )


def version_record(row: ProtocolVersionRow, trial_slug: str) -> ProtocolVersionRecord:
    """The record of a protocol version row of the trial ``trial_slug``."""
    return ProtocolVersionRecord(
        id=row.id,
        trial_slug=trial_slug,
        version_label=row.version_label,
        content_hash=row.content_hash,
        loaded_at=row.loaded_at,
        loaded_by=row.loaded_by,
    )


class TrialRepository:
    """Trials by slug, and their protocol versions (latest = most recently loaded)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _find(self, slug: str) -> TrialRow | None:
        return self._uow.session.scalars(select(TrialRow).where(TrialRow.slug == slug)).first()

    def _require(self, slug: str) -> TrialRow:
        row = self._find(slug)
        if row is None:
            raise NotFound(f"no trial {slug!r}", location="trial")
        return row

    def get(self, slug: str) -> TrialRecord:
        """The trial ``slug``; raises :class:`NotFound`."""
        return trial_record(self._require(slug))

    def upsert(
        self, *, slug: str, registry_id: str | None, acronym: str, title: str
    ) -> TrialRecord:
        """Create the trial ``slug`` or bring its registry id, acronym and title up to date.

        Changing a stored value is an update and so needs the unit of work's reason
        (:class:`~radtrial.errors.ReasonRequired` otherwise); an unchanged trial writes nothing.
        Raises :class:`Conflict` if ``registry_id`` already belongs to another trial.
        """
        if registry_id is not None:
            owner = self._uow.session.scalars(
                select(TrialRow).where(TrialRow.registry_id == registry_id)
            ).first()
            if owner is not None and owner.slug != slug:
                raise Conflict(
                    f"registry id {registry_id!r} already belongs to trial {owner.slug!r}",
                    location="registry_id",
                )
        row = self._find(slug)
        if row is None:
            row = TrialRow(
                slug=slug,
                registry_id=registry_id,
                acronym=acronym,
                title=title,
                created_at=self._uow.now(),
            )
            self._uow.session.add(row)
        else:
            row.registry_id = registry_id
            row.acronym = acronym
            row.title = title
        self._uow.session.flush()
        return trial_record(row)

    def add_protocol_version(
        self,
        *,
        slug: str,
        version_label: str,
        content_hash: str,
        canonical_json: str,
        source_text: str,
    ) -> tuple[ProtocolVersionRecord, bool]:
        """Store a protocol version of trial ``slug``; returns it and whether it is new.

        Idempotent by content: if the trial already has a version with ``content_hash`` (the
        lowercase hex SHA-256 of the canonical JSON), that version is returned unchanged, under
        its stored label. A new version records the unit of work's actor and time. Raises
        :class:`NotFound` for an unknown trial, :class:`InvalidInput` for a malformed hash and
        :class:`Conflict` if ``version_label`` is already used for different content (an
        amendment needs a new label).
        """
        if not _SHA256_HEX.fullmatch(content_hash):
            raise InvalidInput(
                "must be a lowercase hexadecimal SHA-256 (64 characters)", location="content_hash"
            )
        trial = self._require(slug)
        session = self._uow.session
        same_content = session.scalars(
            select(ProtocolVersionRow).where(
                ProtocolVersionRow.trial_id == trial.id,
                ProtocolVersionRow.content_hash == content_hash,
            )
        ).first()
        if same_content is not None:
            return version_record(same_content, slug), False
        same_label = session.scalars(
            select(ProtocolVersionRow).where(
                ProtocolVersionRow.trial_id == trial.id,
                ProtocolVersionRow.version_label == version_label,
            )
        ).first()
        if same_label is not None:
            raise Conflict(
                f"trial {slug!r} already has a version {version_label!r} with other content",
                location="version_label",
            )
        row = ProtocolVersionRow(
            trial_id=trial.id,
            version_label=version_label,
            content_hash=content_hash,
            canonical_json=canonical_json,
            source_text=source_text,
            loaded_at=self._uow.now(),
            loaded_by=self._uow.actor,
        )
        session.add(row)
        session.flush()
        return version_record(row, slug), True

    def _latest_row(self, trial: TrialRow) -> ProtocolVersionRow | None:
        # Load order (id), not the clock, decides which version is latest.
        return self._uow.session.scalars(
            select(ProtocolVersionRow)
            .where(ProtocolVersionRow.trial_id == trial.id)
            .order_by(ProtocolVersionRow.id.desc())
            .limit(1)
        ).first()

    def latest_version(self, slug: str) -> ProtocolVersionRecord | None:
        """The most recently loaded version of trial ``slug``, None if it has none."""
        row = self._latest_row(self._require(slug))
        return None if row is None else version_record(row, slug)

    def versions(self, slug: str) -> list[ProtocolVersionRecord]:
        """Every version of trial ``slug``, in load order."""
        trial = self._require(slug)
        rows = self._uow.session.scalars(
            select(ProtocolVersionRow)
            .where(ProtocolVersionRow.trial_id == trial.id)
            .order_by(ProtocolVersionRow.id)
        )
        return [version_record(row, slug) for row in rows]

    def version_content(
        self, slug: str, version_label: str | None = None
    ) -> ProtocolVersionContent:
        """A version's canonical JSON and source text: ``version_label``, or the latest.

        Raises :class:`NotFound` if the trial or the version does not exist.
        """
        trial = self._require(slug)
        if version_label is None:
            row = self._latest_row(trial)
        else:
            row = self._uow.session.scalars(
                select(ProtocolVersionRow).where(
                    ProtocolVersionRow.trial_id == trial.id,
                    ProtocolVersionRow.version_label == version_label,
                )
            ).first()
        if row is None:
            which = "any protocol version" if version_label is None else repr(version_label)
            raise NotFound(f"trial {slug!r} has no {which}", location="version_label")
        return ProtocolVersionContent(
            version=version_record(row, slug),
            canonical_json=row.canonical_json,
            source_text=row.source_text,
        )

    def latest_source_text(self, slug: str) -> str:
        """The source text of the latest version of trial ``slug``; raises :class:`NotFound`."""
        return self.version_content(slug).source_text

    def list_with_latest_version(self) -> list[TrialSummary]:
        """Every trial, by slug, with its latest version (None before the first load)."""
        session = self._uow.session
        latest = (
            select(func.max(ProtocolVersionRow.id).label("id"))
            .group_by(ProtocolVersionRow.trial_id)
            .subquery()
        )
        versions = {
            row.trial_id: row
            for row in session.scalars(
                select(ProtocolVersionRow).where(ProtocolVersionRow.id.in_(select(latest.c.id)))
            )
        }
        out = []
        for trial in session.scalars(select(TrialRow).order_by(TrialRow.slug)):
            version = versions.get(trial.id)
            out.append(
                TrialSummary(
                    trial=trial_record(trial),
                    latest_version=None if version is None else version_record(version, trial.slug),
                )
            )
        return out

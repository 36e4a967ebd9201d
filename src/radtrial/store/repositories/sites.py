"""Sites and their participation in trials."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from radtrial.errors import InvalidInput, NotFound
from radtrial.store.records import SiteRecord, TrialSiteRecord
from radtrial.store.tables import ParticipantRow, SiteRow, TrialRow, TrialSiteRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["SiteRepository", "site_record"]


def site_record(row: SiteRow) -> SiteRecord:
    """The record of a site row."""
    return SiteRecord(id=row.id, code=row.code, name=row.name, city=row.city, country=row.country)


class SiteRepository:
    """Sites by code, and which trials they take part in."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _find(self, code: str) -> SiteRow | None:
        return self._uow.session.scalars(select(SiteRow).where(SiteRow.code == code)).first()

    def _require(self, code: str) -> SiteRow:
        row = self._find(code)
        if row is None:
            raise NotFound(f"no site {code!r}", location="site")
        return row

    def _require_trial(self, slug: str) -> TrialRow:
        row = self._uow.session.scalars(select(TrialRow).where(TrialRow.slug == slug)).first()
        if row is None:
            raise NotFound(f"no trial {slug!r}", location="trial")
        return row

    def get(self, code: str) -> SiteRecord:
        """The site ``code``; raises :class:`NotFound`."""
        return site_record(self._require(code))

    def all(self) -> list[SiteRecord]:
        """Every site, by code."""
        rows = self._uow.session.scalars(select(SiteRow).order_by(SiteRow.code))
        return [site_record(row) for row in rows]

    def upsert(self, *, code: str, name: str, city: str, country: str) -> SiteRecord:
        """Create the site ``code`` or bring its name, city and country up to date.

        Changing a stored value needs the unit of work's reason; an unchanged site writes
        nothing.
        """
        row = self._find(code)
        if row is None:
            row = SiteRow(code=code, name=name, city=city, country=country)
            self._uow.session.add(row)
        else:
            row.name, row.city, row.country = name, city, country
        self._uow.session.flush()
        return site_record(row)

    def upsert_trial_site(
        self, *, trial_slug: str, site_code: str, status: str, roles: Sequence[str]
    ) -> TrialSiteRecord:
        """Record that site ``site_code`` takes part in trial ``trial_slug``, or update it.

        ``status`` is free text chosen by the caller (for example "active"); ``roles`` is a
        list of strings stored in order. Changing a stored value needs a reason. Raises
        :class:`NotFound` for an unknown trial or site.
        """
        if isinstance(roles, str):
            raise InvalidInput("roles must be a list of strings, not one string", location="roles")
        trial = self._require_trial(trial_slug)
        site = self._require(site_code)
        row = self._uow.session.scalars(
            select(TrialSiteRow).where(
                TrialSiteRow.trial_id == trial.id, TrialSiteRow.site_id == site.id
            )
        ).first()
        if row is None:
            row = TrialSiteRow(trial_id=trial.id, site_id=site.id, status=status, roles=list(roles))
            self._uow.session.add(row)
        else:
            row.status = status
            row.roles = list(roles)
        self._uow.session.flush()
        return TrialSiteRecord(
            trial_slug=trial_slug, site=site_record(site), status=row.status, roles=tuple(row.roles)
        )

    def trial_sites(self, trial_slug: str) -> list[TrialSiteRecord]:
        """The sites taking part in trial ``trial_slug``, by site code."""
        trial = self._require_trial(trial_slug)
        rows = self._uow.session.execute(
            select(TrialSiteRow, SiteRow)
            .join(SiteRow, SiteRow.id == TrialSiteRow.site_id)
            .where(TrialSiteRow.trial_id == trial.id)
            .order_by(SiteRow.code)
        )
        return [
            TrialSiteRecord(
                trial_slug=trial_slug,
                site=site_record(site),
                status=link.status,
                roles=tuple(link.roles),
            )
            for link, site in rows
        ]

    def participant_counts(self, site_code: str) -> dict[str, int]:
        """How many participants are registered at site ``site_code``, by trial slug (trials
        the site takes part in, zero included). Raises :class:`NotFound` for an unknown site."""
        site = self._require(site_code)
        rows = self._uow.session.execute(
            select(TrialRow.slug, func.count(ParticipantRow.id))
            .join(TrialSiteRow, TrialSiteRow.trial_id == TrialRow.id)
            .outerjoin(
                ParticipantRow,
                (ParticipantRow.trial_id == TrialRow.id) & (ParticipantRow.site_id == site.id),
            )
            .where(TrialSiteRow.site_id == site.id)
            .group_by(TrialRow.slug)
        )
        return {slug: int(count) for slug, count in rows}

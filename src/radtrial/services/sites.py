"""Sites as a user may see them: each site's trials, its status in each, and its participants.

A site's part in a trial is shown only where the site-isolation policy lets the user read that
trial at that site (:func:`radtrial.services.policy.decide`, ``site.read``); a site with none
of its trials visible is refused (:class:`PermissionDenied`), and listed sites are filtered the
same way, so a user tied to one site sees only that site.
"""

from __future__ import annotations

from dataclasses import dataclass

from radtrial.errors import NotFound, PermissionDenied
from radtrial.services.policy import Action, decide, log_access
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import SiteRecord, TrialSiteRecord, UserRecord

__all__ = ["SiteOverview", "SiteTrial", "list_sites", "site_overview"]


@dataclass(frozen=True, slots=True)
class SiteTrial:
    """The site's part in one trial and how many participants it has registered."""

    trial_slug: str
    status: str
    roles: tuple[str, ...]
    participants: int


@dataclass(frozen=True, slots=True)
class SiteOverview:
    """A site and the trials at it that the user may see."""

    site: SiteRecord
    trials: tuple[SiteTrial, ...]


def _links(uow: ResearchUnitOfWork) -> list[TrialSiteRecord]:
    return [
        link
        for summary in uow.trials.list_with_latest_version()
        for link in uow.sites.trial_sites(summary.trial.slug)
    ]


def _overview(
    uow: ResearchUnitOfWork, user: UserRecord, site: SiteRecord, links: list[TrialSiteRecord]
) -> SiteOverview:
    visible = [
        link
        for link in links
        if link.site.code == site.code
        and decide(user, Action.SITE_READ, link.trial_slug, site.code)
    ]
    counts = uow.sites.participant_counts(site.code) if visible else {}
    return SiteOverview(
        site=site,
        trials=tuple(
            SiteTrial(link.trial_slug, link.status, link.roles, counts.get(link.trial_slug, 0))
            for link in visible
        ),
    )


def list_sites(db: Database, *, user: UserRecord) -> list[SiteOverview]:
    """Every site with at least one trial the user may see there, by code."""

    def work(uow: ResearchUnitOfWork) -> list[SiteOverview]:
        links = _links(uow)
        overviews = [_overview(uow, user, site, links) for site in uow.sites.all()]
        return [overview for overview in overviews if overview.trials]

    return db.run(work, actor=user.username, read_only=True)


def site_overview(
    db: Database, *, user: UserRecord, code: str, client_address: str | None = None
) -> SiteOverview:
    """The site ``code`` with the trials the user may see there.

    Raises :class:`NotFound` for an unknown site and :class:`PermissionDenied` (logged) when
    the user may see none of its trials.
    """

    def work(uow: ResearchUnitOfWork) -> SiteOverview:
        try:
            site = uow.sites.get(code)
        except NotFound:
            raise NotFound(f"no site {code!r}", location="code") from None
        return _overview(uow, user, site, _links(uow))

    overview = db.run(work, actor=user.username, read_only=True)
    if not overview.trials:
        log_access(
            db,
            actor=user.username,
            action=Action.SITE_READ.value,
            outcome="denied",
            entity="sites",
            entity_id=str(overview.site.id),
            site_code=code,
            client_address=client_address,
        )
        raise PermissionDenied(
            f"{user.username!r} has no role at site {code}", location="code", detail={"site": code}
        )
    return overview

"""Trials and their protocol versions in the database: load (amend), list, show.

Loading a protocol file stores a new protocol version of its trial, identified by the SHA-256 of
its canonical content, together with the trial's sites. Loading the same content again changes
nothing. Loading different content for a trial that already has a version is an amendment and
needs a reason, which the audit trail keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from radtrial.errors import ReasonRequired
from radtrial.protocol import Change, Protocol, diff_protocols, parse_protocol
from radtrial.services import protocols
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import ProtocolVersionRecord, TrialSiteRecord, TrialSummary


@dataclass(frozen=True)
class LoadResult:
    """What loading a protocol did."""

    slug: str
    version: ProtocolVersionRecord
    created: bool
    previous: ProtocolVersionRecord | None
    changes: list[Change]


@dataclass(frozen=True)
class TrialView:
    """A stored protocol version with the trial's sites and version history."""

    protocol: Protocol
    version: ProtocolVersionRecord
    versions: list[ProtocolVersionRecord]
    sites: list[TrialSiteRecord]


def load_protocol(db: Database, ref: str, *, actor: str, reason: str | None = None) -> LoadResult:
    """Store the protocol ``ref`` (a file or bundled slug) as a version of its trial."""
    source = protocols.read_source(ref)
    protocol = source.parse()

    def work(uow: ResearchUnitOfWork) -> LoadResult:
        slug = protocol.slug
        known = {summary.trial.slug: summary for summary in uow.trials.list_with_latest_version()}
        previous = known[slug].latest_version if slug in known else None
        changes: list[Change] = []
        if previous is not None:
            if previous.content_hash == protocol.content_hash():
                return LoadResult(slug, previous, False, previous, [])
            if not reason:
                raise ReasonRequired(
                    f"trial {slug!r} already has version {previous.version_label!r}: loading "
                    "different content is an amendment and needs a reason",
                    location="reason",
                )
            old = parse_protocol(uow.trials.version_content(slug).source_text, f"{slug} (stored)")
            changes = diff_protocols(old, protocol)
        uow.trials.upsert(
            slug=slug,
            registry_id=protocol.trial.registry_id,
            acronym=protocol.trial.acronym,
            title=protocol.trial.title,
        )
        version, created = uow.trials.add_protocol_version(
            slug=slug,
            version_label=protocol.protocol.label,
            content_hash=protocol.content_hash(),
            canonical_json=protocol.canonical_json(),
            source_text=source.text,
        )
        existing_sites = {site.code for site in uow.sites.all()}
        for site in protocol.sites:
            if site.code not in existing_sites:
                uow.sites.upsert(
                    code=site.code, name=site.name, city=site.city, country=site.country
                )
            uow.sites.upsert_trial_site(
                trial_slug=slug, site_code=site.code, status=site.status, roles=list(site.roles)
            )
        return LoadResult(slug, version, created, previous, changes)

    return db.run(work, actor=actor, reason=reason)


def list_trials(db: Database, *, actor: str) -> list[TrialSummary]:
    """Every trial with its latest protocol version."""
    return db.run(lambda uow: uow.trials.list_with_latest_version(), actor=actor, read_only=True)


def show_trial(
    db: Database, slug: str, *, actor: str, version_label: str | None = None
) -> TrialView:
    """Trial ``slug`` as of its latest protocol version, or of ``version_label``."""

    def work(uow: ResearchUnitOfWork) -> TrialView:
        content = uow.trials.version_content(slug, version_label)
        protocol = parse_protocol(content.source_text, f"{slug} {content.version.version_label}")
        return TrialView(
            protocol=protocol,
            version=content.version,
            versions=uow.trials.versions(slug),
            sites=uow.sites.trial_sites(slug),
        )

    return db.run(work, actor=actor, read_only=True)


def stored_protocol(db: Database, slug: str, version_label: str, *, actor: str) -> Protocol:
    """A stored protocol version, for diffs against files."""
    return show_trial(db, slug, actor=actor, version_label=version_label).protocol

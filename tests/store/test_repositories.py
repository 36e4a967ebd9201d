"""Repositories: trials and versions, sites, users and grants, participants, identities."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from radtrial.errors import Conflict, InvalidInput, NotFound, ReasonRequired
from radtrial.store.database import Database
from radtrial.store.records import GrantRecord, Role
from radtrial.store.repositories.outcomes import local_date
from radtrial.store.tables import ParticipantRow, ProtocolVersionRow, RoleGrantRow, SiteRow

HASH_A, HASH_B = "a" * 64, "b" * 64


def _trial(db: Database, slug: str = "pallsoft", registry_id: str | None = "NCT06398314") -> None:
    with db.unit_of_work("loader") as uow:
        uow.trials.upsert(slug=slug, registry_id=registry_id, acronym=slug.upper(), title="T")


def _version(
    db: Database, label: str, content_hash: str, slug: str = "pallsoft"
) -> tuple[int, bool]:
    with db.unit_of_work("loader") as uow:
        version, created = uow.trials.add_protocol_version(
            slug=slug,
            version_label=label,
            content_hash=content_hash,
            canonical_json=f'{{"label": "{label}"}}',
            source_text=f"version = '{label}'\n",
        )
    return version.id, created


def test_upserting_a_new_trial_creates_it_stamped_by_the_clock(database: Database) -> None:
    with database.unit_of_work("loader") as uow:
        trial = uow.trials.upsert(
            slug="pallsoft", registry_id="NCT06398314", acronym="PALLSOFT", title="Palliative RT"
        )
    assert (trial.slug, trial.registry_id, trial.acronym) == ("pallsoft", "NCT06398314", "PALLSOFT")
    with database.unit_of_work("loader", read_only=True) as uow:
        assert uow.trials.get("pallsoft") == trial


def test_upserting_an_existing_trial_with_new_values_needs_a_reason_and_then_updates_it(
    database: Database,
) -> None:
    _trial(database)
    with pytest.raises(ReasonRequired), database.unit_of_work("loader") as uow:
        uow.trials.upsert(slug="pallsoft", registry_id="NCT06398314", acronym="PALL", title="T")
    with database.unit_of_work("loader", reason="acronym as registered") as uow:
        trial = uow.trials.upsert(
            slug="pallsoft", registry_id="NCT06398314", acronym="PALL", title="T"
        )
    assert trial.acronym == "PALL"


def test_a_registry_id_cannot_belong_to_two_trials(database: Database) -> None:
    _trial(database)
    with pytest.raises(Conflict) as caught, database.unit_of_work("loader") as uow:
        uow.trials.upsert(slug="other", registry_id="NCT06398314", acronym="O", title="O")
    assert caught.value.location == "registry_id"


def test_adding_the_same_content_twice_returns_the_first_version(database: Database) -> None:
    _trial(database)
    first_id, created = _version(database, "1.0", HASH_A)
    again_id, created_again = _version(database, "1.0-reformatted", HASH_A)
    assert (created, created_again) == (True, False)
    assert again_id == first_id
    with database.unit_of_work("loader", read_only=True) as uow:
        assert [v.version_label for v in uow.trials.versions("pallsoft")] == ["1.0"]


def test_a_version_label_cannot_be_reused_for_other_content(database: Database) -> None:
    _trial(database)
    _version(database, "1.0", HASH_A)
    with pytest.raises(Conflict) as caught:
        _version(database, "1.0", HASH_B)
    assert caught.value.location == "version_label"


@pytest.mark.parametrize("content_hash", ["A" * 64, "a" * 63, "g" * 64, ""])
def test_a_content_hash_must_be_lowercase_hex_sha256(database: Database, content_hash: str) -> None:
    _trial(database)
    with pytest.raises(InvalidInput) as caught:
        _version(database, "1.0", content_hash)
    assert caught.value.location == "content_hash"


def test_a_version_records_who_loaded_it(database: Database) -> None:
    _trial(database)
    _version(database, "1.0", HASH_A)
    with database.unit_of_work("reader", read_only=True) as uow:
        version = uow.trials.latest_version("pallsoft")
    assert version is not None
    assert version.loaded_by == "loader"


def test_the_latest_version_is_the_last_loaded_and_its_source_text_is_returned(
    database: Database,
) -> None:
    _trial(database)
    _trial(database, "prosarc2", "NCT07173972")
    _version(database, "1.0", HASH_A)
    _version(database, "2.0", HASH_B)
    with database.unit_of_work("reader", read_only=True) as uow:
        summaries = uow.trials.list_with_latest_version()
        source = uow.trials.latest_source_text("pallsoft")
        first = uow.trials.version_content("pallsoft", "1.0")
    assert [
        (s.trial.slug, s.latest_version and s.latest_version.version_label) for s in summaries
    ] == [
        ("pallsoft", "2.0"),
        ("prosarc2", None),
    ]
    assert source == "version = '2.0'\n"
    assert (first.version.content_hash, first.canonical_json) == (HASH_A, '{"label": "1.0"}')


def test_asking_for_a_missing_trial_or_version_is_not_found(database: Database) -> None:
    _trial(database)
    with database.unit_of_work("reader", read_only=True) as uow:
        with pytest.raises(NotFound) as no_trial:
            uow.trials.get("nope")
        with pytest.raises(NotFound) as no_version:
            uow.trials.latest_source_text("pallsoft")
        with pytest.raises(NotFound):
            uow.trials.version_content("pallsoft", "9.9")
        assert uow.trials.latest_version("pallsoft") is None
    assert no_trial.value.location == "trial"
    assert no_version.value.location == "version_label"


def test_sites_are_upserted_and_linked_to_trials_with_status_and_roles(database: Database) -> None:
    _trial(database)
    with database.unit_of_work("loader") as uow:
        uow.sites.upsert(code="OUS", name="Oslo universitetssykehus", city="Oslo", country="NO")
        uow.sites.upsert(code="STHF", name="Sykehuset Telemark", city="Skien", country="NO")
        uow.sites.upsert_trial_site(
            trial_slug="pallsoft",
            site_code="STHF",
            status="active",
            roles=["sponsor", "recruiting"],
        )
        uow.sites.upsert_trial_site(
            trial_slug="pallsoft", site_code="OUS", status="pending", roles=["recruiting"]
        )
    with database.unit_of_work("loader", reason="site initiation visit done") as uow:
        uow.sites.upsert_trial_site(
            trial_slug="pallsoft", site_code="OUS", status="active", roles=["recruiting"]
        )
    with database.unit_of_work("reader", read_only=True) as uow:
        links = uow.sites.trial_sites("pallsoft")
        sites = uow.sites.all()
    assert [(t.site.code, t.status, t.roles) for t in links] == [
        ("OUS", "active", ("recruiting",)),
        ("STHF", "active", ("sponsor", "recruiting")),
    ]
    assert [s.city for s in sites] == ["Oslo", "Skien"]


def test_trial_site_roles_must_be_a_list_not_a_string(database: Database) -> None:
    _trial(database)
    with database.unit_of_work("loader") as uow:
        uow.sites.upsert(code="OUS", name="O", city="Oslo", country="NO")
    with pytest.raises(InvalidInput), database.unit_of_work("loader") as uow:
        uow.sites.upsert_trial_site(
            trial_slug="pallsoft", site_code="OUS", status="active", roles="recruiting"
        )


def test_linking_an_unknown_site_or_trial_is_not_found(database: Database) -> None:
    _trial(database)
    with pytest.raises(NotFound) as caught, database.unit_of_work("loader") as uow:
        uow.sites.upsert_trial_site(trial_slug="pallsoft", site_code="XXX", status="a", roles=[])
    assert caught.value.location == "site"


def test_users_get_grants_per_trial_and_site_and_duplicates_are_conflicts(
    populated: Database,
) -> None:
    with populated.unit_of_work("admin", read_only=True) as uow:
        users = {user.username: user for user in uow.users.all()}
    assert users["inv_ous"].grants == (GrantRecord(Role.INVESTIGATOR, "pallsoft", "OUS"),)
    assert users["inv_all"].grants == (GrantRecord(Role.INVESTIGATOR, "pallsoft", None),)
    with pytest.raises(Conflict), populated.unit_of_work("admin") as uow:
        uow.users.grant(username="inv_all", role=Role.INVESTIGATOR, trial_slug="pallsoft")
    with pytest.raises(Conflict), populated.unit_of_work("admin") as uow:
        uow.users.add(username="inv_ous", full_name="X", email="x@example.org", password_hash=None)


def test_the_database_itself_refuses_a_duplicate_grant_for_every_site(populated: Database) -> None:
    # A NULL site means "every site"; the coalesce index makes two such grants collide.
    with populated.unit_of_work("admin", read_only=True) as uow:
        grant = uow.session.scalars(
            select(RoleGrantRow).where(RoleGrantRow.site_id.is_(None))
        ).first()
    assert grant is not None
    with pytest.raises(Conflict), populated.unit_of_work("admin") as uow:
        uow.session.add(
            RoleGrantRow(
                user_id=grant.user_id, role=grant.role, trial_id=grant.trial_id, site_id=None
            )
        )


def test_the_database_refuses_an_unknown_role(populated: Database) -> None:
    with pytest.raises(Conflict), populated.unit_of_work("admin") as uow:
        uow.session.add(RoleGrantRow(user_id=1, role="superuser", trial_id=None, site_id=None))


def test_a_participant_records_its_site_and_the_protocol_version_of_registration(
    populated: Database,
) -> None:
    with populated.unit_of_work("inv_ous", read_only=True) as uow:
        participant = uow.participants.get("PALL-OUS-0001")
        version = uow.trials.latest_version("pallsoft")
    assert (participant.trial_slug, participant.site_code) == ("pallsoft", "OUS")
    assert version is not None
    assert participant.protocol_version_id == version.id


def test_a_participant_at_a_site_outside_the_trial_is_refused_by_the_database(
    populated: Database,
) -> None:
    with populated.unit_of_work("admin") as uow:
        uow.sites.upsert(
            code="UNN", name="Universitetssykehuset Nord-Norge", city="Tromsø", country="NO"
        )
    with populated.unit_of_work("admin", read_only=True) as uow:
        version = uow.session.scalars(select(ProtocolVersionRow)).first()
        site = uow.session.scalars(select(SiteRow).where(SiteRow.code == "UNN")).one()
    assert version is not None
    with pytest.raises(Conflict), populated.unit_of_work("admin") as uow:
        uow.session.add(
            ParticipantRow(
                study_id="PALL-UNN-0001",
                trial_id=version.trial_id,
                site_id=site.id,
                protocol_version_id=version.id,
                created_at=populated.clock(),
            )
        )


def test_a_participant_cannot_be_registered_under_another_trials_version(
    populated: Database,
) -> None:
    _version(populated, "1.0", HASH_B, slug="prosarc2")
    with populated.unit_of_work("admin", read_only=True) as uow:
        prosarc_version = uow.trials.latest_version("prosarc2")
    assert prosarc_version is not None
    with pytest.raises(NotFound) as caught, populated.unit_of_work("admin") as uow:
        uow.participants.add(
            study_id="PALL-OUS-0099",
            trial_slug="pallsoft",
            site_code="OUS",
            protocol_version_id=prosarc_version.id,
        )
    assert caught.value.location == "protocol_version_id"


def test_a_study_id_is_registered_once(populated: Database) -> None:
    with populated.unit_of_work("admin", read_only=True) as uow:
        version = uow.trials.latest_version("pallsoft")
    assert version is not None
    with pytest.raises(Conflict) as caught, populated.unit_of_work("admin") as uow:
        uow.participants.add(
            study_id="PALL-OUS-0001",
            trial_slug="pallsoft",
            site_code="OUS",
            protocol_version_id=version.id,
        )
    assert caught.value.location == "study_id"


def test_an_identity_is_stored_once_per_study_id_and_read_back(database: Database) -> None:
    fields = {
        "national_id": "31129956715",
        "national_id_kind": "fodselsnummer",
        "given_name": "Kari",
        "family_name": "Nordmann",
        "phone": "+47 22 00 00 00",
        "email": None,
        "address": None,
    }
    with database.identity_unit_of_work("inv_ous") as uow:
        uow.identities.add(study_id="PALL-OUS-0001", **fields)
    with pytest.raises(Conflict), database.identity_unit_of_work("inv_ous") as uow:
        uow.identities.add(study_id="PALL-OUS-0001", **fields)
    with database.identity_unit_of_work("inv_ous", read_only=True) as uow:
        identity = uow.identities.get("PALL-OUS-0001")
        with pytest.raises(NotFound):
            uow.identities.get("PALL-OUS-0404")
    assert (identity.given_name, identity.phone) == ("Kari", "+47 22 00 00 00")
    assert "Kari" not in repr(identity)
    assert "31129956715" not in repr(identity)


def test_a_records_date_is_the_sites_date_whatever_the_servers_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """23:30 UTC on 6 January is 7 January in Oslo, on a server set to UTC or to Tokyo."""
    late = datetime(2025, 1, 6, 23, 30, tzinfo=UTC)
    try:
        for server_zone in ("UTC", "Asia/Tokyo"):
            monkeypatch.setenv("TZ", server_zone)
            time.tzset()
            assert local_date(late) == date(2025, 1, 7)
            assert local_date(late, "America/New_York") == date(2025, 1, 6)
            assert local_date(late, "Not/AZone") == date(2025, 1, 7)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_biobank_text_limits_are_the_sizes_of_their_columns() -> None:
    """The service refuses over-long text at the field before PostgreSQL would; its limits must
    not drift from the columns they guard."""
    from radtrial.services.outcomes._samples import TEXT_LENGTHS
    from radtrial.store.tables import (
        SampleDestructionRow,
        SampleReceiptRow,
        SampleRow,
        SampleShipmentRow,
    )

    columns = {
        "freezer": [SampleRow.freezer],
        "rack": [SampleRow.rack],
        "box": [SampleRow.box],
        "position": [SampleRow.position],
        "shipment": [SampleShipmentRow.code],
        "from_location": [SampleShipmentRow.from_location],
        "to_location": [SampleShipmentRow.to_location],
        "courier": [SampleShipmentRow.courier],
        "condition": [SampleShipmentRow.condition, SampleReceiptRow.condition],
        "method": [SampleDestructionRow.method],
        "witness": [SampleDestructionRow.witness],
    }
    assert set(TEXT_LENGTHS) == set(columns)
    for field, guarded in columns.items():
        for column in guarded:
            assert column.type.length == TEXT_LENGTHS[field], (field, column)

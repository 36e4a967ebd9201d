"""The identity store: only the participant's own site may see who they are; no leaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from radtrial.clinical.national_id import NationalIdKind, parse_national_id
from radtrial.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RadtrialError
from radtrial.services.identity import read_identity, record_identity
from radtrial.store.database import Database
from radtrial.store.migrations import Chain
from radtrial.store.tables import UserRow

# A synthetic canary: a valid-checksum fødselsnummer (a D-number) and contact details that
# occur nowhere else, so finding any of them proves a leak.
CANARY = {
    "national_id": "43058734870",
    "given_name": "Kanarifugl",
    "family_name": "Lekkasjesjekk",
    "phone": "+47 99 88 77 66",
    "email": "kanari.lekkasje@example.org",
    "address": "Kanariveien 17, 0123 Oslo",
}


def _record(db: Database, actor: str = "inv_ous", study_id: str = "PALL-OUS-0001") -> None:
    record_identity(db, actor=actor, study_id=study_id, **CANARY)


def _dump(db: Database, chain: Chain) -> str:
    """Every value in every table of one database, as text."""
    engine = db.engine(chain)
    parts = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            parts.append(json.dumps([list(map(str, row)) for row in rows], ensure_ascii=False))
    return "\n".join(parts)


def test_the_canary_is_a_valid_national_id() -> None:
    assert parse_national_id(CANARY["national_id"]).kind is NationalIdKind.D_NUMBER


@pytest.mark.parametrize("actor", ["inv_ous", "nurse_ous"])
def test_an_investigator_or_research_nurse_at_the_site_records_and_reads_an_identity(
    populated: Database, actor: str
) -> None:
    _record(populated, actor=actor)
    identity = read_identity(populated, actor=actor, study_id="PALL-OUS-0001")
    assert identity.national_id == CANARY["national_id"]
    assert identity.national_id_kind == "d_number"
    assert (identity.given_name, identity.phone) == (CANARY["given_name"], CANARY["phone"])


@pytest.mark.parametrize(
    "actor",
    [
        "monitor",  # no identity role
        "stat",  # unblinded statistician
        "inv_hus",  # investigator, but at another site
        "inv_all",  # investigator at every site: not the participant's own site
        "stranger",  # not a user at all
    ],
)
def test_everyone_else_is_refused_an_identity(populated: Database, actor: str) -> None:
    _record(populated)
    with pytest.raises(PermissionDenied) as caught:
        read_identity(populated, actor=actor, study_id="PALL-OUS-0001")
    assert caught.value.location == "actor"
    with pytest.raises(PermissionDenied):
        record_identity(populated, actor=actor, study_id="PALL-OUS-0002", **CANARY)


def test_a_deactivated_investigator_is_refused(populated: Database) -> None:
    _record(populated)
    with populated.unit_of_work("admin", reason="left the hospital") as uow:
        user = uow.session.scalars(select(UserRow).where(UserRow.username == "inv_ous")).one()
        user.active = False
    with pytest.raises(PermissionDenied):
        read_identity(populated, actor="inv_ous", study_id="PALL-OUS-0001")


def test_an_invalid_national_id_is_refused_and_nothing_is_stored(populated: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        record_identity(
            populated,
            actor="inv_ous",
            study_id="PALL-OUS-0001",
            **{**CANARY, "national_id": "43058734871"},
        )
    assert caught.value.location == "national_id"
    with pytest.raises(NotFound):
        read_identity(populated, actor="inv_ous", study_id="PALL-OUS-0001")


def test_an_unknown_study_id_is_not_found(populated: Database) -> None:
    with pytest.raises(NotFound):
        _record(populated, study_id="PALL-OUS-9999")


def test_the_canary_appears_nowhere_in_the_research_database(populated: Database) -> None:
    _record(populated)
    with pytest.raises(Conflict):
        _record(populated)
    read_identity(populated, actor="inv_ous", study_id="PALL-OUS-0001")
    research, identity = _dump(populated, "research"), _dump(populated, "identity")
    for value in CANARY.values():
        assert value in identity, "positive control: the canary is in the identity store"
        assert value not in research


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_the_canary_appears_nowhere_in_the_research_database_files(
    populated: Database, database_urls: tuple[str, str]
) -> None:
    _record(populated)
    populated.close()
    research_file = Path(database_urls[0].removeprefix("sqlite:///"))
    identity_file = Path(database_urls[1].removeprefix("sqlite:///"))

    def raw(path: Path) -> bytes:
        return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))

    for value in CANARY.values():
        assert value.encode() in raw(identity_file)
        assert value.encode() not in raw(research_file)


def test_errors_about_identities_never_repeat_the_identity_values(populated: Database) -> None:
    _record(populated)
    errors: list[RadtrialError] = []
    for attempt in (
        lambda: _record(populated),
        lambda: record_identity(
            populated,
            actor="inv_ous",
            study_id="PALL-OUS-0002",
            **{**CANARY, "national_id": "4305873487"},
        ),
        lambda: read_identity(populated, actor="monitor", study_id="PALL-OUS-0001"),
    ):
        with pytest.raises(RadtrialError) as caught:
            attempt()
        errors.append(caught.value)
    shown = json.dumps([e.to_dict() for e in errors], ensure_ascii=False) + "".join(
        map(str, errors)
    )
    for value in CANARY.values():
        assert value not in shown

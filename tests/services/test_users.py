"""Adding and listing users: validation, argon2id passwords, grants, the audit trail."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from radtrial.errors import Conflict, InvalidInput, NotFound
from radtrial.services.users import (
    GrantRequest,
    Role,
    add_user,
    grant_summary,
    hash_password,
    list_users,
    parse_role,
)
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.store.tables import UserRow

PASSWORD = "correct horse battery staple"


def _add(db: Database, username: str = "kskipar", **overrides: object) -> None:
    arguments: dict[str, object] = {
        "actor": "admin",
        "username": username,
        "full_name": "Kjersti Skipar",
        "email": "kjersti@example.org",
        "grants": [GrantRequest(Role.INVESTIGATOR, "pallsoft", "OUS")],
        "password": None,
    }
    arguments.update(overrides)
    add_user(db, **arguments)  # type: ignore[arg-type]


def test_a_role_is_read_with_an_optional_site() -> None:
    assert parse_role("investigator@OUS", trial_slug="pallsoft") == GrantRequest(
        Role.INVESTIGATOR, "pallsoft", "OUS"
    )
    assert parse_role("monitor") == GrantRequest(Role.MONITOR, None, None)


@pytest.mark.parametrize("spec", ["surgeon", "investigator@", "@OUS", ""])
def test_an_unknown_role_or_an_empty_site_is_refused_at_the_role(spec: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_role(spec)
    assert caught.value.location == "role"


def test_an_unknown_role_error_lists_the_valid_roles() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_role("surgeon")
    assert "unblinded_statistician" in caught.value.message


def test_a_user_is_added_with_every_grant_and_listed(populated: Database) -> None:
    _add(
        populated,
        grants=[
            GrantRequest(Role.INVESTIGATOR, "pallsoft", "OUS"),
            GrantRequest(Role.PHYSICIST, "pallsoft", "HUS"),
        ],
    )
    users = {user.username: user for user in list_users(populated, actor="admin")}
    user = users["kskipar"]
    assert user.active
    assert not user.has_password
    assert [grant_summary(g) for g in user.grants] == [
        "investigator@OUS in pallsoft",
        "physicist@HUS in pallsoft",
    ]


def test_a_password_is_stored_only_as_an_argon2id_hash(populated: Database) -> None:
    _add(populated, password=PASSWORD)
    with populated.unit_of_work("admin", read_only=True) as uow:
        stored = uow.session.scalars(
            select(UserRow.password_hash).where(UserRow.username == "kskipar")
        ).one()
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(stored, PASSWORD)
    with populated.engine("research").connect() as connection:
        values = connection.execute(text("SELECT new_value FROM audit_log")).scalars().all()
    assert not any(stored in (value or "") or PASSWORD in (value or "") for value in values)


def test_a_short_password_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        hash_password("short")
    assert caught.value.location == "password"


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"username": "Kari"}, "username"),
        ({"username": "k"}, "username"),
        ({"username": "1kari"}, "username"),
        ({"full_name": "  "}, "full_name"),
        ({"email": "kari"}, "email"),
        ({"grants": []}, "role"),
        ({"password": "short"}, "password"),
    ],
)
def test_invalid_user_details_are_refused_at_the_field(
    populated: Database, overrides: dict[str, object], location: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _add(populated, **overrides)
    assert caught.value.location == location


def test_an_unknown_site_refuses_the_whole_user(populated: Database) -> None:
    with pytest.raises(NotFound) as caught:
        _add(
            populated,
            grants=[
                GrantRequest(Role.INVESTIGATOR, "pallsoft", "OUS"),
                GrantRequest(Role.INVESTIGATOR, "pallsoft", "NOWHERE"),
            ],
        )
    assert caught.value.location == "site"
    assert "kskipar" not in {user.username for user in list_users(populated, actor="admin")}


def test_a_taken_username_is_a_conflict(populated: Database) -> None:
    with pytest.raises(Conflict):
        _add(populated, username="inv_ous")


def test_account_creation_and_each_grant_are_audited_with_the_acting_user(
    populated: Database,
) -> None:
    _add(populated)
    entries = [
        e
        for e in history(populated.engine("research"))
        if e.entity in {"users", "role_grants"} and e.actor == "admin"
    ]
    assert {e.entity for e in entries} == {"users", "role_grants"}
    assert {"username": "kskipar"}.items() <= {e.field: e.new_value for e in entries}.items()
    assert len({e.tx_id for e in entries}) == 1

"""Migrations: both databases upgrade on both engines, match the models, and lock the audit log."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from radtrial.store import migrations
from radtrial.store.database import Database
from radtrial.store.identity_tables import IdentityBase
from radtrial.store.migrations import Chain, current_revision
from radtrial.store.tables import ResearchBase

RESEARCH_TABLES = {
    "trials",
    "protocol_versions",
    "sites",
    "trial_sites",
    "users",
    "role_grants",
    "participants",
    "screenings",
    "eligibility_evaluations",
    "screening_closures",
    "consents",
    "registrations",
    "withdrawals",
    "allocation_lists",
    "allocation_strata",
    "allocations",
    "allocation_list_exports",
    "participant_prescriptions",
    "optional_fraction_decisions",
    "rt_courses",
    "rt_fractions",
    "rt_fraction_doses",
    "rt_missed_fractions",
    "rt_deviations",
    "site_closures",
    # outcomes and biobank (r0004)
    "symptom_ratings",
    "questionnaire_submissions",
    "adverse_events",
    "ecog_assessments",
    "tumour_baselines",
    "tumour_lesions",
    "tumour_follow_ups",
    "tumour_measurements",
    "clinical_events",
    "vital_status_checks",
    "missed_visits",
    "samples",
    "sample_shipments",
    "sample_shipment_items",
    "sample_receipts",
    "sample_custody_events",
    "sample_destructions",
    # per-visit toxicity assessments (r0007)
    "toxicity_assessments",
    # plan quality assurance (r0008)
    "plan_qa_evaluations",
    "plan_qa_results",
    "plan_qa_reports",
    # patient portal (r0009)
    "portal_invitations",
    "portal_sessions",
    "portal_drafts",
    "instrument_texts",
    # electronic signatures (r0010)
    "record_signatures",
    # web platform: second factor, sessions, throttling, idempotency, access log (r0005)
    "user_totp",
    "totp_steps",
    "auth_sessions",
    "login_attempts",
    "idempotency_keys",
    "access_log",
    "audit_log",
    "alembic_version",
}
IDENTITY_TABLES = {"identities", "audit_log", "alembic_version"}


def heads(chain: Chain) -> str:
    """The newest revision(s) of a chain's scripts, as :func:`current_revision` reports them."""
    directory = Path(migrations.__file__).resolve().parent / chain
    return "+".join(sorted(ScriptDirectory(str(directory)).get_heads()))


def _differences(engine: Engine, base: type[ResearchBase] | type[IdentityBase]) -> list[object]:
    with engine.connect() as connection, warnings.catch_warnings():
        # Alembic cannot compare expression indexes (uq_role_grants_scope) and says so.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, base.metadata))


def test_both_databases_start_empty_and_upgrade_to_their_own_head(
    database_urls: tuple[str, str],
) -> None:
    db = Database(*database_urls)
    assert current_revision(db.engine("research")) is None
    assert db.upgrade() == {"research": heads("research"), "identity": heads("identity")}
    assert set(inspect(db.engine("research")).get_table_names()) == RESEARCH_TABLES
    assert set(inspect(db.engine("identity")).get_table_names()) == IDENTITY_TABLES
    db.close()


def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    assert database.upgrade() == {"research": heads("research"), "identity": heads("identity")}


def test_the_migrations_create_exactly_the_schema_the_models_declare(database: Database) -> None:
    assert _differences(database.engine("research"), ResearchBase) == []
    assert _differences(database.engine("identity"), IdentityBase) == []


def test_the_research_database_has_no_identity_table_and_the_identity_store_no_research_table(
    database: Database,
) -> None:
    assert "identities" not in inspect(database.engine("research")).get_table_names()
    assert "participants" not in inspect(database.engine("identity")).get_table_names()


@pytest.mark.parametrize("chain", ["research", "identity"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
)
def test_the_audit_log_refuses_updates_and_deletes(
    populated: Database, chain: Chain, statement: str
) -> None:
    with populated.identity_unit_of_work("setup") as uow:
        uow.identities.add(
            study_id="PALL-OUS-0001",
            national_id="31129956715",
            national_id_kind="fodselsnummer",
            given_name="Kari",
            family_name="Nordmann",
            phone=None,
            email=None,
            address=None,
        )
    engine = populated.engine(chain)
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text(statement))
    assert "audit_log is append-only" in str(caught.value.orig)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() > 0


@pytest.mark.postgres
@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
def test_the_audit_log_refuses_truncate_on_postgresql(populated: Database) -> None:
    engine = populated.engine("research")
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))
    assert "audit_log is append-only: TRUNCATE refused" in str(caught.value.orig)

"""Research database: clinical outcomes and the biobank.

Target-symptom ratings (NRS and global impression), questionnaire submissions (responses by
item number with their computed scores and scoring version), adverse events (CTCAE version on
every row), ECOG assessments, RECIST baselines with their lesions and follow-ups with their
measurements and computed responses, clinical events (local and distant progression, death,
off study), vital-status checks and missed visits; biobank samples and aliquots with their
storage positions, shipments, receipts, chain-of-custody steps and destructions. Every outcome
row carries the protocol version (id and content hash) it was collected under.

Branches from r0002 in parallel with the RT course (r0003); a merge revision joins them.

Revision ID: r0004
Revises: r0002
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "r0004"
down_revision = "r0002"
branch_labels = None
depends_on = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=f"pk_{table}"
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}")


def _user(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(128), nullable=False)


def _collected(table: str) -> list[SchemaItem]:
    """The participant, the protocol version (id and hash) collected under."""
    return [
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        _fk(table, "participant_id", "participants.id"),
        _fk(table, "protocol_version_id", "protocol_versions.id"),
    ]


def _recorded() -> list[SchemaItem]:
    return [_user("recorded_by"), _timestamp("recorded_at")]


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


def upgrade() -> None:
    op.create_table(
        "symptom_ratings",
        *_id("symptom_ratings"),
        *_collected("symptom_ratings"),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("symptom", sa.String(64), nullable=False),
        _timestamp("answered_at"),
        sa.Column("nrs", sa.Integer(), nullable=True),
        sa.Column("nrs_assessment_id", sa.String(64), nullable=True),
        sa.Column("global_impression", sa.String(32), nullable=True),
        sa.Column("impression_assessment_id", sa.String(64), nullable=True),
        sa.Column("analgesic_increased", sa.Boolean(), nullable=True),
        *_recorded(),
        _unique("symptom_ratings", "participant_id", "visit_id"),
    )
    op.create_table(
        "questionnaire_submissions",
        *_id("questionnaire_submissions"),
        *_collected("questionnaire_submissions"),
        sa.Column("assessment_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=False),
        sa.Column("instrument_version", sa.String(32), nullable=True),
        sa.Column("visit_id", sa.String(64), nullable=True),
        _timestamp("answered_at"),
        sa.Column("responses", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("scoring_version", sa.String(128), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        *_recorded(),
        sa.UniqueConstraint(
            "participant_id",
            "assessment_id",
            "visit_id",
            name="uq_questionnaire_submissions_participant_visit",
        ),
    )
    op.create_table(
        "adverse_events",
        *_id("adverse_events"),
        *_collected("adverse_events"),
        sa.Column("visit_id", sa.String(64), nullable=True),
        sa.Column("ctcae_version", sa.String(8), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("specify", sa.Text(), nullable=True),
        sa.Column("soc", sa.String(80), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("onset_on", sa.Date(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("attribution", sa.String(16), nullable=False),
        sa.Column("related", sa.Boolean(), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("seriousness_criteria", sa.JSON(), nullable=False),
        sa.Column("expected", sa.Boolean(), nullable=True),
        sa.Column("expedited_report", sa.Boolean(), nullable=False),
        _timestamp("investigator_aware_at", nullable=True),
        _timestamp("report_due_at", nullable=True),
        sa.Column("susar", sa.Boolean(), nullable=False),
        _timestamp("susar_report_due_at", nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        *_recorded(),
    )
    op.create_index("ix_adverse_events_participant_id", "adverse_events", ["participant_id"])
    op.create_table(
        "ecog_assessments",
        *_id("ecog_assessments"),
        *_collected("ecog_assessments"),
        sa.Column("visit_id", sa.String(64), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        *_recorded(),
        _unique("ecog_assessments", "participant_id", "assessed_on"),
    )
    op.create_table(
        "tumour_baselines",
        *_id("tumour_baselines"),
        *_collected("tumour_baselines"),
        sa.Column("visit_id", sa.String(64), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("recist_version", sa.String(8), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("sum_mm", sa.Float(), nullable=False),
        *_recorded(),
        _unique("tumour_baselines", "participant_id"),
    )
    op.create_table(
        "tumour_lesions",
        *_id("tumour_lesions"),
        sa.Column("baseline_id", sa.Integer(), nullable=False),
        sa.Column("lesion_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("organ", sa.String(100), nullable=False),
        sa.Column("nodal", sa.Boolean(), nullable=False),
        sa.Column("modality", sa.String(16), nullable=True),
        sa.Column("slice_thickness_mm", sa.Float(), nullable=True),
        sa.Column("baseline_mm", sa.Float(), nullable=True),
        sa.Column("irradiated_index", sa.Boolean(), nullable=False),
        sa.Column("previously_irradiated", sa.Boolean(), nullable=False),
        sa.Column("progressed_after_irradiation", sa.Boolean(), nullable=False),
        _fk("tumour_lesions", "baseline_id", "tumour_baselines.id"),
        _unique("tumour_lesions", "baseline_id", "lesion_id"),
    )
    op.create_table(
        "tumour_follow_ups",
        *_id("tumour_follow_ups"),
        *_collected("tumour_follow_ups"),
        sa.Column("baseline_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(64), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("non_target", sa.String(16), nullable=True),
        sa.Column("new_lesions", sa.Boolean(), nullable=False),
        sa.Column("sum_mm", sa.Float(), nullable=True),
        sa.Column("nadir_mm", sa.Float(), nullable=False),
        sa.Column("change_from_baseline_percent", sa.Float(), nullable=True),
        sa.Column("change_from_nadir_mm", sa.Float(), nullable=True),
        sa.Column("target_response", sa.String(16), nullable=True),
        sa.Column("overall_response", sa.String(16), nullable=False),
        sa.Column("local_progression", sa.Boolean(), nullable=True),
        sa.Column("distant_progression", sa.Boolean(), nullable=True),
        sa.Column("index_mm", sa.Float(), nullable=True),
        sa.Column("index_nadir_mm", sa.Float(), nullable=True),
        *_recorded(),
        _fk("tumour_follow_ups", "baseline_id", "tumour_baselines.id"),
        _unique("tumour_follow_ups", "participant_id", "assessed_on"),
    )
    op.create_table(
        "tumour_measurements",
        *_id("tumour_measurements"),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("lesion_id", sa.String(32), nullable=False),
        sa.Column("diameter_mm", sa.Float(), nullable=True),
        _fk("tumour_measurements", "follow_up_id", "tumour_follow_ups.id"),
        _unique("tumour_measurements", "follow_up_id", "lesion_id"),
    )
    op.create_table(
        "clinical_events",
        *_id("clinical_events"),
        *_collected("clinical_events"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(32), nullable=True),
        sa.Column("tumour_follow_up_id", sa.Integer(), nullable=True),
        sa.Column("death_cause", sa.String(32), nullable=True),
        sa.Column("off_study_reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_recorded(),
        _fk("clinical_events", "tumour_follow_up_id", "tumour_follow_ups.id"),
        _unique("clinical_events", "participant_id", "kind"),
    )
    op.create_table(
        "vital_status_checks",
        *_id("vital_status_checks"),
        *_collected("vital_status_checks"),
        sa.Column("visit_id", sa.String(64), nullable=True),
        sa.Column("known_alive_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        *_recorded(),
        _unique("vital_status_checks", "participant_id", "known_alive_on"),
    )
    op.create_table(
        "missed_visits",
        *_id("missed_visits"),
        *_collected("missed_visits"),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_recorded(),
        _unique("missed_visits", "participant_id", "visit_id"),
    )

    op.create_table(
        "samples",
        *_id("samples"),
        *_collected("samples"),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("sample_type", sa.String(64), nullable=False),
        sa.Column("material", sa.String(16), nullable=False),
        sa.Column("visit_id", sa.String(64), nullable=False),
        _timestamp("collected_at"),
        sa.Column("processing", sa.Text(), nullable=True),
        _timestamp("processed_at", nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("volume_ml", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("freezer", sa.String(32), nullable=True),
        sa.Column("rack", sa.String(32), nullable=True),
        sa.Column("box", sa.String(32), nullable=True),
        sa.Column("position", sa.String(16), nullable=True),
        sa.Column("destruction_required", sa.Boolean(), nullable=False),
        _timestamp("destruction_flagged_at", nullable=True),
        sa.Column("destruction_basis", sa.Text(), nullable=True),
        *_recorded(),
        _fk("samples", "parent_id", "samples.id"),
        _unique("samples", "label"),
        # NULL positions (a sample not in storage) are distinct on both engines, so this holds
        # among stored samples only.
        _unique("samples", "freezer", "rack", "box", "position"),
    )
    op.create_index("ix_samples_participant_id", "samples", ["participant_id"])
    op.create_table(
        "sample_shipments",
        *_id("sample_shipments"),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("from_location", sa.String(200), nullable=False),
        sa.Column("to_location", sa.String(200), nullable=False),
        _timestamp("shipped_at"),
        sa.Column("courier", sa.String(200), nullable=True),
        sa.Column("condition", sa.String(64), nullable=True),
        _user("shipped_by"),
        _timestamp("recorded_at"),
        _unique("sample_shipments", "code"),
    )
    op.create_table(
        "sample_shipment_items",
        *_id("sample_shipment_items"),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        _fk("sample_shipment_items", "shipment_id", "sample_shipments.id"),
        _fk("sample_shipment_items", "sample_id", "samples.id"),
        _unique("sample_shipment_items", "shipment_id", "sample_id"),
    )
    op.create_index("ix_sample_shipment_items_sample_id", "sample_shipment_items", ["sample_id"])
    op.create_table(
        "sample_receipts",
        *_id("sample_receipts"),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        _timestamp("received_at"),
        _user("received_by"),
        sa.Column("condition", sa.String(64), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _timestamp("recorded_at"),
        _fk("sample_receipts", "shipment_id", "sample_shipments.id"),
        _unique("sample_receipts", "shipment_id"),
    )
    op.create_table(
        "sample_custody_events",
        *_id("sample_custody_events"),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        _timestamp("at"),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        _user("by"),
        _timestamp("recorded_at"),
        _fk("sample_custody_events", "sample_id", "samples.id"),
        _fk("sample_custody_events", "shipment_id", "sample_shipments.id"),
    )
    op.create_index("ix_sample_custody_events_sample_id", "sample_custody_events", ["sample_id"])
    op.create_table(
        "sample_destructions",
        *_id("sample_destructions"),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        _timestamp("destroyed_at"),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("witness", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_recorded(),
        _fk("sample_destructions", "sample_id", "samples.id"),
        _unique("sample_destructions", "sample_id"),
    )


def downgrade() -> None:
    raise RuntimeError(
        "outcome and biobank records are audited trial records and are never dropped by a "
        "downgrade; restore a backup instead"
    )

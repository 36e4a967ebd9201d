"""Helpers for the enrolment tests: realistic screening data, staff, protocol variants.

The screening data describe plausible patients of each trial. ``PALLSOFT_PATIENT`` is a
72-year-old with bleeding from a recurrent rectal cancer in the pelvis; ``PROSARC2_PATIENT`` a
58-year-old with an inoperable retroperitoneal leiomyosarcoma. Both are eligible once the
investigator confirms the criteria that need clinical judgement (``*_CONFIRM``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from radtrial.errors import RadtrialError
from radtrial.services.consent import record_consent
from radtrial.services.registration import register
from radtrial.services.screening import screen
from radtrial.services.trials import load_protocol
from radtrial.services.users import GrantRequest, Role, add_user
from radtrial.store.audit.chain import audit_log
from radtrial.store.database import Database
from radtrial.store.records import RegistrationRecord

TRIALS = Path(__file__).resolve().parents[1] / "src" / "radtrial" / "protocol" / "trials"

#: The date the test clock starts on (tests.support.TickingClock).
TODAY = date(2025, 1, 6)

PALLSOFT_PATIENT: dict[str, Any] = {
    "age_years": 72,
    "histologically_verified": True,
    "primary_origin": "gastrointestinal",
    "pelvic_tumour_presentation": "recurrent",
    "target_symptom_category": "bleeding",
    "target_symptom_nrs": 6,
    "language": "norwegian",
    "ecog": 2,
    "expected_survival_weeks": 26,
    "last_systemic_therapy_date": "2024-12-27",
    "planned_first_fraction_date": "2025-01-13",
    "can_pause_systemic_therapy": True,
    "woman_of_childbearing_potential": False,
    "pregnant": False,
    "neuroendocrine_histology": False,
    "sarcoma_component": False,
    "bone_metastasis_without_soft_tissue": False,
    "investigational_drug_ongoing": False,
    "other_trial_planned_within_4_weeks": False,
}
PALLSOFT_CONFIRM = ("I1", "I3", "I5", "I9", "E4")

PROSARC2_PATIENT: dict[str, Any] = {
    "age_years": 58,
    "histology": "leiomyosarcoma",
    "measurable_recist": True,
    "ecog": 1,
    "metastatic": False,
    "informed_consent_signed": True,
    "inoperable_by_mdt": True,
    "prior_rt_to_tumour_site": False,
    "pacemaker_or_icd": False,
    "last_systemic_therapy_date": None,
    "planned_first_fraction_date": "2025-02-03",
}
PROSARC2_CONFIRM = ("I7", "E1", "E4")

#: Staff: username -> grants. ``nurse_ous`` and ``inv_ous`` work at OUS in both trials.
STAFF: dict[str, list[GrantRequest]] = {
    "inv_ous": [
        GrantRequest(Role.INVESTIGATOR, "pallsoft", "OUS"),
        GrantRequest(Role.INVESTIGATOR, "prosarc2", "OUS"),
    ],
    "nurse_ous": [
        GrantRequest(Role.RESEARCH_NURSE, "pallsoft", "OUS"),
        GrantRequest(Role.RESEARCH_NURSE, "prosarc2", "OUS"),
    ],
    "inv_hus": [
        GrantRequest(Role.INVESTIGATOR, "pallsoft", "HUS"),
        GrantRequest(Role.INVESTIGATOR, "prosarc2", "HUS"),
    ],
    "coordinator": [GrantRequest(Role.INVESTIGATOR, "pallsoft")],
    "monitor": [GrantRequest(Role.MONITOR, "pallsoft"), GrantRequest(Role.MONITOR, "prosarc2")],
    "stat": [GrantRequest(Role.UNBLINDED_STATISTICIAN, "pallsoft")],
    "sponsor": [GrantRequest(Role.SPONSOR_ADMIN, "pallsoft")],
}


def protocol_variant(tmp_path: Path, slug: str, *replacements: tuple[str, str]) -> Path:
    """A copy of a bundled protocol with each ``(old, new)`` text replaced exactly once, and
    a new version label (so it loads as an amendment)."""
    text = (TRIALS / f"{slug}.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {slug}"
        text = text.replace(old, new)
    text = re.sub(r'label = "0\.1-registry"', 'label = "0.2-test"', text, count=1)
    path = tmp_path / f"{slug}-variant-{len(list(tmp_path.glob(f'{slug}-variant-*')))}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def setup_trials(db: Database, *, pallsoft: str | Path = "pallsoft", prosarc2: bool = True) -> None:
    """Load PALLSOFT (bundled or a variant file) and PROSARC-2, and add the staff."""
    load_protocol(db, str(pallsoft), actor="admin")
    if prosarc2:
        load_protocol(db, "prosarc2", actor="admin")
    for username, grants in STAFF.items():
        usable = [g for g in grants if prosarc2 or g.trial_slug != "prosarc2"]
        add_user(
            db,
            actor="admin",
            username=username,
            full_name=username.replace("_", " ").title(),
            email=f"{username}@example.org",
            grants=usable,
        )


def enrol(
    db: Database,
    *,
    trial: str = "pallsoft",
    site: str = "OUS",
    actor: str = "inv_ous",
    data: Mapping[str, Any] | None = None,
    confirm: tuple[str, ...] | None = None,
    optional: Mapping[str, bool] | None = None,
) -> RegistrationRecord:
    """Screen, consent and register one eligible person; returns the registration."""
    patient = dict(PALLSOFT_PATIENT if trial == "pallsoft" else PROSARC2_PATIENT)
    patient.update(data or {})
    confirmations = confirm
    if confirmations is None:
        confirmations = PALLSOFT_CONFIRM if trial == "pallsoft" else PROSARC2_CONFIRM
    screened = screen(
        db, actor=actor, trial_slug=trial, site_code=site, data=patient, confirm=confirmations
    )
    assert screened.result.eligible, screened.result.blocking()
    record_consent(
        db,
        actor=actor,
        trial_slug=trial,
        screening_id=screened.screening.screening_id,
        document_version="1.0",
        consented_on=TODAY,
        optional=optional
        if optional is not None
        else ({"biobank": True} if trial == "prosarc2" else {}),
    )
    return register(db, actor=actor, trial_slug=trial, screening_id=screened.screening.screening_id)


def audit_rows(db: Database) -> int:
    """The length of the research database's audit trail."""
    with db.engine("research").connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(audit_log)) or 0)


def refused(db: Database, error: type[RadtrialError], call: Callable[[], Any]) -> RadtrialError:
    """Run ``call``, expect ``error``, and check that nothing was written (the audit trail,
    which records every insert, update and delete, has the same length)."""
    before = audit_rows(db)
    with pytest.raises(error) as caught:
        call()
    assert audit_rows(db) == before, "a refusal wrote to the database"
    return caught.value

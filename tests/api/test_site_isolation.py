"""Site isolation: the policy against an independent oracle, and every role at every site
against every object route with other sites' ids (RELIABILITY.md row 9: 0 leaks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.services.policy import Action, decide
from radtrial.store.records import GrantRecord, Role, UserRecord
from tests.api import oracle
from tests.api.support import PARTICIPANTS, PASSWORD, USERS, World, client_for, sign_in

# -- the policy function against the oracle ---------------------------------------------------

trials = st.sampled_from([*oracle.TRIALS, None])
sites = st.sampled_from([*oracle.SITES, None])
grants = st.tuples(st.sampled_from([role.value for role in Role]), trials, sites)


def _user(grant_list: list[tuple[str, str | None, str | None]], active: bool) -> UserRecord:
    from datetime import UTC, datetime

    return UserRecord(
        id=1,
        username="someone",
        full_name="Some One",
        email="s@example.org",
        active=active,
        has_password=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        grants=tuple(GrantRecord(Role(r), t, s) for r, t, s in grant_list),
    )


@settings(max_examples=10_000, deadline=None, database=None)
@given(
    grant_list=st.lists(grants, max_size=4),
    active=st.booleans(),
    action=st.sampled_from(list(Action)),
    trial=trials,
    site=sites,
)
def test_the_policy_decides_as_the_oracle_in_every_case(
    grant_list: list[tuple[str, str | None, str | None]],
    active: bool,
    action: Action,
    trial: str | None,
    site: str | None,
) -> None:
    expected = oracle.may(grant_list, active, action.value, trial, site)
    assert decide(_user(grant_list, active), action, trial, site) is expected


def test_the_oracle_and_the_policy_name_the_same_actions_and_roles() -> None:
    from radtrial.services.policy import ACTION_ROLES

    assert {a.value: {r.value for r in roles} for a, roles in ACTION_ROLES.items()} == oracle.ROLES


# -- the API and pages with ids of other sites ------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request for one object, and the oracle's verdict on whether it may be answered."""

    path: str
    action: str
    trial: str | None
    site: str | None
    #: a site or trial the user may not see answers 403; a list filters instead
    listing: bool = False


def _probes(world: World) -> list[Probe]:
    probes = []
    for study_id, (trial, site) in PARTICIPANTS.items():
        pid = world.participant_ids[study_id]
        probes.append(Probe(f"/api/v1/audit/records/participants/{pid}", "audit.read", trial, site))
        probes.append(Probe(f"/audit/participants/{pid}", "audit.read", trial, site))
    for (trial, site), link_id in world.trial_site_ids.items():
        if site in ("OUS", "HUS", "STO"):
            probes.append(
                Probe(f"/api/v1/audit/records/trial_sites/{link_id}", "audit.read", trial, site)
            )
    for code in ("OUS", "HUS", "STO", "UNN"):
        # A site answers when the user may read it in at least one of its trials.
        probes.append(Probe(f"/api/v1/sites/{code}", "site.read", None, code))
        probes.append(Probe(f"/sites/{code}", "site.read", None, code))
    for username, user_grants in USERS.items():
        _role, trial, site = user_grants[0]
        probes.append(Probe(f"/api/v1/users/{username}", "user.manage", trial, site))
        if username in ("admin.ous", "inv.hus", "monitor"):
            probes.append(Probe(f"/users/{username}/edit", "user.manage", trial, site))
        probes.append(
            Probe(
                f"/api/v1/audit/records/role_grants/{world.grant_ids[username]}",
                "audit.read",
                trial,
                site,
            )
        )
        if username in ("admin.ous", "inv.hus", "monitor"):
            user_id = world.user_ids[username]
            probes.append(Probe(f"/api/v1/audit/records/users/{user_id}", "audit.read", None, None))
    for slug in ("pallsoft", "prosarc2"):
        probes.append(Probe(f"/api/v1/trials/{slug}", "trial.read", slug, None))
        probes.append(Probe(f"/trials/{slug}", "trial.read", slug, None))
    probes.extend(_enrolment_probes(world))
    probes.extend(_outcome_probes())
    return probes


#: One screening per (trial, site, screener), made in the module's world (enrolment routes).
SCREENINGS = (("pallsoft", "OUS", "inv.ous"), ("pallsoft", "HUS", "inv.hus"))


def _screenings(world: World) -> dict[tuple[str, str], str]:
    """The screening id of each (trial, site) in :data:`SCREENINGS`, screened once."""
    from radtrial.services.screening import screen

    made = getattr(world, "_screenings", None)
    if made is None:
        made = {
            (trial, site): screen(
                world.db, actor=actor, trial_slug=trial, site_code=site, data={}
            ).screening.screening_id
            for trial, site, actor in SCREENINGS
        }
        world._screenings = made  # type: ignore[attr-defined]
    return dict(made)


def _enrolment_probes(world: World) -> list[Probe]:
    probes = []
    for study_id, (trial, site) in PARTICIPANTS.items():
        probes.append(Probe(f"/api/v1/participants/{study_id}", "participant.read", trial, site))
        probes.append(Probe(f"/participants/{study_id}", "participant.read", trial, site))
        probes.append(
            Probe(
                f"/api/v1/trials/{trial}/participants?site={site}", "participant.read", trial, site
            )
        )
        probes.append(
            Probe(f"/api/v1/trials/{trial}/screening-log?site={site}", "site.read", trial, site)
        )
        probes.append(Probe(f"/sites/{site}/trials/{trial}", "site.read", trial, site))
        probes.append(
            Probe(f"/trials/{trial}/screen?site={site}", "participant.write", trial, site)
        )
    for (trial, site), screening_id in _screenings(world).items():
        path = f"/api/v1/trials/{trial}/screenings/{screening_id}"
        probes.append(Probe(path, "participant.read", trial, site))
        probes.append(
            Probe(
                f"/trials/{trial}/screen?screening={screening_id}", "participant.read", trial, site
            )
        )
    return probes


def _outcome_probes() -> list[Probe]:
    """The outcome routes (tests/api/test_outcome_routes.py) of each participant and site."""
    probes = []
    for study_id, (trial, site) in PARTICIPANTS.items():
        for noun in ("adverse-events", "ecog", "recist", "events", "samples"):
            probes.append(
                Probe(f"/api/v1/participants/{study_id}/{noun}", "participant.read", trial, site)
            )
        for noun in ("visits-due", "adverse-events"):
            probes.append(
                Probe(f"/api/v1/sites/{site}/{noun}?trial={trial}", "participant.read", trial, site)
            )
        probes.append(Probe(f"/participants/{study_id}/outcomes", "participant.read", trial, site))
        probes.append(
            Probe(f"/sites/{site}/follow-up?trial={trial}", "participant.read", trial, site)
        )
    return probes


def _site_trials() -> dict[str, set[str]]:
    return {
        "OUS": {"pallsoft", "prosarc2"},
        "HUS": {"pallsoft", "prosarc2"},
        "STO": {"pallsoft", "prosarc2"},
        "UNN": {"pallsoft", "prosarc2"},
    }


def _expected(username: str, probe: Probe) -> bool:
    grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
    if probe.action == "site.read" and probe.trial is None:
        return any(
            oracle.may(grant_list, True, "site.read", trial, probe.site)
            for trial in _site_trials()[probe.site or ""]
        )
    return oracle.may(grant_list, True, probe.action, probe.trial, probe.site)


@pytest.fixture(scope="module")
def clients(shared_world: World) -> Iterator[dict[str, TestClient]]:
    signed_in = {}
    for username in USERS:
        client = client_for(shared_world.db)
        sign_in(client, shared_world, username)
        signed_in[username] = client
    yield signed_in
    for client in signed_in.values():
        client.close()


def test_no_role_at_any_site_reaches_an_object_it_may_not_see(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    leaks, wrongly_refused, checked = [], [], 0
    for probe in _probes(shared_world):
        for username, client in clients.items():
            response = client.get(probe.path, follow_redirects=False)
            allowed = _expected(username, probe)
            checked += 1
            assert response.status_code in {200, 403}, (username, probe.path, response.text)
            if response.status_code == 200 and not allowed:
                leaks.append((username, probe.path))
            if response.status_code == 403 and allowed:
                wrongly_refused.append((username, probe.path))
    assert leaks == []
    assert wrongly_refused == []
    assert checked > 400


def test_lists_never_contain_another_sites_rows(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    for username, client in clients.items():
        grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
        codes = {s["code"] for s in client.get("/api/v1/sites").json()}
        for site in codes:
            assert any(
                oracle.may(grant_list, True, "site.read", trial, site)
                for trial in ("pallsoft", "prosarc2")
            ), (username, site)
        for site in client.get("/api/v1/sites").json():
            for row in site["trials"]:
                assert oracle.may(grant_list, True, "site.read", row["trial"], site["code"])
        listed = {t["slug"] for t in client.get("/api/v1/trials").json()}
        assert listed == {
            slug
            for slug in ("pallsoft", "prosarc2")
            if oracle.may(grant_list, True, "trial.read", slug, None)
        }
        response = client.get("/api/v1/users")
        if response.status_code == 200:
            for user in response.json():
                for grant in user["grants"]:
                    assert oracle.may(
                        grant_list, True, "user.manage", grant["trial"], grant["site"]
                    )
        else:
            assert response.status_code == 403
            assert not any(r == "sponsor_admin" for r, _, _ in grant_list)


def test_lists_of_participants_and_screenings_hold_only_visible_sites(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    _screenings(shared_world)
    for username, client in clients.items():
        grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
        for trial in ("pallsoft", "prosarc2"):
            response = client.get(f"/api/v1/trials/{trial}/participants")
            may_read_trial = oracle.may(grant_list, True, "trial.read", trial, None)
            assert response.status_code == (200 if may_read_trial else 403), (username, trial)
            if response.status_code == 200:
                rows = response.json()
                assert all(
                    oracle.may(grant_list, True, "participant.read", r["trial"], r["site"])
                    for r in rows
                ), (username, rows)
                assert {r["study_id"] for r in rows} == {
                    sid
                    for sid, (t, s) in PARTICIPANTS.items()
                    if t == trial and oracle.may(grant_list, True, "participant.read", t, s)
                }
            log = client.get(f"/api/v1/trials/{trial}/screening-log")
            if log.status_code == 200:
                for row in log.json()["screenings"]:
                    assert oracle.may(grant_list, True, "site.read", trial, row["site"])


#: Valid writes about a participant or screening, so a refusal cannot hide behind a 422.
def _writes(study_id: str, trial: str, screening_id: str) -> list[tuple[str, object]]:
    screening = f"/api/v1/trials/{trial}/screenings/{screening_id}"
    return [
        (f"/api/v1/participants/{study_id}/randomisation", None),
        (f"/api/v1/participants/{study_id}/withdrawals", {"kind": "treatment", "reason": "x"}),
        (
            f"/api/v1/participants/{study_id}/optional-fraction-decision",
            {"criterion_met": True, "give": False},
        ),
        (f"{screening}/evaluations", {"data": {}}),
        (f"{screening}/consent", {"document_version": "1.0", "consented_on": "2026-03-01"}),
        (f"{screening}/registration", None),
        (
            f"/api/v1/participants/{study_id}/adverse-events",
            {"term": "Diarrhea", "grade": 2, "onset_on": "2026-03-02", "attribution": "possible"},
        ),
        (f"/api/v1/participants/{study_id}/ecog", {"status": 1}),
        (f"/api/v1/participants/{study_id}/symptom-ratings", {"visit": "baseline", "nrs": 5}),
        (f"{screening}/not-included", {"reason": "other", "note": "x"}),
    ]


def test_no_role_writes_another_sites_participants(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    screenings = _screenings(shared_world)
    refused = 0
    for (trial, site), screening_id in screenings.items():
        study_id = next(s for s, (t, c) in PARTICIPANTS.items() if (t, c) == (trial, site))
        for username, client in clients.items():
            grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
            if oracle.may(grant_list, True, "participant.write", trial, site):
                continue
            for path, body in _writes(study_id, trial, screening_id):
                response = client.post(path, json=body)
                assert response.status_code == 403, (username, path, response.text)
                refused += 1
            page = client.post(
                f"/participants/{study_id}/randomise",
                data={"csrf_token": client.headers["X-CSRF-Token"], "confirm": "yes"},
            )
            assert page.status_code == 403, (username, study_id)
    assert refused > 100


def test_every_refusal_is_in_the_access_log(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    from radtrial.services.policy import access_log

    before = len(access_log(shared_world.db, actor="inv.hus", action="audit.read"))
    pid = shared_world.participant_ids["PALL-OUS-0001"]
    assert clients["inv.hus"].get(f"/api/v1/audit/records/participants/{pid}").status_code == 403
    rows = access_log(shared_world.db, actor="inv.hus", action="audit.read")
    assert len(rows) == before + 1
    assert (rows[0].outcome, rows[0].entity, rows[0].site_code) == ("denied", "participants", "OUS")


# -- signed records (tests/api/test_signatures.py) ---------------------------------------------


def _adverse_events(world: World) -> dict[str, int]:
    """One adverse event of each PALLSOFT participant, recorded through the service by the
    investigator at its site: study id -> event id."""
    from datetime import date

    from radtrial.services.outcomes.adverse_events import record_adverse_event

    made = getattr(world, "_adverse_events", None)
    if made is None:
        made = {
            study_id: record_adverse_event(
                world.db,
                actor=f"inv.{site.lower()}",
                study_id=study_id,
                term="Diarrhea",
                grade=2,
                onset_on=date(2026, 3, 2),
                attribution="possible",
            ).id
            for study_id, (trial, site) in PARTICIPANTS.items()
            if trial == "pallsoft"
        }
        world._adverse_events = made  # type: ignore[attr-defined]
    return dict(made)


def test_no_role_reads_signs_or_corrects_a_signed_record_of_a_site_it_may_not_see(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    from radtrial.services.signatures import signatures_of

    leaks, wrongly_refused, refused_writes = [], [], 0
    for study_id, event_id in _adverse_events(shared_world).items():
        trial, site = PARTICIPANTS[study_id]
        record = f"/participants/{study_id}/adverse-events/{event_id}"
        for username, client in clients.items():
            grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
            allowed = oracle.may(grant_list, True, "participant.read", trial, site)
            for path in (f"/api/v1{record}", f"/api/v1{record}/signatures", record):
                response = client.get(path, follow_redirects=False)
                assert response.status_code in {200, 403}, (username, path, response.text)
                if response.status_code == 200 and not allowed:
                    leaks.append((username, path))
                if response.status_code == 403 and allowed:
                    wrongly_refused.append((username, path))
            if oracle.may(grant_list, True, "participant.write", trial, site):
                continue
            # The user's own right password and the record's current version: only the site
            # stands between them and the write.
            signed = client.post(f"/api/v1{record}/signatures", json={"password": PASSWORD})
            assert signed.status_code == 403, (username, study_id, signed.text)
            etag = clients["monitor"].get(f"/api/v1{record}").headers["ETag"]
            corrected = client.patch(
                f"/api/v1{record}",
                json={"grade": 1, "reason": "typo"},
                headers={"If-Match": etag},
            )
            assert corrected.status_code == 403, (username, study_id, corrected.text)
            page = client.post(
                f"{record}/sign",
                data={"csrf_token": client.headers["X-CSRF-Token"], "password": PASSWORD},
            )
            assert page.status_code == 403, (username, study_id, page.text)
            refused_writes += 3
        assert (
            signatures_of(
                shared_world.db,
                actor="monitor",
                study_id=study_id,
                entity="adverse_events",
                entity_id=event_id,
            )
            == []
        )
    assert leaks == []
    assert wrongly_refused == []
    assert refused_writes >= 12


def test_a_record_is_reached_only_under_its_own_participant(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    """A monitor who may read both participants still cannot reach one participant's record
    under the other's study id, nor an investigator sign it there (ids are not interchangeable)."""
    events = _adverse_events(shared_world)
    ous, hus = events["PALL-OUS-0001"], events["PALL-HUS-0001"]
    monitor = clients["monitor"]
    for path in (
        f"/api/v1/participants/PALL-HUS-0001/adverse-events/{ous}",
        f"/api/v1/participants/PALL-HUS-0001/adverse-events/{ous}/signatures",
        f"/api/v1/participants/PALL-OUS-0001/adverse-events/{hus}",
        f"/participants/PALL-OUS-0001/adverse-events/{hus}",
    ):
        assert monitor.get(path).status_code == 404, path
    swapped = clients["inv.ous"].post(
        f"/api/v1/participants/PALL-OUS-0001/adverse-events/{hus}/signatures",
        json={"password": PASSWORD},
    )
    assert swapped.status_code == 404, swapped.text


# -- the RT course (tests/api/test_course_routes.py) -------------------------------------------
# Kept last in the module: it enrols PROSARC-2 participants into the shared world, which the
# list tests above compare against PARTICIPANTS.


def _courses(world: World) -> dict[str, tuple[str, str, str]]:
    """Two PROSARC-2 participants at OUS with a planned course, one treated at OUS and one
    referred to HUS: study id -> (trial, participant's site, treating site)."""
    from radtrial.services.course import plan_participant_course
    from tests.course_web_support import INVESTIGATOR, START, prosarc2_participant

    made = getattr(world, "_courses", None)
    if made is None:
        made = {}
        for treating in ("OUS", "HUS"):
            study_id = prosarc2_participant(world, planned=False)
            plan_participant_course(
                world.db, actor=INVESTIGATOR, study_id=study_id, start=START, site_code=treating
            )
            made[study_id] = ("prosarc2", "OUS", treating)
        world._courses = made  # type: ignore[attr-defined]
    return dict(made)


def _may_course(username: str, action: str, trial: str, sites: tuple[str, str]) -> bool:
    """A course is reached from the participant's site or the treating site."""
    grant_list = [(r.value, t, s) for r, t, s in USERS[username]]
    return any(oracle.may(grant_list, True, action, trial, site) for site in sites)


def test_no_role_reaches_or_writes_a_course_of_a_site_it_may_not_see(
    shared_world: World, clients: dict[str, TestClient]
) -> None:
    from radtrial.api.routers.plan_qa import PLAN_FILES

    leaks, wrongly_refused, refused_writes = [], [], 0
    for study_id, (trial, site, treating) in _courses(shared_world).items():
        for username, client in clients.items():
            allowed = _may_course(username, "participant.read", trial, (site, treating))
            for path in (
                f"/api/v1/participants/{study_id}/course",
                f"/participants/{study_id}/course",
                f"/api/v1/participants/{study_id}/plan-qa",
                f"/participants/{study_id}/plan-qa",
            ):
                response = client.get(path, follow_redirects=False)
                assert response.status_code in {200, 403}, (username, path, response.text)
                if response.status_code == 200 and not allowed:
                    leaks.append((username, path))
                if response.status_code == 403 and allowed:
                    wrongly_refused.append((username, path))
            if _may_course(username, "participant.write", trial, (site, treating)):
                continue
            course = f"/api/v1/participants/{study_id}/course"
            for path, body in (
                (course, {"start_date": "2026-03-09", "reason": "x"}),
                (f"{course}/fractions/1/delivery", {"doses": {"target": 3.5, "boost": 5}}),
                (f"{course}/fractions/1/miss", {"reason": "x"}),
                (f"{course}/fractions/1/cancel", {"reason": "x"}),
                (f"{course}/compensation", {"option": 1, "reason": "x"}),
                (f"{course}/deviations/1/acknowledgement", {"reason": "x"}),
            ):
                response = client.post(path, json=body)
                assert response.status_code == 403, (username, path, response.text)
                refused_writes += 1
            dicom = {name: (f"{name}.dcm", b"DICM", "application/dicom") for name in PLAN_FILES}
            response = client.post(f"/api/v1/participants/{study_id}/plan-qa", files=dicom)
            assert response.status_code == 403, (username, "plan-qa", response.text)
            page = client.post(
                f"/participants/{study_id}/course/miss",
                data={"csrf_token": client.headers["X-CSRF-Token"], "fraction": "1", "reason": "x"},
            )
            assert page.status_code == 403, (username, study_id)
    assert leaks == []
    assert wrongly_refused == []
    assert refused_writes > 30


# -- a site's biobank lists (tests/api/test_biobank_routes.py) ----------------------------------


def test_no_role_lists_samples_or_shipments_of_a_site_it_may_not_see(world: World) -> None:
    """``/sites/{code}/samples`` and ``/shipments`` for every user at every site, with and
    without ``?trial=``: 403 exactly where the user may read no participant (in the trial asked
    about), and otherwise only rows of participants the user may read. A world of its own, so
    the participants it enrols do not reach the shared world's list tests."""
    from radtrial.services import consent, registration, screening
    from radtrial.services.outcomes import biobank, shipments
    from tests.outcomes_support import _prosarc_data

    made: dict[tuple[str, str], set[str]] = {}  # (trial, site) -> labels
    shipped: dict[tuple[str, str], dict[str, str]] = {}  # (trial, site) -> {label: shipment}
    for site, actor in (("OUS", "inv.ous"), ("STO", "inv.sto")):
        with world.db.unit_of_work("setup", reason=f"{site} recruits for PROSARC-2") as uow:
            uow.sites.upsert_trial_site(
                trial_slug="prosarc2", site_code=site, status="recruiting", roles=["recruiting"]
            )
        today = world.clock().date()
        handle = screening.screen(
            world.db,
            actor=actor,
            trial_slug="prosarc2",
            data=_prosarc_data(today),
            site_code=site,
            confirm=["I7", "E1", "E4"],
        ).screening.screening_id
        consent.record_consent(
            world.db,
            actor=actor,
            trial_slug="prosarc2",
            screening_id=handle,
            document_version="1.0",
            consented_on=today,
            optional={"biobank": True},
        )
        study_id = registration.register(
            world.db, actor=actor, trial_slug="prosarc2", screening_id=handle
        ).participant.study_id
        label = f"{site}-PL"
        samples = biobank.collect_sample(
            world.db,
            actor=actor,
            study_id=study_id,
            label=label,
            sample_type="plasma",
            visit_id="baseline",
            aliquots=2,
        )
        for n in (1, 2):
            biobank.store_sample(
                world.db,
                actor=actor,
                label=f"{label}-0{n}",
                freezer=f"{site}-F1",
                rack="R1",
                box="B1",
                position=f"A{n}",
            )
        shipments.ship_samples(
            world.db,
            actor=actor,
            labels=[f"{label}-02"],
            code=f"SHIP-{site}",
            to_location="Central lab",
        )
        made[("prosarc2", site)] = {s.label for s in samples}
        shipped[("prosarc2", site)] = {f"{label}-02": f"SHIP-{site}"}

    leaks, wrongly_refused, checked, rows_seen = [], [], 0, 0
    for username in USERS:
        grant_list = [(r.value, t, s) for r, t, s in USERS[username]]

        def may(
            trial: str, site: str, grants: list[tuple[str, str | None, str | None]] = grant_list
        ) -> bool:
            return oracle.may(grants, True, "participant.read", trial, site)

        client = client_for(world.db)
        sign_in(client, world, username)
        with client:
            for site in ("OUS", "HUS", "STO", "UNN"):
                for trial in (None, "pallsoft", "prosarc2"):
                    trials = ("pallsoft", "prosarc2") if trial is None else (trial,)
                    allowed = any(may(t, site) for t in trials)
                    readable = [t for t in trials if may(t, site)]
                    query = "" if trial is None else f"?trial={trial}"
                    for noun in ("samples", "shipments"):
                        path = f"/api/v1/sites/{site}/{noun}{query}"
                        response = client.get(path)
                        checked += 1
                        assert response.status_code in {200, 403}, (username, path, response.text)
                        if response.status_code == 403:
                            if allowed:
                                wrongly_refused.append((username, path))
                            for labels in made.values():
                                assert not any(label in response.text for label in labels)
                            continue
                        if not allowed:
                            leaks.append((username, path))
                            continue
                        rows = response.json()
                        rows_seen += len(rows)
                        if noun == "samples":
                            expected = set().union(*(made.get((t, site), set()) for t in readable))
                            assert {r["label"] for r in rows} == expected, (username, path)
                            assert all(may(r["trial"], site) for r in rows), (username, path)
                        else:
                            expected_codes = {
                                code
                                for t in readable
                                for code in shipped.get((t, site), {}).values()
                            }
                            assert {r["code"] for r in rows} == expected_codes, (username, path)
                            for row in rows:
                                assert set(row["labels"]) <= set().union(
                                    *(made.get((t, site), set()) for t in readable)
                                ), (username, path, row)
    assert leaks == []
    assert wrongly_refused == []
    assert checked == len(USERS) * 4 * 3 * 2
    assert rows_seen > 20  # the lists were not merely empty

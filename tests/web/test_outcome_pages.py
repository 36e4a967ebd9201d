"""The site follow-up page: visits due and open adverse events with SAE deadlines, in both
languages, refused for another site."""

from __future__ import annotations

from radtrial.services.outcomes.adverse_events import record_adverse_event
from tests.api.support import World, client_for, sign_in


def test_the_follow_up_page_lists_open_adverse_events_with_their_sae_deadline(
    world: World,
) -> None:
    from datetime import date

    record_adverse_event(
        world.db,
        actor="nurse.ous",
        study_id="PALL-OUS-0001",
        term="Diarrhea",
        grade=3,
        onset_on=date(2026, 3, 2),
        attribution="possible",
        seriousness=["hospitalisation"],
        specify=None,
    )
    with client_for(world.db) as client:
        sign_in(client, world, "nurse.ous")
        page = client.get("/sites/OUS/follow-up?trial=pallsoft")
        assert page.status_code == 200, page.text
        assert "Open adverse events and SAE report deadlines" in page.text
        assert "PALL-OUS-0001" in page.text
        assert "Diarrhea" in page.text
        assert " UTC" in page.text
        norsk = client.get("/sites/OUS/follow-up", headers={"Accept-Language": "nb"})
        assert "Åpne uønskede hendelser" in norsk.text
    with client_for(world.db) as other:
        sign_in(other, world, "inv.hus")
        assert other.get("/sites/OUS/follow-up?trial=pallsoft").status_code == 403
        assert other.get("/sites/OUS/follow-up").status_code == 403

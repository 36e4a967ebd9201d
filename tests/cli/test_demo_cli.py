"""``radtrial serve --demo`` up to the point where it would serve: the demo database is built in
``<data dir>/demo``, the credentials and the participants by stage are printed, and the app is
handed the demo database (uvicorn itself is replaced)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from radtrial.cli.app import app
from radtrial.config import get_settings
from radtrial.services.audit import verify_audit
from radtrial.services.auth import current_totp_code
from radtrial.services.demo import DEMO_PASSWORD, DEMO_USERS
from radtrial.services.screening import screening_log
from radtrial.store.database import Database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RADTRIAL_DATA_DIR", str(tmp_path))
    for name in ("RADTRIAL_DATABASE_URL", "RADTRIAL_IDENTITY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_serve_demo_builds_the_demo_prints_how_to_sign_in_and_serves_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}

    def fake_run(application: object, **options: object) -> None:
        served["app"] = application
        served.update(options)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    (data_dir / "demo").mkdir()
    (data_dir / "demo" / "stale.txt").write_text("from an earlier demo", encoding="utf-8")

    result = runner.invoke(app, ["serve", "--demo", "--seed", "11", "--port", "8123"])

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "http://127.0.0.1:8123/" in out
    assert DEMO_PASSWORD in out
    for user in DEMO_USERS:
        assert user.username in out
    assert "seed 11" in out
    assert "--seed 11" in out
    # The table of participants by trial, site and stage.
    for heading in ("ineligible", "declined", "randomised", "on treatment", "follow up"):
        assert heading in out
    assert "PALL" in out
    assert "PRS2" in out
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert served["app"] is not None

    folder = data_dir / "demo"
    assert not (folder / "stale.txt").exists()  # recreated fresh
    with Database(
        f"sqlite:///{folder / 'research.db'}", f"sqlite:///{folder / 'identity.db'}"
    ) as db:
        assert all(r.ok for r in verify_audit(db))
        counts = screening_log(db, actor="nurse.ous", trial_slug="pallsoft").counts
        assert counts.assessed == 14  # the OUS nurse sees OUS's screenings only
        assert counts.registered > 0
        assert len(current_totp_code(db, username="nurse.ous")) == 6

"""schemathesis against the published OpenAPI document (RELIABILITY.md row 14): every
operation, positive and negative cases, a bounded number per operation, signed in as a sponsor
administrator. Pass: 0 server errors, 0 schema violations, and every check schemathesis runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from radtrial.api.app import create_app
from radtrial.api.security import CSRF_HEADER, SESSION_COOKIE
from radtrial.config import Settings
from radtrial.store.database import Database
from tests.api.support import MovableClock, World, build_world, cheap_passwords, client_for, sign_in

#: Cases per operation (and per phase); enough to find 5xx and schema drift, cheap enough for CI.
MAX_EXAMPLES = 30

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # A schema-valid edit that names a random version is rightly refused as stale.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "429"]
            },
            # A missing If-Match is 428 Precondition Required (RFC 6585), as documented.
            "missing_required_header": {
                "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
            },
        }
    }
)


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    clock = MovableClock()
    with cheap_passwords():
        db = Database(
            f"sqlite:///{folder / 'research.db'}",
            f"sqlite:///{folder / 'identity.db'}",
            clock=clock,
        )
        try:
            yield build_world(db, clock)
        finally:
            db.close()


@pytest.fixture(scope="module")
def signed_in_headers(fuzz_world: World) -> dict[str, str]:
    with cheap_passwords(), client_for(fuzz_world.db) as client:
        csrf = sign_in(client, fuzz_world, "admin")
        return {"Cookie": f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}", CSRF_HEADER: csrf}


@pytest.fixture(scope="module")
def api_schema(fuzz_world: World) -> schemathesis.schemas.BaseSchema:
    app = create_app(Settings(), fuzz_world.db)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG).exclude(
        path="/api/v1/auth/logout"
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_published_contract(
    api_schema: schemathesis.schemas.BaseSchema,
    signed_in_headers: dict[str, str],
    mode: GenerationMode,
) -> None:
    failures: dict[str, str] = {}
    cases = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            if (
                mode is GenerationMode.POSITIVE
                and case.headers
                and "Idempotency-Key" in case.headers
            ):
                # A key reused for another payload is rightly 422: keep generated keys unique.
                case.headers["Idempotency-Key"] = f"{case.headers['Idempotency-Key'][:200]}-{cases}"
            headers = dict(signed_in_headers)
            components = case.meta.components if case.meta is not None else {}
            for location, name in (
                (ParameterLocation.COOKIE, "Cookie"),
                (ParameterLocation.HEADER, CSRF_HEADER),
            ):
                info = components.get(location)
                if info is not None and info.mode is GenerationMode.NEGATIVE:
                    # The case breaks the credentials on purpose: do not mend them.
                    headers.pop(name)
            case.call_and_validate(headers=headers)

        try:
            with cheap_passwords():
                run()
        except Exception as failure:
            failures[operation.label] = f"{type(failure).__name__}: {failure}"[:2000]
    assert failures == {}
    assert cases >= MAX_EXAMPLES  # generation really ran
    print(f"schemathesis {mode.value}: {cases} cases, 0 failures")

"""``Idempotency-Key`` for every API write, as middleware, so every router has it.

A ``POST``, ``PUT``, ``PATCH`` or ``DELETE`` under ``/api/v1`` (except signing in and out) that
carries the header is run at most once per signed-in user and key; see
:mod:`radtrial.services.idempotency` for the rules. The stored answer is replayed byte for byte
with ``Idempotent-Replayed: true``. Requests without a valid session pass through untouched (the
router answers 401), as do requests without the header.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from radtrial.api.errors import error_response
from radtrial.api.security import SESSION_COOKIE
from radtrial.errors import NotAuthenticated, RadtrialError
from radtrial.services import auth, idempotency

__all__ = ["IDEMPOTENCY_HEADER", "REPLAYED_HEADER", "IdempotencyMiddleware"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Answer headers worth replaying (security headers are added again on the way out).
_KEPT_HEADERS = frozenset({"content-type", "etag", "location", "retry-after"})


class IdempotencyMiddleware:
    """See the module docstring; ``prefix`` is the API's path prefix."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        exempt: tuple[str, ...] = (),
        exempt_suffixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.exempt = exempt
        # Writes whose answer holds a secret shown once (never stored for replay).
        self.exempt_suffixes = exempt_suffixes

    def _applies(self, scope: Scope) -> bool:
        path = str(scope.get("path", ""))
        return (
            scope["type"] == "http"
            and scope.get("method") in _WRITES
            and path.startswith(self.prefix)
            and not path.startswith(self.exempt)
            and not path.endswith(self.exempt_suffixes)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        token = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE, "")
        try:
            principal = await run_in_threadpool(
                auth.authenticate, state.database, state.auth_policy, token
            )
        except NotAuthenticated:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request_sha256 = idempotency.fingerprint(
            str(scope["method"]),
            str(scope["path"]),
            scope.get("query_string", b"").decode("latin-1"),
            body,
        )
        username = principal.username
        try:
            stored = await run_in_threadpool(
                lambda: idempotency.begin(
                    state.database, username=username, key=key, request_sha256=request_sha256
                )
            )
        except RadtrialError as error:
            await error_response(error)(scope, receive, send)
            return
        if stored is not None:
            replay = Response(stored.body.encode("utf-8"), status_code=stored.status_code)
            replay.headers.update(dict(stored.headers))
            replay.headers[REPLAYED_HEADER] = "true"
            await replay(scope, receive, send)
            return
        await self._run_once(scope, body, send, username, key)

    async def _run_once(
        self, scope: Scope, body: bytes, send: Send, username: str, key: str
    ) -> None:
        """Run the request once, store its answer, then send it: the answer is stored before
        the client sees it, so an immediate retry is replayed rather than refused."""
        state = scope["app"].state
        start: Message | None = None
        kept: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                for name, value in Headers(raw=message.get("headers", [])).items():
                    if name.lower() in _KEPT_HEADERS:
                        kept.append((name, value))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        def release() -> None:
            idempotency.release(state.database, username=username, key=key)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await run_in_threadpool(release)
            raise
        assert start is not None
        status = int(start["status"])
        content = b"".join(chunks)
        if status >= 500:
            await run_in_threadpool(release)
        else:
            await run_in_threadpool(
                lambda: idempotency.complete(
                    state.database,
                    username=username,
                    key=key,
                    status_code=status,
                    headers=kept,
                    body=content.decode("utf-8", errors="replace"),
                )
            )
        await send(start)
        await send({"type": "http.response.body", "body": content, "more_body": False})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)

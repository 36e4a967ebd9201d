"""Signing in to the web platform: password, TOTP second factor, server-side sessions, throttling.

Staff sign in with a password (argon2id, :mod:`radtrial.services.users`) and then a TOTP code
(RFC 6238; OWASP ASVS 5.0 6.3.3): the password alone gives only a short-lived *second-factor*
session that can do nothing but present a code, and an account with no second factor enrolled
cannot sign in at all. A code is accepted once (the last accepted time step is kept), within
one step of the server's clock.

Sessions live in the database; the cookie carries a random token whose SHA-256 is stored. Every
stage of sign-in issues a new token (no session fixation). A session ends after 30 minutes
unused or 12 hours after sign-in, when the account is disabled, and at sign-out (OWASP ASVS
4.0.3 3.3.2; RELIABILITY.md row 13). ``last_seen_at`` is written at most once a minute, so the
idle timeout is exact to within a minute. Time is the database's clock, so tests can move it.

Failed attempts (password or code) are counted per account and per client address over the
last hour; beyond the limits (at most 100 per account, ASVS 4.0.3 2.2.1) a sign-in is refused
with :class:`TooManyAttempts` before the password is checked, so no more than the limit are
ever evaluated, and the refusal lifts as the oldest failure ages out: no permanent lockout.
Each attempt is reserved as a failure before it is evaluated, so concurrent guesses cannot
overshoot the limit. Sign-ins, failures, refusals and sign-outs go to the access log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from radtrial.config import Settings
from radtrial.errors import InvalidInput, NotAuthenticated, NotFound, TooManyAttempts
from radtrial.services.users import verify_password
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import AuthSessionRecord, UserRecord
from radtrial.store.repositories.access import AccessRepository
from radtrial.store.repositories.auth import AuthRepository

__all__ = [
    "STAGE_ACTIVE",
    "STAGE_SECOND_FACTOR",
    "AuthPolicy",
    "IssuedSession",
    "Principal",
    "TotpEnrolment",
    "authenticate",
    "current_totp_code",
    "enrol_totp",
    "pending_second_factor",
    "sign_in_password",
    "sign_in_second_factor",
    "sign_out",
]

STAGE_SECOND_FACTOR = "second_factor"
STAGE_ACTIVE = "active"

#: The issuer name shown in authenticator apps.
TOTP_ISSUER = "radtrial"
#: RFC 6238 time step, seconds.
TOTP_STEP_S = 30
#: Steps either side of now that are still accepted (clock drift, typing time).
TOTP_DRIFT_STEPS = 1

#: The actor recorded for sign-in writes made before anyone is signed in.
SIGN_IN_ACTOR = "radtrial-sign-in"

_WINDOW = timedelta(hours=1)
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Session lifetimes and sign-in limits (from :class:`~radtrial.config.Settings`)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    second_factor: timedelta = timedelta(minutes=5)
    failures_per_account: int = 100
    failures_per_address: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPolicy:
        """The policy the settings configure."""
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            failures_per_account=settings.login_failures_per_account_hour,
            failures_per_address=settings.login_failures_per_address_hour,
        )


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A session just issued: the token goes in the cookie and nowhere else."""

    token: str
    stage: str
    username: str
    csrf_token: str

    def __repr__(self) -> str:
        return f"IssuedSession(stage={self.stage!r}, username={self.username!r})"


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user of a request, with the session's CSRF token and deadlines."""

    user: UserRecord
    session_id: int
    csrf_token: str
    signed_in_at: datetime
    idle_expires_at: datetime
    expires_at: datetime

    @property
    def username(self) -> str:
        """The user's login name."""
        return self.user.username


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """A new TOTP secret (base32) and the ``otpauth://`` URI authenticator apps read."""

    username: str
    secret: str
    provisioning_uri: str

    def __repr__(self) -> str:
        return f"TotpEnrolment(username={self.username!r})"


def token_sha256(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(1, int((oldest + _WINDOW - now).total_seconds()) + 1)


def _check_throttle(
    repo: AuthRepository, policy: AuthPolicy, now: datetime, username: str, address: str
) -> None:
    since = now - _WINDOW
    count, oldest = repo.failures_since(since, username=username)
    if count >= policy.failures_per_account:
        raise TooManyAttempts(
            "too many failed sign-ins for this account in the last hour; try again later",
            location="username",
            detail={"retry_after_s": _retry_after(oldest, now)},
        )
    count, oldest = repo.failures_since(since, client_address=address)
    if count >= policy.failures_per_address:
        raise TooManyAttempts(
            "too many failed sign-ins from this address in the last hour; try again later",
            location="client_address",
            detail={"retry_after_s": _retry_after(oldest, now)},
        )


def _log(
    uow: ResearchUnitOfWork, action: str, outcome: str, address: str, **detail: object
) -> None:
    AccessRepository(uow).append(
        action=action,
        outcome=outcome,
        client_address=address,
        detail={key: value for key, value in detail.items() if value is not None} or None,
    )


def _reserve_attempt(
    db: Database, policy: AuthPolicy, username: str, address: str, action: str
) -> int:
    """Check the limits and record a failed attempt (turned into a success later)."""

    def work(uow: ResearchUnitOfWork) -> int | TooManyAttempts:
        repo = AuthRepository(uow)
        now = uow.now()
        try:
            _check_throttle(repo, policy, now, username, address)
        except TooManyAttempts as refusal:
            _log(uow, action, "throttled", address, username=username)
            return refusal
        return repo.add_attempt(username=username, client_address=address, succeeded=False)

    result = db.run(work, actor=username or SIGN_IN_ACTOR)
    if isinstance(result, TooManyAttempts):
        raise result
    return result


def _failed(what: str) -> NotAuthenticated:
    return NotAuthenticated(f"{what}; sign in again", location="credentials")


def sign_in_password(
    db: Database, policy: AuthPolicy, *, username: str, password: str, client_address: str
) -> IssuedSession:
    """Check the password and issue a second-factor session.

    Raises :class:`TooManyAttempts` beyond the limits (nothing evaluated) and
    :class:`NotAuthenticated` for a wrong username or password, an inactive account or one with
    no second factor enrolled; the message does not say which.
    """
    username = username.strip()
    if not username or len(username) > 64:
        raise InvalidInput("1-64 characters", location="username")
    attempt = _reserve_attempt(db, policy, username, client_address, "sign_in.password")
    credentials = db.run(
        lambda uow: AuthRepository(uow).credentials(username), actor=SIGN_IN_ACTOR, read_only=True
    )
    usable = credentials is not None and credentials.active
    password_ok = verify_password(
        credentials.password_hash if credentials is not None and usable else None, password
    )
    ok = usable and password_ok and credentials is not None and credentials.totp_secret is not None

    def work(uow: ResearchUnitOfWork) -> IssuedSession | None:
        repo = AuthRepository(uow)
        if not ok or credentials is None:
            reason = "no_second_factor" if usable and password_ok else "bad_credentials"
            _log(uow, "sign_in.password", "failed", client_address, username=username, why=reason)
            return None
        repo.mark_attempt_succeeded(attempt)
        token, csrf = _new_token(), _new_token()
        repo.create_session(
            user_id=credentials.user_id,
            token_sha256=token_sha256(token),
            stage=STAGE_SECOND_FACTOR,
            csrf_token=csrf,
            client_address=client_address,
        )
        _log(uow, "sign_in.password", "passed", client_address)
        return IssuedSession(token, STAGE_SECOND_FACTOR, username, csrf)

    issued = db.run(work, actor=username)
    if issued is None:
        if usable and password_ok:
            raise NotAuthenticated(
                "this account has no second factor yet: ask a sponsor administrator to enrol "
                "one (radtrial users totp USERNAME)",
                location="credentials",
                detail={"reason": "no_second_factor"},
            )
        raise _failed("wrong username or password")
    return issued


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP_S
    matches = [
        step
        for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1)
        if hmac.compare_digest(totp.at(step * TOTP_STEP_S), code)
    ]
    return max(matches) if matches else None


def _open_session(repo: AuthRepository, token: str) -> AuthSessionRecord | None:
    session = repo.session(token_sha256(token))
    return None if session is None or session.ended_at is not None else session


def pending_second_factor(db: Database, policy: AuthPolicy, token: str) -> str:
    """The username of the open second-factor session ``token``; :class:`NotAuthenticated`
    when there is none (or it is older than its five minutes)."""

    def work(uow: ResearchUnitOfWork) -> str | None:
        session = _open_session(AuthRepository(uow), token)
        if session is None or session.stage != STAGE_SECOND_FACTOR:
            return None
        if uow.now() - session.created_at > policy.second_factor:
            return None
        return session.username

    username = db.run(work, actor=SIGN_IN_ACTOR, read_only=True) if token else None
    if username is None:
        raise _failed("the sign-in has expired")
    return username


def sign_in_second_factor(
    db: Database, policy: AuthPolicy, *, token: str, code: str, client_address: str
) -> IssuedSession:
    """Check the TOTP code of a second-factor session and issue a new, active session.

    The second-factor session ends either way on success; a wrong or replayed code counts as a
    failed attempt for the account. Raises :class:`NotAuthenticated` and
    :class:`TooManyAttempts`.
    """
    username = pending_second_factor(db, policy, token)
    attempt = _reserve_attempt(db, policy, username, client_address, "sign_in.second_factor")

    def work(uow: ResearchUnitOfWork) -> IssuedSession | None:
        repo = AuthRepository(uow)
        session = _open_session(repo, token)
        credentials = repo.credentials(username)
        if (
            session is None
            or session.stage != STAGE_SECOND_FACTOR
            or uow.now() - session.created_at > policy.second_factor
            or credentials is None
            or not credentials.active
            or credentials.totp_secret is None
        ):
            _log(uow, "sign_in.second_factor", "failed", client_address, why="no_session")
            return None
        step = _matching_step(credentials.totp_secret, code, uow.now())
        if step is None or not repo.claim_totp_step(credentials.user_id, step):
            why = "bad_code" if step is None else "replayed_code"
            _log(uow, "sign_in.second_factor", "failed", client_address, why=why)
            return None
        repo.mark_attempt_succeeded(attempt)
        repo.end_session(session.id, "second_factor_passed")
        new_token, csrf = _new_token(), _new_token()
        repo.create_session(
            user_id=credentials.user_id,
            token_sha256=token_sha256(new_token),
            stage=STAGE_ACTIVE,
            csrf_token=csrf,
            client_address=client_address,
        )
        _log(uow, "sign_in", "passed", client_address)
        return IssuedSession(new_token, STAGE_ACTIVE, username, csrf)

    issued = db.run(work, actor=username)
    if issued is None:
        raise _failed("wrong or already used code")
    return issued


def authenticate(db: Database, policy: AuthPolicy, token: str) -> Principal:
    """The signed-in user of the active session ``token``, which is marked as used.

    Raises :class:`NotAuthenticated` for an unknown, ended, second-factor-only, idle (30 min),
    too old (12 h) session, or one whose account is disabled; such a session is ended.
    """
    if not token:
        raise NotAuthenticated("not signed in", location="session")

    def read(uow: ResearchUnitOfWork) -> tuple[AuthSessionRecord, UserRecord] | str:
        session = _open_session(AuthRepository(uow), token)
        if session is None or session.stage != STAGE_ACTIVE:
            return "not signed in"
        return session, uow.users.get(session.username)

    found = db.run(read, actor=SIGN_IN_ACTOR, read_only=True)
    if isinstance(found, str):
        raise NotAuthenticated(found, location="session")
    session, user = found
    now = db.clock()
    ending = None
    if not user.active:
        ending = "account_disabled"
    elif now - session.last_seen_at > policy.idle:
        ending = "idle_timeout"
    elif now - session.created_at > policy.absolute:
        ending = "absolute_timeout"
    if ending is not None:

        def end(uow: ResearchUnitOfWork) -> None:
            AuthRepository(uow).end_session(session.id, ending)
            _log(uow, "session.end", ending, "")

        db.run(end, actor=user.username)
        raise NotAuthenticated(
            "the session has ended" + (" (account disabled)" if not user.active else ""),
            location="session",
            detail={"reason": ending},
        )
    last_seen = session.last_seen_at
    if now - last_seen >= _TOUCH_EVERY:
        db.run(lambda uow: AuthRepository(uow).touch_session(session.id), actor=user.username)
        last_seen = now
    return Principal(
        user=user,
        session_id=session.id,
        csrf_token=session.csrf_token,
        signed_in_at=session.created_at,
        idle_expires_at=last_seen + policy.idle,
        expires_at=session.created_at + policy.absolute,
    )


def sign_out(db: Database, token: str, *, client_address: str = "") -> None:
    """End the session ``token`` (any stage); unknown or ended tokens are ignored."""
    if not token:
        return

    def work(uow: ResearchUnitOfWork) -> None:
        repo = AuthRepository(uow)
        session = _open_session(repo, token)
        if session is not None:
            repo.end_session(session.id, "signed_out")
            _log(uow, "sign_out", "passed", client_address)

    db.run(work, actor=SIGN_IN_ACTOR)


def enrol_totp(
    db: Database, *, actor: str, username: str, reason: str | None = None
) -> TotpEnrolment:
    """Give ``username`` a new TOTP secret (audited, the secret redacted) and end their open
    sessions; replacing an existing secret needs ``reason``. Raises :class:`NotFound` and
    :class:`ReasonRequired`."""
    secret = pyotp.random_base32()

    def work(uow: ResearchUnitOfWork) -> None:
        repo = AuthRepository(uow)
        credentials = repo.credentials(username)
        if credentials is None:
            raise NotFound(f"no user {username!r}", location="username")
        repo.set_totp_secret(username, secret)
        repo.end_user_sessions(credentials.user_id, "second_factor_changed")

    db.run(work, actor=actor, reason=reason)
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
    return TotpEnrolment(username=username, secret=secret, provisioning_uri=uri)


def current_totp_code(db: Database, *, username: str, at: datetime | None = None) -> str:
    """The TOTP code of ``username`` now (or at ``at``): for the demo and tests only, as it
    reads the secret. Raises :class:`NotFound` if the user has no second factor."""
    credentials = db.run(
        lambda uow: AuthRepository(uow).credentials(username), actor=SIGN_IN_ACTOR, read_only=True
    )
    if credentials is None or credentials.totp_secret is None:
        raise NotFound(f"{username!r} has no second factor enrolled", location="username")
    moment = at if at is not None else db.clock()
    step = int(moment.timestamp()) // TOTP_STEP_S
    return pyotp.TOTP(credentials.totp_secret).at(step * TOTP_STEP_S)

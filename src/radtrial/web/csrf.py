"""CSRF tokens for the sign-in forms, before there is a session (OWASP CSRF cheat sheet,
"signed double-submit cookie").

The form's token is an HMAC (keyed with the settings' secret key) of a random nonce held in a
``__Host-`` cookie, so a cross-site page can neither read nor forge it. Once signed in, forms
carry the session's own CSRF token instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["LOGIN_COOKIE", "login_token", "new_nonce", "tokens_match"]

LOGIN_COOKIE = "__Host-radtrial-signin"


def new_nonce() -> str:
    """A fresh random nonce for the sign-in cookie."""
    return secrets.token_urlsafe(32)


def login_token(secret_key: str, nonce: str) -> str:
    """The form token that goes with ``nonce``."""
    return hmac.new(secret_key.encode(), f"signin:{nonce}".encode(), hashlib.sha256).hexdigest()


def tokens_match(expected: str, sent: str) -> bool:
    """Constant-time comparison of two tokens (False when either is empty)."""
    return bool(expected) and bool(sent) and hmac.compare_digest(expected.encode(), sent.encode())

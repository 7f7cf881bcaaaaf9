"""The web chat's user: a server-issued session, never a client-chosen id.

The cookie carries a random id, encrypted and authenticated with Fernet (`chat_cookie_key`),
HttpOnly and SameSite=Lax (Secure behind HTTPS). A missing, expired or forged cookie gets a
new identity — and so a new, empty conversation; nobody can speak as someone else.
"""

from __future__ import annotations

import secrets
import time

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken

COOKIE = "lotse_chat"
MAX_AGE = 30 * 24 * 3600  # a month without a visit: a new conversation
REFRESH_AFTER = 24 * 3600  # a visit re-issues an older cookie, so active users keep theirs


class ChatIdentity:
    def __init__(self, key: bytes, secure: bool) -> None:
        self._fernet = Fernet(key)
        self._secure = secure

    def read(self, request: web.Request) -> tuple[str | None, bool]:
        """(session id or None, whether the cookie should be re-issued)."""
        token = request.cookies.get(COOKIE, "")
        if not token:
            return None, True
        try:
            value = self._fernet.decrypt(token.encode(), ttl=MAX_AGE).decode()
            issued = self._fernet.extract_timestamp(token.encode())
        except (InvalidToken, UnicodeDecodeError):
            return None, True
        return value, time.time() - issued > REFRESH_AFTER

    def ensure(self, request: web.Request) -> tuple[str, bool]:
        """The request's session id, a new one when it has none; and whether to set it."""
        value, refresh = self.read(request)
        return (value or f"w{secrets.token_urlsafe(18)}"), refresh

    def set_cookie(self, response: web.StreamResponse, session_id: str) -> None:
        token = self._fernet.encrypt(session_id.encode()).decode()
        response.set_cookie(COOKIE, token, max_age=MAX_AGE, path="/", httponly=True,
                            samesite="Lax", secure=self._secure)

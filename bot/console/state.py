"""The console's own state: its catalogs and canned replies (built with the sub-app), and
what is built from the main app's keys at the first request: the session storage and the
CSRF secret, both from LOTSE_CONSOLE_SESSION_KEY."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.console.canned import CannedReply
from bot.i18n import Translator
from bot.secrets import Secrets
from bot.settings import Settings

COOKIE_NAME = "lotse_console"
SESSION_MAX_AGE = 12 * 3600  # a working day; the cookie is re-issued whenever it changes


def csrf_secret(session_key: bytes) -> bytes:
    """A key of its own for the CSRF tokens, derived from the session key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lotse console csrf")
    return hkdf.derive(session_key)


@dataclass
class ConsoleState:
    translators: dict[str, Translator]
    canned: tuple[CannedReply, ...]
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # ends the event streams
    csrf_secret: bytes = b""
    _sessions: Middleware | None = None

    def session_middleware(self, settings: Settings, secrets: Secrets) -> Middleware:
        """aiohttp-session's middleware over the encrypted cookie, built once."""
        if self._sessions is None:
            storage = EncryptedCookieStorage(
                Fernet(secrets.console_session_key), cookie_name=COOKIE_NAME, path="/console",
                httponly=True, samesite="Strict", secure=settings.cookie_secure,
                max_age=SESSION_MAX_AGE)
            self.csrf_secret = csrf_secret(secrets.console_session_key)
            self._sessions = session_middleware(storage)
        return self._sessions


STATE = web.AppKey("console_state", ConsoleState)

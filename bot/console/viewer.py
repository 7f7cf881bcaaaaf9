"""Who is asking: the logged-in console user, read from the database at every request
(a deactivated user, a new password or a logout on any device ends the session at once),
and the guards of the views."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.console.auth import ANSWERING
from bot.handoff.service import Counsellor
from bot.storage.handoff_models import ConsoleUser
from bot.web.keys import DB

LOGIN_PATH = "/console/login"


@dataclass(frozen=True)
class Viewer:
    id: int
    username: str
    display_name: str
    role: str  # admin | staff | counsellor
    language: str
    presence: str

    @property
    def answering(self) -> bool:
        return self.role in ANSWERING

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    @property
    def counsellor(self) -> Counsellor:
        return Counsellor(self.id, self.role)


VIEWER = web.RequestKey("console_viewer", Viewer)


def password_mark(password_hash: str) -> str:
    """Kept in the session: a new password (or a reset by an admin) ends older sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


async def start_session(request: web.Request, user_id: int) -> None:
    """A new session (a new cookie) for a user who just proved who they are. It carries the
    user's password mark and session epoch: a new password or a logout ends it."""
    async with request.config_dict[DB]() as db:
        user = await db.get_one(ConsoleUser, user_id)
    session = await new_session(request)
    session["uid"] = user_id
    session["pw"] = password_mark(user.password_hash or "")
    session["ep"] = user.session_epoch


def still_valid(session: Mapping[str, Any], user: ConsoleUser) -> bool:
    """The session's user is active and has neither changed the password nor logged out
    (on any device) since the session began."""
    return (user.active and user.password_hash is not None
            and session.get("pw") == password_mark(user.password_hash)
            and session.get("ep") == user.session_epoch)


async def load_viewer(request: web.Request) -> Viewer | None:
    """The session's user if it is still active; otherwise the session ends."""
    session = await get_session(request)
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    async with request.config_dict[DB]() as db:
        user = await db.get(ConsoleUser, user_id)
    if user is None or not still_valid(session, user):
        session.invalidate()
        return None
    return Viewer(user.id, user.username, user.display_name or user.username, user.role,
                  user.language, user.presence)


def viewer_of(request: web.Request) -> Viewer | None:
    return request.get(VIEWER)


def need(request: web.Request, roles: Iterable[str], *, page: bool = True) -> Viewer:
    """The viewer if their role may use this view. Anonymous: a page redirects to the login,
    anything else (SSE, fragments, POST) is 401. Another role: 403."""
    viewer = viewer_of(request)
    if viewer is None:
        if page and request.method == "GET":
            raise web.HTTPFound(LOGIN_PATH)
        raise web.HTTPUnauthorized(reason="login")
    if viewer.role not in roles:
        raise web.HTTPForbidden(reason="role")
    return viewer


def logged_in(request: web.Request, *, page: bool = True) -> Viewer:
    """Any logged-in user, whatever the role."""
    return need(request, ("admin", "staff", "counsellor"), page=page)

"""Admins manage the console's users: invite (a one-time link, shown once), deactivate,
reactivate, and a new invitation link (which also resets a forgotten password)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.console.auth import aware, new_invitation
from bot.console.forms import CsrfForm, InviteForm, posted
from bot.console.queries import console_users
from bot.console.render import notify, render
from bot.console.viewer import need
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import utcnow
from bot.web.keys import DB

ADMIN = ("admin",)
USERS = "/console/users"


def account_state(user: ConsoleUser) -> str:
    """active | locked | invited | invite_expired | inactive (for the list)."""
    now = utcnow()
    if not user.active:
        return "inactive"
    if user.password_hash is None:
        expires = user.invite_expires_at
        return "invited" if expires is not None and aware(expires) > now else "invite_expired"
    if user.locked_until is not None and aware(user.locked_until) > now:
        return "locked"
    return "active"


async def users_page(request: web.Request, *, status: int = 200,
                     **extra: Any) -> web.Response:
    async with request.config_dict[DB]() as session:
        users = await console_users(session)
    rows = [(u, account_state(u)) for u in users]
    context = {"users": rows, "link": None, "problem": None, "form": {}, **extra}
    return await render(request, "users.html", context, status=status)


async def users(request: web.Request) -> web.Response:
    need(request, ADMIN)
    return await users_page(request)


def invite_link(request: web.Request, token: str) -> str:
    return str(request.url.with_path(f"/console/invite/{token}").with_query(None))


async def invite(request: web.Request) -> web.Response:
    need(request, ADMIN, page=False)
    form = await posted(request, InviteForm)
    entered = {"username": form.username.data or "", "display_name": form.display_name.data
               or "", "role": form.role.data or ""}
    if form.errors:
        return await users_page(request, status=400, problem="invalid", form=entered)
    async with request.config_dict[DB]() as session:
        taken = await session.scalar(
            select(ConsoleUser.id).where(ConsoleUser.username == entered["username"]))
        if taken is not None:
            return await users_page(request, status=409, problem="taken", form=entered)
        user = ConsoleUser(username=entered["username"], display_name=entered["display_name"],
                           role=entered["role"], active=True, failed_logins=0)
        token = new_invitation(user)
        session.add(user)
        await session.commit()
    return await users_page(request, link=invite_link(request, token),
                            invited=entered["username"])


async def change(request: web.Request) -> web.Response:
    """deactivate | reactivate | reinvite one user (never yourself)."""
    viewer = need(request, ADMIN, page=False)
    await posted(request, CsrfForm)
    user_id, action = int(request.match_info["id"]), request.match_info["action"]
    if user_id == viewer.id:
        await notify(request, "refused:self")
        raise web.HTTPSeeOther(USERS)
    async with request.config_dict[DB]() as session:
        user = await session.get(ConsoleUser, user_id)
        if user is None:
            raise web.HTTPNotFound()
        token = _apply(user, action)
        await session.commit()
        username = user.username
    if token is not None:
        return await users_page(request, link=invite_link(request, token), invited=username)
    await notify(request, f"done:{action}")
    raise web.HTTPSeeOther(USERS)


def _apply(user: ConsoleUser, action: str) -> str | None:
    if action == "deactivate":
        user.active, user.presence = False, "away"
        return None
    if action == "reactivate":
        user.active, user.failed_logins, user.locked_until = True, 0, None
        return None
    return new_invitation(user)

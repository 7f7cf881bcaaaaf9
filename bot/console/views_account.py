"""Logging in and out, accepting an invitation, and each user's own settings (presence,
console language, password)."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import update

from bot.console.auth import accept_invitation, change_password, end_sessions, invited, log_in
from bot.console.forms import (
    CsrfForm,
    LanguageForm,
    LoginForm,
    OwnPasswordForm,
    PasswordForm,
    PresenceForm,
    posted,
    read_form,
)
from bot.console.render import language_of, notify, render
from bot.console.viewer import LOGIN_PATH, logged_in, start_session, viewer_of
from bot.storage.handoff_models import ConsoleUser
from bot.web.keys import DB, HANDOFFS

HOME = "/console/"
ACCOUNT = "/console/account"


async def back_to(request: web.Request) -> str:
    """Where a settings form came from, if that is a console page."""
    target = str((await read_form(request)).get("next") or "")
    safe = target.startswith(HOME) and "//" not in target and "\\" not in target
    return target if safe else HOME


# --- login ----------------------------------------------------------------------------------

async def login_page(request: web.Request) -> web.Response:
    if viewer_of(request) is not None:
        raise web.HTTPFound(HOME)
    return await render(request, "login.html", {"problem": None, "username": ""})


async def login(request: web.Request) -> web.Response:
    form = await posted(request, LoginForm)
    username = str(form.username.data or "")
    if form.errors:
        return await render(request, "login.html", {"problem": "wrong", "username": username},
                            status=401)
    result = await log_in(request.config_dict[DB], username, str(form.password.data))
    if result.user_id is None:
        status = 429 if result.problem == "locked" else 401
        return await render(request, "login.html",
                            {"problem": result.problem, "username": username}, status=status)
    await start_session(request, result.user_id)
    raise web.HTTPSeeOther(HOME)


async def logout(request: web.Request) -> web.Response:
    """Ends this session and every other one of the user (a raised epoch), so that a copied
    cookie is of no use afterwards."""
    viewer = logged_in(request, page=False)
    await posted(request, CsrfForm)
    await request.config_dict[HANDOFFS].seen(viewer.id, "away")
    await end_sessions(request.config_dict[DB], viewer.id)
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther(LOGIN_PATH)


# --- invitations ----------------------------------------------------------------------------

async def invite_page(request: web.Request) -> web.Response:
    async with request.config_dict[DB]() as session:
        user = await invited(session, request.match_info["token"])
    if user is None:
        return await render(request, "invite.html", {"user": None}, status=404)
    return await render(request, "invite.html", {"user": user, "problem": None})


async def accept_invite(request: web.Request) -> web.Response:
    form = await posted(request, PasswordForm)
    token = request.match_info["token"]
    if form.errors:
        async with request.config_dict[DB]() as session:
            user = await invited(session, token)
        problem = "mismatch" if "confirm" in form.errors else "short"
        return await render(request, "invite.html", {"user": user, "problem": problem},
                            status=400 if user else 404)
    user_id = await accept_invitation(request.config_dict[DB], token, str(form.password.data),
                                      language_of(request))
    if user_id is None:
        return await render(request, "invite.html", {"user": None}, status=404)
    await start_session(request, user_id)
    await notify(request, "done:welcome")
    raise web.HTTPSeeOther(HOME)


# --- own settings -----------------------------------------------------------------------

async def set_presence(request: web.Request) -> web.Response:
    viewer = logged_in(request, page=False)
    form = await posted(request, PresenceForm)
    if form.errors:
        raise web.HTTPBadRequest()
    await request.config_dict[HANDOFFS].seen(viewer.id, str(form.presence.data))
    raise web.HTTPSeeOther(await back_to(request))


async def set_language(request: web.Request) -> web.Response:
    viewer = logged_in(request, page=False)
    form = await posted(request, LanguageForm)
    if form.errors:
        raise web.HTTPBadRequest()
    async with request.config_dict[DB]() as session:
        await session.execute(update(ConsoleUser).where(ConsoleUser.id == viewer.id)
                              .values(language=str(form.language.data)))
        await session.commit()
    raise web.HTTPSeeOther(await back_to(request))


async def account_page(request: web.Request) -> web.Response:
    logged_in(request)
    return await render(request, "account.html", {"problem": None})


async def set_password(request: web.Request) -> web.Response:
    """One's own new password: the current one is checked; then every other session ends
    and this browser gets a new one."""
    viewer = logged_in(request, page=False)
    form = await posted(request, OwnPasswordForm)
    problem: str | None = None
    if "current" in form.errors:
        problem = "wrong"
    elif "password" in form.errors:
        problem = "short"
    elif "confirm" in form.errors:
        problem = "mismatch"
    else:
        problem = await change_password(request.config_dict[DB], viewer.id,
                                        str(form.current.data), str(form.password.data))
    if problem is not None:
        return await render(request, "account.html", {"problem": problem},
                            status=429 if problem == "locked" else 400)
    await start_session(request, viewer.id)
    await notify(request, "done:password")
    raise web.HTTPSeeOther(ACCOUNT)

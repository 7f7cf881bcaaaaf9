"""Login, lockout, session rotation, logout, deactivation; CSRF on every form."""

from __future__ import annotations

import datetime as dt

from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, utcnow
from tests.console.conftest import PASSWORD, Console


async def test_login_rotates_the_session_and_logout_ends_it(console: Console) -> None:
    await console.user("amal", "counsellor", name="Amal")
    browser = console.browser()
    await browser.get("/console/login")
    before, old_token = browser.cookie(), browser.token
    assert before and old_token  # the anonymous session and its login form's CSRF token
    response = await browser.post("/console/login", {"username": "Amal", "password": PASSWORD})
    assert response.status == 303 and response.headers["Location"] == "/console/"
    after = browser.cookie()
    assert after and after != before
    queue = await browser.get("/console/")
    assert queue.status == 200 and "Amal" in await queue.text()
    # the pre-login token belongs to the old session: refused after the rotation
    stale = await browser.post("/console/presence", {"presence": "online"}, csrf=old_token)
    assert stale.status == 403
    assert (await browser.post("/console/logout")).status == 303
    assert browser.cookie() == ""
    assert (await browser.get("/console/")).status == 302


async def test_wrong_password_then_lockout_for_15_minutes(console: Console) -> None:
    user_id = await console.user("bernd", "counsellor")
    browser = console.browser()
    for _attempt in range(4):
        response = await browser.login("bernd", "not the password")
        assert response.status == 401
        assert "wrong" in await response.text()
    fifth = await browser.login("bernd", "not the password")
    assert fifth.status == 429 and "locked for 15 minutes" in await fifth.text()
    right = await browser.login("bernd")  # even the right password, while locked
    assert right.status == 429
    user = await console.get(ConsoleUser, user_id)
    locked_until = user.locked_until.replace(tzinfo=dt.UTC)
    assert dt.timedelta(minutes=14) < locked_until - utcnow() <= dt.timedelta(minutes=15)
    async with console.db() as session:  # 15 minutes later
        (await session.get(ConsoleUser, user_id)).locked_until = utcnow() - dt.timedelta(1)
        await session.commit()
    assert (await browser.login("bernd")).status == 303
    assert (await console.get(ConsoleUser, user_id)).failed_logins == 0


async def test_unknown_and_inactive_users_cannot_log_in(console: Console) -> None:
    await console.user("clara", "counsellor", active=False)
    browser = console.browser()
    assert (await browser.login("clara")).status == 401
    assert (await browser.login("nobody")).status == 401
    assert (await browser.get("/console/")).status == 302


async def test_a_deactivated_user_loses_the_session_at_the_next_request(
        console: Console) -> None:
    await console.user("root", "admin")
    dana = await console.user("dana", "counsellor")
    admin, counsellor = await console.as_user("root"), await console.as_user("dana")
    assert (await counsellor.get("/console/")).status == 200
    response = await admin.post(f"/console/users/{dana}/deactivate")
    assert response.status == 303
    page = await counsellor.get("/console/")
    assert page.status == 302 and page.headers["Location"] == "/console/login"
    assert counsellor.cookie() == ""  # the session cookie was deleted
    events = await counsellor.get("/console/events")
    assert events.status == 401
    assert (await admin.post(f"/console/users/{dana}/reactivate")).status == 303
    assert (await counsellor.login("dana")).status == 303


async def test_a_new_password_ends_older_sessions(console: Console) -> None:
    await console.user("root", "admin")
    emil = await console.user("emil", "counsellor")
    admin, counsellor = await console.as_user("root"), await console.as_user("emil")
    assert (await admin.post(f"/console/users/{emil}/reinvite")).status == 200
    assert (await counsellor.get("/console/")).status == 302


async def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(console: Console) -> None:
    await console.user("fatma", "counsellor")
    browser = await console.as_user("fatma")
    conversation = await console.conversation("waiting")
    other = await console.as_user("fatma")  # a valid token, but of another session
    for token in ("", "20990101000000##deadbeef", other.token):
        response = await browser.post(f"/console/conversations/{conversation}/claim",
                                      csrf=token)
        assert response.status == 403, token
        assert "expired or was not valid" in await response.text()
    assert (await console.get(Conversation, conversation)).status == "waiting"
    note = await browser.post(f"/console/conversations/{conversation}/note",
                              {"text": "should not be stored"}, csrf="")
    assert note.status == 403
    page = await browser.get(f"/console/conversations/{conversation}")
    assert "should not be stored" not in await page.text()
    # the real token works
    assert (await browser.post(f"/console/conversations/{conversation}/claim")).status == 303
    assert (await console.get(Conversation, conversation)).status == "human"


async def test_csrf_is_checked_on_login_and_admin_forms(console: Console) -> None:
    await console.user("root", "admin")
    anonymous = console.browser()
    await anonymous.get("/console/login")
    refused = await anonymous.post("/console/login",
                                   {"username": "root", "password": PASSWORD}, csrf="")
    assert refused.status == 403 and anonymous.cookie() != ""
    assert (await anonymous.get("/console/")).status == 302  # not logged in
    admin = await console.as_user("root")
    invite = await admin.post("/console/users/invite", {
        "username": "ghost", "display_name": "Ghost", "role": "admin"}, csrf="x##y")
    assert invite.status == 403
    async with console.db() as session:
        assert await session.get(ConsoleUser, 2) is None

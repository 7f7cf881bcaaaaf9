"""Logging out ends the session everywhere (a copied cookie is refused afterwards), and
everyone's own password: the current one checked, the session rotated, the others ended."""

from __future__ import annotations

import aiohttp
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from bot.storage.handoff_models import ConsoleUser
from tests.console.conftest import PASSWORD, Console

NEW = "a new and long password"


async def with_cookie(console: Console, cookie: str, path: str) -> tuple[int, str]:
    """A request with a copied session cookie (another machine, no cookie jar)."""
    async with (aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
                http.get(console.server.make_url(path), allow_redirects=False,
                         headers={"Cookie": f"lotse_console={cookie}"}) as response):
        return response.status, response.headers.get("Location", "")


async def test_a_cookie_copied_before_logout_is_refused_afterwards(console: Console) -> None:
    user_id = await console.user("amal", "counsellor")
    browser = await console.as_user("amal")
    copied = browser.cookie()
    assert await with_cookie(console, copied, "/console/") == (200, "")
    assert (await browser.post("/console/logout")).status == 303
    assert browser.cookie() == ""  # this browser's cookie is cleared …
    # … and the copy is of no use any more: pages go to the login, the rest is 401
    assert await with_cookie(console, copied, "/console/") == (302, "/console/login")
    assert (await with_cookie(console, copied, "/console/queue/rows"))[0] == 401
    assert (await with_cookie(console, copied, "/console/events"))[0] == 401
    assert (await console.get(ConsoleUser, user_id)).session_epoch == 1
    again = await console.as_user("amal")  # logging in again works; the copy stays refused
    assert (await again.get("/console/")).status == 200
    assert (await with_cookie(console, copied, "/console/"))[0] == 302


async def test_logout_ends_the_sessions_on_other_devices_too(console: Console) -> None:
    await console.user("amal", "counsellor")
    laptop, phone = await console.as_user("amal"), await console.as_user("amal")
    assert (await phone.get("/console/")).status == 200
    assert (await laptop.post("/console/logout")).status == 303
    page = await phone.get("/console/")
    assert page.status == 302 and page.headers["Location"] == "/console/login"


async def test_an_open_event_stream_ends_after_logout(console: Console,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console import events

    monkeypatch.setattr(events, "KEEPALIVE_SECONDS", 0.2)
    await console.user("amal", "counsellor")
    laptop, phone = await console.as_user("amal"), await console.as_user("amal")
    stream = await phone.get("/console/events")
    assert stream.status == 200
    assert (await laptop.post("/console/logout")).status == 303
    rest = await stream.content.read()  # the server ends the stream by itself
    assert b"retry: 5000" in rest
    stream.close()


@pytest.mark.parametrize("role", ["counsellor", "staff", "admin"])
async def test_everyone_changes_their_own_password(console: Console, role: str) -> None:
    user_id = await console.user("nour", role)
    browser, other = await console.as_user("nour"), await console.as_user("nour")
    page = await browser.get("/console/account")
    assert page.status == 200 and "Change your password" in await page.text()
    before = browser.cookie()
    done = await browser.post("/console/account/password",
                              {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert done.status == 303 and done.headers["Location"] == "/console/account"
    assert browser.cookie() not in ("", before)  # a new session for this browser
    page = await browser.get("/console/account")
    assert page.status == 200
    assert "You are now logged out on every other device." in await page.text()
    assert (await other.get("/console/")).status == 302  # the other session has ended
    assert (await with_cookie(console, before, "/console/"))[0] == 302  # so has the old one
    stored = (await console.get(ConsoleUser, user_id)).password_hash
    assert PasswordHasher().verify(stored, NEW)
    with pytest.raises(VerificationError):
        PasswordHasher().verify(stored, PASSWORD)
    assert (await console.browser().login("nour")).status == 401
    assert (await console.browser().login("nour", NEW)).status == 303


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"current": "not the password", "password": NEW, "confirm": NEW}, 400,
     "The current password is wrong."),
    ({"current": PASSWORD, "password": "too short", "confirm": "too short"}, 400,
     "at least 12 characters"),
    ({"current": PASSWORD, "password": NEW, "confirm": NEW + "!"}, 400,
     "The two new passwords do not match."),
    ({"current": "", "password": NEW, "confirm": NEW}, 400, "The current password is wrong."),
])
async def test_a_refused_password_change_changes_nothing(console: Console, data: dict[str, str],
                                                         status: int, message: str) -> None:
    user_id = await console.user("nour", "counsellor")
    hash_before = (await console.get(ConsoleUser, user_id)).password_hash
    browser = await console.as_user("nour")
    response = await browser.post("/console/account/password", data)
    assert response.status == status
    assert message in await response.text()
    user = await console.get(ConsoleUser, user_id)
    assert (user.password_hash, user.session_epoch) == (hash_before, 0)
    assert (await browser.get("/console/")).status == 200  # still logged in


async def test_password_change_needs_csrf_and_counts_wrong_guesses(console: Console) -> None:
    user_id = await console.user("nour", "counsellor")
    browser = await console.as_user("nour")
    forged = await browser.post("/console/account/password",
                                {"current": PASSWORD, "password": NEW, "confirm": NEW},
                                csrf="")
    assert forged.status == 403
    for _attempt in range(4):
        wrong = await browser.post("/console/account/password",
                                   {"current": "guess", "password": NEW, "confirm": NEW})
        assert wrong.status == 400
    fifth = await browser.post("/console/account/password",
                               {"current": "guess", "password": NEW, "confirm": NEW})
    assert fifth.status == 429 and "locked for 15 minutes" in await fifth.text()
    right = await browser.post("/console/account/password",  # even the right one, while locked
                               {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert right.status == 429
    assert (await console.browser().login("nour")).status == 429  # the login is locked too
    user = await console.get(ConsoleUser, user_id)
    assert PasswordHasher().verify(user.password_hash, PASSWORD)

"""An admin invites, the invited person sets a password through the one-time link."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy import select

from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import utcnow
from tests.console.conftest import Console

LINK = re.compile(r'id="invite-link" type="text" value="(http[^"]+/console/invite/([^"]+))"')


async def invite(console: Console, username: str, role: str = "counsellor") -> str:
    admin = await console.as_user("root")
    page = await admin.post("/console/users/invite",
                            {"username": username, "display_name": "Hiba K.", "role": role})
    assert page.status == 200
    found = LINK.search(await page.text())
    assert found, "the link is shown once to the admin"
    listing = await (await admin.get("/console/users")).text()
    assert found.group(2) not in listing  # and never again
    return found.group(2)


async def stored(console: Console, username: str) -> ConsoleUser:
    async with console.db() as session:
        user = await session.scalar(select(ConsoleUser).where(ConsoleUser.username == username))
        assert user is not None
        return user


async def test_invitation_end_to_end(console: Console) -> None:
    await console.user("root", "admin")
    token = await invite(console, "Hiba")
    user = await stored(console, "hiba")  # user names are kept in lower case
    assert user.invite_hash == hashlib.sha256(token.encode()).hexdigest()
    assert user.password_hash is None and user.role == "counsellor"
    assert user.invite_expires_at.replace(tzinfo=dt.UTC) - utcnow() > dt.timedelta(hours=71)

    newcomer = console.browser()
    assert (await newcomer.login("hiba", "")).status == 401  # no password yet
    page = await newcomer.get(f"/console/invite/{token}")
    assert page.status == 200 and "Hiba K." in await page.text()
    short = await newcomer.post(f"/console/invite/{token}",
                                {"password": "too short", "confirm": "too short"})
    assert short.status == 400 and "at least 12 characters" in await short.text()
    differ = await newcomer.post(f"/console/invite/{token}",
                                 {"password": "a good long password", "confirm": "another one!!"})
    assert differ.status == 400 and "do not match" in await differ.text()
    done = await newcomer.post(f"/console/invite/{token}", {
        "password": "a good long password", "confirm": "a good long password"})
    assert done.status == 303 and done.headers["Location"] == "/console/"
    home = await newcomer.get("/console/")
    assert home.status == 200 and "Your password has been saved" in await home.text()

    user = await stored(console, "hiba")
    assert user.invite_hash is None and user.password_hash.startswith("$argon2")
    again = await console.browser().get(f"/console/invite/{token}")
    assert again.status == 404  # one time only
    assert (await console.browser().login("hiba", "a good long password")).status == 303


async def test_an_expired_or_unknown_invitation_is_refused(console: Console) -> None:
    await console.user("root", "admin")
    token = await invite(console, "ivo", role="staff")
    async with console.db() as session:
        user = await session.scalar(select(ConsoleUser).where(ConsoleUser.username == "ivo"))
        user.invite_expires_at = utcnow() - dt.timedelta(minutes=1)
        await session.commit()
    browser = console.browser()
    assert (await browser.get(f"/console/invite/{token}")).status == 404
    assert (await browser.get("/console/invite/not-a-token")).status == 404
    await browser.get("/console/login")
    late = await browser.post(f"/console/invite/{token}", {
        "password": "a good long password", "confirm": "a good long password"})
    assert late.status == 404 and (await stored(console, "ivo")).password_hash is None


async def test_invite_refuses_a_taken_or_invalid_username(console: Console) -> None:
    await console.user("root", "admin")
    admin = await console.as_user("root")
    taken = await admin.post("/console/users/invite",
                             {"username": "root", "display_name": "X", "role": "staff"})
    assert taken.status == 409 and "already taken" in await taken.text()
    bad = await admin.post("/console/users/invite",
                           {"username": "a b", "display_name": "X", "role": "boss"})
    assert bad.status == 400

"""The real app (bot.web.app.create_app) with the console mounted, on a fresh SQLite file,
without Rasa (the console never parses). Several browsers (own cookie jars) share it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.app import create_console
from bot.console.auth import hash_password
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory
from bot.storage.handoff_models import ConsoleUser, HandoffTransition
from bot.storage.models import Conversation, Message, User, utcnow
from bot.web.app import create_app
from tests.conftest import TEST_PSEUDONYM_SECRET, free_port

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_settings(tmp_path: Path, **overrides: Any) -> Settings:
    def key() -> str:
        return Fernet.generate_key().decode()

    return Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",  # type: ignore[call-arg]
                    rasa_port=free_port(), console_session_key=key(), chat_cookie_key=key(),
                    contact_key=key(), pseudonym_secret=TEST_PSEUDONYM_SECRET,
                    handoff_tick_seconds=3600, **overrides)


def build_app(settings: Settings) -> web.Application:
    """The main app; the console is mounted here too while bot/web/app.py does not yet."""
    app = create_app(settings)
    if not any(getattr(r, "_prefix", None) == "/console" for r in app.router.resources()):
        app.add_subapp("/console", create_console())
    return app


class Browser:
    """One person's browser: its own cookies; pages by path; POSTs with its CSRF token."""

    def __init__(self, server: TestServer, language: str = "en") -> None:
        self.server = server
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          headers={"Accept-Language": language})
        self.token = ""

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        response = await self.http.get(self.url(path), allow_redirects=False, **kwargs)
        if response.content_type == "text/html" and response.status < 500:
            found = TOKEN.search(await response.text())
            self.token = found.group(1) if found else self.token
        return response

    async def post(self, path: str, data: dict[str, str] | None = None, *,
                   csrf: str | None = None, **kwargs: Any) -> aiohttp.ClientResponse:
        form = {"csrf_token": self.token if csrf is None else csrf, **(data or {})}
        return await self.http.post(self.url(path), data=form, allow_redirects=False, **kwargs)

    def cookie(self) -> str:
        found = self.http.cookie_jar.filter_cookies(self.server.make_url("/console/"))
        morsel = found.get("lotse_console")
        return morsel.value if morsel else ""

    async def login(self, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        await self.get("/console/login")
        return await self.post("/console/login", {"username": username, "password": password})


@dataclass
class Console:
    server: TestServer
    settings: Settings
    db: async_sessionmaker[AsyncSession]
    browsers: list[Browser] = field(default_factory=list)

    def browser(self, language: str = "en") -> Browser:
        browser = Browser(self.server, language)
        self.browsers.append(browser)
        return browser

    async def as_user(self, username: str) -> Browser:
        browser = self.browser()
        response = await browser.login(username)
        assert response.status == 303, await response.text()
        await browser.get("/console/")  # picks up a CSRF token of the new session
        return browser

    async def user(self, username: str, role: str, *, active: bool = True,
                   password: str | None = PASSWORD, name: str = "") -> int:
        async with self.db() as session:
            user = ConsoleUser(username=username, display_name=name or username.title(),
                               role=role, active=active, failed_logins=0, language="en",
                               password_hash=await hash_password(password) if password else None)
            session.add(user)
            await session.commit()
            return user.id

    async def conversation(self, status: str = "waiting", *, urgent: bool = False,
                           minutes_ago: float = 5, assignee: int | None = None,
                           channel: str = "web", language: str = "ar",
                           place_ref: str | None = "duesseldorf:eller") -> int:
        since = utcnow() - dt.timedelta(minutes=minutes_ago)
        async with self.db() as session:
            user = User(channel=channel, pseudonym=f"p{since.timestamp()}{status}{urgent}",
                        language=language, city="duesseldorf")
            session.add(user)
            await session.flush()
            state = {"language": language, "city": "duesseldorf", "last_topic": "registration",
                     "place_ref": place_ref}
            conversation = Conversation(user_id=user.id, state=state, status=status,
                                        urgent=urgent, assignee_id=assignee, status_since=since,
                                        last_activity_at=since, started_at=since,
                                        updated_at=since)
            session.add(conversation)
            await session.commit()
            return conversation.id

    async def add(self, *rows: Message | HandoffTransition) -> None:
        async with self.db() as session:
            session.add_all(rows)
            await session.commit()

    async def get(self, model: type[Any], key: int) -> Any:
        async with self.db() as session:
            return await session.get(model, key)


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    settings = console_settings(tmp_path)
    server = TestServer(build_app(settings))
    await server.start_server()
    engine = create_engine(settings.database_url)
    helper = Console(server, settings, session_factory(engine))
    yield helper
    for browser in helper.browsers:
        await browser.http.close()
    await server.close()
    await engine.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """aiohttp-session 2.12 stores its request keys as strings (aiohttp warns)."""
    for item in items:
        if "tests/console/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::aiohttp.web_exceptions.NotAppKeyWarning"))

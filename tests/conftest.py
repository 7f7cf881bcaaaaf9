"""Shared fixtures: the real knowledge, the real NLU model and a real Rasa server.

The full NLU model is trained once (cached in models/ by a fingerprint of its inputs) and
served by one Rasa process for the whole session.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator, load_translators
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.langid import LinguaDetector, vocabulary_from_nlu
from bot.nlu.client import RasaClient
from bot.nlu.process import running_rasa
from bot.nlu.training import ensure_model
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.db import create_engine, session_factory, upgrade

TEST_TOKEN = "test-token"
TEST_PSEUDONYM_SECRET = "test-pseudonym-secret"
CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium (`./lotse test` installs it)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"  # test artefacts: look at them
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="session")
def translators() -> dict[str, Translator]:
    return load_translators()


@pytest.fixture(scope="session")
def detector() -> LinguaDetector:
    return LinguaDetector(vocabulary_from_nlu(PROJECT_ROOT / "nlu"))


@pytest.fixture(scope="session")
def nlu_model(knowledge: Knowledge) -> Path:
    return ensure_model(knowledge, config=PROJECT_ROOT / "config.yml",
                        data_dir=PROJECT_ROOT / "nlu" / "data",
                        models_dir=PROJECT_ROOT / "models", progress=print)


@pytest.fixture(scope="session")
async def rasa(nlu_model: Path) -> AsyncIterator[RasaClient]:
    port = free_port()
    async with running_rasa(nlu_model, port, TEST_TOKEN,
                            PROJECT_ROOT / "var" / "rasa-tests.log") as (client, _server):
        yield client


def app_settings(tmp_path: Path, rasa_port: int, **overrides: object) -> Settings:
    """A real pseudonym secret, so the app uses it as given and tests can compute the
    pseudonyms (the placeholder would be replaced by a generated one)."""
    values = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}",
              "pseudonym_secret": TEST_PSEUDONYM_SECRET, **overrides}
    return Settings(rasa_port=rasa_port, rasa_token=TEST_TOKEN, rasa_timeout_seconds=5,
                    **values)  # type: ignore[arg-type]


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    name = f"lotse_test_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/lotse.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def migrated(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions of `database` (SQLite and PostgreSQL), migrated to the newest revision."""
    await upgrade(database)
    engine = create_engine(database)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    """One browser per test (2 cores: never two at once); a context or page per person."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()

"""Fixtures: the local Bot API server and the app running its Telegram channel against it
(real PTB over HTTP, real Rasa from the session's `rasa` fixture, real SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from yarl import URL

from bot.nlu.client import RasaClient
from tests.telegram.botapi import BotApi
from tests.telegram.harness import Harness, telegram_settings


@pytest.fixture
async def api() -> AsyncIterator[BotApi]:
    server = await BotApi().start()
    yield server
    await server.stop()


def rasa_port(rasa: RasaClient) -> int:
    return URL(rasa._url).port or 0


@pytest.fixture
async def polling(tmp_path: Path, rasa: RasaClient, api: BotApi) -> AsyncIterator[Harness]:
    harness = await Harness(api, telegram_settings(tmp_path, rasa_port(rasa), api)).start()
    yield harness
    await harness.close()


@pytest.fixture
async def webhook(tmp_path: Path, rasa: RasaClient, api: BotApi) -> AsyncIterator[Harness]:
    settings = telegram_settings(tmp_path, rasa_port(rasa), api, mode="webhook")
    harness = await Harness(api, settings).start()
    yield harness
    await harness.close()

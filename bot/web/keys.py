"""Typed application keys shared by the app factory and the routes."""

from __future__ import annotations

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handoff.bus import Bus
from bot.handoff.service import Handoffs
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.nlu.client import RasaClient
from bot.secrets import Secrets
from bot.service import ChatService
from bot.settings import Settings
from bot.web.identity import ChatIdentity

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", ChatService)
RASA = web.AppKey("rasa", RasaClient)
TRANSLATORS = web.AppKey("translators", dict[str, Translator])
KNOWLEDGE = web.AppKey("knowledge", Knowledge)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
DB = web.AppKey("db", async_sessionmaker[AsyncSession])
BUS = web.AppKey("bus", Bus)
HANDOFFS = web.AppKey("handoffs", Handoffs)
SECRETS = web.AppKey("secrets", Secrets)
IDENTITY = web.AppKey("chat_identity", ChatIdentity)

"""Typed application keys shared by the app factory and the routes."""

from __future__ import annotations

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.curation.publish import Publisher
from bot.generation import Generations, Watcher
from bot.handoff.bus import Bus
from bot.handoff.service import Handoffs
from bot.i18n import Translator
from bot.nlu.process import RasaServer
from bot.nlu.servers import NluServers
from bot.secrets import Secrets
from bot.service import ChatService
from bot.settings import Settings
from bot.web.identity import ChatIdentity

SETTINGS = web.AppKey("settings", Settings)
SERVICE = web.AppKey("service", ChatService)
TRANSLATORS = web.AppKey("translators", dict[str, Translator])
GENERATIONS = web.AppKey("generations", Generations)  # read .current per turn/request
WATCHER = web.AppKey("watcher", Watcher)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
DB = web.AppKey("db", async_sessionmaker[AsyncSession])
BUS = web.AppKey("bus", Bus)
HANDOFFS = web.AppKey("handoffs", Handoffs)
SECRETS = web.AppKey("secrets", Secrets)
IDENTITY = web.AppKey("chat_identity", ChatIdentity)
NLU_SERVERS = web.AppKey("nlu_servers", NluServers)  # the Rasa servers this process owns
PUBLISHER = web.AppKey("publisher", Publisher)
# set by `./lotse run` before the app starts: the Rasa server it started, owned from then on
HANDED_RASA = web.AppKey("handed_rasa", RasaServer)

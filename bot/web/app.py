"""aiohttp application factory: typed app keys, resources built in the start-up hook."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions import Resources, build_actions
from bot.console.app import create_console
from bot.core.dialogue import Policy
from bot.handoff.bus import Bus, open_bus
from bot.handoff.context import Contexts
from bot.handoff.service import Handoffs, Timers
from bot.handoff.store import ContactBook
from bot.i18n import Translator, load_translators
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.langid import LinguaDetector, vocabulary_from_nlu
from bot.nlu.client import RasaClient
from bot.secrets import Secrets, load_secrets
from bot.service import ChatService, ServiceConfig
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory, upgrade
from bot.telegram.app import attach_telegram
from bot.web import routes
from bot.web.errors import json_errors
from bot.web.identity import ChatIdentity
from bot.web.keys import (
    BUS,
    DB,
    HANDOFFS,
    IDENTITY,
    KNOWLEDGE,
    RASA,
    SECRETS,
    SERVICE,
    SETTINGS,
    TEMPLATES,
    TRANSLATORS,
)

HERE = Path(__file__).resolve().parent
MAX_BODY_BYTES = 256 * 1024


log = logging.getLogger(__name__)


def build_services(settings: Settings, rasa: RasaClient, knowledge: Knowledge,
                   translators: dict[str, Translator], sessions: async_sessionmaker[AsyncSession],
                   bus: Bus, secrets: Secrets) -> tuple[ChatService, Handoffs]:
    """The chat pipeline and the counsellors' handoff, over the same actions and state
    machine context."""
    policy = Policy(settings.clarify_below, settings.misses_before_counsellor)
    detector = LinguaDetector(vocabulary_from_nlu(settings.nlu_dir))
    actions = build_actions(Resources(knowledge, translators, policy))
    contexts = Contexts(knowledge, translators, policy, settings.presence_timeout_seconds)
    contacts = ContactBook(secrets.contact_key)
    service = ChatService(
        sessions=sessions, parse=rasa.parse, detector=detector, translators=translators,
        actions=actions, contexts=contexts, contacts=contacts, bus=bus,
        config=ServiceConfig(settings.default_language, settings.default_city,
                             settings.pseudonym_secret, settings.max_message_chars, policy))
    timers = Timers(settings.handoff_wait_seconds, settings.handoff_idle_seconds,
                    settings.handoff_tick_seconds)
    handoffs = Handoffs(sessions, bus, contexts, contacts, translators, actions, timers)
    return service, handoffs


async def resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    knowledge = load_knowledge(settings.knowledge_dir)  # refuses to start on a broken file
    if settings.default_city not in knowledge.cities:
        raise ValueError(f"LOTSE_DEFAULT_CITY '{settings.default_city}' is not in knowledge/ "
                         f"(known: {', '.join(knowledge.cities)})")
    translators = load_translators()
    secrets = load_secrets(settings)
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bus = await open_bus(settings.database_url)
    http = aiohttp.ClientSession()
    rasa = RasaClient(http, settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
    app[KNOWLEDGE], app[TRANSLATORS], app[RASA] = knowledge, translators, rasa
    app[DB], app[BUS], app[SECRETS] = sessions, bus, secrets
    app[IDENTITY] = ChatIdentity(secrets.chat_cookie_key, settings.cookie_secure)
    app[SERVICE], app[HANDOFFS] = build_services(settings, rasa, knowledge, translators,
                                                 sessions, bus, secrets)
    app[HANDOFFS].start()
    log.info("ready: %d FAQs, %d cities", len(knowledge.faqs), len(knowledge.cities))
    yield
    await app[HANDOFFS].stop()
    await bus.close()
    await http.close()
    await engine.dispose()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.cleanup_ctx.append(resources)
    routes.setup(app)
    app.add_subapp("/console", create_console())
    attach_telegram(app)  # no-op unless LOTSE_TELEGRAM_MODE is polling or webhook
    app.router.add_static("/static/", HERE / "static", name="static")
    return app

"""aiohttp application factory: typed app keys, resources built in the start-up hook."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.app import create_console
from bot.curation.documents import Tree, documents, seed_if_empty
from bot.curation.publish import Publisher
from bot.generation import Builder, Generation, Generations, Watcher, live_version
from bot.handoff.bus import Bus, open_bus
from bot.handoff.service import Handoffs, Timers
from bot.handoff.store import ContactBook
from bot.i18n import Translator, load_translators
from bot.langid import LinguaDetector, vocabulary_from_nlu
from bot.nlu.servers import NluServers, loopback_url
from bot.secrets import Secrets, check_production, load_secrets
from bot.service import ChatService, ServiceConfig
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.retention import RetentionJob, RetentionPolicy
from bot.telegram.app import attach_telegram
from bot.web import routes
from bot.web.errors import json_errors
from bot.web.headers import security_headers
from bot.web.identity import ChatIdentity
from bot.web.keys import (
    BUS,
    DB,
    GENERATIONS,
    HANDED_RASA,
    HANDOFFS,
    IDENTITY,
    NLU_SERVERS,
    PUBLISHER,
    SECRETS,
    SERVICE,
    SETTINGS,
    TEMPLATES,
    TRANSLATORS,
    WATCHER,
)

HERE = Path(__file__).resolve().parent
MAX_BODY_BYTES = 256 * 1024


log = logging.getLogger(__name__)


def build_services(settings: Settings, generations: Generations,
                   translators: dict[str, Translator], sessions: async_sessionmaker[AsyncSession],
                   bus: Bus, secrets: Secrets) -> tuple[ChatService, Handoffs]:
    """The chat pipeline and the counsellors' handoff, over the same generations."""
    policy = settings.policy()
    detector = LinguaDetector(vocabulary_from_nlu(settings.nlu_dir))
    contacts = ContactBook(secrets.contact_key)
    service = ChatService(
        sessions=sessions, generations=generations, detector=detector, translators=translators,
        contacts=contacts, bus=bus,
        config=ServiceConfig(settings.default_language, settings.default_city,
                             secrets.pseudonym_secret, settings.max_message_chars, policy,
                             settings.messages_per_minute))
    timers = Timers(settings.handoff_wait_seconds, settings.handoff_idle_seconds,
                    settings.handoff_tick_seconds)
    handoffs = Handoffs(sessions, bus, generations, contacts, translators, timers)
    return service, handoffs


def builder_for(settings: Settings, translators: dict[str, Translator],
                http: aiohttp.ClientSession) -> Builder:
    policy = settings.policy()
    return Builder(translators, policy, settings.presence_timeout_seconds, http,
                   settings.rasa_token, settings.rasa_timeout_seconds)


async def first_generation(settings: Settings, sessions: async_sessionmaker[AsyncSession],
                           builder: Builder) -> Generation:
    """The live knowledge (seeded from the repository on the first start) and the live
    model; refuses to start on broken knowledge or an unknown default city."""
    async with sessions() as session:
        if await seed_if_empty(session, Tree(settings.knowledge_dir, settings.nlu_dir / "data")):
            await session.commit()
            log.info("seeded the live knowledge from %s", settings.knowledge_dir)
        docs = await documents(session)
    generation = await builder.build(docs, await live_version(sessions, settings.rasa_url))
    if settings.default_city not in generation.knowledge.cities:
        raise ValueError(f"LOTSE_DEFAULT_CITY '{settings.default_city}' is not in the knowledge "
                         f"(known: {', '.join(generation.knowledge.cities)})")
    return generation


async def resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    check_production(settings)  # again here, before anything: not every start is the CLI's
    secrets = app[SECRETS] if SECRETS in app else load_secrets(settings)
    translators = load_translators()
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bus = await open_bus(settings.database_url)
    http = aiohttp.ClientSession()
    builder = builder_for(settings, translators, http)
    generations = Generations(await first_generation(settings, sessions, builder))
    watcher = Watcher(sessions, builder, generations, settings.rasa_url,
                      settings.knowledge_poll_seconds)
    app[GENERATIONS], app[WATCHER], app[TRANSLATORS] = generations, watcher, translators
    app[DB], app[BUS], app[SECRETS] = sessions, bus, secrets
    app[IDENTITY] = ChatIdentity(secrets.chat_cookie_key, settings.cookie_secure)
    app[SERVICE], app[HANDOFFS] = build_services(settings, generations, translators,
                                                 sessions, bus, secrets)
    servers = NluServers(http, settings.rasa_token)
    if HANDED_RASA in app:  # started by `./lotse run`: a publish may retire it
        servers.adopt(loopback_url(app[HANDED_RASA].port), app[HANDED_RASA])
    app[NLU_SERVERS] = servers
    app[PUBLISHER] = Publisher(settings, sessions, generations, watcher, servers, http)
    retention = RetentionJob(sessions, RetentionPolicy(
        settings.retention_days, settings.closed_handoff_retention_days,
        settings.queue_retention_hours), settings.retention_interval_seconds)
    await retention.start()
    app[HANDOFFS].start()
    watcher.start()
    knowledge = generations.current.knowledge
    log.info("ready: %d FAQs, %d cities, generation %s", len(knowledge.faqs),
             len(knowledge.cities), generations.current.version)
    yield
    await app[PUBLISHER].stop()
    await retention.stop()
    await watcher.stop()
    await servers.stop_all()
    await app[HANDOFFS].stop()
    await bus.close()
    await http.close()
    await engine.dispose()


def create_app(settings: Settings, secrets: Secrets | None = None) -> web.Application:
    """`secrets`: as loaded by the CLI before anything started; None: loaded (and checked
    for production) in the start-up hook."""
    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    if secrets is not None:
        app[SECRETS] = secrets
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.cleanup_ctx.append(resources)
    app.on_response_prepare.append(security_headers)
    routes.setup(app)
    app.add_subapp("/console", create_console())
    attach_telegram(app)  # no-op unless LOTSE_TELEGRAM_MODE is polling or webhook
    app.router.add_static("/static/", HERE / "static", name="static")
    return app

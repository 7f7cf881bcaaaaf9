"""Start-up shared by the long-running commands (`run`, `telegram`): validate the knowledge,
train if needed, start and supervise Rasa, serve the aiohttp app until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.curation.documents import load_documents
from bot.kb.glossary import load_glossary
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.kb.review import review_lines
from bot.kb.source import KnowledgeError
from bot.nlu.client import RasaClient
from bot.nlu.process import RasaServer
from bot.nlu.training import ensure_model
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.db import create_engine, session_factory, upgrade

VAR = PROJECT_ROOT / "var"


def say(message: str) -> None:
    print(f"[lotse] {message}", flush=True)


def knowledge_or_exit(settings: Settings) -> Knowledge:
    try:
        knowledge = load_knowledge(settings.knowledge_dir)
        load_glossary(settings.knowledge_dir / "glossary.yml")
    except KnowledgeError as exc:
        say(f"knowledge is broken, not starting: {exc}")
        raise SystemExit(2) from None
    say(f"knowledge: {len(knowledge.faqs)} FAQs, cities {', '.join(knowledge.cities)}, "
        f"{len(knowledge.sources)} named sources, {len(knowledge.unverified)} unverified records")
    return knowledge


def review(knowledge: Knowledge) -> None:
    """`./lotse check`: the records by status and by age, and what to check first."""
    for line in review_lines(knowledge, dt.date.today()):
        say(line)


def train(settings: Settings, config: Path) -> Path:
    knowledge = knowledge_or_exit(settings)
    return ensure_model(knowledge, config=config, data_dir=settings.nlu_dir / "data",
                        models_dir=settings.models_dir, progress=say)


async def live_model(settings: Settings, config: Path) -> Path:
    """The model of the live knowledge (the database, seeded from the repository on the
    first start): training examples and FAQs staff changed in the console are trained
    here, when the app (re)starts; unchanged documents reuse the model."""
    from bot.curation.documents import NLU_DATA, Tree, documents, materialized, seed_if_empty

    knowledge_or_exit(settings)  # the repository's files must be valid too (seeding, git)
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            if await seed_if_empty(session, Tree(settings.knowledge_dir,
                                                 settings.nlu_dir / "data")):
                await session.commit()
            docs = await documents(session)
    finally:
        await engine.dispose()

    def train_live() -> Path:
        try:
            knowledge = load_documents(docs)
        except KnowledgeError as exc:
            say(f"the live knowledge is broken, not starting: {exc}")
            raise SystemExit(2) from None
        with materialized(docs) as root:
            return ensure_model(knowledge, config=config, data_dir=root / NLU_DATA,
                                models_dir=settings.models_dir, progress=say)

    return await asyncio.to_thread(train_live)


@contextlib.asynccontextmanager
async def rasa_for(settings: Settings, config: Path, external: bool) -> AsyncIterator[None]:
    """Rasa for the app's lifetime: trained if needed, started, supervised, stopped."""
    if external:
        say(f"using the Rasa server on 127.0.0.1:{settings.rasa_port}")
        yield
        return
    model = await live_model(settings, config)
    server = RasaServer(model, settings.rasa_port, settings.rasa_token, VAR / "rasa.log")
    say(f"starting Rasa on 127.0.0.1:{settings.rasa_port} (log: {server.log_path}) …")
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, settings.rasa_url, settings.rasa_token, 5)
            seconds = await server.wait_ready(client)
        say(f"Rasa is ready after {seconds:.0f} s")
        server.supervise()
        yield
    finally:
        await server.stop()


async def serve_until_stopped(app: web.Application, settings: Settings, banner: str) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    say(f"{banner} — stop with Ctrl-C")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    say("stopping …")
    await runner.cleanup()

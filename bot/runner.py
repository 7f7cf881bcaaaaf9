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

from bot.kb.glossary import load_glossary
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.kb.review import review_lines
from bot.kb.source import KnowledgeError
from bot.nlu.client import RasaClient
from bot.nlu.process import RasaServer
from bot.nlu.training import ensure_model
from bot.secrets import Secrets, SecretsError, load_secrets
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


def secrets_or_exit(settings: Settings) -> Secrets:
    """Before anything starts (Rasa, training, the app): in production every secret must be
    set (all missing ones named at once); in development missing ones come from
    var/local-secrets.json. A malformed key stops here too."""
    try:
        return load_secrets(settings)
    except SecretsError as exc:
        say(f"not starting: {exc}")
        raise SystemExit(2) from None


def review(knowledge: Knowledge) -> None:
    """`./lotse check`: the records by status and by age, and what to check first."""
    for line in review_lines(knowledge, dt.date.today()):
        say(line)


def train(settings: Settings, config: Path) -> Path:
    knowledge = knowledge_or_exit(settings)
    return ensure_model(knowledge, config=config, data_dir=settings.nlu_dir / "data",
                        models_dir=settings.models_dir, progress=say)


async def model_to_serve(settings: Settings, config: Path) -> Path:
    """The published (live) model when its archive is in models_dir; otherwise a model of
    the live documents (seeded from the repository on the first start), trained if needed."""
    from bot.curation.publish import train_documents

    knowledge_or_exit(settings)
    archive, docs = await published_archive(settings)
    if archive is not None:
        return archive
    try:
        return await asyncio.to_thread(train_documents, docs, config, settings.models_dir, say)
    except KnowledgeError as exc:
        say(f"the live knowledge is broken, not starting: {exc}")
        raise SystemExit(2) from None


async def published_archive(settings: Settings) -> tuple[Path | None, dict[str, str]]:
    """The live model's archive if it is in models_dir, and the live documents. A live row
    whose archive is gone is retired: the model of the live documents serves instead."""
    from bot.curation.documents import Tree, documents, seed_if_empty
    from bot.curation.publish_store import live_row

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            tree = Tree(settings.knowledge_dir, settings.nlu_dir / "data")
            if await seed_if_empty(session, tree):
                await session.commit()
            row, docs = await live_row(session), await documents(session)
            if row is None or not row.name:
                return None, docs
            archive = settings.models_dir / f"{row.name}.tar.gz"
            if archive.exists():
                say(f"serving the published model {archive.name}")
                return archive, docs
            say(f"the published model {row.name} is not in {settings.models_dir}; "
                "training the live documents instead")
            row.status = "retired"
            await session.commit()
            return None, docs
    finally:
        await engine.dispose()


async def point_live_row(settings: Settings, url: str) -> None:
    """The live model's row now names the server this command started."""
    from bot.curation.publish_store import set_live_url

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await set_live_url(session, url)
            await session.commit()
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def rasa_for(settings: Settings, config: Path, external: bool,
                   app: web.Application | None = None) -> AsyncIterator[None]:
    """Rasa for the app's lifetime: the live model (trained if needed), started, supervised,
    handed to `app` (a publish may then retire it), stopped."""
    if external:
        say(f"using the Rasa server on 127.0.0.1:{settings.rasa_port}")
        yield
        return
    model = await model_to_serve(settings, config)
    server = RasaServer(model, settings.rasa_port, settings.rasa_token, VAR / "rasa.log")
    say(f"starting Rasa on 127.0.0.1:{settings.rasa_port} (log: {server.log_path}) …")
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, settings.rasa_url, settings.rasa_token, 5)
            seconds = await server.wait_ready(client)
        say(f"Rasa is ready after {seconds:.0f} s")
        server.supervise()
        await point_live_row(settings, settings.rasa_url)
        if app is not None:
            from bot.web.keys import HANDED_RASA

            app[HANDED_RASA] = server
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

"""Generations: the service's knowledge and model are replaced as a whole when the live
revision or the live model changes in the database; a broken revision never serves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.dialogue import Policy
from bot.curation import edits
from bot.curation.documents import SYSTEM, Change, Tree, documents, save, seed_if_empty
from bot.curation.records import RecordRef
from bot.generation import Builder, Generations, Watcher, live_version
from bot.i18n import load_translators
from bot.settings import PROJECT_ROOT
from bot.storage.curation_models import NluModel
from bot.storage.db import create_engine, session_factory, upgrade

DEFAULT_URL = "http://127.0.0.1:5999"
FAQ = RecordRef("faq", "registration/register_address")


@pytest.fixture
async def sessions(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade(database)
    engine = create_engine(database)
    factory = session_factory(engine)
    async with factory() as session:
        await seed_if_empty(session, Tree.under(PROJECT_ROOT))
        await session.commit()
    yield factory
    await engine.dispose()


async def test_an_edit_and_a_new_live_model_each_make_a_new_generation(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with aiohttp.ClientSession() as http:
        builder = Builder(load_translators(), Policy(), 90, http, "token", 5.0)
        async with sessions() as session:
            first = await builder.build(await documents(session),
                                        await live_version(sessions, DEFAULT_URL))
        generations = Generations(first)
        watcher = Watcher(sessions, builder, generations, DEFAULT_URL, 3600)
        assert not await watcher.refresh()  # nothing changed
        async with sessions() as session:
            await edits.edit(session, FAQ, {("answer", "en"): "Register within two weeks."},
                             SYSTEM)
            await session.commit()
        assert await watcher.refresh()
        current = generations.current
        assert current is not first and current.version.revision > first.version.revision
        assert current.knowledge.faqs[FAQ.id].answer["en"] == "Register within two weeks."
        assert first.knowledge.faqs[FAQ.id].answer["en"] != "Register within two weeks."
        assert current.actions is not first.actions  # the actions answer from the new one
        async with sessions() as session:
            session.add(NluModel(status="live", name="nlu-new", knowledge_revision=2,
                                 url="http://127.0.0.1:5998"))
            await session.commit()
        assert await watcher.refresh()
        assert generations.current.version.model_url == "http://127.0.0.1:5998"
        assert generations.swaps == 2


async def test_a_broken_revision_keeps_the_old_generation_serving(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with aiohttp.ClientSession() as http:
        builder = Builder(load_translators(), Policy(), 90, http, "token", 5.0)
        async with sessions() as session:
            docs = await documents(session)
            generations = Generations(await builder.build(
                docs, await live_version(sessions, DEFAULT_URL)))
            path = "knowledge/common/faq/registration.yml"
            await save(session, {path: docs[path].replace("office: registration_office",
                                                          "office: nowhere", 1)},
                       Change("import", "knowledge"), SYSTEM)  # an import bypasses the forms
            await session.commit()
        watcher = Watcher(sessions, builder, generations, DEFAULT_URL, 3600)
        assert not await watcher.refresh()
        assert not await watcher.refresh()  # refused once, not rebuilt on every poll
        assert generations.swaps == 0
        faq = generations.current.knowledge.faqs[FAQ.id]
        assert faq.office == "registration_office"

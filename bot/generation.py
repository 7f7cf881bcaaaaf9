"""A generation: the knowledge, the NLU model that serves it and everything derived from
them (actions, the handoff context, the Telegram callback allow-list), with a version.

The service reads the current generation once per turn (`Generations.current`); a new one is
built beside the old and replaced in one assignment, so a turn never sees half of each. The
watcher polls the database (the live knowledge revision and the live model), so every app
process follows a staff edit or a publish within a second or two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa_sdk import Action
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions import Resources, build_actions
from bot.core.dialogue import Policy
from bot.core.types import ParseResult
from bot.curation.documents import Documents, documents, live_revision, load_documents
from bot.handoff.context import Contexts
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.kb.source import KnowledgeError
from bot.nlu.client import RasaClient
from bot.storage.curation_models import NluModel
from bot.telegram.callbacks import CallbackValidator

log = logging.getLogger(__name__)
Parser = Callable[[str], Awaitable[tuple[ParseResult, dict[str, Any]]]]


@dataclass(frozen=True)
class Version:
    revision: int  # the live knowledge revision (knowledge_changes.id)
    model_url: str  # the Rasa server of the live model

    def __str__(self) -> str:
        return f"r{self.revision}@{self.model_url}"


@dataclass(frozen=True)
class Generation:
    version: Version
    knowledge: Knowledge
    actions: dict[str, Action]
    contexts: Contexts
    callbacks: CallbackValidator
    nlu: RasaClient  # its readiness for /health
    parse: Parser  # `nlu.parse`, unless a test wraps it


class Generations:
    """Holds the current generation; `swap` replaces it in one step."""

    def __init__(self, first: Generation) -> None:
        self._current = first
        self.swaps = 0

    @property
    def current(self) -> Generation:
        return self._current

    def swap(self, new: Generation) -> None:
        old, self._current = self._current, new
        self.swaps += 1
        log.info("generation %s replaces %s", new.version, old.version)


@dataclass
class Builder:
    """Builds generations from documents: what the app start-up and the watcher share."""

    translators: dict[str, Translator]
    policy: Policy
    presence_timeout_seconds: int
    http: aiohttp.ClientSession
    rasa_token: str
    rasa_timeout_seconds: float

    async def build(self, docs: Documents, version: Version) -> Generation:
        knowledge = await asyncio.to_thread(load_documents, docs)
        return self.from_knowledge(knowledge, version)

    def from_knowledge(self, knowledge: Knowledge, version: Version) -> Generation:
        actions = build_actions(Resources(knowledge, self.translators, self.policy))
        contexts = Contexts(knowledge, self.translators, self.policy,
                            self.presence_timeout_seconds)
        nlu = RasaClient(self.http, version.model_url, self.rasa_token,
                         self.rasa_timeout_seconds)
        return Generation(version, knowledge, actions, contexts,
                          CallbackValidator(knowledge.cities, knowledge.faqs), nlu, nlu.parse)


async def live_model_url(session: AsyncSession, default: str) -> str:
    """The Rasa server of the published model (`default`: the one started with the app)."""
    url = await session.scalar(select(NluModel.url).where(NluModel.status == "live")
                               .order_by(NluModel.id.desc()).limit(1))
    return url or default


async def live_version(sessions: async_sessionmaker[AsyncSession], default_url: str) -> Version:
    async with sessions() as session:
        return Version(await live_revision(session), await live_model_url(session, default_url))


class Watcher:
    """Follows the live revision and model: a new generation when either changes. A
    generation that fails to load (it cannot: every edit is validated before it is saved;
    an import from broken files could) keeps the old one serving and is logged."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], builder: Builder,
                 generations: Generations, default_url: str, interval: float) -> None:
        self._sessions, self._builder, self._generations = sessions, builder, generations
        self._default_url, self._interval = default_url, interval
        self._task: asyncio.Task[None] | None = None
        self._refused: Version | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def refresh(self) -> bool:
        """One look at the database; True if a new generation now serves. One build at a
        time, so a slow older build can never replace a newer generation."""
        async with self._lock:
            return await self._refresh()

    async def _refresh(self) -> bool:
        version = await live_version(self._sessions, self._default_url)
        if version == self._generations.current.version or version == self._refused:
            return False
        async with self._sessions() as session:
            docs = await documents(session)
        try:
            generation = await self._builder.build(docs, version)
        except KnowledgeError as exc:
            self._refused = version
            log.error("knowledge revision %s is broken, the old one keeps serving: %s",
                      version.revision, exc)
            return False
        self._generations.swap(generation)
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.refresh()
            except Exception:  # a database outage: keep serving, look again later
                log.exception("could not refresh the knowledge generation")

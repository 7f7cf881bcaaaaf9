"""Publish: train a model of the live documents in the background, evaluate it and the live
model on the held-out set (`nlu/test/`), block it when the gate says so, otherwise make it
live without one failed parse.

One publish at a time across processes (a conditional insert, `publish_store.claim`). The
training runs in a thread of its own at a lower CPU priority, its log goes to the row every
few seconds; a failure leaves the old model serving. The candidate's Rasa is started by
this process (`NluServers`); the swap is one transaction (the old live row retired, the
candidate live with its URL), this process follows at once (`Watcher.refresh`), the others
within a poll, and the old server — if this process owns it — stops after the grace period,
so parses already sent to it finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.curation import publish_store as store
from bot.curation.documents import (
    NLU_DATA,
    Actor,
    Documents,
    documents,
    live_revision,
    load_documents,
    materialized,
)
from bot.curation.publish_log import RowLog, in_own_thread, log_tail, lower_priority, stop_training
from bot.generation import Generations, Watcher
from bot.nlu import training
from bot.nlu.client import RasaClient
from bot.nlu.evaluate import Example, evaluate, load_examples
from bot.nlu.gate import Figures, GateReport, figures, figures_from_json, figures_json, judge
from bot.nlu.servers import NluServers, name_of_archive, served_model
from bot.nlu.training import Progress, ensure_model, prepare
from bot.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
CONFIG = PROJECT_ROOT / "config.yml"
STALE_AFTER = dt.timedelta(hours=1)  # a row still training after this: its process died
EVAL_TIMEOUT = 30.0


class PublishRefused(Exception):
    """`running`: another publish is under way; `nothing`: the live model was trained on
    exactly these documents."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class LiveModel:
    name: str | None  # None: the server does not answer
    url: str
    since: dt.datetime | None = None  # None: started with the app, never published
    by: str | None = None
    figures: Figures | None = None  # on the held-out set, if measured


def candidate_name(docs: Documents, config: Path) -> str:
    """The name `ensure_model` gives the model of these documents — the fingerprint of the
    same inputs — without training and without touching build/."""
    knowledge = load_documents(docs)
    with materialized(docs) as root, tempfile.TemporaryDirectory(prefix="lotse-") as build:
        data_dir = root / NLU_DATA
        domain, patterns = prepare(knowledge, data_dir, Path(build))
        return training.model_name(config, domain, patterns, data_dir)


def train_documents(docs: Documents, config: Path, models_dir: Path,
                    progress: Progress = print) -> Path:
    """`ensure_model` over the documents (blocking)."""
    knowledge = load_documents(docs)
    with materialized(docs) as root:
        return ensure_model(knowledge, config=config, data_dir=root / NLU_DATA,
                            models_dir=models_dir, progress=progress)


def testset_id(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.language}\t{example.intent}\t{example.text}\n".encode())
    return digest.hexdigest()[:12]


class Publisher:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession],
                 generations: Generations, watcher: Watcher, servers: NluServers,
                 http: aiohttp.ClientSession, config: Path | None = None) -> None:
        self._settings, self._sessions = settings, sessions
        self._config = config or settings.publish_config
        self._generations, self._watcher, self._servers = generations, watcher, servers
        self._http = http
        self._names: dict[int, str] = {}  # live revision → its training data's fingerprint
        self._examples: list[Example] | None = None
        self._task: asyncio.Task[None] | None = None
        # parses already sent to the old server finish within the Rasa timeout; the other
        # processes switch within a poll
        self.grace = max(settings.swap_grace_seconds, settings.rasa_timeout_seconds
                         + 2 * settings.knowledge_poll_seconds)

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def examples(self) -> list[Example]:
        if self._examples is None:
            self._examples = load_examples(self._settings.nlu_dir / "test")
        return self._examples

    async def pending_name(self) -> str:
        """The fingerprint of the live documents (what a publish now would train)."""
        async with self._sessions() as session:
            revision = await live_revision(session)
            if revision in self._names:
                return self._names[revision]
            docs = await documents(session)
        name = await asyncio.to_thread(candidate_name, docs, self._config)
        self._names = {revision: name}
        return name

    async def live(self) -> LiveModel:
        """The model serving now: the live row, or the server started with the app."""
        testset = testset_id(self.examples())
        async with self._sessions() as session:
            row = await store.live_row(session)
            name = row.name if row is not None else await served_model(
                self._http, self._settings.rasa_url, self._settings.rasa_token)
            cached = await store.cached_evaluation(session, name, testset) if name else None
        measured = figures_from_json(cached) if cached else None
        if row is None:
            return LiveModel(name, self._settings.rasa_url, figures=measured)
        return LiveModel(row.name, row.url or self._settings.rasa_url, row.finished_at,
                         (row.report or {}).get("by"), measured)

    async def start(self, actor: Actor) -> int:
        """Start a publish of the live documents; its row's id. Raises PublishRefused."""
        if self.busy:
            raise PublishRefused("running")
        async with self._sessions() as session:
            revision, docs = await live_revision(session), await documents(session)
        name = await asyncio.to_thread(candidate_name, docs, self._config)
        live = await self.live()
        if name == live.name:
            raise PublishRefused("nothing")
        async with self._sessions() as session:
            row_id = await store.claim(session, revision, actor.id, STALE_AFTER)
            if row_id is None:
                raise PublishRefused("running")
            await store.update_row(session, row_id, name=name, by=actor.name,
                                   live={"name": live.name, "url": live.url})
            await session.commit()
        log.info("publish %s: training %s (knowledge revision %s)", row_id, name, revision)
        self._task = asyncio.create_task(self._run(row_id, docs, name, live))
        return row_id

    async def wait(self) -> None:
        """Until the running publish (if any) has ended."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def stop(self) -> None:
        """At shutdown: a running publish ends as failed; the old model keeps serving."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        await self.wait()

    async def _run(self, row_id: int, docs: Documents, name: str, live: LiveModel) -> None:
        train_log = self._settings.models_dir / f"{name}.train.log"
        candidate: str | None = None
        async with RowLog(self._sessions, row_id, train_log) as row_log:
            try:
                model = await self._train(row_id, docs, name, row_log, live.name)
                candidate = await self._servers.start(model)
                row_log.add(f"the candidate answers on {candidate}")
                report = await self._judge(row_id, name, candidate, live, row_log)
                if report.passed:
                    await self._go_live(row_id, candidate, row_log)
                    candidate = None
                else:
                    await self._end(row_id, "blocked", row_log)
            except asyncio.CancelledError:
                row_log.add("stopped: the app shut down during the publish")
                stop_training(name)
                await asyncio.shield(self._end(row_id, "failed", row_log))
                raise
            except Exception as exc:
                log.exception("publish %s failed; the live model keeps serving", row_id)
                row_log.add(f"failed: {type(exc).__name__}: {exc}")
                await self._end(row_id, "failed", row_log)
            finally:
                if candidate is not None:
                    await asyncio.shield(self._servers.stop(candidate))

    async def _train(self, row_id: int, docs: Documents, name: str, row_log: RowLog,
                     live_name: str | None) -> Path:
        self._keep_archive(live_name)
        config, models_dir = self._config, self._settings.models_dir
        started = time.monotonic()

        def work() -> Path:
            lower_priority()
            return train_documents(docs, config, models_dir, row_log.add)

        try:
            model = await in_own_thread(work)
        except Exception:
            tail = log_tail(models_dir / f"{name}.train.log")
            if tail:
                row_log.add("the end of the training log:\n" + tail)
            raise
        seconds = round(time.monotonic() - started, 1)
        row_log.train_log = None  # no more progress lines
        await row_log.write(lambda session: store.update_row(
            session, row_id, status="evaluating", name=name_of_archive(model),
            seconds={"training": seconds}))
        return model

    def _keep_archive(self, name: str | None) -> None:
        """Training prunes old archives (the newest few are kept): the live model's counts
        as new, so a restart finds it."""
        if name:
            with contextlib.suppress(OSError):
                os.utime(self._settings.models_dir / f"{name}.tar.gz")

    async def _judge(self, row_id: int, name: str, url: str, live: LiveModel,
                     row_log: RowLog) -> GateReport:
        examples, started = self.examples(), time.monotonic()
        testset = testset_id(examples)
        live_figures = live.figures
        if live_figures is None:
            row_log.add(f"evaluating the live model on {len(examples)} held-out examples")
            live_figures = figures(await evaluate(self._generations.current.nlu, examples))
        row_log.add(f"evaluating the candidate on {len(examples)} held-out examples")
        client = RasaClient(self._http, url, self._settings.rasa_token, EVAL_TIMEOUT)
        candidate = figures(await evaluate(client, examples))
        report = judge(live_figures, candidate, self._settings.publish_margin_points)
        evaluations = {name: {"testset": testset, "figures": figures_json(candidate)}}
        if live.name:
            evaluations[live.name] = {"testset": testset, "figures": figures_json(live_figures)}
        seconds = {"evaluation": round(time.monotonic() - started, 1)}
        await row_log.write(lambda session: store.update_row(
            session, row_id, evaluations=evaluations, candidate=url, gate=report.to_json(),
            seconds=seconds))
        row_log.add(("passed: " if report.passed else "blocked: ") + report.reason)
        return report

    async def _go_live(self, row_id: int, url: str, row_log: RowLog) -> None:
        old_url = await row_log.write(
            lambda session: store.swap(session, row_id, url, self._settings.rasa_url))
        assert old_url is not None
        row_log.add(f"live: the new model answers on {url}")
        try:  # it is live: nothing after the commit may mark it failed
            await self._watcher.refresh()
            if old_url != url and self._servers.owns(old_url):
                self._servers.retire(old_url, self.grace)
                row_log.add(f"the previous server ({old_url}) stops in {self.grace:.0f} s")
        except Exception:
            log.exception("publish %s: live, but this process follows at the next poll",
                          row_id)
        await row_log.flush()

    async def _end(self, row_id: int, status: str, row_log: RowLog) -> None:
        row_log.train_log = None
        await row_log.write(lambda session: store.update_row(session, row_id, status=status,
                                                             finished=True))

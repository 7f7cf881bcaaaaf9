"""Publish without a training: one publish at a time (the conditional insert, SQLite and
PostgreSQL), the fingerprint the console compares, the page and its fragment by role, the
"nothing to publish" answer, a failed training keeping the old model, and the registry of
owned Rasa servers. The session's real Rasa is the live model (started outside the app)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from yarl import URL

from bot.curation.documents import SYSTEM, Tree, read_tree
from bot.curation.publish import CONFIG, Publisher, candidate_name
from bot.curation.publish_log import log_tail, training_progress
from bot.curation.publish_store import claim
from bot.nlu.client import RasaClient
from bot.nlu.servers import NluServers, name_of_archive
from bot.settings import PROJECT_ROOT
from bot.storage.curation_models import NluModel
from bot.storage.db import create_engine, session_factory, upgrade
from bot.web.keys import DB, GENERATIONS, NLU_SERVERS, WATCHER
from tests.conftest import TEST_TOKEN
from tests.console.conftest import Console, build_app, console_settings

HOUR = dt.timedelta(hours=1)


async def test_one_publish_at_a_time_even_when_two_start_at_once(database: str) -> None:
    await upgrade(database)
    engine = create_engine(database)
    sessions = session_factory(engine)

    async def try_claim() -> int | None:
        async with sessions() as session:
            found = await claim(session, 1, None, HOUR)
            await session.commit()
            return found

    first, second = await asyncio.gather(try_claim(), try_claim())
    assert (first is None) != (second is None), (first, second)
    assert await try_claim() is None
    async with sessions() as session:  # a publish whose process died long ago
        row = await session.get_one(NluModel, first or second)
        row.created_at = dt.datetime.now(dt.UTC) - 2 * HOUR
        await session.commit()
    assert await try_claim() is not None
    async with sessions() as session:
        statuses = sorted((await session.scalars(select(NluModel.status))).all())
    assert statuses == ["failed", "training"]
    await engine.dispose()


def test_the_console_computes_the_name_the_training_gives(nlu_model: Path) -> None:
    docs = read_tree(Tree.under(PROJECT_ROOT))
    assert candidate_name(docs, CONFIG) == name_of_archive(nlu_model)


@contextlib.asynccontextmanager
async def running_console(tmp_path: Path, rasa: RasaClient,
                          **settings: object) -> AsyncIterator[Console]:
    """The real app with the console; the session's Rasa is its configured (unpublished)
    model; models are trained into tmp_path, never the project's models/ (pruning)."""
    config = console_settings(tmp_path).model_copy(update={
        "rasa_port": URL(rasa._url).port or 0, "rasa_token": TEST_TOKEN,
        "models_dir": tmp_path / "models", **settings})
    server = TestServer(build_app(config))
    await server.start_server()
    engine = create_engine(config.database_url)
    helper = Console(server, config, session_factory(engine))
    try:
        yield helper
    finally:
        for browser in helper.browsers:
            await browser.http.close()
        await server.close()
        await engine.dispose()


@pytest.fixture
async def console(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Console]:
    async with running_console(tmp_path, rasa) as helper:
        yield helper


@pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")
async def test_the_page_by_role_and_nothing_to_publish(console: Console,
                                                       nlu_model: Path) -> None:
    for name, role in (("sam", "staff"), ("cara", "counsellor"), ("ada", "admin")):
        await console.user(name, role)
    anonymous = console.browser()
    assert (await anonymous.get("/console/publish")).status == 302
    assert (await anonymous.get("/console/publish/status")).status == 401
    counsellor = await console.as_user("cara")
    assert (await counsellor.get("/console/publish")).status == 403
    assert (await counsellor.get("/console/publish/status")).status == 403
    assert (await counsellor.post("/console/publish")).status == 403
    admin = await console.as_user("ada")
    assert (await admin.get("/console/publish")).status == 200
    staff = await console.as_user("sam")
    page = await staff.get("/console/publish")
    html = await page.text()
    assert page.status == 200 and name_of_archive(nlu_model) in html
    assert "there is nothing to publish" in html and 'href="/console/publish"' in html
    assert "No publish is running." in await (await staff.get("/console/publish/status")).text()
    assert (await staff.post("/console/publish", csrf="forged")).status == 403
    answer = await staff.post("/console/publish")
    assert answer.status == 303 and answer.headers["Location"] == "/console/publish"
    assert "Nothing to publish" in await (await staff.get("/console/publish")).text()
    await staff.post("/console/language", {"language": "ar"})
    arabic = await (await staff.get("/console/publish")).text()
    assert 'dir="rtl"' in arabic and "نشر نموذج اللغة" in arabic
    async with console.db() as session:
        assert (await session.scalars(select(NluModel))).all() == []  # nothing was started


BROKEN_CONFIG = """recipe: default.v1
language: xx
pipeline:
  - name: nlu.components.no_such_module.NoSuchComponent
"""


@pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")
async def test_a_failed_training_keeps_the_old_model_and_says_why(console: Console,
                                                                   tmp_path: Path) -> None:
    app = console.server.app
    generation = app[GENERATIONS].current
    broken = tmp_path / "config.yml"
    broken.write_text(BROKEN_CONFIG, encoding="utf-8")
    async with aiohttp.ClientSession() as http:
        publisher = Publisher(console.settings, app[DB], app[GENERATIONS], app[WATCHER],
                              app[NLU_SERVERS], http, config=broken)
        row_id = await publisher.start(SYSTEM)
        await asyncio.wait_for(publisher.wait(), 600)
    async with console.db() as session:
        row = await session.get_one(NluModel, row_id)
    print(f"\nfailed publish, the end of its log:\n{row.log[-1500:]}")
    assert row.status == "failed" and row.finished_at is not None
    assert "failed: RuntimeError: rasa train nlu failed" in row.log
    assert "the end of the training log" in row.log
    assert "No module named 'nlu.components.no_such_module'" in row.log
    assert app[GENERATIONS].current is generation  # the old model keeps serving
    assert await generation.nlu.ready()
    await console.user("sam", "staff")
    page = await (await console.as_user("sam")).get("/console/publish")
    html = await page.text()
    assert "Failed" in html and "no_such_module" in html


async def test_servers_never_stop_what_they_do_not_own(rasa: RasaClient) -> None:
    async with aiohttp.ClientSession() as http:
        servers = NluServers(http, TEST_TOKEN)
        servers.retire(rasa._url, 0)
        await servers.stop(rasa._url)
        await servers.stop_all()
        await asyncio.sleep(0.1)
    assert await rasa.ready()


def test_progress_and_log_tail_of_a_training_log(tmp_path: Path) -> None:
    log = tmp_path / "nlu-x.train.log"
    log.write_bytes(
        b"2026-12-01 INFO hooks  - Starting to train component 'DIETClassifier'.\n"
        b"Epochs:  50%|#####     | 25/50 [01:00<01:00,  2.4s/it]\r"
        b"Epochs: 100%|##########| 50/50 [02:00<00:00,  2.4s/it]\n"
        b"2026-12-01 INFO hooks  - Starting to train component 'ResponseSelector'.\n"
        b"Epochs:   1%|          | 1/160 [00:05<13:15,  5.0s/it]\r"
        b"Epochs:   2%|          | 3/160 [00:15<13:05,  5.0s/it]\r")
    assert training_progress(log.read_text()) == {
        "component": "ResponseSelector", "done": 3, "total": 160, "left": "13:05"}
    assert training_progress("nothing yet") is None
    tail = log_tail(log, lines=2).splitlines()
    assert tail[0].startswith("2026-12-01") and tail[1].startswith("Epochs:   2%")


async def test_lotse_run_serves_the_published_model_when_its_archive_is_there(
        tmp_path: Path) -> None:
    from bot.runner import published_archive

    settings = console_settings(tmp_path).model_copy(update={"models_dir": tmp_path})
    archive, docs = await published_archive(settings)  # seeds the empty database
    assert archive is None and "nlu/data/housing.yml" in docs
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        session.add(NluModel(status="live", name="nlu-published", knowledge_revision=1, log="",
                             url="http://127.0.0.1:1"))
        await session.commit()
    (tmp_path / "nlu-published.tar.gz").write_bytes(b"")
    assert (await published_archive(settings))[0] == tmp_path / "nlu-published.tar.gz"
    (tmp_path / "nlu-published.tar.gz").unlink()  # pruned or another machine's
    assert (await published_archive(settings))[0] is None
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(NluModel.status))).all() == ["retired"]
    await engine.dispose()

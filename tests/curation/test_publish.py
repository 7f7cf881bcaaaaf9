"""Publish with real trainings and real Rasa servers (on 2 cores: the gate's training with
the project's pipeline ~16 min, the one under load with fewer epochs ~5 min):

a. a damaging change (most residence examples relabelled as registration) is blocked by the
   gate: the report names the languages and metrics, the live model and URL stay, the
   candidate's server is stopped;
b. a new FAQ with its examples is published while ≥ 4 web users keep chatting: not one
   request fails during training, evaluation and swap; afterwards the new FAQ is answered and
   the old server (owned by the app) stops after the grace period. What is measured here is
   the swap, not the model: it trains config.yml with a quarter of the epochs
   (`LOTSE_PUBLISH_CONFIG`), and the gate's margin is opened wide (the gate is test a's).

Models are trained into a temporary folder, never the project's models/ (pruning).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bench.swap_under_load import (
    NEW_FAQ,
    NEW_QUESTION,
    Load,
    add_new_faq,
    held_out_topics,
    summary,
)
from bot.curation.documents import SYSTEM, Change, documents, live_revision, save
from bot.nlu.client import RasaClient
from bot.nlu.servers import name_of_archive
from bot.settings import PROJECT_ROOT
from bot.storage.curation_models import NluModel
from bot.storage.models import Message
from bot.web.keys import GENERATIONS, NLU_SERVERS, PUBLISHER, WATCHER
from tests.conftest import TEST_TOKEN
from tests.console.conftest import Console
from tests.curation.test_publish_console import running_console

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")
FIGURES = PROJECT_ROOT / "var" / "test-figures"  # test artefacts: the figures of the last run
PUBLISH_TIMEOUT = 45 * 60  # a training takes ~8 min on 2 cores, longer beside other work
SENDERS = 4


@pytest.fixture
async def console(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Console]:
    """A short swap grace (the app's floor: the Rasa timeout + 2 polls = 7 s)."""
    async with running_console(tmp_path, rasa, rasa_timeout_seconds=5.0,
                               swap_grace_seconds=1.0) as helper:
        yield helper


@pytest.fixture
async def quick_console(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Console]:
    """As above, training the project's pipeline with a quarter of the epochs, gate open."""
    config = PROJECT_ROOT / "config.yml"
    quick = tmp_path / "config-quick.yml"
    quick.write_text(fewer_epochs(config.read_text(encoding="utf-8"), 4), encoding="utf-8")
    async with running_console(tmp_path, rasa, rasa_timeout_seconds=5.0,
                               swap_grace_seconds=1.0, publish_config=quick,
                               publish_margin_points=100.0) as helper:
        yield helper


def fewer_epochs(config: str, divisor: int) -> str:
    """The pipeline with every `epochs: N` divided (the rest unchanged)."""
    changed = re.sub(r"(\n\s+epochs: )(\d+)", lambda m: f"{m[1]}{int(m[2]) // divisor}", config)
    assert changed != config
    return changed


def record(name: str, lines: list[str]) -> None:
    """Print the figures and keep them in var/test-figures/publish-<name>.txt."""
    print("\n" + "\n".join(lines))
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"publish-{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def relabelled(text: str, topic: str, target: str) -> str:
    """Every block of `topic` but the first now says `target`."""
    head, *blocks = text.split("\n- intent: ")
    kept, rest = blocks[:1], blocks[1:]
    changed = [target + b[b.index("\n"):] if b.split("\n")[0].split("/")[0] == topic else b
               for b in rest]
    return "\n- intent: ".join([head, *kept, *changed])


async def answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(
                f"{url}/status", params={"token": TEST_TOKEN},
                timeout=aiohttp.ClientTimeout(total=3)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def test_the_gate_blocks_a_damaging_change(console: Console, rasa: RasaClient) -> None:
    app = console.server.app
    path = "nlu/data/residence.yml"
    async with console.db() as session:
        docs = await documents(session)
        damaged = relabelled(docs[path], "residence", "registration/register_address")
        assert damaged.count("intent: residence") <= 2 < docs[path].count("intent: residence")
        await save(session, {path: damaged}, Change("edit", "test: relabel residence"), SYSTEM)
        await session.commit()
    await app[WATCHER].refresh()  # the new knowledge revision, still the old model
    generation = app[GENERATIONS].current
    row_id = await app[PUBLISHER].start(SYSTEM)
    await asyncio.wait_for(app[PUBLISHER].wait(), PUBLISH_TIMEOUT)
    async with console.db() as session:
        row = await session.get_one(NluModel, row_id)
        live_rows = await session.scalar(select(func.count()).where(NluModel.status == "live"))
    report = row.report or {}
    gate = report["gate"]
    record("gate", [
        f"gate report of the damaging change: {gate['reason']}",
        *(f"  {line['language']} {line['metric']:6} {line['old']:5.1f} → {line['new']:5.1f} %"
          f"{'  BLOCKS' if line['dropped'] else ''}" for line in gate["lines"]),
        f"training {report['seconds']['training']:.0f} s, "
        f"evaluation {report['seconds']['evaluation']:.0f} s"])
    assert row.status == "blocked", row.log[-2000:]
    assert not gate["passed"]
    drops = {(line["language"], line["metric"]) for line in gate["lines"] if line["dropped"]}
    assert drops and {lang for lang, _ in drops} <= {"de", "en", "ar"}
    assert ("de", "intent") in drops and all(lang in gate["reason"] for lang, _ in drops)
    assert live_rows == 0 and app[GENERATIONS].current is generation  # unchanged
    assert generation.version.model_url == rasa._url.rstrip("/") and await rasa.ready()
    assert not app[NLU_SERVERS].owns(report["candidate"])
    assert not await answers(report["candidate"])  # the candidate's server is stopped
    staff_page = await published_page(console)
    assert "Blocked" in staff_page and "worse than allowed" in staff_page


async def published_page(console: Console) -> str:
    """The publish page as a (new) staff member sees it."""
    name = f"staff{len(console.browsers)}"
    await console.user(name, "staff")
    return await (await (await console.as_user(name)).get("/console/publish")).text()


async def own_live_server(console: Console, model: Path) -> str:
    """What `./lotse run` does: the app owns the Rasa of the live model, the live row names
    it, and the app follows it."""
    app = console.server.app
    url = await app[NLU_SERVERS].start(model)
    async with console.db() as session:
        session.add(NluModel(status="live", name=name_of_archive(model), url=url, log="",
                             knowledge_revision=await live_revision(session),
                             report={"by": "lotse run"}))
        await session.commit()
    await app[WATCHER].refresh()
    assert app[GENERATIONS].current.version.model_url == url
    return url


async def follow(console: Console, old_url: str, load: Load) -> list[str]:
    """While the publish runs: the console's fragment every 3 s (what staff see), and the
    moment the app switches to the new server (the old one must still answer then)."""
    app, seen = console.server.app, []
    await console.user("watcher", "staff")
    staff = await console.as_user("watcher")
    last_look = 0.0
    while app[PUBLISHER].busy:
        if app[GENERATIONS].current.version.model_url != old_url and "swap" not in load.marks:
            load.mark("swap")
            assert await answers(old_url)  # the grace period has begun
        if time.monotonic() - last_look > 3:
            seen.append(await (await staff.get("/console/publish/status")).text())
            last_look = time.monotonic()
        await asyncio.sleep(0.05)
    if "swap" not in load.marks and app[GENERATIONS].current.version.model_url != old_url:
        load.mark("swap")
    return seen


async def test_publish_under_load_fails_no_request(quick_console: Console, nlu_model: Path,
                                                   rasa: RasaClient) -> None:
    console = quick_console
    app = console.server.app
    old_url = await own_live_server(console, nlu_model)
    async with console.db() as session:
        await add_new_faq(session)
        await session.commit()
    await console.user("sam", "staff")
    staff = await console.as_user("sam")
    load = Load(str(console.server.make_url("")).rstrip("/"), held_out_topics(), SENDERS)
    grace = app[PUBLISHER].grace
    async with load.running():
        await asyncio.sleep(10)
        load.mark("publish")
        answer = await staff.post("/console/publish")
        assert answer.status == 303
        fragments = await asyncio.wait_for(follow(console, old_url, load), PUBLISH_TIMEOUT)
        await asyncio.sleep(grace + 10)
    async with console.db() as session:
        row = (await session.scalars(select(NluModel).order_by(NluModel.id.desc()))).first()
        unavailable = await session.scalar(select(func.count()).select_from(Message).where(
            Message.status == "nlu_unavailable"))
    assert row is not None
    report = row.report or {}
    record("under-load", [
        f"publish under load: {row.status}, training {report['seconds']['training']:.0f} s,"
        f" evaluation {report['seconds']['evaluation']:.0f} s, grace {grace:.0f} s",
        *summary(load, grace), f"gate: {report['gate']['reason']}",
        f"inbound messages stored as nlu_unavailable: {unavailable}"])
    failures = load.failures()
    assert row.status == "live", row.log[-3000:]
    assert len(load.sent) >= 200 and "swap" in load.marks
    assert failures == [] and unavailable == 0, failures[:10]
    assert app[GENERATIONS].current.version.model_url == row.url != old_url
    assert not app[NLU_SERVERS].owns(old_url) and not await answers(old_url)  # retired
    assert await rasa.ready()  # the session's Rasa (not the app's) is never stopped
    assert any("Training step:" in f for f in fragments), fragments[:3]
    assert any("training the NLU model" in f for f in fragments)
    await new_faq_is_answered(console)
    page = await published_page(console)
    assert row.name is not None and row.name in page and "Replaced" in page


async def new_faq_is_answered(console: Console) -> None:
    lang, question = NEW_QUESTION
    async with aiohttp.ClientSession() as http, http.post(
            str(console.server.make_url("/webhooks/rest/webhook")),
            json={"message": question, "metadata": {"language": lang}}) as response:
        replies = await response.json()
    refs = [(r.get("custom") or {}).get("ref") for r in replies]
    assert NEW_FAQ in refs, [r["text"][:80] for r in replies]

"""Figures for the Telegram channel: duplicate delivery, a 30-message burst, a 429 on one
chat, and SIGKILL at random moments in a three-chat burst (answers from the local server at
once, and 80 ms late like Telegram's round trip; and the instant the server accepts a
message). Prints figures only.

    .venvs/app/bin/python -m tests.telegram.bench [--kills 5]

Starts its own Rasa server (on a free port) with the cached NLU model (trains when stale),
the local Bot API server, and the app (in-process, or as a child process for the kills).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, select

from bot.kb.loader import load_knowledge
from bot.nlu.process import running_rasa
from bot.nlu.training import ensure_model
from bot.settings import PROJECT_ROOT
from bot.storage.models import Message
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from tests.conftest import TEST_TOKEN, free_port
from tests.telegram import updates
from tests.telegram.botapi import BotApi, Fault
from tests.telegram.harness import Harness, telegram_settings
from tests.telegram.process import BotProcess

QUESTIONS = ["Hallo", "Wie finde ich Arbeit?", "Wie finde ich eine Wohnung?"]
Scenario = Callable[[Harness], Awaitable[None]]


def say(text: str) -> None:
    print(text, flush=True)


async def with_app(folder: Path, rasa_port: int, mode: str, scenario: Scenario) -> None:
    api = await BotApi().start()
    harness = Harness(api, telegram_settings(folder, rasa_port, api, mode=mode))
    await harness.start()
    try:
        await scenario(harness)
    finally:
        await harness.close()
        await api.stop()


async def duplicates(harness: Harness) -> None:
    api = harness.api
    if harness.settings.telegram_mode == "webhook":
        await api.wait_for(lambda: bool(api.webhook.get("url")), what="setWebhook")
    update_id = api.push(updates.text(5001, "Hallo"), deliveries=5)
    await harness.settled(update_id)
    await api.wait_for(lambda: api.undelivered == 0, what="deliveries")
    await asyncio.sleep(1.0)
    rows = await harness.query(select(InboxUpdate.id).where(InboxUpdate.update_id == update_id))
    say(f"duplicate ({harness.settings.telegram_mode}): 1 update delivered 5 times -> "
        f"{len(rows)} inbox row, {len(api.sent_to(5001))} reply")


async def burst(harness: Harness) -> None:
    api = harness.api
    pushed: dict[int, float] = {}
    for i in range(30):
        pushed[api.push(updates.text(5002, f"{QUESTIONS[i % 3]} ({i})"))] = time.monotonic()
    started = min(pushed.values())
    await harness.settled(*pushed, timeout=300)
    rows = dict(await harness.query(select(OutboxMessage.telegram_message_id,
                                           InboxUpdate.update_id).join(InboxUpdate)))
    sent = api.sent_to(5002)
    order = [rows[s.message_id] for s in sent]
    first_reply = {}
    for s in sent:
        first_reply.setdefault(rows[s.message_id], s.at)
    latency = [first_reply[u] - pushed[u] for u in pushed]
    say(f"burst: 30 messages to one chat -> {len(sent)} replies, in order: "
        f"{order == sorted(order)}, last reply after {sent[-1].at - started:.2f} s, "
        f"latency to first reply p50 {statistics.median(latency):.2f} s, "
        f"max {max(latency):.2f} s")


async def throttled(harness: Harness) -> None:
    api = harness.api
    api.inject(Fault("429", chat_id=5010, retry_after=3))
    slow = api.push(updates.text(5010, "Hallo"))
    await api.wait_for(lambda: any(a.outcome == "429" for a in api.attempts_to(5010)))
    refused = next(a.at for a in api.attempts_to(5010) if a.outcome == "429")
    others = {api.push(updates.text(5011 + i, "Hallo")): 5011 + i for i in range(5)}
    pushed = time.monotonic()
    await harness.settled(slow, *others)
    late = api.sent_to(5010)[0].at
    other_times = [api.sent_to(chat)[0].at - pushed for chat in others.values()]
    say(f"429: throttled chat waited {late - refused:.2f} s after a 429 with retry_after=3; "
        f"5 other chats answered within {max(other_times):.2f} s meanwhile "
        f"(all before the throttled chat: {all(t + pushed < late for t in other_times)})")


async def kill_round(folder: Path, rasa_port: int, number: int, latency: float,
                     at_accept: bool = False) -> str:
    """SIGKILL at a random moment of a burst, or (`at_accept`) the instant the server accepts
    a message: the bot has just written it and not yet recorded anything."""
    api = await BotApi(latency=latency).start()
    settings = telegram_settings(folder, rasa_port, api)
    reader = Harness(api, settings)
    bot = BotProcess(api, settings, folder / "bot.log")
    try:
        await bot.start()
        ids = [api.push(updates.text(chat, f"{QUESTIONS[i % 3]} ({i})"))
               for i in range(10) for chat in (6001, 6002, 6003)]
        target = random.randint(3, 25)  # kill somewhere in the middle of the burst
        if at_accept:
            api.on_accept = lambda sent: bot.kill_now() if len(api.sent) == target else None
        await api.wait_for(lambda: len(api.sent) >= target, what="replies")
        if not at_accept:
            await asyncio.sleep(random.uniform(0.0, 0.1))
        await bot.kill()  # (with at_accept: only waits for the process to end)
        api.on_accept = None
        before = len(api.sent)
        in_flight = dict(await reader.query(select(OutboxMessage.status, func.count()).where(
            OutboxMessage.status.in_(("sending", "handed"))).group_by(OutboxMessage.status)))
        restart = await bot.start()
        started = time.monotonic()
        await reader.settled(*ids, timeout=300)
        recovered = time.monotonic() - started
        moment = "at acceptance" if at_accept else f"answer latency {latency * 1000:.0f} ms"
        return (f"kill {number} ({moment}): {before} replies "
                f"accepted before the kill, in flight: {in_flight.get('sending', 0)} sending, "
                f"{in_flight.get('handed', 0)} handed; restart {restart:.1f} s, all handled "
                f"{recovered:.1f} s later; {await count_damage(reader, ids)}")
    finally:
        await bot.stop()
        await reader.close()
        await api.stop()


async def count_damage(reader: Harness, ids: list[int]) -> str:
    statuses = dict(await reader.query(select(InboxUpdate.update_id, InboxUpdate.status)))
    lost_updates = sum(1 for u in ids if statuses.get(u) != "done")
    stored_twice = sum(n - 1 for (n,) in await reader.query(
        select(func.count()).where(Message.direction == "in").group_by(Message.source_key)))
    rows = await reader.query(select(OutboxMessage.telegram_message_id, OutboxMessage.status))
    sent_ids = {m for m, status in rows if status == "sent"}
    unconfirmed = sum(1 for _m, status in rows if status == "unconfirmed")
    unmatched = sum(1 for s in reader.api.sent if s.message_id not in sent_ids)
    return (f"updates lost: {lost_updates}, messages stored twice: {stored_twice}, "
            f"replies unconfirmed: {unconfirmed}, sent twice: {max(unmatched - unconfirmed, 0)}, "
            f"lost: {max(unconfirmed - unmatched, 0)}")


async def main(kills: int) -> None:
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    model = ensure_model(knowledge, config=PROJECT_ROOT / "config.yml",
                         data_dir=PROJECT_ROOT / "nlu" / "data",
                         models_dir=PROJECT_ROOT / "models", progress=say)
    port = free_port()
    async with running_rasa(model, port, TEST_TOKEN, PROJECT_ROOT / "var" / "rasa-bench.log"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            scenarios: list[tuple[str, str, Scenario]] = [
                ("dup-polling", "polling", duplicates), ("dup-webhook", "webhook", duplicates),
                ("burst", "polling", burst), ("429", "polling", throttled)]
            for name, mode, scenario in scenarios:
                (root / name).mkdir()
                await with_app(root / name, port, mode, scenario)
            for latency in (0.0, 0.08):  # a local server; about Telegram's round trip
                for number in range(1, kills + 1):
                    folder = root / f"kill-{latency}-{number}"
                    folder.mkdir()
                    say(await kill_round(folder, port, number, latency))
            for number in range(1, kills + 1):
                folder = root / f"kill-accept-{number}"
                folder.mkdir()
                say(await kill_round(folder, port, number, 0.0, at_accept=True))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=5)
    asyncio.run(main(parser.parse_args().kills))

"""The bot as a real process, killed with SIGKILL in the middle of a three-chat burst and
restarted: no update is lost, no reply is sent twice, every chat's replies stay in order.

The kill is placed in the two windows where a crash could lose or repeat something:
- Telegram has accepted a reply in each chat and the answers are still on the way (the
  server answers late), so the bot never learns their message ids;
- the instant the server accepts a reply (the bot has just written it, nothing else);
- the service is handling an update (a trap in front of Rasa kills the bot while the update
  is being understood), after the message was stored and before the conversation moved on.
Random-moment kills are measured by `python -m tests.telegram.bench`."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.nlu.client import RasaClient
from bot.storage.models import Message
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from tests.telegram import updates
from tests.telegram.botapi import BotApi, Fault
from tests.telegram.harness import Harness, telegram_settings
from tests.telegram.process import BotProcess
from tests.telegram.trap import RasaTrap

QUESTIONS = ["Hallo", "Wie finde ich Arbeit?", "Wie finde ich eine Wohnung?"]
CHATS = (4001, 4002, 4003)


async def check_exactly_once(reader: Harness, update_ids: list[int]) -> Counter[str]:
    """Every update handled and stored once; every queued reply accepted by the server
    exactly once, in order per chat. Returns the outbox statuses."""
    api = reader.api
    inbox = dict(await reader.query(select(InboxUpdate.update_id, InboxUpdate.status)))
    assert {u: inbox.get(u) for u in update_ids} == dict.fromkeys(update_ids, "done")  # no loss
    inbound = await reader.query(select(Message.source_key, func.count()).where(
        Message.direction == "in").group_by(Message.source_key))
    assert sorted(key for key, _n in inbound) == sorted(f"telegram:{u}" for u in update_ids)
    assert {n for _key, n in inbound} == {1}  # each update stored once by the service
    rows = await reader.query(select(OutboxMessage.telegram_message_id, OutboxMessage.status,
                                     InboxUpdate.update_id).join(InboxUpdate)
                              .order_by(OutboxMessage.id))
    statuses = Counter(status for _m, status, _u in rows)
    assert set(statuses) <= {"sent", "unconfirmed"}, statuses
    assert len(api.sent) == len(rows)  # each stored reply accepted once: none twice, none lost
    by_message = {m: u for m, status, u in rows if status == "sent"}
    assert set(by_message) <= {s.message_id for s in api.sent}
    unmatched = [s for s in api.sent if s.message_id not in by_message]
    assert len(unmatched) == statuses["unconfirmed"]  # accepted, answer lost in the crash
    assert {u for _m, _s, u in rows} == set(update_ids)  # every update got its replies
    for chat in CHATS:
        order = [by_message[s.message_id] for s in api.sent_to(chat)
                 if s.message_id in by_message]
        assert order == sorted(order), chat
    return statuses


@pytest.fixture
async def processes(tmp_path: Path, rasa: RasaClient, api: BotApi,
                    ) -> AsyncIterator[tuple[BotProcess, Harness, RasaTrap]]:
    trap = await RasaTrap(rasa._url).start()
    settings = telegram_settings(tmp_path, trap.port, api)
    reader = Harness(api, settings)
    bot = BotProcess(api, settings, tmp_path / "bot.log")
    try:
        await bot.start()
        yield bot, reader, trap
    finally:
        await bot.stop()
        await reader.close()
        await trap.stop()


def burst(api: BotApi) -> list[int]:
    return [api.push(updates.text(chat, f"{QUESTIONS[i % 3]} ({i})"))
            for i in range(10) for chat in CHATS]


async def test_sigkill_after_telegram_accepted_replies_before_their_answers(
        processes: tuple[BotProcess, Harness, RasaTrap], api: BotApi) -> None:
    bot, reader, _trap = processes
    update_ids = burst(api)
    await api.wait_for(lambda: len(api.sent) >= 8, what="the first replies")
    api.inject(Fault("late", seconds=60, times=1000))  # accepted; the answers never arrive
    await api.wait_for(lambda: {a.chat_id for a in api.attempts if a.outcome == "late"}
                       == set(CHATS), what="a late answer in each chat")
    await asyncio.sleep(0.5)  # each chat waits for its answer: nothing else is being sent
    await bot.kill()
    before = len(api.sent)
    assert before < len(update_ids), "the kill must land in the middle of the burst"
    api.faults.clear()
    await bot.start()
    await reader.settled(*update_ids, timeout=180)
    statuses = await check_exactly_once(reader, update_ids)
    assert statuses["unconfirmed"] == len(CHATS)  # accepted before the kill: not sent again
    assert len(api.sent) > before


async def test_sigkill_the_instant_telegram_accepts_a_reply(
        processes: tuple[BotProcess, Harness, RasaTrap], api: BotApi) -> None:
    bot, reader, _trap = processes
    api.on_accept = lambda sent: bot.kill_now() if len(api.sent) == 10 else None
    update_ids = burst(api)
    await api.wait_for(lambda: len(api.sent) >= 10, what="the tenth reply")
    await bot.kill()  # already dead: waits for the process
    api.on_accept = None
    before = len(api.sent)
    assert before < len(update_ids)
    await bot.start()
    await reader.settled(*update_ids, timeout=180)
    statuses = await check_exactly_once(reader, update_ids)
    assert statuses["unconfirmed"] >= 1  # the accepted one: written, so not sent again
    assert len(api.sent) > before


async def test_sigkill_while_an_update_is_being_handled(
        processes: tuple[BotProcess, Harness, RasaTrap], api: BotApi) -> None:
    bot, reader, trap = processes
    trap.arm(at_parse=12, action=bot.kill)  # other chats' replies are being sent meanwhile
    update_ids = burst(api)
    await asyncio.wait_for(trap.sprung.wait(), 120)
    stored = await reader.query(select(Message.status).where(Message.direction == "in"))
    assert ("received",) in stored  # the kill came after the message was stored
    before = len(api.sent)
    assert before < len(update_ids)
    await bot.start()
    await reader.settled(*update_ids, timeout=180)
    await check_exactly_once(reader, update_ids)

"""Loss-free delivery: duplicates, a burst in order, 429 per chat, 5xx / dropped / slow
answers, the webhook's secret and acknowledgement, and a restart with unhandled work."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select
from yarl import URL

from bot.i18n import load_translators
from bot.nlu.client import RasaClient
from bot.storage.models import Message
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.telegram.inbox import store_updates
from bot.telegram.runtime import journal_path
from tests.telegram import updates
from tests.telegram.botapi import BotApi, Fault
from tests.telegram.conftest import rasa_port
from tests.telegram.harness import SECRET, Harness, telegram_settings


async def sent_update_order(harness: Harness, chat_id: int) -> list[int]:
    """For each message the server accepted for `chat_id` (in the order it accepted them),
    the update it answers."""
    accepted = [s.message_id for s in harness.api.sent_to(chat_id)]
    by_message: dict[int, int] = {}
    for _attempt in range(50):  # the server records a call before the bot commits "sent"
        rows = await harness.query(
            select(OutboxMessage.telegram_message_id, InboxUpdate.update_id)
            .join(InboxUpdate, OutboxMessage.inbox_id == InboxUpdate.id))
        by_message = {message_id: update_id for message_id, update_id in rows}
        if all(m in by_message for m in accepted):
            break
        await asyncio.sleep(0.1)
    return [by_message[m] for m in accepted]


async def test_the_same_update_five_times_by_polling_gives_one_reply(polling: Harness) -> None:
    once = await polling.chat(2001, "de").deliver(updates.text(2001, "Hallo"))
    chat = polling.chat(2002, "de")
    five = await chat.deliver(updates.text(2002, "Hallo"), deliveries=5)
    await polling.api.wait_for(lambda: polling.api.undelivered == 0, what="five deliveries")
    await asyncio.sleep(0.5)  # time for a wrong second reply to show up
    assert len(chat.sent) == len(five) == len(once) == 1
    inbox = await polling.query(select(InboxUpdate.update_id).where(
        InboxUpdate.kind == "text"))
    assert len(inbox) == 2


async def test_the_same_update_five_times_by_webhook_gives_one_reply(webhook: Harness) -> None:
    await webhook.api.wait_for(lambda: bool(webhook.api.webhook.get("url")), what="setWebhook")
    chat = webhook.chat(2003, "en")
    sent = await chat.deliver(updates.text(2003, "Hello"), deliveries=5)
    await webhook.api.wait_for(lambda: webhook.api.undelivered == 0, what="five deliveries")
    await asyncio.sleep(0.5)
    assert len(chat.sent) == len(sent) == 1
    assert webhook.api.webhook_statuses[-5:] == [200] * 5


async def test_a_burst_of_30_messages_to_one_chat_is_answered_in_order(
        tmp_path: Path, rasa: RasaClient, api: BotApi) -> None:
    """Ordering under a burst: the per-user rate limit (20 a minute by default; tested below
    and in tests/test_pace.py) is raised above the burst here."""
    settings = telegram_settings(tmp_path, rasa_port(rasa), api, messages_per_minute=60)
    polling = await Harness(api, settings).start()
    try:
        questions = ["Hallo", "Wie finde ich Arbeit?", "Wie finde ich eine Wohnung?"]
        texts = [f"{questions[i % 3]} ({i})" for i in range(30)]
        ids = [polling.api.push(updates.text(2010, t)) for t in texts]
        await polling.settled(*ids, timeout=180)
        order = await sent_update_order(polling, 2010)
        stored = await polling.query(select(Message.text).where(Message.direction == "in")
                                     .order_by(Message.id))
    finally:
        await polling.close()
    assert order == sorted(order) and set(order) == set(ids)
    assert [row[0] for row in stored] == texts


async def test_beyond_the_rate_limit_one_notice_then_quiet(
        tmp_path: Path, rasa: RasaClient, api: BotApi) -> None:
    settings = telegram_settings(tmp_path, rasa_port(rasa), api, messages_per_minute=3)
    polling = await Harness(api, settings).start()
    try:
        ids = [polling.api.push(updates.text(2012, f"Hallo ({i})")) for i in range(5)]
        await polling.settled(*ids, timeout=120)
        sent = [s.text for s in polling.api.sent_to(2012)]
        stored = await polling.query(select(Message.status).where(Message.direction == "in")
                                     .order_by(Message.id))
    finally:
        await polling.close()
    notice = html.escape(load_translators()["de"]("slow_down"), quote=False)
    assert sent.count(notice) == 1 and sent[-1] == notice  # nothing after the notice
    assert [row[0] for row in stored] == ["answered"] * 3 + ["rate_limited"] * 2


async def test_429_on_one_chat_delays_only_that_chat(polling: Harness) -> None:
    api = polling.api
    api.inject(Fault("429", chat_id=2020, retry_after=3))
    slow_id = api.push(updates.text(2020, "Hallo"))
    await api.wait_for(lambda: any(a.outcome == "429" for a in api.attempts_to(2020)),
                       what="the 429")
    refused_at = next(a.at for a in api.attempts_to(2020) if a.outcome == "429")
    others = [api.push(updates.text(2021 + i, "Hallo")) for i in range(3)]
    await polling.settled(*others, slow_id)
    [late] = api.sent_to(2020)
    assert late.at - refused_at >= 3.0  # at least retry_after
    for chat_id in (2021, 2022, 2023):
        [reply] = api.sent_to(chat_id)
        assert reply.at < late.at  # the other chats were answered during the pause


async def test_5xx_dropped_and_slow_answers_are_retried_and_sent_once(polling: Harness) -> None:
    api = polling.api
    api.inject(Fault("5xx", chat_id=2030, status=502, times=2))
    api.inject(Fault("drop", chat_id=2031))
    api.inject(Fault("slow", chat_id=2032, seconds=2.0))
    ids = [api.push(updates.text(chat_id, "Hallo")) for chat_id in (2030, 2031, 2032)]
    await polling.settled(*ids)
    outcomes = {chat_id: [a.outcome for a in api.attempts_to(chat_id)
                          if a.method == "sendmessage"] for chat_id in (2030, 2031, 2032)}
    assert outcomes == {2030: ["5xx", "5xx", "ok"], 2031: ["drop", "ok"], 2032: ["slow"]}
    assert [len(api.sent_to(c)) for c in (2030, 2031, 2032)] == [1, 1, 1]


async def test_webhook_needs_the_secret_and_answers_after_storing(webhook: Harness) -> None:
    body = {"update_id": 55_000_001, **updates.text(2040, "Hallo")}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(webhook.webhook_url, json=body, headers=headers) as response:
                assert response.status == 403
        assert await webhook.query(select(InboxUpdate).where(
            InboxUpdate.update_id == 55_000_001)) == []
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(webhook.webhook_url, data=b"{nope", headers=good) as response:
            assert response.status == 400
        async with http.post(webhook.webhook_url, json=body, headers=good) as response:
            assert response.status == 200
            rows = await webhook.query(select(InboxUpdate.status).where(
                InboxUpdate.update_id == 55_000_001))
            assert len(rows) == 1  # stored before the 200
    await webhook.settled(55_000_001)
    assert len(webhook.api.sent_to(2040)) == 1


async def test_stored_but_unhandled_updates_and_unsent_replies_survive_a_restart(
        polling: Harness) -> None:
    await polling.stop()
    engine_sessions = _sessions(polling)
    stored = [{"update_id": 56_000_000 + i, **updates.text(2050, f"Hallo ({i})")}
              for i in range(3)]
    await store_updates(engine_sessions, stored)
    async with engine_sessions() as session:
        session.add(OutboxMessage(chat_id=2051, method="sendMessage", status="pending",
                                  params={"text": "queued before the restart"}, attempts=0,
                                  not_before=0.0))
        session.add(in_flight(2053))
        await session.commit()
    waiting = polling.api.push(updates.text(2052, "Hallo"))  # arrives while the bot is down
    await polling.start()
    await polling.settled(*(u["update_id"] for u in stored), waiting)
    api = polling.api
    await api.wait_for(lambda: len(api.sent_to(2051)) == len(api.sent_to(2053)) == 1,
                       what="the outbox")
    assert len(api.sent_to(2050)) == 3 and len(api.sent_to(2052)) == 1
    assert api.sent_to(2051)[0].text == "queued before the restart"
    assert api.sent_to(2053)[0].text == "in flight when the bot died"


def in_flight(chat_id: int, status: str = "sending",
              text: str = "in flight when the bot died", attempts: int = 0) -> OutboxMessage:
    """A reply that was being sent when the process died: `sending` (the request had not
    fully left) or `handed` (it had been written to the socket)."""
    return OutboxMessage(chat_id=chat_id, method="sendMessage", status=status,
                         params={"text": text}, attempts=attempts, not_before=0.0)


async def outbox_statuses(harness: Harness, expected: list[str]) -> list[str]:
    """The outbox rows' statuses, waiting (5 s at most) for them to become `expected`: the
    server records a call before the bot commits what it learnt."""
    statuses: list[str] = []
    for _attempt in range(50):
        rows = await harness.query(select(OutboxMessage.status).order_by(OutboxMessage.id))
        statuses = [r[0] for r in rows]
        if statuses == expected:
            break
        await asyncio.sleep(0.1)
    return statuses


async def test_a_reply_handed_over_before_a_crash_is_not_sent_again(
        tmp_path: Path, rasa: RasaClient, api: BotApi) -> None:
    harness = Harness(api, telegram_settings(tmp_path, URL(rasa._url).port or 0, api))
    await harness.start()
    await harness.stop()  # the schema exists now
    async with _sessions(harness)() as session:
        session.add(in_flight(2060, "handed", "written to the socket before the crash"))
        session.add(in_flight(2060, "sending", "written, only the journal knew it"))
        session.add(in_flight(2060, "sending", "not fully written before the crash"))
        session.add(in_flight(2060, "sending", "429 before, then a crash", attempts=1))
        session.add(in_flight(2060, "pending", "next"))
        await session.commit()
    journal = journal_path(harness.settings)
    # row 2 was written; row 4's first attempt was written (and got a 429), its second not;
    # a row that is gone; a torn last line
    journal.write_text("2 0\n4 0\n9999 0\n3")
    await harness.start()
    try:
        await api.wait_for(lambda: len(api.sent_to(2060)) == 3, what="the other replies")
        assert [s.text for s in api.sent_to(2060)] == [
            "not fully written before the crash", "429 before, then a crash", "next"]
        expected = ["unconfirmed", "unconfirmed", "sent", "sent", "sent"]
        assert await outbox_statuses(harness, expected) == expected
        # emptied at the start, then the new sends: rows 3 and 5 in their first attempt,
        # row 4 in its second
        assert sorted(journal.read_text().splitlines()) == ["3 0", "4 1", "5 0"]
    finally:
        await harness.close()


async def test_a_send_is_recorded_as_handed_over_before_telegram_answers(
        polling: Harness) -> None:
    api = polling.api
    api.inject(Fault("late", chat_id=2061, seconds=2.0, methods=frozenset({"sendmessage"})))
    update_id = api.push(updates.text(2061, "Hallo"))
    await api.wait_for(lambda: any(a.outcome == "late" for a in api.attempts_to(2061)),
                       what="the late answer")
    assert len(api.sent_to(2061)) == 1  # accepted by the server, its answer still on the way
    statuses = await outbox_statuses(polling, ["handed"])
    assert statuses[0] == "handed"
    await polling.settled(update_id)
    assert (await outbox_statuses(polling, ["sent"] * len(statuses)))[0] == "sent"
    assert len(api.sent_to(2061)) == len(statuses)


def _sessions(harness: Harness) -> Any:
    from bot.storage.db import create_engine, session_factory

    return session_factory(create_engine(harness.settings.database_url))


async def test_an_update_that_cannot_be_handled_gets_an_apology_and_the_chat_goes_on(
        polling: Harness) -> None:
    broken = updates.message(2070, "en")
    del broken["message"]["message_id"]  # PTB cannot read it: no retries, an apology
    broken_id = polling.api.push(broken)
    next_id = polling.api.push(updates.text(2070, "Hello"))
    await polling.settled(broken_id, next_id)
    [status] = await polling.query(select(InboxUpdate.status, InboxUpdate.attempts).where(
        InboxUpdate.update_id == broken_id))
    assert status == ("ignored", 0)  # not tried again (it would fail the same way)
    apology, answer = polling.api.sent_to(2070)
    assert apology.text.startswith("Sorry, I could not process your message")
    assert answer.text.startswith("Hello")

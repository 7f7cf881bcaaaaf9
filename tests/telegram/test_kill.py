"""The bot as a real process, killed with SIGKILL in the middle of a burst and restarted:
no update is lost, no reply is sent twice, every chat's replies stay in order.

Just before the kill the Bot API server stops processing requests (they are cut when the
process dies), so the kill cannot land in the few milliseconds between Telegram accepting
a message and the bot recording it — the one window where a reply can be sent twice (see
bot/telegram/README.md; `python -m tests.telegram.bench` measures random-time kills)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from yarl import URL

from bot.nlu.client import RasaClient
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from tests.telegram import updates
from tests.telegram.botapi import BotApi
from tests.telegram.harness import Harness, telegram_settings
from tests.telegram.process import BotProcess

QUESTIONS = ["Hallo", "Wie finde ich Arbeit?", "Wie finde ich eine Wohnung?"]
CHATS = (4001, 4002, 4003)


async def check_exactly_once(reader: Harness, update_ids: list[int]) -> None:
    api = reader.api
    inbox = dict(await reader.query(select(InboxUpdate.update_id, InboxUpdate.status)))
    assert {u: inbox.get(u) for u in update_ids} == dict.fromkeys(update_ids, "done")  # no loss
    rows = await reader.query(select(OutboxMessage.telegram_message_id, OutboxMessage.status,
                                     InboxUpdate.update_id).join(InboxUpdate))
    assert all(status == "sent" for _m, status, _u in rows)
    sent_ids = [s.message_id for s in api.sent]
    assert sorted(sent_ids) == sorted(m for m, _s, _u in rows)  # each stored reply sent once
    answered = {u for _m, _s, u in rows}
    assert answered == set(update_ids)  # every update got its replies
    by_message = {m: u for m, _s, u in rows}
    for chat in CHATS:
        order = [by_message[s.message_id] for s in api.sent_to(chat)]
        assert order == sorted(order), chat


async def test_sigkill_in_the_middle_of_a_burst(tmp_path: Path, rasa: RasaClient,
                                                api: BotApi) -> None:
    settings = telegram_settings(tmp_path, URL(rasa._url).port or 0, api)
    reader = Harness(api, settings)
    bot = BotProcess(api, settings, tmp_path / "bot.log")
    try:
        await bot.start()
        update_ids = [api.push(updates.text(chat, f"{QUESTIONS[i % 3]} ({i})"))
                      for i in range(10) for chat in CHATS]
        await api.wait_for(lambda: len(api.sent) >= 8, what="the first replies")
        api.hold()
        await asyncio.sleep(0.3)
        await bot.kill()
        api.release()
        before = len(api.sent)
        assert 8 <= before < len(update_ids), "the kill must land in the middle of the burst"
        await bot.start()
        await reader.settled(*update_ids, timeout=180)
        await check_exactly_once(reader, update_ids)
        assert len(api.sent) > before
    finally:
        await bot.stop()
        await reader.close()

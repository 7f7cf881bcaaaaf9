"""/mydata and /delete on Telegram: real PTB (long polling) against the local Bot API server,
real SQLite; no NLU needed (commands and buttons; typed text is stored and answered with
"temporarily unavailable").

/mydata arrives as a document (sendDocument, multipart upload) holding the user's messages
and not the raw chat id. /delete asks first; after "yes" every row about the user goes —
including the chat's replies still waiting in the outbox and its failed inbox rows (the only
rows with the raw chat id) and the encrypted chat id kept while a person is wanted — while
another chat's rows stay.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.storage.db import session_factory
from bot.storage.models import User
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.storage.retention import counts
from tests.conftest import free_port
from tests.telegram.botapi import BotApi
from tests.telegram.harness import Harness, telegram_settings

AMAL, OTHER = 7301, 7302
SAID = "Ich suche eine Wohnung in Eller"


@pytest.fixture
async def bot(tmp_path: Path, api: BotApi) -> AsyncIterator[Harness]:
    harness = await Harness(api, telegram_settings(tmp_path, free_port(), api)).start()
    yield harness
    await harness.close()


async def waiting_rows(harness: Harness) -> None:
    """A reply that waits (a far retry) for each chat, and a failed update of Amal's."""
    later = time.time() + 3600
    assert harness._engine is not None
    async with session_factory(harness._engine)() as session:
        session.add_all([
            OutboxMessage(chat_id=AMAL, method="sendMessage", params={"text": "old"},
                          status="pending", not_before=later),
            OutboxMessage(chat_id=OTHER, method="sendMessage", params={"text": "other"},
                          status="pending", not_before=later),
            InboxUpdate(update_id=1, chat_id=AMAL, kind="text", status="failed",
                        payload={"text": SAID}),
        ])
        await session.commit()


async def table_rows(harness: Harness) -> dict[str, int]:
    assert harness._engine is not None
    async with session_factory(harness._engine)() as session:
        return await counts(session)


async def test_my_data_arrives_as_a_document(bot: Harness) -> None:
    chat = bot.chat(AMAL, "de")
    await chat.text("/start")
    await chat.press('/change_language{"language":"de"}')
    await chat.text(SAID)
    [document] = await chat.text("/mydata")
    assert document.method == "senddocument" and document.document is not None
    assert "Kopie" in document.text  # the caption, in the user's language
    assert document.document["filename"].startswith("lotse-my-data-")
    data = json.loads(document.document["content"])
    said = [m["text"] for c in data["conversations"] for m in c["messages"]
            if m["from"] == "you"]
    assert SAID in said and data["channel"] == "telegram"
    assert str(AMAL) not in document.document["content"]  # the raw chat id is not kept
    [(params,)] = await bot.query(select(OutboxMessage.params).where(
        OutboxMessage.method == "sendDocument"))
    assert params is None  # sent: the copy is not kept in the outbox


async def test_delete_after_yes_removes_every_row(bot: Harness) -> None:
    amal, other = bot.chat(AMAL, "ar"), bot.chat(OTHER, "de")
    await amal.text("/start")
    await amal.press('/change_language{"language":"ar"}')
    await amal.text(SAID)
    await amal.text("/human")  # waiting for a person: the chat id is kept, encrypted
    await other.text("/start")
    [question] = await amal.text("/delete")
    assert [data for _title, data in question.buttons] == ["/delete_confirm", "/delete_cancel"]
    await waiting_rows(bot)  # Amal's blocks her chat's queue: only the deletion frees it
    before = await table_rows(bot)
    [done] = await amal.press("/delete_confirm")
    after = await table_rows(bot)
    print(f"\nrows before /delete: {before}\nrows after:          {after}")
    assert done.text.startswith("تم")  # in Arabic, and sent after the deletion
    assert (before["users"], after["users"]) == (2, 1)
    assert (before["handoff_transitions"], before["handoff_contacts"]) == (1, 1)
    assert (after["handoff_transitions"], after["handoff_contacts"]) == (0, 0)
    assert after["conversations"] == 1 and after["erased_conversations"] == 1
    left = await bot.query(select(OutboxMessage.chat_id, OutboxMessage.status).where(
        OutboxMessage.status == "pending"))
    assert left == [(OTHER, "pending")]  # Amal's waiting reply is gone, the other stays
    assert await bot.query(select(func.count()).select_from(InboxUpdate).where(
        InboxUpdate.chat_id == AMAL)) == [(0,)]
    [(pseudonym,)] = await bot.query(select(User.pseudonym))
    assert pseudonym == (await bot.user(OTHER))[0].pseudonym
    [again] = await amal.text("/start")  # a new beginning, as a new user
    assert again.buttons and (await table_rows(bot))["users"] == 2

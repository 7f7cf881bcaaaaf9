"""Commands, media the bot cannot read, tampered buttons, groups, long texts, privacy."""

from __future__ import annotations

import asyncio
import html

import pytest
from sqlalchemy import select

from bot.core.types import Reply
from bot.storage.db import create_engine, session_factory
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.telegram.outbox import OPEN
from bot.telegram.render import Call, render_all, settle_choice
from tests.telegram import updates
from tests.telegram.harness import Harness

WORDS = {"sources_label": "Quellen:"}.__getitem__

UNSUPPORTED = {"de": "Ich kann nur Textnachrichten", "en": "I can only read text messages",
               "ar": "أستطيع قراءة الرسائل المكتوبة"}


@pytest.mark.parametrize(("kind", "lang"), [
    ("voice", "de"), ("photo", "en"), ("sticker", "ar"), ("document", "en"),
])
async def test_media_gets_a_polite_reply_with_the_topic_menu(polling: Harness, kind: str,
                                                             lang: str) -> None:
    chat = polling.chat(3001, lang)
    [reply] = await chat.media(kind)
    assert UNSUPPORTED[lang] in reply.text
    assert len(reply.buttons) == 10
    [row] = await polling.query(select(InboxUpdate.kind, InboxUpdate.status))
    assert row == (kind, "done")


@pytest.mark.parametrize("data", [
    "/emergency", '/change_language{"language":"fr"}', "city:berlin", "x" * 64, "garbage",
])
async def test_tampered_callback_data_gets_a_safe_reply_and_changes_nothing(
        polling: Harness, data: str) -> None:
    chat = polling.chat(3010, "en")
    await chat.press("lang:de")
    await chat.press("city:leipzig")
    user_before, state_before = await polling.user(3010)
    [reply] = await chat.press(data)
    assert "Es wurde nichts geändert" in reply.text
    user_after, state_after = await polling.user(3010)
    assert (user_after.language, user_after.city, state_after) == \
        (user_before.language, user_before.city, state_before)
    assert (user_after.language, user_after.city) == ("de", "leipzig")


async def test_every_callback_is_answered(polling: Harness) -> None:
    chat = polling.chat(3011, "en")
    await chat.press("lang:en")
    await chat.press("garbage")
    await polling.api.wait_for(lambda: len(polling.api.callback_answers) == 2,
                               what="answerCallbackQuery")


async def test_commands(polling: Harness) -> None:
    chat = polling.chat(3020, "en")
    [help_] = await chat.text("/help")
    assert "/language" in help_.text and len(help_.buttons) == 10
    [city] = await chat.text("/city")
    assert [data for _t, data in city.buttons] == [
        '/set_city{"city":"duesseldorf"}', '/set_city{"city":"leipzig"}']
    [language] = await chat.text("/language")
    assert language.buttons[0][1] == '/change_language{"language":"de"}'
    sent = await chat.press('/change_language{"language":"ar"}')
    assert "العربية" in sent[-1].text or "بالعربية" in sent[-1].text
    human = await chat.text("/human")
    assert any("مستشار" in s.text for s in human)
    [privacy] = await chat.text("/start privacy")
    assert "تيليغرام" in privacy.text
    [unknown] = await chat.text("/whatever")
    assert "/language" in unknown.text
    for language in ("", "de", "en", "ar"):
        assert [c["command"] for c in polling.api.commands[language]] == [
            "start", "language", "city", "human", "privacy", "mydata", "delete", "help"]


async def test_group_messages_are_stored_but_not_answered(polling: Harness) -> None:
    update_id = polling.api.push(updates.group_text(3030, "Hallo"))
    await polling.settled(update_id)
    [row] = await polling.query(select(InboxUpdate.status, InboxUpdate.chat_id,
                                       InboxUpdate.payload))
    assert row == ("ignored", None, None)
    assert polling.api.sent == []


async def test_handled_rows_keep_no_raw_chat_id_or_text(polling: Harness) -> None:
    await polling.chat(3040, "de").text("Wie finde ich eine Wohnung?")
    inbox = await polling.query(select(InboxUpdate.chat_id, InboxUpdate.payload))
    outbox = await polling.query(select(OutboxMessage.chat_id, OutboxMessage.params,
                                        OutboxMessage.status))
    assert inbox == [(None, None)]
    assert outbox and all(row == (None, None, "sent") for row in outbox)


async def test_a_text_over_4096_characters_arrives_in_parts_in_order(polling: Harness) -> None:
    paragraphs = [f"<{i}> " + "Miete & Kaution. " * 40 for i in range(10)]
    calls = render_all([Reply("\n\n".join(paragraphs))], WORDS, False)
    await queue(polling, 3050, calls)
    await polling.api.wait_for(lambda: len(polling.api.sent_to(3050)) == len(calls),
                               what="all parts")
    parts = [s.params["text"] for s in polling.api.sent_to(3050)]
    assert len(parts) > 1
    assert html.unescape("\n\n".join(parts)) == "\n\n".join(paragraphs).strip()


async def test_a_repeated_edit_counts_as_sent_and_a_failed_one_stops_nothing(
        polling: Harness) -> None:
    chat = polling.chat(3060, "en")
    [question] = await chat.text("/city")
    edit = settle_choice(question.message_id, "Which city?", "Leipzig")
    gone = settle_choice(question.message_id + 1000, "Which city?", "Leipzig")
    after = Call("sendMessage", {"text": "after"})
    ids = await queue(polling, 3060, [edit, edit, gone, after])
    statuses: list[str] = []
    for _attempt in range(200):
        rows = dict(await polling.query(select(OutboxMessage.id, OutboxMessage.status)))
        statuses = [rows[i] for i in ids]
        if not set(statuses) & set(OPEN):
            break
        await asyncio.sleep(0.05)
    assert statuses == ["sent", "sent", "failed", "sent"]
    assert len(polling.api.edits) == 1 and chat.sent[-1].text == "after"
    assert chat.now(question).buttons == []


async def queue(polling: Harness, chat_id: int, calls: list[Call]) -> list[int]:
    """Put calls straight into the outbox (as the inbox would); returns their row ids."""
    rows = [OutboxMessage(chat_id=chat_id, method=c.method, params=c.params, status="pending",
                          attempts=0, not_before=0.0) for c in calls]
    engine = create_engine(polling.settings.database_url)
    async with session_factory(engine)() as session:
        session.add_all(rows)
        await session.commit()
    await engine.dispose()
    return [row.id for row in rows]

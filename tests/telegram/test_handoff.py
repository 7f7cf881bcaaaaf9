"""A Telegram user and a counsellor, through the local Bot API server: /human, the counsellor
claims and answers (through the durable outbox, to the encrypted chat id), the user's
messages reach the console and not the bot, release, and the bot answers again."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.handoff.service import Counsellor, Handoffs
from bot.storage.handoff_models import ConsoleUser, Contact
from bot.storage.models import Conversation, Message
from bot.web.keys import DB, HANDOFFS
from tests.telegram.harness import Chat, Harness


def handoffs(harness: Harness) -> Handoffs:
    assert harness._runner is not None
    return harness._runner.app[HANDOFFS]


async def online_counsellor(harness: Harness) -> Counsellor:
    assert harness._runner is not None
    async with harness._runner.app[DB]() as session:
        user = ConsoleUser(username="jonas", display_name="Jonas", role="counsellor",
                           active=True, language="de", presence="away", failed_logins=0)
        session.add(user)
        await session.commit()
    await handoffs(harness).seen(user.id, "online")
    return Counsellor(user.id, "counsellor")


async def shown(chat: Chat, text: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in s.text for s in chat.sent):
        assert time.monotonic() < deadline, f"{text!r} never reached the user"
        await asyncio.sleep(0.05)


async def test_telegram_user_to_counsellor_and_back(polling: Harness) -> None:
    jonas = await online_counsellor(polling)
    chat = polling.chat(7001, "ar")
    [waiting] = await chat.text("/human")
    assert "سيرد عليك شخص" in waiting.text
    assert [title for title, _data in waiting.buttons] == ["العودة إلى المساعد الآلي"]
    [(conversation_id, status)] = await polling.query(select(Conversation.id,
                                                             Conversation.status))
    assert status == "waiting"
    [(secret,)] = await polling.query(select(Contact.secret))
    assert "7001" not in secret  # kept for the counsellor, encrypted
    assert await handoffs(polling).claim(conversation_id, jonas) is None
    await shown(chat, "انضم الآن مستشار")
    assert await chat.text("عندي مشكلة مع عقد الإيجار") == []  # for the person, not the bot
    assert await handoffs(polling).reply(conversation_id, jonas, "مرحبا، أنا يوناس.") is None
    await shown(chat, "مرحبا، أنا يوناس.")
    assert await handoffs(polling).release(conversation_id, jonas) is None
    await shown(chat, "أنهى المستشار")
    assert await polling.query(select(Contact.secret)) == []  # gone with the handoff
    answer = await chat.text("كيف أسجل عنواني؟")
    assert answer and "لوتسه" not in answer[0].text  # the bot answers the question again
    rows = await polling.query(select(Message.direction, Message.status, Message.text)
                               .order_by(Message.id))
    assert ("in", "forwarded", "عندي مشكلة مع عقد الإيجار") in rows
    assert ("out", "counsellor", "مرحبا، أنا يوناس.") in rows


async def test_emergency_numbers_while_waiting(polling: Harness) -> None:
    chat = polling.chat(7002, "de")
    await chat.text("/human")
    sent = await chat.text("Hilfe, mein Mann schlägt mich, ich habe Angst um mein Leben")
    assert any("110" in s.text for s in sent)  # the numbers, also while waiting
    [(urgent, status)] = await polling.query(select(Conversation.urgent, Conversation.status))
    assert urgent and status == "waiting"

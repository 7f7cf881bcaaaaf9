"""A conversation its user deleted (/delete): the counsellor handling it sees "deleted by
the user" (410) instead of the conversation — on the page, after an act, in their language —
and the live stream tells open pages (status "deleted"); nothing of its content is left."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.console.events import encode
from bot.storage.models import Conversation
from tests.console.conftest import Browser, Console

WEBHOOK = "/webhooks/rest/webhook"


async def chat(user: Browser, message: str) -> list[dict[str, Any]]:
    response = await user.http.post(user.url(WEBHOOK), json={"message": message,
                                                              "metadata": {"language": "ar"}})
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = await response.json()
    return replies


async def test_the_counsellor_sees_the_conversation_was_deleted(console: Console) -> None:
    await console.user("cara", "counsellor")
    cara = await console.as_user("cara")
    newcomer = console.browser("ar")
    await chat(newcomer, "/start")
    await chat(newcomer, "/human_handoff")
    async with console.db() as session:
        [cid] = (await session.scalars(select(Conversation.id))).all()
    page = await cara.get(f"/console/conversations/{cid}")
    assert page.status == 200
    assert (await cara.post(f"/console/conversations/{cid}/claim")).status == 303
    await chat(newcomer, "/delete_data")
    [done] = await chat(newcomer, "/delete_confirm")
    assert done["custom"]["kind"] == "data_deleted"
    gone = await cara.get(f"/console/conversations/{cid}")
    text = await gone.text()
    assert gone.status == 410 and "Conversation deleted" in text and "The user deleted" in text
    assert "with a person" in text  # the handoff state it was in
    answer = await cara.post(f"/console/conversations/{cid}/reply", {"text": "Hallo?"})
    assert answer.status == 410 and "Conversation deleted" in await answer.text()
    assert (await cara.get("/console/conversations/999999")).status == 404  # never there
    assert encode({"kind": "conversation", "id": cid, "status": "deleted"}) == \
        f'{{"kind":"conversation","id":{cid},"status":"deleted"}}'

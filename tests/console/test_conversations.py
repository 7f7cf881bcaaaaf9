"""The queue (order, counts, title), the transcript (notes, transitions, counsellor
replies), the counsellors' acts through the real handoff service, and the live updates."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re

import pytest

from bot.storage.handoff_models import ConsoleUser, HandoffTransition
from bot.storage.models import Conversation, Message, utcnow
from tests.console.conftest import Console

ROW = re.compile(r'<tr class="row status-(\w+)( urgent)?" data-conversation="(\d+)"')
RECENT = re.compile(r'<tr class="recent-row" data-recent="(\d+)"')


async def test_queue_urgent_first_then_longest_waiting(console: Console) -> None:
    amal = await console.user("amal", "counsellor", name="Amal")
    old = await console.conversation("waiting", minutes_ago=40)
    new_urgent = await console.conversation("waiting", urgent=True, minutes_ago=1)
    active = await console.conversation("human", minutes_ago=20, assignee=amal,
                                        channel="telegram")
    newest = await console.conversation("waiting", minutes_ago=2)
    old_urgent = await console.conversation("human", urgent=True, minutes_ago=30,
                                            assignee=amal)
    with_bot = await console.conversation("bot", minutes_ago=90)  # not in the queue …
    await console.conversation("closed", minutes_ago=99)  # not in the queue
    browser = await console.as_user("amal")
    page = await (await browser.get("/console/")).text()
    order = [int(m.group(3)) for m in ROW.finditer(page)]
    assert order == [old_urgent, new_urgent, old, active, newest]
    assert "<title>(3) Lotse console</title>" in page
    assert "40 min" in page and "Eller" in page and "Registration" in page
    assert "Telegram" in page and "Arabic" in page and "Amal" in page
    assert page.count('/claim">') == 4  # a claim button per waiting row …
    assert RECENT.findall(page) == [str(with_bot)]  # … and a take-over below (with the bot)
    rows = await (await browser.get("/console/queue/rows")).text()
    assert 'data-title="(3) Lotse console"' in rows
    assert "<strong>3</strong> waiting" in rows and "<strong>2</strong> with a person" in rows
    assert "<strong>2</strong> urgent" in rows
    assert "<html" not in rows  # a fragment


async def test_recent_conversations_with_the_bot_can_be_taken_over(console: Console) -> None:
    amal = await console.user("amal", "counsellor", name="Amal")
    older = await console.conversation("bot", minutes_ago=300, channel="telegram")
    newer = await console.conversation("bot", minutes_ago=3, language="en")
    await console.conversation("bot", minutes_ago=25 * 60)  # quiet for more than a day
    await console.conversation("closed", minutes_ago=1)
    await console.conversation("waiting", minutes_ago=1)
    browser = await console.as_user("amal")
    page = await (await browser.get("/console/")).text()
    assert "Recent conversations with the bot" in page
    assert RECENT.findall(page) == [str(newer), str(older)]  # newest first
    row = page[page.index(f'data-recent="{newer}"'):]
    row = row[:row.index("</tr>")]
    assert "English" in row and "Düsseldorf" in row and "Eller" in row
    assert "Registration" in row and "Web chat" in row and "3 min" in row
    assert f'action="/console/conversations/{newer}/claim"' in row and "Take over" in row
    fragment = await (await browser.get("/console/queue/rows")).text()
    assert RECENT.findall(fragment) == [str(newer), str(older)]  # refreshed live with it

    taken = await browser.post(f"/console/conversations/{newer}/claim")
    assert taken.status == 303
    assert taken.headers["Location"] == f"/console/conversations/{newer}"
    conversation = await console.get(Conversation, newer)
    assert (conversation.status, conversation.assignee_id) == ("human", amal)
    fragment = await (await browser.get("/console/queue/rows")).text()
    active = [(m.group(1), int(m.group(3))) for m in ROW.finditer(fragment)]
    assert ("human", newer) in active  # now in the active list
    assert RECENT.findall(fragment) == [str(older)]
    page = await (await browser.get(f"/console/conversations/{newer}")).text()
    assert "Taken over from the bot by Amal" in page


async def test_recent_conversations_with_the_bot_are_at_most_20(console: Console) -> None:
    await console.user("amal", "counsellor")
    ids = [await console.conversation("bot", minutes_ago=30 + i) for i in range(22)]
    browser = await console.as_user("amal")
    page = await (await browser.get("/console/")).text()
    assert RECENT.findall(page) == [str(i) for i in ids[:20]]


async def test_transcript_shows_users_bot_counsellors_notes_and_transitions(
        console: Console) -> None:
    amal = await console.user("amal", "counsellor", name="Amal")
    cid = await console.conversation("human", assignee=amal)
    t0 = utcnow() - dt.timedelta(minutes=10)
    at = [t0 + dt.timedelta(minutes=i) for i in range(6)]
    await console.add(
        Message(conversation_id=cid, direction="in", text="أين مكتب التسجيل؟", language="ar",
                status="answered", created_at=at[0]),
        Message(conversation_id=cid, direction="out", text="Das Bürgerbüro …", language="ar",
                status="faq", extra={"ref": "registration/register_address"},
                created_at=at[1]),
        HandoffTransition(conversation_id=cid, from_status="bot", to_status="waiting",
                          actor="user", reason="user_request", created_at=at[2]),
        HandoffTransition(conversation_id=cid, from_status="waiting", to_status="human",
                          actor="counsellor", counsellor_id=amal, reason="claimed",
                          created_at=at[3]),
        Message(conversation_id=cid, direction="out", text="مرحبًا، أنا أمل", language="ar",
                status="counsellor", author_id=amal, created_at=at[4]),
        Message(conversation_id=cid, direction="note", text="Needs an interpreter",
                language="", status="note", author_id=amal, created_at=at[5]))
    browser = await console.as_user("amal")
    page = await (await browser.get(f"/console/conversations/{cid}")).text()
    kinds = re.findall(r'<li class="line line-(\w+)"', page)
    assert kinds == ["user", "bot", "system", "system", "counsellor", "note"]
    assert "The user asked for a person." in page and "Claimed by Amal" in page
    assert "internal note — not sent" in page and "Needs an interpreter" in page
    assert '<div class="bubble" dir="auto" lang="ar">أين مكتب التسجيل؟</div>' in page
    assert page.count('class="bubble" dir="auto"') == 4
    assert "registration/register_address" in page and "Sources dated" in page  # provenance
    assert "not confirmed by anyone yet" in page and "seed:" not in page
    assert 'id="reply-form"' in page  # Amal holds the conversation
    assert "Hello! This is a member of the counselling team" not in page
    assert "مرحبًا! معك أحد أعضاء فريق الاستشارة" in page  # canned replies: user's language


async def test_claim_reply_note_release_through_the_handoff_service(console: Console) -> None:
    await console.user("amal", "counsellor", name="Amal")
    await console.user("omar", "counsellor", name="Omar")
    cid = await console.conversation("waiting", language="en")
    amal, omar = await console.as_user("amal"), await console.as_user("omar")
    assert (await amal.post(f"/console/conversations/{cid}/claim")).status == 303
    refused = await omar.post(f"/console/conversations/{cid}/claim")
    assert refused.status == 409
    assert "Someone else has already taken this conversation." in await refused.text()
    not_his = await omar.post(f"/console/conversations/{cid}/reply", {"text": "Hi, Omar here"})
    assert not_his.status == 409 and "Hi, Omar here" in await not_his.text()  # draft kept
    assert (await amal.post(f"/console/conversations/{cid}/reply",
                            {"text": "Hello, this is Amal."})).status == 303
    assert "Reply sent." in await (await amal.get(f"/console/conversations/{cid}")).text()
    assert (await omar.post(f"/console/conversations/{cid}/note",
                            {"text": "I know this family"})).status == 303
    empty = await amal.post(f"/console/conversations/{cid}/reply", {"text": "   "})
    assert empty.status == 400
    page = await (await amal.get(f"/console/conversations/{cid}")).text()
    assert "Claimed by Amal" in page and "Reply sent." not in page  # a notice shows once
    assert re.search(r'line-counsellor".*?Amal.*?Hello, this is Amal\.', page, re.S)
    assert re.search(r'line-note".*?Omar.*?internal note — not sent.*?I know this family',
                     page, re.S)
    assert (await amal.post(f"/console/conversations/{cid}/release")).status == 303
    assert (await console.get(Conversation, cid)).status == "bot"
    page = await (await amal.get(f"/console/conversations/{cid}")).text()
    assert "Released to the bot by Amal" in page and "Take over from the bot" in page
    assert (await amal.get("/console/conversations/99999")).status == 404


async def test_transcript_fragment_returns_only_what_is_new(console: Console) -> None:
    await console.user("amal", "counsellor")
    cid = await console.conversation("waiting")
    await console.add(Message(conversation_id=cid, direction="in", text="first", language="en",
                              status="received"))
    browser = await console.as_user("amal")
    page = await (await browser.get(f"/console/conversations/{cid}")).text()
    after = re.search(r'data-after="(\d+)" data-after-transition="(\d+)"', page)
    assert after
    await console.add(Message(conversation_id=cid, direction="in", text="second",
                              language="en", status="received"))
    fragment = await (await browser.get(
        f"/console/conversations/{cid}/transcript?after={after.group(1)}"
        f"&after_transition={after.group(2)}")).text()
    assert "second" in fragment and "first" not in fragment and "<html" not in fragment


async def test_events_stream_tells_the_page_what_changed(console: Console) -> None:
    await console.user("amal", "counsellor")
    cid = await console.conversation("waiting")
    amal = await console.as_user("amal")
    stream = await amal.get("/console/events")
    assert stream.status == 200 and stream.content_type == "text/event-stream"
    assert await stream.content.readline() == b"retry: 5000\n"
    await asyncio.sleep(0.05)  # the handler subscribes after its first write
    other = await console.as_user("amal")
    assert (await other.post(f"/console/conversations/{cid}/claim")).status == 303
    event = None
    while event is None:
        line = await asyncio.wait_for(stream.content.readline(), 5)
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
    assert event == {"kind": "conversation", "id": cid, "status": "human"}
    stream.close()


async def test_events_stream_beats_and_stops_when_the_app_stops(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp.web_urldispatcher import PrefixedSubAppResource

    from bot.console import events
    from bot.console.state import STATE

    monkeypatch.setattr(events, "KEEPALIVE_SECONDS", 0.3)
    amal = await console.user("amal", "counsellor")
    browser = await console.as_user("amal")
    async with console.db() as session:  # not seen for an hour
        (await session.get(ConsoleUser, amal)).last_seen_at = utcnow() - dt.timedelta(hours=1)
        await session.commit()
    stream = await browser.get("/console/events")
    assert stream.status == 200
    await asyncio.sleep(0.8)  # the heartbeat: seen while the page is open
    seen = (await console.get(ConsoleUser, amal)).last_seen_at.replace(tzinfo=dt.UTC)
    assert utcnow() - seen < dt.timedelta(seconds=5)
    sub = next(r for r in console.server.app.router.resources()
               if isinstance(r, PrefixedSubAppResource))
    sub._app[STATE].stopping.set()  # what on_shutdown does
    rest = await asyncio.wait_for(stream.content.read(), 5)  # the stream ends
    assert b"retry: 5000" in rest
    stream.close()


async def test_security_headers(console: Console) -> None:
    await console.user("amal", "counsellor")
    cid = await console.conversation("waiting")
    browser = await console.as_user("amal")
    for path in ("/console/login", "/console/", f"/console/conversations/{cid}",
                 "/console/static/console.js", "/console/nowhere"):
        response = await browser.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        static = path.startswith("/console/static/")
        assert (response.headers.get("Cache-Control") == "no-store") != static, path
        if response.content_type == "text/html":
            body = await response.text()
            assert "<script>" not in body and "style=" not in body and " on" + "click" not in body
    cookie = (await console.browser().get("/console/login")).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie

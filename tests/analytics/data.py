"""A known set of rows for the dashboard's tests, relative to a moment `now`: users in two
cities, conversations answered by FAQs, clarifications, button presses, handoffs with
counsellor replies at known delays, feedback, and one message outside the 30 days. The
expected figures below are counted by hand from it (see the comments)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.curation_models import Feedback
from bot.storage.handoff_models import ConsoleUser, HandoffTransition
from bot.storage.models import Conversation, Message, User

SECRET = "Mein Name ist Zaid Q-7391"  # a message text that must never reach the dashboard
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@dataclass
class Seeder:
    session: AsyncSession
    counsellor: int
    users: int = 0

    async def conversation(self, city: str, language: str) -> int:
        self.users += 1
        user = User(channel="web", pseudonym=f"p{self.users}", language=language, city=city)
        self.session.add(user)
        await self.session.flush()
        conversation = Conversation(user_id=user.id, state={}, status="bot")
        self.session.add(conversation)
        await self.session.flush()
        return conversation.id

    async def turn(self, cid: int, at: dt.datetime, *, language: str, topic: str | None,
                   intent: str | None, kind: str | None, text: str = "Frage") -> int:
        """A user's message and (kind not None) the bot's reply of that kind."""
        inbound = Message(conversation_id=cid, direction="in", text=text, intent=intent,
                          topic=topic, language=language, status="answered", created_at=at)
        self.session.add(inbound)
        await self.session.flush()
        if kind is not None:
            self.session.add(Message(conversation_id=cid, direction="out", text="Antwort",
                                     language=language, status=kind, reply_to_id=inbound.id,
                                     created_at=at + dt.timedelta(seconds=1)))
        return inbound.id

    def move(self, cid: int, at: dt.datetime, old: str, new: str) -> None:
        self.session.add(HandoffTransition(conversation_id=cid, from_status=old, to_status=new,
                                           actor="user", reason="user_request", created_at=at))

    def counsellor_says(self, cid: int, at: dt.datetime) -> None:
        self.session.add(Message(conversation_id=cid, direction="out", text="Hallo, Beratung",
                                 language="de", status="counsellor", author_id=self.counsellor,
                                 created_at=at))

    def feedback(self, cid: int, message: int, faq: str, value: int, at: dt.datetime) -> None:
        self.session.add(Feedback(message_id=message, conversation_id=cid, faq=faq,
                                  language="de", value=value, created_at=at))


async def seed(db: async_sessionmaker[AsyncSession], now: dt.datetime) -> None:
    async with db() as session:
        counsellor = ConsoleUser(username="seed-counsellor", display_name="Seed", role="counsellor",
                                 active=True, failed_logins=0)
        session.add(counsellor)
        await session.flush()
        s = Seeder(session, counsellor.id)
        await _answered(s, now)
        await _handoffs(s, now)
        await session.commit()


async def _answered(s: Seeder, now: dt.datetime) -> None:
    c1 = await s.conversation("duesseldorf", "de")  # 6 FAQ answers (5 👍, 1 👎), 1 old one
    for i in range(6):
        at = now - DAY + i * MINUTE
        m = await s.turn(c1, at, language="de", topic="residence", intent="residence/permit",
                         kind="faq", text=SECRET if i == 0 else "Aufenthalt?")
        s.feedback(c1, m, "residence/permit", 1 if i < 5 else -1, at + MINUTE)
        # the press itself is stored as a message too: feedback, not a question (not counted)
        await s.turn(c1, at + MINUTE, language="de", topic=None, intent="feedback",
                     kind="feedback")
    old = now - 40 * DAY
    m = await s.turn(c1, old, language="de", topic="residence", intent="residence/permit",
                     kind="faq")
    s.feedback(c1, m, "residence/permit", 1, old + MINUTE)
    c2 = await s.conversation("leipzig", "ar")  # 3 clarifications (housing), 2 buttons
    for i in range(3):
        await s.turn(c2, now - 2 * DAY + i * MINUTE, language="ar", topic="housing",
                     intent="nlu_fallback", kind="clarify")
    for i in range(2):
        await s.turn(c2, now - 2 * DAY + (5 + i) * MINUTE, language="ar", topic=None,
                     intent=None, kind="text")
    c3 = await s.conversation("duesseldorf", "en")  # 5 FAQ answers (2 👍), 1 clarification
    for i in range(5):
        at = now - 3 * DAY + i * MINUTE
        m = await s.turn(c3, at, language="en", topic="work", intent="work/minijob", kind="faq")
        if i < 2:
            s.feedback(c3, m, "work/minijob", 1, at + MINUTE)
    await s.turn(c3, now - 3 * DAY + 6 * MINUTE, language="en", topic=None,
                 intent="nlu_fallback", kind="clarify")
    s.move(c3, now - 3 * DAY + 10 * MINUTE, "bot", "human")  # taken over, never waited
    c4 = await s.conversation("leipzig", "de")  # waiting, 2 messages read by nobody yet
    s.move(c4, now - 3 * 60 * MINUTE - MINUTE, "bot", "waiting")
    for i in range(2):
        await s.turn(c4, now - 3 * 60 * MINUTE + i * MINUTE, language="de", topic="health",
                     intent="health/doctor", kind=None)


async def _handoffs(s: Seeder, now: dt.datetime) -> None:
    """h1..h5: waiting at t, the first counsellor reply 2k minutes later (a note and the
    claim notice before it do not count); h6: given back unanswered, waiting again 10 min
    later, answered 3 min after that."""
    for k in range(1, 7):
        t = now - 4 * DAY + k * 60 * MINUTE
        cid = await s.conversation("duesseldorf", "de")
        await s.turn(cid, t - dt.timedelta(seconds=1), language="de", topic=None,
                     intent="human_handoff", kind="handoff")
        s.move(cid, t, "bot", "waiting")
        if k < 6:
            s.session.add(Message(conversation_id=cid, direction="note", text="intern",
                                  language="", status="note", author_id=s.counsellor,
                                  created_at=t + MINUTE / 2))
            s.move(cid, t + MINUTE, "waiting", "human")
            s.session.add(Message(conversation_id=cid, direction="out", text="joined",
                                  language="de", status="handoff", created_at=t + MINUTE))
            s.counsellor_says(cid, t + 2 * k * MINUTE)
        else:
            s.move(cid, t + 5 * MINUTE, "waiting", "bot")
            s.move(cid, t + 10 * MINUTE, "bot", "waiting")
            s.counsellor_says(cid, t + 13 * MINUTE)


# The figures of the last 30 (and 7) days, counted from the rows above
INBOUND = 25  # c1 6, c2 5, c3 6, c4 2, h1..h6 6
PER_LANGUAGE = {"de": 14, "en": 6, "ar": 5}
PER_TOPIC = {None: 9, "residence": 6, "work": 5, "housing": 3, "health": 2}
PER_CITY = {"duesseldorf": 18, "leipzig": 7}
FALLBACK = (4, 23)  # clarifications / inbound answered by the bot (c4's 2 not answered)
HANDOFF = (8, 10)  # c3 (taken over), c4, h1..h6 / conversations with messages
FIRST_REPLY = (6, 300.0)  # replies after 2, 4, 6, 8, 10 and 3 minutes: median 5 min
TOP_FAQS = {"residence/permit": 6, "work/minijob": 5}
TOP_UNANSWERED = {"housing": 3, None: 1}
FEEDBACK = {"residence/permit": (5, 1), "work/minijob": (2, 0)}

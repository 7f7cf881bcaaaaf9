"""One conversation for the console: its details, the FAQ the bot last answered with, and
the transcript — messages, internal notes and the handoff's transitions, in time order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.auth import aware
from bot.console.labels import city_name, district_label, topic_label
from bot.console.queries import Labels
from bot.core.types import Link
from bot.i18n import Translator, format_source_date
from bot.kb.model import Confirmation, Knowledge
from bot.storage.handoff_models import HandoffTransition
from bot.storage.models import Conversation, Message, User

MAX_LINES = 2000  # a transcript longer than this shows its newest part
REASONS = ("user_request", "offer_accepted", "emergency", "claimed", "taken_over", "released",
           "idle", "user_cancelled", "closed")


@dataclass(frozen=True)
class Line:
    kind: str  # user | bot | counsellor | note | system
    id: int  # the message's or the transition's id
    at: dt.datetime
    text: str
    author: str = ""
    language: str = ""
    reply_kind: str = ""  # the bot's reply kind (faq, handoff, …)
    sent: str = ""  # a user's message without text: the pressed button's payload, "location"


def _message_line(message: Message, names: dict[int, str]) -> Line:
    author = names.get(message.author_id, "") if message.author_id else ""
    if message.direction == "in":
        kind = "user"
    elif message.direction == "note":
        kind = "note"
    else:
        kind = "counsellor" if message.author_id or message.status == "counsellor" else "bot"
    extra = (message.extra or {}) if kind == "user" else {}
    sent = str(extra.get("payload") or ("location" if extra.get("location") else ""))
    return Line(kind, message.id, aware(message.created_at), message.text, author,
                message.language, message.status if kind == "bot" else "", sent)


def _transition_line(row: HandoffTransition, names: dict[int, str], _: Translator) -> Line:
    name = names.get(row.counsellor_id, "?") if row.counsellor_id else ""
    if row.reason in REASONS:
        text = _(f"transition:{row.reason}", name=name)
    else:
        text = _("transition:other", reason=row.reason, before=_(f"status:{row.from_status}"),
                 after=_(f"status:{row.to_status}"))
    if row.urgent and row.to_status == "waiting":
        text = f"{text} · {_('urgent')}"
    return Line("system", row.id, aware(row.created_at), text, name)


async def lines(session: AsyncSession, conversation_id: int, names: dict[int, str],
                _: Translator, after_message: int = 0, after_transition: int = 0,
                ) -> list[Line]:
    """The transcript (or what came after the given ids), oldest first."""
    messages = list(await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.id > after_message)
        .order_by(Message.id.desc()).limit(MAX_LINES)))
    transitions = list(await session.scalars(
        select(HandoffTransition).where(HandoffTransition.conversation_id == conversation_id,
                                        HandoffTransition.id > after_transition)
        .order_by(HandoffTransition.id.desc()).limit(MAX_LINES)))
    items = [_message_line(m, names) for m in messages]
    items += [_transition_line(t, names, _) for t in transitions]
    return sorted(items, key=lambda line: (line.at, line.kind == "system", line.id))


@dataclass(frozen=True)
class FaqInfo:
    intent: str
    sources: tuple[Link, ...]  # named, in the console's language
    source_date: str  # how old its sources are ("2019", "November 2026")
    confirmed: Confirmation | None  # who confirmed it and when (None: nobody yet)
    verified: bool


@dataclass(frozen=True)
class Detail:
    id: int
    status: str
    urgent: bool
    assignee_id: int | None
    assignee: str
    since: dt.datetime
    language: str  # the user's
    city: str
    district: str
    topic: str
    channel: str
    faq: FaqInfo | None


async def detail(session: AsyncSession, conversation_id: int, labels: Labels,
                 names: dict[int, str]) -> Detail | None:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    user = await session.get_one(User, conversation.user_id)
    state = conversation.state or {}
    assignee = conversation.assignee_id
    return Detail(
        id=conversation.id, status=conversation.status, urgent=conversation.urgent,
        assignee_id=assignee, assignee=names.get(assignee, "") if assignee else "",
        since=aware(conversation.status_since or conversation.started_at),
        language=str(state.get("language") or user.language),
        city=city_name(labels.knowledge, str(state.get("city") or user.city), labels.lang),
        district=district_label(labels.knowledge, state.get("place_ref"), labels.lang),
        topic=topic_label(labels.chat, state.get("last_topic"), labels.lang),
        channel=user.channel, faq=await last_faq(session, conversation_id, labels.knowledge,
                                                   labels.lang))


async def last_faq(session: AsyncSession, conversation_id: int,
                   knowledge: Knowledge, lang: str) -> FaqInfo | None:
    """The FAQ the bot answered with last, with its provenance."""
    message = await session.scalar(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.direction == "out", Message.status == "faq")
        .order_by(Message.id.desc()).limit(1))
    ref = str((message.extra or {}).get("ref") or "") if message else ""
    faq = knowledge.faqs.get(ref)
    if faq is None:
        return None
    prov = faq.provenance
    links = tuple(Link(knowledge.sources[r].label(lang), knowledge.sources[r].url)
                  for r in prov.source)
    return FaqInfo(ref, links, format_source_date(prov.source_date, lang), prov.confirmed,
                   prov.verified)

"""What the state machine needs to know about the world: city names, counselling hours, and
whether a counsellor is online (read from the database at each use)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.dialogue import Policy
from bot.core.machine import Context
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import utcnow

ANSWERING_ROLES = ("counsellor", "admin")


def hours_by_city(knowledge: Knowledge, translators: dict[str, Translator],
                  ) -> dict[str, dict[str, str]]:
    """Counselling hours as text; unverified hours carry the unverified mark."""
    hours: dict[str, dict[str, str]] = {}
    for city in knowledge.cities.values():
        if city.counselling_hours is None:
            continue
        verified = city.counselling_hours.provenance.verified
        hours[city.id] = {
            lang: text if verified else f"{text} {translators[lang]('unverified_mark')}"
            for lang, text in city.counselling_hours.text.items()}
    return hours


class Contexts:
    def __init__(self, knowledge: Knowledge, translators: dict[str, Translator], policy: Policy,
                 presence_timeout_seconds: int) -> None:
        self._translators = translators
        self._policy = policy
        self._cities = {c.id: dict(c.name) for c in knowledge.cities.values()}
        self._hours = hours_by_city(knowledge, translators)
        self._presence_timeout = dt.timedelta(seconds=presence_timeout_seconds)

    async def online_count(self, session: AsyncSession) -> int:
        since = utcnow() - self._presence_timeout
        count = await session.scalar(
            select(func.count()).select_from(ConsoleUser).where(
                ConsoleUser.active.is_(True), ConsoleUser.role.in_(ANSWERING_ROLES),
                ConsoleUser.presence == "online", ConsoleUser.last_seen_at >= since))
        return int(count or 0)

    def context(self, counsellors_online: bool) -> Context:
        return Context(self._translators, self._policy, self._cities, self._hours,
                       counsellors_online)

    async def build(self, session: AsyncSession) -> Context:
        return self.context(await self.online_count(session) > 0)

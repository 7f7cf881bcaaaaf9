"""👍 / 👎 per FAQ and language, for the curation screens and the dashboard (the ratings are
stored by `bot/feedback.py`, one per answered question)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.types import LANGUAGES
from bot.storage.curation_models import Feedback


def _zeros() -> dict[str, int]:
    return dict.fromkeys(LANGUAGES, 0)


@dataclass
class FeedbackCount:
    """The ratings of one FAQ: 👍 and 👎 per language (every language is there, 0 when
    unrated), and the totals."""

    up: dict[str, int] = field(default_factory=_zeros)
    down: dict[str, int] = field(default_factory=_zeros)

    @property
    def total_up(self) -> int:
        return sum(self.up.values())

    @property
    def total_down(self) -> int:
        return sum(self.down.values())

    @property
    def total(self) -> int:
        return self.total_up + self.total_down


async def feedback_by_faq(session: AsyncSession) -> dict[str, FeedbackCount]:
    """Every rated FAQ ("topic/key") with its counts; FAQs nobody rated are not in it."""
    up = func.sum(case((Feedback.value > 0, 1), else_=0))
    down = func.sum(case((Feedback.value < 0, 1), else_=0))
    rows = await session.execute(
        select(Feedback.faq, Feedback.language, up, down)
        .group_by(Feedback.faq, Feedback.language).order_by(Feedback.faq, Feedback.language))
    counts: dict[str, FeedbackCount] = {}
    for faq, language, ups, downs in rows:
        count = counts.setdefault(faq, FeedbackCount())
        count.up[language] = count.up.get(language, 0) + int(ups or 0)
        count.down[language] = count.down.get(language, 0) + int(downs or 0)
    return counts

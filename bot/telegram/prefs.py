"""What the adapter needs to know about a Telegram user for the replies it makes itself
(/city, /help, media it cannot read, an unknown button, an apology): the language.

Everything else — onboarding, the city, the dialogue — goes through the service, which
returns the user's language with its answer. A user not seen before gets Telegram's
`language_code` as the first guess. The raw chat id is only turned into the pseudonym here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.language import normalise_hint
from bot.storage import repository as repo
from bot.storage.models import Conversation, User

CHANNEL = "telegram"


@dataclass(frozen=True)
class UserView:
    language: str
    pending: str | None  # the dialogue's open question, e.g. "welcome_point_location"


class Prefs:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], secret: str,
                 default_language: str, default_city: str) -> None:
        self._sessions = sessions
        self._secret = secret
        self._default_language = default_language
        self._default_city = default_city

    def _pseudonym(self, chat_id: int) -> str:
        return repo.pseudonym(self._secret, CHANNEL, str(chat_id))

    async def view(self, chat_id: int, hint: str | None = None) -> UserView:
        async with self._sessions() as session:
            existing = await self._find(session, chat_id)
        if existing is None:
            return UserView(normalise_hint(hint) or self._default_language, None)
        return _view(*existing)

    async def _find(self, session: AsyncSession,
                    chat_id: int) -> tuple[User, Conversation | None] | None:
        user = await session.scalar(select(User).where(
            User.channel == CHANNEL, User.pseudonym == self._pseudonym(chat_id)))
        if user is None:
            return None
        conversation = await session.scalar(
            select(Conversation).where(Conversation.user_id == user.id)
            .order_by(Conversation.id.desc()).limit(1))
        return user, conversation


def _view(user: User, conversation: Conversation | None) -> UserView:
    state = (conversation.state if conversation else None) or {}
    language = state.get("language") or user.language
    pending = state.get("pending")
    return UserView(str(language), str(pending) if pending else None)

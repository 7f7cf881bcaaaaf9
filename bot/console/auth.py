"""Passwords (argon2), login with lockout, and invitations. No web code here."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import utcnow

ROLES = ("admin", "staff", "counsellor")
ANSWERING = ("admin", "counsellor")  # may see and act on conversations
MAX_FAILED_LOGINS = 5
LOCK_TIME = dt.timedelta(minutes=15)
INVITE_VALID = dt.timedelta(hours=72)
MIN_PASSWORD = 12
MAX_PASSWORD = 256
HASHER = PasswordHasher()
Sessions = async_sessionmaker[AsyncSession]


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def password_matches(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(HASHER.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Login:
    user_id: int | None
    problem: str | None = None  # wrong | locked


async def log_in(sessions: Sessions, username: str, password: str) -> Login:
    """Checks the password; 5 failures in a row lock the account for 15 minutes.
    Unknown, inactive and not yet activated accounts answer like a wrong password."""
    now = utcnow()
    async with sessions() as session:
        user = await session.scalar(
            select(ConsoleUser).where(ConsoleUser.username == username.strip().lower()))
        if user is None or not user.active or user.password_hash is None:
            await password_matches(await asyncio.to_thread(_dummy_hash), password)
            return Login(None, "wrong")
        if user.locked_until is not None and aware(user.locked_until) > now:
            return Login(None, "locked")
        if not await password_matches(user.password_hash, password):
            return Login(None, await _failed(session, user.id, now))
        user.failed_logins, user.locked_until = 0, None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = await hash_password(password)
        await session.commit()
        return Login(user.id)


async def _failed(session: AsyncSession, user_id: int, now: dt.datetime) -> str:
    """Counts the failure in one UPDATE (parallel guesses all count); the fifth locks."""
    count = await session.scalar(
        update(ConsoleUser).where(ConsoleUser.id == user_id)
        .values(failed_logins=ConsoleUser.failed_logins + 1)
        .returning(ConsoleUser.failed_logins))
    problem = "wrong"
    if (count or 0) >= MAX_FAILED_LOGINS:
        await session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id)
                              .values(failed_logins=0, locked_until=now + LOCK_TIME))
        problem = "locked"
    await session.commit()
    return problem


# --- invitations ------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(user: ConsoleUser) -> str:
    """A fresh one-time token for the user (valid 72 h); only its SHA-256 is kept. Any
    password the user had is removed: an invitation is also how an admin resets one."""
    token = secrets.token_urlsafe(32)
    user.invite_hash, user.invite_expires_at = token_hash(token), utcnow() + INVITE_VALID
    user.password_hash, user.failed_logins, user.locked_until = None, 0, None
    return token


async def invited(session: AsyncSession, token: str) -> ConsoleUser | None:
    """The active user this token invites, if it is known and not expired."""
    if not token or len(token) > 100:
        return None
    user = await session.scalar(
        select(ConsoleUser).where(ConsoleUser.invite_hash == token_hash(token)))
    if user is None or not user.active or user.invite_expires_at is None:
        return None
    return user if aware(user.invite_expires_at) > utcnow() else None


async def accept_invitation(sessions: Sessions, token: str, password: str,
                            language: str) -> int | None:
    """Sets the password (and the console language the page was shown in) and spends the
    token; the user's id, or None if it is not valid."""
    async with sessions() as session:
        user = await invited(session, token)
        if user is None:
            return None
        user_id, password_hash = user.id, await hash_password(password)
        spent = await session.execute(  # only if the token was not used meanwhile
            update(ConsoleUser).where(ConsoleUser.id == user_id,
                                      ConsoleUser.invite_hash == token_hash(token))
            .values(password_hash=password_hash, invite_hash=None, invite_expires_at=None,
                    language=language)
            .execution_options(synchronize_session=False))
        await session.commit()
        return user_id if getattr(spent, "rowcount", 0) == 1 else None


# --- sessions and one's own password ----------------------------------------------------

async def end_sessions(sessions: Sessions, user_id: int) -> None:
    """Every session of the user issued so far (on any device) is no longer valid."""
    async with sessions() as session:
        await session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id)
                              .values(session_epoch=ConsoleUser.session_epoch + 1))
        await session.commit()


async def change_password(sessions: Sessions, user_id: int, current: str,
                          new: str) -> str | None:
    """The user's own new password, if `current` is right; it also ends every session of
    the user (the caller starts a new one). Wrong guesses count towards the lockout like
    failed logins. None, or the problem: wrong | locked."""
    now = utcnow()
    async with sessions() as session:
        user = await session.get(ConsoleUser, user_id)
        if user is None or user.password_hash is None:
            return "wrong"
        if user.locked_until is not None and aware(user.locked_until) > now:
            return "locked"
        if not await password_matches(user.password_hash, current):
            return await _failed(session, user_id, now)
        changed = await session.execute(  # only if nobody changed it meanwhile
            update(ConsoleUser).where(ConsoleUser.id == user_id,
                                      ConsoleUser.password_hash == user.password_hash)
            .values(password_hash=await hash_password(new), failed_logins=0,
                    locked_until=None, session_epoch=ConsoleUser.session_epoch + 1)
            .execution_options(synchronize_session=False))
        await session.commit()
        return None if getattr(changed, "rowcount", 0) == 1 else "wrong"

"""`./lotse admin create --username … --display-name …`: the first admin of the console.
The password is asked twice (getpass) or read from LOTSE_ADMIN_PASSWORD (scripts)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import re
from collections.abc import Callable, Mapping

from sqlalchemy import select

from bot.console.auth import MAX_PASSWORD, MIN_PASSWORD, hash_password
from bot.console.forms import USERNAME
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.handoff_models import ConsoleUser

PASSWORD_ENV = "LOTSE_ADMIN_PASSWORD"


class AdminError(ValueError):
    """A clear reason why no admin was created."""


def read_password(env: Mapping[str, str] = os.environ,
                  ask: Callable[[str], str] = getpass.getpass) -> str:
    password = env.get(PASSWORD_ENV) or ""
    if not password:
        password = ask(f"Password (at least {MIN_PASSWORD} characters): ")
        if ask("Repeat the password: ") != password:
            raise AdminError("the two passwords do not match")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AdminError(f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


async def create_admin(database_url: str, username: str, display_name: str,
                       password: str) -> int:
    """Runs the migrations and adds an active admin; its id."""
    username = username.strip().lower()
    if not re.fullmatch(USERNAME, username):
        raise AdminError("the username must be 2-64 of a-z, 0-9, '.', '-', '_' "
                         "(starting with a letter or digit)")
    if not display_name.strip() or len(display_name) > 80:
        raise AdminError("the display name must have 1 to 80 characters")
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            if await session.scalar(select(ConsoleUser.id).where(
                    ConsoleUser.username == username)) is not None:
                raise AdminError(f"a console user '{username}' exists already")
            user = ConsoleUser(username=username, display_name=display_name.strip(),
                               role="admin", active=True, failed_logins=0,
                               password_hash=await hash_password(password))
            session.add(user)
            await session.commit()
            return user.id
    finally:
        await engine.dispose()


def run_admin(settings: Settings, args: argparse.Namespace) -> int:
    """The `admin` command of bot/cli.py; 0 on success, 2 with a message otherwise."""
    if args.action != "create" or not args.username or not args.display_name:
        print("usage: lotse admin create --username NAME --display-name 'Full Name'")
        return 2
    try:
        password = read_password()
        user_id = asyncio.run(create_admin(settings.database_url, args.username,
                                           args.display_name, password))
    except AdminError as exc:
        print(f"[lotse] error: {exc}")
        return 2
    print(f"[lotse] admin '{args.username.strip().lower()}' created (id {user_id}); "
          f"log in at http://{settings.host}:{settings.port}/console/login")
    return 0

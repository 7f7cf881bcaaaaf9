"""`./lotse admin create`: migrations, then an active admin with an argon2 hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.cli import main
from bot.console.admin_cli import AdminError, create_admin, read_password
from bot.storage.db import create_engine, session_factory
from bot.storage.handoff_models import ConsoleUser


async def admins(url: str) -> list[ConsoleUser]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        users = list(await session.scalars(select(ConsoleUser)))
    await engine.dispose()
    return users


async def test_create_admin_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    user_id = await create_admin(url, " Root ", "Rana Admin", "a long admin password")
    [user] = await admins(url)
    assert (user.id, user.username, user.display_name) == (user_id, "root", "Rana Admin")
    assert user.role == "admin" and user.active and user.invite_hash is None
    assert PasswordHasher().verify(user.password_hash, "a long admin password")
    with pytest.raises(AdminError, match="exists already"):
        await create_admin(url, "root", "Again", "a long admin password")
    with pytest.raises(AdminError, match="username"):
        await create_admin(url, "no spaces please", "X", "a long admin password")


def test_password_from_the_environment_or_asked_twice() -> None:
    assert read_password({"LOTSE_ADMIN_PASSWORD": "twelve chars!"}) == "twelve chars!"
    answers = iter(["a long admin password", "a long admin password"])
    assert read_password({}, lambda _prompt: next(answers)) == "a long admin password"
    answers = iter(["a long admin password", "a different one"])
    with pytest.raises(AdminError, match="do not match"):
        read_password({}, lambda _prompt: next(answers))
    with pytest.raises(AdminError, match="12"):
        read_password({"LOTSE_ADMIN_PASSWORD": "short"})


def test_the_cli_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOTSE_ADMIN_PASSWORD", "a long admin password")
    assert main(["admin", "create", "--username", "lena", "--display-name", "Lena"]) == 0
    assert "admin 'lena' created" in capsys.readouterr().out
    assert main(["admin", "create", "--username", "lena", "--display-name", "Lena"]) == 2
    assert "exists already" in capsys.readouterr().out
    assert main(["admin", "create"]) == 2

"""Secrets: production refuses placeholders and names them (library, app start-up hook and
command line); development generates the missing ones once and reuses them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from bot.secrets import REQUIRED, SecretsError, load_secrets, variable
from bot.settings import PROJECT_ROOT, Settings
from bot.web.app import create_app

Environment = Literal["development", "production"]
VARIABLES = ["LOTSE_PSEUDONYM_SECRET", "LOTSE_RASA_TOKEN", "LOTSE_CONSOLE_SESSION_KEY",
             "LOTSE_CHAT_COOKIE_KEY", "LOTSE_CONTACT_KEY"]


def real_values() -> dict[str, str]:
    return {"pseudonym_secret": "k3Vd9-pseudonym-0b1f7a", "rasa_token": "r4sa-9f8e7d6c5b4a",
            "console_session_key": Fernet.generate_key().decode(),
            "chat_cookie_key": Fernet.generate_key().decode(),
            "contact_key": Fernet.generate_key().decode()}


def settings(tmp_path: Path, environment: Environment, **values: Any) -> Settings:
    return Settings(environment=environment,  # type: ignore[call-arg]
                    DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}", **values)


def test_the_required_secrets_are_named_by_their_variables() -> None:
    assert [variable(name) for name in REQUIRED] == VARIABLES
    assert Settings().environment == "development"


@pytest.mark.parametrize("placeholder", ["", "change-me", "change-me-local-only", " CHANGE-ME "])
@pytest.mark.parametrize("name", REQUIRED)
def test_production_refuses_each_placeholder_and_names_it(
        tmp_path: Path, name: str, placeholder: str) -> None:
    given = {**real_values(), name: placeholder}
    with pytest.raises(SecretsError) as refused:
        load_secrets(settings(tmp_path, "production", **given), tmp_path / "local.json")
    named = [v for v in VARIABLES if v in str(refused.value)]
    assert named == [variable(name)]
    assert not (tmp_path / "local.json").exists()  # nothing generated in production


def test_production_names_every_missing_secret_at_once(tmp_path: Path) -> None:
    with pytest.raises(SecretsError) as refused:
        load_secrets(settings(tmp_path, "production"), tmp_path / "local.json")
    message = str(refused.value)
    assert all(v in message for v in VARIABLES), message
    assert "change-me" in message  # what counts as a placeholder


def test_production_starts_with_real_values(tmp_path: Path) -> None:
    given = real_values()
    loaded = load_secrets(settings(tmp_path, "production", **given), tmp_path / "local.json")
    assert loaded.pseudonym_secret == given["pseudonym_secret"]
    assert loaded.contact_key == given["contact_key"].encode()
    assert loaded.console_session_key == given["console_session_key"].encode()
    assert not (tmp_path / "local.json").exists()


def test_production_refuses_a_malformed_key(tmp_path: Path) -> None:
    given = {**real_values(), "chat_cookie_key": "not-a-fernet-key"}
    with pytest.raises(SecretsError, match="LOTSE_CHAT_COOKIE_KEY is not a Fernet key"):
        load_secrets(settings(tmp_path, "production", **given), tmp_path / "local.json")


def test_development_generates_a_pseudonym_secret_once_and_reuses_it(tmp_path: Path) -> None:
    local = tmp_path / "var" / "local-secrets.json"
    first = load_secrets(settings(tmp_path, "development"), local)
    assert first.pseudonym_secret not in ("", "change-me") and len(first.pseudonym_secret) >= 32
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    again = load_secrets(settings(tmp_path, "development", pseudonym_secret=""), local)
    assert again == first
    other = load_secrets(settings(tmp_path, "development"), tmp_path / "elsewhere.json")
    assert other.pseudonym_secret != first.pseudonym_secret  # random, not a fixed default


def test_development_keeps_given_values_and_older_local_files(tmp_path: Path) -> None:
    local = tmp_path / "local-secrets.json"
    keys = {name: Fernet.generate_key().decode()
            for name in ("console_session_key", "chat_cookie_key", "contact_key")}
    local.write_text(json.dumps(keys))  # written before the pseudonym secret
    loaded = load_secrets(settings(tmp_path, "development"), local)
    assert loaded.contact_key == keys["contact_key"].encode()
    assert loaded.pseudonym_secret and loaded.pseudonym_secret in local.read_text()
    given = load_secrets(settings(tmp_path, "development", pseudonym_secret="mine-0123456789"),
                         local)
    assert given.pseudonym_secret == "mine-0123456789"


async def test_the_app_start_up_hook_refuses_placeholders(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, "production", rasa_token="change-me-local-only"))
    server = TestServer(app)
    with pytest.raises(SecretsError, match="LOTSE_RASA_TOKEN"):
        await server.start_server()
    await server.close()
    assert not (tmp_path / "lotse.db").exists()  # refused before the database was touched


def lotse(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("LOTSE_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={**clean, "PYTHONPATH": str(PROJECT_ROOT),
                          "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}",
                          "LOTSE_MODELS_DIR": str(tmp_path / "models"), **env})


@pytest.mark.parametrize("command", [["run"], ["telegram", "--mode", "polling"]])
def test_the_command_line_says_what_is_missing_and_exits(
        tmp_path: Path, command: list[str]) -> None:
    done = lotse(tmp_path, *command, LOTSE_ENVIRONMENT="production",
                 LOTSE_TELEGRAM_TOKEN="123:abc", LOTSE_PSEUDONYM_SECRET="change-me",
                 LOTSE_CONSOLE_SESSION_KEY=Fernet.generate_key().decode())
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    line = next(line for line in done.stdout.splitlines() if "not starting" in line)
    named = [v for v in VARIABLES if v in line]
    assert named == ["LOTSE_PSEUDONYM_SECRET", "LOTSE_RASA_TOKEN", "LOTSE_CHAT_COOKIE_KEY",
                     "LOTSE_CONTACT_KEY"]
    # stopped before the knowledge check, the database, training and Rasa
    assert "knowledge:" not in done.stdout and "Rasa" not in done.stdout
    assert not (tmp_path / "lotse.db").exists() and not (tmp_path / "models").exists()

"""The app's secrets: from the settings, or generated once per machine for development.

Production (`LOTSE_ENVIRONMENT=production`) refuses to start while any secret is empty or a
known placeholder, naming every such setting (`check_production`). In development an empty
or placeholder key or pseudonym secret is filled from `var/local-secrets.json` (created with
random values, readable by the owner only), so an install works without configuration and
keeps its sessions, encrypted contacts and pseudonyms across restarts. The Rasa token may
stay the placeholder in development: Rasa listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from bot.settings import PROJECT_ROOT, Settings

LOCAL_SECRETS = PROJECT_ROOT / "var" / "local-secrets.json"
KEYS = ("console_session_key", "chat_cookie_key", "contact_key")  # Fernet keys
GENERATED = ("pseudonym_secret", *KEYS)  # filled from the local file in development
REQUIRED = ("pseudonym_secret", "rasa_token", *KEYS)  # set, and no placeholder, in production
PLACEHOLDERS = frozenset({"", "change-me", "change-me-local-only", "changeme", "change_me",
                          "changeit", "secret", "please-change", "replace-me", "todo", "xxx"})


class SecretsError(ValueError):
    """The secrets cannot be used; the message names the settings by their variables."""


@dataclass(frozen=True)
class Secrets:
    pseudonym_secret: str  # HMAC key of pseudonymous user ids (bot/storage/repository.py)
    console_session_key: bytes
    chat_cookie_key: bytes
    contact_key: bytes


def variable(name: str) -> str:
    """The environment variable of a setting."""
    return f"LOTSE_{name.upper()}"


def is_placeholder(value: str) -> bool:
    return value.strip().lower() in PLACEHOLDERS


def missing_for_production(settings: Settings) -> list[str]:
    """The variables of the secrets that are empty or a placeholder."""
    return [variable(name) for name in REQUIRED if is_placeholder(str(getattr(settings, name)))]


def check_production(settings: Settings) -> None:
    """In production, refuse placeholder secrets, naming all of them in one message."""
    if settings.environment != "production":
        return
    missing = missing_for_production(settings)
    if missing:
        raise SecretsError(
            "LOTSE_ENVIRONMENT=production needs real secrets; empty or a placeholder such as "
            f"change-me: {', '.join(missing)}. Set each to a long random value (the keys: "
            "Fernet keys, see .env.example), the same on every app worker.")


def _generate(name: str) -> str:
    return Fernet.generate_key().decode() if name in KEYS else secrets.token_urlsafe(32)


def _local(path: Path) -> dict[str, str]:
    try:
        stored: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        stored = {}
    missing = [name for name in GENERATED if not stored.get(name)]
    if missing:
        stored.update({name: _generate(name) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(stored, handle, indent=1)
    return stored


def load_secrets(settings: Settings, local_file: Path = LOCAL_SECRETS) -> Secrets:
    """Call in a start-up hook. Production: every secret from the settings (SecretsError
    names the missing ones); development: the missing ones from `local_file`. A malformed
    key stops the app with the setting's name."""
    check_production(settings)
    given = {name: str(getattr(settings, name)) for name in GENERATED}
    wanted = [name for name in GENERATED if is_placeholder(given[name])]
    local = _local(local_file) if wanted else {}
    values = {name: local[name] if name in wanted else given[name] for name in GENERATED}
    keys: dict[str, bytes] = {}
    for name in KEYS:
        key = values[name].encode()
        try:
            Fernet(key)
        except ValueError:
            raise SecretsError(f"{variable(name)} is not a Fernet key (32 url-safe base64 "
                               "bytes)") from None
        keys[name] = key
    return Secrets(pseudonym_secret=values["pseudonym_secret"], **keys)

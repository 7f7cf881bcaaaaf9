"""The app's keys: from the settings, or generated once per machine for development.

An empty key setting is filled from `var/local-secrets.json` (created with random Fernet
keys, readable by the owner only), so a development install works without configuration
and keeps its sessions and encrypted contacts across restarts. Production sets every key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from bot.settings import PROJECT_ROOT, Settings

LOCAL_SECRETS = PROJECT_ROOT / "var" / "local-secrets.json"
NAMES = ("console_session_key", "chat_cookie_key", "contact_key")


@dataclass(frozen=True)
class Secrets:
    console_session_key: bytes
    chat_cookie_key: bytes
    contact_key: bytes


def _local(path: Path) -> dict[str, str]:
    try:
        stored: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        stored = {}
    missing = [name for name in NAMES if not stored.get(name)]
    if missing:
        stored.update({name: Fernet.generate_key().decode() for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(stored, handle, indent=1)
    return stored


def load_secrets(settings: Settings, local_file: Path = LOCAL_SECRETS) -> Secrets:
    """Call in a start-up hook. A malformed key stops the app with the setting's name."""
    given = {name: str(getattr(settings, name)) for name in NAMES}
    local = _local(local_file) if not all(given.values()) else {}
    keys: dict[str, bytes] = {}
    for name in NAMES:
        key = (given[name] or local[name]).encode()
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"LOTSE_{name.upper()} is not a Fernet key (32 url-safe base64 "
                             "bytes)") from None
        keys[name] = key
    return Secrets(**keys)

"""One typed settings object, read from the environment (and an optional `.env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.dialogue import Policy

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything the app reads from its environment. `.env.example` documents each field."""

    model_config = SettingsConfigDict(env_prefix="LOTSE_", env_file=".env", extra="ignore")

    # production: refuses to start while a secret is empty or a placeholder (bot/secrets.py)
    environment: Literal["development", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'lotse.db'}",
        validation_alias="DATABASE_URL",
    )
    host: str = "127.0.0.1"
    port: int = 8080

    rasa_port: int = 5005
    rasa_token: str = "change-me-local-only"  # the placeholder is refused in production
    rasa_timeout_seconds: float = 10.0
    models_dir: Path = PROJECT_ROOT / "models"

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    nlu_dir: Path = PROJECT_ROOT / "nlu"
    # the live knowledge is in the database (seeded from these folders); every app process
    # looks this often for a staff edit or a newly published model
    knowledge_poll_seconds: float = 1.0
    # Publish (bot/curation/publish.py): a candidate model is blocked when any language's
    # intent or FAQ accuracy on nlu/test/ drops by more than this many percentage points;
    # after a swap the previous Rasa server keeps answering this long (at least the Rasa
    # timeout + 2 polls, so parses already sent finish) before this process stops it
    publish_margin_points: float = 5.0
    publish_config: Path = PROJECT_ROOT / "config.yml"  # the Rasa pipeline Publish trains
    swap_grace_seconds: float = 30.0
    default_city: str = "duesseldorf"
    default_language: str = "de"

    # Dialogue thresholds: below `clarify_below` the bot asks which topic was meant;
    # after `misses_before_counsellor` misses in a row it offers a counsellor.
    clarify_below: float = 0.55
    misses_before_counsellor: int = 2
    max_message_chars: int = 4000
    # per user: beyond this many messages a minute the first gets a polite notice, later ones
    # are stored without an answer until the minute has passed (0: no limit)
    messages_per_minute: int = Field(default=20, ge=0)

    # Retention (bot/storage/retention.py, run at start and every interval by every worker):
    # a conversation without activity for `retention_days` is deleted with its messages,
    # feedback and handoff records (not while a person handles it or it waits for one); a
    # closed handoff's conversation after `closed_handoff_retention_days`; handled Telegram
    # inbox/outbox rows after `queue_retention_hours`.
    retention_days: int = Field(default=90, ge=1)
    closed_handoff_retention_days: int = Field(default=30, ge=1)
    queue_retention_hours: float = Field(default=24.0, gt=0)
    retention_interval_seconds: float = Field(default=3600.0, gt=0)

    # Secret used to derive pseudonymous user ids from channel ids (never stored raw). Read
    # only through the `Secrets` built at start-up (bot/secrets.py): in development an empty
    # value or the placeholder is replaced by one generated into var/local-secrets.json.
    pseudonym_secret: str = "change-me"
    log_level: str = "INFO"

    # Counsellor handoff and console (bot/handoff/, bot/console/). Keys are Fernet keys
    # (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
    # empty: generated once and kept in var/local-secrets.json (one machine, development;
    # production refuses to start without them).
    console_session_key: str = ""  # encrypts the console's session cookie
    chat_cookie_key: str = ""  # signs and encrypts the web chat's session cookie
    contact_key: str = ""  # encrypts a Telegram chat id while a handoff is open
    cookie_secure: bool = False  # True behind HTTPS: cookies only over TLS
    handoff_wait_seconds: int = 900  # waiting longer: next steps and the Welcome Point
    handoff_idle_seconds: int = 1800  # with a person, no message for this long: back to the bot
    presence_timeout_seconds: int = 90  # a counsellor unseen for this long counts as away
    handoff_tick_seconds: float = 15.0  # how often the timers above are checked

    # Telegram (bot/telegram/): "off", "polling" (development) or "webhook" (production).
    telegram_mode: Literal["off", "polling", "webhook"] = "off"
    telegram_token: str = ""
    telegram_webhook_url: str = ""  # public HTTPS URL of POST /telegram/webhook (webhook mode)
    telegram_secret_token: str = ""  # X-Telegram-Bot-Api-Secret-Token, 1-256 of [A-Za-z0-9_-]
    telegram_base_url: str = "https://api.telegram.org/bot"  # tests: the local Bot API server
    telegram_poll_timeout_seconds: int = 25
    telegram_send_timeout_seconds: float = 20.0
    telegram_retry_base_seconds: float = 1.0  # outbox: backoff after network errors and 5xx …
    telegram_retry_max_seconds: float = 60.0  # … doubling up to this; never given up
    # outbox: ids of requests fully written, kept until the database has them (outbox.py);
    # one file per database, next to it by default
    telegram_journal_dir: Path = PROJECT_ROOT / "var"
    telegram_handle_attempts: int = 5  # inbox: tries per update before it is marked failed
    telegram_concurrency: int = 16  # chats handled / sent to at the same time

    def policy(self) -> Policy:
        """The dialogue's thresholds and what the privacy notice says about retention."""
        return Policy(self.clarify_below, self.misses_before_counsellor, self.retention_days,
                      self.closed_handoff_retention_days)

    @property
    def rasa_url(self) -> str:
        """Rasa always runs on this machine's loopback interface, never exposed."""
        return f"http://127.0.0.1:{self.rasa_port}"

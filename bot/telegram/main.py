"""`python -m bot telegram --mode polling|webhook [--external-rasa]`: the app with the
Telegram channel (and the web chat), with Rasa started here unless it already runs."""

from __future__ import annotations

from pathlib import Path

from bot.runner import rasa_for, say, serve_until_stopped
from bot.secrets import Secrets
from bot.settings import Settings


async def run_telegram(settings: Settings, config: Path, external_rasa: bool,
                       secrets: Secrets) -> None:
    from bot.web.app import create_app

    try:
        app = create_app(settings, secrets)  # checks the Telegram settings; no I/O yet
    except ValueError as exc:
        say(f"not starting: {exc}")
        raise SystemExit(2) from None
    async with rasa_for(settings, config, external_rasa, app=app):
        await serve_until_stopped(app, settings, (
            f"Lotse on Telegram ({settings.telegram_mode}); web chat on "
            f"http://{settings.host}:{settings.port}/"))

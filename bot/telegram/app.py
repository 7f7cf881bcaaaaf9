"""Hooks the Telegram channel into the aiohttp app: the webhook route and the workers.

Webhook: `POST <path of LOTSE_TELEGRAM_WEBHOOK_URL>` checks X-Telegram-Bot-Api-Secret-Token
(403 otherwise) and answers 200 only after the update is stored; any error before that is
a 5xx, so Telegram delivers the update again.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator

from aiohttp import web
from yarl import URL

from bot.settings import Settings
from bot.telegram.inbox import update_id_of
from bot.telegram.runtime import TelegramRuntime
from bot.web.body import BadBody, json_body
from bot.web.errors import error
from bot.web.keys import SETTINGS

TELEGRAM = web.AppKey("telegram", TelegramRuntime)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"


def webhook_path(settings: Settings) -> str:
    path = URL(settings.telegram_webhook_url).path if settings.telegram_webhook_url else ""
    return path if path not in ("", "/") else DEFAULT_PATH


def check(settings: Settings) -> None:
    """Refuse to start with a setting that cannot work."""
    if not settings.telegram_token:
        raise ValueError("LOTSE_TELEGRAM_TOKEN is required when LOTSE_TELEGRAM_MODE is set")
    if settings.telegram_mode == "webhook":
        if not settings.telegram_webhook_url:
            raise ValueError("webhook mode needs LOTSE_TELEGRAM_WEBHOOK_URL")
        secret = settings.telegram_secret_token
        if not secret or len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-")
                                                      for c in secret):
            raise ValueError("webhook mode needs LOTSE_TELEGRAM_SECRET_TOKEN: 1-256 characters "
                             "of A-Z, a-z, 0-9, _ and -")


def attach_telegram(app: web.Application) -> None:
    """Add the Telegram channel when LOTSE_TELEGRAM_MODE is polling or webhook (after the
    app's own start-up hook, which builds the service)."""
    settings = app[SETTINGS]
    if settings.telegram_mode == "off":
        return
    check(settings)
    app[TELEGRAM] = TelegramRuntime(settings)
    if settings.telegram_mode == "webhook":
        app.router.add_post(webhook_path(settings), telegram_webhook, name="telegram_webhook")
    app.cleanup_ctx.append(_running)


async def _running(app: web.Application) -> AsyncIterator[None]:
    runtime = app[TELEGRAM]
    await runtime.start(app)
    yield
    await runtime.stop()


async def telegram_webhook(request: web.Request) -> web.Response:
    runtime = request.app[TELEGRAM]
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, runtime.settings.telegram_secret_token.encode()):
        return error(403, "wrong or missing secret token")
    try:
        body = await json_body(request)
    except BadBody as exc:
        return error(400, str(exc))
    if update_id_of(body) is None:
        return error(400, "not a Telegram update")
    await runtime.store([body])  # an exception here becomes a 500: Telegram retries
    return web.json_response({"ok": True})

"""The Telegram channel: durable inbox and outbox, long polling or webhook, rendering.

Started by `bot.telegram.app.attach_telegram` inside the aiohttp app when
LOTSE_TELEGRAM_MODE is `polling` or `webhook`; see bot/telegram/README.md.
"""

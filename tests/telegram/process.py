"""`python -m bot telegram --mode polling --external-rasa` as a real child process, pointed at
the local Bot API server, so it can be killed with SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings
from tests.telegram.botapi import BotApi


def bot_environment(settings: Settings) -> dict[str, str]:
    values = {
        "DATABASE_URL": settings.database_url, "LOTSE_PORT": str(settings.port),
        "LOTSE_RASA_PORT": str(settings.rasa_port), "LOTSE_RASA_TOKEN": settings.rasa_token,
        "LOTSE_PSEUDONYM_SECRET": settings.pseudonym_secret,
        "LOTSE_TELEGRAM_TOKEN": settings.telegram_token,
        "LOTSE_TELEGRAM_BASE_URL": settings.telegram_base_url,
        "LOTSE_TELEGRAM_POLL_TIMEOUT_SECONDS": str(settings.telegram_poll_timeout_seconds),
        "LOTSE_TELEGRAM_JOURNAL_DIR": str(settings.telegram_journal_dir),
        "LOTSE_TELEGRAM_RETRY_BASE_SECONDS": str(settings.telegram_retry_base_seconds),
        "LOTSE_TELEGRAM_RETRY_MAX_SECONDS": str(settings.telegram_retry_max_seconds),
        "LOTSE_LOG_LEVEL": "INFO",
    }
    return {**os.environ, **values}


class BotProcess:
    def __init__(self, api: BotApi, settings: Settings, log_path: Path) -> None:
        self.api, self.settings, self.log_path = api, settings, log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 120.0) -> float:
        """Start the bot; returns the seconds until it polls the server."""
        polls = sum(1 for a in self.api.attempts if a.method == "getupdates")
        started = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "telegram", "--mode", "polling",
                "--external-rasa", cwd=PROJECT_ROOT, env=bot_environment(self.settings),
                stdout=log, stderr=log)
        while sum(1 for a in self.api.attempts if a.method == "getupdates") == polls:
            if self.process.returncode is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"the bot did not start; log:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill_now(self) -> None:
        """SIGKILL without waiting (from a synchronous callback)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # already killed by kill_now()
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

"""Run and supervise the Rasa NLU server (`rasa run --enable-api`) as a child process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bot.nlu.client import RasaClient
from bot.nlu.training import RASA_VENV, rasa_env
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


class RasaServer:
    """Starts Rasa on localhost with a token; restarts it when it exits unexpectedly."""

    def __init__(self, model: Path, port: int, token: str, log_path: Path) -> None:
        self.model, self.port, self.token, self.log_path = model, port, token, log_path
        self._process: asyncio.subprocess.Process | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    def command(self) -> list[str]:
        return [str(RASA_VENV / "bin" / "rasa"), "run", "--enable-api", "--auth-token",
                self.token, "-m", str(self.model), "-i", "127.0.0.1", "-p", str(self.port)]

    async def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(), cwd=PROJECT_ROOT, env=rasa_env(serving=True), stdout=out,
                stderr=out)

    async def wait_ready(self, client: RasaClient, timeout: float = 300.0) -> float:
        """Seconds until Rasa answers with its model loaded; raises when it dies or times out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self._process is not None and self._process.returncode is not None:
                raise RuntimeError(f"Rasa exited with {self._process.returncode}; "
                                   f"see {self.log_path}")
            if await client.ready():
                return time.monotonic() - started
            await asyncio.sleep(1.0)
        raise TimeoutError(f"Rasa not ready after {timeout:.0f}s; see {self.log_path}")

    def supervise(self) -> None:
        self._supervisor = asyncio.create_task(self._restart_on_exit())

    async def _restart_on_exit(self) -> None:
        while not self._stopping:
            assert self._process is not None
            code = await self._process.wait()
            if self._stopping:
                return
            log.warning("Rasa exited with %s; restarting in 3 s", code)
            await asyncio.sleep(3)
            await self.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def stop(self) -> None:
        self._stopping = True
        if self._supervisor:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._process and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 15)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()


@contextlib.asynccontextmanager
async def running_rasa(model: Path, port: int, token: str,
                       log_path: Path) -> AsyncIterator[tuple[RasaClient, RasaServer]]:
    """Rasa for the length of a block (evaluation, benchmark, tests)."""
    import aiohttp

    server = RasaServer(model, port, token, log_path)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, f"http://127.0.0.1:{port}", token, 30.0)
            await server.wait_ready(client)
            yield client, server
    finally:
        await server.stop()

"""The Rasa NLU servers this process owns: started on a free loopback port (or handed over
by `./lotse run`), supervised, retired after a grace period, stopped at shutdown.

A URL the registry does not own (an external Rasa, e.g. the tests' session server or one
started by another command) is never stopped: `retire` and `stop` ignore it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

import aiohttp

from bot.nlu.client import RasaClient
from bot.nlu.process import RasaServer
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)
LOG_DIR = PROJECT_ROOT / "var"
READY_TIMEOUT = 300.0


def free_port() -> int:
    """A port free on the loopback interface right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loopback_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def name_of_archive(path: Path | str) -> str:
    """`…/nlu-8e75c6875897.tar.gz` → `nlu-8e75c6875897` (the training fingerprint)."""
    return Path(path).name.removesuffix(".tar.gz")


async def served_model(http: aiohttp.ClientSession, url: str, token: str) -> str | None:
    """The name of the model a Rasa server has loaded (its `/status`), None if it does not
    answer."""
    try:
        async with http.get(f"{url.rstrip('/')}/status", params={"token": token},
                            timeout=aiohttp.ClientTimeout(total=5)) as response:
            if response.status != 200:
                return None
            data = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    found = data.get("model_file") if isinstance(data, dict) else None
    return name_of_archive(found) if isinstance(found, str) and found else None


class NluServers:
    """Registry of owned Rasa servers by URL."""

    def __init__(self, http: aiohttp.ClientSession, token: str, log_dir: Path = LOG_DIR,
                 ready_timeout: float = READY_TIMEOUT) -> None:
        self._http, self._token = http, token
        self._log_dir, self._ready_timeout = log_dir, ready_timeout
        self._owned: dict[str, RasaServer] = {}
        self._retiring: set[asyncio.Task[None]] = set()

    def owns(self, url: str) -> bool:
        return url in self._owned

    def server(self, url: str) -> RasaServer | None:
        return self._owned.get(url)

    def adopt(self, url: str, server: RasaServer) -> None:
        """Take over a server started elsewhere in this process (`./lotse run`)."""
        self._owned[url] = server

    async def start(self, model: Path) -> str:
        """A new server for `model` on a free port, ready and supervised; returns its URL."""
        port = free_port()
        url = loopback_url(port)
        server = RasaServer(model, port, self._token,
                            self._log_dir / f"rasa-{name_of_archive(model)}.log")
        await server.start()
        try:
            client = RasaClient(self._http, url, self._token, 5.0)
            seconds = await server.wait_ready(client, self._ready_timeout)
        except BaseException:
            await server.stop()
            raise
        server.supervise()
        self._owned[url] = server
        log.info("Rasa with %s ready on %s after %.0f s", name_of_archive(model), url, seconds)
        return url

    async def stop(self, url: str) -> None:
        """Stop an owned server now (a candidate that did not go live)."""
        server = self._owned.pop(url, None)
        if server is not None:
            await server.stop()
            log.info("stopped the Rasa server on %s", url)

    def retire(self, url: str, after_seconds: float) -> None:
        """Stop an owned server after a grace period, so that parses already sent to it
        finish. Not owned: nothing happens."""
        if url not in self._owned:
            log.info("not retiring %s: not started by this process", url)
            return
        task = asyncio.create_task(self._stop_later(url, after_seconds))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _stop_later(self, url: str, after_seconds: float) -> None:
        await asyncio.sleep(after_seconds)
        await self.stop(url)

    async def stop_all(self) -> None:
        """At shutdown: every owned server, the retiring ones included."""
        for task in list(self._retiring):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for url in list(self._owned):
            await self.stop(url)

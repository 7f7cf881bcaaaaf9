"""`python -m bot telegram --mode polling|webhook [--external-rasa]`: the app with the
Telegram channel (and the web chat), with Rasa started here unless it already runs."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.nlu.client import RasaClient
from bot.nlu.process import RasaServer
from bot.settings import Settings


@contextlib.asynccontextmanager
async def rasa_for(settings: Settings, config: Path, external: bool) -> AsyncIterator[None]:
    from bot.cli import VAR, say, train

    if external:
        say(f"using the Rasa server on 127.0.0.1:{settings.rasa_port}")
        yield
        return
    model = await asyncio.to_thread(train, settings, config)
    server = RasaServer(model, settings.rasa_port, settings.rasa_token, VAR / "rasa.log")
    say(f"starting Rasa on 127.0.0.1:{settings.rasa_port} (log: {server.log_path}) …")
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, settings.rasa_url, settings.rasa_token, 5)
            seconds = await server.wait_ready(client)
        say(f"Rasa is ready after {seconds:.0f} s")
        server.supervise()
        yield
    finally:
        await server.stop()


async def run_telegram(settings: Settings, config: Path, external_rasa: bool) -> None:
    from bot.cli import say
    from bot.web.app import create_app

    try:
        app = create_app(settings)  # checks the Telegram settings; no I/O yet
    except ValueError as exc:
        say(f"not starting: {exc}")
        raise SystemExit(2) from None
    async with rasa_for(settings, config, external_rasa):
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()
        say(f"Lotse on Telegram ({settings.telegram_mode}); web chat on "
            f"http://{settings.host}:{settings.port}/ — stop with Ctrl-C")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        say("stopping …")
        await runner.cleanup()

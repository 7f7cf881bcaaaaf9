"""One "app process" for the claim race: claims the given conversations as one counsellor,
all starting at the same wall-clock instant, and prints the outcomes as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp
from cryptography.fernet import Fernet

from bot.core.dialogue import Policy
from bot.generation import Builder, Generations, Version
from bot.handoff.bus import open_bus
from bot.handoff.service import Counsellor, Handoffs, Timers
from bot.handoff.store import ContactBook
from bot.i18n import load_translators
from bot.kb.loader import load_knowledge
from bot.settings import PROJECT_ROOT
from bot.storage.db import create_engine, session_factory


async def main(url: str, counsellor: int, start: float, ids: list[int]) -> None:
    translators = load_translators()
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    engine = create_engine(url)
    bus = await open_bus(url)
    async with aiohttp.ClientSession() as http:  # no parsing here: claims only
        builder = Builder(translators, Policy(), 90, http, "", 1.0)
        generations = Generations(builder.from_knowledge(knowledge, Version(0, "")))
        handoffs = Handoffs(session_factory(engine), bus, generations,
                            ContactBook(Fernet.generate_key()), translators,
                            Timers(900, 1800, 3600))
    who = Counsellor(counsellor, "counsellor")
    await asyncio.sleep(max(0.0, start - time.time()))
    results = await asyncio.gather(*(handoffs.claim(i, who) for i in ids))
    print(json.dumps(dict(zip(map(str, ids), results, strict=True))))
    await bus.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                     [int(i) for i in sys.argv[4].split(",")]))

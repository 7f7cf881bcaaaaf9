"""Handoff latency with N conversations in handoff at once, over real HTTP.

Starts the real app with `python -m bot run` (Rasa included; the model is trained if needed)
on a fresh database, creates an admin with `python -m bot admin create`, logs in to the
console like a browser (cookie, CSRF token), opens N web chats (each with its own session
cookie and push stream) that all ask for a person, claims them all, then measures:

- user → console: a web user's message is posted … the console's event stream announces
  the conversation and the transcript fragment it then fetches shows the message;
- counsellor → user: a counsellor's reply is posted in the console … the user's push stream
  delivers it.

    .venvs/app/bin/python -m bench.handoff_latency [--conversations 20] [--rounds 5]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/lotse_bench]

Prints the figures; asserts nothing about them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from bot.settings import PROJECT_ROOT
from tests.conftest import free_port

PASSWORD = "bench-password-123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINE_ID = re.compile(r'data-kind="(message|transition)" data-id="(\d+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{name:<24} n={len(ms):<4} p50 {statistics.median(ms):7.1f} ms   "
          f"p95 {percentile(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms", flush=True)


async def sse_lines(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    data: list[str] = []
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield json.loads("\n".join(data))
            data = []


@contextlib.asynccontextmanager
async def running_app(env: dict[str, str], port: int) -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=PROJECT_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(1800):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/health") as response:
                        if (await response.json()).get("nlu") == "ok":
                            break
                await asyncio.sleep(0.5)
            else:
                raise SystemExit("the app did not become ready")
        yield base
    finally:
        process.terminate()
        await process.wait()


class Console:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.announced: dict[int, asyncio.Event] = {}
        self.seen: dict[int, dict[str, int]] = {}  # per conversation: last ids shown

    async def login(self) -> None:
        page = await (await self.http.get(f"{self.base}/console/login?lang=de")).text()
        self.csrf = CSRF.findall(page)[0]
        await self.http.post(f"{self.base}/console/login", data={
            "username": "bench", "password": PASSWORD, "csrf_token": self.csrf})
        home = await (await self.http.get(f"{self.base}/console/")).text()
        self.csrf = CSRF.findall(home)[0]  # a new session after login: a new token
        await self.post("/console/presence", presence="online")

    async def post(self, path: str, **fields: str) -> int:
        async with self.http.post(f"{self.base}{path}", allow_redirects=False,
                                  data={**fields, "csrf_token": self.csrf}) as response:
            return response.status

    async def listen(self) -> None:
        async with self.http.get(f"{self.base}/console/events", timeout=aiohttp.ClientTimeout(
                total=None, sock_read=None)) as response:
            async for event in sse_lines(response):
                if event.get("kind") == "conversation":
                    self.announced.setdefault(event["id"], asyncio.Event()).set()

    async def shows(self, conversation: int, text: str) -> None:
        """Wait for the conversation's event, then fetch what is new in its transcript, as
        the conversation page does (after the last message and transition it shows)."""
        seen = self.seen.setdefault(conversation, {"message": 0, "transition": 0})
        while True:
            flag = self.announced.setdefault(conversation, asyncio.Event())
            await flag.wait()
            flag.clear()
            url = (f"{self.base}/console/conversations/{conversation}/transcript"
                   f"?after={seen['message']}&after_transition={seen['transition']}")
            async with self.http.get(url) as response:
                fragment = await response.text()
            for kind, number in LINE_ID.findall(fragment):
                seen[kind] = max(seen[kind], int(number))
            if text in fragment:
                return


class WebUser:
    def __init__(self, base: str, number: int) -> None:
        self.base, self.number = base, number
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.pushed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def say(self, message: str) -> list[dict[str, Any]]:
        async with self.http.post(f"{self.base}/webhooks/rest/webhook",
                                  json={"message": message}) as response:
            data: list[dict[str, Any]] = await response.json()
            return data

    async def listen(self) -> None:
        async with self.http.get(f"{self.base}/chat/events?after=0", timeout=aiohttp.ClientTimeout(
                total=None, sock_read=None)) as response:
            async for event in sse_lines(response):
                await self.pushed.put(event)

    async def receives(self, text: str) -> None:
        while (await self.pushed.get())["text"] != text:
            pass


async def conversation_ids(console: Console, count: int) -> list[int]:
    page = await (await console.http.get(f"{console.base}/console/")).text()
    ids = sorted({int(i) for i in re.findall(r"/console/conversations/(\d+)", page)})
    assert len(ids) == count, f"{len(ids)} conversations in the queue, expected {count}"
    return ids


async def user_message(console: Console, user: WebUser, conversation: int, round_: int,
                       ) -> float:
    text = f"Frage {round_}-{user.number}"
    start = time.perf_counter()
    sending = asyncio.create_task(user.say(text))
    await console.shows(conversation, text)  # until the console shows it …
    elapsed = time.perf_counter() - start
    await sending  # … not until the app has also answered the request
    return elapsed


async def counsellor_reply(console: Console, user: WebUser, conversation: int, round_: int,
                           ) -> float:
    text = f"Antwort {round_}-{user.number}"
    start = time.perf_counter()
    sending = asyncio.create_task(
        console.post(f"/console/conversations/{conversation}/reply", text=text))
    await user.receives(text)
    elapsed = time.perf_counter() - start
    await sending
    return elapsed


async def measure(base: str, count: int, rounds: int) -> None:
    console = Console(base)
    await console.login()
    tasks = [asyncio.create_task(console.listen())]
    users = [WebUser(base, n) for n in range(count)]
    for user in users:
        await user.http.get(f"{base}/?lang=de")
        await user.say("/human_handoff")
        tasks.append(asyncio.create_task(user.listen()))
    ids = await conversation_ids(console, count)
    for conversation in ids:  # the queue lists them oldest first, as the users asked
        assert await console.post(f"/console/conversations/{conversation}/claim") == 303
    await asyncio.sleep(1)
    to_console: list[float] = []
    to_user: list[float] = []
    for round_ in range(rounds + 1):  # round 0 warms up (first parses, connections)
        pairs = list(zip(users, ids, strict=True))
        shown = await asyncio.gather(*(user_message(console, u, c, round_) for u, c in pairs))
        received = await asyncio.gather(*(counsellor_reply(console, u, c, round_)
                                          for u, c in pairs))
        if round_:
            to_console += shown
            to_user += received
    print(f"{count} conversations in handoff at once, {rounds} rounds of one message each "
          "way per conversation, all conversations at the same time:")
    report("user → console", to_console)
    report("counsellor → user", to_user)
    for task in tasks:
        task.cancel()
    for session in [console.http, *(u.http for u in users)]:
        await session.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    database = args.database_url or f"sqlite+aiosqlite:///{folder / 'lotse.db'}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "LOTSE_PORT": str(port),
           "LOTSE_RASA_PORT": str(free_port()), "LOTSE_LOG_LEVEL": "WARNING",
           "LOTSE_ADMIN_PASSWORD": PASSWORD}
    admin = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "admin", "create", "--username", "bench",
        "--display-name", "Bench", cwd=PROJECT_ROOT, env=env)
    assert await admin.wait() == 0
    print(f"database: {database.split(':')[0]}, app on 127.0.0.1:{port}", flush=True)
    async with running_app(env, port) as base:
        await measure(base, args.conversations, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())

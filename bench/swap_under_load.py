"""A publish under load: requests, failures and latency before, during and after the swap.

Starts the real app with `python -m bot run` on a fresh SQLite database and a temporary
models folder (the project's current model is copied in, so the app starts without a
training, and its Rasa is owned by the app), adds a new FAQ with examples in de/en/ar to the
live documents, logs in to the console as an admin, presses Publish and keeps N web users
chatting (messages from the held-out test set, topic questions only) until the old Rasa
server has been retired. Then asks the new FAQ once.

    .venvs/app/bin/python -m bench.swap_under_load [--senders 6] [--grace 10] [--rasa-cache]

Prints the figures; asserts nothing. `tests/curation/test_publish.py` uses the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.types import TOPICS
from bot.curation.documents import SYSTEM, Change, documents, save
from bot.nlu.evaluate import Example, load_examples
from bot.settings import PROJECT_ROOT

NEW_FAQ = "housing/bulky_waste"
FAQ_FILE, NLU_FILE = "knowledge/common/faq/housing.yml", "nlu/data/housing.yml"
ANSWERS = {
    "de": "Alte Möbel und große Dinge (Sperrmüll) gehören nicht in die normale Mülltonne. "
          "Meist melden Sie Sperrmüll bei der Abfallentsorgung Ihrer Stadt an und er wird an "
          "einem Termin abgeholt, oder Sie bringen ihn zu einem Wertstoffhof. Fragen Sie bei "
          "Ihrer Stadt, wie es dort geht und ob es etwas kostet.",
    "en": "Old furniture and other large items (Sperrmüll) do not go into the normal bin. "
          "Usually you register bulky waste with your city's waste service and it is "
          "collected on an agreed day, or you take it to a recycling centre. Ask your city "
          "how it works there and whether it costs anything.",
    "ar": "الأثاث القديم والأغراض الكبيرة (Sperrmüll) لا توضع في حاوية القمامة العادية. في "
          "الغالب تسجّلها لدى خدمة النفايات في مدينتك فتُجمع في موعد متفق عليه، أو تأخذها "
          "بنفسك إلى مركز إعادة التدوير. اسأل مدينتك كيف يتم ذلك عندها وهل له تكلفة.",
}
SOURCES = ("https://www.duesseldorf.de/", "https://www.leipzig.de/")  # in sources.yml
EXAMPLES = {
    "de": ["wie werde ich meinen alten schrank los", "wohin mit dem alten sofa",
           "sperrmüll anmelden wie geht das", "wer holt alte möbel ab",
           "ich will eine alte matratze wegwerfen", "sperrmüll abholung termin",
           "alte möbel entsorgen", "wo kann ich sperrmüll hinbringen",
           "kostet die sperrmüllabholung etwas", "kaputtes bett entsorgen wie",
           "wertstoffhof für große sachen", "mein alter kühlschrank muss weg"],
    "en": ["how do i get rid of my old wardrobe", "where can i throw away an old sofa",
           "how to book bulky waste collection", "who picks up old furniture",
           "i want to dispose of an old mattress", "bulky waste pickup appointment",
           "dispose of old furniture", "where do i take large rubbish",
           "does bulky waste collection cost money", "broken bed how to throw it away",
           "recycling centre for big items", "my old fridge has to go"],
    "ar": ["كيف أتخلص من خزانة قديمة", "وين أرمي الكنبة القديمة",
           "كيف أطلب جمع الأثاث القديم Sperrmüll", "مين بياخد الأثاث القديم",
           "بدي ارمي فرشة قديمة", "موعد لأخذ الأغراض الكبيرة", "التخلص من الأثاث القديم",
           "وين بوديلي الأغراض الكبيرة المستعملة", "هل جمع الأثاث القديم بكلف مصاري",
           "سرير مكسور كيف أتخلص منه", "مركز إعادة التدوير للأغراض الكبيرة",
           "البراد القديم لازم يطلع من البيت"],
}
NEW_QUESTION = ("de", "sperrmüll anmelden wie geht das")


def faq_record() -> str:
    answers = "".join(f'      {lang}: "{text}"\n' for lang, text in ANSWERS.items())
    sources = "".join(f'      - "{url}"\n' for url in SOURCES)
    return (f"\n  - key: {NEW_FAQ.split('/')[1]}\n    office: migration_counselling\n"
            f"    answer:\n{answers}    source:\n{sources}    verified: false\n")


def nlu_blocks() -> str:
    return "".join(f"- intent: {NEW_FAQ}\n  metadata:\n    language: {lang}\n  examples: |\n"
                   + "".join(f"    - {text}\n" for text in texts)
                   for lang, texts in EXAMPLES.items())


async def add_new_faq(session: AsyncSession) -> int:
    """The new FAQ and its training examples, saved to the live documents (not committed)."""
    docs = await documents(session)
    changed = {FAQ_FILE: docs[FAQ_FILE].rstrip("\n") + "\n" + faq_record(),
               NLU_FILE: docs[NLU_FILE].rstrip("\n") + "\n" + nlu_blocks()}
    return await save(session, changed, Change("create", f"faq {NEW_FAQ}"), SYSTEM)


def held_out_topics(nlu_dir: Path = PROJECT_ROOT / "nlu") -> list[Example]:
    """Topic questions of the held-out set (no greetings, handoff or emergencies: those
    would take a sender out of the bot's hands)."""
    return [e for e in load_examples(nlu_dir / "test")
            if e.language in EXAMPLES and e.top_level in TOPICS]


@dataclass
class Sent:
    at: float  # time.monotonic() when sent
    seconds: float
    failure: str  # "" when answered; else the HTTP status, "unavailable" or the error


@dataclass
class Load:
    """N web users posting held-out messages (a new chat session every 10 messages)."""

    base: str
    examples: list[Example]
    senders: int = 6
    sent: list[Sent] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(self._sender(n, stop)) for n in range(self.senders)]
        self.mark("start")
        try:
            yield self
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            self.mark("end")

    async def _sender(self, number: int, stop: asyncio.Event) -> None:
        rng = random.Random(number)
        while not stop.is_set():
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                for _ in range(10):
                    if stop.is_set():
                        return
                    self.sent.append(await self._one(http, rng.choice(self.examples), number))
                    await asyncio.sleep(rng.uniform(0.2, 0.8))  # a pause between messages

    async def _one(self, http: aiohttp.ClientSession, example: Example, number: int) -> Sent:
        started = time.monotonic()
        body = {"sender": f"load-{number}", "message": example.text,
                "metadata": {"language": example.language}}
        try:
            async with http.post(f"{self.base}/webhooks/rest/webhook", json=body,
                                 timeout=aiohttp.ClientTimeout(total=60)) as response:
                replies = await response.json() if response.status == 200 else []
                failure = "" if response.status == 200 else f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            replies, failure = [], type(exc).__name__
        if any((r.get("custom") or {}).get("kind") == "unavailable" for r in replies):
            failure = "unavailable"
        return Sent(started, time.monotonic() - started, failure)

    def failures(self) -> list[Sent]:
        return [s for s in self.sent if s.failure]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(load: Load, grace: float) -> list[str]:
    """Requests, failures and latency p50/p95 before the publish, while it trains and
    evaluates, around the swap (2 s before it until the old server may stop) and after."""
    marks = load.marks
    publish, swap = marks.get("publish", marks["end"]), marks.get("swap", marks["end"])
    phases = (("before", marks["start"], publish), ("publishing", publish, swap - 2),
              ("swap", swap - 2, swap + grace), ("after", swap + grace, marks["end"] + 1))
    lines = [f"{len(load.sent)} requests from {load.senders} senders, "
             f"{len(load.failures())} failed"]
    for name, begin, end in phases:
        group = [s for s in load.sent if begin <= s.at < end]
        if not group:
            continue
        ms = [s.seconds * 1000 for s in group]
        lines.append(f"  {name:10} {len(group):5} requests  {sum(bool(s.failure) for s in group)}"
                     f" failed  p50 {statistics.median(ms):7.1f} ms  p95 "
                     f"{_percentile(ms, 0.95):7.1f} ms  ({end - begin:5.0f} s)")
    return lines


# --- the script: the real app in its own process -------------------------------------------


def current_model() -> Path:
    """The project's model of the repository's files (`./lotse train` makes it)."""
    from bot.curation.documents import Tree, read_tree
    from bot.curation.publish import CONFIG, candidate_name

    name = candidate_name(read_tree(Tree.under(PROJECT_ROOT)), CONFIG)
    model = PROJECT_ROOT / "models" / f"{name}.tar.gz"
    if not model.exists():
        raise SystemExit(f"{model.name} is missing: run ./lotse train first")
    return model


async def newest_row(database: str) -> tuple[str, dict[str, Any]]:
    from sqlalchemy import select

    from bot.storage.curation_models import NluModel
    from bot.storage.db import create_engine, session_factory

    engine = create_engine(database)
    try:
        async with session_factory(engine)() as session:
            row = (await session.scalars(select(NluModel).order_by(NluModel.id.desc()))).first()
            return (row.status, dict(row.report or {})) if row else ("none", {})
    finally:
        await engine.dispose()


async def publish_and_wait(console: Any, database: str, load: Load) -> tuple[str, dict[str, Any]]:
    load.mark("publish")
    status = await console.post("/console/publish")
    if status != 303:
        raise SystemExit(f"the console refused the publish: HTTP {status}")
    while True:
        state, report = await newest_row(database)
        if state == "live" and "swap" not in load.marks:
            load.mark("swap")
        if state in ("live", "blocked", "failed"):
            return state, report
        await asyncio.sleep(0.2)


async def add_faq_to(database: str) -> None:
    from bot.storage.db import create_engine, session_factory

    engine = create_engine(database)
    async with session_factory(engine)() as session:
        await add_new_faq(session)
        await session.commit()
    await engine.dispose()


async def still_answers(port: int) -> bool:
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}/", timeout=aiohttp.ClientTimeout(total=3)) as response:
            return response.status == 200
    return False


async def measure(env: dict[str, str], port: int, senders: int, grace: float) -> None:
    from bench.handoff_latency import Console, running_app

    database = env["DATABASE_URL"]
    async with running_app(env, port) as base:
        await add_faq_to(database)
        console = Console(base)
        await console.login()
        load = Load(base, held_out_topics(), senders)
        async with load.running():
            await asyncio.sleep(20)
            state, report = await publish_and_wait(console, database, load)
            await asyncio.sleep(grace + 15)
        async with aiohttp.ClientSession() as http, http.post(
                f"{base}/webhooks/rest/webhook", json={"message": NEW_QUESTION[1]}) as response:
            refs = [(r.get("custom") or {}).get("ref") for r in await response.json()]
        old_alive = await still_answers(int(env["LOTSE_RASA_PORT"]))
        await console.http.close()
    seconds = report.get("seconds", {})
    print(f"publish: {state}; training {seconds.get('training', 0):.0f} s, evaluation "
          f"{seconds.get('evaluation', 0):.0f} s; gate: {(report.get('gate') or {}).get('reason')}")
    print("\n".join(summary(load, grace)))
    print(f"after the swap: the new FAQ answered: {NEW_FAQ in refs}; the old Rasa server "
          f"still running after the grace period: {old_alive}")


async def main() -> None:
    from bot.nlu.servers import free_port

    parser = argparse.ArgumentParser()
    parser.add_argument("--senders", type=int, default=6)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--rasa-cache", action="store_true",
                        help="let the training use Rasa's cache (.rasa/cache): components "
                             "trained before on the same data are not trained again")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    (folder / "models").mkdir()
    shutil.copy2(current_model(), folder / "models")
    port, timeout = free_port(), 5.0
    grace = max(args.grace, timeout + 2)  # the app's floor: Rasa timeout + 2 polls
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'lotse.db'}",
           "LOTSE_PORT": str(port), "LOTSE_RASA_PORT": str(free_port()),
           "LOTSE_MODELS_DIR": str(folder / "models"), "LOTSE_LOG_LEVEL": "WARNING",
           "LOTSE_SWAP_GRACE_SECONDS": str(grace), "LOTSE_RASA_TIMEOUT_SECONDS": str(timeout),
           "LOTSE_ADMIN_PASSWORD": "bench-password-123"}
    if not args.rasa_cache:  # a full training, as after a real change
        env["RASA_CACHE_DIRECTORY"] = str(folder / "rasa-cache")
    admin = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "admin", "create", "--username", "bench",
        "--display-name", "Bench", cwd=PROJECT_ROOT, env=env)
    assert await admin.wait() == 0
    print(f"app on 127.0.0.1:{port}, {args.senders} senders, models in {folder}", flush=True)
    started = time.monotonic()
    await measure(env, port, args.senders, grace)
    print(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())

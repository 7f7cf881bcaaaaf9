"""Two counsellors claiming the same waiting conversations at the same moment, from two
separate app processes on one PostgreSQL (and on SQLite): exactly one gets each."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from sqlalchemy import func, select

from bot.settings import PROJECT_ROOT
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.handoff_models import ConsoleUser, HandoffTransition
from bot.storage.models import Conversation, User

CONVERSATIONS = 25


async def waiting_conversations(url: str) -> tuple[list[int], list[int]]:
    await upgrade(url)
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        counsellors = [ConsoleUser(username=n, display_name=n, role="counsellor", active=True,
                                   language="de", presence="online", failed_logins=0)
                       for n in ("amal", "jonas")]
        users = [User(channel="web", pseudonym=f"p{i}", language="de", city="duesseldorf")
                 for i in range(CONVERSATIONS)]
        session.add_all([*counsellors, *users])
        await session.flush()
        conversations = [Conversation(user_id=u.id, state={}, status="waiting") for u in users]
        session.add_all(conversations)
        await session.commit()
        ids = [c.id for c in conversations], [c.id for c in counsellors]
    await engine.dispose()
    return ids


async def claim_in_process(url: str, counsellor: int, start: float,
                           ids: list[int]) -> dict[str, str | None]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.handoff.claimer", url, str(counsellor), str(start),
        ",".join(map(str, ids)), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE)
    out, _err = await process.communicate()
    assert process.returncode == 0
    result: dict[str, str | None] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_two_processes_claim_at_once_exactly_one_wins(database: str) -> None:
    ids, (amal, jonas) = await waiting_conversations(database)
    start = time.time() + 4  # both processes are up and waiting for the same instant
    first, second = await asyncio.gather(claim_in_process(database, amal, start, ids),
                                         claim_in_process(database, jonas, start, ids))
    for conversation in map(str, ids):
        outcomes = sorted([first[conversation] or "won", second[conversation] or "won"])
        assert outcomes == ["already_claimed", "won"], (conversation, outcomes)
    engine = create_engine(database)
    async with session_factory(engine)() as session:
        rows = list(await session.execute(select(Conversation.id, Conversation.assignee_id)))
        claims = await session.scalar(select(func.count()).select_from(HandoffTransition))
    await engine.dispose()
    winners = {str(i): amal if first[str(i)] is None else jonas for i in ids}
    assert {str(i): a for i, a in rows} == winners  # the stored assignee is the winner
    assert claims == CONVERSATIONS  # one transition per conversation, none for the loser
    print(f"{database.split(':')[0]}: amal won {sum(w == amal for w in winners.values())}, "
          f"jonas {sum(w == jonas for w in winners.values())} of {CONVERSATIONS}")

"""`./lotse knowledge export|import`: the live knowledge (database) and the repository's
files. Export writes the live copy back to `knowledge/` and `nlu/data/` so that every staff
change can be reviewed in git; import replaces the live copy with the files (after a
reviewed change in git), as one audited change."""

from __future__ import annotations

import asyncio

from bot.curation.documents import Actor, Tree, documents, export_tree, import_tree, seed_if_empty
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory, upgrade

COMMAND_LINE = Actor(None, "command line")


async def knowledge_command(settings: Settings, action: str) -> list[str]:
    """Runs the migrations, seeds an empty database, then exports or imports; returns the
    paths that changed."""
    tree = Tree(settings.knowledge_dir, settings.nlu_dir / "data")
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            await seed_if_empty(session, tree)
            if action == "export":
                changed = export_tree(await documents(session), tree)
            else:
                changed = await import_tree(session, tree, COMMAND_LINE)
            await session.commit()
        return changed
    finally:
        await engine.dispose()


def run_knowledge(settings: Settings, action: str | None) -> int:
    if action not in ("export", "import"):
        print("[lotse] usage: ./lotse knowledge export|import")
        return 2
    changed = asyncio.run(knowledge_command(settings, action))
    verb = "wrote" if action == "export" else "took into the live knowledge"
    for path in changed:
        print(f"[lotse] {verb} {path}")
    print(f"[lotse] {action}: {len(changed)} file(s) changed")
    return 0

"""The live knowledge: the files of `knowledge/` and `nlu/data/` as rows of
`knowledge_documents`, seeded from the repository, exported back byte for byte.

Every change goes through `save`, which writes the changed documents and one audit row
(`knowledge_changes`) in the caller's transaction; the audit row's id is the new revision.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.storage.curation_models import KnowledgeChange, KnowledgeDocument
from bot.storage.models import utcnow

KNOWLEDGE, NLU_DATA = "knowledge", "nlu/data"  # the database's paths, as in the repository
SUFFIXES = (".yml", ".csv", ".md")
Documents = dict[str, str]  # relative path -> text


@dataclass(frozen=True)
class Actor:
    """Who changes the knowledge: a console user, or a command (`id` None)."""

    id: int | None
    name: str


SYSTEM = Actor(None, "system")


@dataclass(frozen=True)
class Change:
    """One audited change: what, which field, the value before and after."""

    kind: str
    target: str
    field: str = ""
    path: str = ""
    old: Any = None
    new: Any = None
    reverts: int | None = None


@dataclass(frozen=True)
class Tree:
    """Where the files live: the repository's `knowledge/` and `nlu/data/` (or a copy)."""

    knowledge: Path
    nlu_data: Path

    @classmethod
    def under(cls, root: Path) -> Tree:
        return cls(root / KNOWLEDGE, root / NLU_DATA)

    def folders(self) -> tuple[tuple[str, Path], ...]:
        return ((KNOWLEDGE, self.knowledge), (NLU_DATA, self.nlu_data))

    def file_of(self, path: str) -> Path:
        for prefix, folder in self.folders():
            if path.startswith(prefix + "/"):
                return folder / path.removeprefix(prefix + "/")
        raise ValueError(f"'{path}' is not a knowledge or NLU document")


def read_tree(tree: Tree) -> Documents:
    """The seedable files of `tree`, by their path in the repository."""
    docs: Documents = {}
    for prefix, folder in tree.folders():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                name = f"{prefix}/{path.relative_to(folder).as_posix()}"
                docs[name] = path.read_bytes().decode("utf-8")
    return docs


async def live_revision(session: AsyncSession) -> int:
    """The newest revision (0: nothing seeded yet)."""
    return int(await session.scalar(select(func.max(KnowledgeChange.id))) or 0)


async def documents(session: AsyncSession) -> Documents:
    rows = await session.scalars(select(KnowledgeDocument).order_by(KnowledgeDocument.path))
    return {row.path: row.text for row in rows}


async def save(session: AsyncSession, changed: Documents, change: Change, actor: Actor) -> int:
    """Write the changed documents and the audit row; returns the new revision. The caller
    commits (a failed commit leaves both unwritten)."""
    row = KnowledgeChange(actor_id=actor.id, actor_name=actor.name, kind=change.kind,
                          target=change.target, field=change.field, path=change.path,
                          old_value=change.old, new_value=change.new, reverts_id=change.reverts)
    session.add(row)
    await session.flush()
    now = utcnow()
    for path, text in changed.items():
        document = await session.get(KnowledgeDocument, path)
        if document is None:
            session.add(KnowledgeDocument(path=path, text=text, revision=row.id, updated_at=now))
        else:
            document.text, document.revision, document.updated_at = text, row.id, now
    return row.id


async def seed_if_empty(session: AsyncSession, tree: Tree) -> bool:
    """First start: copy the repository's files into the database. True if it did."""
    if await session.scalar(select(func.count()).select_from(KnowledgeDocument)):
        return False
    await save(session, read_tree(tree), Change("seed", "knowledge"), SYSTEM)
    return True


async def import_tree(session: AsyncSession, tree: Tree, actor: Actor) -> list[str]:
    """Replace the live copy with the repository's files (after a reviewed git change).
    Returns the paths that differed; documents not in the tree are removed."""
    files, live = read_tree(tree), await documents(session)
    differing = sorted(p for p in files.keys() | live.keys() if files.get(p) != live.get(p))
    if not differing:
        return []
    await save(session, {p: files[p] for p in differing if p in files},
               Change("import", "knowledge", field=", ".join(differing)[:120]), actor)
    for path in (p for p in differing if p not in files):
        document = await session.get(KnowledgeDocument, path)
        if document is not None:
            await session.delete(document)
    return differing


def export_tree(docs: Documents, tree: Tree) -> list[str]:
    """Write the live copy back to the repository; returns the paths it changed."""
    written = []
    for path, text in docs.items():
        target = tree.file_of(path)
        if target.exists() and target.read_bytes() == text.encode("utf-8"):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


@contextmanager
def materialized(docs: Documents) -> Iterator[Path]:
    """The documents as a folder tree (what the loader and `rasa train` read)."""
    with tempfile.TemporaryDirectory(prefix="lotse-knowledge-") as folder:
        root = Path(folder)
        export_tree(docs, Tree.under(root))
        yield root


def load_documents(docs: Documents) -> Knowledge:
    """Validate and load the knowledge held in `docs`; raises KnowledgeError, whose path is
    relative to the repository (`knowledge/common/faq/…`)."""
    from bot.kb.source import KnowledgeError

    with materialized(docs) as root:
        try:
            return load_knowledge(root / KNOWLEDGE)
        except KnowledgeError as exc:
            relative = _relative(exc.path, root)
            raise KnowledgeError(relative, exc.line, exc.field, exc.problem) from None


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path

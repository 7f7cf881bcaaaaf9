"""Staff's changes to the live knowledge: edit fields of a record, mark it verified, set an
FAQ's training examples, create an FAQ, revert a change. Each is validated with the same
loader the app uses before it is saved (a broken value is refused with the field), and
each is one audited change (`knowledge_changes`) with the previous value."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.curation import nlu_blocks, yamledit
from bot.curation.documents import Actor, Change, Documents, documents, load_documents, save
from bot.curation.records import RecordRef, editable, locate
from bot.kb.model import Knowledge
from bot.kb.source import KnowledgeError
from bot.storage.curation_models import KnowledgeChange

Values = dict[yamledit.Path_, Any]  # field -> new value (None: remove the field)


class Refused(ValueError):
    """A change staff cannot make; `field` names the form field it is about ("" : general)."""

    def __init__(self, problem: str, field: str = "", where: str = "") -> None:
        super().__init__(problem)
        self.problem, self.field, self.where = problem, field, where


@dataclass(frozen=True)
class Saved:
    revision: int  # 0: nothing changed
    knowledge: Knowledge | None = None  # the validated knowledge after the change


def dotted(field: yamledit.Path_) -> str:
    return ".".join(field)


async def validated(docs: Documents) -> Knowledge:
    try:
        return await asyncio.to_thread(load_documents, docs)
    except KnowledgeError as exc:
        raise Refused(exc.problem, exc.field, f"{exc.path}:{exc.line}") from None


async def edit(session: AsyncSession, ref: RecordRef, values: Values, actor: Actor, *,
               kind: str = "edit", reverts: int | None = None) -> Saved:
    """Write `values` into the record; refuses fields outside the allow-list."""
    docs = await documents(session)
    document, record = _record(docs, ref)
    cities = [p.split("/")[1] for p in docs if p.endswith("/city.yml")]
    old: dict[str, Any] = {}
    for field, value in values.items():
        if not editable(ref, field, cities):
            raise Refused(f"'{dotted(field)}' cannot be edited here", dotted(field))
        before = yamledit.get(record, field)
        old[dotted(field)] = None if before is yamledit.MISSING else yamledit.plain(before)
        yamledit.put(record, field, yamledit.MISSING if value is None else value)
    text = yamledit.dump(document)
    if text == docs[ref.path]:
        return Saved(0)
    knowledge = await validated({**docs, ref.path: text})
    new = {dotted(f): v for f, v in values.items()}
    change = Change(kind, ref.label, ", ".join(new)[:120], ref.path, old, new, reverts)
    return Saved(await save(session, {ref.path: text}, change, actor), knowledge)


async def verify(session: AsyncSession, ref: RecordRef, actor: Actor,
                 today: dt.date | None = None) -> Saved:
    """A person confirmed the record: verified, and who and when."""
    on = (today or dt.date.today()).isoformat()
    return await edit(session, ref, {("verified",): True,
                                     ("confirmed",): {"date": on, "by": actor.name}},
                      actor, kind="verify")


async def set_examples(session: AsyncSession, intent: str, language: str,
                       examples: list[str], actor: Actor) -> Saved:
    """Replace an intent's training examples in one language (takes effect on publish)."""
    docs = await documents(session)
    before = nlu_blocks.examples_of(docs, intent).get(language, [])
    try:
        path, text = nlu_blocks.set_examples(docs, intent, language, examples)
    except ValueError as exc:
        raise Refused(str(exc), f"examples.{language}") from None
    if text == docs.get(path):
        return Saved(0)
    change = Change("examples", f"intent {intent}", f"examples.{language}", path,
                    {f"examples.{language}": before}, {f"examples.{language}": examples})
    return Saved(await save(session, {path: text}, change, actor))


async def create_faq(session: AsyncSession, topic: str, record: dict[str, Any],
                     examples: dict[str, list[str]], actor: Actor) -> Saved:
    """A new FAQ (answers, office, sources) and its training examples, in one change."""
    ref = RecordRef("faq", f"{topic}/{record.get('key', '')}")
    docs = await documents(session)
    document = yamledit.load(docs[ref.path])
    if locate(document, ref) is not None:
        raise Refused(f"the FAQ '{ref.id}' exists already", "key")
    new = yamledit.styled(record)
    new["key"] = str(record.get("key", ""))  # keys are written plain, like the others
    document["faqs"].append(new)
    changed = {ref.path: yamledit.dump(document)}
    for language, lines in examples.items():
        path, text = nlu_blocks.set_examples({**docs, **changed}, ref.id, language, lines)
        changed[path] = text
    knowledge = await validated({**docs, **changed})
    change = Change("create", ref.label, "", ref.path, None,
                    {"record": record, "examples": examples})
    return Saved(await save(session, changed, change, actor), knowledge)


async def revert(session: AsyncSession, change_id: int, actor: Actor) -> Saved:
    """Undo one change: its previous values written back, as a new audited change."""
    row = await session.get(KnowledgeChange, change_id)
    if row is None or row.kind not in ("edit", "verify", "revert", "examples", "create") \
            or row.new_value is None:
        raise Refused("this change cannot be reverted")
    if row.target.startswith("intent "):
        (key, before), = dict(row.old_value).items()
        saved = await set_examples(session, row.target.removeprefix("intent "),
                                   key.removeprefix("examples."), list(before), actor)
        return await _mark_revert(session, saved, row.id)
    if row.kind == "create":
        return await _remove_created(session, row, actor)
    ref = RecordRef.parse(row.target)
    docs = await documents(session)
    _document, record = _record(docs, ref)
    for field, value in dict(row.new_value).items():  # changed again since? then refuse
        now = yamledit.get(record, tuple(field.split(".")))
        now = None if now is yamledit.MISSING else yamledit.plain(now)
        if now != value:
            raise Refused(f"'{field}' was changed again after this change; revert that first")
    values = {tuple(k.split(".")): v for k, v in dict(row.old_value).items()}
    return await edit(session, ref, values, actor, kind="revert", reverts=row.id)


async def _remove_created(session: AsyncSession, row: KnowledgeChange, actor: Actor) -> Saved:
    ref = RecordRef.parse(row.target)
    docs = await documents(session)
    document, record = _record(docs, ref)
    document["faqs"].remove(record)
    changed = {ref.path: yamledit.dump(document)}
    path, text = nlu_blocks.remove_intent({**docs, **changed}, ref.id)
    changed[path] = text
    knowledge = await validated({**docs, **changed})
    change = Change("revert", ref.label, "", ref.path, row.new_value, None, row.id)
    return Saved(await save(session, changed, change, actor), knowledge)


async def _mark_revert(session: AsyncSession, saved: Saved, reverts: int) -> Saved:
    if saved.revision:
        row = await session.get_one(KnowledgeChange, saved.revision)
        row.kind, row.reverts_id = "revert", reverts
    return saved


def _record(docs: Documents, ref: RecordRef) -> tuple[Any, Any]:
    if ref.path not in docs:
        raise Refused(f"there is no file for {ref.label}")
    document = yamledit.load(docs[ref.path])
    record = locate(document, ref)
    if record is None:
        raise Refused(f"{ref.label} is not in the knowledge")
    return document, record


def current_values(docs: Documents, ref: RecordRef) -> dict[str, Any]:
    """The record's fields as written in its file (for the edit form), by dotted name."""
    _document, record = _record(docs, ref)
    values = yamledit.plain(record)
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and key != "confirmed":
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    flat.update({f"{key}.{sub}.{k}": v for k, v in inner.items()})
                else:
                    flat[f"{key}.{sub}"] = inner
        else:
            flat[key] = value
    return flat

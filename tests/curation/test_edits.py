"""The live knowledge in the database: seed then export is byte-identical; staff edits are
validated, audited with the previous value, and revertible. Real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.curation import edits
from bot.curation.documents import (
    Actor,
    Tree,
    documents,
    export_tree,
    live_revision,
    load_documents,
    read_tree,
    seed_if_empty,
)
from bot.curation.nlu_blocks import examples_of
from bot.curation.records import RecordRef
from bot.curation.yamledit import dump, load
from bot.settings import PROJECT_ROOT
from bot.storage.curation_models import KnowledgeChange
from bot.storage.db import create_engine, session_factory, upgrade

REPO = Tree.under(PROJECT_ROOT)
ANNA = Actor(None, "Anna Staff")
REGISTRATION = RecordRef("faq", "registration/register_address")


@pytest.fixture
async def session(database: str) -> AsyncIterator[AsyncSession]:
    await upgrade(database)
    engine = create_engine(database)
    async with session_factory(engine)() as session:
        assert await seed_if_empty(session, REPO)
        await session.commit()
        yield session
    await engine.dispose()


def test_every_knowledge_file_round_trips_through_the_yaml_editor() -> None:
    for path, text in read_tree(REPO).items():
        if path.startswith("knowledge/") and path.endswith(".yml"):
            assert dump(load(text)) == text, path


async def test_seed_then_export_leaves_the_files_byte_identical(
        session: AsyncSession, tmp_path: Path) -> None:
    assert not await seed_if_empty(session, REPO)  # only the first start seeds
    copy = Tree.under(tmp_path)
    written = export_tree(await documents(session), copy)
    assert len(written) == len(read_tree(REPO)) > 30
    for path in written:
        assert copy.file_of(path).read_bytes() == REPO.file_of(path).read_bytes(), path
    assert export_tree(await documents(session), copy) == []  # nothing left to write


async def test_an_edit_changes_one_field_and_is_audited_with_the_previous_value(
        session: AsyncSession) -> None:
    before = await documents(session)
    old = load_documents(before).faqs[REGISTRATION.id].answer["ar"]
    saved = await edits.edit(session, REGISTRATION, {("answer", "ar"): "جواب جديد"}, ANNA)
    await session.commit()
    after = await documents(session)
    assert saved.revision == await live_revision(session) > 1
    changed = [p for p in after if after[p] != before[p]]
    assert changed == [REGISTRATION.path]
    diff = [(a, b) for a, b in zip(before[REGISTRATION.path].splitlines(),
                                   after[REGISTRATION.path].splitlines(), strict=True) if a != b]
    assert diff == [(f'      ar: "{old}"', '      ar: "جواب جديد"')]
    row = await session.get_one(KnowledgeChange, saved.revision)
    assert (row.kind, row.target, row.actor_name) == ("edit", "faq registration/register_address",
                                                      "Anna Staff")
    assert row.old_value == {"answer.ar": old} and row.new_value == {"answer.ar": "جواب جديد"}


async def test_a_broken_value_is_refused_with_its_field_and_nothing_is_saved(
        session: AsyncSession) -> None:
    revision = await live_revision(session)
    with pytest.raises(edits.Refused) as refused:
        await edits.edit(session, REGISTRATION, {("office",): "no_such_office"}, ANNA)
    assert refused.value.field == "office" and "no_such_office" in refused.value.problem
    assert refused.value.where.startswith("knowledge/common/faq/registration.yml:")
    with pytest.raises(edits.Refused):
        await edits.edit(session, REGISTRATION, {("answer", "de"): "x" * 901}, ANNA)
    with pytest.raises(edits.Refused):  # outside the allow-list
        await edits.edit(session, REGISTRATION, {("key",): "other"}, ANNA)
    await session.commit()
    assert await live_revision(session) == revision


async def test_verify_records_who_and_when_and_revert_restores_it(
        session: AsyncSession) -> None:
    office = RecordRef("office", "registration_office", "leipzig")
    saved = await edits.verify(session, office, ANNA)
    await session.commit()
    record = load_documents(await documents(session)).cities["leipzig"].offices[office.id]
    assert record.provenance.verified and record.provenance.confirmed is not None
    assert record.provenance.confirmed.by == "Anna Staff"
    await edits.revert(session, saved.revision, ANNA)
    await session.commit()
    text = (await documents(session))[office.path]
    assert text == read_tree(REPO)[office.path]  # byte for byte as before
    rows = (await session.scalars(select(KnowledgeChange.kind).order_by(KnowledgeChange.id))).all()
    assert rows[-2:] == ["verify", "revert"]


async def test_revert_refuses_when_the_field_changed_again(session: AsyncSession) -> None:
    first = await edits.edit(session, REGISTRATION, {("answer", "en"): "First."}, ANNA)
    await edits.edit(session, REGISTRATION, {("answer", "en"): "Second."}, ANNA)
    with pytest.raises(edits.Refused, match="changed again"):
        await edits.revert(session, first.revision, ANNA)


async def test_examples_and_a_new_faq_are_one_change_each_and_revertible(
        session: AsyncSession) -> None:
    intent = "registration/register_address"
    old = examples_of(await documents(session), intent)["en"]
    saved = await edits.set_examples(session, intent, "en", [*old, "where do i register"], ANNA)
    assert examples_of(await documents(session), intent)["en"][-1] == "where do i register"
    await edits.revert(session, saved.revision, ANNA)
    assert examples_of(await documents(session), intent)["en"] == old
    record = {"key": "new_question", "office": "registration_office",
              "answer": {"de": "Antwort.", "en": "Answer.", "ar": "جواب."},
              "source": ["https://www.gesetze-im-internet.de/bmg/__17.html"], "verified": False}
    examples = {"de": ["neue frage"], "en": ["new question"], "ar": ["سؤال جديد"]}
    created = await edits.create_faq(session, "registration", record, examples, ANNA)
    assert created.knowledge is not None and "registration/new_question" in created.knowledge.faqs
    assert examples_of(await documents(session), "registration/new_question")["ar"] == ["سؤال جديد"]
    await edits.revert(session, created.revision, ANNA)
    await session.commit()
    docs = await documents(session)
    seeded = read_tree(REPO)
    assert docs["knowledge/common/faq/registration.yml"] == \
        seeded["knowledge/common/faq/registration.yml"]
    assert docs["nlu/data/registration.yml"] == seeded["nlu/data/registration.yml"]


def test_the_export_command_writes_a_staff_edit_back_to_the_files(tmp_path: Path) -> None:
    import asyncio
    import os
    import shutil
    import subprocess
    import sys

    copy = Tree(tmp_path / "knowledge", tmp_path / "nlu" / "data")
    shutil.copytree(REPO.knowledge, copy.knowledge)
    shutil.copytree(REPO.nlu_data, copy.nlu_data)
    url = f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}"
    env = {**os.environ, "DATABASE_URL": url, "LOTSE_KNOWLEDGE_DIR": str(copy.knowledge),
           "LOTSE_NLU_DIR": str(tmp_path / "nlu")}

    def lotse(action: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", "knowledge", action], env=env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "export: 0 file(s) changed" in lotse("export")  # seeded, then identical

    async def edit() -> None:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            await edits.edit(session, REGISTRATION, {("answer", "en"): "Register."}, ANNA)
            await session.commit()
        await engine.dispose()

    asyncio.run(edit())
    out = lotse("export")
    assert "wrote knowledge/common/faq/registration.yml" in out and "1 file(s)" in out
    assert 'en: "Register."' in (copy.knowledge / "common/faq/registration.yml").read_text()
    (copy.nlu_data / "meta.yml").write_text(
        (copy.nlu_data / "meta.yml").read_text() + "\n", encoding="utf-8")
    assert "took into the live knowledge nlu/data/meta.yml" in lotse("import")

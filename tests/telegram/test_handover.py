"""The hand-over journal: ids survive, a torn line is ignored, the file is rewritten with
only the open ids when it grows."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.handover import Journal


def test_ids_written_are_read_back_after_a_reopen(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    for row_id in (3, 1, 2):
        journal.add(row_id)
    journal.close()  # like a crash: nothing else happens
    assert Journal(tmp_path / "j.journal").read() == {1, 2, 3}


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    path.write_bytes(b"12\n13\n1\x00")
    assert Journal(path).read() == {12, 13}


def test_a_growing_journal_keeps_only_what_the_database_lacks(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal", max_bytes=64)
    for row_id in range(1000, 1030):
        journal.add(row_id)
        if row_id % 2 == 0:
            journal.settle({row_id})  # the database has it
    assert journal.read() == set(range(1001, 1030, 2))  # rewritten without the settled ids
    assert (tmp_path / "j.journal").stat().st_size < 30 * 5
    journal.close()


def test_reset_starts_empty(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "sub" / "j.journal")
    journal.add(5)
    journal.reset()
    assert journal.read() == set()
    journal.add(6)
    journal.close()
    assert Journal(tmp_path / "sub" / "j.journal").read() == {6}

"""The hand-over journal: marks survive, a torn line is ignored, the file is rewritten with
only the open marks when it grows."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.journal import Journal


def test_marks_written_are_read_back_after_a_reopen(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    for mark in ((3, 0), (1, 0), (1, 1), (2, 4)):
        journal.add(mark)
    journal.close()  # like a crash: nothing else happens
    assert Journal(tmp_path / "j.journal").read() == {(1, 0), (1, 1), (2, 4), (3, 0)}


def test_a_torn_last_line_and_garbage_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.journal"
    path.write_bytes(b"12 0\n13 2\nzz 1\n14 0 9\n1")
    assert Journal(path).read() == {(12, 0), (13, 2)}


def test_a_cancelled_mark_is_not_read_but_a_later_attempt_is(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    journal.add((7, 0))
    journal.cancel((7, 0))  # the write failed: the request did not leave
    journal.add((7, 1))
    journal.add((8, 0))
    journal.close()
    assert Journal(tmp_path / "j.journal").read() == {(7, 1), (8, 0)}


def test_appending_after_a_close_keeps_what_is_there(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal")
    journal.add((1, 0))
    journal.close()
    journal.add((2, 0))
    assert journal.read() == {(1, 0), (2, 0)}
    journal.close()


def test_a_growing_journal_keeps_only_what_the_database_lacks(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.journal", max_bytes=64)
    for row_id in range(1000, 1030):
        journal.add((row_id, 0))
        if row_id % 2 == 0:
            journal.settle({(row_id, 0)})  # the database has it
    assert journal.read() == {(i, 0) for i in range(1001, 1030, 2)}  # rewritten: open ones
    assert (tmp_path / "j.journal").stat().st_size < 30 * 7
    journal.close()


def test_reset_starts_empty(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "sub" / "j.journal")
    journal.add((5, 0))
    journal.reset()
    assert journal.read() == set()
    journal.add((6, 1))
    journal.close()
    assert Journal(tmp_path / "sub" / "j.journal").read() == {(6, 1)}

"""The outbox's hand-over journal: an append-only file of `row attempt` lines, one per
request about to be written to Telegram, and `row attempt -` when that write failed.

Appending is one `os.write` (microseconds, nothing awaited); the bytes are in the kernel's
page cache at once, so they survive a kill of the process (not a power loss). The file is
rewritten with the marks the database still lacks when it grows, and emptied at start-up
after it was applied (handover.py).
"""

from __future__ import annotations

import os
from pathlib import Path

Mark = tuple[int, int]  # (outbox row id, attempt): a later attempt needs a mark of its own


class Journal:
    """Append-only file of marks; rewritten with the open marks when it grows."""

    def __init__(self, path: Path, max_bytes: int = 1 << 20) -> None:
        self.path, self._max_bytes = path, max_bytes
        self._fd: int | None = None
        self._open: set[Mark] = set()

    def read(self) -> set[Mark]:
        """The marks in the file, without those whose write failed."""
        if not self.path.exists():
            return set()
        lines = self.path.read_bytes().split(b"\n")[:-1]  # after the last newline: torn
        marks: set[Mark] = set()
        failed: set[Mark] = set()
        for line in lines:
            words = line.split()
            if len(words) in (2, 3) and words[0].isdigit() and words[1].isdigit():
                mark = (int(words[0]), int(words[1]))
                if len(words) == 2:
                    marks.add(mark)
                elif words[2] == b"-":
                    failed.add(mark)
        return marks - failed

    def reset(self, keep: set[Mark] | None = None) -> None:
        """Start a new file holding `keep` (atomic replace), and append to it from now on."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_suffix(".new")
        fresh.write_bytes(b"".join(_line(mark) for mark in sorted(keep or ())))
        os.replace(fresh, self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        os.chmod(self.path, 0o600)

    def add(self, mark: Mark) -> None:
        self._append(_line(mark))
        self._open.add(mark)
        if self._fd is not None and os.fstat(self._fd).st_size > self._max_bytes:
            self.reset(self._open)

    def cancel(self, mark: Mark) -> None:
        """The write of `mark` failed: the request did not leave."""
        self._append(_line(mark, failed=True))
        self._open.discard(mark)

    def _append(self, line: bytes) -> None:
        if self._fd is None:  # never truncates: only reset() does
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, line)

    def settle(self, marks: set[Mark]) -> None:
        """The database has these marks now: they need not be carried into the next file."""
        self._open -= marks

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _line(mark: Mark, failed: bool = False) -> bytes:
    return f"{mark[0]} {mark[1]}{' -' if failed else ''}\n".encode("ascii")

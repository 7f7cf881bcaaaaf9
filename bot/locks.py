"""Per-key locks of one process (per user: their messages one at a time, in order)."""

from __future__ import annotations

import asyncio


class KeyedLocks:
    """One lock per user so that a user's messages are handled one at a time, in order."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, key: str) -> asyncio.Lock:
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(key, asyncio.Lock())

"""Counsellor handoff: the I/O around `bot.core.machine` (storage, delivery, live events)."""

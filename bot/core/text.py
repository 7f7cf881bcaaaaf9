"""What may be kept of a person's text: no control characters (C0 but tab and newline, DEL,
C1) and no invisible direction marks (bidi overrides, isolates, the Arabic letter mark) nor
line/paragraph separators, nor lone surrogates. Used for what users, counsellors and staff write."""

from __future__ import annotations

import re

_CONTROL = re.compile(  # … and lone surrogates (JSON allows "\ud800"; UTF-8 does not)
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069"
    "\ud800-\udfff]")


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Drop control characters and bidi overrides; cut at `limit`. Returns (text, was_cut)."""
    cleaned = _CONTROL.sub("", text).strip()
    return cleaned[:limit], len(cleaned) > limit

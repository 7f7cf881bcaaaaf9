"""Hostile inputs shared by the property tests: odd texts and arbitrary JSON-like values."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

# What breaks naive code: lone surrogates (valid in JSON "\ud800", not encodable as UTF-8),
# right-to-left and other invisible controls, combining marks without a base, NUL, a BOM,
# Arabic with its vowel marks, ligatures and full-width letters that NFKC changes.
ODD_PIECES = (
    "\ud800", "\udfff", "\udbff\udc00", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f",
    "\u200b", "\u0301", "\u0651", "\x00", "\ufeff", "\ufffd", "ﬁ", "Ｄüsseldorf", "١٢٣٤٥",
    "ﷺ", "ß", "İ", "\n", "\r\n", "\t", "{", "}", "{0}", "%s", "<script>", "&amp;", "/start",
    "Eller", "إيلر", "40227", "leipzig", "😀", "\U0001f1e9\U0001f1ea",
)
# Huge texts, built once (hypothesis shrinks towards the small ones anyway).
HUGE = (
    "\u0301" * 10_000,  # 10,000 combining marks
    "a" + "\u0301" * 10_000,
    "\u202e" + "Welcome Point " * 1_000,
    "ا" * 50_000,
    "x" * 200_000,
    "\ud800" * 5_000,
)

characters = st.characters(codec=None, exclude_categories=())  # surrogates included
odd_text: st.SearchStrategy[str] = st.one_of(
    st.text(characters, max_size=40),
    st.lists(st.one_of(st.sampled_from(ODD_PIECES), st.text(characters, max_size=5)),
             max_size=12).map("".join),
    st.integers(0, len(HUGE) - 1).map(HUGE.__getitem__),  # keeps reprs short
)

json_scalar: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.sampled_from([0, -1, 2 ** 31, 2 ** 53 + 1, 2 ** 63, -(2 ** 63) - 1,
                                    10 ** 30]),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
)
json_value: st.SearchStrategy[Any] = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(odd_text, inner, max_size=4)),
    max_leaves=20,
)


def examples(n: int) -> int:
    """n examples under the default profile (100), scaled with the loaded profile's budget:
    `HYPOTHESIS_PROFILE=lotse-long` tries ten times as many."""
    default = settings.default
    assert default is not None
    return max(1, n * default.max_examples // 100)

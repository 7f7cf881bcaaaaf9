"""Interface strings exist in de, en and ar with the same placeholders."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.core.types import LANGUAGES
from bot.i18n import LOCALE_DIR, Translator

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "lotse.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_every_message_is_translated_with_the_same_placeholders() -> None:
    english = catalog("en")
    for lang in LANGUAGES:
        other = catalog(lang)
        assert set(other) == set(english), lang
        for key, text in other.items():
            assert text.strip(), (lang, key)
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


def test_translators_format_and_mark_rtl(translators: dict[str, Translator]) -> None:
    assert translators["de"]("message_cut", limit=10).count("10") == 1
    assert translators["ar"].rtl and not translators["en"].rtl
    assert translators["ar"]("page:send") == "إرسال"


def test_every_string_the_code_uses_is_in_the_catalog() -> None:
    from bot.settings import PROJECT_ROOT

    used: set[str] = set()
    pattern = re.compile(r"""_\(\s*["']([a-z_:]+)["']""")
    for folder in ("bot", "actions"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
        for path in (PROJECT_ROOT / folder).rglob("*.html"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = used - set(catalog("en"))
    assert missing == set()

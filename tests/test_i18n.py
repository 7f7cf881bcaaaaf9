"""Interface strings exist in de, en and ar with the same placeholders."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.core.types import LANGUAGES
from bot.i18n import LOCALE_DIR, Translator

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalog(lang: str, domain: str = "lotse") -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
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


@pytest.mark.parametrize("domain", ["lotse", "console"])
def test_every_string_the_code_uses_is_in_the_catalog(domain: str) -> None:
    """The chat's strings (bot/, actions/) in lotse.po; the console's (bot/console/) in
    console.po."""
    from bot.settings import PROJECT_ROOT

    console = PROJECT_ROOT / "bot" / "console"
    used: set[str] = set()
    pattern = re.compile(r"""\b(?:_|tr)\(\s*["']([a-z_:]+)["']""")
    for folder in ("bot", "actions"):
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html"):
                continue
            if path.is_relative_to(console) == (domain == "console"):
                used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, domain
    missing = used - set(catalog("en", domain))
    assert missing == set()


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_console_catalog_is_complete(lang: str) -> None:
    english, other = catalog("en", "console"), catalog(lang, "console")
    assert set(other) == set(english)
    for key, text in other.items():
        assert text.strip(), (lang, key)
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key

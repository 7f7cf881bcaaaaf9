"""Interface strings through gettext catalogs (bot/locale/<lang>/LC_MESSAGES/<domain>.po):
the chat's domain `lotse`, the counsellor console's domain `console`.

The .po files are the source of truth; they are compiled in memory with Babel when the
app starts (no build step, nothing written to disk).
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.types import LANGUAGES
from bot.kb.model import SourceDate

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "lotse"


class Translator:
    """gettext for one language, with str.format placeholders."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def __call__(self, message: str, **values: object) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    @property
    def rtl(self) -> bool:
        return self.language == "ar"


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_translators(locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN,
                     ) -> dict[str, Translator]:
    """One Translator per supported language for one gettext domain; call once at start-up."""
    return {
        lang: Translator(lang, compile_catalog(locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"))
        for lang in LANGUAGES
    }


def format_day(day: dt.date, language: str) -> str:
    return format_date(day, "long", locale=language)


def format_source_date(date: SourceDate, language: str) -> str:
    """As precise as the source is: "2019", "November 2026", "3. Juni 2025"."""
    if not date.month:
        return str(date.year)
    if not date.day:
        return format_date(date.as_date(), "MMMM y", locale=language)
    return format_day(date.as_date(), language)

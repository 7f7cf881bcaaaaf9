"""The topics added for 2026 answer through the running web chat (real app, real Rasa model,
real SQLite) in German, English and Arabic: for each topic and language, a question of the
topic's training examples in `nlu/data/` gets that FAQ's answer in the user's language, for
the user's city, with the honest date line and named sources. Where a topic has a Leipzig
variant, the English user lives in Leipzig. This checks the whole path through the app; how
well unseen questions are understood is `./lotse eval`'s figure (held-out set, per intent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from yarl import URL

from bot.kb.model import Knowledge
from bot.nlu.client import RasaClient
from bot.settings import PROJECT_ROOT
from tests.conftest import app_settings
from tests.test_web import Client, post, start

NEW_FAQS = (
    "residence/asylum_procedure", "residence/ukraine_protection", "residence/naturalisation",
    "residence/duldung", "health/no_insurance", "family/violence_at_home",
    "benefits/debt_counselling", "benefits/legal_aid", "registration/bank_account",
    "registration/rundfunkbeitrag", "registration/driving_licence", "work/minijob",
    "work/tax_return", "housing/schufa", "housing/liability_insurance",
    "social/deutschlandticket", "social/anti_discrimination",
)
DATE_LINE = {"de": "Stand:", "en": "As of", "ar": "تاريخ المعلومات:"}
CITY = {"leipzig": '/set_city{"city":"leipzig"}'}


def trained_on(intent: str, lang: str) -> str:
    """The first training example of an intent in one language."""
    data = yaml.safe_load((PROJECT_ROOT / "nlu" / "data" / f"{intent.split('/')[0]}.yml")
                          .read_text(encoding="utf-8"))
    for block in data["nlu"]:
        if block.get("intent") == intent and block["metadata"]["language"] == lang:
            return str(block["examples"].splitlines()[0]).removeprefix("- ").strip()
    raise AssertionError(f"no {lang} training example of {intent}")


@pytest.fixture
async def chat(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Client]:
    client = await start(app_settings(tmp_path, URL(rasa._url).port or 0))
    yield client
    await client.close()


@pytest.mark.parametrize("intent", NEW_FAQS)
async def test_a_new_topic_is_answered_in_each_language(chat: Client, knowledge: Knowledge,
                                                        intent: str) -> None:
    faq = knowledge.faqs[intent]
    for lang in ("de", "en", "ar"):
        city = "leipzig" if lang == "en" and "leipzig" in faq.city_answer else "duesseldorf"
        sender = f"{intent}-{lang}"
        if city in CITY:
            await post(chat, sender, CITY[city], language=lang)
        question = trained_on(intent, lang)
        replies = await post(chat, sender, question, language=lang)
        answer = replies[-1]
        assert (answer["custom"]["kind"], answer["custom"].get("ref")) == ("faq", intent), (
            lang, question, [(r["custom"], r["text"][:80]) for r in replies])
        text = answer["text"]
        assert text.startswith(faq.answer_for(city, lang)[:60]), (lang, text[:120])
        assert DATE_LINE[lang] in text and "http" not in text and "seed:" not in text
        assert answer["custom"]["links"], answer

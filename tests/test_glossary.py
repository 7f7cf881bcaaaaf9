"""The glossary is valid, and every Arabic text uses its renderings: when a German text names a
glossary term, the Arabic text of the same record uses that term's Arabic rendering, and no
Arabic text uses a refused rendering."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.kb.glossary import Glossary, load_glossary, normalise_arabic
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge, Localised
from bot.kb.source import KnowledgeError
from bot.settings import PROJECT_ROOT

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
GLOSSARY_FILE = KNOWLEDGE_DIR / "glossary.yml"


def records(knowledge: Knowledge) -> Iterator[tuple[str, Localised]]:
    """Every text a newcomer reads, as (label, {de, en, ar})."""
    for faq in knowledge.faqs.values():
        yield f"faq {faq.intent} ({faq.where})", faq.answer
        for city, answer in faq.city_answer.items():
            yield f"faq {faq.intent} [{city}] ({faq.where})", answer
    for city in knowledge.cities.values():
        for office in city.offices.values():
            yield f"{city.id} office {office.id}: name", office.name
            bring = office.bring
            if bring and len({len(items) for items in bring.values()}) == 1:
                for i, _ in enumerate(bring["de"]):
                    yield (f"{city.id} office {office.id}: bring {i + 1}",
                           {lang: items[i] for lang, items in bring.items()})
            elif bring:
                yield (f"{city.id} office {office.id}: bring",
                       {lang: " | ".join(items) for lang, items in bring.items()})
        for point in city.welcome_points:
            yield f"{city.id} welcome point {point.id}: name", point.name
            if point.description:
                yield f"{city.id} welcome point {point.id}: description", point.description
        for district in city.districts.values():
            yield f"{city.id} district {district.number}: name", district.name
        if city.counselling_hours:
            yield f"{city.id} counselling hours", city.counselling_hours.text
    emergency = knowledge.emergency
    yield "emergency intro", emergency.intro
    for helpline in emergency.numbers:
        yield f"emergency {helpline.number}: label", helpline.label
        yield f"emergency {helpline.number}: when", helpline.when


def problems(knowledge: Knowledge, glossary: Glossary) -> list[str]:
    return [f"{label}: {problem}" for label, texts in records(knowledge)
            for problem in glossary.problems(texts["de"], texts["ar"])]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(GLOSSARY_FILE)


@pytest.fixture(scope="module")
def real_knowledge() -> Knowledge:
    return load_knowledge(KNOWLEDGE_DIR)


def test_the_glossary_is_valid_and_covers_the_key_terms(glossary: Glossary) -> None:
    named = ["Duldung", "Jugendamt", "Jugendmigrationsdienst", "Migrationsberatung",
             "Migrationsberatung für Erwachsene", "Minijob", "Ausländerbehörde", "Bürgerbüro",
             "Jobcenter", "Agentur für Arbeit", "Meldebescheinigung", "Aufenthaltstitel",
             "Krankenversicherung", "Kita", "Integrationskurs", "Welcome Point"]
    for name in named:
        term = glossary.get(name)
        assert term is not None, name
        assert term.ar and term.en and term.note, name
    office = glossary.get("Bürgerbüro")
    assert office is not None and office.in_german("beim Bürgeramt, in Bürgerbüros")


def test_every_arabic_text_uses_the_glossary(real_knowledge: Knowledge,
                                             glossary: Glossary) -> None:
    found = problems(real_knowledge, glossary)
    assert not found, "\n".join(found)


def test_the_check_sees_every_record(real_knowledge: Knowledge) -> None:
    labels = [label for label, _ in records(real_knowledge)]
    assert len([x for x in labels if x.startswith("faq ")]) > len(real_knowledge.faqs)
    assert any(" office " in x and ": bring" in x for x in labels)
    assert any("welcome point" in x and "description" in x for x in labels)
    assert any(x.startswith("emergency") and x.endswith("label") for x in labels)


def test_no_arabic_text_uses_a_refused_rendering(real_knowledge: Knowledge,
                                                 glossary: Glossary) -> None:
    refused = [f"{label}: '{variant}' (use '{term.ar}')"
               for label, texts in records(real_knowledge)
               for term in glossary.terms for variant in term.refused_in(texts["ar"])]
    assert not refused, "\n".join(refused)


def test_the_comparison_ignores_article_and_diacritics(glossary: Glossary) -> None:
    assert normalise_arabic("تأكيد المؤجِّر") == "تأكيد مؤجر"
    point = glossary.get("Welcome Point")
    assert point is not None
    assert point.in_arabic("افتتاح نقطة ترحيب جديدة") and point.in_arabic("نقاط الترحيب")
    assert not point.in_arabic("مركز الترحيب")


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, root)
    return root


def test_a_wrong_arabic_text_fails_the_check(tmp_path: Path, glossary: Glossary) -> None:
    root = _copy(tmp_path)
    work = root / "common/faq/work.yml"
    text = work.read_text(encoding="utf-8")
    assert "دائرة الأجانب" in text
    work.write_text(text.replace("دائرة الأجانب", "مكتب الأجانب"), encoding="utf-8")
    found = problems(load_knowledge(root), glossary)
    assert any("work/work_permit" in p and "'Ausländerbehörde'" in p for p in found), found
    assert any("refused rendering 'مكتب الأجانب'" in p for p in found), found


def test_a_refused_rendering_fails_the_check(tmp_path: Path, glossary: Glossary) -> None:
    root = _copy(tmp_path)
    offices = root / "duesseldorf/offices.yml"
    text = offices.read_text(encoding="utf-8")
    assert 'ar: "' in text
    offices.write_text(text.replace('ar: "', 'ar: "مكتب الشباب – ', 1), encoding="utf-8")
    found = problems(load_knowledge(root), glossary)
    assert any("duesseldorf office" in p and "'مكتب الشباب'" in p for p in found), found


def _broken_glossary(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    lines = GLOSSARY_FILE.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().removeprefix("- ") == old)
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / "glossary.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, line


def test_a_missing_rendering_names_file_line_and_field(tmp_path: Path) -> None:
    path, line = _broken_glossary(tmp_path, 'ar: "دائرة الأجانب"', 'ar: ""')
    with pytest.raises(KnowledgeError) as error:
        load_glossary(path)
    assert (error.value.path, error.value.line, error.value.field) == (path, line, "ar")
    assert f"glossary.yml:{line}: field 'ar'" in str(error.value)


@pytest.mark.parametrize(("old", "new", "field"), [
    ('ar: "مركز العمل"', 'ar: "Jobcenter"', "ar"),                       # not Arabic
    ('ar_variants_refused: ["التسامح"]', 'ar_variants_refused: ["الترحيل"]',
     "ar_variants_refused"),                                              # refuses its own
    ('term: "Kita"', 'term: "Jobcenter"', "term"),                        # duplicate
    ('en: "registry office"', 'en_typo: "registry office"', "en_typo"),  # unknown field
    ('term: "Sozialamt"', 'term: [Sozialamt', "(syntax)"),
])
def test_a_broken_glossary_names_file_and_line(tmp_path: Path, old: str, new: str,
                                                field: str) -> None:
    path, line = _broken_glossary(tmp_path, old, new)
    with pytest.raises(KnowledgeError) as error:
        load_glossary(path)
    assert error.value.path == path and error.value.field == field
    assert line <= error.value.line <= line + 2, (line, str(error.value))

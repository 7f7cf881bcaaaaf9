"""The knowledge packs: valid, complete in three languages, and every place resolves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.types import LANGUAGES, TOPICS
from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.kb.places import (
    Place,
    place_from_location,
    place_from_postcode,
    welcome_points_for,
)
from bot.kb.source import KnowledgeError
from bot.settings import PROJECT_ROOT
from tests.test_places_in_text import place_in as find_place_in_text

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
DUS = KNOWLEDGE.cities["duesseldorf"]


def test_every_topic_has_faqs_in_three_languages() -> None:
    for topic in TOPICS:
        faqs = KNOWLEDGE.faqs_of(topic)
        assert len(faqs) >= 6, topic
        for faq in faqs:
            assert all(faq.answer[lang].strip() for lang in LANGUAGES), faq.intent
            assert faq.provenance.source, faq.intent


def test_every_office_reference_exists_in_every_city() -> None:
    for faq in KNOWLEDGE.faqs.values():
        for city in KNOWLEDGE.cities.values():
            assert faq.office is None or faq.office in city.offices, (faq.intent, city.id)


def test_emergency_reply_content_has_112_in_every_language() -> None:
    numbers = [h.number for h in KNOWLEDGE.emergency.numbers]
    assert "112" in numbers and "110" in numbers
    for lang in LANGUAGES:
        assert "112" in KNOWLEDGE.emergency.intro[lang]


def test_duesseldorf_has_the_welcome_points_of_seed_002() -> None:
    open_by_district = {d for p in DUS.welcome_points if p.status == "open"
                        for d in p.serves_districts}
    assert open_by_district == {1, 2, 3, 4, 6, 8, 9, 10}
    assert next(p for p in DUS.welcome_points if p.status == "planned").serves_districts == (7,)
    assert len([p for p in DUS.welcome_points if 3 in p.serves_districts]) == 2
    assert sum(len(d.quarters) for d in DUS.districts.values()) == 50


@pytest.mark.parametrize("quarter", DUS.quarters(), ids=lambda q: q.id)
def test_every_duesseldorf_quarter_resolves_to_a_welcome_point(quarter: object) -> None:
    from bot.kb.model import Quarter

    assert isinstance(quarter, Quarter)
    for lang in LANGUAGES:
        place = find_place_in_text(f"ich wohne in {quarter.name[lang]}")
        assert place is not None and place.quarter == quarter, (lang, quarter.name[lang])
    matches = welcome_points_for(DUS, Place("duesseldorf", (quarter.district,), quarter))
    assert matches, quarter.id
    if quarter.district not in (5, 7):
        assert matches[0].serves_user


@pytest.mark.parametrize("code", sorted(DUS.postcodes))
def test_every_duesseldorf_postcode_resolves(code: str) -> None:
    place = place_from_postcode(code, KNOWLEDGE)
    assert place is not None and place.city == "duesseldorf"
    if place.districts:
        assert welcome_points_for(DUS, place), code
    else:  # unknown district: the bot must ask, and it only knows this when no centroid
        assert not DUS.postcodes[code].districts


@pytest.mark.parametrize(("text", "quarter_id"), [
    ("I live in Eller", "eller"), ("أنا ساكن في بيلك", "bilk"), ("wohne in loerick", "loerick"),
    ("Oberkassel", "oberkassel"), ("ساكن في غاراث", "garath"),
])
def test_spellings_resolve(text: str, quarter_id: str) -> None:
    place = find_place_in_text(text)
    assert place is not None and place.quarter is not None
    assert place.quarter.id.startswith(quarter_id[:4])


def test_acceptance_places() -> None:
    eller = find_place_in_text("I live in Eller")
    assert eller is not None
    assert "Gumbertstraße 119" in welcome_points_for(DUS, eller)[0].point.address
    garath = place_from_postcode("40595", KNOWLEDGE)
    assert garath is not None
    assert "Telleringstraße" in welcome_points_for(DUS, garath)[0].point.address
    bilk = find_place_in_text("أنا ساكن في بيلك")
    assert bilk is not None
    assert {m.point.id for m in welcome_points_for(DUS, bilk) if m.serves_user} == {
        "dus-wp-3-dpwv", "dus-wp-3-caritas"}


def test_district_5_gets_the_nearest_point_instead() -> None:
    matches = welcome_points_for(DUS, Place("duesseldorf", (5,)))
    assert len(matches) == 1 and not matches[0].serves_user


def test_a_shared_location_gives_a_distance() -> None:
    place = place_from_location(51.2093, 6.8341, KNOWLEDGE)  # near Eller
    assert place is not None and place.city == "duesseldorf"
    matches = welcome_points_for(DUS, place)
    assert matches and all(m.distance_km is not None for m in matches)


def test_leipzig_postcode_belongs_to_leipzig(knowledge: Knowledge) -> None:
    place = place_from_postcode("04109", knowledge)
    assert place is not None and place.city == "leipzig"
    matches = welcome_points_for(knowledge.cities["leipzig"], place)
    assert "Otto-Schill-Straße 2" in matches[0].point.address


def _broken_copy(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", root)
    target = root / relative
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def test_a_missing_translation_names_file_line_and_field(tmp_path: Path) -> None:
    lines = (PROJECT_ROOT / "knowledge/common/faq/housing.yml").read_text().splitlines()
    ar_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("ar:"))
    root = _broken_copy(tmp_path, "common/faq/housing.yml", lines[ar_line - 1],
                        lines[ar_line - 1].replace("ar:", "xx:", 1))
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert error.value.path.name == "housing.yml"
    assert error.value.field == "ar"
    assert ar_line - 12 < error.value.line < ar_line  # the answer mapping it is missing from
    assert f"housing.yml:{error.value.line}: field 'ar'" in str(error.value)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "duesseldorf/welcome_points.yml", "status: open",
                        "status: [open")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert error.value.path.name == "welcome_points.yml" and error.value.line > 1


def test_an_unknown_office_is_refused(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "common/faq/work.yml", "office: ", "office: no_such_office #")
    with pytest.raises(KnowledgeError, match="no_such_office"):
        load_knowledge(root)


def test_a_bad_postcode_row_names_the_csv_line(tmp_path: Path) -> None:
    root = _broken_copy(tmp_path, "leipzig/postcodes.csv", "04109,", "4109x,")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert error.value.path.name == "postcodes.csv" and error.value.field == "postcode"
    lines = (root / "leipzig/postcodes.csv").read_text().splitlines()
    assert lines[error.value.line - 1].startswith("4109x,")


def test_an_overlong_field_names_file_line_and_field(tmp_path: Path) -> None:
    pasted = "Diakonie " + "x" * 1200
    root = _broken_copy(tmp_path, "duesseldorf/welcome_points.yml",
                        'operator: "Diakonie Düsseldorf"', f'operator: "{pasted}"')
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert error.value.path.name == "welcome_points.yml" and error.value.field == "operator"
    assert error.value.line == 14 and "longer than 1000 characters" in error.value.problem


def test_a_runaway_list_is_refused(tmp_path: Path) -> None:
    many = ", ".join(f'"Bezirk Nummer {n}"' for n in range(150))
    root = _broken_copy(tmp_path, "duesseldorf/districts.yml", 'aliases: ["Bezirk 1", ',
                        f'aliases: [{many}, ')
    with pytest.raises(KnowledgeError, match="more than 100 entries"):
        load_knowledge(root)

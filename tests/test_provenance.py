"""Named sources and honest dates: every record's sources are named in knowledge/sources.yml,
a record's date is the newest of its sources' dates (seed 002 is from 2019), `confirmed`
records who checked it, the old `as_of` is refused, and `./lotse check` lists the records by
status and age. Answers show "Stand: 2019, laut Stadt Düsseldorf" and named links."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from actions.common import merged, source_links, source_note
from bot.i18n import Translator, format_source_date
from bot.kb.loader import load_knowledge
from bot.kb.model import Confirmation, Knowledge, SourceDate
from bot.kb.review import STATUSES, check_first, review_lines, status
from bot.kb.source import KnowledgeError
from bot.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT / "knowledge"
TODAY = dt.date(2026, 12, 1)


def copy_with(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(ROOT, root)
    target = root / relative
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def test_every_source_is_named_and_every_named_source_is_used(knowledge: Knowledge) -> None:
    used = {ref for r in knowledge.records for ref in r.provenance.source}
    assert used == set(knowledge.sources)
    for source in knowledge.sources.values():
        for lang in ("de", "en", "ar"):
            assert 0 < len(source.title[lang]) <= 80, (source.ref, lang)
            assert "seed:" not in source.title[lang] and "http" not in source.title[lang]


def test_a_welcome_point_from_seed_002_is_dated_2019(knowledge: Knowledge,
                                                     translators: dict[str, Translator]) -> None:
    point = next(p for p in knowledge.cities["duesseldorf"].welcome_points
                 if p.provenance.source == ("seed:002",))
    assert point.provenance.source_date.year == 2019
    assert point.provenance.confirmed is None
    note = source_note(translators["de"], point.provenance, knowledge.sources)
    assert note.startswith("Stand: 2019, laut Stadt Düsseldorf"), note
    [link] = source_links(translators["ar"], point.provenance, knowledge.sources)
    assert link.url is None and link.label.endswith("(2019)") and "seed" not in link.label


def test_the_date_of_an_answer_is_its_oldest_part_and_confirmed_only_when_all_are(
        knowledge: Knowledge, translators: dict[str, Translator]) -> None:
    faq = knowledge.faqs["registration/register_address"]
    office = knowledge.cities["duesseldorf"].offices["registration_office"]
    both = merged(faq.provenance, office.provenance)
    assert both.source_date == min(faq.provenance.source_date, office.provenance.source_date)
    checked = Confirmation(dt.date(2026, 11, 30), "Amal Haddad")
    later = Confirmation(dt.date(2026, 12, 1), "Jonas Becker")
    one = type(faq.provenance)(faq.provenance.source, faq.provenance.source_date, checked, True)
    two = type(office.provenance)(office.provenance.source, office.provenance.source_date,
                                  later, True)
    assert merged(one, office.provenance).confirmed is None
    assert merged(one, two).confirmed == checked  # the earlier check counts
    note = source_note(translators["en"], merged(one, two), knowledge.sources)
    assert note.startswith("Checked on November 30, 2026, according to"), note
    assert "not" not in note.split(",")[0]


def test_source_dates_are_shown_as_precisely_as_they_are_known() -> None:
    assert format_source_date(SourceDate(2019), "de") == "2019"
    assert format_source_date(SourceDate(2026, 11), "de") == "November 2026"
    assert format_source_date(SourceDate(2026, 11), "ar") == "نوفمبر 2026"
    assert format_source_date(SourceDate(2025, 6, 3), "en") == "June 3, 2025"


def test_as_of_is_refused_with_what_replaced_it(tmp_path: Path) -> None:
    root = copy_with(tmp_path, "common/faq/work.yml", "    verified:", "    as_of: 2026-11-21\n"
                     "    verified:")
    with pytest.raises(KnowledgeError, match="confirmed") as error:
        load_knowledge(root)
    assert error.value.path.name == "work.yml" and error.value.field == "as_of"


def test_an_unnamed_source_names_file_line_and_field(tmp_path: Path) -> None:
    root = copy_with(tmp_path, "leipzig/offices.yml", 'source: ["',
                     'source: ["https://x.example/", "')
    with pytest.raises(KnowledgeError, match=r"x\.example") as error:
        load_knowledge(root)
    assert error.value.path.name == "offices.yml" and error.value.field == "source"
    lines = (root / "leipzig/offices.yml").read_text(encoding="utf-8").splitlines()
    assert "x.example" in lines[error.value.line - 1]


@pytest.mark.parametrize(("old", "new", "field"), [
    ("date_basis: read", "date_basis: guessed", "date_basis"),
    ("date: 2019", "date: 2019-13", "date"),
    ("date: 2016-11-09", "date: 2016-11-31", "date"),
])
def test_a_broken_source_record_is_refused(tmp_path: Path, old: str, new: str,
                                           field: str) -> None:
    root = copy_with(tmp_path, "sources.yml", old, new)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    assert error.value.path.name == "sources.yml" and error.value.field == field


def test_a_confirmation_counts_and_is_validated(tmp_path: Path) -> None:
    root = copy_with(tmp_path, "common/faq/work.yml", "    verified: false",
                     '    confirmed: {date: 2026-11-30, by: "Amal Haddad"}\n    verified: true')
    knowledge = load_knowledge(root)
    confirmed = [r for r in knowledge.records if r.provenance.confirmed]
    assert len(confirmed) == 1 and status(confirmed[0].provenance) == STATUSES[2]
    assert confirmed[0].provenance.confirmed == Confirmation(dt.date(2026, 11, 30), "Amal Haddad")
    broken = copy_with(tmp_path / "b", "common/faq/work.yml", "    verified: false",
                       "    confirmed: {date: soon, by: x}\n    verified: false")
    with pytest.raises(KnowledgeError, match="YYYY-MM-DD"):
        load_knowledge(broken)


def test_check_lists_records_by_status_and_age_oldest_unverified_first(
        knowledge: Knowledge) -> None:
    lines = review_lines(knowledge, TODAY)
    total = len(knowledge.records)
    assert lines[0].startswith(f"{total} records by status: ")
    counts = [int(part.split()[0]) for part in lines[0].split(": ", 1)[1].split(", ")]
    assert sum(counts) == total and counts[0] == len(knowledge.unverified)
    bands = [int(part.split()[0]) for part in lines[1].split(": ", 1)[1].split(", ")]
    assert sum(bands) == total
    first = check_first(knowledge.records, TODAY)
    dates = [r.provenance.source_date for r in first]
    assert dates == sorted(dates) and first[0].provenance.source_date.year <= 2019
    assert lines[4].split()[0] == str(first[0].provenance.source_date)

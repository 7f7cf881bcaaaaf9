"""The dashboard's figures as CSV rows (section, key, value) for spreadsheets: the same
numbers as the page, under the same small-numbers rule; keys are ids (languages, topics,
cities, FAQ keys), not translated, so that exports of different months line up."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from bot.analytics.queries import Ratio, Report, Rows
from bot.analytics.suppress import FEW_CASES, ranked, rate, shown

NONE_KEY = "none"  # messages without a likely topic (button presses, greetings)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A spreadsheet must not run a key as a formula (CSV injection)."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def rate_text(ratio: Ratio) -> str:
    value = rate(ratio.part, ratio.whole)
    return FEW_CASES if value is None else f"{value:.4f}"


def _section(name: str, rows: Rows) -> Iterator[tuple[str, str, str]]:
    for key, count in ranked(rows):
        yield name, key or NONE_KEY, shown(count)


def _ratio(name: str, ratio: Ratio, part: str, whole: str) -> Iterator[tuple[str, str, str]]:
    yield name, "rate", rate_text(ratio)
    yield name, part, shown(ratio.part)
    yield name, whole, shown(ratio.whole)


def rows(report: Report) -> Iterator[tuple[str, str, str]]:
    when, first = report.period, report.first_reply
    yield "period", "days", str(when.days)
    yield "period", "first_day", when.first.isoformat()
    yield "period", "last_day", when.last.isoformat()
    yield "messages", "inbound", shown(report.inbound)
    yield from ((("messages_per_day", day.isoformat(), shown(n)) for day, n in report.per_day))
    yield from _section("messages_per_language", report.per_language)
    yield from _section("messages_per_topic", report.per_topic)
    yield from _section("messages_per_city", report.per_city)
    yield from _ratio("fallback", report.fallback, "fallbacks", "answered_by_bot")
    yield from _ratio("handoff", report.handoff, "handed_over", "conversations")
    median = first.median_seconds
    yield "first_reply", "median_seconds", FEW_CASES if median is None else str(round(median))
    yield "first_reply", "handoffs_replied", shown(first.replied)
    yield from _section("top_faqs", report.top_faqs)
    yield from _section("top_unanswered_by_topic", report.top_unanswered)
    for item in report.feedback:
        yield "feedback_up", item.faq, shown(item.up)
        yield "feedback_down", item.faq, shown(item.down)


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("section", "key", "value"))
    writer.writerows((section, cell(key), value) for section, key, value in rows(report))
    return buffer.getvalue()

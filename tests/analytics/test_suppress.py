"""The small-numbers rule: counts below 5 are "< 5", rates need 5 cases."""

from __future__ import annotations

import pytest

from bot.analytics.suppress import SUPPRESSED, enough, hidden, plotted, ranked, rate, shown


@pytest.mark.parametrize(("count", "text"), [(0, "< 5"), (1, "< 5"), (4, "< 5"), (5, "5"),
                                             (6, "6"), (1234, "1234")])
def test_counts_below_five_are_not_shown(count: int, text: str) -> None:
    assert shown(count) == text
    assert hidden(count) == (text == SUPPRESSED)


def test_rates_need_five_cases() -> None:
    assert rate(3, 4) is None  # 75 % of 4 cases: not given
    assert rate(0, 4) is None
    assert rate(1, 5) == pytest.approx(0.2)  # the part may be small, the whole may not
    assert rate(4, 23) == pytest.approx(4 / 23)
    assert rate(0, 0) is None
    assert not enough(4) and enough(5)


def test_a_hidden_count_is_drawn_as_high_as_five() -> None:
    """Bars below 5 all look the same: the chart gives away nothing the table hides."""
    assert [plotted(n) for n in (0, 1, 4, 5, 9)] == [5, 5, 5, 5, 9]


def test_hidden_counts_come_last_and_by_name() -> None:
    rows = [("b", 4), ("z", 1), ("a", 7), ("c", 12), (None, 3), ("d", 7)]
    assert ranked(rows) == [("c", 12), ("a", 7), ("d", 7), (None, 3), ("b", 4), ("z", 1)]

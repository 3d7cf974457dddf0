"""Working days follow the official calendar: National Day 2026 and its adjusted Saturday."""
import datetime as dt

import pytest

from screening.calendar import add_working_days, is_working_day, working_days_between
from screening.deadlines import due_date, local_date

SETTINGS = {"county": {"timezone": "Asia/Shanghai"}, "sla": {"red": 1, "orange": 5, "yellow": 20}}


def test_national_day_2026_is_off_and_saturday_10_october_is_worked():
    assert not is_working_day(dt.date(2026, 10, 5))  # a Monday inside the holiday
    assert is_working_day(dt.date(2026, 10, 10))  # the adjusted working Saturday
    assert not is_working_day(dt.date(2026, 10, 11))


@pytest.mark.parametrize("start,days,expected", [
    (dt.date(2026, 9, 30), 1, dt.date(2026, 10, 8)),   # over the whole National Day holiday
    (dt.date(2026, 9, 30), 3, dt.date(2026, 10, 10)),  # Thu 8, Fri 9, then the worked Saturday
    (dt.date(2026, 10, 9), 1, dt.date(2026, 10, 10)),
    (dt.date(2026, 10, 9), 5, dt.date(2026, 10, 15)),  # Sat 10, Mon 12 … Thu 15
    (dt.date(2026, 10, 14), 1, dt.date(2026, 10, 15)),  # an ordinary week
    (dt.date(2026, 10, 16), 1, dt.date(2026, 10, 19)),  # an ordinary weekend is skipped
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


def test_due_date_counts_from_the_county_day_of_issue():
    # 17:30 UTC on 30 September is already 1 October in the county: count from the holiday.
    issued = dt.datetime(2026, 9, 30, 17, 30, tzinfo=dt.timezone.utc)
    assert local_date(issued, SETTINGS) == dt.date(2026, 10, 1)
    assert due_date("red", issued, SETTINGS) == dt.date(2026, 10, 8)
    assert due_date("orange", issued, SETTINGS) == dt.date(2026, 10, 13)  # 8, 9, 10, 12, 13
    with pytest.raises(KeyError, match="no working-day limit for level 'purple'"):
        due_date("purple", issued, SETTINGS)


def test_years_beyond_the_official_calendar_fall_back_to_weekdays():
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)  # Fri → Mon

"""Working days follow the official calendar: National Day 2026 and its adjusted Saturday."""
import datetime as dt

import pytest

import chinese_calendar

from screening import calendar
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


def test_years_beyond_the_official_calendar_fall_back_to_weekdays_loudly(home, caplog):
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)  # Fri → Mon
    assert "official calendar for 2099 not known" in caplog.text
    assert not calendar.covered(2099)
    # 2026 is known; a deadline counted from December into 2027 crosses into a gap.
    assert calendar.uncovered([dt.date(2026, 12, 30), dt.date(2027, 1, 5)]) == [2027]
    assert calendar.uncovered([dt.date(2025, 3, 1), dt.date(2026, 3, 1)]) == []
    assert calendar.uncovered([dt.date(2026, 1, 1), dt.date(2028, 1, 1)]) == [2027, 2028]
    assert "2027 年的法定节假日" in calendar.gap_warning([2027])
    assert calendar.gap_warning([]) == ""


def test_shipped_years_are_the_packages_data():
    """Every year chinesecalendar has is shipped as a file, with exactly its days."""
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays}
    assert years <= set(calendar.tables())
    for day in (dt.date(y, 1, 1) + dt.timedelta(days=i) for y in sorted(years) for i in range(366)):
        if day.year in years:
            assert is_working_day(day) == chinese_calendar.is_workday(day), day


def test_a_county_adds_next_year_before_a_release_ships_it(home):
    ok, line = calendar.describe(2027)
    assert not ok and "2027 年未录入" in line
    folder = home / "calendar"
    folder.mkdir()
    # A hypothetical 2027 table (synthetic, for the test): 1-3 January off, Sunday 3 January worked.
    (folder / "2027.yaml").write_text(
        "year: 2027\nholidays:\n  2027-01-01: 元旦\n  2027-01-04: 元旦\n"
        "workdays:\n  2027-01-09: 元旦调休\n", encoding="utf-8")
    assert calendar.covered(2027)
    assert not is_working_day(dt.date(2027, 1, 4)) and is_working_day(dt.date(2027, 1, 9))
    assert add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 5)
    ok, line = calendar.describe(2027)
    assert ok and "1 个调休上班日" in line


@pytest.mark.parametrize("text,message", [
    ("year: 2026\n", "does not match the file name"),
    ("year: 2027\nholidays: [2027-01-01]\n", "must map dates"),
    ("year: 2027\nholidays:\n  2026-01-01: 元旦\n", "not a date of 2027"),
    ("year: 2027\nholidays:\n  2027-01-01: 元旦\nworkdays:\n  2027-01-01: 元旦\n",
     "both a holiday and a working day"),
    ("year: [\n", "not valid YAML"),
    ("- 2027-01-01\n", "expected a mapping"),
])
def test_a_broken_year_file_names_itself(home, text, message):
    (home / "calendar").mkdir()
    (home / "calendar" / "2027.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(calendar.CalendarError, match=message) as err:
        calendar.tables()
    assert "2027.yaml" in str(err.value)

"""Calendar facts: public holidays, school holidays, closures and each cohort's weeks."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from alternance.facts.weeks import SiteCalendar, public_holidays, school_holiday_coverage, school_holidays
from helpers import load, make_plan

H = 60  # minutes per hour


def weeks_of(tmp_path, plan=None, **items):
    """The weeks of the only cohort of a tiny plan."""
    loaded = load(make_plan(tmp_path, plan, **items))
    return {w.monday: w for w in SiteCalendar(loaded).cohort_weeks(loaded.cohorts[0])}


def cohort_dates(start: date, end: date) -> dict:
    return {"cohort": {"start": start, "end": end}, "apprentice": {"contract_start": start, "contract_end": end}}


# --- public holidays ------------------------------------------------------------------------


def test_easter_based_public_holidays_2025():
    days = public_holidays("metropole", 2025)
    assert date(2025, 4, 21) in days  # Easter Monday
    assert date(2025, 5, 29) in days  # Ascension
    assert date(2025, 6, 9) in days  # Whit Monday
    assert date(2025, 4, 18) not in days  # Good Friday: Alsace-Moselle only
    assert date(2025, 12, 26) not in days
    assert len(days) == 11


def test_easter_based_public_holidays_move_each_year():
    days = public_holidays("metropole", 2026)
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= set(days)
    assert date(2026, 4, 21) not in days


def test_alsace_moselle_adds_good_friday_and_26_december():
    metropole, alsace = public_holidays("metropole", 2025), public_holidays("alsace-moselle", 2025)
    assert set(alsace) - set(metropole) == {date(2025, 4, 18), date(2025, 12, 26)}


# --- school holidays ------------------------------------------------------------------------


def test_zone_a_winter_holidays_2026():
    days = sorted(school_holidays("A", date(2026, 1, 15), date(2026, 3, 31)))
    assert days[0] == date(2026, 2, 7) and days[-1] == date(2026, 2, 22)
    assert len(days) == 16  # every day in between, weekends included


def test_zones_a_and_c_differ():
    a = school_holidays("A", date(2026, 1, 15), date(2026, 3, 31))
    c = school_holidays("C", date(2026, 1, 15), date(2026, 3, 31))
    assert date(2026, 2, 9) in a and date(2026, 2, 9) not in c
    assert date(2026, 3, 2) in c and date(2026, 3, 2) not in a


def test_zone_none_has_no_school_holidays():
    assert school_holidays("none", date(2025, 12, 1), date(2026, 1, 31)) == {}


def test_school_holiday_data_ends_with_summer_2028():
    first, last = school_holiday_coverage()
    assert last == date(2028, 8, 31)
    assert first <= date(2024, 9, 1)
    with pytest.raises(ValueError):
        school_holidays("A", date(2028, 8, 1), date(2028, 9, 30))


# --- the days a site is closed --------------------------------------------------------------


def test_closed_reasons(tmp_path):
    closures = [{"name": "Inventaire", "start": date(2025, 10, 13), "end": date(2025, 10, 14)}]
    plan = load(make_plan(tmp_path, {"school_holidays_zone": "A"}, closures=closures))
    site = SiteCalendar(plan)
    assert site.closed_reason(date(2025, 10, 13)) == "Inventaire"
    assert site.closed_reason(date(2025, 10, 14)) == "Inventaire"
    assert site.closed_reason(date(2025, 10, 15)) is None
    assert site.closed_reason(date(2025, 10, 20)) is not None  # zone A All Saints holidays
    assert site.closed_reason(date(2025, 11, 11)) == "Armistice"


# --- the weeks of a cohort ------------------------------------------------------------------


def test_weeks_run_monday_to_monday_over_the_whole_cohort(tmp_path):
    weeks = weeks_of(tmp_path)
    mondays = sorted(weeks)
    assert mondays[0] == date(2025, 9, 1) and mondays[-1] == date(2025, 10, 27)
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(mondays))
    assert all(w.minutes == 35 * H and len(w.open_days) == 5 and not w.closed for w in weeks.values())


def test_a_public_holiday_takes_one_day_of_a_cfa_week(tmp_path):
    weeks = weeks_of(tmp_path, **cohort_dates(date(2025, 11, 3), date(2025, 11, 28)))
    armistice = weeks[date(2025, 11, 10)]
    assert armistice.minutes == 28 * H
    assert date(2025, 11, 11) not in armistice.open_days
    assert armistice.closed_days == ((date(2025, 11, 11), "Armistice"),)
    assert not armistice.closed
    assert weeks[date(2025, 11, 3)].minutes == 35 * H  # 1 November 2025 is a Saturday


def test_a_day_is_a_fifth_of_hours_per_week(tmp_path):
    dates = cohort_dates(date(2025, 11, 3), date(2025, 11, 28))
    dates["cohort"]["hours_per_week"] = 30
    weeks = weeks_of(tmp_path, **dates)
    assert weeks[date(2025, 11, 10)].minutes == 24 * H
    assert weeks[date(2025, 11, 17)].minutes == 30 * H


def test_alsace_moselle_good_friday_shortens_the_week(tmp_path):
    dates = cohort_dates(date(2025, 3, 31), date(2025, 5, 2))
    metropole = weeks_of(tmp_path, **dates)
    alsace = weeks_of(tmp_path, {"public_holidays": "alsace-moselle"}, **dates)
    assert metropole[date(2025, 4, 14)].minutes == 35 * H
    assert alsace[date(2025, 4, 14)].minutes == 28 * H
    assert metropole[date(2025, 4, 21)].minutes == alsace[date(2025, 4, 21)].minutes == 28 * H  # Easter Monday


def test_school_holiday_weeks_are_closed_weeks(tmp_path):
    weeks = weeks_of(tmp_path, {"school_holidays_zone": "A"}, **cohort_dates(date(2025, 12, 1), date(2026, 1, 30)))
    for monday in (date(2025, 12, 22), date(2025, 12, 29)):
        assert weeks[monday].closed and weeks[monday].minutes == 0 and weeks[monday].open_days == ()
        assert len(weeks[monday].closed_days) == 5
    assert not weeks[date(2025, 12, 15)].closed
    assert weeks[date(2026, 1, 5)].minutes == 35 * H


def test_zone_decides_which_weeks_are_closed(tmp_path):
    dates = cohort_dates(date(2026, 1, 5), date(2026, 3, 27))
    a = weeks_of(tmp_path, {"school_holidays_zone": "A"}, **dates)
    c = weeks_of(tmp_path, {"school_holidays_zone": "C"}, **dates)
    assert a[date(2026, 2, 9)].closed and not c[date(2026, 2, 9)].closed
    assert c[date(2026, 3, 2)].closed and not a[date(2026, 3, 2)].closed


def test_closures_and_public_holidays_together_close_a_week(tmp_path):
    # Ascension week 2025: Thursday is a public holiday; the plan closes the four other days.
    closures = [
        {"name": "Pont", "start": date(2025, 5, 26), "end": date(2025, 5, 28)},
        {"name": "Pont de l'Ascension", "start": date(2025, 5, 30), "end": date(2025, 5, 30)},
    ]
    weeks = weeks_of(tmp_path, closures=closures, **cohort_dates(date(2025, 5, 5), date(2025, 6, 27)))
    ascension = weeks[date(2025, 5, 26)]
    assert ascension.closed and ascension.minutes == 0
    assert set(ascension.reasons) == {"Pont", "Ascension", "Pont de l'Ascension"}
    assert weeks[date(2025, 6, 9)].minutes == 28 * H  # Whit Monday
    assert weeks[date(2025, 5, 5)].minutes == 28 * H  # 8 May


def test_a_one_day_closure_shortens_the_week(tmp_path):
    weeks = weeks_of(tmp_path, closures=[{"start": date(2025, 9, 19), "end": date(2025, 9, 19)}])
    assert weeks[date(2025, 9, 15)].minutes == 28 * H and not weeks[date(2025, 9, 15)].closed


def test_partial_first_and_last_weeks(tmp_path):
    weeks = weeks_of(tmp_path, **cohort_dates(date(2025, 9, 3), date(2025, 10, 28)))  # Wednesday to Tuesday
    first, last = weeks[min(weeks)], weeks[max(weeks)]
    assert first.monday == date(2025, 9, 1)
    assert first.open_days == (date(2025, 9, 3), date(2025, 9, 4), date(2025, 9, 5))
    assert first.minutes == 3 * 7 * H
    assert last.monday == date(2025, 10, 27) and last.minutes == 2 * 7 * H


def test_training_years_are_cut_at_1_august(tmp_path):
    weeks = weeks_of(tmp_path, **cohort_dates(date(2025, 6, 2), date(2025, 9, 26)))
    years = {monday: w.year for monday, w in weeks.items()}
    assert years[date(2025, 6, 2)] == 0
    assert years[date(2025, 7, 28)] == 0  # its Monday is still in July
    assert years[date(2025, 8, 4)] == 1
    assert years[date(2025, 9, 22)] == 1
    assert sorted(set(years.values())) == [0, 1]


def test_a_two_year_cohort_has_two_training_years(tmp_path):
    weeks = weeks_of(tmp_path, **cohort_dates(date(2024, 9, 2), date(2026, 6, 26)))
    assert weeks[date(2025, 6, 30)].year == 0
    assert weeks[date(2025, 9, 1)].year == 1
    assert weeks[date(2026, 6, 22)].year == 1


def test_the_fast_school_holiday_reader_gives_the_library_data() -> None:
    """facts.weeks reads vacances-scolaires-france's data file itself, faster: same rows."""
    from vacances_scolaires_france import SchoolHolidayDates

    from alternance.facts.weeks import _SchoolHolidays

    ours, theirs = _SchoolHolidays(), SchoolHolidayDates()
    assert len(ours.data) > 5000
    assert ours.data == theirs.data
    assert (ours.min_year, ours.max_year) == (theirs.min_year, theirs.max_year)


def test_a_peak_meets_a_week_exactly_when_it_covers_one_of_its_days() -> None:
    """`Peak.meets`, which spares make_problem the day-by-day look-up of most weeks, against the
    day-by-day answer: fixed and yearly peaks (over New Year too), weeks all through the year."""
    import random

    from alternance.domain import Peak

    rng = random.Random(5)
    for _case in range(3000):
        if rng.random() < 0.5:
            start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 700))
            peak = Peak(start=start, end=start + timedelta(days=rng.randint(0, 60)))
        else:
            first = date(2024, 1, 1) + timedelta(days=rng.randint(0, 365))
            last = first + timedelta(days=rng.randint(0, 120))
            peak = Peak(every_year=True, start_md=(first.month, first.day), end_md=(last.month, last.day))
        monday = date(2024, 12, 30) + timedelta(weeks=rng.randint(0, 110))
        days = [monday + timedelta(days=i) for i in range(7)]
        assert peak.meets(days[0], days[-1]) == any(peak.covers(d) for d in days), (peak, monday)

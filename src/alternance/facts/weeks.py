"""Calendar facts: public holidays, school holidays, closures and the weeks of each cohort.

Pure functions of the plan and two maintained data libraries (`holidays` for public holidays,
`vacances-scolaires-france` for the ministry's school-holiday zones); no solver here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays as holidays_lib
import vacances_scolaires_france
from vacances_scolaires_france import SchoolHolidayDates

from ..domain import Cohort, Plan, age_on, monday_of

MINOR_DAY_MINUTES = 8 * 60  # under 18: at most 8 h of work a day (Code du travail L3162-1)

WEEKDAYS = 5
WEEK_DAYS = 6  # a CFA week may hold a Saturday (cohort cfa_days), never a Sunday
# `holidays` subdivision for Alsace-Moselle: Moselle ("57") has the same two extra days
# (Good Friday, 26 December) as Bas-Rhin and Haut-Rhin ("6AE").
PUBLIC_HOLIDAY_SUBDIVISION = {"metropole": None, "alsace-moselle": "57"}
# The days an apprentice revises before the written exams (Code du travail L6222-35): neither at
# the CFA nor in the company. The reason those days are closed, and the feeds' event title.
REVISION = "Révisions (congé d'examen, art. L6222-35)"


class _SchoolHolidays(SchoolHolidayDates):
    """vacances-scolaires-france's own data, read faster: its `load_data` parses each of the
    14 000 days of `data/data.csv` with `csv.DictReader` and `strptime` (a quarter of a second,
    half of `alternance check`); this reads the same file into the same rows with
    `date.fromisoformat`. A file of another shape goes to the library's own reader, and
    tests/test_weeks.py checks that both give the same data."""

    HEADER = "date,vacances_zone_a,vacances_zone_b,vacances_zone_c,nom_vacances"

    def load_data(self) -> None:
        path = Path(vacances_scolaires_france.__file__).parent / "data" / "data.csv"
        with path.open(encoding="utf-8") as f:
            lines = f.read().splitlines()
        if not lines or lines[0] != self.HEADER or any('"' in line for line in lines):
            super().load_data()
            return
        for line in lines[1:]:
            day, a, b, c, name = line.split(",", 4)
            if "True" not in (a, b, c):
                continue
            if not name:
                raise ValueError("Holiday name not set for date: " + day)
            when = date.fromisoformat(day)
            self.data[when] = {
                "date": when,
                "vacances_zone_a": a == "True",
                "vacances_zone_b": b == "True",
                "vacances_zone_c": c == "True",
                "nom_vacances": name,
            }


@cache
def _school_data() -> SchoolHolidayDates:
    return _SchoolHolidays()


def _school_year(day: date) -> int:
    """The calendar year in which the school (and training) year of `day` began, cut at 1 August."""
    return day.year if day.month >= 8 else day.year - 1


@cache
def school_holiday_coverage() -> tuple[date, date]:
    """First and last day for which the school-holiday data is real.

    The library answers "no holiday" for any date of its last calendar year after the data
    ends, so the honest end is the last holiday it lists (the end of its last summer).
    """
    listed = _school_data().data.keys()
    return date(_school_year(min(listed)), 8, 1), max(listed)


@cache
def public_holidays(kind: str, year: int) -> dict[date, str]:
    """French public holidays of one calendar year, named in French."""
    found = holidays_lib.France(years=year, subdiv=PUBLIC_HOLIDAY_SUBDIVISION[kind], language="fr")
    return dict(found.items())


def school_holidays(zone: str, start: date, end: date) -> dict[date, str]:
    """Days of `zone`'s school holidays between start and end (inclusive), with their names."""
    if zone == "none":
        return {}
    first, last = school_holiday_coverage()
    if start < first or end > last:
        raise ValueError(f"school holidays are known from {first} to {last}, not {start} to {end}")
    key = "vacances_zone_" + zone.lower()
    data = _school_data().data
    return {day: row["nom_vacances"] for day, row in data.items() if start <= day <= end and row[key]}


@dataclass(frozen=True)
class Week:
    """One Monday-to-Sunday week of a cohort's training, as the calendar makes it."""

    monday: date
    open_days: tuple[date, ...]  # training weekdays on which the CFA can teach
    minutes: int  # CFA minutes if this week is a CFA week
    closed_days: tuple[tuple[date, str], ...]  # training weekdays closed, with the reason
    year: int  # training year, 0 for the first (cut at each 1 August)

    @property
    def closed(self) -> bool:
        """A closed week: no weekday open, so a company week that the rhythm skips."""
        return not self.open_days

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reason for _, reason in self.closed_days))

    @property
    def label(self) -> str:
        """ISO week label, e.g. 2025-W11."""
        iso = self.monday.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"


def cfa_day_minutes(plan: Plan, cohort: Cohort, day: date) -> int:
    """CFA minutes of one open day: the cohort's day, cut to whole slots within 8 h on a day
    when one of its apprentices is under 18 (only when the plan has lesson slots)."""
    day_minutes = cohort.minutes_on(day.weekday())
    if day_minutes <= MINOR_DAY_MINUTES or not plan.day_slots:
        return day_minutes
    minors = any(
        a.birth_date is not None and age_on(a.birth_date, day) < 18
        for a in plan.apprentices_of(cohort.id)
        if a.under_contract(day)
    )
    return best_slot_total(tuple(s.minutes for s in plan.day_slots), MINOR_DAY_MINUTES) if minors else day_minutes


class SiteCalendar:
    """The days on which one site's CFA is closed, and why."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._school: dict[date, str] = {}
        if plan.cohorts and plan.school_holidays_zone != "none":
            lo = min(c.start for c in plan.cohorts) - timedelta(days=7)
            hi = max(c.end for c in plan.cohorts) + timedelta(days=7)
            first, last = school_holiday_coverage()
            self._school = school_holidays(plan.school_holidays_zone, max(lo, first), min(hi, last))

    def public_holiday(self, day: date) -> str | None:
        return public_holidays(self.plan.public_holidays, day.year).get(day)

    def closed_reason(self, day: date, cohort_id: str | None = None) -> str | None:
        """Why the CFA is closed on `day` (for that cohort), or None when it is open (weekends are
        not asked)."""
        name = self.public_holiday(day)
        if name:
            return name
        for closure in self.plan.closures:
            if closure.closes(day, cohort_id):
                return closure.name
        return self._school.get(day)

    def revision_days(self, cohort: Cohort) -> tuple[date, ...]:
        """The cohort's `revision_days` last open weekdays (no public holiday, the CFA not closed)
        strictly before its first written exam day, in date order."""
        if not cohort.revision_days or cohort.written_exams is None:
            return ()
        found: list[date] = []
        day = cohort.written_exams[0] - timedelta(days=1)
        while len(found) < cohort.revision_days and day >= cohort.start:
            if day.weekday() < WEEKDAYS and self.closed_reason(day, cohort.id) is None:
                found.append(day)
            day -= timedelta(days=1)
        return tuple(reversed(found))

    def cohort_weeks(self, cohort: Cohort) -> tuple[Week, ...]:
        """Every week from the one holding the cohort's first day to the one holding its last.
        Revision days are closed days of the cohort, as a closure of its own would be."""
        revising = set(self.revision_days(cohort))
        weeks = []
        first_year = _school_year(cohort.start)
        monday = monday_of(cohort.start)
        while monday <= cohort.end:
            days = [monday + timedelta(days=i) for i in range(WEEK_DAYS)]
            training = [d for d in days if cohort.start <= d <= cohort.end and d.weekday() in cohort.cfa_days]
            closed = tuple(
                (d, r) for d in training if (r := REVISION if d in revising else self.closed_reason(d, cohort.id))
            )
            shut = {d for d, _ in closed}
            open_days = tuple(d for d in training if d not in shut)
            weeks.append(
                Week(
                    monday=monday,
                    open_days=open_days,
                    minutes=sum(cfa_day_minutes(self.plan, cohort, d) for d in open_days),
                    closed_days=closed,
                    year=_school_year(max(monday, cohort.start)) - first_year,
                )
            )
            monday += timedelta(days=7)
        return tuple(weeks)


@cache
def best_slot_total(lengths: tuple[int, ...], limit: int) -> int:
    """The most minutes a subset of the day's slots can fill without passing `limit`."""
    sums = {0}
    for length in lengths:
        sums |= {s + length for s in sums if s + length <= limit}
    return max(sums)


@cache
def slot_sums(lengths: tuple[int, ...], limit: int) -> tuple[int, ...]:
    """Every total up to `limit` that slots of these lengths can add up to (each used any number of times)."""
    reachable = [False] * (limit + 1)
    reachable[0] = True
    for total in range(1, limit + 1):
        reachable[total] = any(total >= n and reachable[total - n] for n in set(lengths))
    return tuple(t for t, ok in enumerate(reachable) if ok)

"""Week shapes: a CFA week with a Saturday morning (`cfa_days` up to Saturday, `day_hours`):
the weeks give its hours, the short day holds only the first slots of the day, the feeds say
so, and every wrong shape is one line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from helpers import load, make_plan
from test_lessons import broken, solved, subject, trainer

SIX = ["monday", "tuesday", "wednesday", "thursday", "friday", "samedi"]
SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]  # 7 h: 2 h + 1 h 30 in the morning


def saturday_plan(folder: Path, **cohort) -> Path:
    return make_plan(
        folder,
        {"day_slots": SLOTS},
        cohort={"cfa_days": SIX, "hours_per_week": 38.5, "day_hours": {"saturday": 3.5}, **cohort},
        programme={"total_hours": 154, "subject": [subject("maths", 60), subject("eco", 40)]},
        extra="\n" + trainer("t-a", ["maths", "eco"]),
    )


def test_a_week_with_a_saturday_morning(tmp_path: Path) -> None:
    path = saturday_plan(tmp_path)
    (cohort,) = load(path).cohorts
    assert cohort.cfa_days == (0, 1, 2, 3, 4, 5) and cohort.day_minutes == 7 * 60
    assert cohort.minutes_on(5) == 210 and cohort.minutes_on(6) == 0
    b = solved(path)  # the plain-Python checks accept the calendar and the timetable
    weeks = [w for w in b.problem.cohorts[0].weeks if not w.closed]
    full = [w for w in weeks if len(w.open_days) == 6]
    assert full and all(w.minutes == 38 * 60 + 30 for w in full)  # 5 x 7 h + 3 h 30
    saturdays = [x for x in b.lessons.lessons if x.day.weekday() == 5]
    assert saturdays, "no CFA Saturday was taught"
    assert {x.slot for x in saturdays} <= {0, 1}
    by_day: dict = {}
    for x in saturdays:
        by_day[x.day] = by_day.get(x.day, 0) + x.minutes
    assert set(by_day.values()) == {210}
    # The check is an independent reading: an afternoon lesson on a Saturday is refused.
    moved = [
        x if x is not saturdays[0] else type(x)(**{**x.__dict__, "slot": 2, "minutes": 120}) for x in b.lessons.lessons
    ]
    assert any("short day" in line for line in broken(b, moved))


def test_the_saturday_lessons_end_before_noon_in_the_feed(tmp_path: Path) -> None:
    path = saturday_plan(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    events = Calendar.from_ical((out / "c1" / "lessons.ics").read_bytes()).walk("VEVENT")
    saturdays = [e for e in events if e.decoded("DTSTART").weekday() == 5]
    assert saturdays
    assert all(e.decoded("DTEND").time() <= time(12, 15) for e in saturdays)


def test_wrong_shapes_are_one_line_each(tmp_path: Path) -> None:
    cases = {
        "sunday": (
            {"day_hours": {"dimanche": 3.5}},
            "cohort[c1].day_hours.dimanche: 'dimanche' is not one of the cohort's cfa_days",
        ),
        "split": (
            {"day_hours": {"saturday": 3.5}, "hours_per_week": 38.6},
            "cohort[c1].day_hours: the 3 h 30 of these days leave 35 h 06 of hours_per_week for the 5 other",
        ),
        "slots": (
            {"day_hours": {"saturday": 3}, "hours_per_week": 38},
            "cohort[c1].day_hours: Saturday: a day of 3 h is not filled by the first slots",
        ),
    }
    for name, (cohort, expected) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        path = saturday_plan(folder, **cohort)
        result = CliRunner().invoke(main, ["check", str(path)])
        assert result.exit_code == 2, (name, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{path}: {expected}"), (name, lines)


@pytest.mark.parametrize(
    "days, week, shape, slots",
    [
        (SIX, 37, {"saturday": 2}, SLOTS),  # a Saturday of one 2 h slot
        (["lundi", "mardi", "mercredi", "jeudi", "vendredi"], 31.5, {"vendredi": 3.5}, SLOTS),  # a short Friday
        (SIX, 35, {"mercredi": 3.5, "samedi": 3.5}, SLOTS),  # a Wednesday and a Saturday morning
    ],
)
def test_other_week_shapes_give_a_timetable_the_checks_accept(
    tmp_path: Path, days: list[str], week: float, shape: dict, slots: list[str]
) -> None:
    path = make_plan(
        tmp_path,
        {"day_slots": slots},
        cohort={"cfa_days": days, "hours_per_week": week, "day_hours": shape},
        programme={"total_hours": 4 * week, "subject": [subject("maths", 40), subject("eco", 30)]},
        extra="\n" + trainer("t-a", ["maths", "eco"]),
    )
    (cohort,) = load(path).cohorts
    b = solved(path)  # asserts that every hard rule holds, by the plain-Python checks
    for x in b.lessons.lessons:
        assert x.slot < len(slots)
    grid = sum(1 for _s in slots)
    for day in {x.day for x in b.lessons.lessons}:
        used = sorted(x.slot for x in b.lessons.lessons if x.day == day)
        if cohort.minutes_on(day.weekday()) < cohort.day_minutes:
            assert used == list(range(len(used))) and len(used) < grid, (day, used)

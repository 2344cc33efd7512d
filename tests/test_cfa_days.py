"""`cfa_days`: a CFA week of some weekdays only (e.g. Monday to Thursday, 8 h a day): the weeks,
the lessons and the hours follow those days, and a bad day name is one line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from helpers import load, make_plan
from test_lessons import solved, subject, trainer

FOUR = ["lundi", "tuesday", "wednesday", "jeudi"]


def test_a_four_day_week_of_eight_hours(tmp_path: Path) -> None:
    path = make_plan(
        tmp_path,
        {"day_slots": ["08:00-12:00", "13:00-17:00"]},
        cohort={"cfa_days": FOUR, "hours_per_week": 32},
        programme={"total_hours": 128, "subject": [subject("maths", 32)]},
        extra="\n" + trainer("t-a", ["maths"]),
    )
    (cohort,) = load(path).cohorts
    assert cohort.cfa_days == (0, 1, 2, 3) and cohort.day_minutes == 8 * 60
    b = solved(path)
    weeks = [w for w in b.problem.cohorts[0].weeks if not w.closed]
    assert all(w.minutes == 32 * 60 and all(d.weekday() < 4 for d in w.open_days) for w in weeks)
    assert b.lessons.lessons and all(x.day.weekday() < 4 for x in b.lessons.lessons)  # never a Friday
    assert sum(w.minutes for w in b.solution.cohort("c1").weeks) >= 128 * 60


def test_a_bad_day_is_one_line_with_a_guess(tmp_path: Path) -> None:
    path = make_plan(tmp_path, cohort={"cfa_days": ["monday", "tuesdy", "dimanche"], "hours_per_week": 21})
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert [x for x in result.output.splitlines() if "cfa_days" in x] == [
        f"{path}: cohort[c1].cfa_days[1]: 'tuesdy' is not a day from Monday to Saturday; did you mean 'tuesday'?"
    ]

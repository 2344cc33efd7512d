"""Lessons inside CFA weeks (SPEC "Lessons"): one test per hard rule on a tiny plan.

Each rule test checks the solver's timetable and also that `broken_lesson_rules` catches a copy of
it broken on purpose, so the plain-Python check the build relies on can fail. Then the loader's
checks of trainers and slots, and plans without a timetable through the CLI (exit 1, an
explanation naming what blocks, the previous feeds untouched).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from ortools.sat.python import cp_model

from alternance.build import PlanBuild, solve_plan
from alternance.cli import main
from alternance.domain import Unavailability, monday_of
from alternance.schedule.lessons import (
    ACCOMPANIMENT,
    LESSON_GOALS,
    Lesson,
    _deviations,
    broken_lesson_rules,
    lesson_goals,
    longest_gaps,
    subject_minutes,
)
from alternance.schedule.rhythm import broken_rules
from alternance.solver import SolverSettings
from alternance.solver.lessons import LessonSettings, _clashing_quotas, _Clock, build_lessons, week_problem
from alternance.solver.quotas import spread_band
from helpers import load, make_plan, problems

SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]  # 2 h + 1 h 30 + 2 h + 1 h 30 = 7 h
# A 9 h day (hours_per_week = 45): under 18 it is cut to the four 2 h slots, 8 h.
LONG_SLOTS = ["08:00-10:00", "10:15-12:15", "13:15-15:15", "15:30-17:30", "17:30-18:30"]
WEDNESDAY, THURSDAY = 2, 3


def trainer(
    tid: str,
    subjects: list[str],
    max_hours: float | None = None,
    weekdays: tuple[str, ...] = (),
    dates: tuple[tuple[date, date], ...] = (),
) -> str:
    """One [[trainer]] table as TOML text."""
    lines = [
        "[[trainer]]",
        f'id = "{tid}"',
        f'name = "Formateur {tid}"',
        "subjects = [" + ", ".join(f'"{s}"' for s in subjects) + "]",
    ]
    if max_hours is not None:
        lines.append(f"max_hours_per_week = {max_hours}")
    for day in weekdays:
        lines += ["[[trainer.unavailable]]", f'weekday = "{day}"']
    for start, end in dates:
        lines += ["[[trainer.unavailable]]", f"start = {start.isoformat()}", f"end = {end.isoformat()}"]
    return "\n".join(lines) + "\n"


def subject(sid: str, hours: float, exam: str = "ccf") -> dict:
    return {"id": sid, "name": sid.capitalize(), "hours": hours, "exam": exam}


def lesson_plan(
    folder: Path,
    subjects: list[dict],
    trainers: list[str],
    total_hours: float = 140,
    slots: list[str] = SLOTS,
    name: str = "plan.toml",
    **items,
) -> Path:
    """The conftest plan (nine open weeks, autumn 2025) with lesson slots, subjects and trainers."""
    return make_plan(
        folder,
        {"day_slots": slots},
        name=name,
        programme={"total_hours": total_hours, "subject": subjects},
        extra="\n" + "\n".join(trainers),
        **items,
    )


def solved(path: Path) -> PlanBuild:
    b = solve_plan(load(path), SolverSettings(time_limit=10))
    assert b.lessons is not None and b.lesson_problem is not None
    assert broken_rules(b.problem, b.solution) == []
    assert broken_lesson_rules(b.lesson_problem, b.lessons) == []
    return b


def broken(b: PlanBuild, lessons) -> list[str]:
    """The rules a hand-edited copy of the solver's timetable breaks."""
    return broken_lesson_rules(b.lesson_problem, replace(b.lessons, lessons=tuple(lessons)))


def swapped(lessons: tuple[Lesson, ...], a: Lesson, b: Lesson) -> list[Lesson]:
    """Exchange what fills two slots of one cohort of equal length: every subject keeps its hours."""
    assert a.cohort == b.cohort and a.minutes == b.minutes
    out = list(lessons)
    out[out.index(a)] = replace(a, subject=b.subject, trainer=b.trainer)
    out[out.index(b)] = replace(b, subject=a.subject, trainer=a.trainer)
    return out


def days_of(b: PlanBuild, cohort: str = "c1") -> list:
    return [d for cl in b.lesson_problem.cohorts if cl.cohort.id == cohort for d in cl.days]


def cfa_minutes(b: PlanBuild, cohort: str = "c1") -> int:
    return b.solution.cohort(cohort).minutes


# --- exact hours -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_subjects(tmp_path_factory) -> PlanBuild:
    folder = tmp_path_factory.mktemp("three")
    path = lesson_plan(
        folder,
        [subject("maths", 20), subject("francais", 17.5), subject("eco", 12, "written")],
        [trainer("t-a", ["maths", "eco"]), trainer("t-b", ["francais"])],
        cohort={"written_exams": {"start": date(2025, 10, 20), "end": date(2025, 10, 24)}},
    )
    return solved(path)


def test_every_subject_gets_exactly_its_hours(three_subjects: PlanBuild) -> None:
    b = three_subjects
    totals = subject_minutes(b.lessons, "c1")
    assert {k: v for k, v in totals.items() if k != ACCOMPANIMENT} == {"maths": 1200, "francais": 1050, "eco": 720}
    # every lesson fills exactly one slot of the day, with that slot's length
    lengths = [s.minutes for s in b.lesson_problem.slots]
    assert all(x.minutes == lengths[x.slot] for x in b.lessons.lessons)
    assert all(
        x.trainer == {"maths": "t-a", "eco": "t-a", "francais": "t-b", ACCOMPANIMENT: None}[x.subject]
        for x in b.lessons.lessons
    )

    # One maths slot turned into accompaniment: maths is short.
    maths = next(x for x in b.lessons.lessons if x.subject == "maths")
    found = broken(b, [replace(x, subject=ACCOMPANIMENT, trainer=None) if x == maths else x for x in b.lessons.lessons])
    assert f"c1: maths gets {1200 - maths.minutes} min, not 1200" in found
    # One accompaniment slot turned into French: French has too much.
    extra = next(x for x in b.lessons.lessons if x.subject == ACCOMPANIMENT)
    found = broken(b, [replace(x, subject="francais", trainer="t-b") if x == extra else x for x in b.lessons.lessons])
    assert f"c1: francais gets {1050 + extra.minutes} min, not 1050" in found


def test_every_open_day_of_a_cfa_week_is_filled_with_whole_slots(three_subjects: PlanBuild) -> None:
    b = three_subjects
    cfa_days = {d.day for d in days_of(b)}
    assert {x.day for x in b.lessons.lessons} == cfa_days
    for d in days_of(b):
        assert sorted(x.slot for x in b.lessons.lessons if x.day == d.day) == [0, 1, 2, 3]
    assert sum(x.minutes for x in b.lessons.lessons) == cfa_minutes(b)

    # A slot left empty, and a slot given twice.
    first = b.lessons.lessons[0]
    assert f"c1: {first.day} has {420 - first.minutes} min of lessons, not 420" in broken(b, b.lessons.lessons[1:])
    twice = broken(b, (*b.lessons.lessons, replace(first, subject=ACCOMPANIMENT, trainer=None)))
    assert f"c1: two lessons in slot {first.slot} on {first.day}" in twice


def test_soft_goals_are_recomputed_and_the_spread_claim_holds(three_subjects: PlanBuild) -> None:
    b = three_subjects
    goals = lesson_goals(b.lesson_problem, b.lessons)
    assert set(goals) == set(LESSON_GOALS) and all(v >= 0 for v in goals.values())
    assert goals["trainer_days"] == len({(x.trainer, x.day) for x in b.lessons.lessons if x.trainer})
    (cl,) = b.lesson_problem.cohorts
    assert b.lessons.spread_weeks is not None
    week_of = {d.day: d.week for d in cl.days}
    for s in cl.subjects:
        per_week = [0] * cl.cfa_weeks
        for x in b.lessons.lessons:
            if x.subject == s.id:
                per_week[week_of[x.day]] += x.minutes
        # the solver says every subject stays within `spread_weeks` of an even progress
        assert max(_deviations(per_week, list(cl.targets(s)))) <= spread_band(
            b.lesson_problem, 0, s.id, b.lessons.spread_weeks
        )

    # longest_gaps counts the CFA weeks in a row without the subject
    gaps = longest_gaps(b.lesson_problem, b.lessons)
    assert set(gaps) == {("c1", "maths"), ("c1", "francais"), ("c1", "eco")}
    emptied = [
        replace(x, subject=ACCOMPANIMENT, trainer=None) if x.subject == "maths" and week_of[x.day] < 3 else x
        for x in b.lessons.lessons
    ]
    assert longest_gaps(b.lesson_problem, replace(b.lessons, lessons=tuple(emptied)))["c1", "maths"] >= 3


# --- trainers ----------------------------------------------------------------------------------


def test_trainer_unavailable_weekdays(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path,
        [subject("maths", 24), subject("francais", 20)],
        [trainer("t-a", ["maths"], weekdays=("wednesday", "jeudi")), trainer("t-b", ["francais"])],
    )
    b = solved(path)
    assert b.plan.trainer("t-a").unavailable == (Unavailability(weekday=WEDNESDAY), Unavailability(weekday=THURSDAY))
    lessons = b.lessons.lessons
    assert not [x for x in lessons if x.trainer == "t-a" and x.day.weekday() in (WEDNESDAY, THURSDAY)]
    assert subject_minutes(b.lessons, "c1")["maths"] == 24 * 60
    assert any(x.day.weekday() == WEDNESDAY for x in lessons)  # the CFA does teach on Wednesdays

    # Maths moved onto a Wednesday (in exchange for what was there): t-a is away.
    maths = next(x for x in lessons if x.subject == "maths")
    other = next(x for x in lessons if x.day.weekday() == WEDNESDAY and x.slot == maths.slot)
    assert f"c1: t-a is unavailable on {other.day}" in broken(b, swapped(lessons, maths, other))


def test_trainer_unavailable_dates(tmp_path: Path) -> None:
    away = (date(2025, 9, 1), date(2025, 10, 8))  # inclusive: Wednesday 8 October is still away
    path = lesson_plan(
        tmp_path,
        [subject("maths", 10), subject("francais", 20)],
        [trainer("t-a", ["maths"], dates=(away,)), trainer("t-b", ["francais"])],
    )
    b = solved(path)
    lessons = b.lessons.lessons
    assert not [x for x in lessons if x.subject == "maths" and away[0] <= x.day <= away[1]]
    assert subject_minutes(b.lessons, "c1")["maths"] == 600
    inside = [x for x in lessons if away[0] <= x.day <= away[1]]
    assert inside, "no CFA day while t-a is away: the rule was not exercised"

    maths = next(x for x in lessons if x.subject == "maths")
    other = next(x for x in inside if x.slot == maths.slot)
    assert f"c1: t-a is unavailable on {other.day}" in broken(b, swapped(lessons, maths, other))


def two_week_cohorts(**extra) -> dict:
    """Two cohorts of two weeks and 70 h: both at the CFA in both weeks, at the same time."""
    end = date(2025, 9, 12)
    return {
        "cohorts": [{"id": "c1", "end": end, **extra}, {"id": "c2", "name": "Cohort 2", "end": end, **extra}],
        "apprentice": {"contract_end": end},
    }


def test_trainer_weekly_maximum_across_two_cohorts(tmp_path: Path) -> None:
    # Each cohort needs 12 h of maths in two weeks; t-a teaches both and at most 12 h a week: full.
    path = lesson_plan(
        tmp_path,
        [subject("maths", 12)],
        [trainer("t-a", ["maths"], max_hours=12)],
        total_hours=70,
        **two_week_cohorts(),
    )
    b = solved(path)
    load_by_week: dict[date, int] = {}
    for x in b.lessons.lessons:
        if x.trainer == "t-a":
            load_by_week[monday_of(x.day)] = load_by_week.get(monday_of(x.day), 0) + x.minutes
    assert load_by_week == {date(2025, 9, 1): 720, date(2025, 9, 8): 720}
    for cohort in ("c1", "c2"):
        assert subject_minutes(b.lessons, cohort)["maths"] == 720

    # A cohort moves one maths slot into the other week: its hours are kept, but that week is over
    # t-a's maximum.
    lessons = b.lessons.lessons
    moved, into = next(
        (x, y)
        for x in lessons
        if x.subject == "maths"
        for y in lessons
        if y.cohort == x.cohort
        and y.subject == ACCOMPANIMENT
        and y.minutes == x.minutes
        and monday_of(y.day) != monday_of(x.day)
    )
    found = broken(b, swapped(lessons, moved, into))
    assert f"t-a: {720 + moved.minutes} min in week {monday_of(into.day)}, more than 720" in found
    assert not [line for line in found if "maths gets" in line]


def test_shared_trainer_is_never_in_two_places(tmp_path: Path) -> None:
    # 35 h of maths for each cohort in 70 h of slots: t-a teaches in every slot, one cohort at a time.
    path = lesson_plan(
        tmp_path, [subject("maths", 35)], [trainer("t-a", ["maths"])], total_hours=70, **two_week_cohorts()
    )
    b = solved(path)
    lessons = b.lessons.lessons
    taught = {}
    for x in lessons:
        if x.trainer == "t-a":
            assert (x.day, x.slot) not in taught, f"t-a in two places on {x.day} slot {x.slot}"
            taught[x.day, x.slot] = x.cohort
    assert len(taught) == 10 * 4  # every slot of the two weeks

    # c1 takes a slot that c2 has (and gives back another of the same length): t-a is double-booked.
    clash = next(x for x in lessons if x.cohort == "c2" and x.subject == "maths")
    mine = next(x for x in lessons if x.cohort == "c1" and (x.day, x.slot) == (clash.day, clash.slot))
    giving = next(x for x in lessons if x.cohort == "c1" and x.subject == "maths" and x.minutes == mine.minutes)
    found = broken(b, swapped(lessons, mine, giving))
    assert any(f"t-a is in two places on {clash.day} slot {clash.slot}" in line for line in found), found


# --- days --------------------------------------------------------------------------------------


def test_at_most_four_hours_of_a_subject_a_day(tmp_path: Path) -> None:
    # One CFA week and 20 h of maths: exactly 4 h every day.
    end = date(2025, 9, 5)
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 15)],
        [trainer("t-a", ["maths"]), trainer("t-b", ["francais"])],
        total_hours=35,
        cohort={"end": end},
        apprentice={"contract_end": end},
    )
    b = solved(path)
    per_day: dict[date, int] = {}
    for x in b.lessons.lessons:
        if x.subject == "maths":
            per_day[x.day] = per_day.get(x.day, 0) + x.minutes
    assert per_day == {date(2025, 9, d): 240 for d in range(1, 6)}
    assert ACCOMPANIMENT not in subject_minutes(b.lessons, "c1")  # subjects fill all 35 h

    # 4 h a day is only the two 2 h slots: French has the 1 h 30 ones. One more maths slot on Monday.
    assert {x.slot for x in b.lessons.lessons if x.subject == "maths"} == {0, 2}
    lessons = b.lessons.lessons
    monday = next(x for x in lessons if x.day == date(2025, 9, 1) and x.subject == "francais")
    found = broken(b, [replace(x, subject="maths", trainer="t-a") if x == monday else x for x in lessons])
    assert f"c1: {240 + monday.minutes} min of maths on 2025-09-01, more than 4 h" in found


def test_under_18_days_are_cut_to_eight_hours(tmp_path: Path) -> None:
    # 45 h weeks (9 h days); the apprentice turns 18 on Wednesday 3 September 2025.
    end = date(2025, 9, 5)
    path = lesson_plan(
        tmp_path,
        [subject("maths", 12)],
        [trainer("t-a", ["maths"])],
        total_hours=43,
        slots=LONG_SLOTS,
        cohort={"end": end, "hours_per_week": 45},
        apprentice={"contract_end": end, "birth_date": date(2007, 9, 3)},
    )
    b = solved(path)
    (cl,) = b.lesson_problem.cohorts
    assert cl.minors == {date(2025, 9, 1), date(2025, 9, 2)}
    assert b.solution.cohort("c1").weeks[0].minutes == 2 * 480 + 3 * 540  # 43 h
    filled = {d.day: sum(x.minutes for x in b.lessons.lessons if x.day == d.day) for d in cl.days}
    assert filled == {
        date(2025, 9, 1): 480,
        date(2025, 9, 2): 480,
        date(2025, 9, 3): 540,
        date(2025, 9, 4): 540,
        date(2025, 9, 5): 540,
    }
    # 8 h of whole slots: the four 2 h slots, the last 1 h slot left empty
    assert {x.slot for x in b.lessons.lessons if x.day == date(2025, 9, 1)} == {0, 1, 2, 3}

    more = Lesson("c1", date(2025, 9, 1), 4, ACCOMPANIMENT, None, 60)
    assert "c1: 540 min on 2025-09-01 with an apprentice under 18" in broken(b, (*b.lessons.lessons, more))


def test_under_18_all_cycle(tmp_path: Path) -> None:
    """A 16-year-old in a 45 h cohort: every CFA day is 8 h of the four 2 h slots, every week 40 h.
    Subject hours in whole 2 h slots, so a timetable exists."""
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 20)],
        [trainer("t-a", ["maths"]), trainer("t-b", ["francais"])],
        total_hours=160,
        slots=LONG_SLOTS,
        cohort={"hours_per_week": 45},
        apprentice={"birth_date": date(2009, 2, 1)},
    )
    b = solved(path)
    (cl,) = b.lesson_problem.cohorts
    assert cl.minors == {d.day for d in cl.days}
    for d in cl.days:
        assert sum(x.minutes for x in b.lessons.lessons if x.day == d.day) == 480
    assert all(w.minutes in (0, 2400) for w in b.solution.cohort("c1").weeks)


def test_written_exam_subjects_end_before_the_exams(tmp_path: Path) -> None:
    exams = date(2025, 10, 8)  # a Wednesday: Monday and Tuesday of that week are still allowed
    path = lesson_plan(
        tmp_path,
        [subject("eco", 21, "written"), subject("maths", 20)],
        [trainer("t-a", ["eco"]), trainer("t-b", ["maths"])],
        cohort={"written_exams": {"start": exams, "end": date(2025, 10, 17)}},
    )
    b = solved(path)
    lessons = b.lessons.lessons
    assert max(x.day for x in lessons if x.subject == "eco") < exams
    assert subject_minutes(b.lessons, "c1")["eco"] == 21 * 60
    after = [x for x in lessons if x.day >= exams]
    assert after, "no CFA day after the exams start: the rule was not exercised"

    eco = next(x for x in lessons if x.subject == "eco")
    other = next(x for x in after if x.minutes == eco.minutes)
    found = broken(b, swapped(lessons, eco, other))
    assert f"c1: written-exam subject eco on {other.day}, after the exams start {exams}" in found


def test_no_lesson_on_public_holidays_or_closures(tmp_path: Path) -> None:
    # Two weeks of November 2025: closure on Friday 7, Armistice on Tuesday 11; 28 h each.
    start, end = date(2025, 11, 3), date(2025, 11, 14)
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20)],
        [trainer("t-a", ["maths"])],
        total_hours=56,
        cohort={"start": start, "end": end},
        apprentice={"contract_start": start, "contract_end": end},
        closures=[{"name": "Pont", "start": date(2025, 11, 7), "end": date(2025, 11, 7)}],
    )
    b = solved(path)
    open_days = {start + timedelta(days=i) for i in range(12) if (start + timedelta(days=i)).weekday() < 5} - {
        date(2025, 11, 7),
        date(2025, 11, 11),
    }
    assert {x.day for x in b.lessons.lessons} == open_days
    assert sum(x.minutes for x in b.lessons.lessons) == 56 * 60

    holiday = [Lesson("c1", date(2025, 11, 11), k, ACCOMPANIMENT, None, m) for k, m in enumerate((120, 90, 120, 90))]
    assert "c1: lesson on 2025-11-11, which is not an open day of a CFA week" in broken(
        b, b.lessons.lessons + tuple(holiday)
    )


def test_no_lesson_in_company_weeks(three_subjects: PlanBuild) -> None:
    b = three_subjects
    company = [w.monday for w in b.solution.cohort("c1").weeks if w.kind != "cfa"]
    assert company and not [x for x in b.lessons.lessons if monday_of(x.day) in company]
    moved = [
        replace(x, day=x.day + timedelta(days=7)) if monday_of(x.day) + timedelta(days=7) in company else x
        for x in b.lessons.lessons
    ]
    assert any("which is not an open day of a CFA week" in line for line in broken(b, moved))


# --- accompaniment -----------------------------------------------------------------------------


def test_accompaniment_fills_the_cfa_hours_beyond_the_subjects(three_subjects: PlanBuild) -> None:
    b = three_subjects
    accompaniment = [x for x in b.lessons.lessons if x.subject == ACCOMPANIMENT]
    assert sum(x.minutes for x in accompaniment) == cfa_minutes(b) - (1200 + 1050 + 720)
    assert accompaniment and all(x.trainer is None for x in accompaniment)

    given = [replace(x, trainer="t-a") if x == accompaniment[0] else x for x in b.lessons.lessons]
    assert "c1: accompaniment with a trainer" in broken(b, given)


def test_no_accompaniment_when_the_subjects_take_every_hour(tmp_path: Path) -> None:
    end = date(2025, 9, 5)
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 15)],
        [trainer("t-a", ["maths", "francais"])],
        total_hours=35,
        cohort={"end": end},
        apprentice={"contract_end": end},
    )
    b = solved(path)
    assert subject_minutes(b.lessons, "c1") == {"maths": 1200, "francais": 900}


def test_cohort_chooses_between_two_trainers(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 20)],
        [trainer("t-a", ["maths", "francais"]), trainer("t-b", ["francais"])],
        cohort={"trainers": {"francais": "t-b"}},
    )
    b = solved(path)
    assert b.plan.trainer_of("c1", "francais") == "t-b" and b.plan.trainer_of("c1", "maths") == "t-a"
    assert {x.trainer for x in b.lessons.lessons if x.subject == "francais"} == {"t-b"}
    wrong = next(x for x in b.lessons.lessons if x.subject == "francais")
    found = broken(b, [replace(x, trainer="t-a") if x == wrong else x for x in b.lessons.lessons])
    assert f"c1: francais on {wrong.day} taught by t-a, not t-b" in found


# --- loader ------------------------------------------------------------------------------------


def one_problem(path: Path):
    found = problems(path)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_day_slots_must_add_up_to_a_day(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"])], cohort={"hours_per_week": 30})
    p = one_problem(path)
    assert p.place == "cohort[c1].hours_per_week"
    assert "6 h" in p.message and "7 h" in p.message


@pytest.mark.parametrize(
    "slots, index",
    [
        (["08:30-10:30", "10:00-12:00", "13:30-15:30", "15:45-16:45"], 1),  # overlaps the first
        (["08:30-10:30", "10:30-12:00", "13:30-16:00", "15:45-16:45"], 3),  # overlaps the third
        (["8h30-10h30", "10:45-12:15", "13:30-15:30", "15:45-17:15"], 0),  # not HH:MM-HH:MM
        (["10:30-08:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"], 0),  # ends before it starts
        (["08:30-10:30", "10:45-12:15", "13:30-15:30", "24:00-25:30"], 3),  # not a time of day
        (["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:65-17:15"], 3),  # 65 minutes
        (["08:30-10:30", 1045, "13:30-15:30", "15:45-17:15"], 1),  # not a string
    ],
)
def test_malformed_or_overlapping_slots(tmp_path: Path, slots, index) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"])], slots=slots)
    assert one_problem(path).place == f"plan.day_slots[{index}]"


def test_day_slots_must_be_a_list(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"])], slots=[])
    assert one_problem(path).place == "plan.day_slots"


def test_unknown_trainer_in_cohort_trainers(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"])], cohort={"trainers": {"maths": "t-nobody"}}
    )
    p = one_problem(path)
    assert p.place == "cohort[c1].trainers.maths" and "t-nobody" in p.message


def test_cohort_names_a_trainer_who_does_not_teach_the_subject(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 10)],
        [trainer("t-a", ["maths"]), trainer("t-b", ["francais"])],
        cohort={"trainers": {"maths": "t-b"}},
    )
    p = one_problem(path)
    assert p.place == "cohort[c1].trainers.maths" and "t-b" in p.message


def test_trainer_lists_an_unknown_subject(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths", "latin"])])
    p = one_problem(path)
    assert p.place == "trainer[t-a].subjects" and "latin" in p.message


def test_subject_without_trainer(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20), subject("francais", 10)], [trainer("t-a", ["maths"])])
    p = one_problem(path)
    assert p.place.startswith("cohort[c1]") and "francais" in p.message


def test_subject_with_two_trainers_and_no_choice(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"]), trainer("t-b", ["maths"])])
    p = one_problem(path)
    assert p.place == "cohort[c1].trainers"
    assert "maths" in p.message and "t-a" in p.message and "t-b" in p.message


def test_unknown_weekday(tmp_path: Path) -> None:
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"], weekdays=("wensday",))])
    p = one_problem(path)
    assert p.place == "trainer[t-a].unavailable[1].weekday" and "wensday" in p.message


def test_check_prints_lesson_problems_one_line_each(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path,
        [subject("maths", 20), subject("francais", 10)],
        [trainer("t-a", ["maths", "latin"], weekdays=("someday",))],
    )
    result = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert "Traceback" not in result.output
    assert any("trainer[t-a].subjects" in line and "latin" in line for line in lines)
    assert any("trainer[t-a].unavailable[1].weekday" in line for line in lines)
    assert any("francais" in line for line in lines)


# --- no timetable: exit 1 with a reason, the previous feeds untouched ----------------------------


TODAY = "2025-08-01"  # before every week of these plans: nothing published is frozen yet


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Feeds of a plan with lessons, as a previous build left them."""
    folder = tmp_path_factory.mktemp("published")
    path = lesson_plan(folder, [subject("maths", 20)], [trainer("t-a", ["maths"])])
    result = CliRunner().invoke(
        main, ["build", str(path), "--out", str(folder / "out"), "--today", TODAY], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "c1" / "lessons.ics").exists()
    return folder / "out"


def build_without_solution(tmp_path: Path, published: Path, path: Path) -> str:
    out = tmp_path / "out"
    shutil.copytree(published, out)
    # with its link secret, as a site keeps it: without it the build refuses before solving
    shutil.copytree(published.parent / ".alternance-secrets", tmp_path / ".alternance-secrets")
    before = tree(out)
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", TODAY], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) in ([], [".out.lock"])
    return result.stderr


def test_weekly_maximum_too_small_for_the_slots(tmp_path: Path, published: Path) -> None:
    # 2 h 30 a week holds one 2 h slot (or one 1 h 30): four CFA weeks give 8 h, not 10 h.
    path = lesson_plan(tmp_path, [subject("maths", 10)], [trainer("t-a", ["maths"], max_hours=2.5)], name="p.toml")
    message = build_without_solution(tmp_path, published, path)
    assert "t-a" in message and "max_hours_per_week" in message
    assert "week 2025-" in message


def test_weekly_maximum_too_small_for_the_subject_hours(tmp_path: Path, published: Path) -> None:
    # 4 h a week for 20 h of maths needs five CFA weeks, but 140 h allows four.
    path = lesson_plan(tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"], max_hours=4)], name="p.toml")
    message = build_without_solution(tmp_path, published, path)
    assert "t-a" in message
    assert "max_hours_per_week" in message, message


def test_written_subjects_too_big_for_the_weeks_before_the_exams(tmp_path: Path, published: Path) -> None:
    # 72 h of written-exam subjects, and only two weeks (70 h) before the exams.
    path = lesson_plan(
        tmp_path,
        [subject("eco", 36, "written"), subject("francais", 36, "written")],
        [trainer("t-a", ["eco"]), trainer("t-b", ["francais"])],
        name="p.toml",
        cohort={"written_exams": {"start": date(2025, 9, 15), "end": date(2025, 9, 19)}},
    )
    message = build_without_solution(tmp_path, published, path)
    assert "cohort[c1].written_exams" in message


def test_one_written_subject_too_big_to_finish_before_the_exams(tmp_path: Path, published: Path) -> None:
    # Ten days before the exams at most 4 h a day of eco: 40 h, not 45 h. Its trainer is never away,
    # so the explanation must point at the exams (and the 4 h a day), not at the trainer.
    path = lesson_plan(
        tmp_path,
        [subject("eco", 45, "written")],
        [trainer("t-a", ["eco"])],
        name="p.toml",
        cohort={"written_exams": {"start": date(2025, 9, 15), "end": date(2025, 9, 19)}},
    )
    message = build_without_solution(tmp_path, published, path)
    assert "eco" in message
    assert "written_exams" in message, message


def test_two_trainers_on_the_same_single_day(tmp_path: Path, published: Path) -> None:
    # Both trainers come only on Mondays; each subject alone fits (4 Mondays x 4 h = 16 h) but
    # together they need 32 h of the 28 h that four Mondays hold.
    away = ("tuesday", "wednesday", "thursday", "friday")
    path = lesson_plan(
        tmp_path,
        [subject("maths", 16), subject("francais", 16)],
        [trainer("t-a", ["maths"], weekdays=away), trainer("t-b", ["francais"], weekdays=away)],
        name="p.toml",
    )
    message = build_without_solution(tmp_path, published, path)
    assert "trainer[t-a].unavailable" in message or "trainer[t-b].unavailable" in message, message


# --- weeks in which nothing can be taught, and trainers shared by cohorts of unequal weeks --------


@pytest.mark.parametrize("case", ["trainer away", "after the written exams"])
def test_a_cfa_week_in_which_no_subject_can_be_taught_is_all_accompaniment(tmp_path: Path, case: str) -> None:
    if case == "trainer away":  # the only trainer is away for the first three weeks
        path = lesson_plan(
            tmp_path,
            [subject("maths", 10)],
            [trainer("t-a", ["maths"], dates=((date(2025, 9, 1), date(2025, 9, 19)),))],
        )
        blocked = lambda day: day <= date(2025, 9, 19)  # noqa: E731
    else:  # the only subject is a written one, and CFA weeks follow the exams
        path = lesson_plan(
            tmp_path,
            [subject("maths", 10, "written")],
            [trainer("t-a", ["maths"])],
            cohort={"written_exams": {"start": date(2025, 10, 13), "end": date(2025, 10, 17)}},
        )
        blocked = lambda day: day >= date(2025, 10, 13)  # noqa: E731
    b = solved(path)
    days = [d.day for d in days_of(b) if blocked(d.day)]
    assert days, "no CFA day in the blocked weeks: the case was not exercised"
    for day in days:
        mine = [x for x in b.lessons.lessons if x.day == day]
        assert sum(x.minutes for x in mine) == 420 and {x.subject for x in mine} == {ACCOMPANIMENT}


def test_shared_trainer_capacity_counts_every_cohort_present(tmp_path: Path) -> None:
    """c0 starts on a Thursday, c1 on the Monday before; t-a teaches maths to both. In the first
    week t-a can teach c1 from Monday, so 12 h + 38 h of maths fit (whatever the cohorts' order)."""
    end = date(2025, 9, 12)
    extra = '[[programme]]\nid = "p1"\nname = "P1"\ntotal_hours = 70\n[[programme.subject]]\nid = "maths"\nname = "Maths"\nhours = 38\n'
    path = make_plan(
        tmp_path,
        {"day_slots": SLOTS},
        programme={"total_hours": 49, "subject": [subject("maths", 12)]},
        cohorts=[
            {"id": "c0", "start": date(2025, 9, 4), "end": end},
            {"id": "c1", "name": "Cohort 1", "programme": "p1", "end": end},
        ],
        apprentice={"cohort": "c1", "contract_end": end},
        extra=extra + "\n" + trainer("t-a", ["maths"]),
    )
    b = solved(path)
    assert subject_minutes(b.lessons, "c0")["maths"] == 720
    assert subject_minutes(b.lessons, "c1")["maths"] == 38 * 60


def test_weeks_laid_out_side_by_side_give_the_timetable_of_one_at_a_time(tmp_path: Path) -> None:
    # Week layouts run on two threads by default; each is its own deterministic solve, so the
    # timetable must be the one that laying the weeks out one after the other gives.
    path = lesson_plan(
        tmp_path,
        [subject("maths", 30), subject("french", 30, exam="written"), subject("eco", 10)],
        [trainer("t-a", ["maths", "eco"], max_hours=16, weekdays=("wednesday",)), trainer("t-b", ["french"])],
        cohort={"written_exams": {"start": date(2025, 10, 20), "end": date(2025, 10, 24)}},
    )
    plan = load(path)
    one = solve_plan(plan, SolverSettings(time_limit=10), lesson_settings=LessonSettings(threads=1))
    two = solve_plan(plan, SolverSettings(time_limit=10), lesson_settings=LessonSettings(threads=2))
    assert len({monday_of(x.day) for x in one.lessons.lessons}) >= 4
    assert one.lessons.lessons == two.lessons.lessons
    assert broken_lesson_rules(two.lesson_problem, two.lessons) == []


def test_a_refused_week_is_cut_down_to_the_quotas_that_clash(tmp_path: Path) -> None:
    # t-a teaches maths on Mondays only, so 6 h of maths in one week (4 h a day at most) has no
    # layout, whatever French gets; the cut names maths alone, so a repair cannot dodge it by
    # moving French hours.
    path = lesson_plan(
        tmp_path,
        [subject("maths", 12), subject("french", 20)],
        [
            trainer("t-a", ["maths"], weekdays=("tuesday", "wednesday", "thursday", "friday")),
            trainer("t-b", ["french"]),
        ],
    )
    b = solved(path)
    problem = b.lesson_problem
    first = problem.cohorts[0].days[0]
    week = {(0, first.week, "maths"): 360, (0, first.week, "french"): 240}
    settings = LessonSettings()
    cut = _clashing_quotas(problem, settings, _Clock(time.monotonic(), settings.time_limit), week, monday_of(first.day))
    assert cut == {(0, first.week, "maths"): 360}

    # The week as refused is indeed without a layout, and so is the cut alone; French alone is not.
    def status(quotas):
        m = build_lessons(week_problem(problem, monday_of(first.day), quotas), soft=False)
        return cp_model.CpSolver().solve(m.model)

    assert status({("c1", "maths"): 360, ("c1", "french"): 240}) == cp_model.INFEASIBLE
    assert status({("c1", "maths"): 360}) == cp_model.INFEASIBLE
    assert status({("c1", "french"): 240}) in (cp_model.OPTIMAL, cp_model.FEASIBLE)

"""Random tiny plans with lessons: the build either proves there is no timetable (NoSolution) or
gives one that keeps every hard rule of the rhythm and of the lessons, keeps its own spread
claim, and is the same timetable when solved again."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from alternance.build import solve_plan
from alternance.errors import NoSolution
from alternance.plan.loader import load_plans
from alternance.schedule.lessons import ACCOMPANIMENT, _deviations, broken_lesson_rules, lesson_events, subject_minutes
from alternance.schedule.rhythm import broken_rules
from alternance.solver import SolverSettings
from alternance.solver.quotas import spread_band
from helpers import toml_text

SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]
LONG_SLOTS = ["08:00-10:00", "10:15-12:15", "13:15-15:15", "15:30-17:30", "17:30-18:30"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
START, END = date(2025, 9, 1), date(2025, 10, 31)  # nine open weeks, no public holiday


@st.composite
def lesson_plans(draw) -> str:
    long_days = draw(st.integers(0, 3)) == 0  # 45 h weeks of 9 h days, sometimes with a minor
    n_subjects = draw(st.integers(2, 4))
    subjects = [
        {
            "id": f"s{i}",
            "name": f"Matière {i}",
            "hours": draw(st.sampled_from([2, 4, 6, 7.5, 8, 10, 12, 14])),
            "exam": draw(st.sampled_from(["ccf", "ccf", "written"])),
        }
        for i in range(n_subjects)
    ]
    week = 40 if long_days else 35
    total = week * draw(st.integers(2, 4))
    n_trainers = draw(st.integers(1, 3))
    owner = [draw(st.integers(0, n_trainers - 1)) for _ in subjects]
    trainers = []
    for t in range(n_trainers):
        lines = [
            "[[trainer]]",
            f'id = "t-{t}"',
            f'name = "Formateur {t}"',
            "subjects = [" + ", ".join(f'"s{i}"' for i, o in enumerate(owner) if o == t) + "]",
        ]
        maximum = draw(st.sampled_from([None, None, 6, 8, 12, 20]))
        if maximum is not None:
            lines.append(f"max_hours_per_week = {maximum}")
        for day in sorted(draw(st.sets(st.sampled_from(WEEKDAYS), max_size=2))):
            lines += ["[[trainer.unavailable]]", f'weekday = "{day}"']
        if draw(st.integers(0, 3)) == 0:
            first = START + timedelta(days=draw(st.integers(0, 55)))
            lines += [
                "[[trainer.unavailable]]",
                f"start = {first}",
                f"end = {first + timedelta(days=draw(st.integers(0, 9)))}",
            ]
        trainers.append("\n".join(lines))
    cohorts, apprentices = [], []
    for c in range(draw(st.integers(1, 2))):
        start = START + timedelta(days=7 * draw(st.integers(0, 1)))
        cohort = {
            "id": f"c{c}",
            "name": f"Cohorte {c}",
            "start": start,
            "end": END,
            "hours_per_week": 45 if long_days else 35,
        }
        if draw(st.booleans()):
            exams = date(2025, 9, 29) + timedelta(days=draw(st.integers(0, 25)))
            cohort["written_exams"] = {"start": exams, "end": exams + timedelta(days=3)}
        cohorts.append(cohort)
        born = (
            date(2008, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
            if long_days and draw(st.booleans())
            else date(2000, 1, 1)
        )
        apprentices.append(
            {
                "id": f"a-{c}",
                "name": f"Apprenti {c}",
                "cohort": f"c{c}",
                "birth_date": born,
                "contract_start": start,
                "contract_end": END,
                "exempt": draw(st.lists(st.sampled_from([s["id"] for s in subjects]), max_size=1)),
            }
        )
    return toml_text(
        {"day_slots": LONG_SLOTS if long_days else SLOTS},
        extra="\n" + "\n\n".join(trainers) + "\n",
        programme={"total_hours": total, "subject": subjects},
        cohorts=cohorts,
        apprentices=apprentices,
    )


def _solve(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.toml"
        path.write_text(text, encoding="utf-8")
        (plan,) = load_plans([path])
    return solve_plan(plan, SolverSettings(time_limit=10))


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lesson_plans())
def test_random_plans_solve_to_valid_deterministic_lessons(text: str) -> None:
    note(text)
    try:
        b = _solve(text)
    except NoSolution as failure:
        event("no solution")
        assert str(failure).strip()
        return
    event("solved")
    assert b.lessons is not None
    assert broken_rules(b.problem, b.solution) == []
    assert broken_lesson_rules(b.lesson_problem, b.lessons) == []
    for ci, cl in enumerate(b.lesson_problem.cohorts):
        cid = cl.cohort.id
        totals = subject_minutes(b.lessons, cid)
        assert {s.id: totals.get(s.id, 0) for s in cl.subjects} == {s.id: s.minutes for s in cl.subjects}
        assert sum(totals.values()) == b.solution.cohort(cid).minutes
        assert totals.get(ACCOMPANIMENT, 0) == b.solution.cohort(cid).minutes - sum(s.minutes for s in cl.subjects)
        # the spread the solver claims holds, recomputed here
        if b.lessons.spread_weeks is not None:
            week_of = {d.day: d.week for d in cl.days}
            for s in cl.subjects:
                per_week = [0] * cl.cfa_weeks
                for x in b.lessons.of(cid):
                    if x.subject == s.id:
                        per_week[week_of[x.day]] += x.minutes
                deviations = _deviations(per_week, list(cl.targets(s)))
                assert max(deviations, default=0) <= spread_band(b.lesson_problem, ci, s.id, b.lessons.spread_weeks)
        # the calendar's events are the lessons, merged
        events = lesson_events(b.lesson_problem, b.lessons)[cid]
        assert sum(e.minutes for e in events) == sum(totals.values())
    again = _solve(text)
    assert again.lessons.lessons == b.lessons.lessons
    assert again.solution.cohorts == b.solution.cohorts

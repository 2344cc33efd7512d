"""A seeded generator of small plans with lessons, and their lesson problems.

`plan_text(seed)` writes one plan: 1 to 3 cohorts of one programme over the nine open weeks of
autumn 2025, 2 to 6 trainers away on some weekdays or dates (some with a weekly maximum), tight
hours (subjects summing to `total_hours`) or loose ones, sometimes written exams, one of a few
slot grids, and on 9 h days sometimes an apprentice under 18. `lesson_problem(seed)` solves its
rhythm and returns the lesson problem (None when the rhythm itself has no solution).
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from alternance.errors import NoSolution
from alternance.plan.loader import load_plans
from alternance.schedule.lessons import LessonProblem, make_lesson_problem
from alternance.schedule.rhythm import make_problem
from alternance.solver import SolverSettings, solve_rhythm
from helpers import toml_text

START, END = date(2025, 9, 1), date(2025, 10, 31)  # nine open weeks, no public holiday
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
# (slots, hours of a day, a slot's hours that subject hours are multiples of): the issue's
# 2 h / 1 h 30 grid, two half-days, five uneven slots, 9 h days.
GRIDS = (
    (["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"], 7, 2.0),
    (["08:30-12:00", "13:00-16:30"], 7, 3.5),
    (["08:30-10:00", "10:15-11:45", "11:45-12:30", "13:30-15:00", "15:15-17:00"], 7, 1.5),
    (["08:00-10:00", "10:15-12:15", "13:15-15:15", "15:30-17:30", "17:30-18:30"], 9, 1.0),
)


def _trainer(rng: random.Random, t: int, subjects: list[str]) -> str:
    """One [[trainer]] table: the subjects, maybe a weekly maximum, weekdays and dates away."""
    lines = [
        "[[trainer]]",
        f'id = "t-{t}"',
        f'name = "Formateur {t}"',
        "subjects = [" + ", ".join(f'"{s}"' for s in subjects) + "]",
    ]
    maximum = rng.choice([None, None, None, 14, 21, 28])
    if maximum is not None:
        lines.append(f"max_hours_per_week = {maximum}")
    for day in sorted(rng.sample(WEEKDAYS, rng.choice([0, 0, 1, 1, 2]))):
        lines += ["[[trainer.unavailable]]", f'weekday = "{day}"']
    if rng.random() < 0.3:
        first = START + timedelta(days=rng.randint(0, 55))
        lines += ["[[trainer.unavailable]]", f"start = {first}", f"end = {first + timedelta(days=rng.randint(0, 9))}"]
    return "\n".join(lines)


def plan_text(seed: int) -> str:
    """The plan of this seed (the same text every time)."""
    rng = random.Random(seed)
    slots, day_hours, unit = rng.choice(GRIDS)
    week = 5 * day_hours
    total = week * 4
    n_subjects = rng.randint(2, 5)
    n_trainers = rng.randint(2, min(6, n_subjects + 1))
    tight = rng.random() < 0.5
    share = [rng.randint(1, 4) for _ in range(n_subjects)]
    units = int(total // unit) if tight else int(total * rng.choice([0.5, 0.6, 0.7]) // unit)
    counts = [units * x // sum(share) for x in share]
    counts[0] += units - sum(counts)
    hours = [n * unit for n in counts]
    if tight:
        hours[0] += total - sum(hours)  # the subjects sum to total_hours exactly
    subjects = [
        {"id": f"s{i}", "name": f"Matière {i}", "hours": h, "exam": rng.choice(["ccf", "ccf", "written"])}
        for i, h in enumerate(hours)
    ]
    owner = [i % n_trainers if i < n_trainers else rng.randrange(n_trainers) for i in range(n_subjects)]
    trainers = [
        _trainer(rng, t, [s["id"] for s, o in zip(subjects, owner, strict=True) if o == t])
        for t in range(n_trainers)
        if t in owner
    ]
    cohorts, apprentices = [], []
    for c in range(rng.randint(1, 3)):
        start = START + timedelta(days=7 * rng.randint(0, 1))
        cohort = {
            "id": f"c{c}",
            "name": f"Cohorte {c}",
            "start": start,
            "end": END,
            "rhythm": rng.choice([[1, 1], [2, 2]]),
            "hours_per_week": week,
        }
        if rng.random() < 0.4:
            exams = date(2025, 10, 6) + timedelta(days=rng.randint(0, 18))
            cohort["written_exams"] = {"start": exams, "end": exams + timedelta(days=3)}
        cohorts.append(cohort)
        minor = day_hours > 8 and rng.random() < 0.5
        apprentices.append(
            {
                "id": f"a-{c}",
                "name": f"Apprenti {c}",
                "cohort": f"c{c}",
                "birth_date": date(2008, 6, 1) if minor else date(2000, 1, 1),
                "contract_start": start,
                "contract_end": END,
            }
        )
    return toml_text(
        {"day_slots": slots},
        extra="\n" + "\n\n".join(trainers) + "\n",
        programme={"total_hours": total, "subject": subjects},
        cohorts=cohorts,
        apprentices=apprentices,
    )


def lesson_problem(seed: int) -> LessonProblem | None:
    """The lesson problem of this seed's plan on its solved rhythm; None if the rhythm has none."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.toml"
        path.write_text(plan_text(seed), encoding="utf-8")
        (plan,) = load_plans([path])
    problem = make_problem(plan)
    try:
        solution = solve_rhythm(problem, SolverSettings(time_limit=10))
    except NoSolution:
        return None
    return make_lesson_problem(plan, problem, solution)

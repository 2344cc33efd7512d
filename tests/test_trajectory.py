"""The quota level's built first answer (`solver/trajectory.py`), on the seeded small plans.

Two claims are checked against independent judges:
- the linear relaxation's "no solution" is a proof: CP-SAT on the whole quota model agrees;
- a built answer holds every weekly rule, recomputed here in plain Python from the plan.
"""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from alternance.schedule.lessons import MAX_SUBJECT_DAY_MINUTES, LessonProblem
from alternance.solver.quotas import build_quotas, quota_variables, spread_band
from alternance.solver.trajectory import built_answer, relaxation
from lesson_plans import lesson_problem

SEEDS = range(40)
RUNGS = (1, 2, 4, 8, None)
_CACHE: dict[int, LessonProblem | None] = {}


def _problem(seed: int) -> LessonProblem:
    if seed not in _CACHE:
        _CACHE[seed] = lesson_problem(seed)
    problem = _CACHE[seed]
    if problem is None:
        pytest.skip("the rhythm of this plan has no solution")
    return problem


def _decided(model: cp_model.CpModel) -> cp_model.CpSolverStatus:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 60
    status = solver.solve(model)
    assert status != cp_model.UNKNOWN, "the reference solve is undecided"
    return status


def broken_weekly_rules(
    problem: LessonProblem, weeks: int | None, minutes: dict[tuple[int, int, str], int]
) -> list[str]:
    """Every weekly rule of the quota level, from the plan: exact subject hours, the band around
    an even progress, a week's room, 4 h a day on the days the subject may be taught, and each
    trainer's weekly maximum over all cohorts."""
    found = []
    trainer_week: dict[tuple[str, object], int] = {}
    for ci, cl in enumerate(problem.cohorts):
        weeks_of = sorted({d.week for d in cl.days})
        for w in weeks_of:
            days = [d for d in cl.days if d.week == w]
            used = sum(minutes.get((ci, w, s.id), 0) for s in cl.subjects)
            if used > sum(d.minutes for d in days):
                found.append(f"{cl.cohort.id} week {w}: {used} min do not fit")
            for s in cl.subjects:
                got = minutes.get((ci, w, s.id), 0)
                allowed = [d for d in days if problem.allowed(cl, s, d.day)]
                if got > MAX_SUBJECT_DAY_MINUTES * len(allowed):
                    found.append(f"{cl.cohort.id} week {w}: {got} min of {s.id} on {len(allowed)} days")
                if got:
                    key = (cl.trainers[s.id], min(d.day for d in days).isocalendar()[:2])
                    trainer_week[key] = trainer_week.get(key, 0) + got
        for s in cl.subjects:
            done = 0
            targets = cl.targets(s)
            for w in weeks_of:
                done += minutes.get((ci, w, s.id), 0)
                if weeks is not None and w < len(targets):
                    band = spread_band(problem, ci, s.id, weeks)
                    if abs(done - targets[w]) > band:
                        found.append(f"{cl.cohort.id} {s.id} week {w}: {done} min against {targets[w]} ± {band}")
            if done != s.minutes:
                found.append(f"{cl.cohort.id} {s.id}: {done} min, not {s.minutes}")
    for (tid, week), used in sorted(trainer_week.items()):
        most = problem.plan.trainer(tid).max_week_minutes
        if most is not None and used > most:
            found.append(f"{tid} in week {week}: {used} min, more than {most}")
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_the_relaxation_says_none_only_when_the_quota_model_has_none(seed: int) -> None:
    problem = _problem(seed)
    everyone = set(range(len(problem.cohorts)))
    for weeks in RUNGS:
        relaxed = relaxation(quota_variables(problem), weeks, everyone, {})
        status = _decided(build_quotas(problem, weeks).model)
        if relaxed is None:
            assert status == cp_model.INFEASIBLE, f"band {weeks}: the relaxation has no solution, the model has one"


def _solve(model: cp_model.CpModel) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 1.0
    return solver, solver.solve(model)


def _built(seed: int) -> list[tuple[int | None, dict[tuple[int, int, str], int]]]:
    """The rungs of this plan that got a built answer, with its minutes."""
    problem = _problem(seed)
    found = []
    for weeks in RUNGS:
        _, q, solver = built_answer(problem, weeks, [], None, [], _solve)
        if q is not None and solver is not None:
            found.append((weeks, {(ci, w, sid): solver.value(q.week_minutes(ci, w, sid)) for ci, w, sid, _ in q.n}))
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_a_built_answer_holds_every_weekly_rule(seed: int) -> None:
    problem = _problem(seed)
    for weeks, minutes in _built(seed):
        assert broken_weekly_rules(problem, weeks, minutes) == [], f"band {weeks}"


def test_the_built_answers_are_exercised() -> None:
    """Most plans with a rhythm get a built answer on some rung (else the test above is empty)."""
    seeds = [seed for seed in SEEDS if _CACHE.setdefault(seed, lesson_problem(seed)) is not None]
    built = [seed for seed in seeds if _built(seed)]
    assert len(built) >= len(seeds) // 2, (len(built), len(seeds))


def test_the_checker_sees_a_moved_slot() -> None:
    """The plain-Python checker is not blind: one slot moved out of a built answer is caught."""
    for seed in SEEDS:
        if _CACHE.setdefault(seed, lesson_problem(seed)) is None:
            continue
        for weeks, minutes in _built(seed):
            key = next(k for k, v in sorted(minutes.items()) if v)
            moved = {**minutes, key: minutes[key] - 30}
            assert broken_weekly_rules(_problem(seed), weeks, moved)
            return
    pytest.fail("no built answer to alter")

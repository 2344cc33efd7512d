"""Why the lessons cannot be placed, naming the trainer, week, subject or rule that blocks.

The same method as for the rhythm: the failing model (the weekly quotas, or one week's layout) is
rebuilt with a guard literal on every rule from the plan file, CP-SAT names a set of guards that
cannot hold together, and a deletion loop makes it minimal. A weekly maximum in the clash is then
measured: with that one limit lifted, how many hours would the trainer need that week?
"""

from __future__ import annotations

from datetime import date

from ortools.sat.python import cp_model

from ..domain import hours, monday_of
from ..schedule.lessons import LessonProblem
from .core import Deadline, Rule, RuleKind, minimal_core
from .lessons import build_lessons, week_problem
from .quotas import build_quotas


def _model(problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None):
    if week is None:
        return build_quotas(problem, guarded=True)
    return build_lessons(week_problem(problem, week, quotas or {}), guarded=True, soft=False)


def _clash(
    problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None, deadline: Deadline
) -> tuple[list[Rule], bool]:
    def make():
        m = _model(problem, week, quotas)
        return m.model, m.guards

    return minimal_core(make, deadline)


def _trainer_need(problem: LessonProblem, rule: Rule, week: date | None, quotas, deadline: Deadline) -> int | None:
    """Least minutes the trainer must teach in the rule's week when only that limit is lifted."""
    tid, monday = rule.trainer, rule.week
    m = _model(problem, week, quotas)
    for key, lit in m.guards.literals.items():
        m.model.add(lit == (key != rule.key))  # every rule of the plan but this one limit
    load = []
    if week is None:
        for (ci, w, sid, length), var in m.n.items():
            cl = problem.cohorts[ci]
            first = next(d.day for d in cl.days if d.week == w)
            if cl.trainers[sid] == tid and monday_of(first) == monday:
                load.append(length * var)
    else:
        sub = m.problem
        for (ci, _di, k, sid), var in m.y.items():
            cl = sub.cohorts[ci]
            if sid in cl.trainers and cl.trainers[sid] == tid:
                load.append(sub.slots[k].minutes * var)
    m.model.minimize(sum(load))
    status, solver = deadline.solve(m.model)
    if status != cp_model.OPTIMAL:  # a need quoted to the planner must be the least one
        return None
    return round(solver.objective_value)


def _describe(problem: LessonProblem, rule: Rule) -> str:
    plan = problem.plan
    if rule.kind == RuleKind.SUBJECT_HOURS:
        cohort, subject = rule.cohort, rule.subject
        minutes = next(
            (s.minutes for c in problem.cohorts if c.cohort.id == cohort for s in c.subjects if s.id == subject), 0
        )
        return f"{cohort} must get exactly {hours(minutes)} of {subject} ({rule.place})"
    if rule.kind == RuleKind.TRAINER_MAX:
        tid = rule.trainer
        return f"{tid} teaches at most {hours(plan.trainer(tid).max_week_minutes)} a week ({rule.place})"
    if rule.kind == RuleKind.UNAVAILABLE:
        return f"{rule.place.split('.')[0]} is away on some days ({rule.place})"
    if rule.kind == RuleKind.EXAMS:
        return f"{rule.cohort}'s written-exam subjects end before its written exams ({rule.place})"
    if rule.kind == RuleKind.SUBJECT_DAY_LIMIT:
        return "at most 4 h of one subject a day"
    if rule.kind == RuleKind.UNDER18:
        return f"at most 8 h a day for {rule.cohort}'s apprentices under 18"
    return rule.place


def explain_lessons(
    problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None = None, seconds: float = 120.0
) -> list[str]:
    """Sentences naming the trainer, week, subject or rule that blocks, found within `seconds`."""
    deadline = Deadline.after(seconds)
    clash, minimal = _clash(problem, week, quotas, deadline)
    where = "over the cycle" if week is None else f"in week {week}"
    if not clash:
        return [
            f"{problem.plan.id}: the lessons cannot be placed {where} (the clash could not be isolated in {seconds:g} s; a larger --time-limit gives the explanation more time)"
        ]
    lines = []
    for rule in clash:
        if rule.kind == RuleKind.TRAINER_MAX:
            tid, monday = rule.trainer, rule.week
            need = _trainer_need(problem, rule, week, quotas, deadline)
            limit = problem.plan.trainer(tid).max_week_minutes
            if need is not None:
                lines.append(
                    f"{tid} would need {hours(need)} in week {monday} but max_hours_per_week is {hours(limit)}."
                )
    others = [r for r in clash if r.kind != RuleKind.TRAINER_MAX or not lines]
    if others:
        # In one week, a subject's hours are that week's share, not the whole cycle's.
        scope = problem if week is None else week_problem(problem, week, quotas or {})
        lines.append(
            f"The lessons cannot be placed {where}: "
            + "; ".join(_describe(scope, r) for r in others)
            + " cannot all hold."
        )
    lines.append("Rules in conflict: " + ", ".join(sorted({r.place for r in clash})) + ".")
    if not minimal:
        lines.append(
            f"(The time limit of {seconds:g} s ended the search for the smallest clash: some rules named may not be needed for it.)"
        )
    return lines

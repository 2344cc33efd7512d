"""Why the lessons cannot be placed, naming the trainer, week, subject or rule that blocks.

The same method as for the rhythm: the failing model (the whole cycle's timetable, or one week's
layout) is rebuilt with a guard literal on every rule from the plan file, CP-SAT names a set of guards that
cannot hold together, and a deletion loop makes it minimal. A weekly maximum in the clash is then
measured: with that one limit lifted, how many hours would the trainer need that week?
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ortools.sat.python import cp_model

from ..domain import hours, monday_of
from ..i18n import _
from ..schedule.lessons import LessonProblem
from ..schedule.rules import describe
from .core import Deadline, Guards, Rule, RuleKind, minimal_core
from .lessons import build_lessons, future_problem, week_problem
from .quotas import build_quotas


def _model(problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None):
    """The guarded model that failed: the whole cycle (week None) or one week's layout."""
    if week is None:
        return build_lessons(future_problem(problem), guarded=True, soft=False)
    return build_lessons(week_problem(problem, week, quotas or {}), guarded=True, soft=False)


def _clash(
    problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None, deadline: Deadline
) -> tuple[list[Rule], bool]:
    """The smallest set of plan rules that cannot hold. Over the cycle, the hours per week (a
    relaxation with only plan rules, quick to refute) are tried first, then the full timetable."""

    def make():
        m = _model(problem, week, quotas)
        return m.model, m.guards

    if week is None:

        def weekly():
            q = build_quotas(problem, guarded=True)
            return q.model, q.guards

        clash, minimal = minimal_core(weekly, deadline)
        if clash:
            return clash, minimal
        return _deletion_core(make, deadline)
    return minimal_core(make, deadline)


def _deletion_core(make: Callable[[], tuple[cp_model.CpModel, Guards]], deadline: Deadline) -> tuple[list[Rule], bool]:
    """A minimal clash found by deleting rules one at a time, each try a model whose guards are
    fixed (not assumed), so presolve sees them: the whole cycle's timetable with assumptions
    does not refute in seconds what it refutes in a fraction of one with fixed rules."""

    def status_with(keys: set[str]) -> cp_model.CpSolverStatus:
        model, guards = make()
        for key, lit in guards.literals.items():
            model.add(lit == (key in keys))
        return deadline.solve(model)[0]

    rules = dict(sorted(make()[1].rules.items()))
    core = set(rules)
    if status_with(core) != cp_model.INFEASIBLE:
        return [], False
    minimal = True
    for key in rules:
        if deadline.passed:
            minimal = False
            break
        status = status_with(core - {key})
        if status == cp_model.INFEASIBLE:
            core.discard(key)
        elif status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            minimal = False
    return [rules[key] for key in sorted(core)], minimal


def _trainer_need(problem: LessonProblem, rule: Rule, week: date | None, quotas, deadline: Deadline) -> int | None:
    """Least minutes the trainer must teach in the rule's week when only that limit is lifted."""
    tid, monday = rule.trainer, rule.week
    m = _model(problem, week, quotas)
    for key, lit in m.guards.literals.items():
        m.model.add(lit == (key != rule.key))  # every rule of the plan but this one limit
    load = []
    sub = m.problem
    for (ci, di, k, sid), var in m.y.items():
        cl = sub.cohorts[ci]
        if sid in cl.trainers and cl.trainers[sid] == tid and monday_of(cl.days[di].day) == monday:
            load.append(sub.slots[k].minutes * var)
    m.model.minimize(sum(load))
    status, solver = deadline.solve(m.model)
    if status != cp_model.OPTIMAL:  # a need quoted to the planner must be the least one
        return None
    return round(solver.objective_value)


def _trainer_hours(problem: LessonProblem, tid: str) -> tuple[int, int]:
    """Minutes the trainer must teach over the cycle, and at most how many the calendar allows:
    the slots of the days a cohort of theirs is at the CFA and they are not away, each slot
    counted once (one place at a time), each subject only before its exams, within each
    cohort's day and the trainer's weekly maximum."""
    plan = problem.plan
    need = 0
    cells: dict[date, dict[int, int]] = {}
    for cl in problem.cohorts:
        mine = [s for s in cl.subjects if cl.trainers[s.id] == tid]
        need += sum(s.minutes for s in mine)
        for d in cl.days:
            if any(problem.allowed(cl, s, d.day) for s in mine) and plan.trainer(tid).available(d.day):
                cells.setdefault(d.day, {}).update({k: slot.minutes for k, slot in enumerate(problem.slots)})
    weeks: dict[date, int] = {}
    for on, slots in cells.items():
        weeks[monday_of(on)] = weeks.get(monday_of(on), 0) + sum(slots.values())
    limit = plan.trainer(tid).max_week_minutes
    return need, sum(minutes if limit is None else min(minutes, limit) for minutes in weeks.values())


def _trainer_lines(problem: LessonProblem, clash: list[Rule]) -> list[str]:
    """For each trainer in the clash who needs more hours than the calendar allows, the figures."""
    lines = []
    for tid in sorted({r.trainer for r in clash if r.trainer}):
        need, most = _trainer_hours(problem, tid)
        if need > most:
            cohorts = sum(1 for cl in problem.cohorts if tid in cl.trainers.values())
            lines.append(
                _(
                    "{trainer} must teach {need} to {cohorts} cohort(s), on the days they are at the CFA and {trainer} is not away: at most {most}."
                ).format(trainer=tid, need=hours(need), cohorts=cohorts, most=hours(most))
            )
    return lines


def explain_lessons(
    problem: LessonProblem, week: date | None, quotas: dict[tuple[str, str], int] | None = None, seconds: float = 120.0
) -> list[str]:
    """Sentences naming the trainer, week, subject or rule that blocks, found within `seconds`."""
    deadline = Deadline.after(seconds)
    clash, minimal = _clash(problem, week, quotas, deadline)
    where = _("over the cycle") if week is None else _("in week {week}").format(week=week)
    if not clash:
        return [
            _(
                "{plan}: the lessons cannot be placed {where} (the clash could not be isolated in {seconds} s; a larger --time-limit gives the explanation more time)"
            ).format(plan=problem.plan.id, where=where, seconds=f"{seconds:g}")
        ]
    lines = []
    for rule in clash:
        if rule.kind == RuleKind.TRAINER_MAX:
            tid, monday = rule.about("trainer"), rule.week
            need = _trainer_need(problem, rule, week, quotas, deadline)
            limit = problem.plan.trainer(tid).max_week_minutes
            if need is not None and limit is not None:
                lines.append(
                    _("{trainer} would need {need} in week {week} but max_hours_per_week is {limit}.").format(
                        trainer=tid, need=hours(need), week=monday, limit=hours(limit)
                    )
                )
    # In one week, a subject's hours are that week's share, not the whole cycle's.
    scope = future_problem(problem) if week is None else week_problem(problem, week, quotas or {})
    if week is None:
        lines.extend(_trainer_lines(scope, clash))
    others = [r for r in clash if r.kind != RuleKind.TRAINER_MAX or not lines]
    if others:
        lines.append(
            _("The lessons cannot be placed {where}: {rules} cannot all hold.").format(
                where=where, rules="; ".join(describe(scope.plan, r) for r in others)
            )
        )
    lines.append(_("Rules in conflict: {places}.").format(places=", ".join(sorted({r.place for r in clash}))))
    if not minimal:
        lines.append(
            _(
                "(The time limit of {seconds} s ended the search for the smallest clash: some rules named may not be needed for it.)"
            ).format(seconds=f"{seconds:g}")
        )
    return lines

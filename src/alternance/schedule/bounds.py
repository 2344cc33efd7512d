"""The arithmetic that needs no solver: what a cohort's weeks can give at most and at least, and
what a trainer can teach at most, from the calendar facts and the plan's limits alone.

Each figure is a bound over a relaxation of the rhythm's hard rules (fewer rules, so every real
calendar stays within it): when a bound misses the target, no calendar exists, and `check` says so
with the numbers and the rules behind them, before any solving.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..domain import Plan, hours, monday_of
from ..errors import Problem
from ..facts.weeks import cfa_day_minutes
from ..i18n import _
from .rhythm import CFA, CohortWeeks, RhythmProblem


def _forced(cw: CohortWeeks, i: int) -> bool | None:
    """A week whose kind is not a choice: published before --today, or fixed by the planner."""
    if cw.is_frozen(i):
        return cw.previous[i] == CFA
    found = cw.fixed(i)
    return None if found is None else found[1].kind == "cfa"


def most_cfa_minutes(cw: CohortWeeks, gain: Sequence[int]) -> int:
    """The most of `gain` (one figure per week) a pattern of CFA weeks can collect: CFA weeks only
    when open and free of hard peaks and company closures, in runs of at most max_consecutive_cfa_weeks (a closed
    week ends a run), frozen weeks as published. A dynamic programme over the run's length."""
    limit = cw.cohort.max_consecutive_cfa_weeks
    best: dict[int, int] = {0: 0}  # current run of CFA weeks -> most so far
    for i, week in enumerate(cw.weeks):
        forced = _forced(cw, i)
        can_cfa = not week.closed and not cw.hard_peaks[i] and not cw.on_leave(i) and forced is not False
        step: dict[int, int] = {}
        for run, value in best.items():
            if forced is not True:
                step[0] = max(step.get(0, value), value)
            if can_cfa and (run < limit or cw.is_frozen(i)):
                step[run + 1] = max(step.get(run + 1, value + gain[i]), value + gain[i])
        best = step or {0: max(best.values())}
    return max(best.values())


def least_cfa_minutes(cw: CohortWeeks) -> int:
    """The fewest CFA minutes a pattern can have with company runs of at most
    max_consecutive_company_weeks (a closed week, or one wholly in a company closure, ends a run; a
    hard-peak or company-closure week is a company week)."""
    limit = cw.cohort.max_consecutive_company_weeks
    least: dict[int, int] = {0: 0}  # current run of company weeks -> fewest minutes so far
    for i, week in enumerate(cw.weeks):
        forced = _forced(cw, i)
        if week.closed or (cw.rests(i) and forced is not True):
            least = {0: min(least.values())}
            continue
        can_cfa = not cw.hard_peaks[i] and not cw.on_leave(i) and forced is not False
        step: dict[int, int] = {}
        for run, value in least.items():
            if can_cfa:
                step[0] = min(step.get(0, value + week.minutes), value + week.minutes)
            if forced is not True and (run < limit or cw.is_frozen(i)):
                step[run + 1] = min(step.get(run + 1, value), value)
        least = step or {0: min(least.values())}
    return min(least.values())


def _cohort_problems(plan: Plan, cw: CohortWeeks) -> list[Problem]:
    c = cw.cohort
    place = f"programme[{c.programme}].total_hours"
    open_weeks = sum(1 for w in cw.weeks if not w.closed)
    most = most_cfa_minutes(cw, [w.minutes for w in cw.weeks])
    found = []
    if most < cw.target_minutes:
        peaks = sum(1 for w, hard in zip(cw.weeks, cw.hard_peaks) if hard and not w.closed)
        leave = sum(1 for i, w in enumerate(cw.weeks) if cw.on_leave(i) and not w.closed and not cw.hard_peaks[i])
        found.append(
            Problem(
                str(plan.source),
                place,
                _(
                    "{cohort} needs {target}; its {open} open weeks give at most {most} with at most {run} CFA weeks in a row (cohort[{cohort}].max_consecutive_cfa_weeks)"
                ).format(
                    cohort=c.id,
                    target=hours(cw.target_minutes),
                    open=open_weeks,
                    most=hours(most),
                    run=c.max_consecutive_cfa_weeks,
                )
                + (
                    _(" and {peaks} week(s) of hard peaks (company[…].peak, hard = true)").format(peaks=peaks)
                    if peaks
                    else ""
                )
                + (
                    _(" and {leave} week(s) of company closures (company[…].closure)").format(leave=leave)
                    if leave
                    else ""
                ),
            )
        )
    least = least_cfa_minutes(cw)
    if least > cw.target_minutes + c.week_minutes - 1:
        found.append(
            Problem(
                str(plan.source),
                f"cohort[{c.id}].max_consecutive_company_weeks",
                _(
                    "{cohort} must have at least {least} at the CFA with at most {run} company weeks in a row, more than one CFA week above its {target} ({place})"
                ).format(
                    cohort=c.id,
                    least=hours(least),
                    run=c.max_consecutive_company_weeks,
                    target=hours(cw.target_minutes),
                    place=place,
                ),
            )
        )
    return found


def _trainer_problems(plan: Plan, problem: RhythmProblem) -> list[Problem]:
    """A trainer's hours to teach against every hour they could be there: each week, the days one
    of their cohorts could be at the CFA and they are not away (one class at a time), within
    their weekly maximum."""
    found = []
    for trainer in plan.trainers:
        need = 0
        days: dict[date, int] = {}  # day -> the most minutes one of their cohorts has that day
        for cw in problem.cohorts:
            c = cw.cohort
            mine = [s for s in plan.programme(c.programme).subjects if plan.trainer_of(c.id, s.id) == trainer.id]
            if not mine:
                continue
            need += sum(s.minutes for s in mine)
            for week in cw.weeks:
                for d in week.open_days:
                    if trainer.available(d):
                        days[d] = max(days.get(d, 0), cfa_day_minutes(plan, c, d))
        weeks: dict[date, int] = {}
        for d, minutes in days.items():
            weeks[monday_of(d)] = weeks.get(monday_of(d), 0) + minutes
        limit = trainer.max_week_minutes
        most = sum(m if limit is None else min(m, limit) for m in weeks.values())
        if need > most:
            found.append(
                Problem(
                    str(plan.source),
                    f"trainer[{trainer.id}]",
                    _(
                        "{trainer} must teach {need}, but can be there at most {most}: every open day of their cohorts when they are not away"
                    ).format(trainer=trainer.id, need=hours(need), most=hours(most))
                    + (
                        _(", at most {limit} a week (max_hours_per_week)").format(limit=hours(limit))
                        if limit is not None
                        else ""
                    ),
                )
            )
    return found


def impossible(problem: RhythmProblem) -> list[Problem]:
    """What the arithmetic alone proves impossible in a plan (empty when it proves nothing)."""
    found = [p for cw in problem.cohorts for p in _cohort_problems(problem.plan, cw)]
    if problem.plan.has_lessons:
        found += _trainer_problems(problem.plan, problem)
    return found

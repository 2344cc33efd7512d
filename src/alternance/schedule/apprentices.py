"""Each apprentice's training hours against the programme's and the law's.

Before solving (`alternance check`), `most_minutes` is the most CFA time the calendar can give an
apprentice under contract: the cohort's open days within the contract, CFA weeks only where no
hard peak nor company closure forbids them and in runs of at most `max_consecutive_cfa_weeks`,
and never more than the cohort's own hours can reach (its target plus less than one CFA week). Below the target, no
calendar can help: the planner must move the contract or the cohort. After solving
(`alternance build`), `planned_minutes` counts what the calendar gives.

Targets: the programme's hours minus the subjects the apprentice is exempt from; and the legal
floor of Code du travail L6211-2: training at least 25 % of the contract's duration, counted on
1 607 h a year as the state's Cerfa tool does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..domain import Apprentice, Plan, hours, monday_of
from ..facts.weeks import cfa_day_minutes
from ..i18n import N_, _, day
from .bounds import most_cfa_minutes
from .lessons import LessonSolution
from .rhythm import CFA, CohortWeeks, RhythmProblem, RhythmSolution

LEGAL_YEAR_MINUTES = 1607 * 60
LEGAL_SHARE = 0.25


def target_minutes(plan: Plan, apprentice: Apprentice) -> int:
    """The programme's minutes minus those of the subjects the apprentice is exempt from."""
    programme = plan.programme(plan.cohort(apprentice.cohort).programme)
    return programme.total_minutes - sum(s.minutes for s in programme.subjects if s.id in apprentice.exempt)


def legal_floor_minutes(apprentice: Apprentice) -> int:
    """25 % of the contract's duration, on 1 607 h a year (L6211-2), rounded up to the minute."""
    days = (apprentice.contract_end - apprentice.contract_start).days + 1
    return -(-round(LEGAL_SHARE * LEGAL_YEAR_MINUTES * days) // 365)


def _contract_minutes(plan: Plan, cw: CohortWeeks, apprentice: Apprentice) -> list[int]:
    """Per week of the cohort, the CFA minutes of its open days under the apprentice's contract;
    none in a week a company closure keeps out of the CFA (the apprentice may be on leave)."""
    return [
        0
        if cw.on_leave(i)
        else sum(cfa_day_minutes(plan, cw.cohort, d) for d in week.open_days if apprentice.under_contract(d))
        for i, week in enumerate(cw.weeks)
    ]


def most_minutes(plan: Plan, cw: CohortWeeks, apprentice: Apprentice) -> int:
    """The most CFA minutes any calendar can give the apprentice under contract (see the module)."""
    cohort_most = cw.target_minutes + cw.cohort.week_minutes - 1
    return min(most_cfa_minutes(cw, _contract_minutes(plan, cw, apprentice)), cohort_most)


def planned_by_week(
    cw: CohortWeeks, solution: RhythmSolution, apprentice: Apprentice, lessons: LessonSolution | None = None
) -> dict[date, int]:
    """What the calendar gives the apprentice under contract, by Monday of the cohort's weeks:
    the cohort's lessons minus the subjects the apprentice is exempt from, or (without lessons)
    its CFA days under contract."""
    if lessons is not None:
        found = {week.monday: 0 for week in cw.weeks}
        for x in lessons.of(cw.cohort.id):
            if x.subject not in apprentice.exempt and apprentice.under_contract(x.day):
                monday = monday_of(x.day)
                found[monday] = found.get(monday, 0) + x.minutes
        return found
    return {
        week.monday: sum(cw.cohort.minutes_on(d.weekday()) for d in week.open_days if apprentice.under_contract(d))
        if wp.kind == CFA
        else 0
        for week, wp in zip(cw.weeks, solution.cohort(cw.cohort.id).weeks)
    }


def planned_minutes(
    cw: CohortWeeks, solution: RhythmSolution, apprentice: Apprentice, lessons: LessonSolution | None = None
) -> int:
    """What the calendar gives the apprentice under contract (`planned_by_week`, summed)."""
    return sum(planned_by_week(cw, solution, apprentice, lessons).values())


def _contract(a: Apprentice) -> str:
    return _("{apprentice} (contract {start} → {end})").format(
        apprentice=a.id, start=day(a.contract_start), end=day(a.contract_end)
    )


def _shortfalls(
    problem: RhythmProblem, figure: Callable[[CohortWeeks, Apprentice], int], short: str, floor: str
) -> list[str]:
    """`warning:` lines for the apprentices whose `figure` (minutes under contract) is below the
    programme's or the legal floor. `short` and `floor` word it, with {hours} and {cohort}."""
    lines = []
    for cw in problem.cohorts:
        for a in problem.plan.apprentices_of(cw.cohort.id):
            got, target, least = figure(cw, a), target_minutes(problem.plan, a), legal_floor_minutes(a)
            said = {"hours": hours(got), "cohort": cw.cohort.id}
            if got < target:
                lines.append(
                    _("warning: {apprentice}: {figure}, for {target} of programme ({short} short)").format(
                        apprentice=_contract(a),
                        figure=_(short).format(**said),
                        target=hours(target),
                        short=hours(target - got),
                    )
                )
            if got < least:
                lines.append(
                    _(
                        "warning: {apprentice}: {figure}, below the legal floor of {floor} (25 % of the contract on 1607 h a year, Code du travail L6211-2)"
                    ).format(apprentice=_contract(a), figure=_(floor).format(**said), floor=hours(least))
                )
    return lines


def shortfalls_before(problem: RhythmProblem) -> list[str]:
    """`warning:` lines for apprentices whom no calendar can give their hours under contract."""
    return _shortfalls(
        problem,
        lambda cw, a: most_minutes(problem.plan, cw, a),
        N_("at most {hours} of training fit under contract in {cohort}'s open weeks"),
        N_("at most {hours} of training"),
    )


def shortfalls_after(
    problem: RhythmProblem, solution: RhythmSolution, lessons: LessonSolution | None = None
) -> list[str]:
    """`warning:` lines for apprentices whom the calendar built gives less than their hours."""
    return _shortfalls(
        problem,
        lambda cw, a: planned_minutes(cw, solution, a, lessons),
        N_("{hours} of training planned under contract"),
        N_("{hours} planned"),
    )

"""The week-rhythm problem and its answer as plain data (no solver here).

`RhythmProblem` is what CP-SAT is asked; `RhythmSolution` is what it answers. `goals()` recomputes
every soft goal of a solution in plain Python, so the solver's objectives can be checked
independently, and `broken_rules()` lists every hard rule a solution breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .domain import Cohort, Plan
from .weeks import SiteCalendar, Week

CFA = "cfa"
COMPANY = "company"
GOALS = ("peak_days", "irregularity", "year_imbalance", "excess_minutes")
GOAL_LABELS = {
    "peak_days": "weighted peak apprentice-days",
    "irregularity": "rhythm breaks",
    "year_imbalance": "hours off each year's fair share",
    "excess_minutes": "hours above target",
}
# Goals counted in minutes are shown to people in hours.
GOALS_IN_MINUTES = ("year_imbalance", "excess_minutes")


@dataclass(frozen=True)
class CohortWeeks:
    """One cohort's weeks with what choosing CFA would cost or forbid in each."""

    cohort: Cohort
    weeks: tuple[Week, ...]
    target_minutes: int
    # Weighted apprentice-days inside peaks if the week is a CFA week, per company.
    peak_days: tuple[dict[str, int], ...]
    # Companies whose hard peak touches the week: then it can never be a CFA week.
    hard_peaks: tuple[tuple[str, ...], ...]

    def peak_cost(self, index: int) -> int:
        return sum(self.peak_days[index].values())

    def segments(self) -> list[list[int]]:
        """Runs of consecutive open weeks: a closed week ends a rhythm run."""
        runs: list[list[int]] = [[]]
        for i, week in enumerate(self.weeks):
            if week.closed:
                runs.append([])
            else:
                runs[-1].append(i)
        return [r for r in runs if r]

    def year_targets(self) -> dict[int, int]:
        """Each training year's fair share of the target, in proportion to its open minutes."""
        capacity: dict[int, int] = {}
        for week in self.weeks:
            capacity[week.year] = capacity.get(week.year, 0) + week.minutes
        total = sum(capacity.values()) or 1
        return {y: round(self.target_minutes * m / total) for y, m in sorted(capacity.items())}


@dataclass(frozen=True)
class RhythmProblem:
    plan: Plan
    cohorts: tuple[CohortWeeks, ...]

    @property
    def capacity(self) -> int | None:
        return self.plan.max_cohorts_at_cfa


def make_problem(plan: Plan, calendar: SiteCalendar | None = None) -> RhythmProblem:
    calendar = calendar or SiteCalendar(plan)
    cohorts = []
    companies = {c.id: c for c in plan.companies}
    for cohort in plan.cohorts:
        weeks = calendar.cohort_weeks(cohort)
        apprentices = plan.apprentices_of(cohort.id)
        peak_days: list[dict[str, int]] = []
        hard: list[tuple[str, ...]] = []
        for week in weeks:
            costs: dict[str, int] = {}
            blocked: set[str] = set()
            weekdays = [week.monday + timedelta(days=i) for i in range(5)]
            for a in apprentices:
                company = companies[a.company]
                cost = sum(company.peak_weight(d) for d in week.open_days if a.under_contract(d))
                if cost:
                    costs[company.id] = costs.get(company.id, 0) + cost
                if any(a.under_contract(d) and company.hard_peak(d) for d in weekdays):
                    blocked.add(company.id)
            peak_days.append(dict(sorted(costs.items())))
            hard.append(tuple(sorted(blocked)))
        cohorts.append(CohortWeeks(
            cohort=cohort,
            weeks=weeks,
            target_minutes=plan.programme(cohort.programme).total_minutes,
            peak_days=tuple(peak_days),
            hard_peaks=tuple(hard),
        ))
    return RhythmProblem(plan=plan, cohorts=tuple(cohorts))


@dataclass(frozen=True)
class WeekPlan:
    monday: date
    kind: str  # CFA | COMPANY
    minutes: int  # CFA minutes taught that week (0 in the company)


@dataclass(frozen=True)
class CohortPlan:
    cohort_id: str
    weeks: tuple[WeekPlan, ...]

    @property
    def minutes(self) -> int:
        return sum(w.minutes for w in self.weeks)

    def cfa_weeks(self) -> tuple[WeekPlan, ...]:
        return tuple(w for w in self.weeks if w.kind == CFA)


@dataclass(frozen=True)
class StageResult:
    """One lexicographic stage of the solve: which goal, how good, how sure."""

    goal: str
    value: int
    bound: int
    optimal: bool
    seconds: float


@dataclass(frozen=True)
class RhythmSolution:
    plan_id: str
    cohorts: tuple[CohortPlan, ...]
    stages: tuple[StageResult, ...]
    seconds: float

    def cohort(self, cohort_id: str) -> CohortPlan:
        return next(c for c in self.cohorts if c.cohort_id == cohort_id)

    @property
    def proven_optimal(self) -> bool:
        return all(s.optimal for s in self.stages)


def choices(problem: RhythmProblem, solution: RhythmSolution) -> list[list[bool]]:
    """The solution as one CFA flag per week per cohort, aligned with the problem's weeks."""
    flags = []
    for cw in problem.cohorts:
        plan = solution.cohort(cw.cohort.id)
        flags.append([w.kind == CFA for w in plan.weeks])
    return flags


def irregularity(cw: CohortWeeks, cfa: list[bool]) -> int:
    """Rhythm breaks: runs longer or (between two changes, inside a segment) shorter than the rhythm."""
    a, b = cw.cohort.rhythm
    count = 0
    for seg in cw.segments():
        xs = [cfa[i] for i in seg]
        count += sum(all(xs[i:i + a + 1]) for i in range(len(xs) - a))
        count += sum(not any(xs[i:i + b + 1]) for i in range(len(xs) - b))
        for value, limit in ((True, a), (False, b)):
            for length in range(1, limit):
                for i in range(len(xs) - length - 1):
                    inner = xs[i + 1:i + 1 + length]
                    if xs[i] != value and xs[i + length + 1] != value and all(v == value for v in inner):
                        count += 1
    return count


def goals(problem: RhythmProblem, solution: RhythmSolution) -> dict[str, int]:
    """The four soft goals of SPEC "Meaning", recomputed in plain Python."""
    values = dict.fromkeys(GOALS, 0)
    for cw, cfa in zip(problem.cohorts, choices(problem, solution)):
        values["peak_days"] += sum(cw.peak_cost(i) for i, on in enumerate(cfa) if on)
        values["irregularity"] += irregularity(cw, cfa)
        per_year: dict[int, int] = {}
        for week, on in zip(cw.weeks, cfa):
            per_year[week.year] = per_year.get(week.year, 0) + (week.minutes if on else 0)
        values["year_imbalance"] += sum(abs(per_year.get(y, 0) - t) for y, t in cw.year_targets().items())
        values["excess_minutes"] += sum(w.minutes for w, on in zip(cw.weeks, cfa) if on) - cw.target_minutes
    return values


def broken_rules(problem: RhythmProblem, solution: RhythmSolution) -> list[str]:
    """Every hard rule of SPEC "Meaning" that the solution breaks (empty when it obeys all)."""
    broken = []
    flags = choices(problem, solution)
    for cw, cfa in zip(problem.cohorts, flags):
        c = cw.cohort
        plan = solution.cohort(c.id)
        if [w.monday for w in plan.weeks] != [w.monday for w in cw.weeks]:
            broken.append(f"{c.id}: weeks differ from the calendar")
            continue
        for week, wp, on, hard in zip(cw.weeks, plan.weeks, cfa, cw.hard_peaks):
            if on and week.closed:
                broken.append(f"{c.id}: closed week {week.monday} is a CFA week")
            if wp.minutes != (week.minutes if on else 0):
                broken.append(f"{c.id}: week {week.monday} has {wp.minutes} min, not {week.minutes if on else 0}")
            if on and hard:
                broken.append(f"{c.id}: CFA week {week.monday} touches a hard peak")
        total = sum(w.minutes for w, on in zip(cw.weeks, cfa) if on)
        if total < cw.target_minutes:
            broken.append(f"{c.id}: {total} min below the target {cw.target_minutes}")
        if total >= cw.target_minutes + c.week_minutes:
            broken.append(f"{c.id}: {total} min exceed the target by a full CFA week or more")
        run = 0
        for on in cfa:
            run = run + 1 if on else 0
            if run > c.max_consecutive_cfa_weeks:
                broken.append(f"{c.id}: more than {c.max_consecutive_cfa_weeks} CFA weeks in a row")
                break
        for seg in cw.segments():
            run = 0
            for i in seg:
                run = 0 if cfa[i] else run + 1
                if run > c.max_consecutive_company_weeks:
                    broken.append(f"{c.id}: more than {c.max_consecutive_company_weeks} company weeks in a row")
                    break
    if problem.capacity is not None:
        load: dict[date, int] = {}
        for cw, cfa in zip(problem.cohorts, flags):
            for week, on in zip(cw.weeks, cfa):
                load[week.monday] = load.get(week.monday, 0) + on
        for monday, n in sorted(load.items()):
            if n > problem.capacity:
                broken.append(f"week {monday}: {n} cohorts at the CFA, max_cohorts_at_cfa is {problem.capacity}")
    return broken

"""The week-rhythm problem and its answer as plain data (no solver here).

`RhythmProblem` is what CP-SAT is asked; `RhythmSolution` is what it answers. `goals()` recomputes
every soft goal of a solution in plain Python, so the solver's objectives can be checked
independently, and `broken_rules()` lists every hard rule a solution breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from ..continuity import Baseline
from ..domain import Apprentice, Cohort, FixedWeeks, Plan, hours
from ..errors import PlanError, Problem
from ..facts.weeks import SiteCalendar, Week
from ..i18n import N_, _, number
from .rules import RuleKind

CFA = "cfa"
COMPANY = "company"
GOALS = ("peak_days", "changes", "irregularity", "year_imbalance", "excess_minutes")
GOAL_LABELS = {  # shown through i18n._()
    "peak_days": N_("apprentice-days at the CFA in busy seasons (weighted)"),
    "changes": N_("weeks to come changed since the last build"),
    "irregularity": N_("rhythm breaks in the weeks to come"),
    "year_imbalance": N_("hours off each training year's even share"),
    "excess_minutes": N_("hours above target"),
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
    # (company, n) of each `company[<id>].closure[n]` that touches the week for an apprentice
    # under contract: the apprentice is on leave, so the week is never a CFA week; and whether
    # those closures cover every open day of the week, which the rhythm then counts as closed.
    leave: tuple[tuple[tuple[str, int], ...], ...] = ()
    leave_closed: tuple[bool, ...] = ()
    # The last build's kind of each week (None: not published), and which weeks are frozen
    # because they started before --today: those keep exactly what was published.
    previous: tuple[str | None, ...] = ()
    frozen: tuple[bool, ...] = ()
    past_conflicts: tuple[str, ...] = ()  # rules of the new plan that the frozen past breaks

    def fixed(self, index: int) -> tuple[int, FixedWeeks] | None:
        """The planner's fixed weeks (`cohort[<id>].fixed[n]`) holding this week, if any."""
        return self.cohort.fixed_at(self.weeks[index].monday)

    def is_frozen(self, index: int) -> bool:
        return bool(self.frozen) and self.frozen[index]

    def window_frozen(self, indices) -> bool:
        """A run of weeks entirely in the past: a fact, not a choice."""
        return all(self.is_frozen(i) for i in indices)

    def peak_cost(self, index: int) -> int:
        return sum(self.peak_days[index].values())

    def on_leave(self, index: int) -> tuple[tuple[str, int], ...]:
        """The company closures (company, n) that keep the week out of the CFA."""
        return self.leave[index] if self.leave else ()

    def rests(self, index: int) -> bool:
        """A week the rhythm skips: closed, or every open day on leave in a company closure."""
        return self.weeks[index].closed or (bool(self.leave_closed) and self.leave_closed[index])

    def segments(self) -> list[list[int]]:
        """Runs of consecutive open weeks: a closed week (or a week of company closure) ends a rhythm run."""
        runs: list[list[int]] = [[]]
        for i in range(len(self.weeks)):
            if self.rests(i):
                runs.append([])
            else:
                runs[-1].append(i)
        return [r for r in runs if r]

    def year_label(self, year: int) -> str:
        """A training year of the cohort (0 for its first, cut at 1 August) as people write it: "2024-2025"."""
        first = self.cohort.start.year if self.cohort.start.month >= 8 else self.cohort.start.year - 1
        return f"{first + year}-{first + year + 1}"

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


def _freeze(
    cohort: Cohort, weeks: tuple[Week, ...], baseline: Baseline | None, today: date | None
) -> tuple[tuple[Week, ...], tuple[str | None, ...], tuple[bool, ...], tuple[str, ...]]:
    """Weeks that started before `today` take the published kind and hours, whatever the
    calendar now says; what the new plan would have said differently is reported."""
    if baseline is None:
        return weeks, (), (), ()
    previous = tuple(baseline.weeks.get(w.monday, (None, 0))[0] for w in weeks)
    frozen = tuple(today is not None and w.monday < today and p is not None for w, p in zip(weeks, previous))
    fixed, conflicts = [], []
    for week, _was, locked in zip(weeks, previous, frozen):
        if not locked:
            fixed.append(week)
            continue
        kind, minutes = baseline.weeks[week.monday]
        if kind == CFA:
            if week.closed:
                conflicts.append(
                    _("{cohort}: week {week} was published as a CFA week but is now closed ({why})").format(
                        cohort=cohort.id, week=week.monday, why=", ".join(week.reasons) or _("outside training")
                    )
                )
            elif minutes != week.minutes:
                conflicts.append(
                    _("{cohort}: week {week} was published with {was} but would now give {now}").format(
                        cohort=cohort.id, week=week.monday, was=hours(minutes), now=hours(week.minutes)
                    )
                )
            days = week.open_days or tuple(d for d, _why in week.closed_days)
            fixed.append(Week(week.monday, days, minutes, week.closed_days, week.year))
            continue
        fixed.append(week)
    return tuple(fixed), previous, frozen, tuple(conflicts)


def _past_hours(cohort: Cohort, weeks: tuple[Week, ...], previous, frozen, target: int) -> tuple[str, ...]:
    """A cohort wholly in the past keeps its hours; say so when the new target differs."""
    if not frozen or not all(frozen):
        return ()
    published = sum(w.minutes for w, kind in zip(weeks, previous) if kind == CFA)
    if target <= published < target + cohort.week_minutes:
        return ()
    return (
        _("{cohort}: its {published} are all in the past; the new total_hours is {target}").format(
            cohort=cohort.id, published=hours(published), target=hours(target)
        ),
    )


def _check_fixed_weeks(
    plan: Plan,
    cohort: Cohort,
    weeks: tuple[Week, ...],
    hard: list[tuple[str, ...]],
    leave: list[tuple[tuple[str, int], ...]],
) -> None:
    """A fixed CFA week that the plan itself forbids (closed, in a hard peak, in a company closure
    of one of the cohort's apprentices): exit 2, naming both."""
    problems = []
    for week, blocked, away in zip(weeks, hard, leave):
        found = cohort.fixed_at(week.monday)
        if found is None or found[1].kind != "cfa":
            continue
        if week.closed:
            why = ", ".join(week.reasons) or _("no open day")
            message = _("fixes week {week} at the CFA, which is closed ({why})").format(week=week.monday, why=why)
        elif blocked:
            peaks = ", ".join(f"company[{c}].peak" for c in blocked)
            message = _("fixes week {week} at the CFA, during a hard peak ({peaks})").format(
                week=week.monday, peaks=peaks
            )
        elif away:
            closures = ", ".join(f"company[{c}].closure[{n}]" for c, n in away)
            message = _("fixes week {week} at the CFA, while an apprentice's company is closed ({closures})").format(
                week=week.monday, closures=closures
            )
        else:
            continue
        problems.append(Problem(str(plan.source), f"cohort[{cohort.id}].fixed[{found[0]}]", message))
    if problems:
        raise PlanError(problems)


def make_problem(
    plan: Plan,
    calendar: SiteCalendar | None = None,
    baselines: dict[str, Baseline] | None = None,
    today: date | None = None,
) -> RhythmProblem:
    calendar = calendar or SiteCalendar(plan)
    cohorts = []
    companies = {c.id: c for c in plan.companies}
    for cohort in plan.cohorts:
        weeks, previous, frozen, conflicts = _freeze(
            cohort, calendar.cohort_weeks(cohort), (baselines or {}).get(cohort.id), today
        )
        # Apprentices by company, so that a company's peak days are looked up once a week and a
        # week without any is one test per company, not per apprentice (check on 700 000).
        members: dict[str, list[Apprentice]] = {}
        for a in plan.apprentices_of(cohort.id):
            members.setdefault(a.company, []).append(a)
        peak_days: list[dict[str, int]] = []
        hard: list[tuple[str, ...]] = []
        leave: list[tuple[tuple[str, int], ...]] = []
        leave_closed: list[bool] = []
        for week in weeks:
            costs: dict[str, int] = {}
            blocked: set[str] = set()
            away: list[tuple[str, int]] = []
            covered: set[date] = set()
            weekdays = [week.monday + timedelta(days=i) for i in range(5)]
            for cid, apprentices in members.items():
                company = companies[cid]
                for n, closure in enumerate(company.closures, start=1):
                    days = [d for d in weekdays if closure.closes(d) and any(a.under_contract(d) for a in apprentices)]
                    if days:
                        away.append((cid, n))
                        covered.update(days)
                if any(p.meets(week.monday, week.monday + timedelta(days=6)) for p in company.peaks):
                    weighted = [(d, w) for d in week.open_days if (w := company.peak_weight(d))]
                    hard_days = [d for d in weekdays if company.hard_peak(d)]
                else:  # most weeks of most companies: no day to look up
                    weighted, hard_days = [], []
                cost = sum(w for a in apprentices for d, w in weighted if a.under_contract(d))
                if cost:
                    costs[cid] = cost
                if any(a.under_contract(d) for a in apprentices for d in hard_days):
                    blocked.add(cid)
            peak_days.append(dict(sorted(costs.items())))
            hard.append(tuple(sorted(blocked)))
            leave.append(tuple(sorted(away)))
            leave_closed.append(bool(away) and bool(week.open_days) and covered.issuperset(week.open_days))
        _check_fixed_weeks(plan, cohort, weeks, hard, leave)
        cohorts.append(
            CohortWeeks(
                cohort=cohort,
                weeks=weeks,
                target_minutes=plan.programme(cohort.programme).total_minutes,
                peak_days=tuple(peak_days),
                hard_peaks=tuple(hard),
                leave=tuple(leave) if any(leave) else (),
                leave_closed=tuple(leave_closed) if any(leave) else (),
                previous=previous,
                frozen=frozen,
                past_conflicts=conflicts
                + _past_hours(cohort, weeks, previous, frozen, plan.programme(cohort.programme).total_minutes)
                + tuple(
                    _("{cohort}: CFA week {week} was published during a hard peak of {companies}").format(
                        cohort=cohort.id, week=w.monday, companies=", ".join(h)
                    )
                    for w, h, locked, was in zip(weeks, hard, frozen, previous)
                    if locked and was == CFA and h
                )
                + tuple(
                    _("{cohort}: CFA week {week} was published while {closures} holds").format(
                        cohort=cohort.id,
                        week=w.monday,
                        closures=", ".join(f"company[{c}].closure[{n}]" for c, n in away),
                    )
                    for w, away, locked, was in zip(weeks, leave, frozen, previous)
                    if locked and was == CFA and away
                ),
            )
        )
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

    def said(self) -> str:
        """The stage for people: its goal, value, how sure, and how long it took."""
        sure = (
            _("optimal")
            if self.optimal
            else _("not proven optimal, bound {bound}").format(bound=goal_value(self.goal, self.bound))
        )
        return _("{goal}: {value} ({sure}, {seconds} s)").format(
            goal=_(GOAL_LABELS[self.goal]),
            value=goal_value(self.goal, self.value),
            sure=sure,
            seconds=number(self.seconds),
        )


def goal_value(goal: str, value: int) -> str:
    """A goal's value for people: in hours for the goals counted in minutes."""
    return hours(value) if goal in GOALS_IN_MINUTES else str(value)


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

        def live(i: int, n: int, seg: list[int] = seg) -> bool:  # windows wholly in the past are not counted
            return not cw.window_frozen(seg[i : i + n])

        count += sum(all(xs[i : i + a + 1]) for i in range(len(xs) - a) if live(i, a + 1))
        count += sum(not any(xs[i : i + b + 1]) for i in range(len(xs) - b) if live(i, b + 1))
        for value, limit in ((True, a), (False, b)):
            for length in range(1, limit):
                for i in range(len(xs) - length - 1):
                    inner = xs[i + 1 : i + 1 + length]
                    if (
                        live(i, length + 2)
                        and xs[i] != value
                        and xs[i + length + 1] != value
                        and all(v == value for v in inner)
                    ):
                        count += 1
    return count


def goals(problem: RhythmProblem, solution: RhythmSolution) -> dict[str, int]:
    """The five soft goals of the rhythm (GOALS), recomputed in plain Python."""
    values = dict.fromkeys(GOALS, 0)
    for cw, cfa in zip(problem.cohorts, choices(problem, solution)):
        values["peak_days"] += sum(cw.peak_cost(i) for i, on in enumerate(cfa) if on)
        values["changes"] += sum(
            1
            for i, on in enumerate(cfa)
            if cw.previous and cw.previous[i] is not None and not cw.is_frozen(i) and (cw.previous[i] == CFA) != on
        )
        values["irregularity"] += irregularity(cw, cfa)
        per_year: dict[int, int] = {}
        for week, on in zip(cw.weeks, cfa):
            per_year[week.year] = per_year.get(week.year, 0) + (week.minutes if on else 0)
        values["year_imbalance"] += sum(abs(per_year.get(y, 0) - t) for y, t in cw.year_targets().items())
        values["excess_minutes"] += sum(w.minutes for w, on in zip(cw.weeks, cfa) if on) - cw.target_minutes
    return values


def _check_past(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """Weeks that started before --today keep the kind they were published with."""
    return [
        f"{cw.cohort.id}: frozen week {week.monday} changed"
        for i, (week, on) in enumerate(zip(cw.weeks, cfa))
        if cw.is_frozen(i) and (cw.previous[i] == CFA) != on
    ]


def _check_open_weeks(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """Closed weeks stay closed, and a week's hours are those of its open days."""
    c, broken = cw.cohort, []
    for i, (week, wp, on) in enumerate(zip(cw.weeks, plan.weeks, cfa)):
        if cw.is_frozen(i):
            continue
        if on and week.closed:
            broken.append(f"{c.id}: closed week {week.monday} is a CFA week")
        if wp.minutes != (week.minutes if on else 0):
            broken.append(f"{c.id}: week {week.monday} has {wp.minutes} min, not {week.minutes if on else 0}")
    return broken


def _check_fixed(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """The weeks the planner fixed are what they were fixed as."""
    broken = []
    for i, (week, on) in enumerate(zip(cw.weeks, cfa)):
        found = cw.fixed(i)
        if found and not cw.is_frozen(i) and on != (found[1].kind == "cfa"):
            broken.append(f"{cw.cohort.id}: week {week.monday} is fixed {found[1].kind} (fixed[{found[0]}])")
    return broken


def _check_hard_peaks(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """No CFA week touches a hard peak of a company of the cohort."""
    return [
        f"{cw.cohort.id}: CFA week {week.monday} touches a hard peak"
        for i, (week, on, hard) in enumerate(zip(cw.weeks, cfa, cw.hard_peaks))
        if on and hard and not cw.is_frozen(i)
    ]


def _check_company_closures(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """No CFA week while the company of one of the cohort's apprentices is closed (leave)."""
    return [
        f"{cw.cohort.id}: CFA week {week.monday} falls in "
        + ", ".join(f"company[{c}].closure[{n}]" for c, n in cw.on_leave(i))
        for i, (week, on) in enumerate(zip(cw.weeks, cfa))
        if on and cw.on_leave(i) and not cw.is_frozen(i)
    ]


def _check_hours(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """total_hours is reached and exceeded by less than one full CFA week."""
    c, broken = cw.cohort, []
    total = sum(w.minutes for w, on in zip(cw.weeks, cfa) if on)
    # A cohort wholly in the past is reported by past_conflicts, not a rule to meet now.
    if not cw.window_frozen(range(len(cw.weeks))) and total < cw.target_minutes:
        broken.append(f"{c.id}: {total} min below the target {cw.target_minutes}")
    if total >= cw.target_minutes + c.week_minutes:
        broken.append(f"{c.id}: {total} min exceed the target by a full CFA week or more")
    return broken


def _check_runs(cw: CohortWeeks, cfa: list[bool], plan: CohortPlan) -> list[str]:
    """No run of CFA or company weeks is longer than the cohort allows (closed weeks end runs)."""
    c, broken = cw.cohort, []
    run = 0
    for i, on in enumerate(cfa):
        run = run + 1 if on else 0
        if run > c.max_consecutive_cfa_weeks and not cw.window_frozen(range(i - run + 1, i + 1)):
            broken.append(f"{c.id}: more than {c.max_consecutive_cfa_weeks} CFA weeks in a row")
            break
    for seg in cw.segments():
        run = 0
        for n, i in enumerate(seg):
            run = 0 if cfa[i] else run + 1
            if run > c.max_consecutive_company_weeks and not cw.window_frozen(seg[n - run + 1 : n + 1]):
                broken.append(f"{c.id}: more than {c.max_consecutive_company_weeks} company weeks in a row")
                break
    return broken


def _crowded(
    problem: RhythmProblem, flags: list[list[bool]], count: int, room: str | None = None
) -> list[tuple[date, int]]:
    """(Monday, cohorts at the CFA) of the weeks not all in the past where more than `count`
    cohorts (every cohort, or those needing a `room` kind) are at the CFA."""
    load: dict[date, int] = {}
    live: set[date] = set()
    for cw, cfa in zip(problem.cohorts, flags):
        if room is not None and cw.cohort.room != room:
            continue
        for i, (week, on) in enumerate(zip(cw.weeks, cfa)):
            load[week.monday] = load.get(week.monday, 0) + on
            if not cw.is_frozen(i):
                live.add(week.monday)
    return [(monday, n) for monday, n in sorted(load.items()) if n > count and monday in live]


def _check_capacity(problem: RhythmProblem, flags: list[list[bool]]) -> list[str]:
    """At most max_cohorts_at_cfa cohorts are at the CFA in a week that is not all in the past."""
    if problem.capacity is None:
        return []
    return [
        f"week {monday}: {n} cohorts at the CFA, max_cohorts_at_cfa is {problem.capacity}"
        for monday, n in _crowded(problem, flags, problem.capacity)
    ]


def _check_rooms(problem: RhythmProblem, flags: list[list[bool]]) -> list[str]:
    """At most `count` of the cohorts needing a room kind at the CFA in a week not all past."""
    return [
        f"week {monday}: {n} cohorts needing room kind {room.kind} at the CFA, room[{room.kind}].count is {room.count}"
        for room in problem.plan.rooms
        for monday, n in _crowded(problem, flags, room.count, room.kind)
    ]


# The plain-Python check of each hard rule of the rhythm (schedule/rules.py lists the rules),
# written apart from the CP-SAT model so that one catches the other's mistakes. The rules the
# lessons need of the weeks (slots, written, subject_fit, trainer_fit) are checked on the
# timetable itself, by schedule/lessons.py.
COHORT_CHECKS: tuple[tuple[Callable[[CohortWeeks, list[bool], CohortPlan], list[str]], tuple[RuleKind, ...]], ...] = (
    (_check_past, (RuleKind.PAST,)),
    (_check_open_weeks, (RuleKind.OPEN_WEEKS,)),
    (_check_hard_peaks, (RuleKind.HARD_PEAK,)),
    (_check_company_closures, (RuleKind.COMPANY_CLOSURE,)),
    (_check_fixed, (RuleKind.FIXED,)),
    (_check_hours, (RuleKind.HOURS_MIN, RuleKind.HOURS_MAX)),
    (_check_runs, (RuleKind.MAX_CFA, RuleKind.MAX_COMPANY)),
)
PLAN_CHECKS: tuple[tuple[Callable[[RhythmProblem, list[list[bool]]], list[str]], tuple[RuleKind, ...]], ...] = (
    (_check_capacity, (RuleKind.CAPACITY,)),
    (_check_rooms, (RuleKind.ROOM,)),
)


def broken_rules(problem: RhythmProblem, solution: RhythmSolution) -> list[str]:
    """Every hard rule of the week rhythm that the solution breaks (empty when it obeys all)."""
    broken = []
    flags = choices(problem, solution)
    for cw, cfa in zip(problem.cohorts, flags):
        plan = solution.cohort(cw.cohort.id)
        if [w.monday for w in plan.weeks] != [w.monday for w in cw.weeks]:
            broken.append(f"{cw.cohort.id}: weeks differ from the calendar")
            continue
        broken += [line for check, _kinds in COHORT_CHECKS for line in check(cw, cfa, plan)]
    return broken + [line for check, _kinds in PLAN_CHECKS for line in check(problem, flags)]

"""The CP-SAT model of the lesson timetable: which subject fills each slot of each CFA day.

One boolean per (cohort, day, slot, activity), where an activity is a subject or the
"Accompagnement" hours no subject takes. Hard rules are one function each; the soft goals
(even spread, whole half-days, compact trainer days) form one weighted objective. The search is
bounded in deterministic time, so the same plan always gives the same timetable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from ortools.sat.python import cp_model

from ..domain import monday_of
from ..facts.weeks import MINOR_DAY_MINUTES
from ..i18n import _, number
from ..schedule.lessons import (
    ACCOMPANIMENT,
    MAX_SUBJECT_DAY_MINUTES,
    CohortLessons,
    Lesson,
    LessonProblem,
    LessonSolution,
    half_day_pairs,
    widest_deviation,
)
from .core import SUBJECT_DAY_LIMIT_PLACE, Guards, Rule, RuleKind, new_solver
from .quotas import add_running_band, build_quotas, day_set_overflows, spread_band
from .trajectory import built_answer

# Weights of the week's soft goals: on a rebuild, a slot changed from the last build (fewest
# lessons moved comes first); a half-day split between two activities; a trainer day on site.
GOAL_WEIGHTS = {"moved": 10, "scattered": 1, "trainer_days": 2}
Key = tuple[int, int, int, str]  # cohort index, day index, slot index, activity


@dataclass
class LessonModel:
    model: cp_model.CpModel
    problem: LessonProblem
    y: dict[Key, cp_model.IntVar]
    guards: Guards
    terms: dict[str, list[cp_model.LinearExprT]] = field(default_factory=dict)

    def minutes(self, key: Key) -> int:
        return self.problem.slots[key[2]].minutes

    def cells(self, ci: int, di: int, k: int) -> list[cp_model.IntVar]:
        return [v for _, v in self._cells.get((ci, di, k), [])]

    def activities(self, ci: int, di: int, k: int) -> list[str]:
        return [act for act, _ in self._cells.get((ci, di, k), [])]

    @cached_property
    def _cells(self) -> dict[tuple[int, int, int], list[tuple[str, cp_model.IntVar]]]:
        """(cohort, day, slot) -> its (activity, variable)s, made once (`y` is not changed after)."""
        found: dict[tuple[int, int, int], list[tuple[str, cp_model.IntVar]]] = {}
        for (ci, di, k, act), v in self.y.items():
            found.setdefault((ci, di, k), []).append((act, v))
        return found


def _new_variables(model: cp_model.CpModel, problem: LessonProblem, guarded: bool) -> dict[Key, cp_model.IntVar]:
    """A variable where the activity may go: the trainer is there and the exam has not started.
    With guards (for explanations) every subject gets every slot and the rules say no."""
    y = {}
    for ci, cl in enumerate(problem.cohorts):
        for di, d in enumerate(cl.days):
            for k in filter(d.holds, range(len(problem.slots))):  # a short day: its first slots
                for s in cl.subjects:
                    if guarded or problem.allowed(cl, s, d.day):
                        y[ci, di, k, s.id] = model.new_bool_var(f"y[{cl.cohort.id},{d.day},{k},{s.id}]")
                y[ci, di, k, ACCOMPANIMENT] = model.new_bool_var(f"y[{cl.cohort.id},{d.day},{k},acc]")
    return y


def add_fill_each_day(m: LessonModel) -> None:
    """Each slot holds at most one activity and each CFA day is filled to its minutes."""
    for ci, cl in enumerate(m.problem.cohorts):
        guard = m.guards.of(Rule(RuleKind.UNDER18, "apprentice.birth_date", cohort=cl.cohort.id))
        for di, d in enumerate(cl.days):
            day: list[cp_model.LinearExprT] = []
            for k, slot in enumerate(m.problem.slots):
                cell = m.cells(ci, di, k)
                m.model.add_at_most_one(cell)
                day.extend(slot.minutes * v for v in cell)
            m.model.add(sum(day) == d.minutes)
            if d.day in cl.minors:
                m.model.add(sum(day) <= MINOR_DAY_MINUTES).only_enforce_if(guard)


def add_subject_hours(m: LessonModel) -> None:
    """Every subject gets exactly its hours."""
    for ci, cl in enumerate(m.problem.cohorts):
        for s in cl.subjects:
            terms = [m.minutes(key) * v for key, v in m.y.items() if key[0] == ci and key[3] == s.id]
            rule = Rule(
                RuleKind.SUBJECT_HOURS,
                f"programme[{cl.cohort.programme}].subject[{s.id}].hours",
                cohort=cl.cohort.id,
                subject=s.id,
                minutes=s.minutes,
            )
            m.model.add(sum(terms) == s.minutes).only_enforce_if(m.guards.of(rule))


def add_subject_day_limit(m: LessonModel) -> None:
    """At most 4 h of one subject a day."""
    by_day: dict[tuple[int, int, str], list] = {}
    for key, v in m.y.items():
        if key[3] != ACCOMPANIMENT:
            by_day.setdefault((key[0], key[1], key[3]), []).append(m.minutes(key) * v)
    guard = m.guards.of(Rule(RuleKind.SUBJECT_DAY_LIMIT, SUBJECT_DAY_LIMIT_PLACE))
    longest = sum(s.minutes for s in m.problem.slots)
    if longest > MAX_SUBJECT_DAY_MINUTES:
        for terms in by_day.values():
            m.model.add(sum(terms) <= MAX_SUBJECT_DAY_MINUTES).only_enforce_if(guard)


def add_trainer_availability(m: LessonModel) -> None:
    """A trainer teaches only when available, and written-exam subjects end before the exams."""
    if not m.guards.enabled:
        return  # without guards, the variables simply do not exist where this rule says no
    for (ci, di, _k, sid), v in m.y.items():
        if sid == ACCOMPANIMENT:
            continue
        cl = m.problem.cohorts[ci]
        subject = next(s for s in cl.subjects if s.id == sid)
        day = cl.days[di].day
        tid = cl.trainers[sid]
        if not m.problem.plan.trainer(tid).available(day):
            m.model.add(v == 0).only_enforce_if(
                m.guards.of(Rule(RuleKind.UNAVAILABLE, f"trainer[{tid}].unavailable", trainer=tid))
            )
        deadline = cl.deadline(subject)
        if deadline is not None and day >= deadline:
            rule = Rule(RuleKind.EXAMS, f"cohort[{cl.cohort.id}].{cl.cohort.written_place}", cohort=cl.cohort.id)
            m.model.add(v == 0).only_enforce_if(m.guards.of(rule))


def _trainer_cells(m: LessonModel) -> dict[str, dict[tuple[date, int], list[tuple[Key, cp_model.IntVar]]]]:
    cells: dict[str, dict[tuple[date, int], list]] = {}
    for key, v in m.y.items():
        if key[3] == ACCOMPANIMENT:
            continue
        cl = m.problem.cohorts[key[0]]
        tid = cl.trainers[key[3]]
        cells.setdefault(tid, {}).setdefault((cl.days[key[1]].day, key[2]), []).append((key, v))
    return cells


def add_trainer_one_place(m: LessonModel) -> None:
    """A trainer who teaches several cohorts is never in two places at once."""
    for by_time in _trainer_cells(m).values():
        for entries in by_time.values():
            if len({key[0] for key, _ in entries}) > 1:
                m.model.add_at_most_one(v for _, v in entries)


def add_trainer_week_max(m: LessonModel) -> None:
    """A trainer's weekly maximum holds, across all cohorts."""
    for tid, by_time in _trainer_cells(m).items():
        limit = m.problem.plan.trainer(tid).max_week_minutes
        if limit is None:
            continue
        weeks: dict[date, list] = {}
        for (day, _slot), entries in by_time.items():
            weeks.setdefault(monday_of(day), []).extend(m.minutes(key) * v for key, v in entries)
        for monday, terms in sorted(weeks.items()):
            rule = Rule(RuleKind.TRAINER_MAX, f"trainer[{tid}].max_hours_per_week", trainer=tid, week=monday)
            m.model.add(sum(terms) <= limit).only_enforce_if(m.guards.of(rule))


# Every hard rule of the lessons, in the order they are added, with the kinds of
# schedule/rules.py each one holds. Without guards, the variables hold UNAVAILABLE and EXAMS
# (no variable where the trainer is away or the exams have started); every lesson read back is
# given its subject's trainer (SUBJECT_TRAINER), and the published past is copied (PAST).
HARD_RULES: tuple[tuple[Callable[[LessonModel], None], tuple[RuleKind, ...]], ...] = (
    (add_fill_each_day, (RuleKind.DAY_FILL, RuleKind.UNDER18)),
    (add_subject_hours, (RuleKind.SUBJECT_HOURS,)),
    (add_subject_day_limit, (RuleKind.SUBJECT_DAY_LIMIT,)),
    (add_trainer_availability, (RuleKind.UNAVAILABLE, RuleKind.EXAMS)),
    (add_trainer_one_place, (RuleKind.ONE_PLACE,)),
    (add_trainer_week_max, (RuleKind.TRAINER_MAX,)),
)
BY_CONSTRUCTION: tuple[RuleKind, ...] = (RuleKind.SUBJECT_TRAINER, RuleKind.PAST)


def _scattered_terms(m: LessonModel, ci: int, cl: CohortLessons) -> None:
    """A half-day whose two slots hold different activities counts once."""
    pairs = half_day_pairs(m.problem.slots)
    for di in range(len(cl.days)):
        for a, b in pairs:
            split = m.model.new_bool_var(f"split[{cl.cohort.id},{di},{a}]")
            second_busy = sum(m.cells(ci, di, b))
            for act in sorted(m.activities(ci, di, a)):
                # Slot a holds `act` and slot b holds something else: the half-day is split.
                m.model.add(split >= m.y[ci, di, a, act] + second_busy - m.y.get((ci, di, b, act), 0) - 1)
            m.terms.setdefault("scattered", []).append(split)


def _trainer_day_terms(m: LessonModel) -> None:
    for tid, by_time in sorted(_trainer_cells(m).items()):
        days: dict[date, list] = {}
        for (day, _slot), entries in by_time.items():
            days.setdefault(day, []).extend(v for _, v in entries)
        for day, cells in sorted(days.items()):
            on_site = m.model.new_bool_var(f"on_site[{tid},{day}]")
            for v in cells:
                m.model.add_implication(v, on_site)
            m.model.add(on_site <= sum(cells))
            m.terms.setdefault("trainer_days", []).append(on_site)


def _moved_terms(m: LessonModel, previous: dict[tuple[str, date, int], str]) -> None:
    """A slot whose activity differs from the last build's counts once (fewest lessons moved)."""
    for ci, cl in enumerate(m.problem.cohorts):
        for di, d in enumerate(cl.days):
            for k in range(len(m.problem.slots)):
                was = previous.get((cl.cohort.id, d.day, k))
                if was is None:
                    continue
                same = m.y.get((ci, di, k, was))
                m.terms.setdefault("moved", []).append(1 - same if same is not None else 1)
                if same is not None:
                    m.model.add_hint(same, 1)


def build_lessons(
    problem: LessonProblem,
    guarded: bool = False,
    soft: bool = True,
    previous: dict[tuple[str, date, int], str] | None = None,
) -> LessonModel:
    model = cp_model.CpModel()
    m = LessonModel(model, problem, _new_variables(model, problem, guarded), Guards(model, enabled=guarded))
    for add_rule, _kinds in HARD_RULES:
        add_rule(m)
    if soft:
        if previous:
            _moved_terms(m, previous)
        for ci, cl in enumerate(problem.cohorts):
            _scattered_terms(m, ci, cl)
        _trainer_day_terms(m)
        m.model.minimize(sum(weight * sum(m.terms.get(goal, [])) for goal, weight in GOAL_WEIGHTS.items()))
    return m


@dataclass(frozen=True)
class LessonSettings:
    """Budgets in deterministic time (CP-SAT's own measure of work, the same on every run, so the
    same plan gives the same timetable), plus a wall-clock safety limit. Measured with bench/."""

    quota_deterministic_time: float = 1.0
    # The quota level's first answer built by `trajectory.py` (relaxation, rounding, closing)
    # before CP-SAT searches it: the seed's quota level from 2.5 s to 0.7 s, spread more evenly.
    built_quotas: bool = True
    # A week's layout: CP-SAT's linearization_level 0 (no LP relaxation) found better layouts in
    # half the work of its default 1 on the seed and the 10 x 25 plan (bench/results-lessons-speed.md).
    # One presolve pass instead of CP-SAT's default of several: on the seed's 65 weeks, 0.035 of
    # work with it lays out as well as 0.05 without it (summed week objectives 2165 and 2168).
    week_deterministic_time: float = 0.035
    week_linearization_level: int = 0
    week_presolve_iterations: int = 1
    # Re-solve a quota answer whose weeks overflow a day set, with those weeks' cuts (bench: off).
    day_set_cuts: bool = True
    # The whole-cycle model, when the fast search gives up: a large budget, as it decides the plan.
    complete_deterministic_time: float = 200.0
    # The fast search (quotas, layouts, repairs) stops repairing past this much work or this
    # share of `time_limit`, so that the whole-cycle model gets the rest: a plan that has a
    # timetable is not reported as a timeout while the complete model never ran. Without a
    # refused week the share does not apply (the 10 x 25 plan's one round takes 64 s under
    # load). The fast search does 3.6 of work on the seed, 7.2 on the 10 x 25 plan.
    fast_share: float = 0.5
    fast_deterministic_time: float = 15.0
    # Once the whole-cycle model has a timetable: the work spent bringing each subject's weekly
    # hours closer to an even progress (the fast search's spread goal) before the weeks are laid
    # out again for whole half-days and compact trainer days.
    spread_deterministic_time: float = 10.0
    time_limit: float = 120.0
    threads: int = 2  # weeks laid out at once (the machine's 2 cores); 1: one after the other


class LessonsInfeasible(Exception):
    """No timetable: `week` is None when the whole-cycle model proves it, else the week that fails."""

    def __init__(self, week: date | None, quotas: dict[tuple[str, str], int] | None = None):
        super().__init__(str(week))
        self.week = week
        self.quotas = quotas  # the week's minutes per (cohort, subject), when a week fails


def _solver(deterministic_time: float, seconds: float, workers: int) -> cp_model.CpSolver:
    return new_solver(workers, max(1.0, seconds), deterministic_time, seed=0)


@dataclass
class _Clock:
    """A search's budget: `seconds` of wall clock from `started` for its solves, and the point
    where the fast search gives up (checked between its repair rounds): after `work` of CP-SAT's
    deterministic time summed over its solves (the same on every run, so that where it gives up
    does not depend on the machine's load) or `share` seconds (the safety net)."""

    started: float
    seconds: float
    work: float = float("inf")
    share: float = float("inf")
    spent: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def over(self) -> bool:
        return self.spent >= self.work or self.elapsed() >= self.share

    def solve(self, solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
        """Solve and count the work; past the wall clock, give up at once (a solve would get a
        second of its own, and a repair round holds dozens of them)."""
        if self.left() <= 0:
            raise TimeoutError(_("no timetable found in {seconds} s").format(seconds=f"{self.seconds:g}"))
        status = solver.solve(model)
        with self.lock:  # week layouts run on several threads
            self.spent += solver.deterministic_time
        return status


def week_problem(problem: LessonProblem, monday: date, quotas: dict[tuple[str, str], int]) -> LessonProblem:
    """One calendar week of every cohort at the CFA, each subject's minutes fixed to its quota."""
    cohorts = []
    for cl in problem.cohorts:
        past_days = {day for day, _ in cl.past}
        days = tuple(d for d in cl.days if monday_of(d.day) == monday and d.day not in past_days)
        if days:
            subjects = tuple(
                replace(s, minutes=quotas[cl.cohort.id, s.id]) for s in cl.subjects if quotas.get((cl.cohort.id, s.id))
            )
            cohorts.append(replace(cl, days=days, subjects=subjects, past={}))
    return replace(problem, cohorts=tuple(cohorts))


# Drifts tried, in weeks of a subject's own teaching, narrowest first; None: no spread asked.
SPREAD_LADDER = (1, 2, 4, 8, 16, None)
FEASIBILITY_FACTOR = 20
# Quota answers whose weeks overflow a day set get that week's day-set cuts and are solved again, at
# most this many times per rung; then the weeks are laid out as they are (a refused week is repaired).
DAY_SET_ROUNDS = 4


Quotas = dict[tuple[int, int, str], int]  # (cohort index, CFA week, subject) -> minutes


# Up to this many cohorts, their weekly hours are spread in one model. Three cohorts together
# (bench/generate.py plans with 6, 8 and 12 trainers) got spreads of 16, none and 8 weeks;
# cohort by cohort, 2, 4 and 2, in half the time. The seed plan's two cohorts prove k = 2 together.
JOINT_COHORTS = 2


def _spread_quotas(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    cuts: list[Quotas],
    first: int = 0,
    fixed: Quotas | None = None,
) -> tuple[Quotas, int, bool]:
    """Weekly minutes per (cohort, CFA week, subject). A few cohorts are spread together; a large
    CFA cohort by cohort, each one fitting the trainers' weeks the earlier ones left (one model of
    ten cohorts does not find a first answer in two minutes), and together only if that fails."""
    if len(problem.cohorts) <= JOINT_COHORTS:
        return _spread_together(problem, settings, clock, cuts, first, fixed)
    quotas: Quotas = {}
    worst, proven = first, True
    try:
        for k in range(len(problem.cohorts)):
            sub = replace(problem, cohorts=problem.cohorts[: k + 1])
            pinned = {**quotas, **{key: v for key, v in (fixed or {}).items() if key[0] == k}}
            mine = [cut for cut in cuts if max(key[0] for key in cut) == k]
            # The earlier cohorts' hours hold only within their own rung's band (the model keeps
            # their band too), so this cohort starts from the widest rung so far.
            found, rung, sure = _spread_together(sub, settings, clock, mine, worst, pinned)
            quotas.update({key: v for key, v in found.items() if key[0] == k})
            worst, proven = max(worst, rung), proven and sure
        return quotas, worst, proven
    except LessonsInfeasible:
        return _spread_together(problem, settings, clock, cuts, first, fixed)


def _spread_together(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    cuts: list[Quotas],
    first: int = 0,
    fixed: Quotas | None = None,
) -> tuple[Quotas, int, bool]:
    """Weekly minutes per (cohort, CFA week, subject) for the narrowest drift on the ladder (from
    rung `first`) that has a timetable, each try a deterministic feasibility solve. Returns the
    rung, and whether every narrower try was proven impossible."""
    proven = True
    day_sets: set[tuple[int, int]] = set()  # (cohort, CFA week)s whose day-set cuts an answer broke

    def closing(model: cp_model.CpModel) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        solver = _solver(settings.quota_deterministic_time, clock.left(), 1)
        return solver, clock.solve(solver, model)

    for rung in range(first, len(SPREAD_LADDER)):
        weeks = SPREAD_LADDER[rung]
        # The last rung (no spread asked) is the one that must answer: it gets a larger budget.
        budget = settings.quota_deterministic_time * (1 if weeks is not None else FEASIBILITY_FACTOR)
        for _round in range(DAY_SET_ROUNDS):
            status, built, solver = (
                built_answer(problem, weeks, cuts, fixed, day_sets, closing)
                if settings.built_quotas
                else (cp_model.UNKNOWN, None, None)
            )
            # The relaxation's "none" spares the narrow rungs their search; the last rung's
            # "no timetable" is CP-SAT's proof on the quota model itself.
            if built is not None and solver is not None:
                q = built
            elif status == cp_model.INFEASIBLE and weeks is not None:
                break
            else:
                q = build_quotas(problem, weeks, cuts=cuts, fixed=fixed, day_sets=day_sets)
                solver = _solver(budget, clock.left(), 1)
                status = clock.solve(solver, q.model)
            broken = (
                day_set_overflows(q, solver) - day_sets if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else set()
            )
            if not broken:
                break
            day_sets |= broken  # those weeks could not be laid out: solve again with their cuts
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver is not None:
            return {(ci, w, sid): solver.value(q.week_minutes(ci, w, sid)) for ci, w, sid, _ in q.n}, rung, proven
        if weeks is None:
            if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) or fixed is not None:
                raise LessonsInfeasible(None)  # with `fixed`: a local repair failed, the caller widens it
            raise TimeoutError(
                _("no spread of the subject hours found within {seconds} s").format(seconds=f"{settings.time_limit:g}")
            )
        proven &= status == cp_model.INFEASIBLE
    raise AssertionError("the ladder ends with None")


MAX_REPAIRS = 30
REPAIR_WINDOWS = (14, 35, 91)  # days around a failing week whose hours a repair may move


def _repair(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    cuts: list[Quotas],
    rung: int,
    quotas: Quotas,
    failed: date,
) -> Quotas:
    """New weekly quotas without the refused ones, moving hours only near the failing week if
    that is enough (every other week keeps its quotas), else over the whole cycle."""
    for days in REPAIR_WINDOWS:
        fixed = {k: v for k, v in quotas.items() if abs((_monday(problem, k) - failed).days) > days}
        try:
            return _spread_quotas(problem, settings, clock, cuts, rung, fixed)[0]
        except LessonsInfeasible:
            continue
    try:
        return _spread_quotas(problem, settings, clock, cuts, rung)[0]
    except LessonsInfeasible:
        # No weekly hours are left that this week could take: explain the week itself.
        raise LessonsInfeasible(failed, _by_week(problem, quotas)[failed]) from None


def _monday(problem: LessonProblem, key: tuple[int, int, str]) -> date:
    cl = problem.cohorts[key[0]]
    return monday_of(next(d.day for d in cl.days if d.week == key[1]))


def _by_week(problem: LessonProblem, quotas: Quotas) -> dict[date, dict[tuple[str, str], int]]:
    """The quotas regrouped by calendar week: Monday -> (cohort id, subject) -> minutes. Every
    CFA week still to plan is there, even one where no subject can be taught (all accompaniment)."""
    found: dict[date, dict[tuple[str, str], int]] = {}
    for cl in problem.cohorts:
        past_days = {day for day, _ in cl.past}
        for d in cl.days:
            if d.day not in past_days:
                found.setdefault(monday_of(d.day), {})
    for key, minutes in quotas.items():
        found.setdefault(_monday(problem, key), {})[problem.cohorts[key[0]].cohort.id, key[2]] = minutes
    return found


def _week_solver(
    settings: LessonSettings, budget: float, clock: _Clock, presolve_once: bool = True
) -> cp_model.CpSolver:
    """A solver of one week's layout: `budget` of work, CP-SAT's LP relaxation as the settings
    say, and one presolve pass unless `presolve_once` is False."""
    solver = _solver(budget, clock.left(), 1)
    solver.parameters.linearization_level = settings.week_linearization_level
    if presolve_once:
        solver.parameters.max_presolve_iterations = settings.week_presolve_iterations
    return solver


def _lay_out_week(sub: LessonProblem, settings: LessonSettings, clock: _Clock, previous: dict | None = None):
    """The week's best layout within a small budget; if that budget finds none, a plain
    feasibility solve with a larger one says whether the week has any layout at all."""
    # A crowded week (many cohorts at the CFA) is a larger model: its budget grows with it.
    work = settings.week_deterministic_time * max(1.0, len(sub.cohorts) / 2)
    for soft, budget in ((True, work), (False, 10 * work)):
        m = build_lessons(sub, soft=soft, previous=previous)
        # One presolve pass for the layout search; the feasibility solve keeps CP-SAT's full
        # presolve, which finds a crowded week's layout at once where one pass did not.
        solver = _week_solver(settings, budget, clock, presolve_once=soft)
        status = clock.solve(solver, m.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
            return m, solver, status if soft else cp_model.FEASIBLE if status == cp_model.OPTIMAL else status
    return m, solver, status


def _lay_out_weeks(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    previous: dict | None,
    keys: list[tuple],
    layouts: dict[tuple, tuple],
) -> None:
    """Lay out these weeks (Monday, quotas), `settings.threads` at a time: each week is its own
    deterministic solve, and CP-SAT lets go of Python's lock while it searches, so the weeks of
    a repair round share the cores and every layout is the one a lone solve gives."""

    def one(key: tuple) -> tuple:
        monday, quotas = key
        return _lay_out_week(week_problem(problem, monday, dict(quotas)), settings, clock, previous)

    if settings.threads <= 1 or len(keys) <= 1:
        layouts.update((key, one(key)) for key in keys)
        return
    with ThreadPoolExecutor(max_workers=settings.threads) as pool:
        layouts.update(zip(keys, pool.map(one, keys)))


def _clashing_quotas(
    problem: LessonProblem, settings: LessonSettings, clock: _Clock, week: Quotas, monday: date
) -> Quotas:
    """The smallest part of a week's refused quotas that still has no layout, as the cut to add.

    A subject left out is tried at 0 minutes, its slots given to accompaniment, which any slot
    may hold: if even then the week has no layout, it has none whatever that subject gets, so the
    cut need not name it. Cutting the whole week instead only forbids that exact combination, and
    the repair then keeps moving the hours of other cohorts or subjects around the same clash.
    Whole cohorts are dropped first, then subjects, in a fixed order (the same cut every run)."""

    def no_layout(kept: Quotas) -> bool:
        by_subject = {(problem.cohorts[ci].cohort.id, sid): v for (ci, _, sid), v in kept.items()}
        m = build_lessons(week_problem(problem, monday, by_subject), soft=False)
        solver = _solver(10 * settings.week_deterministic_time, clock.left(), 1)
        return clock.solve(solver, m.model) == cp_model.INFEASIBLE  # undecided in time: keep the entry

    cut = {k: v for k, v in week.items() if v}
    for group in [{k for k in cut if k[0] == ci} for ci in sorted({k[0] for k in cut})] + [{k} for k in sorted(cut)]:
        trial = {k: v for k, v in cut.items() if k not in group}
        if group <= cut.keys() and trial and no_layout(trial):
            cut = trial
    return cut or week


def _previous_quotas(problem: LessonProblem, previous: dict[tuple[str, date, int], str]) -> Quotas:
    """The last build's weekly minutes for the weeks still to plan whose days did not change."""
    found: Quotas = {}
    slots = problem.slots
    for ci, cl in enumerate(problem.cohorts):
        past_days = {day for day, _ in cl.past}
        days_of: dict[int, set[date]] = {}
        for d in cl.days:
            if d.day not in past_days:
                days_of.setdefault(d.week, set()).add(d.day)
        published_days: dict[date, set[date]] = {}
        for (cohort, day, _slot), _subject in previous.items():
            if cohort == cl.cohort.id:
                published_days.setdefault(monday_of(day), set()).add(day)
        for w, days in days_of.items():
            if published_days.get(monday_of(min(days))) != days:
                continue  # new, gone or reshaped week: planned afresh
            for s in cl.subjects:
                found[ci, w, s.id] = sum(
                    slots[k].minutes
                    for (cohort, day, k), subject in previous.items()
                    if cohort == cl.cohort.id and day in days and subject == s.id
                )
    return found


def _first_quotas(
    problem: LessonProblem, settings: LessonSettings, clock: _Clock, previous: dict | None
) -> tuple[Quotas, int, bool]:
    """On a rebuild, keep the last build's weekly hours wherever the weeks allow it, moving hours
    only near the weeks that changed; on a first build (or when that fails), spread afresh."""
    if previous:
        kept = _previous_quotas(problem, previous)
        changed = {
            _monday(problem, (ci, w, ""))
            for ci, cl in enumerate(problem.cohorts)
            for w in range(cl.cfa_weeks)
            if not any((ci, w, s.id) in kept for s in cl.subjects) and w not in cl.frozen_weeks
        }
        for days in (0, *REPAIR_WINDOWS):
            fixed = {k: v for k, v in kept.items() if all(abs((_monday(problem, k) - c).days) > days for c in changed)}
            try:
                return _spread_quotas(problem, settings, clock, [], 0, fixed)
            except LessonsInfeasible:
                continue
    return _spread_quotas(problem, settings, clock, [])


def solve_lessons(
    problem: LessonProblem,
    settings: LessonSettings | None = None,
    progress: Callable[[str], None] | None = None,
    previous: dict[tuple[str, date, int], str] | None = None,
) -> LessonSolution:
    """Spread the hours over the weeks, then lay out each week; if that gives up, decide the plan
    with the whole-cycle model. Raises LessonsInfeasible (proven) or TimeoutError.
    `previous` ((cohort, day, slot) -> subject) is the last build's timetable, kept where possible."""
    settings = settings or LessonSettings()
    started = time.monotonic()
    layouts: dict[tuple, tuple] = {}  # a week's quotas -> its layout, kept across repairs
    fast = _Clock(
        started, settings.time_limit, settings.fast_deterministic_time, settings.time_limit * settings.fast_share
    )
    try:
        return _fast_search(problem, settings, fast, progress, previous, layouts)
    except (LessonsInfeasible, TimeoutError):  # it gave up, or its share of the time ran out
        return _complete_search(problem, settings, _Clock(started, settings.time_limit), progress, previous, layouts)


def future_problem(problem: LessonProblem) -> LessonProblem:
    """The days still to plan: frozen days left out, each subject owed its hours minus the past's."""
    cohorts = []
    for cl in problem.cohorts:
        past_days = {day for day, _ in cl.past}
        taught: dict[str, int] = {}
        for (_day, k), (subject, _trainer) in cl.past.items():
            taught[subject] = taught.get(subject, 0) + problem.slots[k].minutes
        days = tuple(d for d in cl.days if d.day not in past_days)
        subjects = tuple(replace(s, minutes=s.minutes - taught.get(s.id, 0)) for s in cl.subjects)
        cohorts.append(replace(cl, days=days, subjects=subjects, past={}))
    return replace(problem, cohorts=tuple(cohorts))


def _hint_layouts(m: LessonModel, layouts: dict[tuple, tuple]) -> None:
    """Hint the whole-cycle model with the weeks the fast search laid out, each variable once
    (a week laid out again in a later repair round wins: CP-SAT refuses a variable hinted twice)."""
    index = {(cl.cohort.id, d.day): (ci, di) for ci, cl in enumerate(m.problem.cohorts) for di, d in enumerate(cl.days)}
    hints: dict[Key, bool] = {}
    for wm, week_solver, status in layouts.values():  # in the order laid out
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        for (ci, di, k, act), v in wm.y.items():
            cl = wm.problem.cohorts[ci]
            where = index.get((cl.cohort.id, cl.days[di].day))
            if where and (*where, k, act) in m.y:
                hints[(*where, k, act)] = week_solver.boolean_value(v)
    for key, value in sorted(hints.items()):
        m.model.add_hint(m.y[key], value)


def _complete_search(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    progress: Callable[[str], None] | None,
    previous: dict[tuple[str, date, int], str] | None,
    layouts: dict[tuple, tuple],
) -> LessonSolution:
    """One slot-level model of the whole cycle holding every hard rule: a timetable if there is
    one, LessonsInfeasible(None) only when none exists, else TimeoutError.

    First the same model with the even spread of the fast search's ladder as a hard band,
    narrowest first, within `spread_deterministic_time` of work (the band guides the search: on
    a plan the fast search gave up on, 8 weeks took 3.7 of work, no band 9.0); a rung it proves
    impossible is proven for every timetable. Then, if no rung answered, the model without a
    band decides the plan. Each week found is laid out again for the week's soft goals."""
    if progress:
        progress(
            "  "
            + _("{plan} · lessons: the week-by-week search gave up; deciding the whole cycle at once").format(
                plan=problem.plan.id
            )
        )
    future = future_problem(problem)
    budget, proven = settings.spread_deterministic_time, True
    for weeks in SPREAD_LADDER:
        if weeks is not None and (budget <= 0 or clock.left() <= 1.0):
            continue
        m = build_lessons(future, soft=False)
        if weeks is not None:
            _add_spread_band(m, problem, weeks)
        _hint_layouts(m, layouts)
        if weeks is None:
            work, wall = settings.complete_deterministic_time, clock.left()
        else:  # a rung may take the work left, and half the time left
            work, wall = budget, clock.left() / 2
        # One worker: CP-SAT 9.15's interleaved search (several deterministic workers) aborted the
        # process ("heuristics.fixed_search != nullptr") on a hinted whole-cycle model in the bench.
        solver = new_solver(1, max(1.0, wall), work, seed=0)
        status = solver.solve(m.model)
        if status == cp_model.MODEL_INVALID:
            raise AssertionError(f"the whole-cycle lessons model is invalid: {m.model.validate()}")
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        if weeks is None:
            if status == cp_model.INFEASIBLE:
                raise LessonsInfeasible(None)
            raise TimeoutError(
                _("no timetable found in {seconds} s; try --time-limit").format(seconds=f"{settings.time_limit:g}")
            )
        budget -= solver.deterministic_time
        proven &= status == cp_model.INFEASIBLE
    weeks_laid_out = _polish_weeks(problem, settings, clock, previous, _lessons_of(m, solver))
    weeks_optimal = weeks_laid_out is not None and all(optimal for _, optimal in weeks_laid_out)
    placed = [x for week, _ in weeks_laid_out for x in week] if weeks_laid_out is not None else _lessons_of(m, solver)
    for cl in problem.cohorts:  # the frozen past, as published
        for (day, k), (subject, trainer) in cl.past.items():
            placed.append(Lesson(cl.cohort.id, day, k, subject, trainer, problem.slots[k].minutes))
    placed.sort(key=lambda x: (x.cohort, x.day, x.slot))
    solution = LessonSolution(tuple(placed), weeks, proven and weeks is not None, weeks_optimal, clock.elapsed())
    if weeks is None:  # decided without a band: say how even it happens to be
        solution = replace(solution, spread_weeks=_spread_weeks(problem, solution))
    if progress:
        spread = _spread_said(solution.spread_weeks)
        progress(
            "  "
            + _("{plan} · lessons: whole cycle laid out, {spread}, {seconds} s").format(
                plan=problem.plan.id, spread=spread, seconds=number(solution.seconds, 1)
            )
        )
    return solution


def _add_spread_band(m: LessonModel, problem: LessonProblem, weeks: int) -> None:
    """On the whole-cycle model `m` (built on the days still to plan), the quota level's even
    spread (`add_even_spread`): after every CFA week, each subject within `weeks` weeks of its
    own teaching (plus one slot) of an even progress, the frozen past counted as published."""
    week_terms: dict[tuple[int, int, str], list] = {}
    for key, v in sorted(m.y.items()):
        ci, di, _, act = key
        if act != ACCOMPANIMENT:
            week_terms.setdefault((ci, m.problem.cohorts[ci].days[di].week, act), []).append(m.minutes(key) * v)
    for ci, cl in enumerate(problem.cohorts):
        week_of = {d.day: d.week for d in cl.days}
        past: dict[tuple[int, str], int] = {}
        for (day, k), (subject, _) in cl.past.items():
            past[week_of[day], subject] = past.get((week_of[day], subject), 0) + problem.slots[k].minutes
        for s in cl.subjects:
            targets = cl.targets(s)
            weekly = [past.get((w, s.id), 0) + sum(week_terms.get((ci, w, s.id), [])) for w in range(len(targets))]
            add_running_band(
                m.model, f"{cl.cohort.id},{s.id}", weekly, targets, spread_band(problem, ci, s.id, weeks), s.minutes
            )


def _polish_weeks(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    previous: dict[tuple[str, date, int], str] | None,
    lessons: list[Lesson],
) -> list[tuple[list[Lesson], bool]] | None:
    """Each week of `lessons` laid out again for whole half-days and compact trainer days (and,
    on a rebuild, fewest lessons moved), each subject keeping its minutes of that week and the
    search starting from the week as it is: per week, its lessons and whether the layout is
    proven optimal (a week not laid out in its budget stays as it was). None: no time left."""
    weeks: dict[date, list[Lesson]] = {}
    for x in lessons:
        weeks.setdefault(monday_of(x.day), []).append(x)

    def one(monday: date) -> tuple[list[Lesson], bool]:
        given = weeks[monday]
        quotas: dict[tuple[str, str], int] = {}
        for x in given:
            if x.subject != ACCOMPANIMENT:
                quotas[x.cohort, x.subject] = quotas.get((x.cohort, x.subject), 0) + x.minutes
        m = build_lessons(week_problem(problem, monday, quotas), previous=previous)
        at = {(x.cohort, x.day, x.slot): x.subject for x in given}
        m.model.clear_hints()  # the last build's hints give way to a timetable that holds
        for (ci, di, k, act), v in sorted(m.y.items()):
            cl = m.problem.cohorts[ci]
            m.model.add_hint(v, at.get((cl.cohort.id, cl.days[di].day, k)) == act)
        solver = _week_solver(settings, settings.week_deterministic_time, clock)
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return given, False
        return _lessons_of(m, solver), status == cp_model.OPTIMAL

    if clock.left() <= 1.0:
        return None
    if settings.threads <= 1:
        return [one(monday) for monday in sorted(weeks)]
    with ThreadPoolExecutor(max_workers=settings.threads) as pool:
        return list(pool.map(one, sorted(weeks)))


def _spread_said(weeks: int | None) -> str:
    """How even a timetable's hours are, for the progress lines."""
    if weeks is None:
        return _("hours placed without an even spread")
    return _("spread within {weeks} week(s) of teaching").format(weeks=weeks)


def _spread_weeks(problem: LessonProblem, solution: LessonSolution) -> int | None:
    """The narrowest drift on the ladder that every subject of the timetable keeps (None: none)."""
    widest: dict[tuple[int, str], int] = {}
    for ci, cl in enumerate(problem.cohorts):
        week_of = {d.day: d.week for d in cl.days}
        for s in cl.subjects:
            per_week = [0] * cl.cfa_weeks
            for x in solution.of(cl.cohort.id):
                if x.subject == s.id:
                    per_week[week_of[x.day]] += x.minutes
            widest[ci, s.id] = widest_deviation(per_week, cl.targets(s))
    for weeks in SPREAD_LADDER:
        if weeks is not None and all(v <= spread_band(problem, ci, sid, weeks) for (ci, sid), v in widest.items()):
            return weeks
    return None


def _lessons_of(m: LessonModel, solver: cp_model.CpSolver) -> list[Lesson]:
    """The lessons a solved model places."""
    found = []
    for (ci, di, k, act), v in m.y.items():
        if solver.boolean_value(v):
            cl = m.problem.cohorts[ci]
            trainer = None if act == ACCOMPANIMENT else cl.trainers[act]
            found.append(Lesson(cl.cohort.id, cl.days[di].day, k, act, trainer, m.problem.slots[k].minutes))
    return found


def _fast_search(
    problem: LessonProblem,
    settings: LessonSettings,
    clock: _Clock,
    progress: Callable[[str], None] | None,
    previous: dict[tuple[str, date, int], str] | None,
    layouts: dict[tuple, tuple],
) -> LessonSolution:
    """Weekly quotas, then each week's layout, with a few repairs. Raises LessonsInfeasible when
    it gives up, which does not prove that the plan has no timetable."""
    cuts: list[Quotas] = []
    quotas, rung, proven_first = _first_quotas(problem, settings, clock, previous)
    if progress:
        sure = _("narrowest on the ladder") if proven_first else _("narrower ones not proven impossible")
        spread = _spread_said(SPREAD_LADDER[rung])
        progress(
            "  "
            + _("{plan} · lessons: {spread} ({sure}), {seconds} s").format(
                plan=problem.plan.id, spread=spread, sure=sure, seconds=number(clock.elapsed(), 1)
            )
        )
    failed: date | None = None
    for _round in range(MAX_REPAIRS + 1):
        if failed is not None and clock.over:  # its share spent: the whole-cycle model decides
            raise LessonsInfeasible(failed)
        if failed is not None:  # the last round's week had no layout
            quotas = _repair(problem, settings, clock, cuts, rung, quotas, failed)
        by_week = _by_week(problem, quotas)
        failed = None
        keys = [(monday, tuple(sorted(week_quotas.items()))) for monday, week_quotas in sorted(by_week.items())]
        _lay_out_weeks(problem, settings, clock, previous, [key for key in keys if key not in layouts], layouts)
        for key in keys:
            monday, status = key[0], layouts[key][2]
            if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
                failed = monday
                break
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                # The week's own budget, or the fast search's share, ran out: the whole-cycle
                # model decides.
                raise LessonsInfeasible(monday, by_week[monday])
        if failed is None:
            break
        # This week's quotas have no layout (a day-by-day clash the weekly counts cannot see):
        # forbid the part of them that clashes and spread the hours again.
        cuts.append(
            _clashing_quotas(
                problem, settings, clock, {k: v for k, v in quotas.items() if _monday(problem, k) == failed}, failed
            )
        )
        if progress:
            progress(
                "  "
                + _("{plan} · lessons: week {week} cannot be laid out with these hours; moving hours around it").format(
                    plan=problem.plan.id, week=failed
                )
            )
    else:
        raise LessonsInfeasible(failed, by_week[failed] if failed else None)
    lessons: list[Lesson] = []
    weeks_optimal = True
    for monday, week_quotas in sorted(by_week.items()):
        m, week_solver, status = layouts[monday, tuple(sorted(week_quotas.items()))]
        weeks_optimal &= status == cp_model.OPTIMAL
        lessons.extend(_lessons_of(m, week_solver))
    for cl in problem.cohorts:  # the frozen past, as published
        for (day, k), (subject, trainer) in cl.past.items():
            lessons.append(Lesson(cl.cohort.id, day, k, subject, trainer, problem.slots[k].minutes))
    lessons.sort(key=lambda x: (x.cohort, x.day, x.slot))
    seconds = clock.elapsed()
    solution = LessonSolution(tuple(lessons), SPREAD_LADDER[rung], proven_first, weeks_optimal, seconds)
    if progress:
        progress(
            "  "
            + _("{plan} · lessons: {weeks} weeks laid out ({sure}), {seconds} s").format(
                plan=problem.plan.id,
                weeks=len(by_week),
                sure=_("each optimal") if weeks_optimal else _("not all proven optimal"),
                seconds=number(seconds, 1),
            )
        )
    return solution

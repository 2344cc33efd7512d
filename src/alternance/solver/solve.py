"""Solve the rhythm model goal by goal (lexicographic stages) with measured CP-SAT parameters."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..errors import Infeasible, SolverDisagreement, SolverTimeout
from ..i18n import _, number
from ..schedule.rhythm import (
    CFA,
    COMPANY,
    GOAL_LABELS,
    GOALS,
    CohortPlan,
    RhythmProblem,
    RhythmSolution,
    StageResult,
    WeekPlan,
    goal_value,
    goals,
)
from .core import new_solver
from .rhythm import RhythmModel, build

Progress = Callable[[str], None]

# Share of the remaining time each stage may use; the first goal (peak days) must be proven
# optimal, so it gets most of it, and the last stage takes whatever is left.
STAGE_SHARE = {"peak_days": 0.6, "changes": 0.3, "irregularity": 0.5, "year_imbalance": 0.5, "excess_minutes": 1.0}


@dataclass(frozen=True)
class SolverSettings:
    """CP-SAT parameters, measured with bench/solver_params.py on 2 cores (README, "Benchmarks").

    CP-SAT's default portfolio on 2 workers never proved the peak goal, not even for the seed
    plan (bound 90 for 288 after 42 s). `subsolvers=["reduced_costs", "max_lp"]` on 2 workers
    proves it, but without `interleave_search` only reduced_costs runs, and the answer changes
    from run to run (several optimal calendars); with interleave_search it is reproducible but
    slower. One worker is deterministic. Of the one-worker searches, max-LP proves the peak goal
    fastest (200 cohorts in 33 s; 59 s when it hands over) and every stage of the seed plan at
    once, but needs 7 s for the rhythm goal of 10 cohorts and leaves it 8 % from its bound on 50,
    which the pseudo-cost search proves in 0.5 s and 21 s. So the stages of `then_goals` run
    max-LP for `first_share` of their budget and, when that does not prove them, hand its best
    calendar over to the `then` search for the rest; the peak goal, which must be proven, keeps
    max-LP throughout. Each stage is bounded in deterministic time (CP-SAT's own measure of
    work), so a stage cut short is cut at the same point on every run; `time_limit` (wall clock)
    stays as a safety net."""

    time_limit: float = 60.0
    workers: int = 1
    subsolvers: tuple[str, ...] = ("max_lp",)
    deterministic: bool = True
    then: tuple[str, ...] = ("pseudo_costs",)  # () : the first search has the whole stage
    first_share: float = 0.1
    then_goals: tuple[str, ...] = ("changes", "irregularity", "year_imbalance", "excess_minutes")

    def solver(self, budget: float, wall: float, subsolvers: tuple[str, ...] | None = None) -> cp_model.CpSolver:
        """A solver with these settings for one search of `budget` (deterministic) and `wall` seconds."""
        deterministic_time = max(0.05, budget) if self.deterministic else None
        solver = new_solver(self.workers, max(0.05, wall), deterministic_time, seed=0)
        chosen = self.subsolvers if subsolvers is None else subsolvers
        if chosen:
            solver.parameters.subsolvers.extend(chosen)
        return solver


class _ProgressPrinter(cp_model.CpSolverSolutionCallback):
    """Prints improving solutions of a long stage on stderr, at most every two seconds."""

    def __init__(self, goal: str, progress: Progress | None):
        super().__init__()
        self.goal, self.progress = goal, progress
        self.start = self.last = time.monotonic()

    def on_solution_callback(self) -> None:
        now = time.monotonic()
        if self.progress and now - self.start > 1.0 and now - self.last > 2.0:
            self.last = now
            self.progress(
                "  "
                + _("{goal}: {value} (bound {bound}) after {seconds} s").format(
                    goal=_(GOAL_LABELS[self.goal]),
                    value=goal_value(self.goal, round(self.objective_value)),
                    bound=goal_value(self.goal, round(self.best_objective_bound)),
                    seconds=number(now - self.start, 1),
                )
            )


def _hint(m: RhythmModel, values: dict[tuple[int, int], bool]) -> None:
    m.model.clear_hints()
    for key, var in m.x.items():
        m.model.add_hint(var, values[key])


def _first_calendar(
    m: RhythmModel, settings: SolverSettings, budget: float, wall: float
) -> dict[tuple[int, int], bool] | None:
    """A calendar that meets the hard rules, to start the first stage from when the LP-guided
    search finds none in its budget (large plans)."""
    feasibility = m.model.clone()  # the same variables (and hints), without the objective
    feasibility.clear_objective()
    solver = new_solver(workers=1, seconds=max(0.05, wall), deterministic_time=max(0.05, budget), seed=0)
    if solver.solve(feasibility) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {key: bool(solver.boolean_value(var)) for key, var in m.x.items()}


@dataclass
class _Stage:
    """What one stage's search found: CP-SAT's status, the calendar, its value and bound."""

    status: cp_model.CpSolverStatus
    values: dict[tuple[int, int], bool] | None = None
    value: int = 0
    bound: int = 0
    work: float = 0.0  # deterministic time (or seconds) spent


def _search(
    m: RhythmModel, settings: SolverSettings, subsolvers: tuple[str, ...], budget: float, wall: float, callback
) -> _Stage:
    solver = settings.solver(budget, wall, subsolvers)
    started = time.monotonic()
    status = solver.solve(m.model, callback)
    work = solver.deterministic_time if settings.deterministic else time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Stage(status, work=work)
    values = {key: bool(solver.boolean_value(var)) for key, var in m.x.items()}
    return _Stage(status, values, round(solver.objective_value), round(solver.best_objective_bound), work)


def _stage(m: RhythmModel, settings: SolverSettings, goal: str, budget: float, deadline: float, callback) -> _Stage:
    """One goal: the first search, for `first_share` of the budget when another search follows;
    if it finds a calendar without proving it best, the next search goes on from that calendar
    and the better of the two is kept, with the higher of their bounds."""
    wall = lambda: deadline - time.monotonic()  # noqa: E731
    then = settings.then if goal in settings.then_goals else ()
    first = budget * settings.first_share if then else budget
    found = _search(m, settings, settings.subsolvers, first, wall(), callback)
    if found.status not in (cp_model.FEASIBLE, cp_model.UNKNOWN) or not then or wall() <= 0.05:
        return found
    if found.status == cp_model.UNKNOWN:  # no calendar yet: the next search starts afresh
        more = _search(m, settings, then, budget - found.work, wall(), callback)
        more.work += found.work
        return more
    if found.values is None:  # never for FEASIBLE, which carries a calendar
        return found
    _hint(m, found.values)
    more = _search(m, settings, then, budget - found.work, wall(), callback)
    best = more if more.values is not None and more.value <= found.value else found
    bound = max(found.bound, more.bound) if more.values is not None else found.bound
    proven = (best is more and more.status == cp_model.OPTIMAL) or bound >= best.value
    return _Stage(
        cp_model.OPTIMAL if proven else cp_model.FEASIBLE,
        best.values,
        best.value,
        min(bound, best.value),
        found.work + more.work,
    )


def solve_rhythm(
    problem: RhythmProblem,
    settings: SolverSettings | None = None,
    progress: Progress | None = None,
    notice: Progress | None = None,
) -> RhythmSolution:
    """Meet the hard rules, then each soft goal in priority order without losing the earlier ones.
    `progress` hears the solver's detail; `notice`, the steps a planner waits for (explaining)."""
    settings = settings or SolverSettings()
    started = time.monotonic()
    deadline = started + settings.time_limit
    m = build(problem)
    values: dict[tuple[int, int], bool] | None = None
    stages: list[StageResult] = []
    budget_left = settings.time_limit
    for goal in GOALS:
        if values is not None and not any(p.goal == goal for p in m.penalties):
            # Nothing can cost anything for this goal (e.g. no last build to stay close to).
            stages.append(StageResult(goal, 0, 0, True, 0.0))
            continue
        expr = m.goal(goal)
        budget = budget_left * STAGE_SHARE[goal]
        m.model.minimize(expr)
        if values is not None:
            _hint(m, values)
        stage_start = time.monotonic()
        callback = _ProgressPrinter(goal, progress) if progress else None
        found = _stage(m, settings, goal, budget, deadline, callback)
        if found.status == cp_model.UNKNOWN and values is None:
            first = _first_calendar(m, settings, budget / 2, (deadline - time.monotonic()) / 2)
            if first is not None:
                _hint(m, first)
                found = _stage(m, settings, goal, budget / 2, deadline, None)
                if found.status == cp_model.UNKNOWN:  # the start itself is a calendar: value it
                    values = first
        seconds = time.monotonic() - stage_start
        budget_left -= min(budget, found.work)
        if found.status == cp_model.INFEASIBLE or found.status == cp_model.MODEL_INVALID:
            from .explain import explain_infeasible  # only needed when there is nothing to publish

            # The explanation's many small solves get a time limit of their own, as long again.
            if notice:
                notice(
                    _(
                        "{plan}: no calendar meets every rule; looking for the rules that clash (at most {seconds} s)…"
                    ).format(plan=problem.plan.id, seconds=f"{settings.time_limit:g}")
                )
            raise Infeasible(explain_infeasible(problem, settings.time_limit))
        if found.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if values is None:
                raise SolverTimeout(
                    [
                        _(
                            "{plan}: no calendar found within the time limit of {seconds} s; try a larger --time-limit"
                        ).format(plan=problem.plan.id, seconds=f"{settings.time_limit:g}")
                    ]
                )
            # Nothing better found in time: keep the previous plan, valued in plain Python.
            value = goals(problem, _solution(problem, values, stages, started))[goal]
            stages.append(StageResult(goal, value, found.bound, False, seconds))
            m.model.add(expr <= value)
            continue
        values = found.values
        stages.append(StageResult(goal, found.value, found.bound, found.status == cp_model.OPTIMAL, seconds))
        if progress:
            progress(f"  {problem.plan.id} · {stages[-1].said()}")
        m.model.add(expr <= found.value)
    if values is None:  # GOALS is never empty: every stage returned a calendar or raised
        raise SolverDisagreement("the rhythm search", ["no stage returned a calendar"])
    return _solution(problem, values, stages, started)


def _solution(
    problem: RhythmProblem, values: dict[tuple[int, int], bool], stages: list[StageResult], started: float
) -> RhythmSolution:
    cohorts = []
    for ci, cw in enumerate(problem.cohorts):
        weeks = []
        for wi, week in enumerate(cw.weeks):
            cfa = values.get((ci, wi), False)
            weeks.append(WeekPlan(week.monday, CFA if cfa else COMPANY, week.minutes if cfa else 0))
        cohorts.append(CohortPlan(cw.cohort.id, tuple(weeks)))
    return RhythmSolution(problem.plan.id, tuple(cohorts), tuple(stages), time.monotonic() - started)

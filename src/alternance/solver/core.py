"""What every CP-SAT model here shares: the plan's rule kinds, guard literals, the explanation's
deadline and minimal clash, named penalties, and one factory for a deterministic solver."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..schedule.rules import SUBJECT_DAY_LIMIT_PLACE, Rule, RuleKind

__all__ = ["SUBJECT_DAY_LIMIT_PLACE", "Deadline", "Guards", "Penalty", "Rule", "RuleKind", "minimal_core", "new_solver"]


def new_solver(
    workers: int,
    seconds: float,
    deterministic_time: float | None = None,
    seed: int | None = None,
) -> cp_model.CpSolver:
    """A CP-SAT solver bounded by `seconds` of wall time (and by `deterministic_time`, which
    makes the answer repeatable). `seed` fixes CP-SAT's random seed; with several workers and a
    deterministic budget, the workers interleave so that the same input gives the same answer."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.max_time_in_seconds = seconds
    if seed is not None:
        p.random_seed = seed
    if deterministic_time is not None:
        p.max_deterministic_time = deterministic_time
        if workers > 1:
            p.interleave_search = True
    return solver


@dataclass
class Guards:
    """Guard literals by rule; when disabled, every rule is enforced unconditionally."""

    model: cp_model.CpModel
    enabled: bool = False
    rules: dict[str, Rule] = field(default_factory=dict)
    literals: dict[str, cp_model.IntVar] = field(default_factory=dict)

    def of(self, rule: Rule) -> list[cp_model.IntVar]:
        if not self.enabled:
            return []
        if rule.key not in self.literals:
            self.rules[rule.key] = rule
            self.literals[rule.key] = self.model.new_bool_var(f"guard[{rule.key}]")
        return [self.literals[rule.key]]


# One solve of an explanation never takes longer than this, whatever time is left.
SOLVE_SECONDS = 20.0


@dataclass(frozen=True)
class Deadline:
    """The wall-clock end of an explanation's many small solves (`--time-limit` bounds them)."""

    end: float  # on time.monotonic()'s clock

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def passed(self) -> bool:
        return self.left() < 0.01

    def solve(self, model: cp_model.CpModel) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        """One sequential solve within what is left (UNKNOWN, unsolved, once the time is up)."""
        # Assumptions and cores need the sequential search.
        solver = new_solver(workers=1, seconds=min(SOLVE_SECONDS, self.left()))
        return (cp_model.UNKNOWN if self.passed else solver.solve(model)), solver


def minimal_core(make: Callable[[], tuple[cp_model.CpModel, Guards]], deadline: Deadline) -> tuple[list[Rule], bool]:
    """A set of guarded rules that cannot hold together ([] when none is found in time), and
    whether it is minimal.

    `make()` builds a fresh model whose plan rules carry guards. CP-SAT, with every guard as an
    assumption (one worker), returns a sufficient set; a deletion loop drops every rule the
    clash does not need, until the deadline: a clash cut short is still a clash, only larger."""

    def solve(keys: set[str] | None) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver, Guards]:
        model, guards = make()
        model.add_assumptions([lit for key, lit in guards.literals.items() if keys is None or key in keys])
        return (*deadline.solve(model), guards)

    status, solver, guards = solve(None)
    if status != cp_model.INFEASIBLE:
        return [], False
    by_index = {lit.index: key for key, lit in guards.literals.items()}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    minimal = True
    for key in list(core):
        if len(core) == 1:
            break
        if deadline.passed:
            minimal = False
            break
        status = solve(set(core) - {key})[0]
        if status == cp_model.INFEASIBLE:
            core.remove(key)
        elif status != cp_model.OPTIMAL and status != cp_model.FEASIBLE:
            minimal = False  # undecided in time: the rule stays in the clash
    return [guards.rules[key] for key in core], minimal


@dataclass(frozen=True)
class Penalty:
    """A named soft-rule term: `weight * expr` counts toward `goal`."""

    name: str
    goal: str
    expr: cp_model.LinearExprT
    weight: int = 1

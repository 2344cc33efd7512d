"""The staged search of solver/solve.py: a stage's first search hands over to the next one."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

import alternance.solver.solve as solve_module
from alternance.schedule.rhythm import make_problem
from alternance.solver import SolverSettings, solve_rhythm
from alternance.solver.rhythm import build
from alternance.solver.solve import _Stage, _stage
from helpers import PLANS, assert_valid, load, make_plan


def _fake_searches(monkeypatch, *answers: _Stage) -> list[tuple[str, ...]]:
    """Replace CP-SAT by canned answers, one per search, and record which searches ran."""
    ran: list[tuple[str, ...]] = []
    queue = list(answers)

    def fake(m, settings, subsolvers, budget, wall, callback):
        ran.append(subsolvers)
        return queue.pop(0)

    monkeypatch.setattr(solve_module, "_search", fake)
    monkeypatch.setattr(solve_module, "_hint", lambda m, values: None)
    return ran


def _model(tmp_path):
    return build(make_problem(load(make_plan(tmp_path))))


CALENDAR_A, CALENDAR_B = {(0, 0): True}, {(0, 0): False}


def test_a_stage_proven_by_the_first_search_runs_no_other(tmp_path, monkeypatch):
    ran = _fake_searches(monkeypatch, _Stage(cp_model.OPTIMAL, CALENDAR_A, 4, 4, 0.1))
    found = _stage(_model(tmp_path), SolverSettings(), "irregularity", 10.0, float("inf"), None)
    assert ran == [("max_lp",)]
    assert (found.status, found.value, found.values) == (cp_model.OPTIMAL, 4, CALENDAR_A)


def test_the_next_search_goes_on_and_its_better_calendar_is_kept(tmp_path, monkeypatch):
    ran = _fake_searches(
        monkeypatch, _Stage(cp_model.FEASIBLE, CALENDAR_A, 7, 2, 1.0), _Stage(cp_model.OPTIMAL, CALENDAR_B, 5, 5, 3.0)
    )
    found = _stage(_model(tmp_path), SolverSettings(), "irregularity", 10.0, float("inf"), None)
    assert ran == [("max_lp",), ("pseudo_costs",)]
    assert (found.status, found.value, found.bound, found.values, found.work) == (
        cp_model.OPTIMAL,
        5,
        5,
        CALENDAR_B,
        4.0,
    )


def test_a_worse_answer_of_the_next_search_keeps_the_first_calendar_and_the_higher_bound(tmp_path, monkeypatch):
    _fake_searches(
        monkeypatch, _Stage(cp_model.FEASIBLE, CALENDAR_A, 7, 2, 1.0), _Stage(cp_model.FEASIBLE, CALENDAR_B, 8, 6, 9.0)
    )
    found = _stage(_model(tmp_path), SolverSettings(), "irregularity", 10.0, float("inf"), None)
    assert (found.status, found.value, found.bound, found.values) == (cp_model.FEASIBLE, 7, 6, CALENDAR_A)


def test_a_bound_that_meets_the_first_value_proves_it(tmp_path, monkeypatch):
    # The next search finds nothing better but proves that nothing better exists.
    _fake_searches(
        monkeypatch, _Stage(cp_model.FEASIBLE, CALENDAR_A, 7, 2, 1.0), _Stage(cp_model.FEASIBLE, CALENDAR_B, 9, 7, 9.0)
    )
    found = _stage(_model(tmp_path), SolverSettings(), "irregularity", 10.0, float("inf"), None)
    assert (found.status, found.value, found.values) == (cp_model.OPTIMAL, 7, CALENDAR_A)


def test_without_a_next_search_the_first_has_the_whole_budget(tmp_path, monkeypatch):
    budgets = []

    def fake(m, settings, subsolvers, budget, wall, callback):
        budgets.append(budget)
        return _Stage(cp_model.FEASIBLE, CALENDAR_A, 7, 2, budget)

    monkeypatch.setattr(solve_module, "_search", fake)
    monkeypatch.setattr(solve_module, "_hint", lambda m, values: None)
    _stage(_model(tmp_path), SolverSettings(then=()), "irregularity", 10.0, float("inf"), None)
    _stage(_model(tmp_path), SolverSettings(first_share=0.25), "irregularity", 10.0, float("inf"), None)
    _stage(_model(tmp_path), SolverSettings(first_share=0.25), "peak_days", 10.0, float("inf"), None)
    assert budgets == [10.0, 2.5, 7.5, 10.0]  # the peak goal keeps its first search throughout


FIVE_COHORTS = PLANS / "five-cohorts" / "five-cohorts.toml"


@pytest.mark.slow
def test_the_handover_reaches_the_optimum_that_one_long_search_proves(monkeypatch):
    # With 5 s, max-LP's tenth of a stage does not prove the rhythm goal of these five cohorts:
    # the pseudo-cost search goes on from its calendar and proves the same optimum as max-LP alone
    # with a whole minute, every stage value recomputed in plain Python.
    problem = make_problem(load(FIVE_COHORTS))
    alone = solve_rhythm(problem, SolverSettings(time_limit=60, then=()))
    searches: list[tuple[tuple[str, ...], int]] = []
    real = solve_module._search

    def recorded(m, settings, subsolvers, budget, wall, callback):
        found = real(m, settings, subsolvers, budget, wall, callback)
        searches.append((subsolvers, found.status))
        return found

    monkeypatch.setattr(solve_module, "_search", recorded)
    handed = solve_rhythm(problem, SolverSettings(time_limit=5))
    assert (("max_lp",), cp_model.FEASIBLE) in searches and any(s == ("pseudo_costs",) for s, _ in searches)
    assert_valid(problem, handed)
    assert all(s.optimal for s in alone.stages) and all(s.optimal for s in handed.stages)
    assert [s.value for s in handed.stages] == [s.value for s in alone.stages]

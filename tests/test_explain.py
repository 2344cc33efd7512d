"""An infeasible plan is explained in the planner's words: the cohort, the hours, the rules."""

from __future__ import annotations

import time
from datetime import date

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.errors import NoSolution
from alternance.schedule.rhythm import make_problem
from alternance.solver.core import Deadline, minimal_core
from alternance.solver.explain import explain_infeasible
from alternance.solver.rhythm import build
from helpers import load, make_plan, solve

ALL_PLACES = (
    "programme[prog].total_hours",
    "cohort[c1].max_consecutive_cfa_weeks",
    "cohort[c1].max_consecutive_company_weeks",
    "company[acme].peak",
    "plan.max_cohorts_at_cfa",
)


def explain(tmp_path, plan=None, **items) -> str:
    with pytest.raises(NoSolution) as caught:
        solve(make_plan(tmp_path, plan, **items))
    error = caught.value
    assert error.exit_code == 1
    assert str(error) == "\n".join(error.reasons)
    return str(error)


def assert_places(text: str, *places: str) -> None:
    """The explanation names exactly these plan places among the ones these plans could blame."""
    assert {p for p in ALL_PLACES if p in text} == set(places), text


def test_far_too_many_hours(tmp_path):
    # Nine 35 h weeks hold at most 315 h even with no other rule.
    text = explain(tmp_path, programme={"total_hours": 1350}, cohort={"max_consecutive_cfa_weeks": 9})
    assert "c1" in text
    assert "1350 h" in text
    assert "315 h" in text
    assert "9 open weeks" in text
    assert_places(text, "programme[prog].total_hours")


def test_the_hours_quoted_are_reachable_under_every_rule_of_the_plan(tmp_path):
    # 1350 h in nine weeks with runs of at most 2 CFA weeks: the most this plan can give is 210 h
    # (6 weeks), not the 315 h of nine CFA weeks in a row, which its max_consecutive_cfa_weeks
    # forbids. A planner who lowers the target to the hours quoted must get a calendar.
    text = explain(tmp_path, programme={"total_hours": 1350}, cohort={"max_consecutive_cfa_weeks": 2})
    assert "c1" in text and "1350 h" in text
    assert "210 h" in text
    assert "315 h" not in text
    assert "cohort[c1].max_consecutive_cfa_weeks" in text


def test_too_many_hours_for_the_runs_of_cfa_weeks(tmp_path):
    # 280 h would fit in 8 of the 9 weeks, but runs of at most 2 CFA weeks allow 6: 210 h.
    text = explain(tmp_path, programme={"total_hours": 280}, cohort={"max_consecutive_cfa_weeks": 2})
    assert "c1 needs 280 h" in text
    assert "210 h" in text
    assert_places(text, "programme[prog].total_hours", "cohort[c1].max_consecutive_cfa_weeks")


def test_too_few_hours_for_the_runs_of_company_weeks(tmp_path):
    # At most 1 company week in a row forces 4 CFA weeks (140 h), a full week above 35 h.
    text = explain(
        tmp_path,
        programme={"total_hours": 35},
        cohort={"max_consecutive_company_weeks": 1, "max_consecutive_cfa_weeks": 1},
    )
    assert "c1" in text
    assert "140 h" in text
    assert "35 h" in text
    assert_places(text, "programme[prog].total_hours", "cohort[c1].max_consecutive_company_weeks")


def test_a_hard_peak_in_the_way(tmp_path):
    # Five weeks, 105 h, never two CFA weeks in a row: only "C-C-C", and week 3 is a hard peak.
    text = explain(
        tmp_path,
        programme={"total_hours": 105},
        cohort={"end": date(2025, 10, 3), "max_consecutive_cfa_weeks": 1},
        apprentice={"contract_end": date(2025, 10, 3)},
        company={"peak": [{"start": date(2025, 9, 17), "end": date(2025, 9, 17), "hard": True}]},
    )
    assert "c1 needs 105 h" in text
    assert "70 h" in text
    assert "acme" in text and "2025-09-17" in text
    assert_places(text, "programme[prog].total_hours", "cohort[c1].max_consecutive_cfa_weeks", "company[acme].peak")


# Two cohorts of 175 h (5 CFA weeks) each, in nine weeks and one classroom.
ONE_CLASSROOM_PLAN = {"max_cohorts_at_cfa": 1}
ONE_CLASSROOM = {
    "programme": {"total_hours": 175},
    "cohorts": [{"max_consecutive_cfa_weeks": 9}, {"id": "c2", "max_consecutive_cfa_weeks": 9}],
    "apprentices": [{}, {"id": "a-2", "cohort": "c2"}],
}


def test_two_cohorts_and_one_classroom(tmp_path):
    # Two cohorts of 5 CFA weeks each cannot share 9 weeks one at a time.
    text = explain(tmp_path, ONE_CLASSROOM_PLAN, **ONE_CLASSROOM)
    assert "c1" in text and "c2" in text
    assert "175 h" in text
    assert "140 h" in text  # what one cohort can get while the other has its 175 h
    assert_places(text, "programme[prog].total_hours", "plan.max_cohorts_at_cfa")


# --- the explanation is bounded in time --------------------------------------------------------


class Countdown(Deadline):
    """A deadline that passes after `solves` solves, whatever the clock says."""

    def __init__(self, solves: int):
        object.__setattr__(self, "solves", solves)
        object.__setattr__(self, "end", 0.0)

    @property
    def passed(self) -> bool:
        return self.solves <= 0

    def left(self) -> float:
        return 0.0 if self.passed else 20.0

    def solve(self, model):
        object.__setattr__(self, "solves", self.solves - 1)
        return Deadline(time.monotonic() + 20.0).solve(model)


def _clash_maker(problem):
    def make():
        m = build(problem, guarded=True, soft=False)
        return m.model, m.guards

    return make


def test_a_clash_cut_short_by_the_deadline_is_still_a_clash_and_says_so(tmp_path):
    # CP-SAT's first core here names 5 rules; the deletion loop brings it down to 3.
    path = make_plan(tmp_path, ONE_CLASSROOM_PLAN, **ONE_CLASSROOM)
    problem = make_problem(load(path))
    full, minimal = minimal_core(_clash_maker(problem), Deadline.after(60))
    assert minimal and full
    cut, cut_minimal = minimal_core(_clash_maker(problem), Countdown(1))  # the first solve only
    assert not cut_minimal
    assert {r.key for r in full} <= {r.key for r in cut}
    assert len(cut) > len(full)  # the deletion loop had more to drop


def test_no_time_left_gives_one_line_that_says_why(tmp_path):
    path = make_plan(tmp_path, programme={"total_hours": 1350})
    lines = explain_infeasible(make_problem(load(path)), seconds=0.0)
    assert len(lines) == 1
    assert "could not be isolated in 0 s" in lines[0] and "--time-limit" in lines[0]


def test_the_cli_gives_the_explanation_the_time_limit(tmp_path):
    # The same plan with a tiny --time-limit still exits 1 with an explanation, never a traceback.
    path = make_plan(tmp_path, programme={"total_hours": 1350})
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(tmp_path / "out"), "--time-limit", "5"])
    assert result.exit_code == 1, result.output
    assert "c1 needs 1350 h" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_explanation_cut_short_says_its_clash_may_not_be_the_smallest(tmp_path, monkeypatch):
    import alternance.solver.explain as explain_module

    path = make_plan(tmp_path, ONE_CLASSROOM_PLAN, **ONE_CLASSROOM)
    monkeypatch.setattr(explain_module.Deadline, "after", classmethod(lambda cls, seconds: Countdown(1)))
    lines = explain_infeasible(make_problem(load(path)), seconds=1.0)
    assert "ended the search for the smallest clash" in lines[-1]
    assert any("Rules in conflict" in line and "plan.max_cohorts_at_cfa" in line for line in lines)
    assert not any("at most" in line and " 0 h" in line for line in lines)  # no bound quoted from an unrun solve

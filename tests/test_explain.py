"""An infeasible plan is explained in the planner's words: the cohort, the hours, the rules."""

from __future__ import annotations

from datetime import date

import pytest

from alternance.errors import NoSolution
from conftest import solve, make_plan

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
    text = explain(tmp_path, programme={"total_hours": 35},
                   cohort={"max_consecutive_company_weeks": 1, "max_consecutive_cfa_weeks": 1})
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


def test_two_cohorts_and_one_classroom(tmp_path):
    # Two cohorts of 5 CFA weeks each cannot share 9 weeks one at a time.
    text = explain(
        tmp_path, {"max_cohorts_at_cfa": 1},
        programme={"total_hours": 175},
        cohorts=[{"max_consecutive_cfa_weeks": 9}, {"id": "c2", "max_consecutive_cfa_weeks": 9}],
        apprentices=[{}, {"id": "a-2", "cohort": "c2"}],
    )
    assert "c1" in text and "c2" in text
    assert "175 h" in text
    assert "140 h" in text  # what one cohort can get while the other has its 175 h
    assert_places(text, "programme[prog].total_hours", "plan.max_cohorts_at_cfa")

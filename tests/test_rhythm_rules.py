"""Each hard rule of the week rhythm, and the soft goals, on tiny plans solved by CP-SAT.

The default tiny plan has nine open 35 h weeks (1 September to 31 October 2025), so a target of
N × 35 h needs exactly N CFA weeks. Patterns read "C" CFA week, "-" company week, "#" closed week.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from alternance.errors import NoSolution
from alternance.schedule.rhythm import broken_rules, goals, make_problem
from helpers import MINI, assert_valid, load, make_plan, pattern, solution_from, solve

H = 60


def runs(text: str, kind: str) -> list[int]:
    """Lengths of the runs of CFA ("C") or company ("-") weeks; a closed week ends every run."""
    return [len(r) for r in re.split(r"[^" + re.escape(kind) + "]", text) if r]


def solved(tmp_path, plan=None, **items):
    problem, solution = solve(make_plan(tmp_path, plan, **items))
    assert_valid(problem, solution)
    return problem, solution


def no_solution(tmp_path, plan=None, **items) -> NoSolution:
    with pytest.raises(NoSolution) as caught:
        solve(make_plan(tmp_path, plan, **items))
    return caught.value


# --- hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [56, 100, 150, 196])
def test_hours_reach_the_target_and_stay_under_target_plus_one_week(tmp_path, target):
    # Starting on a Wednesday makes the first week 21 h, so totals are not all multiples of 35 h.
    _problem, solution = solved(
        tmp_path,
        programme={"total_hours": target},
        cohort={"start": date(2025, 9, 3)},
        apprentice={"contract_start": date(2025, 9, 3)},
    )
    planned = solution.cohort("c1").minutes
    assert target * H <= planned < (target + 35) * H
    assert planned == sum(w.minutes for w in solution.cohort("c1").cfa_weeks())
    assert all(
        w.minutes == (21 * H if w.monday == date(2025, 9, 1) else 35 * H) for w in solution.cohort("c1").cfa_weeks()
    )
    assert solution.stages[-1].value == planned - target * H  # hours above target, the last goal


def test_the_hours_target_decides_the_number_of_cfa_weeks(tmp_path):
    problem, solution = solved(tmp_path, programme={"total_hours": 175}, cohort={"max_consecutive_cfa_weeks": 1})
    assert pattern(problem, solution) == "C-C-C-C-C"  # the only way: 5 weeks, never two in a row


# --- runs of CFA weeks ------------------------------------------------------------------------


def test_max_consecutive_cfa_weeks(tmp_path):
    cohort = {"rhythm": [2, 1], "max_consecutive_cfa_weeks": 2, "max_consecutive_company_weeks": 1}
    problem, solution = solved(tmp_path, programme={"total_hours": 210}, cohort=cohort)
    text = pattern(problem, solution)
    assert text.count("C") == 6
    assert max(runs(text, "C")) <= 2
    assert max(runs(text, "-")) <= 1


def test_max_consecutive_cfa_weeks_makes_too_many_hours_impossible(tmp_path):
    # Runs of at most 2 CFA weeks fit at most 6 of the 9 weeks: 245 h would need 7.
    no_solution(tmp_path, programme={"total_hours": 245}, cohort={"max_consecutive_cfa_weeks": 2})


# --- runs of company weeks --------------------------------------------------------------------


def test_max_consecutive_company_weeks(tmp_path):
    cohort = {"max_consecutive_cfa_weeks": 1, "max_consecutive_company_weeks": 2, "rhythm": [1, 2]}
    problem, solution = solved(tmp_path, programme={"total_hours": 105}, cohort=cohort)
    text = pattern(problem, solution)
    assert text.count("C") == 3
    assert max(runs(text, "-")) <= 2


def test_max_consecutive_company_weeks_makes_too_few_hours_impossible(tmp_path):
    # At most one company week in a row forces 4 CFA weeks (140 h), a full week above 105 h.
    no_solution(
        tmp_path,
        programme={"total_hours": 105},
        cohort={"max_consecutive_company_weeks": 1, "max_consecutive_cfa_weeks": 1},
    )


def test_a_closed_week_ends_a_run_of_company_weeks(tmp_path):
    # Five weeks; the third is closed; hard peaks forbid the CFA in weeks 1, 2 and 4. The only CFA
    # week left is the fifth, which is fine only if the closed week ends the run of weeks 1-2
    # (and is not counted): "--#-C". Counting it, or carrying the run over it, leaves no calendar.
    problem, solution = solved(
        tmp_path,
        programme={"total_hours": 35},
        cohort={"end": date(2025, 10, 3), "max_consecutive_cfa_weeks": 1, "max_consecutive_company_weeks": 2},
        apprentice={"contract_end": date(2025, 10, 3)},
        closures=[{"start": date(2025, 9, 15), "end": date(2025, 9, 19)}],
        company={
            "peak": [
                {"start": date(2025, 9, 1), "end": date(2025, 9, 12), "hard": True},
                {"start": date(2025, 9, 22), "end": date(2025, 9, 26), "hard": True},
            ]
        },
    )
    assert pattern(problem, solution) == "--#-C"


def test_a_closed_week_is_never_a_cfa_week(tmp_path):
    closures = [{"start": date(2025, 9, 15), "end": date(2025, 9, 26)}]  # weeks 3 and 4
    problem, solution = solved(tmp_path, programme={"total_hours": 140}, closures=closures)
    text = pattern(problem, solution)
    assert text[2:4] == "##" and text.count("C") == 4


# --- hard peaks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "peak",
    [
        {"start": date(2025, 9, 1), "end": date(2025, 9, 12), "hard": True},
        {"every_year": True, "start": "09-01", "end": "09-12", "hard": True},
        {"start": date(2025, 9, 10), "end": date(2025, 9, 10), "hard": True},  # one Wednesday
    ],
    ids=["fixed", "every-year", "one-day"],
)
def test_no_cfa_week_touches_a_hard_peak(tmp_path, peak):
    problem, solution = solved(tmp_path, programme={"total_hours": 140}, company={"peak": [peak]})
    company = problem.plan.company("acme")
    for week in solution.cohort("c1").cfa_weeks():
        assert not any(company.hard_peak(date.fromordinal(week.monday.toordinal() + i)) for i in range(5))
    assert pattern(problem, solution)[1] == "-"  # week 2 (8-12 September) is in every peak above


def test_a_hard_peak_on_a_week_that_must_be_cfa_leaves_no_calendar(tmp_path):
    # Five weeks, three CFA weeks never two in a row: only "C-C-C". A hard peak in week 2 is fine,
    # a hard peak in week 3 is not.
    five_weeks = {"end": date(2025, 10, 3), "max_consecutive_cfa_weeks": 1}
    contract = {"contract_end": date(2025, 10, 3)}
    problem, solution = solved(
        tmp_path,
        programme={"total_hours": 105},
        cohort=five_weeks,
        apprentice=contract,
        company={"peak": [{"start": date(2025, 9, 10), "end": date(2025, 9, 10), "hard": True}]},
    )
    assert pattern(problem, solution) == "C-C-C"
    no_solution(
        tmp_path,
        programme={"total_hours": 105},
        cohort=five_weeks,
        apprentice=contract,
        company={"peak": [{"start": date(2025, 9, 17), "end": date(2025, 9, 17), "hard": True}]},
    )


def test_a_hard_peak_of_another_cohorts_company_does_not_matter(tmp_path):
    five_weeks = {"end": date(2025, 10, 3), "max_consecutive_cfa_weeks": 1}
    problem, solution = solved(
        tmp_path,
        programme={"total_hours": 105},
        cohorts=[five_weeks, {**five_weeks, "id": "c2", "max_consecutive_cfa_weeks": 2}],
        companies=[{}, {"id": "bolt", "peak": [{"start": date(2025, 9, 17), "end": date(2025, 9, 17), "hard": True}]}],
        apprentices=[
            {"contract_end": date(2025, 10, 3)},
            {"id": "a-2", "cohort": "c2", "company": "bolt", "contract_end": date(2025, 10, 3)},
        ],
    )
    assert pattern(problem, solution, "c1") == "C-C-C"  # bolt's hard peak is c2's, not c1's
    assert pattern(problem, solution, "c2")[2] == "-"


# --- two cohorts, one CFA ---------------------------------------------------------------------


def two_cohorts(target: int, capacity: int) -> dict:
    return {
        "plan": {"max_cohorts_at_cfa": capacity},
        "programme": {"total_hours": target},
        "cohorts": [{}, {"id": "c2", "name": "Cohort 2"}],
        "apprentices": [{}, {"id": "a-2", "cohort": "c2"}],
    }


def test_max_cohorts_at_cfa(tmp_path):
    args = two_cohorts(140, 1)
    problem, solution = solved(tmp_path, args.pop("plan"), **args)
    one, two = pattern(problem, solution, "c1"), pattern(problem, solution, "c2")
    assert one.count("C") == two.count("C") == 4
    assert not any(a == b == "C" for a, b in zip(one, two))


def test_max_cohorts_at_cfa_too_small(tmp_path):
    args = two_cohorts(175, 1)  # 5 + 5 CFA weeks do not fit in 9 weeks one cohort at a time
    no_solution(tmp_path, args.pop("plan"), **args)
    args = two_cohorts(175, 2)
    problem, solution = solved(tmp_path, args.pop("plan"), **args)
    assert pattern(problem, solution, "c1") == pattern(problem, solution, "c2") == "C-C-C-C-C"


# --- soft goals -------------------------------------------------------------------------------


def test_a_soft_peak_is_avoided_when_possible(tmp_path):
    peak = {"start": date(2025, 9, 1), "end": date(2025, 9, 12), "weight": 3}
    problem, solution = solved(tmp_path, programme={"total_hours": 140}, company={"peak": [peak]})
    assert pattern(problem, solution).startswith("--")
    assert goals(problem, solution)["peak_days"] == 0


def test_an_unavoidable_soft_peak_costs_the_fewest_weighted_apprentice_days(tmp_path):
    # Weeks 1-5 are a peak (weight 2) of the company of both apprentices. At most 3 company weeks
    # in a row forces one CFA week among weeks 1-4, so the least is 1 week x 5 days x 2 x 2.
    peak = {"start": date(2025, 9, 1), "end": date(2025, 10, 3), "weight": 2}
    problem, solution = solved(
        tmp_path, programme={"total_hours": 140}, company={"peak": [peak]}, apprentices=[{}, {"id": "a-2"}]
    )
    assert solution.stages[0].goal == "peak_days" and solution.stages[0].value == 20
    assert pattern(problem, solution)[:5].count("C") == 1


def test_peak_days_count_only_the_days_inside_the_peak(tmp_path):
    # A peak from Wednesday 3 to Tuesday 9 September with a rhythm that needs weeks 1 or 2 at the
    # CFA: week 1 costs 3 days, week 2 costs 2 days, so the solver pays 2 x weight 5.
    peak = {"start": date(2025, 9, 3), "end": date(2025, 9, 9), "weight": 5}
    cohort = {"end": date(2025, 9, 26), "max_consecutive_company_weeks": 1, "max_consecutive_cfa_weeks": 1}
    problem, solution = solved(
        tmp_path,
        programme={"total_hours": 70},
        cohort=cohort,
        apprentice={"contract_end": date(2025, 9, 26)},
        company={"peak": [peak]},
    )
    assert pattern(problem, solution) == "-C-C"
    assert solution.stages[0].value == 10


def test_the_rhythm_is_kept_when_nothing_prevents_it(tmp_path):
    problem, solution = solved(
        tmp_path,
        programme={"total_hours": 140},
        cohort={"end": date(2025, 10, 24), "rhythm": [2, 2]},
        apprentice={"contract_end": date(2025, 10, 24)},
    )
    assert goals(problem, solution)["irregularity"] == 0
    assert pattern(problem, solution) in {"CC--CC--", "--CC--CC", "-CC--CC-", "C--CC--C"}


# --- the checker itself can fail --------------------------------------------------------------

TEN_WEEKS = dict(
    programme={"total_hours": 105},
    cohort={"end": date(2025, 11, 7), "max_consecutive_cfa_weeks": 1, "max_consecutive_company_weeks": 3},
    apprentice={"contract_end": date(2025, 11, 7)},
    closures=[{"start": date(2025, 9, 29), "end": date(2025, 10, 3)}],  # week 5
    company={"peak": [{"start": date(2025, 9, 1), "end": date(2025, 9, 5), "hard": True}]},  # week 1
)
VALID = "-C-C#-C---"


@pytest.fixture
def ten_weeks(tmp_path):
    problem = make_problem(load(make_plan(tmp_path, **TEN_WEEKS)))
    assert broken_rules(problem, solution_from(problem, {"c1": VALID})) == []
    return problem


@pytest.mark.parametrize(
    "text, broken",
    [
        ("-C--#-C---", "below the target"),
        ("-C-C#-C-C-", "exceed the target"),
        ("-CC-#-C---", "CFA weeks in a row"),
        ("-C-C#C----", "company weeks in a row"),
        ("-C--C-C-C-", "closed week"),
        ("C--C#-C---", "hard peak"),
    ],
    ids=["below", "above", "cfa-run", "company-run", "closed", "hard-peak"],
)
def test_broken_rules_finds_each_broken_rule(ten_weeks, text, broken):
    found = broken_rules(ten_weeks, solution_from(ten_weeks, {"c1": text}))
    assert len(found) == 1 and broken in found[0], found


def test_broken_rules_finds_wrong_minutes_and_missing_weeks(ten_weeks):
    good = solution_from(ten_weeks, {"c1": VALID})
    weeks = list(good.cohorts[0].weeks)
    weeks[1] = replace(weeks[1], minutes=30 * H)
    found = broken_rules(ten_weeks, replace(good, cohorts=(replace(good.cohorts[0], weeks=tuple(weeks)),)))
    assert len(found) == 1 and "1800 min" in found[0]
    shorter = replace(good, cohorts=(replace(good.cohorts[0], weeks=good.cohorts[0].weeks[:-1]),))
    assert len(found := broken_rules(ten_weeks, shorter)) == 1 and "weeks differ" in found[0]


def test_broken_rules_finds_too_many_cohorts_at_the_cfa(tmp_path):
    args = dict(TEN_WEEKS)
    args["cohorts"] = [args.pop("cohort"), {**TEN_WEEKS["cohort"], "id": "c2"}]
    args["companies"] = [args.pop("company"), {"id": "bolt"}]
    args["apprentices"] = [
        args.pop("apprentice"),
        {**TEN_WEEKS["apprentice"], "id": "a-2", "cohort": "c2", "company": "bolt"},
    ]
    problem = make_problem(load(make_plan(tmp_path, {"max_cohorts_at_cfa": 1}, **args)))
    assert broken_rules(problem, solution_from(problem, {"c1": VALID, "c2": "--C-#C-C--"})) == []
    found = broken_rules(problem, solution_from(problem, {"c1": VALID, "c2": "-C--#C-C--"}))
    assert len(found) == 1 and "max_cohorts_at_cfa" in found[0] and "2025-09-08" in found[0]


def test_goals_of_a_hand_made_solution(ten_weeks):
    # By hand for VALID = "-C-C#-C---" with rhythm 1/1 and 105 h: the rhythm breaks are the two
    # windows of 2 company weeks in a row (weeks 8-9 and 9-10); one training year, so no imbalance;
    # 3 x 35 h, so no excess; the hard peak (weight 1) is in week 1, a company week.
    values = goals(ten_weeks, solution_from(ten_weeks, {"c1": VALID}))
    assert values == {"peak_days": 0, "changes": 0, "irregularity": 2, "year_imbalance": 0, "excess_minutes": 0}
    values = goals(ten_weeks, solution_from(ten_weeks, {"c1": "C--C#-C-C-"}))  # a broken plan, valued all the same
    assert values == {
        "peak_days": 5,
        "changes": 0,
        "irregularity": 1,
        "year_imbalance": 35 * H,
        "excess_minutes": 35 * H,
    }


# --- a complete small plan kept as files ----------------------------------------------------


def test_the_mini_plan():
    problem, solution = solve(MINI)
    assert_valid(problem, solution)
    a, b = pattern(problem, solution, "mini-a"), pattern(problem, solution, "mini-b")
    mondays = [w.monday for w in problem.cohorts[0].weeks]
    closed = {mondays[i] for i, ch in enumerate(a) if ch == "#"}
    assert closed == {date(2025, 12, 22), date(2025, 12, 29), date(2026, 2, 9), date(2026, 2, 16)}
    assert not any(x == y == "C" for x, y in zip(a, b))  # one classroom
    assert a[mondays.index(date(2025, 12, 15))] == "-"  # the shop's hard peak
    assert solution.cohort("mini-a").minutes >= 280 * H and solution.cohort("mini-b").minutes >= 210 * H
    week_11_nov = solution.cohort("mini-a").weeks[mondays.index(date(2025, 11, 10))]
    assert week_11_nov.minutes in (0, 28 * H)

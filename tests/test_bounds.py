"""`check`'s arithmetic: bounds on a cohort's CFA hours and a trainer's teaching, each checked
against brute force over every week pattern, and plans it proves impossible refused (exit 2)
with their numbers, which the solver agrees have no calendar."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.errors import Infeasible
from alternance.schedule.bounds import impossible, least_cfa_minutes, most_cfa_minutes
from alternance.schedule.rhythm import make_problem
from alternance.solver import SolverSettings, solve_rhythm
from helpers import START, load, make_plan
from test_lessons import lesson_plan, subject, trainer


def _leave(plan, cw) -> tuple[set[int], set[int]]:
    """From the plan's dates, by hand: the weeks a company closure touches (never CFA weeks) and
    those whose open days it all covers (they end runs, as closed weeks do)."""
    closures = [c for company in plan.companies for c in company.closures]
    touched, rests = set(), set()
    for i, w in enumerate(cw.weeks):
        days = [w.monday + timedelta(days=d) for d in range(5)]
        if any(c.start <= d <= c.end for c in closures for d in days):
            touched.add(i)
            if w.open_days and all(any(c.start <= d <= c.end for c in closures) for d in w.open_days):
                rests.add(i)
    return touched, rests


def _patterns(cw, touched=frozenset()):
    """Every CFA/company pattern that keeps closed, hard-peak and closure weeks at the company."""
    for pattern in itertools.product((False, True), repeat=len(cw.weeks)):
        if not any(
            on and (w.closed or cw.hard_peaks[i] or i in touched) for i, (w, on) in enumerate(zip(cw.weeks, pattern))
        ):
            yield pattern


def _runs(cw, pattern, value: bool, rests=frozenset()) -> list[int]:
    """Run lengths of `value` weeks, a closed (or wholly on leave) week ending every run."""
    runs, n = [], 0
    for i, (w, on) in enumerate(zip(cw.weeks, pattern)):
        if not w.closed and i not in rests and on == value:
            n += 1
        else:
            runs.append(n)
            n = 0
    return [*runs, n]


def _minutes(cw, pattern) -> int:
    return sum(w.minutes for w, on in zip(cw.weeks, pattern) if on)


def _tiny(tmp_path: Path, rng: random.Random, n: int, leave: bool = False) -> Path:
    folder = tmp_path / str(n)
    folder.mkdir()
    closed = START + timedelta(weeks=rng.randrange(0, 9))
    peak = START + timedelta(weeks=rng.randrange(0, 9))
    company = {"peak": [{"start": peak, "end": peak + timedelta(days=4), "hard": True}]} if rng.random() < 0.5 else {}
    if leave:  # a company closure of a day to two weeks (its own draws: the other plans stay as they were)
        draw = random.Random(n)
        first = START + timedelta(days=draw.randrange(0, 60))
        company = {**company, "closure": [{"start": first, "end": first + timedelta(days=draw.choice((0, 4, 13)))}]}
    return make_plan(
        folder,
        programme={"total_hours": rng.choice((35, 70, 140, 210, 280))},
        cohort={"max_consecutive_cfa_weeks": rng.randint(1, 3), "max_consecutive_company_weeks": rng.randint(1, 3)},
        closures=[{"start": closed, "end": closed + timedelta(days=4)}] if rng.random() < 0.5 else [],
        company=company,
    )


@pytest.mark.parametrize("leave", [False, True], ids=["no-leave", "company-closure"])
def test_the_bounds_are_the_brute_force_extremes(tmp_path: Path, leave: bool) -> None:
    rng = random.Random(5)
    held = 0
    for n in range(30):
        plan = load(_tiny(tmp_path, rng, n, leave))
        (cw,) = make_problem(plan).cohorts
        c = cw.cohort
        touched, rests = _leave(plan, cw)
        held += bool(touched)
        patterns = list(_patterns(cw, touched))
        most = max(_minutes(cw, p) for p in patterns if max(_runs(cw, p, True, rests)) <= c.max_consecutive_cfa_weeks)
        least = min(
            (_minutes(cw, p) for p in patterns if max(_runs(cw, p, False, rests)) <= c.max_consecutive_company_weeks),
            default=None,
        )
        assert most_cfa_minutes(cw, [w.minutes for w in cw.weeks]) == most, n
        # No pattern at all (forced company weeks too many in a row): a clash the solver explains.
        assert least is None or least_cfa_minutes(cw) == least, n
    assert (held >= 20) if leave else held == 0, held  # the family reaches the closures it tests


def test_what_the_arithmetic_refuses_has_no_calendar(tmp_path: Path) -> None:
    rng = random.Random(8)
    refused = 0
    for n in range(30):
        problem = make_problem(load(_tiny(tmp_path, rng, n)))
        (cw,) = problem.cohorts
        c = cw.cohort
        exists = any(
            max(_runs(cw, p, True)) <= c.max_consecutive_cfa_weeks
            and max(_runs(cw, p, False)) <= c.max_consecutive_company_weeks
            and cw.target_minutes
            <= sum(w.minutes for w, on in zip(cw.weeks, p) if on)
            < cw.target_minutes + c.week_minutes
            for p in _patterns(cw)
        )
        if impossible(problem):
            refused += 1
            assert not exists, n
            with pytest.raises(Infeasible):
                solve_rhythm(problem, SolverSettings(time_limit=10))
    assert refused >= 3  # the family reaches the refusals it tests


def test_check_refuses_too_few_weeks_with_the_numbers(tmp_path: Path) -> None:
    # One CFA week in a row at most: 5 of the 9 weeks, 175 h, for 210 h.
    path = make_plan(tmp_path, programme={"total_hours": 210}, cohort={"max_consecutive_cfa_weeks": 1})
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert (
        "programme[prog].total_hours: c1 needs 210 h; its 9 open weeks give at most 175 h with at most 1 CFA weeks "
        "in a row (cohort[c1].max_consecutive_cfa_weeks)" in result.output
    )
    french = CliRunner().invoke(main, ["check", "--lang", "fr", str(path)])
    assert french.exit_code == 2
    assert (
        "programme[prog].total_hours : c1 a besoin de 210 h ; ses 9 semaines ouvertes ne donnent au plus que 175 h "
        "avec 1 semaines de CFA d'affilée au plus (cohort[c1].max_consecutive_cfa_weeks)" in french.output
    )


def test_check_refuses_too_many_forced_weeks_with_the_numbers(tmp_path: Path) -> None:
    # One company week in a row at most: at least 4 CFA weeks, 140 h, for a 35 h target.
    path = make_plan(tmp_path, programme={"total_hours": 35}, cohort={"max_consecutive_company_weeks": 1})
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert "c1 must have at least 140 h at the CFA with at most 1 company weeks in a row" in result.output


def test_check_refuses_a_trainer_who_cannot_be_there_enough(tmp_path: Path) -> None:
    away = ("monday", "tuesday", "wednesday", "thursday")  # Fridays only: 9 x 7 h = 63 h at most
    path = lesson_plan(tmp_path, [subject("maths", 70)], [trainer("t-a", ["maths"], weekdays=away)])
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert "trainer[t-a]: t-a must teach 70 h, but can be there at most 63 h" in result.output
    capped = lesson_plan(tmp_path, [subject("maths", 70)], [trainer("t-b", ["maths"], max_hours=7)], name="b.toml")
    result = CliRunner().invoke(main, ["check", str(capped)])
    assert result.exit_code == 2 and "at most 63 h" in result.output and "at most 7 h a week" in result.output


def test_the_seed_plan_passes_the_arithmetic() -> None:
    seed = Path(__file__).resolve().parents[1] / "constraints" / "charmilles-agora.toml"
    assert impossible(make_problem(load(seed))) == []

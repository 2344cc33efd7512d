"""Each apprentice's hours: `check` warns when no calendar can give them under contract (an
upper bound checked against brute force over every week pattern), `build` when the calendar
built gives less, and both against the legal floor of L6211-2."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from alternance.schedule.apprentices import legal_floor_minutes, most_minutes, target_minutes
from alternance.schedule.rhythm import make_problem
from helpers import APPRENTICE, END, START, WEEK, load, make_plan


def _brute(cw, apprentice, all_rules: bool) -> int:
    """The most CFA minutes under contract over every CFA/company pattern of the weeks: with
    only what the bound relaxes to (open weeks, hard peaks, CFA runs; then at most the cohort's
    own cap), or with every rhythm rule (company runs, the cohort's hours between its target and
    its cap)."""
    c = cw.cohort
    best = -1
    for pattern in itertools.product((False, True), repeat=len(cw.weeks)):
        if any(on and (w.closed or cw.hard_peaks[i]) for i, (w, on) in enumerate(zip(cw.weeks, pattern))):
            continue
        runs = [len(list(g)) for on, g in itertools.groupby(pattern) if on]
        if any(r > c.max_consecutive_cfa_weeks for r in runs):
            continue
        total = sum(w.minutes for w, on in zip(cw.weeks, pattern) if on)
        if all_rules:
            gaps = [len(list(g)) for on, g in itertools.groupby(pattern) if not on]
            if not cw.target_minutes <= total < cw.target_minutes + c.week_minutes:
                continue
            if any(g > c.max_consecutive_company_weeks for g in gaps):
                continue
        mine = sum(
            c.day_minutes * sum(1 for d in w.open_days if apprentice.under_contract(d))
            for w, on in zip(cw.weeks, pattern)
            if on
        )
        best = max(best, mine)
    return best if all_rules else min(best, cw.target_minutes + c.week_minutes - 1)


def test_the_bound_is_the_brute_force_maximum_and_never_below_a_real_calendar(tmp_path: Path) -> None:
    rng = random.Random(11)
    for n in range(25):
        start = START + timedelta(days=rng.randrange(0, 60))
        peak = START + timedelta(weeks=rng.randrange(0, 9))
        folder = tmp_path / str(n)
        folder.mkdir()
        path = make_plan(
            folder,
            programme={"total_hours": rng.choice((70, 105, 140, 175))},
            cohort={
                "max_consecutive_cfa_weeks": rng.randint(1, 3),
                "max_consecutive_company_weeks": rng.randint(1, 3),
            },
            company={"peak": [{"start": peak, "end": peak + timedelta(days=4), "hard": True}]}
            if rng.random() < 0.5
            else {},
            apprentice={"contract_start": start},
        )
        plan = load(path)
        (cw,) = make_problem(plan).cohorts
        (a,) = plan.apprentices
        bound = most_minutes(plan, cw, a)
        assert bound == _brute(cw, a, all_rules=False), n
        assert bound >= _brute(cw, a, all_rules=True), n  # -1 when no calendar exists


def test_check_warns_about_a_late_contract_with_its_figures(tmp_path: Path) -> None:
    late = date(2025, 10, 6)  # four weeks left under contract
    path = make_plan(tmp_path, apprentice={"contract_start": late})
    plan = load(path)
    (cw,) = make_problem(plan).cohorts
    most = _brute(cw, plan.apprentices[0], all_rules=False)
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    short = 140 * 60 - most
    line = next(x for x in result.output.splitlines() if "warning: a-1" in x)
    assert f"at most {most // 60} h" in line and "for 140 h of programme" in line and f"({short // 60} h short)" in line
    assert "2025-10-06" in line


def test_check_is_silent_when_the_contract_covers_the_cohort(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(make_plan(tmp_path))])
    assert result.exit_code == 0 and "warning" not in result.output


def test_build_warns_with_the_hours_the_calendar_gives(tmp_path: Path) -> None:
    late = date(2025, 9, 29)
    path = make_plan(tmp_path, apprentice={"contract_start": late})
    out = tmp_path / "calendars"
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"])
    assert result.exit_code == 0, result.output
    weeks = json.loads((out / "c1" / "plan.json").read_text(encoding="utf-8"))["weeks"]
    planned = sum(w["hours"] for w in weeks if w["kind"] == "cfa" and date.fromisoformat(w["start"]) >= late)
    assert planned < 140  # the plan is made so: the apprentice misses the first CFA weeks
    line = next(x for x in result.output.splitlines() if "warning: a-1" in x)
    assert f"{planned} h of training planned under contract, for 140 h of programme ({140 - planned} h short)" in line


def test_the_legal_floor_is_a_quarter_of_the_contract_on_1607_h_a_year(tmp_path: Path) -> None:
    plan = load(make_plan(tmp_path))
    a = plan.apprentices[0]
    days = (END - START).days + 1
    assert legal_floor_minutes(a) * 365 >= 0.25 * 1607 * 60 * days > (legal_floor_minutes(a) - 1) * 365
    assert target_minutes(plan, a) == 140 * 60
    # Two months of contract need about 67 h; a 30 h programme gives at most 30 + 35 - 1 h.
    small = make_plan(
        tmp_path,
        name="small.toml",
        cohort={"max_consecutive_company_weeks": 9},
        programme={"total_hours": 30, "subject": [{"id": "maths", "name": "Maths", "hours": 20, "exam": "ccf"}]},
    )
    result = CliRunner().invoke(main, ["check", str(small)])
    assert result.exit_code == 0, result.output
    assert "below the legal floor" in result.output and "L6211-2" in result.output
    assert APPRENTICE["id"] in result.output and WEEK == 35


def test_the_warnings_read_in_french_with_the_same_figures(tmp_path: Path) -> None:
    late = date(2025, 10, 6)
    path = make_plan(tmp_path, apprentice={"contract_start": late})
    plan = load(path)
    (cw,) = make_problem(plan).cohorts
    most = _brute(cw, plan.apprentices[0], all_rules=False)
    result = CliRunner().invoke(main, ["check", "--lang", "fr", str(path)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "attention : a-1" in x)
    assert line.strip() == (
        f"attention : a-1 (contrat du 06/10/2025 au 31/10/2025) : au plus {most // 60} h de formation tiennent "
        f"sous contrat dans les semaines ouvertes de c1, pour 140 h de formation prévues (il manque {140 - most // 60} h)"
    )
    small = make_plan(
        tmp_path,
        name="small.toml",
        cohort={"max_consecutive_company_weeks": 9},
        programme={"total_hours": 30, "subject": [{"id": "maths", "name": "Maths", "hours": 20, "exam": "ccf"}]},
    )
    floor = CliRunner().invoke(main, ["check", "--lang", "fr", str(small)])
    assert "sous le plancher légal de" in floor.output and "Code du travail L6211-2" in floor.output

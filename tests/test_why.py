""" "Why the calendar looks like this": each cost the summary explains is measured, and the
figures agree with a plain-Python enumeration of every calendar of a tiny plan."""

from __future__ import annotations

import itertools
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance import i18n
from alternance.cli import main
from alternance.solver.why import _nearest_above, why_lines
from helpers import START, make_plan, solve

PEAK = (date(2025, 9, 8), date(2025, 10, 10))  # weeks 2 to 6 of the nine
WEEKS = [START + timedelta(weeks=i) for i in range(9)]


def _runs(flags: tuple[bool, ...], value: bool) -> int:
    longest = run = 0
    for f in flags:
        run = run + 1 if f == value else 0
        longest = max(longest, run)
    return longest


def _least_peak_days(max_cfa: int | None, max_company: int | None) -> int:
    """Every calendar of the nine 35 h weeks: 4 CFA weeks give the 140 h (5 would be a whole week
    above); a CFA week inside the busy season costs its 5 days, weight 1."""
    best = None
    for flags in itertools.product((False, True), repeat=len(WEEKS)):
        if sum(flags) != 4:
            continue
        if max_cfa is not None and _runs(flags, True) > max_cfa:
            continue
        if max_company is not None and _runs(flags, False) > max_company:
            continue
        cost = sum(5 for monday, on in zip(WEEKS, flags) if on and PEAK[0] <= monday <= PEAK[1])
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@pytest.mark.parametrize("max_cfa, max_company", [(2, 3), (2, 2), (3, 3), (1, 4)])
def test_the_peak_days_are_said_forced_by_the_rules_whose_removal_lowers_them(
    tmp_path: Path, max_cfa: int, max_company: int
) -> None:
    path = make_plan(
        tmp_path,
        cohort={"max_consecutive_cfa_weeks": max_cfa, "max_consecutive_company_weeks": max_company, "rhythm": [1, 1]},
        company={"peak": [{"start": PEAK[0], "end": PEAK[1], "weight": 1}]},
    )
    problem, solution = solve(path)
    least = _least_peak_days(max_cfa, max_company)
    try:
        i18n.use("en")
        lines = why_lines(problem, solution, 30)
    finally:
        i18n.use(None)
    peak = [line for line in lines if line.startswith("apprentice-days")]
    if least == 0:
        assert not peak, lines
        return
    [line] = peak
    assert line.startswith(f"apprentice-days at the CFA in busy seasons (weighted) {least}: forced by these "), line
    alone = {
        "max_consecutive_cfa_weeks": _least_peak_days(None, max_company),
        "max_consecutive_company_weeks": _least_peak_days(max_cfa, None),
    }
    if all(without >= least for without in alone.values()):  # neither alone: both together
        both = re.search(r"two rules together: .* \(without both: (\d+)\)$", line)
        assert both and int(both.group(1)) == _least_peak_days(None, None), line
        assert all(f"(cohort[c1].{key})" in line for key in alone), line
        return
    for key, without in alone.items():
        named = re.search(rf"\(cohort\[c1\]\.{key}\) \(without it: (\d+)\)", line)
        if without < least:
            assert named and int(named.group(1)) == without, (key, without, line)
        else:
            assert not named, (key, line)


def test_the_nearest_total_above_a_target_is_the_subset_sums_own() -> None:
    rng = random.Random(7)
    for _case in range(300):
        minutes = [rng.choice((420, 840, 1260, 1680, 2100, 300)) for _w in range(rng.randint(0, 9))]
        target = rng.randint(0, sum(minutes) + 500)
        sums = {sum(c) for r in range(len(minutes) + 1) for c in itertools.combinations(minutes, r)}
        above = [s for s in sums if s >= target]
        assert _nearest_above(minutes, target) == (min(above) if above else None), (minutes, target)


def test_hours_above_target_are_explained_by_the_day_length(tmp_path: Path) -> None:
    """141 h cannot be reached with whole 35 h weeks: the calendar gives 175 h, and says why."""
    path = make_plan(tmp_path, programme={"total_hours": 141})
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(tmp_path / "out"), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "pourquoi le calendrier est ainsi :" in result.stdout
    assert (
        "c1 : 34 h au-delà de l'objectif, car aucun choix de semaines ouvertes ne donne exactement 141 h : "
        "le plus proche au-dessus donne 175 h (semaines de 35 h, journées de CFA de 7 h)"
    ) in result.stdout

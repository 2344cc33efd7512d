"""`[[closure]] cohorts = [...]`: a closure for some cohorts only (a study trip). Their weeks
close, the other cohorts' stay open, and an unknown cohort id is one line with a did-you-mean."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from helpers import COHORT, make_plan, solve

TRIP = {"name": "Voyage d'étude", "start": date(2025, 9, 8), "end": date(2025, 9, 12)}
SECOND_WEEK = 1


def _two_cohorts(tmp_path: Path, **closure) -> Path:
    return make_plan(
        tmp_path,
        cohorts=[COHORT, {**COHORT, "id": "c2", "name": "Cohort 2"}],
        apprentices=[
            {"id": "a-1", "cohort": "c1"},
            {"id": "a-2", "name": "Noé Test", "cohort": "c2"},
        ],
        closures=[{**TRIP, **closure}],
    )


def test_a_closure_for_one_cohort_closes_its_weeks_only(tmp_path: Path) -> None:
    problem, solution = solve(_two_cohorts(tmp_path, cohorts=["c2"]))
    c1, c2 = problem.cohorts
    assert not c1.weeks[SECOND_WEEK].closed
    assert c2.weeks[SECOND_WEEK].closed and c2.weeks[SECOND_WEEK].reasons == ("Voyage d'étude",)
    assert solution.cohort("c2").weeks[SECOND_WEEK].kind == "company"
    (tmp_path / "site").mkdir()
    site = solve(_two_cohorts(tmp_path / "site"))[0]
    assert all(cw.weeks[SECOND_WEEK].closed for cw in site.cohorts)  # without `cohorts`: the whole site


def test_an_unknown_cohort_in_a_closure_is_one_line_with_a_guess(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_two_cohorts(tmp_path, cohorts=["c3", "c-2"]))])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if "closure[1].cohorts" in x]
    assert len(lines) == 2 and "unknown cohort 'c3'" in lines[0] and "unknown cohort 'c-2'" in lines[1]

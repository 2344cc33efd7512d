"""`[[room]]`: rooms of a kind that only the cohorts naming it need. The solver keeps at most
`count` of them at the CFA a week, the plain-Python check catches a calendar that does not, an
unknown kind is one line with a did-you-mean, and an explanation names the room's rule."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from alternance.schedule.rhythm import broken_rules
from helpers import COHORT, make_plan, pattern, solution_from, solve

ROOM = '\n[[room]]\nkind = "informatique"\ncount = 1\n'


def _plan(tmp_path: Path, rooms: str = ROOM, second: dict | None = None, **items) -> Path:
    return make_plan(
        tmp_path,
        cohorts=[
            {**COHORT, "room": "informatique"},
            {**COHORT, "id": "c2", "name": "Cohort 2", **({"room": "informatique"} if second is None else second)},
        ],
        apprentices=[{"id": "a-1", "cohort": "c1"}, {"id": "a-2", "name": "Noé Test", "cohort": "c2"}],
        extra=rooms,
        **items,
    )


def test_two_cohorts_sharing_one_room_are_never_at_the_cfa_together(tmp_path: Path) -> None:
    problem, solution = solve(_plan(tmp_path))
    one, two = pattern(problem, solution, "c1"), pattern(problem, solution, "c2")
    assert not any(a == b == "C" for a, b in zip(one, two)), (one, two)
    both = {"c1": one, "c2": one}  # the same weeks: two cohorts in the one room
    assert any("needing room kind informatique" in x for x in broken_rules(problem, solution_from(problem, both)))


def test_a_cohort_without_the_room_does_not_count(tmp_path: Path) -> None:
    problem, solution = solve(_plan(tmp_path, second={}))
    same = pattern(problem, solution, "c1")
    assert broken_rules(problem, solution_from(problem, {"c1": same, "c2": same})) == []


def test_an_unknown_room_kind_is_one_line_with_a_guess(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_plan(tmp_path, second={"room": "informatiqe"}))])
    assert result.exit_code == 2
    assert "cohort[c2].room: unknown room kind 'informatiqe'; did you mean 'informatique'?" in result.output


def test_an_explanation_names_the_room(tmp_path: Path) -> None:
    # 140 h each (4 CFA weeks of 9), one room: 8 CFA weeks of 9 cannot share it.
    path = _plan(tmp_path, programme={"total_hours": 175})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"])
    assert result.exit_code == 1, result.output
    assert (
        "at most 1 of the cohorts needing room kind informatique (c1, c2) at the CFA in one week (room[informatique].count)"
        in result.output
    )

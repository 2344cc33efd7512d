"""`[[cohort.fixed]]`: weeks the planner fixes at the CFA or in the company. The solver keeps
them, the plain-Python check catches a calendar that does not, the plan alone refuses what it
contradicts (exit 2, both places named), and an explanation names the fixed weeks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from alternance.schedule.rhythm import broken_rules
from helpers import make_plan, pattern, solution_from, solve

FIRST, SECOND, FIFTH = date(2025, 9, 1), date(2025, 9, 8), date(2025, 9, 29)


def fixed(start: date, end: date, kind: str, reason: str = "") -> dict:
    return {"start": start, "end": end, "kind": kind, "reason": reason}


def test_the_solver_keeps_fixed_weeks_and_the_check_sees_a_broken_one(tmp_path: Path) -> None:
    # Left alone, the [1, 1] rhythm of 140 h would not start with two CFA weeks.
    rentree = fixed(FIRST, date(2025, 9, 12), "cfa", "Rentrée et intégration")
    trip = fixed(FIFTH, FIFTH, "entreprise", "Inventaire")
    path = make_plan(tmp_path, cohort={"fixed": [rentree, trip], "max_consecutive_cfa_weeks": 2})
    problem, solution = solve(path)
    found = pattern(problem, solution)
    assert found[:2] == "CC" and found[4] == "-", found
    wrong = found[:4] + "C" + found[5:]
    assert "c1: week 2025-09-29 is fixed company (fixed[2])" in broken_rules(
        problem, solution_from(problem, {"c1": wrong})
    )


def test_a_fixed_week_outside_the_cohort_is_refused(tmp_path: Path) -> None:
    path = make_plan(tmp_path, cohort={"fixed": [fixed(date(2025, 8, 25), SECOND, "cfa")]})
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert (
        "cohort[c1].fixed[1]: 2025-08-25 to 2025-09-08 is outside the cohort (2025-09-01 to 2025-10-31)"
        in result.output
    )


def test_one_week_fixed_two_ways_is_refused_naming_both(tmp_path: Path) -> None:
    path = make_plan(tmp_path, cohort={"fixed": [fixed(FIRST, SECOND, "cfa"), fixed(SECOND, SECOND, "company")]})
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert "cohort[c1].fixed[2]: fixes company weeks that cohort[c1].fixed[1] fixes as cfa" in result.output


def test_a_fixed_cfa_week_the_plan_closes_or_blocks_is_refused(tmp_path: Path) -> None:
    closed = make_plan(
        tmp_path,
        name="closed.toml",
        cohort={"fixed": [fixed(SECOND, SECOND, "cfa")]},
        closures=[{"name": "Travaux", "start": SECOND, "end": date(2025, 9, 12)}],
    )
    result = CliRunner().invoke(main, ["build", str(closed), "--out", str(tmp_path / "out"), "--today", "2025-01-01"])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert "cohort[c1].fixed[1]: fixes week 2025-09-08 at the CFA, which is closed (Travaux)" in result.output
    peak = make_plan(
        tmp_path,
        name="peak.toml",
        cohort={"fixed": [fixed(SECOND, SECOND, "cfa")]},
        company={"peak": [{"start": SECOND, "end": SECOND, "hard": True}]},
    )
    result = CliRunner().invoke(main, ["check", str(peak)])
    assert result.exit_code == 2
    assert "fixes week 2025-09-08 at the CFA, during a hard peak (company[acme].peak)" in result.output


def test_an_explanation_names_the_fixed_weeks(tmp_path: Path) -> None:
    # Three fixed CFA weeks in a row, where the cohort allows two: no calendar; the plan's
    # arithmetic does not see it, the solver proves it and names both rules.
    path = make_plan(tmp_path, cohort={"fixed": [fixed(FIRST, date(2025, 9, 19), "cfa", "Intégration")]})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"])
    assert result.exit_code == 1, result.output
    assert (
        "c1's weeks from 2025-09-01 to 2025-09-19 fixed at the CFA (Intégration; cohort[c1].fixed[1])" in result.output
    )
    assert "cohort[c1].max_consecutive_cfa_weeks" in result.output
    assert not out.exists()


def test_feeds_say_why_a_week_is_fixed(tmp_path: Path) -> None:
    from icalendar import Calendar

    rentree = fixed(FIRST, date(2025, 9, 12), "cfa", "Rentrée et intégration")
    path = make_plan(tmp_path, cohort={"fixed": [rentree], "max_consecutive_cfa_weeks": 2})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"]).exit_code == 0
    for feed in (out / "c1" / "rhythm.ics", out / "apprentices" / "a-1.ics", out / "companies" / "acme.ics"):
        events = Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
        notes = {e.decoded("dtstart"): str(e.get("description", "")) for e in events if "X-ALTERNANCE-KIND" in e}
        for monday in (FIRST, SECOND):
            assert "Semaine fixée au CFA : Rentrée et intégration" in notes[monday].splitlines(), feed
        assert "fixée" not in notes.get(FIFTH, "")


def test_pages_show_the_reason_and_the_exam_days(tmp_path: Path) -> None:
    rentree = fixed(FIRST, date(2025, 9, 12), "cfa", "Rentrée et intégration")
    ccf = {"name": "CCF de vente", "kind": "ccf", "start": date(2025, 10, 8)}
    path = make_plan(tmp_path, cohort={"fixed": [rentree], "exam": [ccf], "max_consecutive_cfa_weeks": 2})
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"]).exit_code == 0
    for page in (out / "c1" / "calendar.html", out / "companies" / "acme.html"):
        html = page.read_text(encoding="utf-8")
        assert html.count('title="CFA — fixée : Rentrée et intégration"') == 2, page
        assert html.count("CCF de vente") == 2, page  # the cell's text and its title, week of 6 October
        assert "CFA fermé : en entreprise" in html  # the legend says where the apprentice is

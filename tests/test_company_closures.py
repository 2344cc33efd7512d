"""`[[company.closure]]`: the company is closed and its apprentices on paid leave. Their cohorts get
no CFA week that touches it (a guarded rule an explanation names), a week it wholly covers ends
rhythm runs like a closed week, and the leave shows in that company's feeds and pages only."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from alternance.domain import Closure
from alternance.schedule.apprentices import most_minutes
from alternance.schedule.rhythm import broken_rules, make_problem
from helpers import COHORT, assert_valid, load, make_plan, pattern, solution_from, solve
from test_explain import explain

CLOSURE = {"name": "Fermeture annuelle", "start": date(2025, 9, 15), "end": date(2025, 9, 19)}
CLOSED_WEEK = 2  # the week of Monday 15 September, third of the tiny plan's nine
BOTH = {
    "companies": [{"closure": [CLOSURE]}, {"id": "beta", "name": "Beta"}],
    "apprentices": [{}, {"id": "a-2", "name": "Noé Test", "company": "beta"}],
}


def test_the_solver_never_puts_a_cfa_week_in_a_company_closure(tmp_path: Path) -> None:
    # 140 h = four CFA weeks; the regular C-C-C-C- would put the third week at the CFA.
    problem, solution = solve(make_plan(tmp_path, **BOTH))
    assert_valid(problem, solution)
    (cw,) = problem.cohorts
    assert cw.on_leave(CLOSED_WEEK) == (("acme", 1),) and cw.rests(CLOSED_WEEK)
    assert pattern(problem, solution)[CLOSED_WEEK] == "-"
    assert [i for i in range(len(cw.weeks)) if cw.on_leave(i)] == [CLOSED_WEEK]


def test_a_cohort_without_an_apprentice_of_that_company_is_not_held(tmp_path: Path) -> None:
    path = make_plan(
        tmp_path,
        cohorts=[COHORT, {**COHORT, "id": "c2", "name": "Cohort 2"}],
        companies=BOTH["companies"],
        apprentices=[{}, {"id": "a-2", "name": "Noé Test", "company": "beta", "cohort": "c2"}],
    )
    c1, c2 = make_problem(load(path)).cohorts
    assert c1.on_leave(CLOSED_WEEK) and not c2.on_leave(CLOSED_WEEK) and not c2.rests(CLOSED_WEEK)


def test_the_check_refuses_a_cfa_week_in_a_company_closure(tmp_path: Path) -> None:
    problem = make_problem(load(make_plan(tmp_path, **BOTH)))
    broken = broken_rules(problem, solution_from(problem, {"c1": "C-C-C-C--"}))
    assert broken == ["c1: CFA week 2025-09-15 falls in company[acme].closure[1]"]
    assert broken_rules(problem, solution_from(problem, {"c1": "C---C-C-C"})) == []


def test_a_week_wholly_in_a_closure_ends_a_run_of_company_weeks(tmp_path: Path) -> None:
    # Weeks 2-4 in the company: three in a row without the closure, 1 + closed + 1 with it.
    cohort = {"max_consecutive_company_weeks": 1}
    runs = "C---C-C-C"
    problem = make_problem(load(make_plan(tmp_path, cohort=cohort, **BOTH)))
    assert broken_rules(problem, solution_from(problem, {"c1": runs})) == []
    (tmp_path / "open").mkdir()
    plain = make_problem(load(make_plan(tmp_path / "open", cohort=cohort)))
    assert broken_rules(plain, solution_from(plain, {"c1": runs})) == ["c1: more than 1 company weeks in a row"]


def test_an_explanation_names_the_company_closure(tmp_path: Path) -> None:
    # Five weeks, 105 h, never two CFA weeks in a row: only "C-C-C", and week 3 is a closure day.
    one_day = {**CLOSURE, "start": date(2025, 9, 17), "end": date(2025, 9, 17)}
    items = {
        "programme": {"total_hours": 105},
        "cohort": {"end": date(2025, 10, 3), "max_consecutive_cfa_weeks": 1},
        "apprentice": {"contract_end": date(2025, 10, 3)},
        "company": {"closure": [one_day]},
    }
    text = explain(tmp_path, **items)
    assert "company[acme].closure[1]" in text and "Fermeture annuelle" in text, text
    assert "c1 needs 105 h" in text and "70 h" in text
    # `check` proves it alone, counting the week of closure.
    (tmp_path / "check").mkdir()
    result = CliRunner().invoke(main, ["check", str(make_plan(tmp_path / "check", **items))])
    assert result.exit_code == 2
    assert "1 week(s) of company closures (company[…].closure)" in result.output


def test_a_fixed_cfa_week_in_a_company_closure_names_both_places(tmp_path: Path) -> None:
    fixed = {"fixed": [{"start": date(2025, 9, 16), "kind": "cfa", "reason": "Rentrée"}]}
    result = CliRunner().invoke(main, ["check", str(make_plan(tmp_path, cohort=fixed, **BOTH))])
    assert result.exit_code == 2
    (line,) = [x for x in result.output.splitlines() if "fixed[1]" in x]
    assert "cohort[c1].fixed[1]" in line and "company[acme].closure[1]" in line and "2025-09-15" in line


def test_a_closure_backwards_or_outside_every_cohort_is_one_line(tmp_path: Path) -> None:
    backwards = {**CLOSURE, "end": date(2025, 9, 1)}
    far = {**CLOSURE, "start": date(2027, 8, 2), "end": date(2027, 8, 20)}
    result = CliRunner().invoke(main, ["check", str(make_plan(tmp_path, company={"closure": [backwards, far]}))])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if "company[acme].closure[" in x]
    assert len(lines) == 2, result.output
    assert "company[acme].closure[1]" in lines[0]
    assert "company[acme].closure[2]: 2027-08-02 to 2027-08-20 is outside every cohort" in lines[1]


def test_no_cfa_hours_are_counted_on_leave(tmp_path: Path) -> None:
    # Nine open weeks, no run limit: 315 h under contract at most, 280 h with one week on leave.
    items = {"programme": {"total_hours": 1350}, "cohort": {"max_consecutive_cfa_weeks": 9}}
    plan = load(make_plan(tmp_path, **items, **BOTH))
    (cw,) = make_problem(plan).cohorts
    a1, a2 = plan.apprentices
    assert most_minutes(plan, cw, a1) == 280 * 60
    assert most_minutes(plan, cw, a2) == 280 * 60  # the cohort is not at the CFA that week either


def _events(path: Path) -> list:
    return list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


def test_the_feeds_show_the_leave_and_only_to_that_company(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(make_plan(tmp_path, **BOTH)), "--out", str(out), "--today", "2025-01-01"]
    )
    assert result.exit_code == 0, result.output
    monday = CLOSURE["start"]
    summary = "Congés : Fermeture annuelle (entreprise fermée)"
    for feed in (out / "apprentices" / "a-1.ics", out / "companies" / "acme.ics"):
        events = _events(feed)
        leave = [e for e in events if str(e["SUMMARY"]) == summary]
        assert len(leave) == 1, feed
        assert leave[0].decoded("dtstart") == monday
        assert leave[0].decoded("dtend") == CLOSURE["end"] + timedelta(days=1)
        assert str(leave[0]["X-ALTERNANCE-KIND"]) == "CONGES"
        # No week event of the company (nor of the CFA) on those days.
        weeks = [e for e in events if str(e.get("X-ALTERNANCE-KIND")) in ("CFA", "ENTREPRISE")]
        assert all(e.decoded("dtstart") != monday for e in weeks), feed
    assert "Léa Test" in str(
        next(e for e in _events(out / "companies" / "acme.ics") if "Congés" in str(e["SUMMARY"]))["DESCRIPTION"]
    )
    # The week is still a company week for the other apprentice, and nothing of acme is elsewhere.
    a2 = _events(out / "apprentices" / "a-2.ics")
    assert any(e.decoded("dtstart") == monday and str(e["X-ALTERNANCE-KIND"]) == "ENTREPRISE" for e in a2)
    for other in ("apprentices/a-2.ics", "companies/beta.ics", "companies/beta.html", "c1/rhythm.ics"):
        text = (out / other).read_text(encoding="utf-8")
        assert "Fermeture annuelle" not in text and "Congés" not in text and "closure" not in text, other
    page = (out / "companies" / "acme.html").read_text(encoding="utf-8")
    assert "Fermeture annuelle" in page and "congés payés" in page and '<span class="k">CP</span>' in page
    assert "congés payés" not in (out / "companies" / "beta.html").read_text(encoding="utf-8")
    cohort_page = (out / "c1" / "calendar.html").read_text(encoding="utf-8")
    assert "congés payés" in cohort_page and "Fermeture annuelle" not in cohort_page


def test_a_company_sheet_row_adds_a_closure(tmp_path: Path) -> None:
    from test_sheets import quiet_load, sheet_plan

    rows = [
        ["code", "nom", "début forte activité", "fin forte activité", "début fermeture", "fin fermeture", "fermeture"],
        ["acme", "Acme", "01/10/2025", "03/10/2025", "", "", ""],
        ["acme", "Acme", "", "", "15/09/2025", "19/09/2025", "Fermeture annuelle"],
        ["acme", "Acme", "", "", "27/10/2025", "", ""],
    ]
    plan, _ = quiet_load(sheet_plan(tmp_path, "e.csv", rows, key="companies", plan={}))
    (acme,) = plan.companies
    assert acme.closures[0] == Closure("Fermeture annuelle", date(2025, 9, 15), date(2025, 9, 19))
    assert (acme.closures[1].start, acme.closures[1].end, acme.closures[1].name) == (
        date(2025, 10, 27),
        date(2025, 10, 27),
        "Fermeture",
    )
    assert len(acme.peaks) == 1
    (cw,) = make_problem(plan).cohorts
    assert cw.on_leave(CLOSED_WEEK) == (("acme", 1),) and cw.on_leave(8) == (("acme", 2),)

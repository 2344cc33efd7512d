"""`revision_days`: the paid days to revise before the written exams (Code du travail L6222-35),
the last open weekdays before the first written exam day. No lesson then, and every feed that
follows the cohort shows them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from alternance.facts.weeks import SiteCalendar
from helpers import load
from test_lessons import lesson_plan, solved, subject, trainer

EXAM = date(2025, 10, 20)  # a Monday
TRIP = date(2025, 10, 16)  # a closure day of the CFA, not a revision day
SUMMARY = "Révisions (congé d'examen, art. L6222-35)"


def _plan(tmp_path: Path, trip: bool = True, **cohort) -> Path:
    return lesson_plan(
        tmp_path,
        [subject("maths", 20, "written"), subject("vente", 40)],
        [trainer("t-a", ["maths", "vente"])],
        cohort={"written_exams": {"start": EXAM, "end": EXAM + timedelta(days=4)}, "revision_days": 5, **cohort},
        closures=[{"name": "Sortie", "start": TRIP, "end": TRIP}] if trip else [],
    )


def _expected(first_exam: date, n: int, closed: set[date]) -> list[date]:
    """The last n weekdays before the exam that are not closed (no public holiday in autumn 2025
    before 1 November): counted back by hand."""
    found, day = [], first_exam - timedelta(days=1)
    while len(found) < n:
        if day.weekday() < 5 and day not in closed:
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def test_the_revision_days_are_the_last_open_weekdays_before_the_exams(tmp_path: Path) -> None:
    plan = load(_plan(tmp_path))
    days = _expected(EXAM, 5, {TRIP})
    assert days == [date(2025, 10, 10), date(2025, 10, 13), date(2025, 10, 14), date(2025, 10, 15), date(2025, 10, 17)]
    assert list(SiteCalendar(plan).revision_days(plan.cohort("c1"))) == days


def test_no_lesson_on_a_revision_day(tmp_path: Path) -> None:
    b = solved(_plan(tmp_path))
    days = set(_expected(EXAM, 5, {TRIP}))
    taught = {x.day for x in b.lessons.lessons}
    assert taught and not taught & days
    (cw,) = b.problem.cohorts
    assert not {d for w in cw.weeks for d in w.open_days} & days


def _revisions(path: Path) -> list[date]:
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    found = []
    for e in events:
        if str(e.get("X-ALTERNANCE-KIND")) == "REVISIONS":
            assert str(e["SUMMARY"]).startswith(SUMMARY)
            assert e.decoded("dtend") == e.decoded("dtstart") + timedelta(days=1)
            found.append(e.decoded("dtstart"))
    return sorted(found)


def test_every_feed_of_the_cohort_shows_the_revision_days(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(_plan(tmp_path)), "--out", str(out), "--today", "2025-01-01"])
    assert result.exit_code == 0, result.output
    days = _expected(EXAM, 5, {TRIP})
    for feed in ("c1/rhythm.ics", "apprentices/a-1.ics", "companies/acme.ics"):
        assert _revisions(out / feed) == days, feed
    company = Calendar.from_ical((out / "companies" / "acme.ics").read_bytes()).walk("VEVENT")
    assert any(str(e["SUMMARY"]) == f"{SUMMARY} — Léa Test" for e in company)
    page = (out / "c1" / "calendar.html").read_text(encoding="utf-8")
    assert "congé d'examen" in page.replace("&#x27;", "'")


def test_revision_days_without_a_written_exam_date_is_one_line(tmp_path: Path) -> None:
    path = lesson_plan(
        tmp_path, [subject("maths", 20)], [trainer("t-a", ["maths"])], total_hours=20, cohort={"revision_days": 5}
    )
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if "revision_days" in x]
    assert len(lines) == 1 and "cohort[c1].revision_days" in lines[0] and "written" in lines[0]


def test_more_than_ten_revision_days_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(_plan(tmp_path, revision_days=11))])
    assert result.exit_code == 2 and "cohort[c1].revision_days" in result.output


def test_a_week_of_revision_days_is_not_called_a_company_week(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(_plan(tmp_path, trip=False)), "--out", str(out), "--today", "2025-01-01"]
    )
    assert result.exit_code == 0, result.output
    monday = date(2025, 10, 13)
    assert _revisions(out / "c1" / "rhythm.ics") == [monday + timedelta(days=i) for i in range(5)]
    for feed in ("c1/rhythm.ics", "apprentices/a-1.ics"):
        events = Calendar.from_ical((out / feed).read_bytes()).walk("VEVENT")
        (week,) = [e for e in events if e.decoded("dtstart") == monday and str(e["X-ALTERNANCE-KIND"]) == "ENTREPRISE"]
        assert str(week["SUMMARY"]) == "Congé d'examen (révisions)", feed

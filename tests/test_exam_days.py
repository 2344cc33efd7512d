"""`[[cohort.exam]]`: named exam days in the cohort's, its apprentices' and their companies'
feeds; a written one ends the written subjects' teaching, as the written-exam window does."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from test_lessons import lesson_plan, solved, subject, trainer

WRITTEN = {"name": "Épreuve E2 — écrit", "kind": "écrit", "start": date(2025, 10, 20)}
CCF = {"name": "CCF de vente", "kind": "ccf", "start": date(2025, 10, 8), "end": date(2025, 10, 9)}


def _plan(tmp_path: Path, exams: list[dict]) -> Path:
    return lesson_plan(
        tmp_path,
        [subject("maths", 20, "written"), subject("vente", 40)],
        [trainer("t-a", ["maths", "vente"])],
        cohort={"exam": exams},
    )


def _exams(path: Path) -> dict[str, tuple[date, date, str]]:
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return {
        str(e["SUMMARY"]): (e.decoded("dtstart"), e.decoded("dtend"), str(e["DESCRIPTION"]))
        for e in events
        if str(e.get("X-ALTERNANCE-KIND")) == "EXAMEN"
    }


def test_a_written_exam_day_ends_the_written_subjects(tmp_path: Path) -> None:
    b = solved(_plan(tmp_path, [WRITTEN, CCF]))
    maths = [x.day for x in b.lessons.lessons if x.subject == "maths"]
    assert maths and max(maths) < WRITTEN["start"]
    assert b.plan.cohort("c1").written_exams == (WRITTEN["start"], WRITTEN["start"])


def test_exam_days_are_in_every_feed_that_follows_the_cohort(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(_plan(tmp_path, [WRITTEN, CCF])), "--out", str(out), "--today", "2025-01-01"]
    )
    assert result.exit_code == 0, result.output
    day = timedelta(days=1)
    assert _exams(out / "c1" / "rhythm.ics") == {
        "Épreuve E2 — écrit": (WRITTEN["start"], WRITTEN["start"] + day, "Épreuve écrite"),
        "CCF de vente": (CCF["start"], CCF["end"] + day, "CCF (contrôle en cours de formation)"),
    }
    assert set(_exams(out / "apprentices" / "a-1.ics")) == {"Épreuve E2 — écrit", "CCF de vente"}
    assert set(_exams(out / "companies" / "acme.ics")) == {"Épreuve E2 — écrit — Léa Test", "CCF de vente — Léa Test"}


def test_an_exam_outside_the_cohort_is_refused(tmp_path: Path) -> None:
    late = {**WRITTEN, "start": date(2025, 11, 20)}
    result = CliRunner().invoke(main, ["check", str(_plan(tmp_path, [late]))])
    assert result.exit_code == 2
    assert (
        "cohort[c1].exam[1]: 2025-11-20 to 2025-11-20 is outside the cohort (2025-09-01 to 2025-10-31)" in result.output
    )


def test_an_explanation_names_the_written_exam_day(tmp_path: Path) -> None:
    # Maths (20 h, written) cannot be taught in the two days before a 3 September exam.
    early = {**WRITTEN, "start": date(2025, 9, 3)}
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(_plan(tmp_path, [early])), "--out", str(out), "--today", "2025-01-01"]
    )
    assert result.exit_code == 1, result.output
    assert "cohort[c1].exam[1]" in result.output and "written_exams" not in result.output
    assert "written-exam subjects (20 h) taught before its written exams start on 2025-09-03" in result.output

"""Rebuilding in place: frozen past, fewest changes, stable events, change report."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from alternance.cli import main
from alternance.continuity import read_published
from alternance.plan.loader import load_plans
from alternance.schedule.rhythm import (
    CFA,
    COMPANY,
    CohortPlan,
    RhythmSolution,
    WeekPlan,
    broken_rules,
    goals,
    make_problem,
)

PLAN = """
[plan]
id = "mini"
name = "Mini CFA"
site = "1 rue du Test, 38000 Grenoble"
timezone = "Europe/Paris"
public_holidays = "metropole"
school_holidays_zone = "none"
{slots}

[[programme]]
id = "prog"
name = "Programme"
total_hours = 210
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 80
[[programme.subject]]
id = "compta"
name = "Comptabilité"
hours = 80

[[cohort]]
id = "c1"
programme = "prog"
name = "Cohorte 1"
start = 2025-09-01
end = 2025-11-28
rhythm = [1, 1]
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3

[[company]]
id = "acme"
name = "ACME"
{peak}

[[company]]
id = "bolt"
name = "Bolt"

[[apprentice]]
id = "a-1"
name = "Alice Alpha"
cohort = "c1"
company = "acme"
contract_start = 2025-09-01
contract_end = 2025-11-30

[[apprentice]]
id = "a-2"
name = "Bob Beta"
cohort = "c1"
company = "bolt"
contract_start = 2025-09-01
contract_end = 2025-11-30
{trainers}
"""
SLOTS = 'day_slots = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]'
TRAINERS = """
[[trainer]]
id = "t-a"
name = "Ada Trainer"
subjects = ["maths"]
[[trainer]]
id = "t-b"
name = "Ben Trainer"
subjects = ["compta"]
{unavailable}
"""
NEW_PEAK = """[[company.peak]]
start = 2025-10-27
end = 2025-11-07
hard = true"""
BEFORE = "2025-08-01"
MIDWAY = "2025-10-13"


def write(folder: Path, peak: str = "", lessons: bool = False, unavailable: str = "") -> Path:
    path = folder / "mini.toml"
    path.write_text(
        PLAN.format(
            slots=SLOTS if lessons else "",
            peak=peak,
            trainers=TRAINERS.format(unavailable=unavailable) if lessons else "",
        ),
        encoding="utf-8",
    )
    return path


def build(plan: Path, out: Path, today: str, *extra: str):
    result = CliRunner().invoke(
        main, ["build", str(plan), "--out", str(out), "--today", today, *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def weeks(out: Path) -> dict[str, tuple[str, float]]:
    plan = json.loads((out / "c1" / "plan.json").read_text(encoding="utf-8"))
    return {w["start"]: (w["kind"], w["hours"]) for w in plan["weeks"]}


def events(path: Path) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def raw_events(path: Path) -> dict[str, bytes]:
    text = path.read_bytes()
    blocks = text.split(b"BEGIN:VEVENT\r\n")[1:]
    found = {}
    for block in blocks:
        uid = next(line for line in block.replace(b"\r\n ", b"").split(b"\r\n") if line.startswith(b"UID:"))
        found[uid[4:].decode()] = block.split(b"END:VEVENT")[0]
    return found


def test_new_peak_moves_only_what_it_must_and_keeps_the_past(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = write(tmp_path)
    build(plan, out, BEFORE)
    before_weeks, before_rhythm = weeks(out), raw_events(out / "c1" / "rhythm.ics")
    before_company = events(out / "companies" / "acme.ics")
    baseline = read_published(out).weeks

    write(tmp_path, peak=NEW_PEAK)
    result = build(plan, out, MIDWAY, "--verbose")
    after_weeks = weeks(out)

    # Frozen past: every week that started before --today is exactly as published.
    for monday, published in before_weeks.items():
        if monday < MIDWAY:
            assert after_weeks[monday] == published
    # The hard peak is respected in the future.
    for monday in ("2025-10-27", "2025-11-03"):
        assert after_weeks[monday][0] == COMPANY

    # Fewest changes: no calendar that meets every hard rule and the optimal peak goal changes
    # fewer future weeks. Checked by enumerating every future choice in plain Python.
    problem = make_problem(load_plans([plan])[0], baselines=baseline, today=date.fromisoformat(MIDWAY))
    cw = problem.cohorts[0]
    free = [i for i, w in enumerate(cw.weeks) if not cw.is_frozen(i) and not w.closed]
    best = None
    for bits in itertools.product((False, True), repeat=len(free)):
        chosen = {i: b for i, b in zip(free, bits)}
        plan_weeks = []
        for i, w in enumerate(cw.weeks):
            on = cw.previous[i] == CFA if cw.is_frozen(i) else chosen.get(i, False)
            plan_weeks.append(WeekPlan(w.monday, CFA if on else COMPANY, w.minutes if on else 0))
        solution = RhythmSolution("mini", (CohortPlan("c1", tuple(plan_weeks)),), (), 0.0)
        if broken_rules(problem, solution):
            continue
        value = goals(problem, solution)
        key = (value["peak_days"], value["changes"])
        best = key if best is None or key < best else best
    changed = sum(1 for m, k in after_weeks.items() if m >= MIDWAY and k[0] != before_weeks[m][0])
    assert best is not None and changed == best[1] > 0
    assert f"weeks to come changed since the last build: {changed} (optimal" in result.stdout

    # Stable events: same UIDs; unchanged weeks byte for byte; changed ones SEQUENCE + 1.
    after_rhythm = raw_events(out / "c1" / "rhythm.ics")
    assert set(after_rhythm) == set(before_rhythm)
    parsed = events(out / "c1" / "rhythm.ics")
    for uid, block in after_rhythm.items():
        monday = uid.split("@")[0].split(".")[2]
        if before_weeks[monday][0] == after_weeks[monday][0]:
            assert block == before_rhythm[uid], uid
        else:
            assert int(parsed[uid]["SEQUENCE"]) == 1
            assert parsed[uid].decoded("last-modified").date().isoformat() == MIDWAY
            assert parsed[uid].decoded("dtstamp").date().isoformat() == MIDWAY

    # A CFA week of ACME's apprentice that is now a company week stays in the company feed as
    # CANCELLED, so that a tutor's calendar drops it.
    company = events(out / "companies" / "acme.ics")
    for uid, _event in before_company.items():
        monday = uid.split("@")[0].split(".")[2]
        if monday >= MIDWAY and after_weeks[monday][0] == COMPANY:
            assert str(company[uid]["STATUS"]) == "CANCELLED" and int(company[uid]["SEQUENCE"]) == 1

    # The change report: printed and written, per cohort and per company.
    report = (out / "changes" / f"{MIDWAY}.md").read_text(encoding="utf-8")
    assert "## c1 · Cohorte 1" in report and "## Entreprise ACME (acme)" in report
    assert "Alice Alpha" in report and "Alice Alpha" in result.stdout


def test_a_rebuild_without_change_rewrites_nothing_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = write(tmp_path)
    build(plan, out, BEFORE)
    before = tree(out)
    stamp = (out / "c1" / "rhythm.ics").stat().st_mtime_ns
    result = build(plan, out, MIDWAY)
    assert "is up to date" in result.stdout
    assert tree(out) == before and (out / "c1" / "rhythm.ics").stat().st_mtime_ns == stamp

    write(tmp_path, peak=NEW_PEAK)
    result = build(plan, out, MIDWAY, "--dry-run")
    assert "dry run" in result.stdout and "Changements du calendrier" in result.stdout
    assert tree(out) == before


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=-30, max_value=130))
def test_unchanged_input_any_today_changes_nothing(tmp_path_factory, offset: int) -> None:
    folder = tmp_path_factory.mktemp("same")
    out = folder / "out"
    plan = write(folder)
    build(plan, out, BEFORE)
    before = tree(out)
    build(plan, out, (date(2025, 9, 1) + timedelta(days=offset)).isoformat())
    assert tree(out) == before


def test_lessons_keep_the_past_and_vanished_ones_are_cancelled(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = write(tmp_path, lessons=True)
    build(plan, out, BEFORE)
    before = events(out / "c1" / "lessons.ics")
    before_raw = raw_events(out / "c1" / "lessons.ics")
    before_plan = json.loads((out / "c1" / "plan.json").read_text(encoding="utf-8"))

    # Ben is away from 2025-10-20 to 10-24: his lessons then must move, and nothing before --today.
    write(tmp_path, lessons=True, unavailable="[[trainer.unavailable]]\nstart = 2025-10-20\nend = 2025-10-24")
    build(plan, out, MIDWAY)
    after = events(out / "c1" / "lessons.ics")
    after_raw = raw_events(out / "c1" / "lessons.ics")
    after_plan = json.loads((out / "c1" / "plan.json").read_text(encoding="utf-8"))

    past = [x for x in before_plan["lessons"] if x < MIDWAY]
    assert past and past == [x for x in after_plan["lessons"] if x < MIDWAY]
    assert after_plan["subjects"]["maths"]["planned_hours"] == 80 == after_plan["subjects"]["compta"]["planned_hours"]
    for uid, event in after.items():
        start = event.decoded("dtstart").date()
        if str(event.get("STATUS", "")) == "CANCELLED":
            assert uid in before and int(event["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
            continue
        if str(event["X-ALTERNANCE-SUBJECT"]) == "compta":
            assert not date(2025, 10, 20) <= start <= date(2025, 10, 24)
        if start.isoformat() < MIDWAY:
            assert after_raw[uid] == before_raw[uid]  # the past, byte for byte
    # Every published lesson of the future is either still there (same UID) or cancelled.
    for uid, event in before.items():
        if event.decoded("dtstart").date().isoformat() >= MIDWAY:
            assert uid in after


def test_each_moved_week_says_what_holds_it_where_it_is(tmp_path: Path) -> None:
    """The new hard peak of acme (27/10 to 07/11) moves CFA weeks out of it and others in: the
    report says why for each, and acme's own notice says it too, in its own words."""
    out = tmp_path / "out"
    plan = write(tmp_path)
    build(plan, out, BEFORE)
    before = weeks(out)
    write(tmp_path, peak=NEW_PEAK)
    build(plan, out, MIDWAY)
    after = weeks(out)
    moved = {m: after[m][0] for m in after if m >= MIDWAY and after[m][0] != before[m][0]}
    assert set(moved.values()) == {CFA, COMPANY}, moved  # weeks out of the peak, and others in
    report = (out / "changes" / f"{MIDWAY}.md").read_text(encoding="utf-8")
    notice = (out / "changes" / MIDWAY / "acme.md").read_text(encoding="utf-8")
    for monday, kind in moved.items():
        day = date.fromisoformat(monday).strftime("%d/%m/%Y")
        [line] = [x for x in report.splitlines() if x.startswith(f"- semaine du {day} :")]
        [own] = [x for x in notice.splitlines() if f"semaine du {day} désormais" in x]
        if kind == COMPANY:
            assert "2025-10-27" <= monday <= "2025-11-03", monday  # only the peak pushes weeks out
            assert line.endswith("(période de forte activité impérative de acme)"), line
            assert own.endswith("(période de forte activité impérative de acme)"), own
        else:
            reason = (
                "(remplace les semaines de CFA déplacées : 210 h de formation à tenir, programme[prog].total_hours)"
            )
            assert line.endswith(reason) and own.endswith(reason), (line, own)

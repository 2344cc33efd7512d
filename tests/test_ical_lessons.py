"""The lesson feeds as a calendar client reads them: a tiny plan with lessons built through the CLI,
its `lessons.ics`, trainer and apprentice feeds parsed with icalendar.

The cohort spans the end of March 2025, so lessons at 08:30 fall on both sides of the change to
summer time (Sunday 30 March): they stay at 08:30 local time while their UTC time moves by an hour.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from helpers import make_plan

SLOTS = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]
SLOT_TIMES = [
    (time(8, 30), time(10, 30)),
    (time(10, 45), time(12, 15)),
    (time(13, 30), time(15, 30)),
    (time(15, 45), time(17, 15)),
]
START, END = date(2025, 3, 3), date(2025, 4, 30)
DST = date(2025, 3, 30)  # Europe/Paris goes from +01:00 to +02:00 at 02:00 local time
HOURS = {"c1": {"maths": 20, "eco": 14, "francais": 16}, "c2": {"maths": 20, "eco": 14, "francais": 16}}
SUBJECT_NAMES = {"maths": "Mathématiques", "eco": "Économie-droit", "francais": "Français"}
TRAINERS = {"t-a": ("Claire Dupuis", {"maths", "eco"}), "t-b": ("Karim Benali", {"francais"})}
TODAY = "2025-01-01"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ical")
    extra = """
[[trainer]]
id = "t-a"
name = "Claire Dupuis"
subjects = ["maths", "eco"]
max_hours_per_week = 16
[[trainer.unavailable]]
weekday = "wednesday"

[[trainer]]
id = "t-b"
name = "Karim Benali"
subjects = ["francais"]
"""
    path = make_plan(
        folder,
        {"day_slots": SLOTS},
        programme={
            "total_hours": 140,
            "subject": [
                {"id": s, "name": SUBJECT_NAMES[s], "hours": h, "exam": "written" if s == "eco" else "ccf"}
                for s, h in HOURS["c1"].items()
            ],
        },
        cohorts=[
            {
                "id": "c1",
                "start": START,
                "end": END,
                "written_exams": {"start": date(2025, 4, 22), "end": date(2025, 4, 25)},
            },
            {"id": "c2", "name": "Cohort 2", "start": START, "end": END},
        ],
        apprentices=[
            {"id": "a-1", "name": "Léa Martin", "cohort": "c1", "contract_start": START, "contract_end": END},
            {
                "id": "a-2",
                "name": "Hugo Petit",
                "cohort": "c1",
                "contract_start": START,
                "contract_end": END,
                "exempt": ["maths"],
            },
            {
                "id": "a-3",
                "name": "Inès Roux",
                "cohort": "c2",
                "contract_start": START,
                "contract_end": END,
                "exempt": ["eco", "francais"],
            },
        ],
        extra=extra,
    )
    target = folder / "out"
    result = CliRunner().invoke(
        main, ["build", str(path), "--out", str(target), "--today", TODAY], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return target


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def lessons(cal: Calendar) -> list:
    return [e for e in cal.walk("VEVENT") if "X-ALTERNANCE-SUBJECT" in e]


def minutes_by_subject(events) -> Counter:
    found: Counter = Counter()
    for e in events:
        found[str(e["X-ALTERNANCE-SUBJECT"])] += int(str(e["X-ALTERNANCE-MINUTES"]))
    return found


def plan_json(out: Path, cohort: str) -> dict:
    return json.loads((out / cohort / "plan.json").read_text(encoding="utf-8"))


def timed_feeds(out: Path) -> list[Path]:
    return sorted([*out.glob("*/lessons.ics"), *out.glob("trainers/*.ics"), *out.glob("apprentices/*.ics")])


def test_every_feed_is_written(out: Path) -> None:
    for name in (
        "c1/lessons.ics",
        "c2/lessons.ics",
        "trainers/t-a.ics",
        "trainers/t-b.ics",
        "apprentices/a-1.ics",
        "apprentices/a-2.ics",
        "apprentices/a-3.ics",
    ):
        assert (out / name).is_file(), name


@pytest.mark.parametrize("cohort", ["c1", "c2"])
def test_lesson_minutes_add_up_to_each_subjects_hours(out: Path, cohort: str) -> None:
    events = lessons(parse(out / cohort / "lessons.ics"))
    found = minutes_by_subject(events)
    for sid, h in HOURS[cohort].items():
        assert found[sid] == h * 60, sid
    document = plan_json(out, cohort)
    assert found["accompagnement"] == (document["total_hours"] - document["subject_hours"]) * 60
    assert set(found) == {*HOURS[cohort], "accompagnement"}
    subjects = document["subjects"]
    assert set(subjects) == {*HOURS[cohort], "accompagnement"}
    for sid, h in HOURS[cohort].items():
        assert subjects[sid] == {"target_hours": h, "planned_hours": h}
    assert subjects["accompagnement"]["planned_hours"] * 60 == found["accompagnement"]
    # the lessons fill exactly the CFA weeks of plan.json
    cfa = {w["start"]: w["hours"] for w in document["weeks"] if w["kind"] == "cfa"}
    per_week: Counter = Counter()
    for e in events:
        day = e["DTSTART"].dt.date()
        per_week[(day - timedelta(days=day.weekday())).isoformat()] += int(str(e["X-ALTERNANCE-MINUTES"]))
    assert {k: v / 60 for k, v in per_week.items()} == cfa


def test_each_lesson_event_is_complete(out: Path) -> None:
    site = "1 rue du Test, 38000 Grenoble"
    for e in lessons(parse(out / "c1" / "lessons.ics")):
        sid = str(e["X-ALTERNANCE-SUBJECT"])
        for prop in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION"):
            assert prop in e, (prop, sid)
        assert str(e["LOCATION"]) == site
        start, end = e["DTSTART"].dt, e["DTEND"].dt
        assert start.date() == end.date() and start < end
        # the teaching minutes are those of the slots the event covers (breaks excluded)
        covered = [k for k, (a, b) in enumerate(SLOT_TIMES) if start.time() <= a and b <= end.time()]
        assert covered and SLOT_TIMES[covered[0]][0] == start.time() and SLOT_TIMES[covered[-1]][1] == end.time()
        slot_minutes = sum(
            (datetime.combine(START, SLOT_TIMES[k][1]) - datetime.combine(START, SLOT_TIMES[k][0])).seconds // 60
            for k in covered
        )
        assert int(str(e["X-ALTERNANCE-MINUTES"])) == slot_minutes
        if sid == "accompagnement":
            assert "X-ALTERNANCE-TRAINER" not in e and str(e["SUMMARY"]) == "Accompagnement"
        else:
            tid = str(e["X-ALTERNANCE-TRAINER"])
            assert sid in TRAINERS[tid][1]
            assert TRAINERS[tid][0] in str(e["DESCRIPTION"])
            assert str(e["SUMMARY"]) == SUBJECT_NAMES[sid]
        if sid == "maths" or sid == "eco":
            assert start.weekday() != 2, "t-a is away on Wednesdays"
        if sid == "eco":
            assert start.date() < date(2025, 4, 22), "written-exam subject after the exams"


def test_lessons_are_timed_in_the_plan_time_zone(out: Path) -> None:
    for path in timed_feeds(out):
        raw = path.read_bytes()
        cal = Calendar.from_ical(raw)
        assert b"DTSTART;TZID=Europe/Paris:" in raw, path
        assert b"RDATE" not in raw, path
        zones = cal.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"], path
        parts = zones[0].walk("DAYLIGHT") + zones[0].walk("STANDARD")
        assert len(parts) == 2 and all("RRULE" in p for p in parts), path
        for e in lessons(cal):
            for prop in ("DTSTART", "DTEND"):
                assert e[prop].params.get("TZID") == "Europe/Paris", (path, prop)
                assert e[prop].dt.tzinfo is not None


def _local_0830(events, before: bool):
    for e in events:
        start = e["DTSTART"].dt
        if start.time() == time(8, 30) and (start.date() < DST) == before:
            return e
    raise AssertionError("no lesson at 08:30 " + ("before" if before else "after") + " the change to summer time")


def test_a_0830_lesson_stays_at_0830_across_the_change_to_summer_time(out: Path) -> None:
    raw = (out / "c1" / "lessons.ics").read_bytes()
    cal = Calendar.from_ical(raw)
    events = lessons(cal)
    winter, summer = _local_0830(events, before=True), _local_0830(events, before=False)
    for e in (winter, summer):
        stamp = e["DTSTART"].dt.strftime("%Y%m%dT083000").encode()
        assert b"DTSTART;TZID=Europe/Paris:" + stamp in raw
    w, s = winter["DTSTART"].dt, summer["DTSTART"].dt
    assert w.utcoffset() == timedelta(hours=1) and s.utcoffset() == timedelta(hours=2)
    assert w.astimezone(UTC).time() == time(7, 30)
    assert s.astimezone(UTC).time() == time(6, 30)
    # The same through the feed's own VTIMEZONE (what a client without the tz database uses).
    own = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    for local, utc in ((w, time(7, 30)), (s, time(6, 30))):
        moment = local.replace(tzinfo=None).replace(tzinfo=own)
        assert moment.astimezone(UTC).time() == utc


def test_apprentice_feeds_lack_their_exempt_subjects(out: Path) -> None:
    cohort_minutes = {c: minutes_by_subject(lessons(parse(out / c / "lessons.ics"))) for c in ("c1", "c2")}
    for aid, cohort, exempt in (("a-1", "c1", set()), ("a-2", "c1", {"maths"}), ("a-3", "c2", {"eco", "francais"})):
        mine = minutes_by_subject(lessons(parse(out / "apprentices" / f"{aid}.ics")))
        expected = {sid: m for sid, m in cohort_minutes[cohort].items() if sid not in exempt}
        assert dict(mine) == expected, aid
        entry = next(a for a in plan_json(out, cohort)["apprentices"] if a["id"] == aid)
        assert entry["planned_hours"] * 60 == sum(expected.values()), aid
        assert entry["exempt"] == sorted(exempt) or set(entry["exempt"]) == exempt


def test_trainer_feeds_hold_only_their_lessons_across_cohorts(out: Path) -> None:
    cohort_events = {c: lessons(parse(out / c / "lessons.ics")) for c in ("c1", "c2")}
    for tid, (_name, subjects) in TRAINERS.items():
        cal = parse(out / "trainers" / f"{tid}.ics")
        mine = lessons(cal)
        assert mine and all(str(e["X-ALTERNANCE-TRAINER"]) == tid for e in mine)
        expected = sum(
            1 for events in cohort_events.values() for e in events if str(e.get("X-ALTERNANCE-TRAINER", "")) == tid
        )
        assert len(mine) == expected
        found = minutes_by_subject(mine)
        assert dict(found) == {s: sum(HOURS[c][s] for c in HOURS) * 60 for s in subjects}
        # never two lessons at once, even across cohorts
        spans = sorted((e["DTSTART"].dt, e["DTEND"].dt) for e in mine)
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)), tid
        # the weekly maximum holds in the feed too
        if tid == "t-a":
            weeks: Counter = Counter()
            for e in mine:
                day = e["DTSTART"].dt.date()
                weeks[day - timedelta(days=day.weekday())] += int(str(e["X-ALTERNANCE-MINUTES"]))
            assert max(weeks.values()) <= 16 * 60


def test_uids_are_unique_and_url_safe(out: Path) -> None:
    for path in sorted(out.rglob("*.ics")):
        uids = [str(e["UID"]) for e in parse(path).walk("VEVENT")]
        assert len(uids) == len(set(uids)), path
        assert all("/" not in u and not any(ch.isspace() for ch in u) for u in uids), path


def test_lines_are_crlf_and_folded(out: Path) -> None:
    for path in timed_feeds(out):
        raw = path.read_bytes()
        assert raw.endswith(b"\r\n")
        for line in raw.split(b"\r\n")[:-1]:
            assert b"\n" not in line and len(line) <= 75, (path, line)


def test_a_second_build_is_byte_identical(out: Path, tmp_path: Path) -> None:
    plan = out.parent / "plan.toml"
    again = tmp_path / "again"
    result = CliRunner().invoke(
        main, ["build", str(plan), "--out", str(again), "--today", TODAY], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output

    def tree(folder: Path) -> dict[str, bytes]:
        # public/ names come from each output folder's own link secret, an input of its own.
        return {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "public" not in p.parts
        }

    assert tree(again) == tree(out)

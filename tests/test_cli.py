"""End to end: the `alternance` command on the seed plan and on tiny plans, feeds parsed with icalendar."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from helpers import SeedBuild

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"
COMMITTED = ROOT / "calendars"

TINY = """
[plan]
id = "tiny"
name = "Tiny CFA"
site = "1 rue du Test, 38000 Grenoble"
timezone = "Europe/Paris"
public_holidays = "metropole"
school_holidays_zone = "A"

[[programme]]
id = "prog"
name = "Programme"
total_hours = {total}
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 60

[[cohort]]
id = "c1"
programme = "prog"
name = "Cohorte 1"
start = 2025-01-06
end = 2025-06-27
rhythm = [1, 1]
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3

[[company]]
id = "acme"
name = "ACME"
[[company.peak]]
start = 2025-03-03
end = 2025-03-28

[[company]]
id = "other"
name = "Other Co"

[[apprentice]]
id = "ap-1"
name = "Alice Alpha"
cohort = "c1"
company = "acme"
birth_date = 2007-03-14
contract_start = 2025-01-06
contract_end = 2025-06-30

[[apprentice]]
id = "ap-2"
name = "Bob Beta"
cohort = "c1"
company = "other"
birth_date = 2006-11-25
contract_start = 2025-01-06
contract_end = 2025-06-30
"""


def tiny_plan(tmp_path: Path, total: int = 350, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(TINY.format(total=total), encoding="utf-8")
    return path


BEFORE_START = "2024-12-01"  # the tiny cohort starts 2025-01-06: nothing is frozen yet


def run(*args: str):
    """`alternance ARGS`; builds happen before the tiny cohort starts unless --today is given."""
    args = list(args)
    if args and args[0] == "build" and "--today" not in args:
        args += ["--today", BEFORE_START]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def parse(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_seed_build_writes_every_feed(seed_out: Path) -> None:
    files = set(tree(seed_out))
    for cohort in ("agora-2024", "agora-2025"):
        assert f"{cohort}/rhythm.ics" in files and f"{cohort}/plan.json" in files
    assert {f"apprentices/a-00{i}.ics" for i in range(1, 9)} <= files
    assert "companies/cabinet-martin.ics" in files


def test_committed_calendars_are_not_stale(seed_build: SeedBuild) -> None:
    """calendars/ in the repository is what `alternance build` makes of the seed plan: rebuilding
    on top of it (today, as a planner would) changes nothing. public/ is not committed: its
    file names come from each site's own secret."""

    def committed(folder: Path) -> dict[str, bytes]:
        return {k: v for k, v in tree(folder).items() if not k.startswith("public/")}

    assert committed(seed_build.out) == committed(COMMITTED), (
        "calendars/ is stale: run `alternance build` and commit it"
    )
    assert "Changements" not in seed_build.stdout


def test_rhythm_feed_matches_plan_json(seed_out: Path) -> None:
    for cohort in ("agora-2024", "agora-2025"):
        plan = json.loads((seed_out / cohort / "plan.json").read_text(encoding="utf-8"))
        cal = parse(seed_out / cohort / "rhythm.ics")
        events = cal.walk("VEVENT")
        assert len(events) == len(plan["weeks"])
        total = 0
        for event, week in zip(sorted(events, key=lambda e: e.decoded("dtstart")), plan["weeks"]):
            start = event.decoded("dtstart")
            assert start.isoformat() == week["start"] and start.weekday() == 0
            assert event.decoded("dtend") == start + timedelta(days=5)
            kind = str(event["X-ALTERNANCE-KIND"])
            assert kind == {"cfa": "CFA", "company": "ENTREPRISE"}[week["kind"]]
            if kind == "CFA":
                assert float(str(event["X-ALTERNANCE-HOURS"])) == week["hours"] > 0
                assert str(event["SUMMARY"]).startswith("CFA — ")
                assert "Saint-Martin-d'Hères" in str(event["LOCATION"])
                total += week["hours"]
            else:
                assert "X-ALTERNANCE-HOURS" not in event and week["hours"] == 0
        assert total == plan["total_hours"]
        assert plan["target_hours"] == 1350 <= total < 1350 + 35
        assert plan["accompaniment_hours"] == 10 and plan["subject_hours"] == 1340


def test_every_calendar_has_the_required_properties(seed_out: Path) -> None:
    for path in seed_out.rglob("*.ics"):
        raw = path.read_bytes()
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), f"{path}: not CRLF"
        assert all(len(line) <= 75 for line in raw.split(b"\r\n")), f"{path}: unfolded line"
        cal = parse(path)
        assert str(cal["VERSION"]) == "2.0" and cal["PRODID"] and cal["X-WR-CALNAME"]
        uids = set()
        for event in cal.walk("VEVENT"):
            uid = str(event["UID"])
            assert "/" not in uid and " " not in uid and uid not in uids
            uids.add(uid)
            assert "DTSTAMP" in event and "SEQUENCE" in event


def test_company_feed_shows_only_its_apprentices(seed_out: Path) -> None:
    roster = {}  # company -> apprentice names, from the seed CSV
    for line in (SEED.parent / "apprentices.csv").read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split(",")
        roster.setdefault(fields[3], set()).add(fields[1])
    for company, names in roster.items():
        text = (seed_out / "companies" / f"{company}.ics").read_bytes().decode("utf-8")
        flat = text.replace("\r\n ", "")
        assert any(n in flat for n in names)
        others = set().union(*(v for k, v in roster.items() if k != company))
        assert not any(n in flat for n in others), f"{company} feed names another company's apprentice"
        for event in Calendar.from_ical(text).walk("VEVENT"):
            assert str(event["X-ALTERNANCE-KIND"]) == "CFA"


def test_no_birth_date_in_any_output(seed_out: Path) -> None:
    births = [
        line.split(",")[4] for line in (SEED.parent / "apprentices.csv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    for path, content in tree(seed_out).items():
        text = content.decode("utf-8").replace("\r\n ", "")
        for birth in births:
            assert birth not in text and birth.replace("-", "") not in text, f"birth date in {path}"


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    plan = tiny_plan(tmp_path)
    assert run("build", str(plan), "--out", str(tmp_path / "a")).exit_code == 0
    assert run("build", str(plan), "--out", str(tmp_path / "b")).exit_code == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_summary_reports_hours_peaks_and_status(tmp_path: Path) -> None:
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "c1 · Cohorte 1" in result.stdout
    assert "CFA weeks" in result.stdout and "target of 350 h" in result.stdout
    assert "the best calendar possible (proven in" in result.stdout


def test_bad_input_is_one_line_per_problem_and_writes_nothing(tmp_path: Path) -> None:
    plan = tiny_plan(tmp_path)
    text = (
        plan.read_text(encoding="utf-8")
        .replace("end = 2025-06-27", "end = 2024-06-27")
        .replace('zone = "A"', 'zone = "Z"')
    )
    plan.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(plan), "--out", str(out))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert any("cohort[c1].end" in line and str(plan) in line for line in lines)
    assert any("plan.school_holidays_zone" in line and "'Z'" in line for line in lines)
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    plan = tmp_path / "broken.toml"
    plan.write_text('[plan]\nid = "x"\nname = \n', encoding="utf-8")
    result = run("check", str(plan))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "broken.toml: line 3" in result.stderr


def test_check_reports_accompaniment(tmp_path: Path) -> None:
    result = run("check", str(SEED))
    assert result.exit_code == 0
    assert "10 h are shown as « Accompagnement »" in result.stdout


def test_no_solution_exits_1_explains_and_keeps_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    before = tree(out)
    impossible = tiny_plan(tmp_path, total=1350, name="impossible.toml")
    result = run("build", str(impossible), "--out", str(out))
    assert result.exit_code == 1
    assert "c1 needs 1350 h" in result.stderr and "at most" in result.stderr
    assert "Traceback" not in result.output
    assert tree(out) == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(out), "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.stdout
    assert not out.exists()


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("precious", encoding="utf-8")
    result = run("build", str(tiny_plan(tmp_path)), "--out", str(out))
    assert result.exit_code == 2 and "not written by alternance" in result.stderr
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_a_second_build_on_the_same_folder_fails_clearly(tmp_path: Path) -> None:
    from filelock import FileLock

    out = tmp_path / "out"
    with FileLock(str(tmp_path / ".out.lock")):
        result = run("build", str(tiny_plan(tmp_path)), "--out", str(out))
    assert result.exit_code == 2 and "another `alternance build`" in result.stderr
    assert not out.exists()


def test_failing_write_leaves_previous_feeds(tmp_path: Path, monkeypatch) -> None:
    from alternance.publish import output

    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    before = tree(out)
    written = []
    real_open = open

    def failing_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            written.append(path)
            if len(written) > 3:
                raise OSError(28, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(output, "open", failing_open, raising=False)
    failed = run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out))
    # An OS error is the user's to fix (a disk, a folder): one line and exit 2, no traceback.
    assert failed.exit_code == 2 and "No space left on device" in failed.output, failed.output
    assert "Traceback" not in failed.output
    monkeypatch.undo()
    assert tree(out) == before
    # The next build cleans the half-written tree and publishes normally.
    assert run("build", str(tiny_plan(tmp_path, total=420)), "--out", str(out)).exit_code == 0
    assert json.loads((out / "c1" / "plan.json").read_text(encoding="utf-8"))["target_hours"] == 420


@pytest.mark.slow
def test_killed_build_leaves_old_or_new_tree_never_a_mix(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(tiny_plan(tmp_path)), "--out", str(out)).exit_code == 0
    old = tree(out)
    saved = tmp_path / "saved"
    shutil.copytree(out, saved)
    changed = tiny_plan(tmp_path, total=420, name="changed.toml")
    rebuilt = tmp_path / "rebuilt"  # what a complete rebuild on top of the old tree gives
    shutil.copytree(out, rebuilt)
    assert run("build", str(changed), "--out", str(rebuilt)).exit_code == 0
    new = tree(rebuilt)
    assert new != old
    exe = shutil.which("alternance") or str(Path(sys.executable).parent / "alternance")
    for delay in (0.2, 0.8, 1.4):
        proc = subprocess.Popen(
            [exe, "build", str(changed), "--out", str(out), "--today", BEFORE_START],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Whatever moment the kill hit, the next build (here a dry run of the old plan) must see
        # a whole tree; run recovery the way any build does, then compare.
        from alternance.publish.output import recover

        recover(out.resolve())
        assert tree(out) in (old, new)
        if tree(out) == new:  # put the old tree back for the next kill
            shutil.rmtree(out)
            shutil.copytree(saved, out)
    assert os.path.isdir(out)


def test_default_paths_build_the_seed_from_the_repo_root(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "constraints", work / "constraints")
    monkeypatch.chdir(work)
    # `check` and `build` find their plans the same way (cli._plan_paths); check solves nothing.
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "agora-2024" in result.stdout and "agora-2025" in result.stdout


def test_hard_peak_weeks_are_company_weeks_in_the_seed(seed_out: Path) -> None:
    plan = json.loads((seed_out / "agora-2024" / "plan.json").read_text(encoding="utf-8"))
    for week in plan["weeks"]:
        monday = date.fromisoformat(week["start"])
        days = [monday + timedelta(days=i) for i in range(5)]
        if any(d.month == 12 and 15 <= d.day <= 24 for d in days):
            assert week["kind"] == "company", week


# --- init --------------------------------------------------------------------------------------


def test_init_writes_a_starter_that_check_accepts(tmp_path: Path) -> None:
    folder = tmp_path / "cfa-nord"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["cfa-nord.toml", "listes.xlsx"]
    assert "Next:" in result.output and "alternance check" in result.output
    checked = CliRunner().invoke(main, ["check", str(folder / "cfa-nord.toml")])
    assert checked.exit_code == 0, checked.output
    assert "1 company(ies), 1 apprentice(s)" in checked.output


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "listes.xlsx").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'listes.xlsx'}: already exists; init writes nothing over a file"
    assert (tmp_path / "listes.xlsx").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["listes.xlsx"]

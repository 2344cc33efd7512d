"""A rebuild's change report counts a new apprentice as a change, and each company gets its own
notice (`changes/<date>/<company>.md`), addressed to its tutor, naming only its apprentices."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from helpers import APPRENTICE, make_plan

ACME = {"id": "acme", "name": "Acme", "tutor": "Jeanne Weber", "email": "j.weber@example.fr"}
OTHER = {"id": "other", "name": "Other"}
LEA = {**APPRENTICE}
NOE = {**APPRENTICE, "id": "a-2", "name": "Noé Test", "company": "other"}
ZOE = {**APPRENTICE, "id": "a-3", "name": "Zoé Test", "contract_start": date(2025, 10, 1)}


def _build(path: Path, out: Path, today: str) -> str:
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", today])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_apprentice_is_a_change_and_each_company_gets_its_notice(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(make_plan(tmp_path, companies=[ACME, OTHER], apprentices=[LEA, NOE]), out, "2025-01-01")
    peak = {"start": date(2025, 9, 1), "end": date(2025, 10, 31), "weight": 3}  # a season: weeks move
    plan = make_plan(tmp_path, name="v2.toml", companies=[ACME, {**OTHER, "peak": [peak]}], apprentices=[LEA, NOE, ZOE])
    _build(plan, out, "2025-01-01")
    report = (out / "changes" / "2025-01-01.md").read_text(encoding="utf-8")
    assert "- Zoé Test : nouvel apprenti dans le calendrier (c1, contrat du 01/10/2025 au 31/10/2025)" in report
    acme = (out / "changes" / "2025-01-01" / "acme.md").read_text(encoding="utf-8")
    assert acme.splitlines()[:3] == [
        "# Changements du calendrier d'alternance — Acme — 01/01/2025",
        "",
        "À : Jeanne Weber <j.weber@example.fr>",
    ]
    assert "Zoé Test : nouvel apprenti" in acme and "Noé" not in acme
    notices = sorted(p.name for p in (out / "changes" / "2025-01-01").iterdir())
    for name in notices:
        text = (out / "changes" / "2025-01-01" / name).read_text(encoding="utf-8")
        others = {"acme.md": ("Noé",), "other.md": ("Léa", "Zoé", "Weber")}[name]
        assert not any(x in text for x in others), name  # one company's notice names only its own
    # A rebuild the same day keeps the first report and its notices.
    _build(make_plan(tmp_path, name="v3.toml", companies=[ACME, OTHER], apprentices=[LEA, NOE, ZOE]), out, "2025-01-01")
    assert (out / "changes" / "2025-01-01" / "acme.md").read_text(encoding="utf-8") == acme


def test_a_moved_apprentice_leaves_no_name_in_the_old_company_feed(tmp_path: Path) -> None:
    from icalendar import Calendar

    out = tmp_path / "out"
    _build(make_plan(tmp_path, companies=[ACME, OTHER], apprentices=[LEA, NOE]), out, "2025-01-01")
    assert "Noé Test" in (out / "companies" / "other.ics").read_text(encoding="utf-8")
    moved = {**NOE, "company": "acme"}
    _build(make_plan(tmp_path, name="v2.toml", companies=[ACME, OTHER], apprentices=[LEA, moved]), out, "2025-01-01")
    feed = (out / "companies" / "other.ics").read_bytes()
    events = Calendar.from_ical(feed).walk("VEVENT")
    assert events and all(str(e["STATUS"]) == "CANCELLED" and str(e["SUMMARY"]) == "Annulé" for e in events)
    assert "Noé".encode() not in feed and "DESCRIPTION" not in feed.decode()
    # A later rebuild keeps those cancelled events as they are.
    _build(make_plan(tmp_path, name="v3.toml", companies=[ACME, OTHER], apprentices=[LEA, moved]), out, "2025-01-01")
    assert (out / "companies" / "other.ics").read_bytes() == feed


def test_a_removed_apprentice_is_in_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(make_plan(tmp_path, companies=[ACME, OTHER], apprentices=[LEA, NOE]), out, "2025-01-01")
    _build(make_plan(tmp_path, name="v2.toml", companies=[ACME], apprentices=[LEA]), out, "2025-01-01")
    report = (out / "changes" / "2025-01-01.md").read_text(encoding="utf-8")
    assert "- apprenti a-2 : retiré du calendrier (son agenda ne reçoit plus de semaine)" in report
    assert "- entreprise other : retiré du calendrier" in report
    assert "Noé" not in report  # the id only: the name is no longer the plan's to print

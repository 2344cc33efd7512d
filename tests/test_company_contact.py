"""Companies' address, tutor and e-mail: the address is the LOCATION of the apprentice's company
weeks, the tutor is named there, nothing of one company reaches another's apprentice, and the
same columns are read from a sheet under their French headers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from alternance.cli import main
from helpers import APPRENTICE, COMPANY_TABLE, load, make_plan

ACME = {
    **COMPANY_TABLE,
    "address": "1 place Kléber, 67000 Strasbourg",
    "tutor": "Jeanne Weber",
    "email": "j.weber@example.fr",
}
OTHER = {"id": "other", "name": "Other", "address": "2 rue Secrète, 38000 Grenoble", "tutor": "Paul Durand"}


def _events(path: Path) -> list:
    return [e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT") if "X-ALTERNANCE-KIND" in e]


def test_the_company_weeks_are_at_the_company_with_the_tutor_named(tmp_path: Path) -> None:
    path = make_plan(
        tmp_path,
        companies=[ACME, OTHER],
        apprentices=[APPRENTICE, {**APPRENTICE, "id": "a-2", "name": "Noé Test", "company": "other"}],
    )
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(path), "--out", str(out), "--today", "2025-01-01"]).exit_code == 0
    weeks = _events(out / "apprentices" / "a-1.ics")
    company = [e for e in weeks if str(e["X-ALTERNANCE-KIND"]) == "ENTREPRISE"]
    cfa = [e for e in weeks if str(e["X-ALTERNANCE-KIND"]) == "CFA"]
    assert company and cfa
    assert all(str(e["LOCATION"]) == ACME["address"] for e in company)
    assert all("Maître d'apprentissage : Jeanne Weber" in str(e["DESCRIPTION"]) for e in company)
    assert all(str(e["LOCATION"]) == "1 rue du Test, 38000 Grenoble" for e in cfa)  # the CFA's site
    for feed in (out / "apprentices" / "a-1.ics", out / "companies" / "acme.ics", out / "c1" / "rhythm.ics"):
        text = feed.read_text(encoding="utf-8")
        assert "Secrète" not in text and "Durand" not in text, feed  # another company's
    assert "j.weber" not in (out / "apprentices" / "a-1.ics").read_text(encoding="utf-8")


def test_a_bad_e_mail_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(make_plan(tmp_path, company={**ACME, "email": "j.weber"}))])
    assert result.exit_code == 2
    assert [x for x in result.output.splitlines() if "email" in x] == [
        f"{tmp_path / 'plan.toml'}: company[acme].email: 'j.weber' is not an e-mail address (name@domain.fr)"
    ]


def test_the_sheet_reads_the_french_headers(tmp_path: Path) -> None:
    (tmp_path / "entreprises.csv").write_text(
        "identifiant;nom;adresse;maître d'apprentissage;courriel\n"
        "acme;Acme;1 place Kléber, 67000 Strasbourg;Jeanne Weber;j.weber@example.fr\n",
        encoding="utf-8",
    )
    plan = load(make_plan(tmp_path, {"companies": "entreprises.csv"}, companies=[]))
    (acme,) = plan.companies
    assert (acme.address, acme.tutor, acme.email) == (ACME["address"], "Jeanne Weber", "j.weber@example.fr")

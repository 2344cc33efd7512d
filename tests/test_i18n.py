"""Messages for people: French by default, English on request, through a gettext catalogue that
holds every message of the code, translated, with the same placeholders."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner

from alternance import i18n
from alternance.cli import main
from helpers import make_plan

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "alternance"
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "alternance.po"
SEED = ROOT / "constraints" / "charmilles-agora.toml"
FRENCH = {"LANG": "fr_FR.UTF-8"}
NO_LANGUAGE = {"LANG": "", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def _code_messages() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for _file, _line, message, _c, _ctx in extract_from_dir(PACKAGE, [("**.py", "python")], keywords):
        if isinstance(message, tuple):
            found[message[0]] = message[1]
        else:
            found.setdefault(message, None)
    return found


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_the_catalogue_holds_exactly_the_messages_of_the_code() -> None:
    code = _code_messages()
    catalogue = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in _catalogue() if m.id}
    assert not set(code) - catalogue, "run tools/catalogue.py: messages without French"
    assert not catalogue - set(code), "run tools/catalogue.py: the catalogue keeps messages the code dropped"


def test_every_message_has_french_with_the_same_placeholders() -> None:
    for m in _catalogue():
        if not m.id:
            continue
        assert not m.fuzzy, m.id
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strings), f"no French for {ids[0]!r}"
        for text in strings:
            assert _fields(text) == _fields(ids[0]), f"{ids[0]!r} -> {text!r}: placeholders differ"


def test_the_compiled_catalogue_is_the_po() -> None:
    with (PO.with_suffix(".mo")).open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for m in _catalogue():
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            assert compiled.ngettext(m.id[0], m.id[1], 1) == m.string[0]
            assert compiled.ngettext(m.id[0], m.id[1], 5) == m.string[1]
        else:
            assert compiled.gettext(m.id) == m.string, "run tools/catalogue.py: the .mo is stale"


@pytest.mark.parametrize(
    "environ, lang",
    [
        ({}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANGUAGE": "en:fr", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
        ({"LC_MESSAGES": "en_US.UTF-8"}, "en"),
    ],
)
def test_language_from_the_environment(environ: dict[str, str], lang: str) -> None:
    assert i18n.from_environment(environ) == lang


def test_numbers_and_dates_follow_the_language() -> None:
    from datetime import date

    try:
        i18n.use("fr")
        assert (i18n.number(0.294), i18n.day(date(2024, 9, 2))) == ("0,29", "02/09/2024")
        i18n.use("en")
        assert (i18n.number(0.294), i18n.day(date(2024, 9, 2))) == ("0.29", "2024-09-02")
    finally:
        i18n.use(None)


def test_check_speaks_french_by_default_and_english_on_request() -> None:
    runner = CliRunner()
    french = runner.invoke(main, ["check", str(SEED)], env=NO_LANGUAGE)
    assert french.exit_code == 0, french.output
    assert "2 promotion(s), 5 entreprise(s), 8 apprenti(s)" in french.stdout
    assert (
        "agora-2024 : 71 semaines ouvertes sur 95, 2408 h si toutes étaient au CFA ; objectif 1350 h" in french.stdout
    )
    english = runner.invoke(main, ["check", "--lang", "en", str(SEED)], env=NO_LANGUAGE)
    assert "agora-2024: 71 open weeks of 95, 2408 h if all were CFA weeks; target 1350 h" in english.stdout
    by_lang = runner.invoke(main, ["check", str(SEED)], env={"LANG": "en_US.UTF-8"})
    assert by_lang.stdout == english.stdout
    forced = runner.invoke(main, ["check", "--lang", "fr", str(SEED)], env={"LANG": "en_US.UTF-8"})
    assert forced.stdout == french.stdout


def test_a_bad_plan_is_one_french_line_with_a_did_you_mean(tmp_path: Path) -> None:
    path = make_plan(tmp_path, apprentice={"cohort": "c11"})  # the cohort is c1
    result = CliRunner().invoke(main, ["check", str(path)], env=FRENCH)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{path} : apprentice[a-1].cohort : promotion inconnue 'c11'"), line
    assert "'c1'" in line  # the did-you-mean
    assert "Traceback" not in result.output


def test_the_build_summary_reads_in_french_and_in_hours(tmp_path: Path) -> None:
    path = make_plan(tmp_path)
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(path), "--out", str(out), "--jobs", "1", "--verbose"], env=FRENCH)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert re.search(r"^  \d+ semaines au CFA : \d+ h", text, re.M), text
    assert "par année de formation" in text
    assert re.search(r"meilleur calendrier possible \(prouvé en \d+,\d\d s\)|le meilleur calendrier trouvé", text)
    # In hours, never in minutes: the year balance of the verbose detail reads "12 h 30", not 750.
    assert re.search(r"écart des heures à la part égale de chaque année de formation : \d+ h( \d\d)? \(", text), text
    assert "recherche du calendrier des semaines" in result.stderr
    english = runner.invoke(
        main, ["build", str(path), "--out", str(tmp_path / "en"), "--dry-run", "--lang", "en"], env=FRENCH
    )
    assert "the best calendar possible" in english.stdout or "the best calendar found" in english.stdout
    assert "semaines" not in english.stdout


def test_plans_solved_in_worker_processes_speak_the_parent_language(tmp_path: Path) -> None:
    first = make_plan(tmp_path, {"id": "p1"}, name="p1.toml")
    second = make_plan(
        tmp_path,
        {"id": "p2"},
        name="p2.toml",
        cohort={"id": "c2"},
        company={"id": "co2", "name": "Autre"},
        apprentice={"id": "a-2", "cohort": "c2", "company": "co2"},
    )
    result = CliRunner().invoke(
        main, ["build", str(first), str(second), "--out", str(tmp_path / "out"), "--jobs", "2"], env=FRENCH
    )
    assert result.exit_code == 0, result.output
    for plan in ("p1", "p2"):
        assert f"{plan} : recherche du calendrier des semaines" in result.stderr
        assert f"{plan} : meilleur calendrier possible" in result.stdout


def test_a_plan_without_calendar_is_explained_in_french_with_its_numbers(tmp_path: Path) -> None:
    """280 h in nine 35 h weeks with at most one CFA week in a row: at most 5 CFA weeks, 175 h."""
    path = make_plan(
        tmp_path,
        programme={"total_hours": 280},
        cohort={"max_consecutive_cfa_weeks": 1, "max_consecutive_company_weeks": 1},
    )
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(tmp_path / "out")], env=FRENCH)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert "tiny : aucun calendrier ne respecte toutes les règles ; recherche des règles en conflit" in lines[1]
    assert (
        "c1 a besoin de 280 h ; les 9 semaines ouvertes du 01/09/2025 au 31/10/2025 donnent au plus 175 h avec "
        "au plus 1 semaines de CFA d'affilée (cohort[c1].max_consecutive_cfa_weeks)."
    ) in lines
    assert lines[-1].startswith(
        "Règles en conflit : cohort[c1].max_consecutive_cfa_weeks, programme[prog].total_hours."
    )
    assert not (tmp_path / "out").exists()
    english = CliRunner().invoke(main, ["build", str(path), "--out", str(tmp_path / "out"), "--lang", "en"])
    assert "c1 needs 280 h; the 9 open weeks between 2025-09-01 and 2025-10-31 give at most 175 h" in english.stderr

"""Spreadsheets as French offices write them: each twin of the mini plan loads (and builds) the
same as its UTF-8 ISO CSV, and every bad cell is one line naming the file, sheet, row and place."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from alternance.cli import main
from alternance.plan.loader import load_plans
from helpers import MINI, load, make_plan, problems

SHEETS = Path(__file__).parent / "data" / "sheets"
TWINS = ["mini-cp1252.toml", "mini-xlsx.toml", "mini-ods.toml"]
APPRENTICE_HEADER = ["id", "name", "cohort", "company", "birth_date", "contract_start", "contract_end"]
A_ROW = ["a-2", "Yanis B", "c1", "acme", "2007-11-02", "2025-09-01", "2025-10-31"]


def quiet_load(path: Path):
    notes: list[str] = []
    (plan,) = load_plans([path], note=notes.append)
    return plan, notes


@pytest.mark.parametrize("twin", TWINS)
def test_each_spreadsheet_twin_loads_as_the_iso_csv(twin):
    plan, notes = quiet_load(SHEETS / twin)
    assert plan == load(MINI)
    assert [a.name for a in plan.apprentices] == ["Alice Test", "Bruno Test", "Chloé Test", "David Test"]
    assert notes == (
        [
            f"{SHEETS / n}: read as cp1252 (Windows), not UTF-8"
            for n in ("mini-entreprises-cp1252.csv", "mini-cp1252.csv")
        ]
        if "cp1252" in twin
        else []
    )


def test_the_twin_plans_are_the_mini_plan_with_other_lists():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", SHEETS / "make_fixtures.py")
    assert spec and spec.loader
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    for name, lines in make.TWINS.items():
        assert (SHEETS / name).read_text(encoding="utf-8") == make.twin_text(*lines), f"rerun {make.__file__}"


def _tree(out: Path) -> dict[str, bytes]:
    # public/ holds token names from the output folder's own random secret: not compared.
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "public" not in p.relative_to(out).parts
    }


def _build(plan: Path, out: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(main, ["build", str(plan), "--out", str(out), "--today", "2025-08-01"])
    assert result.exit_code == 0, result.output
    return _tree(out)


@pytest.fixture(scope="module")
def iso_calendars(tmp_path_factory) -> dict[str, bytes]:
    return _build(MINI, tmp_path_factory.mktemp("iso") / "calendars")


@pytest.mark.slow
@pytest.mark.parametrize("twin", TWINS)
def test_each_twin_builds_byte_identical_calendars(tmp_path, twin, iso_calendars):
    assert iso_calendars and _build(SHEETS / twin, tmp_path / "calendars") == iso_calendars


def test_check_says_which_encoding_it_read(tmp_path):
    for name in ("mini-cp1252.toml", "mini-cp1252.csv", "mini-entreprises-cp1252.csv"):
        shutil.copy(SHEETS / name, tmp_path / name)
    result = CliRunner().invoke(main, ["check", str(tmp_path / "mini-cp1252.toml")])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'mini-cp1252.csv'}: read as cp1252" in result.stderr


# --- CSV as exported -------------------------------------------------------------------------


def sheet_plan(tmp_path: Path, name: str, rows: list[list], plan: dict | None = None, key: str = "apprentices") -> Path:
    """A tiny plan whose list `key` comes from `name` (.csv written as cp1252 `;`, or .xlsx)."""
    path = tmp_path / name
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        book.active.title = {"apprentices": "Apprentis", "companies": "Entreprises", "trainers": "Formateurs"}[key]
        for row in rows:
            book.active.append(row)
        book.save(path)
    else:
        path.write_bytes("\r\n".join(";".join(map(str, r)) for r in rows).encode("cp1252"))
    items = {"apprentices": []} if key == "apprentices" else {"companies": []} if key == "companies" else {}
    return make_plan(tmp_path, {key: name, **(plan or {})}, **items)


def test_a_french_excel_csv_loads(tmp_path):
    rows = [
        [
            "Identifiant",
            "Nom",
            "Prénom",
            "PROMOTION",
            "entreprise",
            "Date de naissance",
            "Début de contrat",
            "fin_contrat",
        ],
        ["a-2", "Belkacem", "Yanis", "c1", "acme", "02/11/07", "01/09/2025", "31/10/2025"],
    ]
    plan, notes = quiet_load(sheet_plan(tmp_path, "apprentis.csv", rows))
    (a,) = plan.apprentices
    assert (a.name, a.birth_date, a.contract_start) == ("Yanis Belkacem", date(2007, 11, 2), date(2025, 9, 1))
    assert notes and "cp1252" in notes[0]


@pytest.mark.parametrize(
    "sep, encoding, bom, note",
    [(",", "utf-8", "\ufeff", False), (";", "utf-8", "", False), ("\t", "utf-16", "", True)],
    ids=["utf8-bom-comma", "utf8-semicolon", "utf16-tab"],
)
def test_encodings_and_separators(tmp_path, sep, encoding, bom, note):
    text = bom + sep.join(APPRENTICE_HEADER) + "\n" + sep.join([*A_ROW[:1], "Léa", *A_ROW[2:]]) + "\n"
    (tmp_path / "a.csv").write_bytes(text.encode(encoding))
    plan, notes = quiet_load(make_plan(tmp_path, {"apprentices": "a.csv"}, apprentices=[]))
    assert [a.name for a in plan.apprentices] == ["Léa"]
    assert bool(notes) == note


def test_a_header_mixing_separators_is_one_line(tmp_path):
    (tmp_path / "a.csv").write_text("id;name,cohort\n", encoding="utf-8")
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.csv"}, apprentices=[]))
    assert problem.file == str(tmp_path / "a.csv") and "';' and ','" in problem.message


@pytest.mark.parametrize(
    "content, words",
    [
        (b"\x00\x01\x02binary", "binary"),
        (b"PK\x03\x04zip", ".xlsx"),
        (b"id,name\nx,\x81\x8d\x90", "neither UTF-8 nor cp1252"),
    ],
    ids=["binary", "zip-named-csv", "neither"],
)
def test_unreadable_csv_is_one_line(tmp_path, content, words):
    (tmp_path / "a.csv").write_bytes(content)
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.csv"}, apprentices=[]))
    assert words in problem.message


def test_a_file_that_is_not_a_workbook(tmp_path):
    (tmp_path / "a.xlsx").write_text("id,name\n", encoding="utf-8")
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.xlsx"}, apprentices=[]))
    assert problem.file == str(tmp_path / "a.xlsx") and "not a zip" in problem.message


def test_a_damaged_workbook(tmp_path):
    data = (SHEETS / "mini.xlsx").read_bytes()
    (tmp_path / "a.xlsx").write_bytes(data[: len(data) // 2])
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.xlsx"}, apprentices=[]))
    assert "unreadable workbook" in problem.message


# --- one bad cell, one line --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.csv", "a.xlsx"])
@pytest.mark.parametrize(
    "column, value, words",
    [
        ("contract_start", "09/13/2025", "no month 13"),
        ("contract_start", "31/02/2025", "not a day"),
        ("contract_start", "demain", "DD/MM/YYYY"),
        ("cohort", "C1", "not an id"),
    ],
    ids=["month-first", "no-such-day", "word", "not-a-slug"],
)
def test_a_bad_cell_is_one_line_naming_file_sheet_row_and_field(tmp_path, name, column, value, words):
    row = list(A_ROW)
    row[APPRENTICE_HEADER.index(column)] = value
    found = problems(sheet_plan(tmp_path, name, [APPRENTICE_HEADER, row]))
    assert len(found) == 1, "\n".join(map(str, found))
    (problem,) = found
    assert problem.file == str(tmp_path / name) + ("#Apprentis" if name.endswith("xlsx") else "")
    assert problem.place == f"row 2: apprentice[a-2].{column}"
    assert words in problem.message


def test_booleans_and_month_days_of_a_company_sheet(tmp_path):
    rows = [
        ["code", "nom", "début forte activité", "fin forte activité", "poids", "impérative", "chaque année"],
        ["acme", "Acme", "01/12", "24/12", "2", "oui", "VRAI"],
        ["bolt", "Bolt", "15/09/2025", "19/09/2025", "1", "", "faux"],
        ["cale", "Cale", "15/09/2025", "19/09/2025", "1", "x", "0"],
    ]
    plan, _ = quiet_load(sheet_plan(tmp_path, "e.csv", rows, key="companies", plan={}))
    acme, bolt, cale = plan.companies
    assert acme.peaks[0].start_md == (12, 1) and acme.peaks[0].hard and acme.peaks[0].weight == 2
    assert bolt.peaks[0].start == date(2025, 9, 15) and not bolt.peaks[0].hard
    assert cale.peaks[0].hard


def test_an_unreadable_boolean_is_one_line_not_three(tmp_path):
    # every_year unreadable: its month-days are not then called "not dates".
    rows = [
        ["id", "name", "peak_start", "peak_end", "peak_every_year"],
        ["acme", "Acme", "12-01", "12-24", "peut-être"],
    ]
    (problem,) = problems(sheet_plan(tmp_path, "e.csv", rows, key="companies"))
    assert problem.place == "row 2: company[acme].peak.every_year" and "vrai/faux" in problem.message


def test_workbook_cells_keep_their_types(tmp_path):
    rows = [
        [*APPRENTICE_HEADER, "exempt"],
        ["a-2", "Yanis B", "c1", "acme", datetime(2007, 11, 2), date(2025, 9, 1), date(2025, 10, 31), "maths"],
        [],  # an empty row is skipped
        [],
        ["a-3", 12345, "c1", "acme", None, date(2025, 9, 1), date(2025, 10, 31), None],
    ]
    plan, _ = quiet_load(sheet_plan(tmp_path, "a.xlsx", rows))
    assert [a.id for a in plan.apprentices] == ["a-2", "a-3"]
    assert plan.apprentices[0].birth_date == date(2007, 11, 2) and plan.apprentices[0].exempt == ("maths",)
    assert plan.apprentices[1].name == "12345" and plan.apprentices[1].birth_date is None


def test_a_date_cell_with_a_time_and_a_number_cell_for_a_date(tmp_path):
    rows = [
        APPRENTICE_HEADER,
        ["a-2", "Y", "c1", "acme", datetime(2007, 11, 2, 10, 30), "2025-09-01", "2025-10-31"],
        ["a-3", "Z", "c1", "acme", None, 45901, "2025-10-31"],
    ]
    found = problems(sheet_plan(tmp_path, "a.xlsx", rows))
    assert [p.place for p in found] == ["row 2: apprentice[a-2].birth_date", "row 3: apprentice[a-3].contract_start"]
    assert "time of day" in found[0].message and "format the cell as a date" in found[1].message


# --- headers and sheets ----------------------------------------------------------------------


def test_unknown_column_gets_a_did_you_mean(tmp_path):
    rows = [[*APPRENTICE_HEADER, "date de naisance"], [*A_ROW, ""]]
    rows[0].remove("birth_date")
    rows[1].pop(4)
    (problem,) = problems(sheet_plan(tmp_path, "a.csv", rows))
    assert problem.place == "row 1: column G"
    assert "did you mean 'date de naissance'" in problem.message


def test_the_same_field_twice_is_one_line(tmp_path):
    rows = [[*APPRENTICE_HEADER, "Nom"], [*A_ROW, "Other"]]
    (problem,) = problems(sheet_plan(tmp_path, "a.csv", rows))
    assert problem.place == "row 1: column H" and "column B again" in problem.message


def test_a_sheet_named_after_the_hash(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Feuil1"
    sheet = book.create_sheet("Promo 2025")
    for row in (APPRENTICE_HEADER, A_ROW):
        sheet.append(row)
    book.save(tmp_path / "promo.xlsx")
    plan, _ = quiet_load(make_plan(tmp_path, {"apprentices": "promo.xlsx#promo 2025"}, apprentices=[]))
    assert [a.id for a in plan.apprentices] == ["a-2"]
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "promo.xlsx#Promo 2052"}, apprentices=[]))
    assert "no sheet 'Promo 2052'; did you mean 'Promo 2025'?" in problem.message
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "promo.xlsx"}, apprentices=[]))
    assert 'apprentices = "promo.xlsx#Feuil1"' in problem.message


def test_a_csv_has_no_sheets(tmp_path):
    (tmp_path / "a.csv").write_text(",".join(APPRENTICE_HEADER) + "\n", encoding="utf-8")
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.csv#Apprentis"}, apprentices=[]))
    assert "no sheets" in problem.message


def test_an_unknown_file_kind(tmp_path):
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.xls"}, apprentices=[]))
    assert ".xlsx" in problem.message


def test_trainers_from_a_sheet(tmp_path):
    rows = [
        ["Code", "Prénom", "Nom", "Matières", "Heures max par semaine"],
        ["t-a", "Claire", "Dupuis", "maths", "12,5"],
    ]
    plan, _ = quiet_load(sheet_plan(tmp_path, "f.csv", rows, key="trainers"))
    (trainer,) = plan.trainers
    assert (trainer.name, trainer.subjects, trainer.max_week_minutes) == ("Claire Dupuis", ("maths",), 750)


def test_a_typo_in_a_company_id_gets_a_did_you_mean(tmp_path):
    row = list(A_ROW)
    row[3] = "acmee"
    (problem,) = problems(sheet_plan(tmp_path, "a.csv", [APPRENTICE_HEADER, row]))
    assert problem.place == "row 2: apprentice[a-2].company" and "did you mean 'acme'?" in problem.message


def test_many_rows_load(tmp_path):
    # Linear: 20 000 rows in a few seconds (bench/check_many.py measures 700 000).
    lines = [",".join(APPRENTICE_HEADER)] + [",".join([f"a-{i}", *A_ROW[1:]]) for i in range(20_000)]
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan, _ = quiet_load(make_plan(tmp_path, {"apprentices": "a.csv"}, apprentices=[]))
    assert len(plan.apprentices) == 20_000


def test_a_zip_bomb_is_refused_before_it_is_unzipped(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"\0" * 2**20
            for _ in range(401):
                f.write(block)
    assert (tmp_path / "a.xlsx").stat().st_size < 2**20
    (problem,) = problems(make_plan(tmp_path, {"apprentices": "a.xlsx"}, apprentices=[]))
    assert "400 MB" in problem.message


def test_the_seed_apprentices_as_french_excel_exports_them(tmp_path):
    # The case: the seed's list saved by French Excel as "CSV (séparateur : point-virgule)".
    seed = Path(__file__).resolve().parents[1] / "constraints"
    french = {"id": "Identifiant", "name": "Nom", "cohort": "Promotion", "company": "Entreprise"}
    french |= {"birth_date": "Date de naissance", "contract_start": "Début de contrat"}
    french |= {"contract_end": "Fin de contrat", "exempt": "Dispenses"}
    lines = (seed / "apprentices.csv").read_text(encoding="utf-8").splitlines()
    out = [";".join(french[h] for h in lines[0].split(","))]
    for line in lines[1:]:
        cells = [date.fromisoformat(c).strftime("%d/%m/%Y") if c[:2] in ("19", "20") else c for c in line.split(",")]
        out.append(";".join(cells))
    (tmp_path / "apprentices.csv").write_bytes("\r\n".join(out).encode("cp1252"))
    shutil.copy(seed / "charmilles-agora.toml", tmp_path / "charmilles-agora.toml")
    plan, notes = quiet_load(tmp_path / "charmilles-agora.toml")
    (expected,) = load_plans([seed / "charmilles-agora.toml"])
    assert plan == expected and len(notes) == 1


@pytest.mark.parametrize(
    "header",
    [
        ["id", "name", "promotoin", "company", "contract_start", "contract_end"],
        ["id", "name", "company", "contract_start", "contract_end"],
    ],
    ids=["misspelt", "absent"],
)
def test_a_wrong_header_is_one_line_not_one_per_row(tmp_path, header):
    rows = [header] + [[f"a-{i}", "X", "c1", "acme", "2025-09-01", "2025-10-31"][: len(header)] for i in range(5)]
    found = problems(sheet_plan(tmp_path, "a.csv", rows))
    assert len(found) == 1, "\n".join(map(str, found))
    assert "promotion" in found[0].message or "promotoin" in found[0].message


def test_an_unreadable_company_list_does_not_make_every_apprentice_unknown(tmp_path):
    path = make_plan(tmp_path, {"companies": "missing.xlsx"}, companies=[])
    found = problems(path)
    assert [p.place for p in found] == ["plan.companies"], "\n".join(map(str, found))


def test_a_row_shifted_by_a_separator_in_a_cell_is_one_line(tmp_path):
    rows = [
        ["code", "nom"],
        ["acme", "Acme; fils"],  # written by hand, unquoted: one cell too many
        ["bolt", "Bolt"],
    ]
    (tmp_path / "e.csv").write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    found = problems(make_plan(tmp_path, {"companies": "e.csv"}, companies=[]))
    assert [(p.place, p.message) for p in found] == [
        ("row 2: column C", "'fils' is under no header: a ';' inside a cell? put that cell in quotes")
    ], "\n".join(map(str, found))


def test_a_yearly_season_typed_as_a_date_cell_keeps_its_day_and_month(tmp_path):
    # Calc and Excel turn "01/12" typed in a cell into 1 December of this year.
    rows = [
        ["id", "name", "peak_start", "peak_end", "peak_every_year"],
        ["acme", "Acme", date(2026, 12, 1), date(2026, 12, 24), True],
    ]
    plan, _ = quiet_load(sheet_plan(tmp_path, "e.xlsx", rows, key="companies"))
    (peak,) = plan.company("acme").peaks
    assert (peak.start_md, peak.end_md, peak.every_year) == ((12, 1), (12, 24), True)
